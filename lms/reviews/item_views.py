"""Pages and buttons of a review's findings and PDCA actions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from lms import tenancy
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.forms import attempt, choices, people_choices, submit
from lms.models import ACTION_STAGES, Action, Customer, Finding, Job, Kpi, Outcome, Review, ValueStream
from lms.permissions import allow
from lms.reviews import bp, permissions, services
from lms.reviews.forms import ActionForm, AssigneeActionForm, FindingForm, StageForm, schema_values
from lms.reviews.schemas import ActionIn, ActionPatch, FindingIn, FindingPatch
from lms.reviews.views import messages, render_review, review_or_404
from lms.streams import queries as stream_figures
from lms.validation import validate, validate_edit


def _stream(review: Review) -> ValueStream:
    return tenancy.get_or_404(ValueStream, review.value_stream_id)


def _to_review(review_id: int, anchor: str | None = None):
    return redirect(url_for("reviews.show", review_id=review_id, _anchor=anchor))


def step_choices(stream: ValueStream):
    """Offer the steps of a stream in map order."""
    return choices([(s.id, f"{s.position}. {s.name}") for s in stream_figures.steps_of(stream)],
                   blank="— no particular step —")


def _posted() -> bool:
    return request.method == "POST"


# Findings ------------------------------------------------------------------------------


@bp.post("/<int:review_id>/findings")
@allow(permissions.RUN)
def add_finding(review_id: int):
    review = review_or_404(review_id)
    form = FindingForm()
    done = submit(form, lambda: services.create_finding(review, validate(FindingIn, schema_values(form))))
    if done.saved:
        flash("Finding recorded.", "success")
        return _to_review(review.id, f"finding-{done.result.id}")
    return render_review(review, status=422, finding_form=form)


@bp.route("/findings/<int:finding_id>/edit", methods=["GET", "POST"])
@allow(permissions.RUN)
def edit_finding(finding_id: int):
    finding = tenancy.get_or_404(Finding, finding_id)
    review = finding.review
    stream = _stream(review)
    form = FindingForm(data=None if _posted() else {
        "text": finding.text, "step_id": str(finding.step_id or ""), "waste_type": finding.waste_type or "",
        "version": finding.version})
    form.step_id.choices = step_choices(stream)
    done = submit(form, lambda: services.update_finding(finding, validate_edit(
        FindingIn, FindingPatch, schema_values(form), form.version.data)))
    if done.saved:
        flash("Finding saved.", "success")
        return _to_review(review.id, f"finding-{finding.id}")
    return render_template("reviews/finding_form.html", form=form, review=review, stream=stream,
                           finding=finding), done.status


@bp.post("/findings/<int:finding_id>/delete")
@allow(permissions.RUN)
def delete_finding(finding_id: int):
    finding = tenancy.get_or_404(Finding, finding_id)
    review_id = finding.review_id
    try:
        services.delete_finding(finding)
    except ValidationFailed as failed:
        return render_review(finding.review, status=422, errors=messages(failed))
    flash("Finding removed.", "success")
    return _to_review(review_id, "findings")


# Actions -------------------------------------------------------------------------------


def _fill(form: ActionForm, stream: ValueStream) -> ActionForm:
    form.owner_id.choices = people_choices(form.owner_id.data)
    form.step_id.choices = step_choices(stream)
    kpis = db.session.execute(
        select(Kpi.id, Kpi.name, ValueStream.name)
        .outerjoin(ValueStream, ValueStream.id == Kpi.value_stream_id)
        .order_by(Kpi.value_stream_id != stream.id, Kpi.name))
    form.kpi_id.choices = choices([(kpi_id, f"{name} ({stream_name})" if stream_name else name)
                                   for kpi_id, name, stream_name in kpis], blank="— none —")
    outcomes = db.session.execute(
        select(Outcome.id, Outcome.statement, Customer.name).join(Job, Job.id == Outcome.job_id)
        .join(Customer, Customer.id == Job.customer_id)
        .order_by(Customer.id != stream.customer_id, Customer.name, Outcome.statement))
    form.outcome_id.choices = choices([(outcome_id, f"{customer}: {statement}")
                                       for outcome_id, statement, customer in outcomes], blank="— none —")
    return form


def _action_data(action: Action) -> dict:
    data = {name: ("" if getattr(action, name) is None else str(getattr(action, name)))
            for name in ("owner_id", "step_id", "kpi_id", "outcome_id")}
    data.update(title=action.title, due_on=action.due_on, stage=action.stage,
                expected_effect=action.expected_effect, observed_result=action.observed_result,
                version=action.version)
    return data


@bp.route("/<int:review_id>/actions/new", methods=["GET", "POST"])
@allow(permissions.RUN)
def new_action(review_id: int):
    review = review_or_404(review_id)
    stream = _stream(review)
    form = _fill(ActionForm(data=None if _posted() else {"stage": "plan"}), stream)
    done = submit(form, lambda: services.create_action(review, validate(ActionIn, schema_values(form))))
    if done.saved:
        flash(f"Action “{done.result.title}” agreed.", "success")
        return _to_review(review.id, f"action-{done.result.id}")
    return render_template("reviews/action_form.html", form=form, review=review, stream=stream, action=None,
                           assignee_only=False), done.status


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@allow(permissions.MOVE_ACTION)
def edit_action(action_id: int):
    action = tenancy.get_or_404(Action, action_id)
    review, user = action.review, tenancy.actor()
    stream = _stream(review)
    runner = permissions.may_run(stream, user)  # else the assignee (the boundary let no one else in)
    if runner:
        form = _fill(ActionForm(data=None if _posted() else _action_data(action)), stream)
    else:
        form = AssigneeActionForm(data=None if _posted() else {
            "stage": action.stage, "observed_result": action.observed_result, "version": action.version})
    done = submit(form, lambda: services.update_action(action, _action_patch(form, runner)))
    if done.saved:
        flash("Action saved.", "success")
        return _to_review(review.id, f"action-{action.id}")
    return render_template("reviews/action_form.html", form=form, review=review, stream=stream, action=action,
                           assignee_only=not runner), done.status


def _action_patch(form: ActionForm | AssigneeActionForm, runner: bool) -> ActionPatch:
    """Read the action form as a PATCH: the whole action from a runner, stage and result from its owner."""
    if runner:
        return validate_edit(ActionIn, ActionPatch, schema_values(form), form.version.data)
    return validate(ActionPatch, {**schema_values(form), "version": form.version.data})


@bp.post("/actions/<int:action_id>/stage")
@allow(permissions.MOVE_ACTION)
def move_action(action_id: int):
    action = tenancy.get_or_404(Action, action_id)
    form = StageForm()
    stage = form.stage.data or ""
    if not form.validate_on_submit() or stage not in ACTION_STAGES:
        abort(422, "Choose one of the stages: " + ", ".join(ACTION_STAGES) + ".")
    _, errors, status = attempt(lambda: services.move_action(action, stage, version=form.version.data))
    if errors:
        return render_review(action.review, status=status, errors=errors)
    flash(f"Action “{action.title}” moved to {stage}.", "success")
    return _to_review(action.review_id, f"action-{action.id}")


@bp.post("/actions/<int:action_id>/delete")
@allow(permissions.RUN)
def delete_action(action_id: int):
    action = tenancy.get_or_404(Action, action_id)
    review_id = action.review_id
    try:
        services.delete_action(action)
    except ValidationFailed as failed:
        return render_review(action.review, status=422, errors=messages(failed))
    flash("Action removed.", "success")
    return _to_review(review_id, "actions")
