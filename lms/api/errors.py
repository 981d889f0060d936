"""The API's error format: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from lms.api import bp
from lms.auth.boundary import Unauthenticated
from lms.errors import ValidationFailed, VersionConflict
from lms.extensions import db
from lms.tenancy import Forbidden
from lms.web_errors import CODES, error_response


class ApiError(Exception):
    """An error answered as JSON with a status code."""

    def __init__(self, status: int, message: str, fields: dict[str, list[str]] | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields
        self.code = code or CODES.get(status, "error")




@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    return error_response(exc.status, exc.message, exc.fields, exc.code)


@bp.errorhandler(Unauthenticated)
def _unauthenticated(exc: Unauthenticated):
    db.session.rollback()
    return error_response(exc.status, exc.message)


@bp.errorhandler(ValidationFailed)
def _validation_failed(exc: ValidationFailed):
    db.session.rollback()
    return error_response(422, exc.message, exc.fields)


@bp.errorhandler(VersionConflict)
@bp.errorhandler(StaleDataError)
def _version_conflict(exc: Exception):
    db.session.rollback()
    message = exc.message if isinstance(exc, VersionConflict) else VersionConflict().message
    return error_response(409, message)


@bp.errorhandler(IntegrityError)
def _integrity(exc: IntegrityError):
    db.session.rollback()
    return error_response(409, "This conflicts with an existing record (e.g. a duplicate); nothing changed.")


@bp.errorhandler(Forbidden)
def _forbidden(exc: Forbidden):
    db.session.rollback()
    return error_response(403, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    from lms.web_errors import with_allow

    db.session.rollback()
    return with_allow(exc, error_response(exc.code or 500, exc.description or exc.name))
