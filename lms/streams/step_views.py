"""Pages and actions of steps: add, edit, tag in place, move, delete, and a step's own page."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from lms import tenancy
from lms.extensions import db
from lms.forms import attempt, people_choices, set_working_day, submit
from lms.kpis.services import kpis_measuring_step
from lms.lean.durations import working_day
from lms.models import Step, ValueStream
from lms.permissions import MEMBER, allow
from lms.streams import bp, queries, services
from lms.streams.forms import CLASSIFICATION_LABELS, MoveForm, StepForm, TagForm, schema_values
from lms.streams.permissions import EDIT_STREAM
from lms.streams.schemas import StepIn, StepPatch
from lms.streams.views import job_choices, plain_number, render_stream_page, stream_or_404
from lms.validation import validate, validate_edit

NUMBER_FIELDS = ("uptime_pct", "operators", "pct_complete_accurate", "inventory_units")
DURATION_FIELDS = ("cycle_time_s", "changeover_s", "wait_time_s")  # seconds, shown back in words


def _step_or_404(stream: ValueStream, step_id: int) -> Step:
    step = tenancy.get_or_404(Step, step_id)
    if step.value_stream_id != stream.id:
        abort(404)
    return step


def step_form_data(step: Step) -> dict:
    """Return a stored step as its form's fields show it (also the steps table's cells)."""
    data = {"name": step.name, "kind": step.kind, "classification": step.classification,
            "waste_types": list(step.waste_types or []), "rationale": step.rationale,
            "job_id": str(step.job_id or ""), "owner_id": str(step.owner_id or ""),
            "position": str(step.position), "version": step.version}
    data.update({name: plain_number(getattr(step, name)) for name in NUMBER_FIELDS})
    data.update({name: getattr(step, name) for name in DURATION_FIELDS})
    return data


def step_form(stream: ValueStream, data: dict | None = None, form_class=StepForm, **kwargs):
    """Make a step form (or a steps table row) whose durations count ``d`` in the stream's working day."""
    return set_working_day(form_class(data=data, **kwargs), working_day(stream.available_seconds_per_day))


def _step_form(stream: ValueStream, step: Step | None = None) -> StepForm:
    form = step_form(stream, step_form_data(step) if step is not None else None)
    form.job_id.choices = job_choices(stream.customer_id)  # the stream's customer's jobs first
    form.owner_id.choices = people_choices(step.owner_id if step else None)
    return form


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _to_step(stream: ValueStream, step: Step):
    return redirect(url_for("streams.show", stream_id=stream.id, _anchor=f"step-{step.id}"))


@bp.route("/<int:stream_id>/steps/new", methods=["GET", "POST"])
@allow(EDIT_STREAM)
def new_step(stream_id: int):
    stream = stream_or_404(stream_id)
    form = _step_form(stream)
    done = submit(form, lambda: services.create_step(stream, validate(StepIn, schema_values(form))))
    if done.saved:
        flash(f"Step {done.result.name} added at position {done.result.position}.", "success")
        return _to_step(stream, done.result)
    return render_template("streams/step_form.html", form=form, stream=stream, step=None), done.status


@bp.get("/<int:stream_id>/steps/<int:step_id>")
@allow(MEMBER)
def step(stream_id: int, step_id: int):
    stream = stream_or_404(stream_id)
    current = _step_or_404(stream, step_id)
    view = queries.stream_view(stream)
    return render_template("streams/step.html", stream=stream, step=current, view=view,
                           flags=view.flags.get(current.id, []), history=queries.step_history(current),
                           kpis=kpis_measuring_step(current.id),
                           row_errors={})


@bp.route("/<int:stream_id>/steps/<int:step_id>/edit", methods=["GET", "POST"])
@allow(EDIT_STREAM)
def edit_step(stream_id: int, step_id: int):
    stream = stream_or_404(stream_id)
    current = _step_or_404(stream, step_id)
    form = _step_form(stream, current)
    done = submit(form, lambda: services.update_step(current, validate_edit(
        StepIn, StepPatch, schema_values(form), form.version.data)))
    if done.saved:
        flash(f"Step {current.name} saved.", "success")
        return _to_step(stream, current)
    return render_template("streams/step_form.html", form=form, stream=stream, step=current), done.status


@bp.post("/<int:stream_id>/steps/<int:step_id>/tag")
@allow(EDIT_STREAM)
def tag_step(stream_id: int, step_id: int):
    """Tag a step in place: a plain form post, or a fetch that gets the new row back."""
    stream = stream_or_404(stream_id)
    current = _step_or_404(stream, step_id)
    form = TagForm()
    if not form.validate_on_submit():
        errors, status = [m for messages in form.errors.values() for m in messages], 422
    else:
        _, errors, status = attempt(lambda: services.tag_step(
            current, form.classification.data, list(form.waste_types.data or []), form.rationale.data or "",
            version=form.version.data))
        if errors:
            db.session.rollback()
    if _wants_json():
        return _tag_json(stream, current, errors, status)
    if status != 200:
        return render_stream_page(queries.stream_view(stream), {current.id: errors}, status)
    label = CLASSIFICATION_LABELS.get(current.classification, current.classification).lower()
    flash(f"{current.name} tagged {label}.", "success")
    return _to_step(stream, current)


def _tag_json(stream: ValueStream, step: Step, errors: list[str], status: int):
    """Answer a fetch: the step's new table row and the stream's new headline figures."""
    view = queries.stream_view(tenancy.get_or_404(ValueStream, stream.id))
    row_step = next((s for s in view.steps if s.id == step.id), step)
    row = render_template("streams/_step_row.html", view=view, stream=view.stream, step=row_step,
                          row_errors={step.id: errors})
    summary = render_template("streams/_figures.html", view=view, stream=view.stream)
    response = jsonify({"row": row, "figures": summary, "errors": errors})
    response.status_code = status
    return response


@bp.post("/<int:stream_id>/steps/<int:step_id>/move")
@allow(EDIT_STREAM)
def move_step(stream_id: int, step_id: int):
    stream = stream_or_404(stream_id)
    current = _step_or_404(stream, step_id)
    form = MoveForm()
    if form.validate_on_submit():
        services.move_step(current, -1 if form.direction.data == "up" else 1)
    return _to_step(stream, current)


@bp.post("/<int:stream_id>/steps/<int:step_id>/delete")
@allow(EDIT_STREAM)
def delete_step(stream_id: int, step_id: int):
    stream = stream_or_404(stream_id)
    current = _step_or_404(stream, step_id)
    name = current.name
    services.delete_step(current)
    flash(f"Step {name} removed; the steps after it moved up one place.", "success")
    return redirect(url_for("streams.show", stream_id=stream.id, _anchor="steps"))
