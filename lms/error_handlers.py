"""Every error answered in one place: friendly pages for people, the JSON error format for the API
(``register_error_handlers`` for the app, ``register_api_error_handlers`` for the API's blueprint);
nothing leaks."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, Flask, current_app, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from lms.auth.boundary import Unauthenticated
from lms.errors import CODES, ApiError, ValidationFailed, VersionConflict
from lms.extensions import db
from lms.retry import BUSY_MESSAGE, is_transient
from lms.tenancy import Forbidden

log = logging.getLogger("lms")



def error_response(status: int, message: str, fields: dict | None = None, code: str | None = None):
    """Build the JSON error response the API contract names (the API and every /api/ path use it)."""
    body: dict = {"code": code or CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="lms"'
    return response

TITLES = {
    400: "The request could not be read",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Changed meanwhile",
    413: "Too large",
    422: "Invalid input",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Busy, please try again",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _same_site_referrer() -> str | None:
    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) else None


def _render(status: int, message: str, error_id: str | None = None):
    db.session.rollback()
    if _wants_json():
        if error_id:
            message = f"{message} (error id {error_id})"
        return error_response(status, message)
    return render_template("errors/error.html", status=status, title=TITLES.get(status, "Error"),
                           message=message, error_id=error_id), status


def _http_error(exc: HTTPException):
    if exc.code == 401 and not _wants_json():
        return redirect("/login?next=" + request.full_path.rstrip("?"))
    return with_allow(exc, current_app.make_response(_render(exc.code or 500, exc.description or "")))


def with_allow(exc: HTTPException, response):
    """Carry a 405's ``Allow`` header (the methods the address takes) over to our own answer."""
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _csrf_error(exc: CSRFError):
    return _render(400, "The form expired or was sent from elsewhere. "
                        "Go back, reload the page and try again.")


def _forbidden(exc: Forbidden):
    return _render(403, exc.message)


def _conflict(exc: Exception):
    db.session.rollback()
    if _wants_json() or request.method == "GET":
        return _render(409, VersionConflict().message)
    flash(VersionConflict().message, "error")
    return redirect(_same_site_referrer() or "/")


def _server_error(exc: Exception):
    original = getattr(exc, "original_exception", None) or exc
    error_id = secrets.token_hex(6)
    log.error("error id %s on %s %s", error_id, request.method, request.path, exc_info=original)
    return _render(500, "An unexpected error stopped this request. It has been logged.", error_id)


def _database_error(exc: DBAPIError):
    if not is_transient(exc):
        return _server_error(exc)
    # Still colliding after the retries (lms.retry): nothing was written; say so, never a 500.
    log.warning("busy on %s %s after the retries: %s", request.method, request.path, exc.orig)
    response = current_app.make_response(_render(503, BUSY_MESSAGE))
    response.headers["Retry-After"] = "1"
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every error with a page or JSON that says what to do and leaks nothing."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Forbidden, _forbidden)
    app.register_error_handler(VersionConflict, _conflict)
    app.register_error_handler(StaleDataError, _conflict)
    app.register_error_handler(IntegrityError, _conflict)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(Exception, _server_error)


def _api_error(exc: ApiError):
    db.session.rollback()
    return error_response(exc.status, exc.message, exc.fields, exc.code)


def _api_unauthenticated(exc: Unauthenticated):
    db.session.rollback()
    return error_response(exc.status, exc.message)


def _api_validation_failed(exc: ValidationFailed):
    db.session.rollback()
    return error_response(422, exc.message, exc.fields)


def _api_version_conflict(exc: Exception):
    db.session.rollback()
    message = exc.message if isinstance(exc, VersionConflict) else VersionConflict().message
    return error_response(409, message)


def _api_integrity(exc: IntegrityError):
    db.session.rollback()
    return error_response(409, "This conflicts with an existing record (e.g. a duplicate); nothing changed.")


def _api_forbidden(exc: Forbidden):
    db.session.rollback()
    return error_response(403, exc.message)


def _api_http_error(exc: HTTPException):
    db.session.rollback()
    return with_allow(exc, error_response(exc.code or 500, exc.description or exc.name))


def register_api_error_handlers(bp: Blueprint) -> None:
    """Answer the API's errors in its JSON format: ``{"error": {"code", "message", "fields"}}``."""
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(Unauthenticated, _api_unauthenticated)
    bp.register_error_handler(ValidationFailed, _api_validation_failed)
    bp.register_error_handler(VersionConflict, _api_version_conflict)
    bp.register_error_handler(StaleDataError, _api_version_conflict)
    bp.register_error_handler(IntegrityError, _api_integrity)
    bp.register_error_handler(Forbidden, _api_forbidden)
    bp.register_error_handler(HTTPException, _api_http_error)
