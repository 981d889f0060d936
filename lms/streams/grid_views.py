"""The steps table: every step of a stream edited at once, rows pasted from a spreadsheet.

Each row is a StepRowForm, the step form's own fields under a prefix (``s<step id>-`` for a stored
step, ``n<number>-`` for a new one). The page works as a plain form; lms/static/js/steps_grid_services.js
adds pasting tab-separated rows and moving between rows with the arrow keys.
"""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for

from lms.errors import ValidationFailed
from lms.forms import apply_field_errors
from lms.models import ValueStream
from lms.permissions import allow
from lms.streams import bp, grid_services
from lms.streams.forms import GRID_FIELDS, GridForm, StepRowForm, schema_values
from lms.streams.ordering_services import ordered_steps
from lms.streams.permissions import EDIT_STREAM
from lms.streams.schemas import StepIn, StepPatch
from lms.streams.step_views import step_form, step_form_data
from lms.streams.views import job_choices, stream_or_404
from lms.validation import validate

ROW_KEY = re.compile(r"[sn][0-9]{1,9}")
MAX_ROWS = 500  # far beyond any value-stream map; a bound on what one post makes the server check
BLANK_ROWS = 3
NEW_ROW_PLACEHOLDER = "__key__"
# Cells a person types into: a new row with all of them empty is left out, not refused.
TYPED_FIELDS = tuple(name for name in GRID_FIELDS if name not in ("kind", "classification", "job_id"))


def _row_form(stream: ValueStream, key: str, jobs, formdata=None, data: dict | None = None) -> StepRowForm:
    form = step_form(stream, data, StepRowForm, formdata=formdata, prefix=f"{key}-")
    form.job_id.choices = jobs
    return form


def _is_blank(form: StepRowForm) -> bool:
    return not any((str(form[name].data or "")).strip() for name in TYPED_FIELDS + ("job_id",))


def _stored_rows(stream: ValueStream, jobs) -> list[tuple[str, StepRowForm]]:
    rows = [(f"s{step.id}", _row_form(stream, f"s{step.id}", jobs, data=step_form_data(step)))
            for step in ordered_steps(stream)]
    blanks = BLANK_ROWS if rows else BLANK_ROWS + 2
    return rows + [(f"n{number}", _row_form(stream, f"n{number}", jobs)) for number in range(1, blanks + 1)]


def _posted_rows(stream: ValueStream, jobs) -> list[tuple[str, StepRowForm]]:
    keys = [key for key in dict.fromkeys(request.form.getlist("row")) if ROW_KEY.fullmatch(key)]
    return [(key, _row_form(stream, key, jobs, formdata=request.form)) for key in keys[:MAX_ROWS]]


def _grid_rows(posted: list[tuple[str, StepRowForm]]
               ) -> tuple[list[grid_services.GridRow], dict[str, list[str]], dict[str, dict[str, list[str]]]]:
    """Read and validate each posted row the way the step form does; note what WTForms itself refuses
    (messages by row) and what the schema refuses (fields by row)."""
    rows, messages, errors = [], {}, {}
    for key, form in posted:
        if key.startswith("n") and _is_blank(form):
            continue
        if not form.validate():
            messages[key] = [f"{form[name].label.text}: {' '.join(found)}"
                             for name, found in form.errors.items()]
            continue
        step_id = int(key[1:]) if key.startswith("s") else None
        try:
            data = validate(StepPatch if step_id is not None else StepIn, schema_values(form))
        except ValidationFailed as failed:
            errors[key] = failed.fields
            continue
        rows.append(grid_services.GridRow(key, data, step_id, form.version.data))
    return rows, messages, errors


def _show_errors(posted: list[tuple[str, StepRowForm]], errors: dict[str, dict[str, list[str]]],
                 messages: dict[str, list[str]]) -> None:
    """Put each refused cell's messages beside it, as the step form does; others go on the row."""
    forms = dict(posted)
    for key, fields in errors.items():
        cells = {name: found for name, found in fields.items() if name in GRID_FIELDS}
        apply_field_errors(forms[key], ValidationFailed(cells))
        for name, field_messages in fields.items():
            if name not in GRID_FIELDS:
                messages.setdefault(key, []).extend(field_messages)


@bp.route("/<int:stream_id>/steps/table", methods=["GET", "POST"])
@allow(EDIT_STREAM)
def steps_grid(stream_id: int):
    stream = stream_or_404(stream_id)
    jobs = job_choices(stream.customer_id)
    envelope = GridForm()
    messages: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        posted = _posted_rows(stream, jobs)
        if envelope.validate_on_submit():
            rows, messages, errors = _grid_rows(posted)
            try:
                if messages or errors:
                    raise grid_services.GridRejected(errors)
                result = grid_services.save_grid(stream, rows)
            except grid_services.GridRejected as rejected:
                _show_errors(posted, rejected.errors, messages)
                conflict = any("version" in fields for fields in rejected.errors.values())
                status = 409 if conflict else 422
            else:
                flash(f"Steps table saved: {grid_services.summary(result)}.", "success")
                return redirect(url_for("streams.show", stream_id=stream.id, _anchor="steps"))
        else:
            status = 400
    else:
        posted = _stored_rows(stream, jobs)
    return render_template(
        "streams/grid.html", stream=stream, envelope=envelope, rows=posted, messages=messages,
        refused=status in (409, 422),
        columns=GRID_FIELDS, template_row=_row_form(stream, NEW_ROW_PLACEHOLDER, jobs),
        next_number=1 + max((int(key[1:]) for key, _ in posted if key.startswith("n")), default=0),
    ), status
