"""The measured flow in the JSON API: a stream's event log, its activities, the flow and forecasts."""

from __future__ import annotations

from datetime import date

from flask import request
from sqlalchemy import select

from lms import tenancy
from lms.api.routing import QueryParam, operation, paginate, parse_body
from lms.errors import ApiError
from lms.extensions import db
from lms.flow import figure_queries as flow_figure_queries
from lms.flow import services
from lms.flow.log_files import LogEvent
from lms.flow.permissions import EDIT_STREAM
from lms.flow.schemas import ActivityOut, EventImportOut, EventsIn, FlowOut, ForecastOut
from lms.kpis.measurement_files import ImportRejected, RowError
from lms.models import Customer, FlowActivity, FlowEvent, ValueStream
from lms.pagination import Page
from lms.permissions import MEMBER

TAG = "measured flow"
PERIOD = (QueryParam("from", "date", "Only events on or after this day"),
          QueryParam("to", "date", "Only events on or before this day"))


def _date(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "Invalid query parameter.",
                       {name: ["Give an ISO 8601 date, e.g. 2026-03-02."]}) from None


def _number(name: str, low: float, high: float) -> float | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise ApiError(422, "Invalid query parameter.", {name: [f"Give a number from {low:g} to {high:g}."]})
    return value


def _field(error: RowError, fmt: str) -> str:
    """Name a problem's place: ``events.0.timestamp`` (JSON), ``row 18.timestamp`` (CSV), ``event 3.…``."""
    if error.row is None:
        return "body"
    if fmt == "json":
        return f"events.{error.row - 1}.{error.column}"
    return f"{'row' if fmt == 'csv' else 'event'} {error.row}.{error.column}"


def _json_items(payload: EventsIn):
    """Turn validated JSON events into log events, refusing customer ids of no customer of yours."""
    wanted = {e.customer_id for e in payload.events if e.customer_id is not None}
    known = set(db.session.scalars(select(Customer.id).where(Customer.id.in_(wanted)))) if wanted else set()
    unknown = {f"events.{i}.customer_id": ["No such customer in your organization."]
               for i, e in enumerate(payload.events)
               if e.customer_id is not None and e.customer_id not in known}
    if unknown:
        raise ApiError(422, "Nothing was imported.", unknown)
    return [LogEvent(i, e.case_id, e.activity, e.timestamp, e.lifecycle, e.resource, e.customer, e.segment,
                     e.customer_id) for i, e in enumerate(payload.events, start=1)]


@operation("/value-streams/<int:stream_id>/events", "POST", allow=EDIT_STREAM,
           summary="Import events into the stream's log", tag=TAG, body=EventsIn, raw_body=True,
           response=EventImportOut, status=201, errors=(403,),
           description="All or nothing; events the log already has are left out (a re-import adds nothing "
                       "twice). Besides the JSON below, the body may be a CSV log (`Content-Type: text/csv`, "
                       "columns found by their header: `case_id`, `activity`, `timestamp`, `lifecycle`, "
                       "`resource`, `customer`, `segment` or the names trackers use) or an XES log "
                       "(`application/xml`; DTDs and entities refused). A 422 names each problem by place: "
                       "`events.0.timestamp`, `row 18.timestamp` (CSV line), `event 3.lifecycle` (XES). "
                       "Bodies are limited to the server's upload size (16 MB by default); import larger "
                       "logs with `lms import-events`.")
def events_import(stream_id: int):
    stream = tenancy.get_or_404(ValueStream, stream_id)
    mimetype = request.mimetype or ""
    if mimetype in ("text/csv", "application/xml", "text/xml"):
        fmt = "csv" if mimetype == "text/csv" else "xes"
        items = services.read_items(fmt, request.stream)
        source = f"API ({fmt.upper()})"
    else:
        fmt = "json"
        payload = parse_body(EventsIn)
        items = _json_items(payload)  # type: ignore[arg-type]
        source = "API (JSON)"
    try:
        result = services.import_events_for_actor(stream, items, source=source)
    except ImportRejected as rejected:
        fields: dict[str, list[str]] = {}
        for error in rejected.errors:
            fields.setdefault(_field(error, fmt), []).append(error.message)
        raise ApiError(422, "Nothing was imported.", fields) from None
    return EventImportOut(read=result.read, added=result.added, duplicates=result.duplicates,
                          skipped=result.skipped, new_activities=result.new_activities,
                          unmapped=result.unmapped)


