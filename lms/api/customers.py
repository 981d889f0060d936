"""API v1: customers, jobs and their stacks, outcomes and their ratings."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from lms import tenancy
from lms.api.routing import QueryParam, operation, paginate, query_int
from lms.customers import circumstance_queries, queries, services
from lms.customers.permissions import EDIT_CUSTOMERS
from lms.customers.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    CustomerSegmentsOut,
    JobIn,
    JobOut,
    JobPatch,
    JobStackOut,
    OutcomeIn,
    OutcomeOut,
    OutcomePatch,
    RatingIn,
    RatingOut,
)
from lms.customers.segment_queries import MAX_SEGMENT, segment_callouts, segment_summaries
from lms.errors import ApiError
from lms.lean.opportunity import score_outcome
from lms.models import CUSTOMER_KINDS, Customer, Job, Outcome, OutcomeRating
from lms.pagination import Page
from lms.permissions import MEMBER

EDITORS_WRITE = "Admins and managers write; owners and viewers get 403."


# --- Customers ------------------------------------------------------------------------------

@operation("/customers", "GET", allow=MEMBER,
           summary="List customers, external and internal", tag="customers",
           response=CustomerOut, paginated=True,
           query=[QueryParam("kind", "string", "external or internal", enum=CUSTOMER_KINDS)])
def list_customers():
    stmt = select(Customer).order_by(Customer.name, Customer.id)
    kind = request.args.get("kind")
    if kind:
        if kind not in CUSTOMER_KINDS:
            raise ApiError(422, "Invalid query parameter.", {"kind": ["Use external or internal."]})
        stmt = stmt.where(Customer.kind == kind)
    return paginate(stmt)


@operation("/customers", "POST", allow=EDIT_CUSTOMERS,
           summary="Add a customer", tag="customers", body=CustomerIn,
           response=CustomerOut, status=201, errors=[403], description=EDITORS_WRITE)
def create_customer(payload: CustomerIn):
    return services.create_customer(payload)


@operation("/customers/<int:customer_id>", "GET", allow=MEMBER, summary="One customer", tag="customers",
           response=CustomerOut)
def get_customer(customer_id: int):
    return tenancy.get_or_404(Customer, customer_id)


@operation("/customers/<int:customer_id>", "PATCH", allow=EDIT_CUSTOMERS,
           summary="Change a customer", tag="customers",
           body=CustomerPatch, response=CustomerOut, errors=[403, 409], description=EDITORS_WRITE)
def update_customer(customer_id: int, payload):
    customer = tenancy.get_or_404(Customer, customer_id)
    return services.update_customer(customer, payload)


@operation("/customers/<int:customer_id>", "DELETE", allow=EDIT_CUSTOMERS,
           summary="Delete a customer", tag="customers",
           status=204, errors=[403],
           description="Deletes the customer **with all its jobs, their outcomes and ratings** "
                       "(cascade), and the links of KPIs to those outcomes. Steps and value streams that "
                       "served the customer or its jobs, KPIs and review actions stay, unlinked. "
                       + EDITORS_WRITE)
def delete_customer(customer_id: int):
    services.delete_customer(tenancy.get_or_404(Customer, customer_id))


@operation("/customers/<int:customer_id>/segments", "GET", allow=MEMBER,
           summary="The segments that rated a customer's outcomes; those underserved where others are not",
           tag="customers", response=CustomerSegmentsOut,
           description="`segments`: each segment named by the newest ratings of the customer's outcomes, "
                       "with "
                       "how many outcomes it rated and the largest respondent count of those ratings. "
                       "`callouts`: an outcome's segment whose opportunity (its newest rating) is "
                       "underserved "
                       "while the figure for all segments (the newest rating of each segment, weighted by "
                       "respondents) is not, and exceeds it by at least 2 points; largest opportunity first.")
def customer_segments(customer_id: int):
    customer = tenancy.get_or_404(Customer, customer_id)
    outcomes = queries.load_job_stacks(Job.customer_id == customer.id, records=False).all_outcomes()
    return {"customer_id": customer.id,
            "segments": [vars(s) for s in segment_summaries(outcomes)],
            "callouts": [vars(c) | {"message": c.message} for c in segment_callouts(outcomes)]}


# --- Jobs -----------------------------------------------------------------------------------

@operation("/jobs", "GET", allow=MEMBER, summary="List jobs", tag="jobs", response=JobOut, paginated=True,
           query=[QueryParam("customer_id", "integer", "Only this customer's jobs", minimum=1),
                  QueryParam("parent_id", "integer", "Only the related jobs of this high-level job",
                             minimum=1)])
def list_jobs():
    stmt = select(Job).order_by(Job.customer_id, Job.id)
    customer_id = query_int("customer_id", minimum=1)
    if customer_id is not None:
        stmt = stmt.where(Job.customer_id == customer_id)
    parent_id = query_int("parent_id", minimum=1)
    if parent_id is not None:
        stmt = stmt.where(Job.parent_id == parent_id)
    return paginate(stmt)


@operation("/jobs", "POST", allow=EDIT_CUSTOMERS,
           summary="Add a job", tag="jobs", body=JobIn, response=JobOut, status=201,
           errors=[403],
           description="Without `parent_id` the job is high-level; with one it joins that high-level "
                       "job's stack (same customer; a related job cannot head a stack). " + EDITORS_WRITE)
def create_job(payload: JobIn):
    return services.create_job(payload)


@operation("/jobs/<int:job_id>", "GET", allow=MEMBER, summary="One job", tag="jobs", response=JobOut)
def get_job(job_id: int):
    return tenancy.get_or_404(Job, job_id)


@operation("/jobs/<int:job_id>", "PATCH", allow=EDIT_CUSTOMERS,
           summary="Change a job", tag="jobs", body=JobPatch,
           response=JobOut, errors=[403, 409],
           description="A job cannot become its own ancestor (422 `parent_id`). Setting `necessity` "
                       "to required or optional without sending `interchangeable_group` clears the "
                       "group. " + EDITORS_WRITE)
def update_job(job_id: int, payload):
    job = tenancy.get_or_404(Job, job_id)
    return services.update_job(job, payload)


@operation("/jobs/<int:job_id>", "DELETE", allow=EDIT_CUSTOMERS,
           summary="Delete a job", tag="jobs", status=204, errors=[403],
           description="Deletes the job **with its related jobs (when it is high-level) and their "
                       "outcomes and ratings** (cascade); steps serving them stay, unlinked. "
                       + EDITORS_WRITE)
def delete_job(job_id: int):
    services.delete_job(tenancy.get_or_404(Job, job_id))


@operation("/jobs/<int:job_id>/stack", "GET", allow=MEMBER,
           summary="Capability, gaps and struggles of a job stack",
           tag="jobs", response=JobStackOut, errors=[422],
           description="For a high-level job (a related job answers 422). Coverage: steps of any "
                       "current-state value stream of the organization whose `job_id` is the related "
                       "job (a future state's steps serve no job until it is the current state). "
                       "Struggles come in the order they should be fixed: not-capable, "
                       "poorly-coordinated, poorly-executed (underserved success outcomes by their "
                       "newest rating). `by_circumstance` gives capability, gaps and struggles for the "
                       "customers in each circumstance (jobs it requires count as required; members it "
                       "rules out drop out of their group), `coverage` the share of the job's customers "
                       "whose stack is capable, and `coverage_sentence` says for whom it is not and why.")
def job_stack(job_id: int):
    job = tenancy.get_or_404(Job, job_id)
    if job.parent_id is not None:
        raise ApiError(422, "job_id is not a high-level job",
                       {"job_id": [f"Job {job.id} is a related job of job {job.parent_id}; "
                                   "ask for the stack of its high-level job."]})
    stack, circumstances = circumstance_queries.stack_with_circumstances(job)
    return stack.analysis.as_api_dict() | circumstances.api_fields()


# --- Outcomes -------------------------------------------------------------------------------

_FIGURES = ("`importance`, `satisfaction`, `opportunity`, `status` and `rated_on` are read-only, "
            "from the newest rating by `rated_on` (null and `unrated` without one); `status` uses "
            "the organization's thresholds. Segments: when ratings name different segments, the figures "
            "combine the newest rating of each segment (ratings naming none are a group of their own), "
            "weighted by respondents, or with equal weights when a count is missing (`weighting`, "
            "`weighting_note` say which); with one group they are its newest rating, as before. "
            "`?segment=` gives that segment's newest rating instead (unrated when it has none); "
            "`by_segment` lists every segment's, `underserved_segments` those underserved where the "
            "figure for all segments is not.")
_SEGMENT = QueryParam("segment", "string", "Figures of this segment's ratings only (exact name).",
                      min_length=1, max_length=MAX_SEGMENT)


def _segment() -> str | None:
    """Read ``?segment=``: None for all segments; 422 when it cannot name a segment."""
    segment = request.args.get("segment")
    if segment is not None and not 0 < len(segment) <= MAX_SEGMENT:
        raise ApiError(422, "Invalid query parameter.",
                       {"segment": [f"Name a segment of 1 to {MAX_SEGMENT} characters."]})
    return segment


@operation("/outcomes", "GET", allow=MEMBER,
           summary="List desired outcomes with their newest figures", tag="outcomes",
           response=OutcomeOut, paginated=True, description=_FIGURES,
           query=[QueryParam("job_id", "integer", "Only this job's outcomes", minimum=1),
                  QueryParam("customer_id", "integer", "Only outcomes on this customer's jobs", minimum=1),
                  _SEGMENT])
def list_outcomes():
    segment = _segment()
    stmt = select(Outcome).order_by(Outcome.job_id, Outcome.id)
    job_id = query_int("job_id", minimum=1)
    if job_id is not None:
        stmt = stmt.where(Outcome.job_id == job_id)
    customer_id = query_int("customer_id", minimum=1)
    if customer_id is not None:
        stmt = stmt.join(Job, Job.id == Outcome.job_id).where(Job.customer_id == customer_id)
    page = paginate(stmt)
    return Page(queries.rated_outcomes(page.items, segment), page.total, page.page, page.per_page)


@operation("/outcomes", "POST", allow=EDIT_CUSTOMERS,
           summary="Add a desired outcome to a job", tag="outcomes", body=OutcomeIn,
           response=OutcomeOut, status=201, errors=[403], description=EDITORS_WRITE)
def create_outcome(payload: OutcomeIn):
    return queries.rated_outcome(services.create_outcome(payload))


@operation("/outcomes/<int:outcome_id>", "GET", allow=MEMBER, summary="One outcome with its newest figures",
           tag="outcomes", response=OutcomeOut, description=_FIGURES, query=[_SEGMENT])
def get_outcome(outcome_id: int):
    segment = _segment()
    return queries.rated_outcome(tenancy.get_or_404(Outcome, outcome_id), segment)


@operation("/outcomes/<int:outcome_id>", "PATCH", allow=EDIT_CUSTOMERS,
           summary="Change an outcome", tag="outcomes",
           body=OutcomePatch, response=OutcomeOut, errors=[403, 409], description=EDITORS_WRITE)
def update_outcome(outcome_id: int, payload):
    outcome = tenancy.get_or_404(Outcome, outcome_id)
    return queries.rated_outcome(services.update_outcome(outcome, payload))


@operation("/outcomes/<int:outcome_id>", "DELETE", allow=EDIT_CUSTOMERS,
           summary="Delete an outcome", tag="outcomes",
           status=204, errors=[403],
           description="Deletes the outcome **with its ratings** (cascade) and the links of KPIs to it; "
                       "the KPIs and review actions that named it stay. " + EDITORS_WRITE)
def delete_outcome(outcome_id: int):
    services.delete_outcome(tenancy.get_or_404(Outcome, outcome_id))


def _rating_out(rating: OutcomeRating) -> RatingOut:
    fields = {name: getattr(rating, name) for name in RatingOut.model_fields if name != "opportunity"}
    return RatingOut(**fields, opportunity=score_outcome(rating.importance, rating.satisfaction).opportunity)


@operation("/outcomes/<int:outcome_id>/ratings", "GET", allow=MEMBER,
           summary="An outcome's ratings, newest first",
           tag="outcomes", response=RatingOut, paginated=True)
def list_ratings(outcome_id: int):
    outcome = tenancy.get_or_404(Outcome, outcome_id)
    page = paginate(queries.ratings_query(outcome))
    return Page([_rating_out(r) for r in page.items], page.total, page.page, page.per_page)


@operation("/outcomes/<int:outcome_id>/ratings", "POST", allow=EDIT_CUSTOMERS,
           summary="Enter a rating wave", tag="outcomes",
           body=RatingIn, response=RatingOut, status=201, errors=[403],
           description="Send either `importance` and `satisfaction` (0–10, optional `respondents`) or "
                       "`responses` (1–5 answers; importance and satisfaction become 10 × the share "
                       "of 4s and 5s, respondents their count) — exactly one of the two. " + EDITORS_WRITE)
def create_rating(outcome_id: int, payload: RatingIn):
    outcome = tenancy.get_or_404(Outcome, outcome_id)
    return _rating_out(services.add_rating(outcome, payload))


@operation("/outcomes/<int:outcome_id>/ratings/<int:rating_id>", "DELETE", allow=EDIT_CUSTOMERS,
           summary="Delete a rating entered by mistake", tag="outcomes", status=204, errors=[403],
           description=EDITORS_WRITE)
def delete_rating(outcome_id: int, rating_id: int):
    outcome = tenancy.get_or_404(Outcome, outcome_id)
    services.delete_rating(queries.rating_of(outcome, rating_id))
