"""Extensions: the sub-optimization radar of internal customers and the stop-doing list.

``/suboptimization`` and ``/stop-doing`` are read-only lists for every member; both are computed
on each request (nothing here is cached).
"""

from __future__ import annotations

from flask import current_app, request

from lms import tenancy
from lms.api.routing import QueryParam, operation, query_int
from lms.customer_first import radar_queries as customer_first_radar_queries
from lms.customer_first import stop_doing_queries as customer_first_stop_doing_queries
from lms.customer_first.schemas import RadarOut, StopDoingOut, radar_out, stop_doing_out
from lms.dashboard.queries import organization_drift
from lms.errors import ApiError
from lms.kpis.drift_queries import drift_settings, today
from lms.lean.suboptimization import STATUSES
from lms.pagination import MAX_PER_PAGE, Page
from lms.permissions import MEMBER

TAG = "customer-first"


def _paging() -> tuple[int, int]:
    per_page = query_int("per_page", current_app.config["LMS_PER_PAGE"], minimum=1, maximum=MAX_PER_PAGE)
    return query_int("page", 1, minimum=1) or 1, per_page or 1


@operation("/suboptimization", "GET", allow=MEMBER, tag=TAG, response=RadarOut, paginated=True,
           summary="The sub-optimization radar of internal customers",
           query=[QueryParam("status", "string", f"Only entries with this status: {', '.join(STATUSES)}.",
                             enum=STATUSES),
                  QueryParam("value_stream_id", minimum=1,
                             description="Only entries whose upstream or downstream is this value stream.")],
           description="Extension. One entry per internal customer and upstream value stream that serves it "
                       "(the stream names it as its customer, or a step serves one of its jobs). Over the "
                       "drift window: the upstream's KPIs that moved the better way beyond their noise, and "
                       "its PCE and lead time since the oldest review snapshot in the window; against the "
                       "internal customer's outcomes' satisfaction changes (within one segment) and the %C&A"
                       " and waiting at the first step of its own stream (from the audit trail). `alert` "
                       "when the upstream gained while its internal customer lost; `absent` when a side has "
                       "nothing read twice in the window. Alerts first.")
def suboptimization_list():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise ApiError(422, "Invalid query parameter.",
                       {"status": [f"Choose one of: {', '.join(STATUSES)}."]})
    stream_id = query_int("value_stream_id", minimum=1)
    page, per_page = _paging()
    organization = tenancy.actor().organization
    settings = drift_settings(organization)
    as_of = today()
    drift = organization_drift(organization, as_of).assessments
    entries = [e for e in customer_first_radar_queries.build_radar(organization, as_of, drift=drift,
                                                                   stream_id=stream_id)
               if status is None or e.status == status]
    shown = entries[(page - 1) * per_page: page * per_page]
    items = [radar_out(e, settings.window_days, settings.min_change) for e in shown]
    return Page(items, len(entries), page, per_page)


@operation("/stop-doing", "GET", allow=MEMBER, tag=TAG, response=StopDoingOut, paginated=True,
           summary="The stop-doing list: steps serving overserved outcomes",
           query=[QueryParam("value_stream_id", description="Only steps of this value stream.", minimum=1)],
           description="Extension. Each step of a current-state stream that serves the job of an outcome "
                       "whose newest rating is overserved (satisfaction above importance), most overserved "
                       "first: the time the step takes per unit (its cycle time) and per week of demand "
                       "(x daily demand x 5 working days; null without a daily demand, `missing` says why). "
                       "Candidates for the overprocessing waste.")
def stop_doing_list():
    page, per_page = _paging()
    stream_id = query_int("value_stream_id", minimum=1)
    listed = customer_first_stop_doing_queries.candidate_page(page, per_page, stream_id)
    return Page([stop_doing_out(line) for line in listed.items], listed.total, listed.page, listed.per_page)
