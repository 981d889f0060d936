"""The quick widgets write what WTForms' own write. QuickSelect: the options of a page's selects that
share one list of choices are built once, and each select marks its own value selected; the quick
inputs write their attributes in one join."""

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


@pytest.mark.parametrize("attributes", [
    {"name": "s12-name", "id": "s12-name", "value": 'He said "<b>stop</b>" & left', "required": True},
    {"class_": "grid", "data_column": "cycle_time_s", "aria_label": "Cycle time, row 3", "readonly": False},
    {"type": "number", "step": "any", "min": 0, "inputmode": "decimal", "value": ""},
    {"aria_describedby": "x-error", "aria_invalid": "true", "maxlength": 200, "autofocus": True},
])
def test_quick_html_params_write_what_wtforms_writes(attributes):
    from wtforms.widgets import html_params

    from lms.forms import quick_html_params

    assert str(quick_html_params(**attributes)) == str(html_params(**attributes))


def test_the_steps_forms_inputs_are_drawn_as_wtforms_draws_them(request_context):
    from wtforms.widgets import NumberInput, TextInput

    from lms.streams.forms import StepForm

    class Plain(StepForm):
        class Meta:
            csrf = False

    form = Plain(data={"name": 'Weld "A" <frame>', "cycle_time_s": 5400, "operators": 2})
    for name, wtforms_widget in (("name", TextInput()), ("cycle_time_s", TextInput()),
                                 ("operators", NumberInput(step="1", min=0))):
        field = form[name]
        quick = str(field(aria_label=f"{name}, row 1", data_column=name))
        assert quick == str(wtforms_widget(field, aria_label=f"{name}, row 1", data_column=name,
                                           **(field.render_kw or {}))), quick
    assert 'value="Weld &#34;A&#34; &lt;frame&gt;"' in str(form["name"]())


def test_a_list_of_choices_grown_on_the_page_is_drawn_again(request_context):
    choices = [("1", "One")]
    row = Row(data={"job_id": "1"})
    row.job_id.choices = choices
    assert "Two" not in row.job_id()
    choices.append(("2", "Two"))
    assert _selected(row.job_id()) == ["1"] and '<option value="2">Two</option>' in row.job_id()
