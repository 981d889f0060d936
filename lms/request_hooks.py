"""Request hooks that every response passes: the boundary, write intent, security headers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, g, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from lms import tenancy
from lms.auth import boundary
from lms.db import MAX_INT, write_intent
from lms.extensions import db

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class RecordIdConverter(IntegerConverter):
    """``<int:…>`` in a route: a whole number lms can store, so a larger one is simply not found (404).

    ASCII digits only: Python's ``\\d`` also matches other scripts' digits (``٣`` would be 3).
    """

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_INT:
            # Not a ValidationError: werkzeug would then answer 405 when the same path has a rule
            # for another method. No record can have this id, whatever the method: 404.
            raise NotFound()
        return number


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading nesting too deep for the parser as unreadable JSON (400), not a crash."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply.") from None


NUL_REFUSED = ("The request contains a NUL character (\\x00), which no text in lms can hold. "
               "Remove it and send it again.")


def _refuse_nul_characters() -> None:
    """Refuse NUL in the query string and in form fields at the door (PostgreSQL cannot store it).

    JSON bodies are checked field by field by the schemas (``lms.schema_types.Checked``), which name
    the field at fault; forms and queries carry no such schema everywhere (sign-in, account pages).
    """
    values = [value for _, value in request.args.items(multi=True)]
    if request.method not in SAFE_METHODS and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        values += [value for _, value in request.form.items(multi=True)]
    if any("\x00" in value for value in values):
        abort(400, NUL_REFUSED)


def _begin_request() -> Response | None:
    _refuse_nul_characters()
    g.write_intent_token = write_intent.set(request.method not in SAFE_METHODS)
    tenancy.act_as(None)
    return boundary.admit()  # who is asking and whether they may, before anything else runs


def _end_request(_exc: BaseException | None) -> None:
    token = g.pop("write_intent_token", None)
    if token is not None:
        write_intent.reset(token)


def _secure_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.blueprint != "static" and "Cache-Control" not in headers and "ETag" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def _remove_session(_exc: BaseException | None) -> None:
    db.session.remove()


def init_app(app: Flask) -> None:
    """Install the hooks, and trust proxy headers only when configured to."""
    app.json = JSONProvider(app)
    proxies = app.config.get("LMS_PROXY_FIX", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    app.before_request(_begin_request)
    app.teardown_request(_end_request)
    app.after_request(_secure_headers)
    app.teardown_appcontext(_remove_session)
