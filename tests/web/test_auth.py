"""Signing in and out through the real forms, and the protections around it."""

from __future__ import annotations

import re

import pytest

from lms.extensions import db
from lms.models import AuditEvent, LoginAttempt
from tests.conftest import PASSWORD, login


def test_sign_in_lands_on_dashboard_with_organization_name(client, make):
    org = make.org("Repair Depot North")
    user = make.user(org, "viewer")
    response = login(client, user)
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Repair Depot North" in page


@pytest.mark.parametrize("email_kind", ["known", "unknown"])
def test_wrong_credentials_do_not_sign_in_and_do_not_tell_which(client, make, email_kind):
    user = make.user(make.org())
    email = user.email if email_kind == "known" else "nobody@example.test"
    response = client.post("/login", data={"email": email, "password": "wrong password!"})
    assert response.status_code == 422
    assert "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_email_is_case_insensitive(client, make):
    user = make.user(make.org(), email="Mixed.Case@Example.test")
    assert user.email == "mixed.case@example.test"
    response = client.post("/login", data={"email": "MIXED.case@example.TEST", "password": PASSWORD})
    assert response.status_code == 302


def test_sign_in_is_throttled_per_account_after_repeated_failures(client, make, app):
    user = make.user(make.org())
    for _ in range(app.config["LMS_LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": user.email, "password": "wrong password!"})
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 422
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    # The same message for an account that does not exist: throttling tells nothing either.
    for _ in range(app.config["LMS_LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": "ghost@example.test", "password": "wrong password!"})
    ghost = client.post("/login", data={"email": "ghost@example.test", "password": "x"})
    assert "Too many failed sign-in attempts" in ghost.get_data(as_text=True)


def test_successful_sign_in_clears_the_account_failures(client, make, app):
    user = make.user(make.org())
    client.post("/login", data={"email": user.email, "password": "wrong password!"})
    login(client, user)
    with app.app_context():
        keys = db.session.scalars(db.select(LoginAttempt.key)).all()
    assert f"email:{user.email}" not in keys


def test_cookie_copied_before_logout_is_dead_after_it(client, make, app):
    user = make.user(make.org())
    login(client, user)
    stolen = client.get_cookie("lms_session").value
    assert client.get("/").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("lms_session", stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_sign_in_issues_a_fresh_session(client, make):
    user = make.user(make.org())
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_needs_post(client, make):
    login(client, make.user(make.org()))
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target, expected", [
    ("/admin/users", "/admin/users"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_only_leads_within_this_site(client, make, target, expected):
    user = make.user(make.org())
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.headers["Location"] == expected


def test_session_cookie_flags(client, make):
    user = make.user(make.org())
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_settings_mark_cookies_secure(monkeypatch):
    from lms.config import Settings

    monkeypatch.setenv("LMS_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LMS_ENV", "production")
    assert Settings.from_env().values["SESSION_COOKIE_SECURE"] is True


def test_forms_without_csrf_token_are_refused(client, make, app):
    user = make.user(make.org())
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        assert "form expired" in response.get_data(as_text=True)
        # With the token from the page it works.
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        ok = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client, make):
    login(client, make.user(make.org()))
    for path in ("/", "/login", "/admin/users", "/account/tokens"):
        page = client.get(path).get_data(as_text=True)
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None, path
        assert "style=" not in page, path


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_oversized_request_is_refused(client, app):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data=body, content_type="application/octet-stream")
    assert response.status_code == 413


def test_pages_need_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_password_change_signs_out_other_sessions(client, make, app):
    user = make.user(make.org())
    other = app.test_client()
    login(other, user)
    login(client, user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "another long passphrase",
        "confirm": "another long passphrase"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200       # this session lives on
    assert other.get("/").status_code == 302        # the other one is gone
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "password"))


@pytest.mark.parametrize("new, message", [
    ("short", "at least 10"),
    ("aaaaaaaaaaaa", "more than three different"),
])
def test_password_rules(client, make, new, message):
    login(client, make.user(make.org()))
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new, "confirm": new})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
