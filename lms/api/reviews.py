"""Reviews, their findings and PDCA actions in the JSON API, and a review's agenda.

``/reviews`` and ``/actions`` follow API.md; ``/reviews/{id}/findings``, ``/findings/{id}`` and
``/reviews/{id}/agenda`` are extensions.
"""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from lms import tenancy
from lms.api.routing import QueryParam, operation, paginate, query_int
from lms.errors import ApiError
from lms.models import REVIEW_STATUSES, Action, Finding, Review
from lms.pagination import Page
from lms.permissions import MEMBER
from lms.reviews import permissions, queries, services
from lms.reviews.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    AgendaOut,
    FindingIn,
    FindingOut,
    FindingPatch,
    ReviewIn,
    ReviewOut,
    ReviewPatch,
)

REVIEWS, ACTIONS, FINDINGS = "reviews", "review actions", "review findings"
WRITE_ERRORS = (403,)
PATCH_ERRORS = (403, 409)
RUNNERS = ("Admins and managers, and the process owner of the review's value stream; others get 403.")



def _review_out(review: Review, participant_ids: list[int] | None = None) -> ReviewOut:
    fields = {name: getattr(review, name) for name in ReviewOut.model_fields if name != "participant_ids"}
    ids = participant_ids if participant_ids is not None else sorted(u.id for u in review.participants)
    return ReviewOut.model_validate({**fields, "participant_ids": ids})


# Reviews --------------------------------------------------------------------------------


@operation("/reviews", "GET", allow=MEMBER,
           summary="List reviews", tag=REVIEWS, response=ReviewOut, paginated=True,
           query=(QueryParam("value_stream_id", "integer", "Only reviews of this value stream", minimum=1),
                  QueryParam("status", "string", "`planned`, `open` or `closed`", enum=REVIEW_STATUSES)),
           description="Newest first (by `held_on`).")
def reviews_list():
    status = request.args.get("status") or None
    if status is not None and status not in REVIEW_STATUSES:
        raise ApiError(422, "Invalid query parameter.",
                       {"status": [f"Use one of: {', '.join(REVIEW_STATUSES)}."]})
    filters = queries.ReviewFilters(value_stream_id=query_int("value_stream_id", minimum=1), status=status)
    result = paginate(queries.reviews_statement(filters))
    participants = queries.participants_of(result.items)
    return Page([_review_out(r, participants.get(r.id, [])) for r in result.items], result.total, result.page,
                result.per_page)


@operation("/reviews", "POST", allow=permissions.PLAN,
           summary="Plan a review", tag=REVIEWS, body=ReviewIn, response=ReviewOut,
           status=201, errors=WRITE_ERRORS,
           description=f"{RUNNERS} Ids must name records of your organization (422 naming the field). "
                       "A review created `open` or `closed` takes its snapshots at once.")
def reviews_create(payload: ReviewIn):
    return _review_out(services.create_review(payload))


@operation("/reviews/<int:review_id>", "GET", allow=MEMBER,
           summary="Read a review", tag=REVIEWS, response=ReviewOut)
def reviews_read(review_id: int):
    return _review_out(tenancy.get_or_404(Review, review_id))


@operation("/reviews/<int:review_id>", "PATCH", allow=permissions.RUN,
           summary="Change a review or move its status", tag=REVIEWS,
           body=ReviewPatch, response=ReviewOut, errors=PATCH_ERRORS,
           description=f"{RUNNERS} Status runs `planned` → `open` → `closed`: opening stores "
                       "`snapshot_open`, closing `snapshot_close` (the stream's metrics object), each once "
                       "and never changed afterwards. `open` → `planned` is refused (422); a closed review "
                       "goes back only by an admin (others 403). `planned` → `closed` takes both snapshots. "
                       "`value_stream_id` changes only while the review is planned.")
def reviews_update(review_id: int, payload):
    review = tenancy.get_or_404(Review, review_id)
    return _review_out(services.update_review(review, payload))


@operation("/reviews/<int:review_id>", "DELETE", allow=permissions.DELETE,
           summary="Delete a review with its findings and actions",
           tag=REVIEWS, status=204, errors=WRITE_ERRORS, description="Admins and managers.")
def reviews_delete(review_id: int):
    services.delete_review(tenancy.get_or_404(Review, review_id))


@operation("/reviews/<int:review_id>/agenda", "GET", allow=MEMBER,
           summary="The review's agenda, computed now", tag=REVIEWS,
           response=AgendaOut,
           description="Extension. Drift alerts (worsening, diverging, orphan, stale) of the stream's KPIs, "
                       "untagged steps, value-adding steps flagged contradiction or no-customer-job, "
                       "over-takt steps, underserved outcomes of the jobs the stream serves, job gaps of its "
                       "stack, overdue actions of the stream's earlier reviews; each with the web page of "
                       "its source.")
