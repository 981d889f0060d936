"""Domain errors that the web layer turns into form messages and the API into 4xx."""

from __future__ import annotations


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
