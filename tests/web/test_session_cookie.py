"""A session cookie is verified once per process; its age, its signature and its copies still hold."""

from __future__ import annotations

import time

import pytest
from flask import Request
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import EnvironBuilder

from lms.auth import session_cookie
from tests.conftest import login


@pytest.fixture()
def verifications(monkeypatch):
    """Count the signature checks Flask's serializer makes."""
    calls: list[str] = []
    real = URLSafeTimedSerializer.loads

    def loads(self, value, *args, **kwargs):
        calls.append(value)
        return real(self, value, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "loads", loads)
    return calls


def _open(app, cookie: str):
    environ = EnvironBuilder("/", headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}).get_environ()
    return app.session_interface.open_session(app, Request(environ))


def _cookie(app, data: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)


def test_the_same_cookie_is_verified_once(database, verifications):
    cookie = _cookie(database, {"_user_id": "key-1", "_fresh": True})
    first, second = _open(database, cookie), _open(database, cookie)
    assert dict(first) == dict(second) == {"_user_id": "key-1", "_fresh": True}
    assert verifications == [cookie]


def test_each_request_gets_its_own_copy(database):
    cookie = _cookie(database, {"_user_id": "key-2"})
    first = _open(database, cookie)
    first["_user_id"] = "changed by one request"
    assert _open(database, cookie)["_user_id"] == "key-2"


def test_a_session_holding_a_list_is_verified_every_time(database, verifications):
    cookie = _cookie(database, {"_user_id": "key-3", "_flashes": [["info", "Saved."]]})
    first = _open(database, cookie)
    first["_flashes"].append(["info", "changed in place"])
    second = _open(database, cookie)
    assert second["_flashes"] == [["info", "Saved."]] and len(verifications) == 2


def test_a_tampered_cookie_is_an_empty_session(database):
    cookie = _cookie(database, {"_user_id": "key-4"})
    assert dict(_open(database, cookie)) == {"_user_id": "key-4"}
    forged = ("f" if cookie[0] != "f" else "g") + cookie[1:]  # the payload changed, the signature not
    assert dict(_open(database, forged)) == {}


def test_a_remembered_cookie_still_expires(database, monkeypatch):
    cookie = _cookie(database, {"_user_id": "key-5"})
    assert dict(_open(database, cookie)) == {"_user_id": "key-5"}
    lifetime = database.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 5
    monkeypatch.setattr(session_cookie.time, "time", lambda: later)
    assert dict(_open(database, cookie)) == {}


def test_a_signed_in_browser_is_verified_once_and_signs_out_at_once(client, make, verifications):
    admin = make.user(make.org(), "admin")
    login(client, admin)
    assert client.get("/customers/").status_code == 200  # sets the form token: a new cookie
    assert client.get("/customers/").status_code == 200  # the new cookie, verified
    verifications.clear()
    assert client.get("/customers/").status_code == 200
    assert verifications == []  # the same cookie: remembered
    client.post("/logout")
    assert client.get("/customers/").status_code == 302


def test_the_oldest_cookies_are_forgotten_first(database):
    interface = session_cookie.RememberingSessionInterface(max_entries=2)
    for n in range(3):
        interface._remember(("secret", f"cookie-{n}"), {"n": n}, int(time.time()))
    assert list(interface._verified) == [("secret", "cookie-1"), ("secret", "cookie-2")]
