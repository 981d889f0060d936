"""Pages of value streams: the list, the map page, its charts, future states and the comparison."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from lms import deletion, tenancy
from lms.charts import drawings
from lms.charts.cache import chart_response
from lms.customers import queries as job_stacks
from lms.extensions import db
from lms.forms import choices, grouped, people_choices, submit
from lms.lean.durations import working_day
from lms.lean.metrics import WASTE_TYPES
from lms.lean.waste import format_points
from lms.models import Customer, Job, ValueStream
from lms.pagination import page_args
from lms.permissions import MEMBER, allow
from lms.streams import bp, chart_data, permissions, queries, services
from lms.streams.forms import CLASSIFICATION_LABELS, TAG_BUTTON_LABELS, TAGS, StreamForm, schema_values
from lms.streams.permissions import EDIT_STREAM, MAP_STREAMS
from lms.streams.schemas import ValueStreamIn, ValueStreamPatch
from lms.validation import validate, validate_edit

# Drawn by matplotlib (as PNG and as SVG), imported on first use: see lms.charts.deferred.
draw_waste_pareto = drawings("lms.charts.pareto", "pareto_figure")
draw_takt_chart = drawings("lms.charts.takt", "takt_figure")
draw_value_stream_map = drawings("lms.charts.vsm", "value_stream_map_figure")


def percent(ratio: float | None) -> str:
    """Write a ratio as a percentage with enough digits to tell a tiny PCE from zero."""
    if ratio is None:
        return "—"
    pct = ratio * 100
    return f"{pct:.1f} %" if pct >= 1 or pct == 0 else f"{pct:.2g} %"


def plain_number(value: float | None) -> str:
    """Write a stored number the way a person typed it: 27600, not 27600.0."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


@bp.context_processor
def _helpers():
    # ``duration`` is the app's template global: it writes in the working days of the page's stream.
    return {"percent": percent, "points": format_points,
            "classification_labels": CLASSIFICATION_LABELS,
            "tags": TAGS, "tag_button_labels": TAG_BUTTON_LABELS, "waste_types": WASTE_TYPES,
            "can_edit": lambda stream: permissions.may_edit(stream, tenancy.actor())}


# Choices of the forms ------------------------------------------------------------------


def customer_choices():
    """Offer the organization's customers, external and internal."""
    rows = db.session.execute(select(Customer.id, Customer.name, Customer.kind).order_by(Customer.name))
    return choices([(cid, f"{name} ({kind})") for cid, name, kind in rows], blank="— none —")


def job_choices(customer_id: int | None = None):
    """Offer every job of the organization grouped by customer, ``customer_id``'s first."""
    rows = db.session.execute(
        select(Job.id, Job.statement, Job.parent_id, Customer.name)
        .join(Customer, Customer.id == Job.customer_id)
        .order_by(Customer.id != customer_id, Customer.name, Customer.id,  # the stream's customer first
                  func.coalesce(Job.parent_id, Job.id), Job.parent_id.is_not(None), Job.position,
                  Job.statement))
    groups: dict[str, list[tuple[int, str]]] = {}
    for job_id, statement, parent_id, customer in rows:
        # A related job is indented under the high-level jobs of its customer.
        groups.setdefault(customer, []).append((job_id, f"  · {statement}" if parent_id else statement))
    return grouped(groups, blank="— no customer job —")


def _stream_form(stream: ValueStream | None = None) -> StreamForm:
    data = None
    if stream is not None:
        data = {
            "name": stream.name, "description": stream.description, "state": stream.state,
            "customer_id": str(stream.customer_id or ""), "job_id": str(stream.job_id or ""),
            "owner_id": str(stream.owner_id or ""), "daily_demand": plain_number(stream.daily_demand),
            "available_seconds_per_day": stream.available_seconds_per_day,
            "last_walked_on": stream.last_walked_on, "version": stream.version,
        }
    elif tenancy.actor().role == "owner":
        data = {"owner_id": str(tenancy.actor().id)}
    form = StreamForm(data=data)
    form.customer_id.choices = customer_choices()
    form.job_id.choices = job_choices()
    form.owner_id.choices = people_choices(stream.owner_id if stream else None)
    return form


def stream_or_404(stream_id: int) -> ValueStream:
    """Return the organization's stream with that id, or answer 404."""
    return tenancy.get_or_404(ValueStream, stream_id)


# The list ------------------------------------------------------------------------------


@bp.get("/")
@allow(MEMBER)
def index():
    page, per_page = page_args(request.args, 25)
    result, rows = queries.list_streams(page, per_page)
    return render_template("streams/index.html", page=result, rows=rows,
                           may_create=permissions.may_create(tenancy.actor()))


@bp.route("/new", methods=["GET", "POST"])
@allow(MAP_STREAMS)
def new():
    form = _stream_form()
    done = submit(form, lambda: services.create_stream(validate(ValueStreamIn, schema_values(form))))
    if done.saved:
        flash(f"Value stream {done.result.name} created. Add its steps in flow order.", "success")
        return redirect(url_for("streams.show", stream_id=done.result.id))
    return render_template("streams/stream_form.html", form=form, stream=None), done.status


