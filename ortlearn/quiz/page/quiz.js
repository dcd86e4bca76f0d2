// Script of the page written by `ortlearn quiz export --format html` (ortlearn/quiz/html_page.py).
// Mirrors ortlearn.quiz.grading (missing_answer, then grade): the words, the whitespace set, the number
// pattern and the epsilon come from Python in the quiz-data block; tests/test_browser.py proves both
// graders agree on every question of every bank, through window.ortlearnQuiz.grade.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("quiz-data").textContent);
  var MESSAGES = data.messages;
  var SPACE = "[" + data.space.split("").map(function (c) {
    return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
  }).join("") + "]";
  var TRIM = new RegExp("^" + SPACE + "+|" + SPACE + "+$", "g");
  var PLAIN_NUMBER = new RegExp("^(?:" + data.number_pattern + ")$");
  var VERDICT_WORD = new RegExp("^(?:" + data.verdict_word + ")");
  var byId = {};
  var state = {};
  data.questions.forEach(function (q) { byId[q.id] = q; });

  function trim(text) { return String(text).replace(TRIM, ""); }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  // grading._join: the verdict, then each feedback; a feedback opening with the verdict's word loses it.
  function join(verdict, feedback) {
    var word = verdict.split(":")[0].replace(/\.+$/, "");
    var parts = [verdict];
    feedback.forEach(function (text) {
      text = trim(text || "");
      var repeated = VERDICT_WORD.exec(text);
      if (repeated && repeated[1] === word) {
        text = text.slice(repeated[0].length);
        text = text.charAt(0).toUpperCase() + text.slice(1);
      }
      if (text) { parts.push(text); }
    });
    return parts.join(" ");
  }

  // grading.missing_answer
  function missingAnswer(q, response) {
    if (q.type === "numeric") {
      return response === null || response === undefined || !trim(response) ? MESSAGES.type_number : null;
    }
    if (q.type === "multi_choice") {
      return response === null || response === undefined || response.length === 0 ? MESSAGES.choose_some : null;
    }
    return response === null || response === undefined ? MESSAGES.choose_one : null;
  }

  // missing_answer, then grading.grade: {answered, correct, message}.
  function grade(q, response) {
    var missing = missingAnswer(q, response);
    if (missing !== null) { return { answered: false, correct: false, message: missing }; }
    if (q.type === "numeric") {
      var text = trim(response);
      if (!PLAIN_NUMBER.test(text)) {
        return { answered: true, correct: false, message: fill(MESSAGES.not_a_number, { text: text }) };
      }
      var ok = Math.abs(Number(text) - q.answer) <= q.tolerance + data.epsilon;
      return { answered: true, correct: ok, message: ok ? MESSAGES.correct : MESSAGES.incorrect };
    }
    if (q.type === "multi_choice") {
      var picked = response.slice().sort(function (a, b) { return a - b; })
        .filter(function (value, i, all) { return i === 0 || value !== all[i - 1]; });
      var right = q.choices.filter(function (c) { return c.correct; }).length;
      var found = picked.filter(function (i) { return q.choices[i].correct; }).length;
      var wrong = picked.length - found;
      var feedback = picked.map(function (i) { return q.choices[i].feedback; });
      if (wrong === 0 && found === right) {
        return { answered: true, correct: true, message: join(MESSAGES.correct, feedback) };
      }
      var verdict = fill(right === 1 ? MESSAGES.found_one : MESSAGES.found_many, { found: found, right: right });
      if (wrong) { verdict += fill(wrong === 1 ? MESSAGES.wrong_one : MESSAGES.wrong_many, { wrong: wrong }); }
      return { answered: true, correct: false, message: join(verdict + ".", feedback) };
    }
    var choice = q.choices[response];
    return { answered: true, correct: choice.correct,
             message: join(choice.correct ? MESSAGES.correct : MESSAGES.incorrect, [choice.feedback]) };
  }

  // --- shuffling in the browser: a seed kept in localStorage, so a reload shows the same order -------------

  function browserSeed() {
    var key = "ortlearn-quiz-seed";
    try {
      var kept = window.localStorage.getItem(key);
      if (kept) { return kept; }
    } catch (e) { /* storage blocked: an order for this visit only */ }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var seed = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    try { window.localStorage.setItem(key, seed); } catch (e) { /* as above */ }
    return seed;
  }

  function random(text) {  // a seeded generator: a string hash (FNV-1a) feeding mulberry32
    var h = 2166136261;
    for (var i = 0; i < text.length; i++) { h = Math.imul(h ^ text.charCodeAt(i), 16777619); }
    return function () {
      h = (h + 0x6D2B79F5) | 0;
      var t = Math.imul(h ^ (h >>> 15), 1 | h);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffle(q, seed) {  // true/false and pinned choices keep their place, like grading.choice_order
    if (q.type === "numeric" || q.type === "true_false") { return; }
    var order = q.choices.map(function (c, i) { return i; });
    var free = order.filter(function (i) { return !q.choices[i].pin; });
    var shuffled = free.slice();
    var next = random(seed + ":" + q.id);
    for (var i = shuffled.length - 1; i > 0; i--) {
      var j = Math.floor(next() * (i + 1));
      var swap = shuffled[i]; shuffled[i] = shuffled[j]; shuffled[j] = swap;
    }
    free.forEach(function (position, k) { order[position] = shuffled[k]; });
    var box = document.querySelector('[id="q-' + q.id + '"] .choices');
    var rows = {};
    Array.prototype.forEach.call(box.querySelectorAll(".choice"), function (row) {
      rows[row.querySelector("input").value] = row;
    });
    order.forEach(function (index, position) {
      var row = rows[String(index)];
      row.querySelector(".letter").textContent = String.fromCharCode(65 + position) + ".";
      box.appendChild(row);
    });
  }

  function displayedOrder(q) {
    var inputs = document.querySelectorAll('[id="q-' + q.id + '"] .choices input');
    return Array.prototype.map.call(inputs, function (input) { return Number(input.value); });
  }

  // --- the page --------------------------------------------------------------------------------------

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
    var response = null;
    if (q.type === "numeric") {
      response = document.getElementById(base + "-input").value;
    } else if (q.type === "multi_choice") {
      response = [];
      q.choices.forEach(function (c, i) { if (document.getElementById(base + "-choice-" + i).checked) { response.push(i); } });
    } else {
      q.choices.forEach(function (c, i) { if (document.getElementById(base + "-choice-" + i).checked) { response = i; } });
    }
    var result = grade(q, response);
    feedback.dir = "auto";
    if (!result.answered) { feedback.className = "feedback"; feedback.textContent = result.message; return; }
    state[q.id] = { correct: result.correct };
    feedback.className = "feedback " + (result.correct ? "correct" : "incorrect");
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

  var seed = data.shuffle ? browserSeed() : null;
  data.questions.forEach(function (q) {
    var base = "q-" + q.id;
    if (seed !== null) { shuffle(q, seed); }
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

  // For tests and curious learners: the page's grader (missing_answer + grade) and the displayed order.
  window.ortlearnQuiz = Object.freeze({
    grade: function (questionId, response) { return grade(byId[questionId], response); },
    order: function (questionId) { return displayedOrder(byId[questionId]); }
  });
})();
