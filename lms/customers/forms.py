"""Forms of the customer pages: they read the input; lms.customers.schemas validates it."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from lms.forms import choices
from lms.lean.jobs import COORDINATIONS, DIMENSIONS, NECESSITIES
from lms.models import CUSTOMER_KINDS, OUTCOME_DIRECTIONS


def optional_id(value) -> int | None:
    """Read a select's value as a record id, the empty option as None."""
    if value in (None, "", "None"):
        return None
    return int(value)


class _Versioned(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class CustomerForm(_Versioned):
    name = StringField("Name", validators=[DataRequired()],
                       description="A person, a company or the next team inside, e.g. 'Billing team'.")
    kind = SelectField("Kind", choices=choices(CUSTOMER_KINDS, {
        "external": "External — outside the organization",
        "internal": "Internal — the next process, another department"}))
    value_stream_id = SelectField(
        "Is the value stream", coerce=optional_id,
        description="Only for an internal customer: the value stream this downstream team runs.")
    description = TextAreaField("Description")

    def data_for_schema(self) -> dict:
        """Return the fields the customer schema reads."""
        return {"name": self.name.data, "kind": self.kind.data, "description": self.description.data or "",
                "value_stream_id": self.value_stream_id.data}


class JobForm(_Versioned):
    statement = StringField("Job statement", validators=[DataRequired()],
                            description="Verb + object + context, e.g. 'Pay a bill on time'.")
    parent_id = SelectField("Part of the stack of", coerce=optional_id,
                            description="Leave empty for a high-level job.")
    necessity = SelectField("Necessity", choices=choices(NECESSITIES),
                            description="Required jobs must be served for the stack to be capable; "
                                        "any one served member serves an interchangeable group.")
    interchangeable_group = StringField("Interchangeable group",
                                        description="Only for interchangeable jobs, e.g. 'exercise'.")
    coordination = SelectField("Coordination", choices=choices(COORDINATIONS, blank="— not set"),
                               coerce=lambda v: v or None,
                               description="Concurrent, one after the other, or done together with others.")
    position = IntegerField("Position in the sequence", validators=[Optional()],
                            description="1 for the first job of the stack.")
    dimension = SelectField("Dimension", choices=choices(DIMENSIONS))
    circumstance = TextAreaField("Circumstance", description="Who needs it and when.")

    def data_for_schema(self, customer_id: int) -> dict:
        """Return the fields the job schema reads."""
        return {"customer_id": customer_id, "statement": self.statement.data,
                "parent_id": self.parent_id.data, "necessity": self.necessity.data,
                "interchangeable_group": self.interchangeable_group.data or None,
                "coordination": self.coordination.data, "position": self.position.data,
                "dimension": self.dimension.data, "circumstance": self.circumstance.data or ""}


class OutcomeForm(_Versioned):
    statement = StringField("Desired outcome", validators=[DataRequired()],
                            description="E.g. 'Minimize the time it takes to pay a bill'.")
    direction = SelectField("Direction", choices=choices(OUTCOME_DIRECTIONS))

    def data_for_schema(self, job_id: int) -> dict:
        """Return the fields the outcome schema reads."""
        return {"job_id": job_id, "statement": self.statement.data, "direction": self.direction.data}


class AggregateRatingForm(FlaskForm):
    rated_on = DateField("Survey date", validators=[InputRequired()], default=date.today)
    importance = FloatField("Importance (0–10)", validators=[InputRequired()],
                            render_kw={"inputmode": "decimal"})
    satisfaction = FloatField("Satisfaction (0–10)", validators=[InputRequired()],
                              render_kw={"inputmode": "decimal"})
    respondents = IntegerField("Respondents", validators=[Optional()])
    segment = StringField("Segment", description="Optional, e.g. 'new customers'.")

    def data_for_schema(self) -> dict:
        """Return the fields the rating schema reads."""
        return {"rated_on": self.rated_on.data, "importance": self.importance.data,
                "satisfaction": self.satisfaction.data, "respondents": self.respondents.data,
                "segment": self.segment.data or None}


class AnswersRatingForm(FlaskForm):
    rated_on = DateField("Survey date", validators=[InputRequired()], default=date.today)
    answers = TextAreaField(
        "Answers", validators=[DataRequired()], render_kw={"rows": 8, "spellcheck": "false"},
        description="One respondent per line: importance,satisfaction on 1–5, e.g. '5,2'. "
                    "Importance and satisfaction become 10 × the share of 4s and 5s.")
    segment = StringField("Segment", description="Optional, e.g. 'new customers'.")


class JobCheckboxes(SelectMultipleField):
    """Related jobs of a stack as checkboxes, one per job, each labelled with its statement."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, coerce=int, **kwargs)

    def pre_validate(self, form) -> None:
        # The service says which jobs fit the stack, naming the field; an unknown id is not a crash.
        return None


class CircumstanceForm(_Versioned):
    name = StringField("Customers with …", validators=[DataRequired()],
                       description="Completes 'members with …': e.g. 'back problems', 'high card debt'.")
    segment = SelectField("Measure the share from the segment", default="",
                          description="The segment of the ratings and event logs these customers are "
                                      "recorded under: lms measures their share from its respondents and "
                                      "cases. Leave the share below empty then.")
    share = FloatField("Or enter the share of the job's customers (%)",
                       validators=[Optional(), NumberRange(0, 100)], render_kw={"inputmode": "decimal"},
                       description="0–100, when no segment measures it. Leave empty if unknown: the stack's "
                                   "coverage is then not computed.")
    requires_job_ids = JobCheckboxes("Makes required",
                                     description="Optional related jobs these customers need done too.")
    rules_out_job_ids = JobCheckboxes("Rules out",
                                      description="Members of an interchangeable group these customers "
                                                  "cannot use.")
    description = TextAreaField("Description")

    def set_segments(self, known: list[str], current: str | None = None) -> None:
        """Offer the segments known for the customer (and the one named now, should it be known no more)."""
        names = [*known, *([current] if current and current not in known else [])]
        self.segment.choices = choices([(name, name) for name in names],
                                       blank="None: the share is entered")

    def set_jobs(self, related) -> None:
        """Offer the stack's optional jobs to require and its interchangeable members to rule out."""
        self.requires_job_ids.choices = [(j.id, j.statement) for j in related if j.necessity == "optional"]
        self.rules_out_job_ids.choices = [
            (j.id, f"{j.statement} (group '{j.interchangeable_group}')")
            for j in related if j.necessity == "interchangeable"]

    def data_for_schema(self) -> dict:
        """Return the fields the circumstance schema reads (the share from a percentage)."""
        share = self.share.data
        return {"name": self.name.data, "description": self.description.data or "",
                "share": None if share is None else round(share / 100, 6),
                "segment": self.segment.data or None,
                "requires_job_ids": self.requires_job_ids.data or [],
                "rules_out_job_ids": self.rules_out_job_ids.data or []}