def reviews_agenda(review_id: int):
    review = tenancy.get_or_404(Review, review_id)
    items = queries.agenda_of(review)
    return AgendaOut(review_id=review.id, value_stream_id=review.value_stream_id, as_of=queries.today(),
                     items=[item.as_dict() for item in items])


# Actions --------------------------------------------------------------------------------


@operation("/reviews/<int:review_id>/actions", "GET", allow=MEMBER,
           summary="List a review's actions", tag=ACTIONS,
           response=ActionOut, paginated=True, description="By due date; `overdue` is read-only.")
def actions_list(review_id: int):
    review = tenancy.get_or_404(Review, review_id)
    return paginate(select(Action).where(Action.review_id == review.id)
                    .order_by(Action.due_on.is_(None), Action.due_on, Action.id))


@operation("/reviews/<int:review_id>/actions", "POST", allow=permissions.RUN,
           summary="Agree an action", tag=ACTIONS, body=ActionIn,
           response=ActionOut, status=201, errors=WRITE_ERRORS,
           description=f"{RUNNERS} `step_id` must be a step of the review's stream. Not on a closed review.")
def actions_create(review_id: int, payload: ActionIn):
    review = tenancy.get_or_404(Review, review_id)
    return services.create_action(review, payload)


@operation("/actions/<int:action_id>", "GET", allow=MEMBER,
           summary="Read an action", tag=ACTIONS, response=ActionOut)
def actions_read(action_id: int):
    return tenancy.get_or_404(Action, action_id)


@operation("/actions/<int:action_id>", "PATCH", allow=permissions.MOVE_ACTION,
           summary="Change an action or move its stage", tag=ACTIONS,
           body=ActionPatch, response=ActionOut, errors=PATCH_ERRORS,
           description=f"{RUNNERS} The action's owner (`owner_id`), whatever their role, may change "
                       "`stage` and `observed_result` only; changing anything else answers 403.")
def actions_update(action_id: int, payload):
    return services.update_action(tenancy.get_or_404(Action, action_id), payload)


@operation("/actions/<int:action_id>", "DELETE", allow=permissions.RUN,
           summary="Remove an action", tag=ACTIONS, status=204,
           errors=WRITE_ERRORS, description=f"{RUNNERS} Not on a closed review (422).")
def actions_delete(action_id: int):
    services.delete_action(tenancy.get_or_404(Action, action_id))


# Findings (extension) -------------------------------------------------------------------


@operation("/reviews/<int:review_id>/findings", "GET", allow=MEMBER,
           summary="List a review's findings", tag=FINDINGS,
           response=FindingOut, paginated=True, description="Extension. In the order recorded.")
def findings_list(review_id: int):
    review = tenancy.get_or_404(Review, review_id)
    return paginate(select(Finding).where(Finding.review_id == review.id)
                    .order_by(Finding.created_at, Finding.id))


@operation("/reviews/<int:review_id>/findings", "POST", allow=permissions.RUN,
           summary="Record a finding", tag=FINDINGS,
           body=FindingIn, response=FindingOut, status=201, errors=WRITE_ERRORS,
           description=f"Extension. {RUNNERS} Not on a closed review (422).")
def findings_create(review_id: int, payload: FindingIn):
    review = tenancy.get_or_404(Review, review_id)
    return services.create_finding(review, payload)


@operation("/findings/<int:finding_id>", "GET", allow=MEMBER,
           summary="Read a finding", tag=FINDINGS, response=FindingOut,
           description="Extension.")
def findings_read(finding_id: int):
    return tenancy.get_or_404(Finding, finding_id)


@operation("/findings/<int:finding_id>", "PATCH", allow=permissions.RUN,
           summary="Change a finding", tag=FINDINGS, body=FindingPatch,
           response=FindingOut, errors=PATCH_ERRORS, description=f"Extension. {RUNNERS}")
def findings_update(finding_id: int, payload):
    return services.update_finding(tenancy.get_or_404(Finding, finding_id), payload)


@operation("/findings/<int:finding_id>", "DELETE", allow=permissions.RUN,
           summary="Remove a finding", tag=FINDINGS, status=204,
           errors=WRITE_ERRORS, description=f"Extension. {RUNNERS}")
def findings_delete(finding_id: int):
    services.delete_finding(tenancy.get_or_404(Finding, finding_id))
