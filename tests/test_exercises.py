"""ortlearn.exercises: loading, verdicts, hints, solutions, escaping, saved results and the results table."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ortlearn as ol
from ortlearn.cli import main
from ortlearn.exercises import LESSONS, all_exercises, load
from ortlearn.exercises.core import Exercise, Mistake, call_learner
from ortlearn.quiz.store import ResultStore


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    return set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                         check=True).stdout))


def test_importing_the_exercises_loads_no_heavy_library():
    loaded = _modules_after("import ortlearn; ortlearn.exercises.load('04_export'); import ortlearn.exercises.lesson08")
    assert loaded & {"torch", "onnx", "onnxruntime", "sklearn", "matplotlib", "onnxruntime_extensions"} == set()
    assert "ortlearn.exercises" not in _modules_after("import ortlearn")


def test_ortlearn_exposes_exercises_lazily():
    assert ol.exercises.load("02_sessions").q1.id == "ex-02-predict"
    assert "exercises" in dir(ol)


@pytest.mark.parametrize("key", ["04_export", 4, "04", "lesson04"])
def test_load_accepts_stem_number_and_module_name(key):
    assert load(key).q1.topic == "04_export"


def test_load_rejects_an_unknown_lesson_and_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"No exercises for lesson '09_x'.*'01_onnx_format'.*00_start_here"):
        load("09_x")


def test_every_lesson_01_to_08_has_two_or_more_exercises_and_twenty_in_all():
    exercises = list(all_exercises())
    per_lesson = {stem: sum(e.topic == stem for e in exercises) for stem in LESSONS}
    assert all(count >= 2 for count in per_lesson.values()), per_lesson
    assert len(exercises) >= 20
    assert len({e.id for e in exercises}) == len(exercises)
    assert all(e.id.startswith(f"ex-{e.topic[:2]}-") for e in exercises)
    assert all(len(e.hints) >= 2 and e.solution_code.strip() for e in exercises)


@pytest.mark.parametrize("exercise", list(all_exercises()), ids=lambda e: e.id)
def test_an_ellipsis_is_not_attempted_and_not_recorded(exercise):
    result = exercise.check(...)
    assert result.status == "not-attempted"
    assert str(result).startswith("Not attempted yet: ")
    assert exercise.id not in ResultStore().results(exercise.topic)


@pytest.mark.parametrize("exercise", [e for e in all_exercises() if e.id != "ex-04-branchless"], ids=lambda e: e.id)
def test_a_stub_that_raises_not_implemented_is_not_attempted(exercise):
    def stub(*args, **kwargs):
        raise NotImplementedError

    def returns_ellipsis(*args, **kwargs):
        return ...

    assert exercise.check(stub).status == "not-attempted"
    assert exercise.check(returns_ellipsis).status == "not-attempted"


def _toy(checker, store="default") -> Exercise:
    return Exercise(id="ex-01-toy", topic="01_onnx_format", title="Toy", task="Write double(x).", checker=checker,
                    hints=("first <b>hint</b>", "second hint"), solution_code="def double(x):\n    return 2 * x\n",
                    section="lessons/01_onnx_format.ipynb, section 2", store=store)


def _double_checker(double) -> str:
    got = call_learner(double, 21, doing="calling double(21)")
    if got != 42:
        raise Mistake("double is wrong on a hidden input.")
    return "double doubles."


def test_a_correct_answer_is_recorded_with_the_quiz_results():
    exercise = _toy(_double_checker)
    assert str(exercise.check(lambda x: 2 * x)) == "Correct: double doubles."
    saved = ResultStore().results("01_onnx_format")["ex-01-toy"]
    assert (saved.answered, saved.correct, saved.attempts) == (True, True, 1)


def test_a_wrong_answer_says_not_yet_without_the_expected_value_and_is_recorded():
    result = _toy(_double_checker).check(lambda x: x + 1)
    assert str(result) == ("Not yet: double is wrong on a hidden input. See lessons/01_onnx_format.ipynb, "
                           "section 2.")
    assert "42" not in str(result)
    assert ResultStore().results("01_onnx_format")["ex-01-toy"].correct is False


def test_an_error_in_the_learners_code_is_wrapped_with_its_meaning_and_the_line():
    def double(x):
        return x.value * 2

    result = _toy(_double_checker).check(double)
    assert result.status == "incorrect"
    assert str(result).startswith("Not yet: your code raised an error while calling double(21): AttributeError: ")
    assert "(raised in double: return x.value * 2)" in str(result)
    assert "check its type and the spelling" in str(result)


def test_passing_the_result_of_a_call_instead_of_the_function_says_so():
    result = _toy(_double_checker).check(42)
    assert "Pass the object itself, without calling it" in str(result)


def test_learner_text_is_escaped_in_html():
    def nasty(x):
        raise ValueError("<script>alert(1)</script>")

    html = _toy(_double_checker).check(nasty)._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>Not yet</strong>" in html


def test_verdicts_use_words_and_shapes_not_colour_alone():
    exercise = _toy(_double_checker, store=None)
    for answer, words in ((lambda x: 2 * x, "Correct"), (lambda x: 0, "Not yet"), (..., "Not attempted yet")):
        html = exercise.check(answer)._repr_html_()
        assert f"<strong>{words}</strong>" in html
        assert 'role="status"' in html


def test_hints_come_in_levels_and_are_escaped():
    exercise = _toy(_double_checker)
    first, second, again = exercise.hint(), exercise.hint(), exercise.hint()
    assert str(first).startswith("Hint 1 of 2 (hint(2) says more)")
    assert str(second).startswith("Hint 2 of 2\n") and str(again) == str(second)
    assert str(exercise.hint(1)) == str(first)
    assert "&lt;b&gt;hint&lt;/b&gt;" in first._repr_html_()
    with pytest.raises(ValueError, match=r"This exercise has hints 1 to 2; got level=3"):
        exercise.hint(3)


def test_viewing_the_solution_shows_it_and_is_recorded_as_viewed():
    shown = _toy(_double_checker).solution()
    assert "def double(x):" in str(shown) and "<pre><code>def double(x):" in shown._repr_html_()
    assert ResultStore().results("01_onnx_format")["ex-01-toy-solution"].attempts == 1


def test_store_none_records_nothing():
    _toy(_double_checker, store=None).check(lambda x: 2 * x)
    assert ResultStore().results("01_onnx_format") == {}


def test_a_bad_exercise_id_is_refused():
    with pytest.raises(ValueError, match=r"must be kebab-case 'ex-NN-name'"):
        Exercise(id="toy", topic="01_onnx_format", title="t", task="t", checker=_double_checker, hints=("h",),
                 solution_code="", section="s")


def test_record_outcome_adds_up_and_rejects_bad_ids(tmp_path):
    store = ResultStore(tmp_path / "results.json")
    store.record_outcome("04_export", "ex-04-x", correct=False, seconds=2)
    result = store.record_outcome("04_export", "ex-04-x", correct=True, seconds=3)
    assert (result.attempts, result.correct, result.seconds) == (2, True, 5.0)
    with pytest.raises(ValueError, match=r"item_id kebab-case"):
        store.record_outcome("04_export", "Ex 4", correct=True, seconds=1)
    with pytest.raises(ValueError, match=r"seconds must be a finite number >= 0"):
        store.record_outcome("04_export", "ex-04-x", correct=True, seconds=-1)


def test_quiz_results_lists_exercises_with_their_kind(capsys):
    store = ResultStore()
    store.record_outcome("02_sessions", "sessions-run-returns-list", correct=True, seconds=1)
    exercise = load("02_sessions").q1
    exercise.check(lambda session, x: session.run(None, {"x": x}))  # wrong: recorded as an exercise
    exercise.solution()
    assert main(["quiz", "results", "--csv"]) == 0
    rows = [line.split(",") for line in capsys.readouterr().out.splitlines()]
    assert rows[0][-1] == "kind"
    kinds = {row[2]: (row[-1], row[4]) for row in rows[1:]}
    assert kinds == {"ex-02-predict": ("exercise", "false"), "ex-02-predict-solution": ("solution", "false"),
                     "sessions-run-returns-list": ("question", "true")}


def _cells_md() -> dict[str, list[tuple[str, str]]]:
    import re
    from pathlib import Path

    text = (Path(ol.__file__).parent / "exercises" / "NOTEBOOK_CELLS.md").read_text(encoding="utf-8")
    lessons = {}
    for block in re.split(r"(?m)^## lessons/", text)[1:]:
        stem = block.split(".ipynb", 1)[0]
        lessons[stem] = re.findall(r"\*\*(markdown|code)\*\*\n\n````\w+\n(.*?)\n````", block, flags=re.DOTALL)
    return lessons


def test_notebook_cells_for_lessons_04_to_08_cover_every_exercise_and_store_the_unattempted_state():
    from exercise_proofs import namespace

    cells = _cells_md()
    assert sorted(cells) == ["04_export", "05_metrics_pitfalls", "06_vision_pipeline", "07_performance",
                             "08_custom_operators"]
    for stem, found in cells.items():
        scope = namespace(torch=pytest.importorskip("torch"))
        checks = [source for kind, source in found if kind == "code" and ".check(" in source]
        assert len(checks) == sum(e.topic == stem for e in all_exercises())
        exec(next(source for kind, source in found if kind == "code" and "exercises.load" in source), scope)
        for source in checks:
            *body, last = source.splitlines()
            exec("\n".join(body), scope)
            assert str(eval(last, scope)).startswith("Not attempted yet: "), (stem, last)


@pytest.mark.parametrize("stem", ["01_onnx_format", "02_sessions", "03_providers", "09_real_model_ocr",
                                  "10_quantization", "11_deployment"])
def test_lessons_01_to_03_check_every_exercise_and_store_it_unattempted(stem):
    from pathlib import Path

    import nbformat

    notebook = nbformat.read(Path(__file__).parents[1] / "lessons" / f"{stem}.ipynb", as_version=4)
    for exercise in (e for e in all_exercises() if e.topic == stem):
        name = exercise.id  # find the cell that checks it
        q = next(k for k in ("q1", "q2", "q3") if getattr(load(stem), k, None) is exercise)
        cell = next(c for c in notebook.cells if c.cell_type == "code" and f"ex.{q}.check(" in c.source)
        assert "raise NotImplementedError" in cell.source, name
        shown = "".join(o["data"]["text/plain"] for o in cell.outputs if o.get("output_type") == "execute_result")
        assert shown.startswith("Not attempted yet: "), name
