"""Flask's signed session cookie, with each cookie's verification remembered.

A signed-in browser sends the same cookie with every request until its session changes. Flask
checks the cookie's signature and decodes it again each time: about 40 µs of every request on
this project's machine, which is a sixth of a cached page's whole cost. Here a cookie that was
verified once is remembered, byte for byte, with what it holds and when it was signed; the same
bytes later are the same session. Its age is still checked on every request, so an expired
cookie is refused as before, and anything else (a new cookie, a tampered one) goes through
Flask's own verification.

Only sessions whose values cannot be changed in place (strings, numbers, booleans, None) are
remembered: each request gets its own copy, so one request's changes never reach another's.
The session itself lives on the server (``lms.auth.services``): remembering a cookie's
signature check never keeps a signed-out session alive.
"""

from __future__ import annotations

import time
from threading import Lock

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

IMMUTABLE = (str, int, float, bool, type(None))


class RememberingSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` that verifies a given cookie once per process."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._verified: dict[tuple, tuple[dict, int]] = {}
        self._lock = Lock()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, value)
        remembered = self._verified.get(key)
        if remembered is not None:
            data, signed_at = remembered
            age = int(time.time()) - signed_at  # as itsdangerous counts it
            return self.session_class(data if 0 <= age <= max_age else {})
        try:
            serializer = self.get_signing_serializer(app)
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, IMMUTABLE) for v in data.values()):
            self._remember(key, data, int(signed.timestamp()))
        return self.session_class(data)

    def _remember(self, key: tuple, data: dict, signed_at: int) -> None:
        with self._lock:
            while len(self._verified) >= self.max_entries:
                del self._verified[next(iter(self._verified))]  # the oldest first
            self._verified[key] = (dict(data), signed_at)