# One stream ----------------------------------------------------------------------------


@bp.get("/<int:stream_id>")
@allow(MEMBER)
def show(stream_id: int):
    view = queries.stream_view(stream_or_404(stream_id))
    return render_stream_page(view)


def render_stream_page(view: queries.StreamView, row_errors: dict | None = None, status: int = 200):
    """Render the stream page, with form errors beside the rows they belong to."""
    editable = permissions.may_edit(view.stream, tenancy.actor())
    return render_template("streams/show.html", view=view, stream=view.stream,
                           alt=chart_data.chart_alt_texts(view), sizes=chart_data.chart_sizes(view),
                           row_errors=row_errors or {},
                           reach=deletion.stream_reach(view.stream) if editable else "",
                           history=queries.stream_history(view.stream)), status


@bp.route("/<int:stream_id>/edit", methods=["GET", "POST"])
@allow(EDIT_STREAM)
def edit(stream_id: int):
    stream = stream_or_404(stream_id)
    form = _stream_form(stream)
    done = submit(form, lambda: services.update_stream(stream, validate_edit(
        ValueStreamIn, ValueStreamPatch, schema_values(form), form.version.data)))
    if done.saved:
        flash("Value stream saved.", "success")
        return redirect(url_for("streams.show", stream_id=stream.id))
    return render_template("streams/stream_form.html", form=form, stream=stream), done.status


@bp.post("/<int:stream_id>/delete")
@allow(EDIT_STREAM)
def delete(stream_id: int):
    stream = stream_or_404(stream_id)
    name = stream.name
    services.delete_stream(stream)
    flash(f"Value stream {name} deleted.", "success")
    return redirect(url_for("streams.index"))


@bp.post("/<int:stream_id>/walked")
@allow(EDIT_STREAM)
def walked(stream_id: int):
    stream = services.confirm_walked(stream_or_404(stream_id))
    flash(f"Recorded: the map of {stream.name} was walked on the floor today.", "success")
    return redirect(url_for("streams.show", stream_id=stream.id))


@bp.post("/<int:stream_id>/future-state")
@allow(EDIT_STREAM)
def future_state(stream_id: int):
    future = services.make_future_state(stream_or_404(stream_id))
    flash("Future state created from the current map: change it to the flow you aim for.", "success")
    return redirect(url_for("streams.show", stream_id=future.id))


@bp.get("/<int:stream_id>/compare")
@allow(MEMBER)
def compare(stream_id: int):
    stream = stream_or_404(stream_id)
    if stream.state == "future" and stream.derived_from_id is not None:
        current, future = tenancy.get_or_404(ValueStream, stream.derived_from_id), stream
    else:
        current = stream
        wanted = request.args.get("with", type=int)
        future = tenancy.find(ValueStream, wanted) if wanted else queries.newest_future_state(stream)
        if future is not None and future.derived_from_id != current.id:
            abort(404)
    comparison, changes = None, []
    if future is not None:
        comparison = queries.compare(queries.stream_view(current), queries.stream_view(future))
        changes = job_stacks.future_state_changes(current.id, future.id)
    # The comparison is written in the current state's working days.
    return render_template("streams/compare.html", stream=stream, current=current, future=future,
                           comparison=comparison, changes=changes,
                           day_s=working_day(current.available_seconds_per_day))


# Charts --------------------------------------------------------------------------------
# The page shows each chart as SVG (sharp at any size, drawn about twice as fast); the PNG of the
# same drawing is there to download, for slides and documents.


@bp.get("/<int:stream_id>/map.svg", defaults={"fmt": "svg"})
@bp.get("/<int:stream_id>/map.png", defaults={"fmt": "png"})
@allow(MEMBER)
def map_chart(stream_id: int, fmt: str):
    view = queries.stream_view(stream_or_404(stream_id))
    spec = chart_data.map_spec(view)
    return chart_response("value-stream-map", spec, draw_value_stream_map[fmt], suffix=fmt)


@bp.get("/<int:stream_id>/takt.svg", defaults={"fmt": "svg"})
@bp.get("/<int:stream_id>/takt.png", defaults={"fmt": "png"})
@allow(MEMBER)
def takt_chart(stream_id: int, fmt: str):
    view = queries.stream_view(stream_or_404(stream_id))
    return chart_response("takt", chart_data.takt_spec(view), draw_takt_chart[fmt], suffix=fmt)


@bp.get("/<int:stream_id>/pareto.svg", defaults={"fmt": "svg"})
@bp.get("/<int:stream_id>/pareto.png", defaults={"fmt": "png"})
@allow(MEMBER)
def pareto_chart(stream_id: int, fmt: str):
    view = queries.stream_view(stream_or_404(stream_id))
    return chart_response("waste-pareto", chart_data.pareto_spec(view), draw_waste_pareto[fmt], suffix=fmt)
