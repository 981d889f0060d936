"""Users, roles and tokens of the organization: admins only."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from lms import tenancy
from lms.admin import bp, services
from lms.admin.forms import ActiveForm, DriftSettingsForm, NewUserForm, ResetPasswordForm, RoleForm
from lms.admin.permissions import ADMINISTER
from lms.admin.schemas import DriftSettingsIn
from lms.auth.services import create_user
from lms.errors import ValidationFailed
from lms.forms import apply_field_errors, attempt, submit
from lms.models import User
from lms.permissions import allow
from lms.validation import validate


@bp.route("/users", methods=["GET", "POST"])
@allow(ADMINISTER)
def users():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(tenancy.actor().organization, email=form.email.data,
                               password=form.password.data, role=form.role.data, name=form.name.data)
        except ValidationFailed as failed:
            apply_field_errors(form, failed)
        else:
            flash(f"Account {user.email} created as {user.role}.", "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/users.html", form=form, users=services.list_users()), status


def _render_user(target: User, password_form: ResetPasswordForm | None = None, status: int = 200):
    return render_template(
        "admin/user.html", target=target,
        role_form=RoleForm(role=target.role, version=target.version),
        active_form=ActiveForm(active="0" if target.active else "1", version=target.version),
        password_form=password_form or ResetPasswordForm(),
    ), status


@bp.route("/users/<int:user_id>", methods=["GET"])
@allow(ADMINISTER)
def user(user_id: int):
    return _render_user(tenancy.get_or_404(User, user_id))


def _apply(change, success: str) -> None:
    """Run a change and flash its outcome: the success message or what stopped it."""
    _, refusals, _ = attempt(change)
    for message in refusals:
        flash(message, "error")
    if not refusals:
        flash(success, "success")


@bp.post("/users/<int:user_id>/role")
@allow(ADMINISTER)
def change_role(user_id: int):
    target = tenancy.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        _apply(lambda: services.change_role(target, form.role.data, version=form.version.data),
               f"{target.email} is now {form.role.data}.")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.post("/users/<int:user_id>/active")
@allow(ADMINISTER)
def set_active(user_id: int):
    target = tenancy.get_or_404(User, user_id)
    form = ActiveForm()
    if form.validate_on_submit():
        active = form.active.data == "1"
        _apply(lambda: services.set_active(target, active, version=form.version.data),
               f"{target.email} {'reactivated' if active else 'deactivated'}.")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.post("/users/<int:user_id>/password")
@allow(ADMINISTER)
def reset_password(user_id: int):
    target = tenancy.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(target, form.password.data)
        except ValidationFailed as failed:
            apply_field_errors(form, failed)
            return _render_user(target, form, 422)
        flash(f"Password of {target.email} reset; they were signed out everywhere.", "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.get("/tokens")
@allow(ADMINISTER)
def tokens():
    return render_template("admin/tokens.html", rows=services.list_tokens())


@bp.route("/settings", methods=["GET", "POST"])
@allow(ADMINISTER)
def settings():
    organization = tenancy.actor().organization
    form = DriftSettingsForm(obj=organization)  # what was posted, else the stored settings
    done = submit(form, lambda: services.update_drift_settings(
        organization, validate(DriftSettingsIn, form.values()), version=form.version.data))
    if done.saved:
        flash("Drift settings saved." if done.result else "Nothing changed.", "success")
        return redirect(url_for("admin.settings"))
    if done.status == 409:  # show the settings as they are now, and why the change was not made
        flash(form.form_errors.pop(), "error")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), done.status
