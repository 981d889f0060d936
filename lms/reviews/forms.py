"""Forms of the review pages: they read input; lms.reviews.schemas validates it."""

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

from lms.forms import choices
from lms.lean.metrics import WASTE_TYPES
from lms.models import ACTION_STAGES, REVIEW_KINDS, REVIEW_STATUSES
from lms.reviews.services import KIND_LABELS

STAGE_LABELS = {"plan": "Plan", "do": "Do", "check": "Check", "act": "Act", "done": "Done",
                "dropped": "Dropped"}
STATUS_LABELS = {"planned": "Planned", "open": "Open", "closed": "Closed"}


def _select(label: str, description: str = "", **kw: Any) -> SelectField:
    # The schema, not WTForms, decides what is valid: a choice that vanished meanwhile gets its message.
    return SelectField(label, choices=[], validate_choice=False, description=description, **kw)


class ReviewForm(FlaskForm):
    value_stream_id = _select("Value stream")
    kind = SelectField("Kind", choices=choices(REVIEW_KINDS, KIND_LABELS), validate_choice=False)
    held_on = DateField("Date", validators=[Optional()])
    facilitator_id = _select("Facilitator")
    participant_ids = SelectMultipleField(
        "Participants", choices=[], validate_choice=False, coerce=str,
        description="Hold Ctrl (⌘ on a Mac) to choose several people.", render_kw={"size": 6})
    notes = TextAreaField("Notes", render_kw={"rows": 5},
                          description="The background: why this review, what the team wants to learn.")
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    SCHEMA_FIELDS = ("value_stream_id", "kind", "held_on", "facilitator_id", "participant_ids", "notes")


class FindingForm(FlaskForm):
    text = TextAreaField("What did you see?", render_kw={"rows": 3, "maxlength": 20_000})
    step_id = _select("Step")
    waste_type = SelectField("Waste type", choices=choices(WASTE_TYPES, blank="— none —"),
                             validate_choice=False)
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    SCHEMA_FIELDS = ("text", "step_id", "waste_type")


class ActionForm(FlaskForm):
    title = StringField("Action", render_kw={"maxlength": 300})
    owner_id = _select("Owner", "The person who carries it out; they can move it through the stages.")
    due_on = DateField("Due on", validators=[Optional()])
    stage = SelectField("Stage", choices=choices(ACTION_STAGES, STAGE_LABELS), validate_choice=False)
    step_id = _select("Step it changes")
    kpi_id = _select("KPI it should move")
    outcome_id = _select("Customer outcome it should move")
    expected_effect = TextAreaField("Expected effect", render_kw={"rows": 2})
    observed_result = TextAreaField("Observed result", render_kw={"rows": 2})
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    SCHEMA_FIELDS = ("title", "owner_id", "due_on", "stage", "step_id", "kpi_id", "outcome_id",
                     "expected_effect", "observed_result")


class AssigneeActionForm(FlaskForm):
    """What the person an action is assigned to may change."""

    stage = SelectField("Stage", choices=choices(ACTION_STAGES, STAGE_LABELS), validate_choice=False)
    observed_result = TextAreaField("Observed result", render_kw={"rows": 3})
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    SCHEMA_FIELDS = ("stage", "observed_result")


class StageForm(FlaskForm):
    stage = HiddenField()
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class StatusForm(FlaskForm):
    status = HiddenField()
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    value_stream_id = _select("Value stream")
    status = SelectField("Status", choices=choices(REVIEW_STATUSES, STATUS_LABELS, blank="Any status"),
                         validate_choice=False)


TEXT_FIELDS = {"notes", "text", "title", "expected_effect", "observed_result"}


def schema_values(form: FlaskForm) -> dict[str, Any]:
    """Return the form's input for the schema: an empty choice means "none", a text not sent is left out."""
    values: dict[str, Any] = {}
    for name in form.SCHEMA_FIELDS:
        value = form[name].data
        if value is None and name in TEXT_FIELDS:
            continue  # not sent: left as it is
        if isinstance(value, str):
            value = value.strip()
            if value == "" and name not in TEXT_FIELDS:
                value = None
        elif isinstance(value, list):
            value = [v for v in value if v not in ("", None)]
        values[name] = value
    return values
