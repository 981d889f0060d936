"""Forms of the measured flow: the log upload and the flow settings."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import FloatField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, ValidationError

CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


class UploadForm(FlaskForm):
    """Upload a CSV or XES event log."""

    log = FileField("Event log (.csv or .xes)", validators=[FileRequired("Choose a .csv or .xes file.")],
                    render_kw={"accept": ".csv,.xes,.xml,text/csv,application/xml"},
                    description="CSV: one event a row; you choose its columns on the next page. "
                                "XES: the IEEE event-log standard, read as it is.")


def clock_seconds(text: str) -> int:
    """Read "08:00" as seconds after midnight."""
    match = CLOCK.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    return int(match[1]) * 3_600 + int(match[2]) * 60


def clock_text(seconds: int) -> str:
    """Write seconds after midnight as "08:00"."""
    return f"{seconds // 3_600:02d}:{seconds % 3_600 // 60:02d}"


class SettingsForm(FlaskForm):
    """How the stream's log is read and what it is compared with."""

    workday_start = StringField("Working day starts at", validators=[InputRequired()],
                                description="Weekdays from this time for the stream's available time per day "
                                            "count as working time; evenings and weekends do not.")
    tolerance_pct = FloatField("Tolerance (%)", validators=[InputRequired(), NumberRange(1, 1_000)],
                               description="A step's entered figure disagrees with the measured median when "
                                           "they differ by more than this.")
    outcome_id = SelectField("Customer outcome about time",
                             description="The desired outcome that says how long the customer will wait; "
                                         "its satisfaction is shown beside the measured lead times.")
    kpi_id = SelectField("KPI fed from the log",
                         description="Receives each week's median lead time (working days) when you feed it.")
    version = HiddenField()

    def validate_workday_start(self, field) -> None:
        """Accept a time of day written as HH:MM."""
        try:
            clock_seconds(field.data or "")
        except ValueError:
            raise ValidationError("Write the time as HH:MM, e.g. 08:00.") from None
