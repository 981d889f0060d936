"""Form helpers shared by every feature."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from flask import g, has_request_context, request
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import NumberInput, Select, TextInput
from wtforms.widgets.core import clean_key

from lms.errors import ValidationFailed, VersionConflict
from lms.lean.durations import parse_duration, write_duration

T = TypeVar("T")


def apply_field_errors(form: FlaskForm, failed: ValidationFailed) -> None:
    """Show a service's field errors beside the form fields they name.

    A duration that could not be read says why in its own words, not the schema's ("not a number").
    """
    for name, messages in failed.fields.items():
        field = getattr(form, name, None)
        if isinstance(field, DurationField) and field.parse_error:
            messages = [field.parse_error]
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + messages
        else:
            form.form_errors.extend(messages)


@dataclass(frozen=True)
class Submission(Generic[T]):
    """What became of a form: ``saved`` with the service's ``result``, or the ``status`` to show it with."""

    saved: bool
    result: T | None = None
    status: int = 200


def submit(form: FlaskForm, save: Callable[[], T]) -> Submission[T]:
    """Run ``save`` (validate the form's input as its schema, call the service) for a form posted and valid.

    Return it saved, or the status to show the form again with: 200 when it was not posted, 422 with
    each refused field's messages beside it (WTForms', the schema's or the service's), 409 with the
    message that someone else changed the record meanwhile above the form.
    """
    status = 200
    if form.validate_on_submit():
        try:
            return Submission(True, save())
        except ValidationFailed as failed:
            apply_field_errors(form, failed)
        except VersionConflict as conflict:
            form.form_errors.append(conflict.message)
            status = 409
    if form.errors and status == 200:
        status = 422
    return Submission(False, status=status)


def attempt(change: Callable[[], T]) -> tuple[T | None, list[str], int]:
    """Run a change made without a form of fields (a button); return its result, or what refused it.

    The messages are every field's (422) or that the record changed meanwhile (409); 200 when done.
    """
    try:
        return change(), [], 200
    except ValidationFailed as failed:
        return None, [message for messages in failed.fields.values() for message in messages], 422
    except VersionConflict as conflict:
        return None, [conflict.message], 409


def _is_pair(value) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2


def choices(values, labels: dict[str, str] | None = None, blank: str | None = None) -> list[SelectChoice]:
    """Build select options from values, labelled by ``labels`` or a readable form of the value."""
    labels = labels or {}
    options = [SelectChoice("", blank)] if blank is not None else []
    for value in values:
        # A (value, label) pair: a tuple, or a row of two columns from the database.
        value, label = (tuple(value) if _is_pair(value) else (value, None))
        options.append(SelectChoice(str(value), label or labels.get(value) or
                                    str(value).replace("-", " ").capitalize()))
    return options


def grouped(groups: dict[str, list[tuple[int, str]]], blank: str | None = None) -> dict:
    """Build select options grouped under headings (rendered as optgroups), after a blank option."""
    options: dict = {"": [("", blank)]} if blank is not None else {}
    for heading, items in groups.items():
        options[heading] = [(str(value), label) for value, label in items]
    return options


def quick_html_params(**kwargs) -> Markup:
    """Return WTForms' ``html_params`` (keys sorted and cleaned, True bare, False left out, values
    escaped) built in one join: WTForms formats each attribute through ``Markup.format``, 6 µs a time,
    which was most of drawing the steps table's 440 cells."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(str(escape(clean_key(key))))
        elif value is not False:
            params.append(f'{escape(clean_key(key))}="{escape(value)}"')
    return Markup(" ".join(params))  # noqa: S704  # nosec B704: every key and value is escaped


class QuickTextInput(TextInput):
    """WTForms' text input, its attributes written by ``quick_html_params``."""

    html_params = staticmethod(quick_html_params)


class QuickNumberInput(NumberInput):
    """WTForms' number input, its attributes written by ``quick_html_params``."""

    html_params = staticmethod(quick_html_params)


