"""ortlearn/_html.py: every template value is escaped the one way the library always has (html.escape)."""

from __future__ import annotations

import html
import subprocess
import sys
from importlib import resources

import jinja2
import pytest

from ortlearn._html import render, safe


def test_values_are_escaped_with_html_escape_and_safe_values_are_not():
    text = "<b>'a' & \"b\"</b>"
    out = render("threshold_sweep.html", table=safe("<table></table>"), foot=text)
    assert out == f"<table></table><p>{html.escape(text)}</p>"  # &#x27; and &quot;, as stored notebook outputs have


def test_a_missing_value_is_an_error_not_an_empty_string():
    with pytest.raises(jinja2.UndefinedError):
        render("threshold_sweep.html", table=safe(""))


def test_every_template_ships_and_parses():
    folder = resources.files("ortlearn").joinpath("templates")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".html"))
    assert "doctor.html" in names
    environment = jinja2.Environment()
    for name in names:
        environment.parse(folder.joinpath(name).read_text(encoding="utf-8"))


def test_jinja2_loads_only_when_something_is_rendered():
    code = ("import sys, ortlearn.compare, ortlearn.checkup, ortlearn.exercises.core, ortlearn.quiz.html_page; "
            "print('jinja2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
