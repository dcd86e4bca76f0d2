"""One test (or more) per finding of the reliability probe (shared/review/reliability.md), without a browser.

``test_findingNN_*`` failed before the hardening of issue 18 and passes after. The
store's findings (3, 5, 6, 13, 14) are in test_quiz_store_hardening.py; the browser
proof of finding 1 is test_browser_hostile_banks.py.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import onnx
import pytest
import yaml
from onnx import TensorProto, helper

from ortlearn.cli import main
from ortlearn.feeds import make_feeds
from ortlearn.loading import ExternalDataError, NotAnOnnxModelError, load_model
from ortlearn.quiz.bank import QuestionBankError, load_bank
from ortlearn.quiz.gift import format_gift
from ortlearn.quiz.questions import Bank, Choice, Question
from ortlearn.quiz.render import format_markdown_html
from ortlearn.quiz.widgets import QuizWidget

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile_banks"  # the review's banks
PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)><iframe srcdoc='x'></iframe>[l](javascript:alert(3))"


class _Markup(HTMLParser):
    """Collects the real elements and attributes of an HTML fragment (escaped text is not markup)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def _active(html: str) -> list[str]:
    """Whatever in ``html`` could run or fetch: script-like elements, event handlers, javascript: links."""
    markup = _Markup(html)
    bad = sorted(markup.tags & {"script", "img", "iframe", "svg", "math", "style", "object", "embed", "details"})
    bad += [name for name, value in markup.attributes
            if name.startswith("on") or value.strip().lower().startswith(("javascript:", "data:"))]
    return bad


