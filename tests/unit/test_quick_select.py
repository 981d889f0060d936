"""QuickSelect: the options of a page's selects that share one list of choices are built once, and
each select marks its own value selected, as WTForms' own widget does."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from wtforms import Form, SelectField, SelectMultipleField

from lms.forms import QuickSelect, choices, grouped

JOBS = grouped({"Utilities": [(1, "Restore a pump"), (2, "  · Order <parts>")], "Claims": [(3, "Assess a claim")]},
               blank="— no customer job —")


class Row(Form):
    job_id = SelectField(choices=[], widget=QuickSelect())


class Tags(Form):
    tags = SelectMultipleField(choices=choices(("a", "b", "c")), widget=QuickSelect(multiple=True))


def _selected(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', html)


@pytest.fixture()
def request_context():
    with Flask(__name__).test_request_context("/"):
        yield


def _row(data):
    row = Row(data={"job_id": data})
    row.job_id.choices = JOBS
    return row.job_id


def _wtforms_selected(html: str) -> list[str]:
    return [re.search(r'value="([^"]*)"', attrs).group(1)
            for attrs in re.findall(r"<option([^>]*)>", html) if " selected" in attrs]


@pytest.mark.parametrize(("data", "selected"), [(2, ["2"]), ("3", ["3"]), (None, []), ("", [""]), (9, [])])
def test_each_select_marks_its_own_value_as_wtforms_does(request_context, data, selected):
    assert _selected(_row(data)()) == selected
    own = _row(data)
    own.widget = SelectField.widget  # WTForms' own widget, option by option
    assert _wtforms_selected(str(own())) == selected


def test_fields_sharing_choices_share_the_options_and_keep_their_own_selection(request_context):
    first, second, third = _row(1)(), _row(3)(), _row(None)()
    assert _selected(first) == ["1"] and _selected(second) == ["3"] and _selected(third) == []
    assert first.replace(" selected", "") == second.replace(" selected", "") == third
    assert "Order &lt;parts&gt;" in first and '<optgroup label="Utilities">' in first  # escaped, grouped


def test_a_multiple_select_marks_every_value(request_context):
    form = Tags(data={"tags": ["a", "c"]})
    html = form.tags()
    assert _selected(html) == ["a", "c"] and " multiple" in html
