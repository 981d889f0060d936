"""KPIs, their measurements and their drift: ``/kpis``."""

from __future__ import annotations

import re
from datetime import date

from flask import current_app, request

from lms import tenancy
from lms.api.routing import QueryParam, json_response, operation, paginate, query_int
from lms.errors import ApiError
from lms.kpis import drift_queries as kpi_drift_queries
from lms.kpis import services
from lms.kpis.permissions import EDIT_KPIS, MEASURE
from lms.kpis.schemas import (
    KpiDriftOut,
    KpiIn,
    KpiOut,
    KpiPatch,
    MeasurementBatchIn,
    MeasurementOut,
    MeasurementPostIn,
    MeasurementPostOut,
)
from lms.lean.drift import STATUSES
from lms.models import Kpi
from lms.pagination import MAX_PER_PAGE
from lms.permissions import MEMBER

MAX_SEGMENT = 100  # as long as a rating's segment may be
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

TAG = "kpis"
WRITE_ROLES = "Admins and managers; others get 403."


def _kpi_out(kpi: Kpi, status: str | None) -> KpiOut:
    links = sorted(kpi.outcome_links, key=lambda link: link.outcome_id)
    return KpiOut.model_validate({
        **{name: getattr(kpi, name) for name in ("id", "version", "name", "unit", "direction", "target",
                                                  "description", "value_stream_id", "step_id", "owner_id",
                                                  "created_at", "updated_at")},
        "outcome_ids": [link.outcome_id for link in links],
        "outcome_links": [{"outcome_id": link.outcome_id, "rationale": link.rationale} for link in links],
        "drift_status": status,
    })


def _with_status(kpi: Kpi) -> KpiOut:
    return _kpi_out(kpi, kpi_drift_queries.assess_kpi(kpi).status)


def _as_of() -> date | None:
    raw = request.args.get("as_of")
    if raw is None:
        return None
    try:
        if not ISO_DATE.fullmatch(raw):  # as the document's `format: date` says: not 20261122
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "Invalid query parameter.", {"as_of": ["Use an ISO date such as 2026-11-22."]}) \
            from None


@operation("/kpis", "GET", allow=MEMBER,
           summary="List KPIs with their drift status", tag=TAG, response=KpiOut,
           paginated=True, query=[
               QueryParam("status", "string", f"Only KPIs with this drift status: {', '.join(STATUSES)}.",
                          enum=tuple(STATUSES)),
               QueryParam("value_stream_id", description="Only KPIs of this value stream."),
               QueryParam("owner_id", description="Only KPIs this user owns."),
               QueryParam("customer_id", description="Only KPIs linked to an outcome of this customer."),
               QueryParam("outcome_id", description="Only KPIs linked to this outcome."),
           ],
           description="Each item carries a read-only `drift_status`, its status as of today "
                       "(`GET /kpis/{id}/drift` says why).")
def list_kpis():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise ApiError(422, "Invalid query parameter.",
                       {"status": [f"Choose one of: {', '.join(STATUSES)}."]})
    filters = services.KpiFilters(status=status, value_stream_id=query_int("value_stream_id"),
                                  owner_id=query_int("owner_id"), customer_id=query_int("customer_id"),
                                  outcome_id=query_int("outcome_id"))
    per_page = query_int("per_page", current_app.config["LMS_PER_PAGE"], minimum=1, maximum=MAX_PER_PAGE)
    listed = services.list_kpis(filters, query_int("page", 1, minimum=1), per_page)
    items = [_kpi_out(kpi, listed.drift[kpi.id].status) for kpi in listed.page.items]
    return type(listed.page)(items, listed.page.total, listed.page.page, listed.page.per_page)


@operation("/kpis", "POST", allow=EDIT_KPIS,
           summary="Create a KPI", tag=TAG, body=KpiIn, response=KpiOut, status=201,
           errors=(403,), description=f"{WRITE_ROLES} `outcome_ids` (or the extension `outcome_links`, "
                                      "which also carries each link's rationale) must name outcomes of your "
                                      "organization; `step_id` must belong to `value_stream_id`.")
