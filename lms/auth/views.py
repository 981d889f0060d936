"""Sign in, sign out, change password, personal API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from lms import tenancy
from lms.auth import bp, services
from lms.auth.forms import ChangePasswordForm, SignInForm, TokenForm
from lms.auth.permissions import REVOKE_TOKEN
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.forms import apply_field_errors
from lms.models import ApiToken
from lms.permissions import MEMBER, PUBLIC, allow


def _safe_next(target: str | None) -> str:
    """Return ``target`` when it stays on this site, else the dashboard.

    A target with any control character is refused whole: ``urlsplit`` would check a copy with
    tabs and line breaks removed, and the original would then break the Location header.
    """
    if target and target.isprintable():
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith(("//", "/\\")):
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except services.SignInRefused as refused:
            form.password.errors.append(refused.message)
        else:
            session.clear()  # a fresh session on every sign-in: no fixation
            services.start_session(user, request.remote_addr, request.user_agent.string)
            login_user(user)
            return redirect(_safe_next(form.next.data))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
@allow(MEMBER)
def logout():
    services.end_session(current_user.session_key)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(MEMBER)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationFailed as failed:
            apply_field_errors(form, failed)
        else:
            flash("Password changed. Your other sessions were signed out.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/password.html", form=form), 200 if not form.errors else 422


@bp.route("/account/tokens", methods=["GET", "POST"])
@allow(MEMBER)
def tokens():
    form = TokenForm()
    issued = None
    if form.validate_on_submit():
        try:
            issued = services.create_token(current_user, form.name.data)
        except ValidationFailed as failed:
            apply_field_errors(form, failed)
        else:
            form = TokenForm(formdata=None)
    mine = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/tokens.html", form=form, tokens=mine, issued=issued)


@bp.post("/account/tokens/<int:token_id>/revoke")
@allow(REVOKE_TOKEN)
def revoke_token(token_id: int):
    token = tenancy.get_or_404(ApiToken, token_id)
    services.revoke_token(token)
    flash(f"Token '{token.name}' revoked.", "success")
    return redirect(_safe_next(request.form.get("next")) if request.form.get("next")
                    else url_for("auth.tokens"))
