"""Pages of reviews: the list, the review form, the review page, status buttons, history, A3."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from jinja2 import pass_context
from jinja2.runtime import Context

from lms import tenancy
from lms.charts import deferred, drawings
from lms.charts.cache import chart_response
from lms.errors import ValidationFailed
from lms.forms import attempt, choices, people_choices, submit
from lms.models import REVIEW_STATUSES, Review, ValueStream
from lms.pagination import page_args
from lms.permissions import MEMBER, allow
from lms.reviews import agenda_queries, bp, chart_data, permissions, queries, services
from lms.reviews.change_queries import FigureMove
from lms.reviews.forms import (
    STAGE_LABELS,
    STATUS_LABELS,
    FilterForm,
    FindingForm,
    ReviewForm,
    StatusForm,
    schema_values,
)
from lms.reviews.schemas import ReviewIn, ReviewPatch
from lms.reviews.services import KIND_LABELS
from lms.templating import context_day
from lms.validation import validate, validate_edit, whole_number

# Drawn (and described) by matplotlib, imported on first use: see lms.charts.deferred.
draw_a3 = deferred("lms.charts.a3", "draw_a3")
describe_review_trend = deferred("lms.charts.review_trend", "describe_review_trend")
draw_review_trend = drawings("lms.charts.review_trend", "review_trend_figure")


@bp.context_processor
def _helpers():
    return {"show_figure": _show_figure, "show_change": _show_change, "kpi_change": chart_data.kpi_change,
            "kind_labels": KIND_LABELS, "stage_labels": STAGE_LABELS,
            "status_labels": STATUS_LABELS, "page_url": agenda_queries.page_url}


@pass_context
def _show_figure(context: Context, value: float | None, kind: str) -> str:
    """Write a review's figure, durations in the working days of the review's stream."""
    return chart_data.show(value, kind, context_day(context))


@pass_context
def _show_change(context: Context, move: FigureMove) -> str:
    """Write a figure's change, durations in the working days of the review's stream."""
    return chart_data.show_change(move, context_day(context))


def messages(failed: ValidationFailed) -> list[str]:
    """Return every message of a failed change, for the top of the page."""
    return [message for field in failed.fields.values() for message in field]


def review_or_404(review_id: int) -> Review:
    """Return the organization's review with that id, or answer 404."""
    return tenancy.get_or_404(Review, review_id)


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name))


# Choices -------------------------------------------------------------------------------


def _review_form(review: Review | None = None) -> ReviewForm:
    data = None
    if review is not None:
        data = {"value_stream_id": str(review.value_stream_id), "kind": review.kind,
                "held_on": review.held_on, "facilitator_id": str(review.facilitator_id or ""),
                "notes": review.notes, "participant_ids": [str(u.id) for u in review.participants],
                "version": review.version}
    else:
        wanted = _int_arg("value_stream_id")
        data = {"value_stream_id": str(wanted or ""), "kind": "periodic-review", "held_on": queries.today(),
                "facilitator_id": str(tenancy.actor().id)}
    form = ReviewForm(data=data)
    form.value_stream_id.choices = choices(list(tenancy.names(ValueStream, ValueStream.name).items()),
                                           blank="— choose a stream —")
    form.facilitator_id.choices = people_choices(review.facilitator_id if review else None)
    form.participant_ids.choices = people_choices([u.id for u in review.participants] if review else None,
                                                  blank=None)
    return form


# The list ------------------------------------------------------------------------------


@bp.get("/")
@allow(MEMBER)
def index():
    status = request.args.get("status")
    filters = queries.ReviewFilters(value_stream_id=_int_arg("value_stream_id"),
                                    status=status if status in REVIEW_STATUSES else None)
    page, per_page = page_args(request.args, 25)
    result, rows = queries.list_reviews(filters, page, per_page)
    form = FilterForm(request.args)
    form.value_stream_id.choices = choices(list(tenancy.names(ValueStream, ValueStream.name).items()),
                                           blank="Any value stream")
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("reviews/index.html", page=result, rows=rows, form=form, args=args,
                           filtered=bool(filters.value_stream_id or filters.status),
                           may_create=tenancy.actor().role in permissions.RUNNER_ROLES,
                           today=queries.today())