def _write_bank(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


TRUE_FALSE = """topic: {topic}
title: T
questions:
  - id: q
    type: true_false
    difficulty: easy
    prompt: {prompt}
    choices: [{{text: "True", correct: true}}, {{text: "False"}}]
"""


# ---------------------------------------------------------------- 1: bank text runs in JupyterLab


def _all_widgets(widget: widgets.Widget) -> list[widgets.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _all_widgets(child)
    return found


def test_finding01_widgets_never_put_bank_text_in_a_trusted_output_and_sanitize_it():
    question = Question("q", "single_choice", "easy", PAYLOAD, choices=(Choice(PAYLOAD, True, PAYLOAD), Choice("b")),
                        hint=PAYLOAD, explanation=PAYLOAD, topic="t")
    quiz = QuizWidget(Bank("t", PAYLOAD, (question,)))
    widget = quiz.questions[0]
    widget.hint_button.click()
    widget.radio.value = 0
    widget.check_button.click()
    quiz.summary_button.click()
    everything = _all_widgets(quiz)
    assert not any(isinstance(w, widgets.Output) for w in everything)
    html_values = [w.value for w in everything if isinstance(w, widgets.HTML) and w.value]
    assert len(html_values) >= 5 and [_active(value) for value in html_values] == [[]] * len(html_values)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in widget.prompt.value  # shown as text, not dropped


def test_finding01_markdown_still_renders():
    html = format_markdown_html("**x** and `y`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n\n```\ncode\n```")
    for tag in ("<strong>x</strong>", "<code>y</code>", "<table>", "<td>1</td>", "<li>one</li>", "<pre><code>code"):
        assert tag in html


# ---------------------------------------------------------------- 2: topic path traversal


@pytest.mark.parametrize("topic", ["../victim-site/index", "/tmp/ortlearn-absolute-target", '"a\\n\\n::q::x {=y}"'])
def test_finding02_a_topic_must_be_a_plain_file_stem(tmp_path, topic):
    path = _write_bank(tmp_path, "from-colleague.yaml", TRUE_FALSE.format(topic=topic, prompt="p"))
    with pytest.raises(QuestionBankError, match=r"field 'topic': expected a plain file stem \(lowercase letters"):
        load_bank(path)


def test_finding02_export_never_writes_outside_output(tmp_path, capsys):
    victim = tmp_path / "victim-site" / "index.html"
    victim.parent.mkdir()
    victim.write_text("the teacher's page")
    bank = HOSTILE / "from-colleague.yaml"
    assert main(["quiz", "export", "--format", "html", "--output", str(tmp_path / "exportdir"), str(bank)]) == 1
    assert victim.read_text() == "the teacher's page"
    assert "field 'topic': expected a plain file stem" in capsys.readouterr().err


def test_finding02_export_files_get_the_umask_not_0600(tmp_path):
    bank = _write_bank(tmp_path, "shared.yaml", TRUE_FALSE.format(topic="shared", prompt="p"))
    old = os.umask(0o022)
    try:
        assert main(["quiz", "export", "--format", "html", "--output", str(tmp_path / "out"), str(bank)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out" / "shared.html").stat().st_mode) == 0o644


# ---------------------------------------------------------------- 4: --verify runs bank code


def test_finding04_only_verify_runs_bank_code_and_its_help_says_so(tmp_path, capsys):
    marker = tmp_path / "VERIFY-RAN"
    bank = _write_bank(tmp_path, "verifyrun.yaml", TRUE_FALSE.format(topic="verifyrun", prompt="p").replace(
        "    choices:", f"    verify: |\n      import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n    choices:"))
    assert main(["quiz", "validate", str(bank)]) == 0
    assert main(["quiz", "export", "--format", "gift", "--output", str(tmp_path / "out"), str(bank)]) == 0
    assert not marker.exists()
    with pytest.raises(SystemExit):
        main(["quiz", "validate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "EXECUTE every question's verify: snippet: this runs the bank's Python code as you" in help_text
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "### Reviewing a bank you were sent" in readme and "runs the bank's Python" in readme


# ---------------------------------------------------------------- 7: hostile banks hang or crash


@pytest.mark.parametrize("text, message", [
    ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\ntopic: t\ntitle: *b\nquestions: []\n",
     "line 2: YAML aliases (*name) are not allowed in a bank"),
    ("title: " + "[" * 100_000 + "]" * 100_000 + "\n", "line 1: lists and mappings nested more than 20 levels deep"),
    (TRUE_FALSE.format(topic="t", prompt="p").replace("    choices:", "    verify: " + "-" * 9000 + "1\n    choices:"),
     "field 'verify': too deeply nested for Python to compile"),
    (TRUE_FALSE.format(topic="t", prompt="p").replace("    choices:", "    verify: " + "-" * 100_000 + "1\n    choices:"),
     "field 'verify': is 100001 characters long; a snippet may have at most 20000."),
])  # fmt: skip
def test_finding07_hostile_banks_get_a_message_not_a_hang_or_a_crash(tmp_path, text, message):
    path = _write_bank(tmp_path, "bomb.yaml", text)
    with pytest.raises(QuestionBankError, match=re.escape(message)):
        load_bank(path)


def test_finding07_very_deep_nesting_cannot_crash_the_c_loader(tmp_path):
    # libyaml's composer recursed into a segfault at this depth: prove it in a child process.
    path = _write_bank(tmp_path, "deep.yaml", "title: " + "[" * 1_000_000 + "\n")
    code = "import sys; from ortlearn.quiz.bank import collect_banks; print(collect_banks([sys.argv[1]])[1][0])"
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "nested more than 20 levels deep" in done.stdout


# ---------------------------------------------------------------- 8: CSV formula injection


def test_finding08_csv_cells_that_start_a_formula_are_neutralized(tmp_path, capsys):
    folder = tmp_path / "=1+2"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps({"version": 1, "results": {"t": {
        "q": {"answered": True, "correct": True, "attempts": 1, "seconds": 1}}}}))
    assert main(["quiz", "results", "--csv", "--path", str(folder / "results.json")]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "'=1+2,t,q,true,true,1,1,question"


def test_finding08_forged_keys_are_left_out_with_a_message(tmp_path, capsys):
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"version": 1, "results": {"=HYPERLINK(\"x\")": {
        "q": {"answered": True, "correct": True, "attempts": 1, "seconds": 1}}}}))
    assert main(["quiz", "results", "--csv", "--path", str(path)]) == 0
    captured = capsys.readouterr()
    assert "HYPERLINK" not in captured.out and "left out a damaged entry" in captured.err


# ---------------------------------------------------------------- 9: terminal escape injection


def test_finding09_control_characters_are_refused_in_banks_and_stripped_when_printed(tmp_path, capsys):
    path = _write_bank(tmp_path, "unicode.yaml", TRUE_FALSE.format(topic="t", prompt='"hidden \\e[8mcorrect\\e[0m"'))
    with pytest.raises(QuestionBankError, match=re.escape("field 'prompt': contains the control character '\\x1b' at position 7")):
        load_bank(path)
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"version": 1, "results": {}}))
    evil_dir = tmp_path / "evil\x1b]0;title\x07"
    evil_dir.mkdir()
    (evil_dir / "results.json").write_text(json.dumps({"version": 1, "results": {"t": {
        "q": {"answered": True, "correct": True, "attempts": 1, "seconds": 1}}}}))
    main(["quiz", "results", "--path", str(evil_dir / "results.json")])
    assert "\x1b" not in capsys.readouterr().out


