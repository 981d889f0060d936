"""Forms of the KPI pages; they render and carry input, the schemas in kpis/schemas.py validate it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import DateInput, NumberInput

from lms.forms import QuickSelect, choices
from lms.lean.drift import STATUSES

DIRECTION_LABELS = {"increase": "Higher is better", "decrease": "Lower is better"}
STATUS_LABELS = {
    "orphan": "Orphan (no outcome)", "stale": "Stale", "insufficient-data": "Insufficient data",
    "measures-waste": "Measures waste", "worsening": "Worsening", "diverging": "Diverging",
    "inconclusive": "Inconclusive", "aligned": "Aligned",
}
TARGET_LABELS = {"on-track": "On track", "off-track": "Off track"}


class Required:
    """Mark a field as required for people (the asterisk); the schema does the checking."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


def _loose_select(label: str, **kwargs) -> SelectField:
    # The schema checks the value, so a select does not refuse what is not in its options.
    return SelectField(label, validate_choice=False, widget=QuickSelect(), **kwargs)


class KpiForm(FlaskForm):
    name = StringField("Name", validators=[Required()],
                       description="What is counted, e.g. Calls closed per hour.")
    unit = StringField("Unit", description="e.g. calls/h, %, days.")
    direction = SelectField("Which way is better", choices=choices(DIRECTION_LABELS, DIRECTION_LABELS))
    target = StringField("Target", widget=NumberInput(step="any"), description="Leave empty for none.")
    value_stream_id = _loose_select("Value stream")
    step_id = _loose_select("Step it measures",
                            description="Optional; the value stream is taken from the step.")
    owner_id = _loose_select("Owner", description="The owner may enter its measurements.")
    description = TextAreaField("Description")
    # Optional: the new-KPI page posts the hidden field empty, which is no error.
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class NewKpiForm(KpiForm):
    outcome_id = _loose_select("Customer outcome it stands for",
                               description="Every KPI should stand for an outcome; more can be linked later.")
    rationale = TextAreaField("Why this number stands for that outcome")


class LinkForm(FlaskForm):
    outcome_id = _loose_select("Outcome", validators=[Required()])
    rationale = TextAreaField("Why this number stands for that outcome")
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class MeasurementForm(FlaskForm):
    measured_on = StringField("Date", widget=DateInput(), validators=[Required()])
    value = StringField("Value", widget=NumberInput(step="any"), validators=[Required()])
    note = StringField("Note")


class ImportForm(FlaskForm):
    rows = TextAreaField("Paste rows", description="One measurement per line: date,value[,note] — "
                                                   "e.g. 2026-03-02,41.5,after the new script.")
    file = FileField("…or upload a CSV file", description="With a header row: measured_on,value,note.",
                     render_kw={"accept": ".csv,text/csv"})


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = _loose_select("Status", choices=choices(STATUSES, STATUS_LABELS, blank="Any status"))
    customer_id = _loose_select("Customer")
    value_stream_id = _loose_select("Value stream")
    owner_id = _loose_select("Owner")


def flat(names: dict[int, str], blank: str) -> list[tuple[str, str]]:
    """Build select options from id → name, after a blank option."""
    return [("", blank)] + [(str(value), label) for value, label in names.items()]
