// Script of the page written by `ortlearn quiz export --format html` (ortlearn/quiz/html_page.py).
// Mirrors ortlearn.quiz.grading.grade: same verdicts, same messages.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("quiz-data").textContent);
  var EPSILON = 1e-12;
  var PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
  var state = {};

  function join(verdict, feedback) {
    var parts = [verdict];
    feedback.forEach(function (text) { if (text && text.trim()) { parts.push(text.trim()); } });
    return parts.join(" ");
  }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function grade(q, response) {
    if (q.type === "numeric") {
      var text = String(response).trim();
      if (!PLAIN_NUMBER.test(text)) {
        return { correct: false, message: "Incorrect: '" + text + "' is not a number. Enter a number such as 0.85." };
      }
      var ok = Math.abs(parseFloat(text) - q.answer) <= q.tolerance + EPSILON;
      return { correct: ok, message: ok ? "Correct." : "Incorrect." };
    }
    if (q.type === "multi_choice") {
      var picked = response.slice().sort(function (a, b) { return a - b; });
      var right = [];
      q.choices.forEach(function (c, i) { if (c.correct) { right.push(i); } });
      var found = picked.filter(function (i) { return q.choices[i].correct; }).length;
      var wrong = picked.length - found;
      var feedback = picked.map(function (i) { return q.choices[i].feedback; });
      if (wrong === 0 && found === right.length) { return { correct: true, message: join("Correct.", feedback) }; }
      var verdict = "Incorrect: you found " + found + " of " + plural(right.length, "correct option", "correct options");
      if (wrong) { verdict += " and picked " + plural(wrong, "wrong one", "wrong ones"); }
      return { correct: false, message: join(verdict + ".", feedback) };
    }
    var choice = q.choices[response];
    return { correct: choice.correct, message: join(choice.correct ? "Correct." : "Incorrect.", [choice.feedback]) };
  }

  function updateProgress() {
    var answered = 0, correct = 0;
    data.questions.forEach(function (q) {
      if (state[q.id]) { answered += 1; if (state[q.id].correct) { correct += 1; } }
    });
    document.getElementById("progress").textContent =
      "answered " + answered + "/" + data.questions.length + " \u00b7 correct " + correct;
  }

  function check(q) {
    var base = "q-" + q.id;
    var feedback = document.getElementById(base + "-feedback");
    var response;
    if (q.type === "numeric") {
      response = document.getElementById(base + "-input").value;
      if (!response.trim()) { feedback.className = "feedback"; feedback.textContent = "Type a number first."; return; }
    } else if (q.type === "multi_choice") {
      response = [];
      q.choices.forEach(function (c, i) { if (document.getElementById(base + "-choice-" + i).checked) { response.push(i); } });
    } else {
      response = null;
      q.choices.forEach(function (c, i) { if (document.getElementById(base + "-choice-" + i).checked) { response = i; } });
      if (response === null) { feedback.className = "feedback"; feedback.textContent = "Choose an answer first."; return; }
    }
    var result = grade(q, response);
    state[q.id] = { correct: result.correct };
    feedback.className = "feedback " + (result.correct ? "correct" : "incorrect");
    feedback.dir = "auto";
    feedback.textContent = result.message;
    if (q.explanation && q.explanation.trim()) {
      var explanation = document.createElement("div");
      explanation.className = "explanation";
      explanation.id = base + "-explanation";
      explanation.dir = "auto";
      var label = document.createElement("strong");
      label.textContent = "Explanation:";
      var body = document.createElement("div");
      body.innerHTML = q.explanation_html;  // rendered and sanitized by ortlearn.quiz.render, never raw bank text
      explanation.appendChild(label);
      explanation.appendChild(body);
      feedback.appendChild(explanation);
    }
    updateProgress();
  }

  data.questions.forEach(function (q) {
    var base = "q-" + q.id;
    document.getElementById(base + "-check").addEventListener("click", function () { check(q); });
    var hintButton = document.getElementById(base + "-hint");
    hintButton.addEventListener("click", function () {
      var hint = document.getElementById(base + "-hint-text");
      hint.hidden = !hint.hidden;
      hintButton.setAttribute("aria-expanded", hint.hidden ? "false" : "true");
    });
    var input = document.getElementById(base + "-input");
    if (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); check(q); }
      });
    }
  });
  updateProgress();
})();