# ---------------------------------------------------------------- 10: duplicate keys


def test_finding10_duplicate_keys_are_refused_with_their_lines(tmp_path):
    text = TRUE_FALSE.format(topic="t", prompt="p").replace('{text: "True", correct: true}',
                                                              '{text: "True", correct: true, correct: false}')
    path = _write_bank(tmp_path, "dupkeys.yaml", text)
    with pytest.raises(QuestionBankError, match=re.escape("line 8: duplicate key 'correct' in one mapping (first on line 8)")):
        load_bank(path)


# ---------------------------------------------------------------- 11: quiz list with odd files


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.symlink_to(p.parent / "nowhere.yaml"), "it is a symbolic link to a missing file"),
    (lambda p: p.mkdir(), "it is a folder; a bank is a .yaml file"),
    (lambda p: os.mkfifo(p), "it is not a regular file"),
])
def test_finding11_quiz_list_reports_odd_files_in_one_line(tmp_path, monkeypatch, capsys, make, reason):
    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(tmp_path))
    make(tmp_path / "odd.yaml")
    assert main(["quiz", "list"]) == 1
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err


def test_finding11_a_closed_pipe_ends_quietly():
    code = "import sys; from ortlearn.cli import main; sys.exit(main(['quiz', 'list']))"
    done = subprocess.run(f"{sys.executable} -c \"{code}\" | head -1", shell=True, capture_output=True, text=True,
                          timeout=60)
    assert "BrokenPipeError" not in done.stderr and "Traceback" not in done.stderr


# ---------------------------------------------------------------- 12: GIFT weights and HTML


def test_finding12_gift_answers_cannot_carry_moodle_weights_or_html():
    question = Question("q", "single_choice", "easy", "Pick <img src=x onerror=alert(1)> `a<b`",
                        choices=(Choice("right", True), Choice("%50% wrong but half marks")), topic="t")
    text = format_gift(Bank("t", "T", (question,)))
    assert "~&\\#37;50% wrong but half marks" in text  # GIFT escapes the #; Moodle reads &#37;, a plain %
    assert "&lt;img src\\=x onerror\\=alert(1)>" in text and "`a<b`" in text


# ---------------------------------------------------------------- 15: hostile model files


def _model(dims: list[int]) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, dims)
    return helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y]))


def test_finding15_make_feeds_refuses_absurd_and_negative_shapes():
    with pytest.raises(ValueError, match=re.escape("input 'x': its shape [40000, 40000] holds 1,600,000,000 elements")):
        make_feeds(_model([40000, 40000]))
    with pytest.raises(ValueError, match=re.escape("input 'x': the model declares the shape [2, -3]")):
        make_feeds(_model([2, -3]))
    assert make_feeds(_model([2, 3]))["x"].shape == (2, 3)


def test_finding15_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "fifo-model.onnx"
    os.mkfifo(fifo)
    with pytest.raises(NotAnOnnxModelError, match="is not a regular file"):
        load_model(fifo)


def test_finding15_external_data_outside_the_folder_is_explained(tmp_path):
    model = _model([2])
    weight = helper.make_tensor("w", TensorProto.FLOAT, [2], np.ones(2, np.float32).tobytes(), raw=True)
    onnx.external_data_helper.set_external_data(weight, location="../../../../etc/passwd")
    weight.ClearField("raw_data")
    model.graph.initializer.append(weight)
    path = tmp_path / "model.onnx"
    path.write_bytes(model.SerializeToString())
    with pytest.raises(ExternalDataError, match=r"must be a regular file given by a relative path inside the model's own folder"):
        load_model(path)


# ---------------------------------------------------------------- 16: messages


def test_finding16_messages_name_the_real_problem(tmp_path):
    path = _write_bank(tmp_path, "yes.yaml", TRUE_FALSE.format(topic="t", prompt="p").replace('text: "True"', "text: Yes"))
    with pytest.raises(QuestionBankError, match=re.escape("YAML reads yes/no, on/off and true/false as a boolean: put the text in quotes")):
        load_bank(path)
    long = _write_bank(tmp_path, "passwd.yaml", "x" * 5000 + "\n")
    with pytest.raises(QuestionBankError) as info:
        load_bank(long)
    assert len(str(info.value)) < 400  # the value is shortened, not echoed whole


# ---------------------------------------------------------------- 17: speed


def test_finding17_banks_are_read_with_the_c_loader_where_pyyaml_has_it():
    from ortlearn.quiz.yaml_loader import yaml_loader_class

    assert issubclass(yaml_loader_class(), getattr(yaml, "CSafeLoader", yaml.SafeLoader))
