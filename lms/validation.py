"""One validation per concept: pydantic schemas checked the same way for forms, API and imports."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lms.db import MAX_INT  # the largest whole number lms stores; its home needs no pydantic
from lms.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)
P = TypeVar("P", bound=BaseModel)

# Realistic ranges of the numbers people enter, far beyond any real value stream or KPI yet small
# enough that every sum, product and chart of them stays a readable float. Every schema takes them
# from here, so the API, the forms, the importers and the OpenAPI document say the same.
MAX_DURATION_S = 315_360_000  # ten years of 365 days, in seconds: one step's cycle, changeover or wait
MAX_QUANTITY = 1_000_000_000  # units in stock, or of customer demand per day
MAX_MEASUREMENT = 1e15  # a KPI's value or target: a quadrillion of any unit (money in cents or yen)

_MESSAGES = {
    "extra_forbidden": "Unknown field.",
    "missing": "This field is required.",
    "finite_number": "Enter a finite number.",
}


def json_whole_number(value: Any) -> Any:
    """Take a whole number as JSON writes it (3 or 3.0, as JSON Schema's integer does), not text or
    true/false; pydantic then refuses a fraction."""
    if isinstance(value, bool | str | bytes):
        raise ValueError("Enter a whole number.")
    return value


def fields_from_validation(exc: ValidationError) -> dict[str, list[str]]:
    """Turn pydantic's errors into field -> messages, naming nested fields with dots."""
    fields: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]] or ["body"]
        message = _MESSAGES.get(error["type"], error["msg"])
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        fields.setdefault(".".join(loc), []).append(message)
    return fields


def validate(schema: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` against ``schema``; raise ValidationFailed naming each bad field."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(fields_from_validation(exc)) from None


def validate_edit(schema: type[BaseModel], patch: type[P], data: dict[str, Any], version: int | None) -> P:
    """Validate an edit form's fields against the whole ``schema``, as its create form is validated (the
    form posts every field it shows), and return them as a ``patch`` of those fields read at ``version``."""
    whole = validate(schema, data)
    values = {name: getattr(whole, name) for name in data}
    return patch.model_construct(_fields_set={*data, "version"}, version=version, **values)


def whole_number(raw: str | None) -> int | None:
    """Read a query or form value as a whole number lms can store (0..MAX_INT), else None."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= MAX_INT else None