@bp.route("/new", methods=["GET", "POST"])
@allow(permissions.PLAN)
def new():
    form = _review_form()
    done = submit(form, lambda: services.create_review(validate(ReviewIn, schema_values(form))))
    if done.saved:
        flash("Review planned. Open it when the team meets: its figures are recorded then.", "success")
        return redirect(url_for("reviews.show", review_id=done.result.id))
    return render_template("reviews/form.html", form=form, review=None), done.status


# One review ----------------------------------------------------------------------------


def render_review(review: Review, *, status: int = 200, finding_form: FindingForm | None = None,
                  errors: list[str] | None = None):
    """Render the review page, with a failed form's messages where they belong."""
    page = queries.review_page(review)
    if finding_form is None:
        finding_form = FindingForm()
    finding_form.step_id.choices = choices([(s.id, f"{s.position}. {s.name}") for s in page.steps],
                                           blank="— no particular step —")
    return render_template("reviews/show.html", view=page, review=review, stream=page.stream,
                           finding_form=finding_form, errors=errors or [], today=queries.today()), status


@bp.get("/<int:review_id>")
@allow(MEMBER)
def show(review_id: int):
    return render_review(review_or_404(review_id))


@bp.route("/<int:review_id>/edit", methods=["GET", "POST"])
@allow(permissions.RUN)
def edit(review_id: int):
    review = review_or_404(review_id)
    form = _review_form(review)
    done = submit(form, lambda: services.update_review(review, validate_edit(
        ReviewIn, ReviewPatch, schema_values(form), form.version.data)))
    if done.saved:
        flash("Review saved.", "success")
        return redirect(url_for("reviews.show", review_id=review.id))
    return render_template("reviews/form.html", form=form, review=review), done.status


@bp.post("/<int:review_id>/delete")
@allow(permissions.DELETE)
def delete(review_id: int):
    review = review_or_404(review_id)
    services.delete_review(review)
    flash("Review deleted with its findings and actions.", "success")
    return redirect(url_for("reviews.index"))


@bp.post("/<int:review_id>/status")
@allow(permissions.RUN)
def change_status(review_id: int):
    review = review_or_404(review_id)
    form = StatusForm()
    wanted = form.status.data or ""
    if not form.validate_on_submit() or wanted not in REVIEW_STATUSES:
        return render_review(review, status=422, errors=["Choose open, closed or planned."])
    _, errors, status = attempt(lambda: services.set_status(review, wanted, version=form.version.data))
    if errors:
        return render_review(review, status=status, errors=errors)
    messages = {"open": "Review opened: the stream's figures are recorded as they stand now.",
                "closed": "Review closed: the figures after it are recorded for good.",
                "planned": "Review set back to planned."}
    flash(messages[wanted], "success")
    return redirect(url_for("reviews.show", review_id=review.id))


# A stream's history, its chart, and the A3 ----------------------------------------------


@bp.get("/stream/<int:stream_id>")
@allow(MEMBER)
def stream_history(stream_id: int):
    stream = tenancy.get_or_404(ValueStream, stream_id)
    reviews = queries.stream_reviews(stream)
    spec = chart_data.trend_spec(stream, reviews)
    counts = queries.action_counts([r.id for r in reviews], queries.today())
    return render_template("reviews/history.html", stream=stream, reviews=reviews, counts=counts,
                           alt=describe_review_trend(spec), has_points=bool(spec["points"]),
                           may_run=permissions.may_run(stream, tenancy.actor()))


@bp.get("/stream/<int:stream_id>/trend.svg", defaults={"fmt": "svg"})
@bp.get("/stream/<int:stream_id>/trend.png", defaults={"fmt": "png"})
@allow(MEMBER)
def trend_chart(stream_id: int, fmt: str):
    stream = tenancy.get_or_404(ValueStream, stream_id)
    return chart_response("review-trend", chart_data.trend_spec(stream, queries.stream_reviews(stream)),
                          draw_review_trend[fmt], suffix=fmt)


@bp.get("/<int:review_id>/a3.pdf")
@allow(MEMBER)
def a3_pdf(review_id: int):
    review = review_or_404(review_id)
    spec = chart_data.a3_spec(queries.review_page(review))
    return chart_response("review-a3", spec, draw_a3, suffix="pdf",
                          download_name=f"review-{review.id}-a3.pdf")
