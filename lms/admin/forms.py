"""Forms of the administration pages."""

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.admin.schemas import DRIFT_SETTINGS, range_message
from lms.forms import choices
from lms.models import ROLES

ROLE_CHOICES = choices(ROLES)


class NewUserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")
    password = PasswordField("Initial password", validators=[DataRequired()],
                             description="Hand it over in person; they can change it after signing in.",
                             render_kw={"autocomplete": "new-password"})


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    version = IntegerField(widget=HiddenField.widget)


class ActiveForm(FlaskForm):
    active = HiddenField()
    version = IntegerField(widget=HiddenField.widget)


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})


def _within(name: str) -> list:
    """Return the validators of a drift setting: required, within its range."""
    _, low, high = DRIFT_SETTINGS[name]
    return [InputRequired(), NumberRange(low, high, message=range_message(name))]


class DriftSettingsForm(FlaskForm):
    drift_window_days = IntegerField("Drift window (days)", validators=_within("drift_window_days"),
                                     description="A KPI's measurements and its outcomes' ratings in this "
                                                 "many days up to today count.")
    drift_stale_days = IntegerField("Stale after (days)", validators=_within("drift_stale_days"),
                                    description="A KPI not measured for longer is stale.")
    drift_min_change_pct = FloatField("Minimum KPI change (%)", validators=_within("drift_min_change_pct"),
                                      description="Where a percentage is meaningful, a smaller change of the "
                                                  "KPI's trend counts as holding steady.")
    drift_min_satisfaction_change = FloatField(
        "Minimum meaningful change of satisfaction (points, 0–10 scale)",
        validators=_within("drift_min_satisfaction_change"),
        description="Ratings without respondent counts: a smaller change counts as no change. With counts, "
                    "a change must also clear the survey's sampling error.")
    version = IntegerField(widget=HiddenField.widget)

    def values(self) -> dict[str, float]:
        """Return the settings entered, by name."""
        return {name: getattr(self, name).data for name in DRIFT_SETTINGS}
