"""Form helpers shared by every feature."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from lms.errors import ValidationFailed


def apply_field_errors(form: FlaskForm, failed: ValidationFailed) -> None:
    """Show a service's field errors beside the form fields they name."""
    for name, messages in failed.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + messages
        else:
            form.form_errors.extend(messages)


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
