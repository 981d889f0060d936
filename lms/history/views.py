"""Pages of the audit trail."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from sqlalchemy import select
from werkzeug.routing import BuildError

from lms.extensions import db
from lms.forms import date_arg
from lms.history import bp, queries, wording_queries
from lms.models import Step
from lms.pagination import page_args
from lms.permissions import MEMBER, allow
from lms.validation import whole_number

# Where a record of each type is shown, if that page exists in this app.
RECORD_PAGES = {
    "ValueStream": ("streams.show", "stream_id"),
    "Customer": ("customers.show", "customer_id"),
    "Outcome": ("customers.outcome", "outcome_id"),
    "Circumstance": ("customers.circumstance", "circumstance_id"),
    "Kpi": ("kpis.show", "kpi_id"),
    "Review": ("reviews.show", "review_id"),
    "User": ("admin.user", "user_id"),
}


def record_url(record_type: str, record_id: int | None) -> str | None:
    """Return the page of a record, or None when it has none."""
    target = RECORD_PAGES.get(record_type)
    if target is None or record_id is None:
        return None
    try:
        return url_for(target[0], **{target[1]: record_id})
    except BuildError:
        return None


@bp.context_processor
def _wording():
    return {"history_changes": wording_queries.changes}


def record_links(events) -> dict[tuple[str, int], str]:
    """Return the page of each event's record; steps' streams are looked up in one query."""
    links: dict[tuple[str, int], str] = {}
    step_ids = {e.record_id for e in events if e.record_type == "Step" and e.record_id is not None}
    if step_ids:
        rows = db.session.execute(select(Step.id, Step.value_stream_id).where(Step.id.in_(step_ids)))
        for step_id, stream_id in rows:
            links[("Step", step_id)] = url_for("streams.step", stream_id=stream_id, step_id=step_id)
    for e in events:
        url = record_url(e.record_type, e.record_id)
        if url:
            links[(e.record_type, e.record_id)] = url
    return links


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name))


@bp.get("/")
@allow(MEMBER)
def index():
    record_type = request.args.get("type") or None
    if record_type not in queries.RECORD_TYPES:
        record_type = None
    criteria = queries.HistoryFilter(
        actor_id=_int_arg("actor"), record_type=record_type,
        since=date_arg("since"), until=date_arg("until"),
    )
    page, per_page = page_args(request.args)
    result = queries.events(criteria, page, per_page)
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("history/index.html", page=result, criteria=criteria, filters=filters,
                           actors=queries.actors(), record_types=queries.RECORD_TYPES,
                           links=record_links(result.items))


@bp.get("/<record_type>/<int:record_id>")
@allow(MEMBER)
def record(record_type: str, record_id: int):
    if record_type not in queries.RECORD_TYPES:
        abort(404)
    trail = queries.record_events(record_type, record_id)
    if not trail:
        abort(404)
    link = record_links(trail[:1]).get((record_type, record_id))
    return render_template("history/record.html", trail=trail, record_type=record_type,
                           record_id=record_id, label=queries.record_name(record_type, record_id, trail),
                           record_url=link)
