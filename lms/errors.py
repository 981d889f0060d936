"""The errors lms raises: domain errors that pages turn into form messages and the API into 4xx, and
the API's own error with its status. ``lms.error_handlers`` answers all of them."""

from __future__ import annotations

# The machine-readable ``code`` of each status in an error answer (the API contract's error format).
CODES = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 409: "version-conflict", 413: "too-large",
    422: "invalid", 429: "too-many-requests", 500: "server-error",
}


class DomainError(Exception):
    """Base of the errors a service raises for its callers to present."""


class ValidationFailed(DomainError):
    """Raise when input breaks a rule; ``fields`` maps each field to its messages."""

    def __init__(self, fields: dict[str, list[str] | str], message: str = "Some fields are invalid.") -> None:
        super().__init__(message)
        self.message = message
        self.fields = {k: [v] if isinstance(v, str) else list(v) for k, v in fields.items()}


class VersionConflict(DomainError):
    """Raise when a change was made against a version that is no longer the stored one."""

    def __init__(
        self, message: str = "Someone else changed this record meanwhile. Reload it and try again."
    ) -> None:
        super().__init__(message)
        self.message = message


def check_version(obj, version: int | None) -> None:
    """Refuse a change made against a stale copy of ``obj``."""
    if version is not None and obj.version != version:
        raise VersionConflict()


class ApiError(Exception):
    """An error answered as JSON with a status code: ``{"error": {"code", "message", "fields"}}``."""

    def __init__(self, status: int, message: str, fields: dict[str, list[str]] | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields
        self.code = code or CODES.get(status, "error")
