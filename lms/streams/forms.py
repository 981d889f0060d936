"""Forms of the value-stream pages: they read input; lms.streams.schemas validates it."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from lms.forms import choices
from lms.lean.metrics import CLASSIFICATIONS, STEP_KINDS, WASTE_TYPES
from lms.models import STREAM_STATES

CLASSIFICATION_LABELS = {"value-adding": "Value-adding", "necessary": "Necessary (non-value-adding)",
                         "waste": "Waste", "unclassified": "Not tagged yet"}
# The tags a person chooses between on the map (clearing a tag is its own button).
TAGS: tuple[str, ...] = tuple(value for value in CLASSIFICATIONS if value != "unclassified")


TEXT_FIELDS = ("name", "description", "rationale")


def _number(label: str, description: str = "", step: str = "any") -> StringField:
    # A text field typed as a number: the schema, not WTForms, decides what is valid.
    return StringField(label, description=description, widget=NumberInput(step=step, min=0),
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
    available_seconds_per_day = _number(
        "Available working time per day (seconds)",
        "E.g. 27,600 for two shifts of 4 h minus breaks; leave empty for 86,400.", step="1")
    state = SelectField("State", choices=choices(STREAM_STATES, {"current": "Current state",
                                                                 "future": "Future state"}))
    last_walked_on = DateField("Last walked on the floor", validators=[Optional()])
    description = TextAreaField("Description", render_kw={"rows": 3})
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    SCHEMA_FIELDS = ("name", "customer_id", "job_id", "owner_id", "daily_demand",
                     "available_seconds_per_day", "state", "last_walked_on", "description")


class StepForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 200, "required": True})
    kind = SelectField("Kind", choices=choices(STEP_KINDS, {"process": "Process (box)",
                                                            "inventory": "Inventory (triangle)"}))
    job_id = SelectField("Customer job it serves", choices=[],
                         description="Required for a value-adding step: "
                                     "every step exists for a customer job.")
    # New steps start untagged: the owner tags them when ready (value-adding needs a customer job).
    classification = SelectField("Classification", choices=choices(CLASSIFICATIONS, CLASSIFICATION_LABELS),
                                 default="unclassified")
    waste_types = MultiCheckboxField("Waste types", choices=choices(WASTE_TYPES))
    rationale = TextAreaField("Why this classification", render_kw={"rows": 3})
    cycle_time_s = _number("Cycle time C/T (seconds)")
    changeover_s = _number("Changeover C/O (seconds)")
    uptime_pct = _number("Uptime (%)", "0 to 100.")
    operators = _number("Operators", step="1")
    pct_complete_accurate = _number("%C&A: complete and accurate (%)",
                                    "Share of the work the next step can use as it comes, 0 to 100.")
    wait_time_s = _number("Waiting time (seconds)", "Time work waits before or inside this step.")
    inventory_units = _number("Inventory (units)", "Units waiting here; turned into days of demand.")
    owner_id = SelectField("Step owner", choices=[])
    position = _number("Position", "Leave empty to add at the end; a number inserts it there.", step="1")
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    SCHEMA_FIELDS = ("name", "kind", "job_id", "classification", "waste_types", "rationale",
                     "cycle_time_s", "changeover_s", "uptime_pct", "operators", "pct_complete_accurate",
                     "wait_time_s", "inventory_units", "owner_id", "position")


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
