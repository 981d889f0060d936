"""Attacks on signing in: fixation, enumeration, guessing, weak passwords, cookies behind a proxy.

Covered elsewhere and not repeated here: a cookie copied before logout is dead after it, the
session is emptied on sign-in, throttling per account (tests/web/test_auth.py); deactivation and
revoking a token take effect at once (tests/web/test_admin.py); token failures are throttled per
address (tests/api/test_foundation.py).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import create_app
from lms.auth import services
from lms.db import utcnow
from lms.extensions import db
from lms.models import LoginAttempt, User, UserSession
from lms.permissions import PUBLIC, allow
from tests.conftest import PASSWORD, login


def _session_key(client) -> str:
    """The server-side session key the cookie carries (Flask-Login's user id)."""
    with client.session_transaction() as session:
        return session["_user_id"]


def _live_sessions(app, user) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(UserSession.id)).where(
            UserSession.user_id == user.id, UserSession.revoked_at.is_(None)))


# Session fixation ---------------------------------------------------------------------------


def test_every_sign_in_gets_a_new_session_key_and_a_planted_one_is_worthless(app, client, make):
    user = make.user(make.org())
    client.get("/login")
    with client.session_transaction() as session:
        session["_user_id"] = "a key the attacker chose"  # planted before the victim signs in
        session["_fresh"] = True
    assert client.get("/").status_code == 302  # a made-up key signs nobody in
    login(client, user)
    first = _session_key(client)
    assert first != "a key the attacker chose"
    client.post("/logout")
    login(client, user)
    second = _session_key(client)
    assert second != first
    other = app.test_client()
    login(other, user)
    assert _session_key(other) not in (first, second)
    assert _live_sessions(app, user) == 2  # the one signed out is revoked


def test_the_session_cookie_changes_on_sign_in(client, make):
    user = make.user(make.org())
    client.get("/login")
    before = client.get_cookie("lms_session")
    login(client, user)
    after = client.get_cookie("lms_session")
    assert after is not None and (before is None or after.value != before.value)


# User enumeration ---------------------------------------------------------------------------


def _normalized(response, email: str) -> str:
    """The page with the email that was typed in taken out (the form shows it again)."""
    body = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", body)


def test_unknown_email_wrong_password_and_deactivated_account_answer_alike(app, make):
    org = make.org()
    known = make.user(org, email="known@example.test")
    asleep = make.user(org, email="asleep@example.test")
    with app.app_context():
        db.session.get(User, asleep.id).active = False
        db.session.commit()
    answers = {}
    for email, password in [("nobody@example.test", "wrong password!"), (known.email, "wrong password!"),
                            (asleep.email, PASSWORD)]:
        response = app.test_client().post("/login", data={"email": email, "password": password})
        answers[email] = (response.status_code, sorted(response.headers.keys()), _normalized(response, email))
    assert len(set(map(repr, answers.values()))) == 1, "the answers tell the accounts apart"
    assert answers["nobody@example.test"][0] == 422
    assert "Email or password is incorrect." in answers["nobody@example.test"][2]


def test_an_unknown_email_costs_a_password_check_like_a_known_one(app, make, monkeypatch):
    """Timing: both paths verify a password hash, so neither answers measurably sooner."""
    user = make.user(make.org())
    calls = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash",
                        lambda hashed, password: calls.append(hashed) or real(hashed, password))
    app.test_client().post("/login", data={"email": "nobody@example.test", "password": "wrong password!"})
    app.test_client().post("/login", data={"email": user.email, "password": "wrong password!"})
    assert len(calls) == 2
    assert calls[0] == services._dummy_hash()


# Password rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("password, message", [
    ("short", "at least 10"),
    ("aaaaaaaaaaaaaaa", "more than three different"),
    ("new.person@example.test", "email address"),
    ("x" * 150 + "yz" * 30, "at most 200"),
])
def test_an_admin_cannot_give_a_new_account_a_weak_password(app, client, make, password, message):
    org = make.org()
    login(client, make.user(org, "admin"))
    response = client.post("/admin/users", data={"email": "new.person@example.test", "name": "New",
                                                 "role": "viewer", "password": password})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "new.person@example.test")) is None


