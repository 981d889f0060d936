"""Forms of the value-stream pages: they read input; lms.streams.schemas validates it."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.forms import DurationField, QuickNumberInput, QuickSelect, QuickTextInput, choices
from lms.lean.metrics import CLASSIFICATIONS, STEP_KINDS, WASTE_TYPES
from lms.models import STREAM_STATES

CLASSIFICATION_LABELS = {"value-adding": "Value-adding", "necessary": "Necessary (non-value-adding)",
                         "waste": "Waste", "unclassified": "Not tagged yet"}
# The tags a person chooses between on the map (clearing a tag is its own button), with the short
# names their buttons show (the full name is the button's title).
TAGS: tuple[str, ...] = tuple(value for value in CLASSIFICATIONS if value != "unclassified")
TAG_BUTTON_LABELS = {"value-adding": "Value-adding", "necessary": "Necessary", "waste": "Waste"}


TEXT_FIELDS = ("name", "description", "rationale")
DURATION_HINT = "E.g. 45 s, 15 min, 2 h or 1.5 d (working days); a plain number is seconds."


def _number(label: str, description: str = "", step: str = "any") -> StringField:
    # A text field typed as a number: the schema, not WTForms, decides what is valid.
    return StringField(label, description=description, widget=QuickNumberInput(step=step, min=0),
                       render_kw={"inputmode": "decimal"})


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StreamForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 200, "required": True})
    customer_id = SelectField("Customer it serves", choices=[])
    job_id = SelectField("Customer job it serves", choices=[],
                         description="The high-level job to be done this stream exists for.")
    owner_id = SelectField("Process owner", choices=[])
    daily_demand = _number("Daily demand (units per day)", "Sets takt time; leave empty if unknown.")
    available_seconds_per_day = DurationField(
        "Available working time per day",
        description="E.g. 7 h 40 min for two shifts of 4 h minus breaks, or seconds (27600). It is the "
                    "working day: the stream's durations are written in these days (d). Leave empty if "
                    "unknown: durations are then written in hours.",
        days=False, no_day_message="This is the length of the working day itself: write it in hours and "
                                   "minutes, e.g. 7 h 30 min.")
    state = SelectField("State", choices=choices(STREAM_STATES, {"current": "Current state",
                                                                 "future": "Future state"}))
    last_walked_on = DateField("Last walked on the floor", validators=[Optional()])
    description = TextAreaField("Description", render_kw={"rows": 3})
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    SCHEMA_FIELDS = ("name", "customer_id", "job_id", "owner_id", "daily_demand",
                     "available_seconds_per_day", "state", "last_walked_on", "description")


class StepForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 200, "required": True}, widget=QuickTextInput())
    kind = SelectField("Kind", choices=choices(STEP_KINDS, {"process": "Process (box)",
                                                            "inventory": "Inventory (triangle)"}),
                       widget=QuickSelect())
    job_id = SelectField("Customer job it serves", choices=[], widget=QuickSelect(),
                         description="Required for a value-adding step: "
                                     "every step exists for a customer job.")
    # New steps start untagged: the owner tags them when ready (value-adding needs a customer job).
    classification = SelectField("Classification", choices=choices(CLASSIFICATIONS, CLASSIFICATION_LABELS),
                                 default="unclassified", widget=QuickSelect())
    waste_types = MultiCheckboxField("Waste types", choices=choices(WASTE_TYPES))
    rationale = TextAreaField("Why this classification", render_kw={"rows": 3})
    cycle_time_s = DurationField("Cycle time C/T", description=DURATION_HINT)
    changeover_s = DurationField("Changeover C/O", description=DURATION_HINT)
    uptime_pct = _number("Uptime (%)", "0 to 100.")
    operators = _number("Operators", step="1")
    pct_complete_accurate = _number("%C&A: complete and accurate (%)",
                                    "Share of the work the next step can use as it comes, 0 to 100.")
    wait_time_s = DurationField("Waiting time", description="Time work waits before or inside this step. "
                                                            + DURATION_HINT)
    inventory_units = _number("Inventory (units)", "Units waiting here; turned into days of demand.")
    owner_id = SelectField("Step owner", choices=[])
    position = _number("Position", "Leave empty to add at the end; a number inserts it there.", step="1")
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    SCHEMA_FIELDS = ("name", "kind", "job_id", "classification", "waste_types", "rationale",
                     "cycle_time_s", "changeover_s", "uptime_pct", "operators", "pct_complete_accurate",
                     "wait_time_s", "inventory_units", "owner_id", "position")


# The columns of the steps table, in the order a value-stream map's data box reads.
GRID_FIELDS = ("name", "kind", "cycle_time_s", "wait_time_s", "inventory_units", "pct_complete_accurate",
               "operators", "uptime_pct", "job_id", "classification")


# One row of the steps table, made of the step form's own fields: the same labels, inputs and parsing.
# A plain WTForms form: the table's one CSRF token travels in GridForm.
StepRowForm = type("StepRowForm", (Form,), {
    **{name: getattr(StepForm, name) for name in GRID_FIELDS},
    "version": IntegerField(widget=HiddenField.widget, validators=[Optional()]),
    "SCHEMA_FIELDS": GRID_FIELDS,
    "__doc__": "One row of the steps table, built from the step form's field definitions.",
})


class GridForm(FlaskForm):
    """The steps table's envelope: its CSRF token."""


class TagForm(FlaskForm):
    """Tag one step in place: the button pressed names the classification."""

    classification = SelectField("Classification", choices=choices(CLASSIFICATIONS, CLASSIFICATION_LABELS))
    waste_types = MultiCheckboxField("Waste types", choices=choices(WASTE_TYPES))
    rationale = TextAreaField("Reason", render_kw={"rows": 2})
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class MoveForm(FlaskForm):
    direction = SelectField(choices=choices(("up", "down")))


def schema_values(form: FlaskForm) -> dict[str, Any]:
    """Return the form's input for the schema: empty text means "not given"."""
    values = {}
    for name in form.SCHEMA_FIELDS:
        value = form[name].data
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        elif isinstance(value, str):
            value = value.strip() or None
        values[name] = value
    return values