@operation("/value-streams/<int:stream_id>/events", "GET", allow=MEMBER,
           summary="List the activities of the stream's log with their steps", tag=TAG, response=ActivityOut,
           paginated=True, description="Busiest first, with event counts. `step_id` null is unmapped work: "
                                       "an activity done in no step of the map.")
def events_activities(stream_id: int):
    stream = tenancy.get_or_404(ValueStream, stream_id)
    counts = (select(FlowEvent.activity_id, db.func.count().label("n"))
              .where(FlowEvent.value_stream_id == stream.id).group_by(FlowEvent.activity_id).subquery())
    events = db.func.coalesce(counts.c.n, 0)
    page = paginate(select(FlowActivity.id, FlowActivity.name, FlowActivity.step_id, events.label("events"),
                           FlowActivity.version)
                    .outerjoin(counts, counts.c.activity_id == FlowActivity.id)
                    .where(FlowActivity.value_stream_id == stream.id)
                    .order_by(events.desc(), FlowActivity.name, FlowActivity.id), scalars=False)
    return Page([ActivityOut.model_validate(row._mapping) for row in page.items], page.total, page.page,
                page.per_page)


@operation("/value-streams/<int:stream_id>/flow", "GET", allow=MEMBER,
           summary="The stream's measured flow", tag=TAG, response=FlowOut, query=PERIOD,
           description="Measured from the event log in working time: seconds of working time, days of the "
                       "stream's working day (weekdays from the stream's working-day start). A case finishes "
                       "when it completes the last mapped step. Null where the log cannot tell, with "
                       "`reason` when nothing is measured.")
def flow_read(stream_id: int):
    stream = tenancy.get_or_404(ValueStream, stream_id)
    return flow_figure_queries.measured_flow(stream, _date("from"), _date("to")).as_api_dict()


@operation("/value-streams/<int:stream_id>/forecast", "GET", allow=MEMBER,
           summary="Forecast from the measured flow (Monte-Carlo)", tag=TAG, response=ForecastOut,
           query=(QueryParam("confidence", "number", "Default 0.85: answers `days`", minimum=0.5,
                             maximum=0.99),
                  QueryParam("within_days", "number", "Working days: answers `probability`", minimum=0,
                             maximum=100_000),
                  QueryParam("by", "date", "A day: answers `cases` finished by then"),
                  QueryParam("wip_limit", "number", "Cases: answers `what_if_lead_time_days`", minimum=0,
                             maximum=1_000_000_000), *PERIOD),
           description="Resamples the lead times of the newest finished cases and the cases finished per "
                       "working day over the last 60 working days; `runs` draws with `seed`, so the same "
                       "question gives the same answer.")
def forecast_read(stream_id: int):
    stream = tenancy.get_or_404(ValueStream, stream_id)
    confidence = _number("confidence", 0.5, 0.99)
    within = _number("within_days", 0, 100_000)
    wip = _number("wip_limit", 0, 1_000_000_000)
    by = _date("by")
    flow = flow_figure_queries.measured_flow(stream, _date("from"), _date("to"))
    answer = flow_figure_queries.forecast(stream, flow, confidence=confidence or 0.85, within_days=within,
                                          by=by, wip_limit=wip)
    cases = answer.cases
    return {"confidence": answer.confidence, "days": answer.days, "within_days": answer.within_days,
            "probability": answer.probability, "by": answer.by,
            "working_days": cases.working_days if cases else None,
            "cases": {"p50": cases.p50, "p85": cases.p85} if cases else None, "wip_limit": answer.wip_limit,
            "what_if_lead_time_days": answer.what_if_days, "runs": answer.runs, "seed": answer.seed}