class QuickSelect(Select):
    """A select drawn in one pass, option groups included, its options built once per page.

    WTForms draws each option through a widget call of its own; for the 2,000 outcomes of the
    benchmark organization that took 70 ms of a KPI page. The same HTML is built here in one join,
    and the fields of a page that share one list of choices (the steps table: a job select on each
    of 40 rows, 543 jobs) share its options: each field only marks its own value selected.
    """

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        if "required" not in kwargs and "required" in getattr(field, "flags", []):
            kwargs["required"] = True
        options = _options_html(field)
        for value in _selected_values(field, self.multiple):
            marker = f'<option value="{escape(value)}">'
            options = options.replace(marker, f'<option value="{escape(value)}" selected>', 1)
        # Every value, label and group name is escaped, and html_params escapes the attributes.
        return Markup(f"<select {quick_html_params(name=field.name, **kwargs)}>{options}</select>")  # noqa: S704  # nosec B704


def _options_html(field) -> str:
    """Return the field's options (none selected), built once per request for each list of choices."""
    built = g.setdefault("quick_select_options", {}) if has_request_context() else {}
    key = id(field.choices)
    # The list itself is kept (its id is not reused) with its length (a list grown meanwhile is new).
    if key in built and built[key][0] is field.choices and built[key][2] == len(field.choices):
        return built[key][1]
    parts = []
    for optgroup, group in field.iter_groups():
        options = "".join(f'<option value="{escape(choice.value)}">{escape(choice.label)}</option>'
                          for choice in group)
        if optgroup is not None:
            options = f'<optgroup label="{escape(optgroup)}">{options}</optgroup>'
        parts.append(options)
    built[key] = (field.choices, "".join(parts), len(field.choices))
    return built[key][1]


def _selected_values(field, multiple: bool) -> list[str]:
    """Return the option values the field's data selects, as WTForms compares them (``coerce(value) ==
    data``), for the values ids and words the app's selects hold."""
    data = field.data
    if multiple:
        return [str(value) for value in data or ()]
    return [] if data is None else [str(data)]


class DurationField(StringField):
    """A duration typed the way people say it: "45 s", "15 min", "2 h", "1.5 d", "1 h 30 min", or plain
    seconds ("57600"). Its data is seconds (None when left empty); a stored value is shown back the
    same way ("2 h", not 7200).

    ``d`` is the working day of the form's stream: ``set_working_day`` gives it to every duration field
    of a form. Without one (or for a field with ``days=False``, such as the length of the day itself)
    ``d`` is refused with a message saying why.

    Text that is no duration stays text: the schema refuses it beside every other broken rule (one
    answer names them all), and ``apply_field_errors`` shows this field's own message for it.
    """

    widget = QuickTextInput()

    def __init__(self, label: str | None = None, validators=None, *, days: bool = True,
                 no_day_message: str | None = None, **kwargs) -> None:
        render_kw = {"inputmode": "text", "autocomplete": "off", "spellcheck": "false",
                     "placeholder": "e.g. 2 h 30 min" if days else "e.g. 7 h 30 min",
                     **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.days = days
        self.no_day_message = no_day_message
        self.day_s: float | None = None
        self.parse_error: str | None = None

    def process_formdata(self, valuelist: list) -> None:
        """Keep the typed text; it is read once the working day is known (``pre_validate``)."""
        if valuelist:
            self.data = valuelist[0]

    def pre_validate(self, form) -> None:
        """Read the typed text as seconds; keep what cannot be read as text, with the reason why."""
        self.parse_error = None
        if not isinstance(self.data, str):
            return
        text = self.data.strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_duration(text, self.day_s if self.days else None,
                                       no_day_message=self.no_day_message)
        except ValueError as error:
            self.data, self.parse_error = text, str(error)

    def _value(self) -> str:
        """Show what was typed, or the stored seconds in words."""
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, int | float) and not isinstance(self.data, bool):
            return write_duration(self.data, self.day_s if self.days else None)
        return self.data or ""


def set_working_day(form: FlaskForm, day_s: float | None) -> FlaskForm:
    """Give every duration field of ``form`` the working day ``d`` stands for (None: the stream has none)."""
    for field in form:
        if isinstance(field, DurationField):
            field.day_s = day_s
    return form


def people_choices(current: int | str | Iterable[int | str] | None = None,
                   blank: str | None = "— nobody —") -> list[SelectChoice]:
    """Offer the organization's active people, keeping ``current`` (the record's person) if deactivated."""
    from lms import people

    return choices(list(people.offered(current).items()), blank=blank)


def date_arg(name: str) -> date | None:
    """Read an ISO date from the query string; None when absent or not a date (a filter left out)."""
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
