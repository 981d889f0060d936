"""Forms of the administration pages."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

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
