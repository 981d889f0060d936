"""The field types and base schemas every feature's validation shares (API, forms and importers alike).

Features declare their schemas with these; ``lms.api`` builds on the features, never the reverse.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, Union, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    create_model,
    field_validator,
    model_serializer,
)

from lms.validation import MAX_INT

DATE_HINT = "Enter a date as YYYY-MM-DD, e.g. 2026-11-22."
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def refuse_bool(value: Any) -> Any:
    """Refuse true/false where a number or an id is meant (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("Enter a number, not true or false.")
    return value


def iso_date(value: Any) -> date:
    """Accept a date or an ISO 8601 calendar date string, nothing looser."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"There is no such day. {DATE_HINT}") from None
    raise ValueError(DATE_HINT)


Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=20_000)]
# One record id everywhere: a whole number from 1, never true or false.
Id = Annotated[int, BeforeValidator(refuse_bool), Field(ge=1, le=MAX_INT)]
IsoDate = Annotated[date, PlainValidator(iso_date), WithJsonSchema({"type": "string", "format": "date"})]


def number_within(low: float, high: float, message: str, *, whole: bool = False,
                  below_high: bool = False) -> BeforeValidator:
    """Accept a number from ``low`` to ``high`` (``below_high``: less than it; ``whole``: an int), refusing
    anything else, true and NaN included, with ``message``."""

    def check(value: Any) -> Any:
        kinds = int if whole else int | float
        if isinstance(value, bool) or not isinstance(value, kinds) or value != value:
            raise ValueError(message)
        if not (low <= value < high if below_high else low <= value <= high):
            raise ValueError(message)
        return value

    return BeforeValidator(check)


NUL_MESSAGE = "Remove the NUL character (\\x00): text cannot contain it."
TOO_LARGE_MESSAGE = f"Enter a whole number between -{MAX_INT} and {MAX_INT}."


def _check_storable(value: Any) -> None:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise ValueError(TOO_LARGE_MESSAGE)
    if isinstance(value, list):
        for item in value:
            _check_storable(item)


# pydantic writes the bounds of a constrained type inside ``X | None`` under their Python names.
_JSON_SCHEMA_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _document_bounds(schema: dict[str, Any], _model: type | None = None) -> None:
    """Say in the JSON schema what the validation enforces, in JSON Schema's own words.

    Whole numbers lie within ±MAX_INT (``Checked``), and bounds are ``minimum``/``maximum``.
    """
    for python_name, json_name in _JSON_SCHEMA_BOUNDS.items():
        if python_name in schema and isinstance(schema[python_name], int | float):
            schema[json_name] = schema.pop(python_name)
    if schema.get("type") == "integer":
        schema["maximum"] = min(schema.get("maximum", MAX_INT), MAX_INT)
        schema["minimum"] = max(schema.get("minimum", -MAX_INT), -MAX_INT)
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            children = list(value.values())
        else:
            children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, dict):
                _document_bounds(child)


def with_rules(**keywords: Any) -> ConfigDict:
    """Return the config of a body schema whose document also states rules between its fields."""

    def document(schema: dict[str, Any], model: type | None = None) -> None:
        _document_bounds(schema)
        schema.update(keywords)

    return ConfigDict(json_schema_extra=document)


class Checked(BaseModel):
    """Base of everything validated on its way in: every value fits the database.

    PostgreSQL refuses NUL in text and whole numbers beyond its INTEGER columns; without this
    check such input would fail at the database instead of being named as the field at fault.
    """

    model_config = ConfigDict(json_schema_extra=_document_bounds)

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        _check_storable(value)
        return value


class Strict(Checked):
    """Base of request bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra=_document_bounds)