def test_a_new_password_must_differ_from_the_email_too(client, make):
    user = make.user(make.org(), email="pat.doe@example.test")
    login(client, user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Pat.Doe@example.test", "confirm": "Pat.Doe@example.test"})
    assert response.status_code == 422
    assert "email address" in response.get_data(as_text=True)


def test_a_wrong_current_password_changes_nothing(app, client, make):
    user = make.user(make.org())
    login(client, user)
    response = client.post("/account/password", data={
        "current_password": "not my password", "new_password": "another long passphrase",
        "confirm": "another long passphrase"})
    assert response.status_code == 422
    client.post("/logout")
    login(client, user)  # the old password still works


# Guessing does not grow the attempts table without bound --------------------------------------


def _attempts(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(LoginAttempt.key).order_by(LoginAttempt.id)))


def _age_all_attempts(app, days: int) -> None:
    with app.app_context():
        db.session.execute(LoginAttempt.__table__.update().values(attempted_at=utcnow() - timedelta(days=days)))
        db.session.commit()


def test_a_new_failure_prunes_the_expired_failures_of_its_own_keys(app, make):
    make.user(make.org())
    for _ in range(3):
        app.test_client().post("/login", data={"email": "guess@example.test", "password": "wrong password!"})
    _age_all_attempts(app, 2)
    app.test_client().post("/login", data={"email": "guess@example.test", "password": "wrong password!"})
    assert _attempts(app) == ["email:guess@example.test", "ip:127.0.0.1"]


def test_expired_failures_of_every_key_are_pruned_now_and_then(app, make, monkeypatch):
    """An attacker who never reuses a key (made-up emails, many addresses) is pruned too."""
    make.user(make.org())
    for number in range(5):
        app.test_client().post("/login", data={"email": f"made-up-{number}@example.test",
                                               "password": "wrong password!"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{number}"})
    _age_all_attempts(app, 2)
    monkeypatch.setattr(services, "PRUNE_EVERY", 1)
    app.test_client().post("/login", data={"email": "fresh@example.test", "password": "wrong password!"})
    assert sorted(_attempts(app)) == ["email:fresh@example.test", "ip:127.0.0.1"]


def test_recent_failures_survive_the_pruning_and_keep_the_account_locked(app, make, monkeypatch):
    user = make.user(make.org())
    monkeypatch.setattr(services, "PRUNE_EVERY", 1)
    for _ in range(app.config["LMS_LOGIN_MAX_FAILURES"]):
        app.test_client().post("/login", data={"email": user.email, "password": "wrong password!"})
    response = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)


def test_failed_token_checks_are_pruned_the_same_way(app, client, monkeypatch):
    for _ in range(3):
        client.get("/api/v1/me", headers={"Authorization": "Bearer lms_guess"})
    _age_all_attempts(app, 2)
    monkeypatch.setattr(services, "PRUNE_EVERY", 1)
    client.get("/api/v1/me", headers={"Authorization": "Bearer lms_guess"})
    assert _attempts(app) == ["token-ip:127.0.0.1"]


# Behind a reverse proxy -------------------------------------------------------------------------


@pytest.fixture()
def production_app(app, monkeypatch):
    """The app as deployed: production settings from the environment, one proxy in front."""

    def build(proxies: int):
        monkeypatch.setenv("LMS_ENV", "production")
        monkeypatch.setenv("LMS_SECRET_KEY", "s" * 64)
        monkeypatch.setenv("LMS_PROXY_FIX", str(proxies))
        monkeypatch.setenv("LMS_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
        deployed = create_app()

        @deployed.get("/_probe")
        @allow(PUBLIC)
        def probe():
            from flask import request

            return {"secure": request.is_secure, "address": request.remote_addr}

        return deployed

    return build


HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def test_behind_the_proxy_the_app_sees_https_and_the_client_address(production_app):
    client = production_app(1).test_client()
    assert client.get("/_probe", headers=HTTPS).get_json() == {"secure": True, "address": "203.0.113.7"}
    assert client.get("/_probe").get_json()["secure"] is False


def test_without_the_proxy_setting_forwarded_headers_are_not_believed(production_app):
    """Else anyone could claim another address and dodge the per-address throttling."""
    client = production_app(0).test_client()
    assert client.get("/_probe", headers=HTTPS).get_json() == {"secure": False, "address": "127.0.0.1"}


def test_behind_the_proxy_the_session_cookie_is_secure_httponly_and_lax(production_app, make):
    user = make.user(make.org())
    client = production_app(1).test_client()
    page = client.get("/login", headers=HTTPS)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    # The proxy speaks plain HTTP to the app; the browser sent the Referer CSRF checks on HTTPS.
    response = client.post("/login", headers={**HTTPS, "Referer": "https://localhost/login"},
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lms_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie
