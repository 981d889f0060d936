"""Writes of Customer First: putting a stop-doing candidate on a review's agenda.

Putting a candidate on the agenda records a finding (waste type overprocessing, on the step) in the
stream's open review, else its next planned one; without either it says so (``NoReviewToJoin``)
and, when asked, plans a periodic review a week ahead and records the finding there.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, select

from lms import tenancy
from lms.db import utcnow
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.lean.stop_doing import is_overserved
from lms.models import Finding, Outcome, OutcomeRating, Review, Step, ValueStream
from lms.reviews import permissions as review_permissions
from lms.reviews import services as review_services
from lms.reviews.schemas import FindingIn, ReviewIn

WASTE_TYPE = "overprocessing"
PLAN_AHEAD_DAYS = 7


class NoReviewToJoin(Exception):
    """The step's stream has no open or planned review to put a candidate on."""

    def __init__(self, stream: ValueStream) -> None:
        super().__init__(f"{stream.name} has no open or planned review.")
        self.stream = stream


def review_to_join(stream: ValueStream) -> Review | None:
    """Return the stream's open review, else its next planned one (the soonest), else None."""
    return db.session.scalar(
        select(Review).where(Review.value_stream_id == stream.id, Review.status.in_(("open", "planned")))
        .order_by(case((Review.status == "open", 0), else_=1), Review.held_on, Review.id).limit(1))


def _checked(step: Step, outcome: Outcome) -> tuple[ValueStream, float, float]:
    """Check that the step serves the outcome's job and that the outcome is overserved now."""
    stream = tenancy.get_or_404(ValueStream, step.value_stream_id)
    review_permissions.require_runner(stream)
    if step.job_id != outcome.job_id:
        raise ValidationFailed({"step_id": "This step does not serve the job of that outcome."})
    newest = db.session.execute(
        select(OutcomeRating.importance, OutcomeRating.satisfaction)
        .where(OutcomeRating.outcome_id == outcome.id)
        .order_by(OutcomeRating.rated_on.desc(), OutcomeRating.id.desc()).limit(1)).first()
    if newest is None or not is_overserved(newest.importance, newest.satisfaction):
        raise ValidationFailed({"outcome_id": "This outcome is not rated overserved: its newest rating does "
                                              "not put satisfaction above importance."})
    if stream.state != "current":
        raise ValidationFailed({"step_id": "This step belongs to a future state; only current-state steps "
                                           "are on the stop-doing list."})
    return stream, newest.importance, newest.satisfaction


def finding_text(step: Step, outcome: Outcome, importance: float, satisfaction: float) -> str:
    """Word the finding a candidate becomes."""
    return (f"Stop-doing candidate (overprocessing): '{step.name}' serves '{outcome.statement}', rated "
            f"importance {importance:.1f}, satisfaction {satisfaction:.1f}: more than the customer values. "
            "Can the step be cut back or stopped?")


def put_on_agenda(step: Step, outcome: Outcome, *, plan: bool = False) -> tuple[Review, Finding, bool]:
    """Record the candidate as a finding in the stream's open or next planned review.

    Return the review, the finding and whether it was new (a finding on this step with the
    overprocessing waste already there is kept, not repeated). Without a review to join raise
    ``NoReviewToJoin``, unless ``plan``: then a periodic review a week ahead is planned first.
    """
    stream, importance, satisfaction = _checked(step, outcome)
    review = review_to_join(stream)
    if review is None:
        if not plan:
            raise NoReviewToJoin(stream)
        review = review_services.create_review(ReviewIn(
            value_stream_id=stream.id, kind="periodic-review", status="planned",
            held_on=utcnow().date() + timedelta(days=PLAN_AHEAD_DAYS), facilitator_id=tenancy.actor().id,
            notes=f"Planned from the stop-doing list to look at '{step.name}'."))
    existing = db.session.scalar(select(Finding).where(Finding.review_id == review.id,
                                                       Finding.step_id == step.id,
                                                       Finding.waste_type == WASTE_TYPE).limit(1))
    if existing is not None:
        return review, existing, False
    finding = review_services.create_finding(review, FindingIn(
        text=finding_text(step, outcome, importance, satisfaction), step_id=step.id, waste_type=WASTE_TYPE))
    return review, finding, True