@cache
def _time_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Return the fields of a response schema that can hold a date-time (or anything)."""
    def holds_time(annotation: Any) -> bool:
        return annotation in (datetime, Any) or any(holds_time(arg) for arg in get_args(annotation))
    return tuple(name for name, field in model.model_fields.items() if holds_time(field.annotation))


class Out(BaseModel):
    """Base of response objects, read from ORM records.

    A response that can hold a date-time derives from ``TimesInUtc`` instead; a class that holds
    one without it is refused when it is defined.
    """

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if _time_fields(cls) and not issubclass(cls, TimesInUtc):
            raise TypeError(f"{cls.__name__} can hold a date-time ({', '.join(_time_fields(cls))}): "
                            "derive it from lms.schema_types.TimesInUtc, which writes it in UTC")


class TimesInUtc(Out):
    """Base of the responses that can hold a date-time: each is written in UTC, "…Z".

    Only these pay for the serializer, a Python call per object: on every response object it cost
    a page of 50 radar entries (5,000 nested objects, none with a time) most of its serialization.
    """

    @model_serializer(mode="wrap")
    def _times_in_utc(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        # lms stores UTC without an offset; the API says so ("…Z"), as the date-time format wants.
        # Once per object, for the fields that can hold a time: a serializer wrapped around every
        # field cost a Python call per field (27,000 for a page of 50 radar entries).
        data = handler(self)
        for name in _time_fields(type(self)):
            value = getattr(self, name, None)
            if isinstance(value, datetime) and value.tzinfo is None and name in data:
                value = value.replace(tzinfo=UTC)
                data[name] = value.isoformat().replace("+00:00", "Z") if info.mode_is_json() else value
        return data


NOT_NULL_MESSAGE = "This field cannot be null."


def _refuse_null(value: Any) -> Any:
    """Refuse an explicit null for a field that always holds a value (leave it out to keep it)."""
    if value is None:
        raise ValueError(NOT_NULL_MESSAGE)
    return value


def _nullable(annotation: Any) -> bool:
    return annotation is None or type(None) in get_args(annotation) or annotation is Any


def _without_none(annotation: Any) -> Any:
    """Return ``X`` for ``X | None``; any other annotation unchanged."""
    if not _nullable(annotation) or annotation is Any:
        return annotation
    return Union[tuple(arg for arg in get_args(annotation) if arg is not type(None))]  # noqa: UP007


def _field_rules(model: type[BaseModel]) -> dict[str, Any]:
    """Return the full schema's own field validators, to check a PATCH's fields the same way.

    A rule between two fields runs only on a field the PATCH sends, and sees only the fields it sends
    before it; the service checks the stored record with the PATCH applied (e.g. ``check_step_rules``).
    """
    rules: dict[str, Any] = {}
    for name, decorator in model.__pydantic_decorators__.field_validators.items():
        if name in Checked.__pydantic_decorators__.field_validators:
            continue
        function = getattr(decorator.func, "__func__", decorator.func)
        rules[name] = field_validator(*decorator.info.fields, mode=decorator.info.mode,
                                      check_fields=False)(function)
    return rules


def partial(model: type[Strict], name: str | None = None, not_null: tuple[str, ...] = ()) -> type[Strict]:
    """Derive a PATCH schema: every field optional, same rules, plus the expected ``version``.

    A field that may be null in the full schema may be null here (it clears the value); any other
    field may be left out but not sent as null, and the document says so (no ``null`` in its type);
    ``not_null`` names nullable fields that a PATCH must not set to null all the same.
    """
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        copy = info._copy() if hasattr(info, "_copy") else info.__class__.from_field(info)  # type: ignore[attr-defined]
        copy.default = None
        copy.default_factory = None
        copy.validate_default = None  # a field left out is kept as stored, not checked as a default
        if _nullable(info.annotation) and field_name not in not_null:
            fields[field_name] = (info.annotation, copy)
        else:
            never_null = _without_none(info.annotation)
            fields[field_name] = (Annotated[never_null, BeforeValidator(_refuse_null)], copy)
    fields["version"] = (int | None, Field(default=None, ge=1,
                                           description="The version you read; 409 if it changed."))
    return create_model(name or f"{model.__name__.removesuffix('In')}Patch", __base__=Strict,
                        __validators__=_field_rules(model), **fields)


def sent(patch: BaseModel) -> dict[str, Any]:
    """Return the fields a PATCH sets (``version`` aside): what the client asks to change."""
    return {name: getattr(patch, name) for name in patch.model_fields_set if name != "version"}