def create_kpi(payload: KpiIn):
    return _with_status(services.create_kpi(payload))


@operation("/kpis/<int:kpi_id>", "GET", allow=MEMBER, summary="One KPI", tag=TAG, response=KpiOut)
def get_kpi(kpi_id: int):
    return _with_status(tenancy.get_or_404(Kpi, kpi_id))


@operation("/kpis/<int:kpi_id>", "PATCH", allow=EDIT_KPIS,
           summary="Change a KPI", tag=TAG, body=KpiPatch, response=KpiOut,
           errors=(403, 409), description=f"{WRITE_ROLES} Any subset of the writable fields; "
                                          "`outcome_ids` / `outcome_links` replace the links whole. "
                                          "Every change, link changes included, raises `version`.")
def update_kpi(kpi_id: int, payload: KpiPatch):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    return _with_status(services.update_kpi(kpi, payload))


@operation("/kpis/<int:kpi_id>", "DELETE", allow=EDIT_KPIS,
           summary="Delete a KPI with its links and measurements", tag=TAG,
           status=204, errors=(403, 409), query=[QueryParam("version", description="Optional: 409 if the "
                                                                                  "KPI changed since.")],
           description="Deletes the KPI **with its outcome links and measurements** (cascade); review "
                       "actions that named it stay, unlinked.")
def delete_kpi(kpi_id: int):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    services.delete_kpi(kpi, version=query_int("version"))


@operation("/kpis/<int:kpi_id>/measurements", "GET", allow=MEMBER,
           summary="A KPI's measurements, newest first", tag=TAG,
           response=MeasurementOut, paginated=True)
def list_measurements(kpi_id: int):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    return paginate(services.list_measurements_stmt(kpi))


@operation("/kpis/<int:kpi_id>/measurements", "POST", allow=MEASURE,
           summary="Enter one measurement, or many at once",
           tag=TAG, body=MeasurementPostIn, response=MeasurementPostOut, status=201, errors=(403, 409),
           description="Admins, managers and the KPI's owner. One measurement per KPI and date: a "
                       "measurement for a date that has one updates it (same id, version raised). "
                       "`{\"measurements\": [...]}` writes all or nothing (a date twice in one batch is "
                       "422 naming `measurements.<index>.measured_on`) and answers `{\"items\": [...]}`.")
def add_measurements(kpi_id: int, payload):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    if isinstance(payload, MeasurementBatchIn):
        written = services.record_measurements(kpi, payload)
        body = {"items": [MeasurementOut.model_validate(m).model_dump(mode="json") for m in written]}
    else:
        written = services.record_measurement(kpi, payload)
        body = MeasurementOut.model_validate(written).model_dump(mode="json")
    return json_response(body, 201)


@operation("/kpis/<int:kpi_id>/drift", "GET", allow=MEMBER,
           summary="Whether a KPI drifted from its customer outcomes",
           tag=TAG, response=KpiDriftOut,
           query=[QueryParam("as_of", "date", "Assess as of this day (default today); "
                                              "later data is ignored."),
                  QueryParam("segment", "string", "Only the ratings of this segment count.")],
           description="Statuses, first that applies: orphan, stale, insufficient-data, measures-waste, "
                       "worsening, diverging, inconclusive, aligned. Only measurements and ratings inside "
                       "the window (as_of - window_days, as_of] count; an outcome's change is read within "
                       "one segment, with its uncertainty.")
def kpi_drift(kpi_id: int):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    segment = request.args.get("segment")
    if segment is not None and not 0 < len(segment) <= MAX_SEGMENT:
        raise ApiError(422, "Invalid query parameter.",
                       {"segment": [f"Name a segment of 1 to {MAX_SEGMENT} characters."]})
    assessment = kpi_drift_queries.assess_kpi(kpi, _as_of(), segment).assessment
    return KpiDriftOut.model_validate(assessment.as_api_dict() | {"as_of": assessment.as_of})
