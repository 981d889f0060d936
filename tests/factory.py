"""The one way tests build data: every record through the lms services, as a person of the organization.

Each method runs in an app context of its own, acting as ``by`` (a ``UserRef``) the way a request would,
and returns ids (or small references), never live ORM objects. Each calls its service in exactly one
place, so a change of a service's signature changes one line here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask

from lms import tenancy
from lms.admin.services import create_organization, set_active
from lms.auth.services import create_token, create_user
from lms.customers.circumstance_services import create_circumstance
from lms.customers.schemas import CircumstanceIn, CustomerIn, JobIn, OutcomeIn, RatingIn
from lms.customers.services import add_rating, create_customer, create_job, create_outcome
from lms.extensions import db
from lms.kpis.schemas import KpiIn, MeasurementBatchIn
from lms.kpis.services import create_kpi, record_measurements
from lms.models import Job, Kpi, Organization, Outcome, Review, User, ValueStream
from lms.reviews.schemas import ActionIn, FindingIn, ReviewIn
from lms.reviews.services import create_action, create_finding, create_review, set_status
from lms.streams.schemas import StepIn, ValueStreamIn
from lms.streams.services import create_step, create_stream
from lms.validation import validate

PASSWORD = "a long test passphrase"


@dataclass(frozen=True)
class OrgRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class UserRef:
    id: int
    email: str
    role: str
    organization_id: int


@dataclass(frozen=True)
class StreamRef:
    """A value stream and its steps in order."""

    id: int
    step_ids: list[int]


@dataclass(frozen=True)
class ReviewRef:
    """A review with the findings and actions recorded in it, in the order given."""

    id: int
    finding_ids: list[int]
    action_ids: list[int]


@dataclass
class Factory:
    """Create organizations, people and their records the way the product does, each in its own context."""

    app: Flask

    # --- organizations and people ------------------------------------------------------------

    def org(self, name: str = "Acme", slug: str | None = None) -> OrgRef:
        with self.app.app_context():
            org = create_organization(name, slug)
            return OrgRef(org.id, org.slug, org.name)

    def user(self, org: OrgRef, role: str = "admin", email: str | None = None, name: str = "") -> UserRef:
        email = email or f"{role}-{org.slug}-{os.urandom(3).hex()}@example.test"
        with self.app.app_context():
            user = create_user(db.session.get(Organization, org.id), email=email, password=PASSWORD,
                               role=role, name=name)
            return UserRef(user.id, user.email, user.role, user.organization_id)

    def deactivate(self, by: UserRef, user: UserRef) -> None:
        """Deactivate ``user`` as the admin ``by``: they stay named on their records, no longer offered."""
        with self._as(by):
            set_active(self._get(User, user.id), False)

    def token(self, user: UserRef) -> str:
        with self.app.app_context():
            return create_token(db.session.get(User, user.id), "test").secret

    def acting_as(self, user: UserRef):
        """Return an app context in which services act for ``user`` (for direct service calls)."""
        ctx = self.app.app_context()
        ctx.push()
        tenancy.act_as(db.session.get(User, user.id))
        return ctx

    @contextmanager
    def _as(self, user: UserRef) -> Iterator[None]:
        ctx = self.acting_as(user)
        try:
            yield
        finally:
            db.session.remove()
            ctx.pop()

    def _get(self, model: type, record_id: int) -> Any:
        return tenancy.get_or_404(model, record_id)

    # --- customers, jobs, outcomes, ratings -------------------------------------------------------

    def customer(self, by: UserRef, name: str, kind: str = "external", **fields: Any) -> int:
        with self._as(by):
            return create_customer(validate(CustomerIn, {"name": name, "kind": kind, **fields})).id

    def job(self, by: UserRef, customer_id: int, statement: str, **fields: Any) -> int:
        """Add a high-level job, or a related one with ``parent_id=``."""
        with self._as(by):
            return create_job(validate(JobIn, {"customer_id": customer_id, "statement": statement,
                                               **fields})).id

    def outcome(self, by: UserRef, job_id: int, statement: str, direction: str = "minimize") -> int:
        with self._as(by):
            return create_outcome(validate(OutcomeIn, {"job_id": job_id, "statement": statement,
                                                       "direction": direction})).id

    def rating(self, by: UserRef, outcome_id: int, rated_on: date, *, satisfaction: float,
               importance: float = 8.0, **fields: Any) -> int:
        """Enter one survey wave's aggregate figures for an outcome."""
        with self._as(by):
            data = validate(RatingIn, {"rated_on": rated_on, "importance": importance,
                                       "satisfaction": satisfaction, **fields})
            return add_rating(self._get(Outcome, outcome_id), data).id

    def ratings(self, by: UserRef, outcome_id: int, points: Iterable[tuple[date, float]],
                importance: float = 8.0) -> None:
        """Enter one wave per (date, satisfaction), each rated ``importance``."""
        for rated_on, satisfaction in points:
            self.rating(by, outcome_id, rated_on, satisfaction=satisfaction, importance=importance)

    def circumstance(self, by: UserRef, job_id: int, name: str, **fields: Any) -> int:
        """Add a circumstance (``requires_job_ids=``, ``rules_out_job_ids=``, ``share=``) to a top job."""
        with self._as(by):
            data = validate(CircumstanceIn, {"name": name, **fields})
            return create_circumstance(self._get(Job, job_id), data).id

    # --- value streams and steps -----------------------------------------------------------------

    def stream(self, by: UserRef, name: str, steps: Sequence[dict[str, Any]] = (),
               **fields: Any) -> StreamRef:
        """Map a value stream with its steps in the order given."""
        with self._as(by):
            stream_id = create_stream(validate(ValueStreamIn, {"name": name, **fields})).id
        return StreamRef(stream_id, [self.step(by, stream_id, **values) for values in steps])

    def step(self, by: UserRef, stream_id: int, **fields: Any) -> int:
        """Add a step at the end of a stream (or at ``position=``)."""
        with self._as(by):
            return create_step(self._get(ValueStream, stream_id), validate(StepIn, fields)).id

    # --- KPIs and measurements ---------------------------------------------------------------------

    def kpi(self, by: UserRef, name: str, *, outcome_ids: Iterable[int] = (), rationale: str = "",
            **fields: Any) -> int:
        """Define a KPI standing for ``outcome_ids``, each link with ``rationale``."""
        links = [{"outcome_id": outcome_id, "rationale": rationale} for outcome_id in outcome_ids]
        with self._as(by):
            return create_kpi(validate(KpiIn, {"name": name, "outcome_links": links, **fields})).id

    def measurements(self, by: UserRef, kpi_id: int, points: Iterable[tuple[date, float]]) -> None:
        """Record one measurement per (date, value), all at once."""
        items = [{"measured_on": measured_on, "value": value} for measured_on, value in points]
        with self._as(by):
            record_measurements(self._get(Kpi, kpi_id), validate(MeasurementBatchIn, {"measurements": items}))

    # --- reviews ------------------------------------------------------------------------------------

    def review(self, by: UserRef, stream_id: int, held_on: date, *, status: str = "planned",
               findings: Sequence[dict[str, Any]] = (), actions: Sequence[dict[str, Any]] = (),
               **fields: Any) -> ReviewRef:
        """Hold a review with its findings and actions; ``status="closed"`` closes it after they are in."""
        with self._as(by):
            review = create_review(validate(ReviewIn, {"value_stream_id": stream_id, "held_on": held_on,
                                                       "status": "open" if status == "closed" else status,
                                                       **fields}))
            review_id = review.id
        finding_ids = [self.finding(by, review_id, values) for values in findings]
        action_ids = [self.action(by, review_id, values) for values in actions]
        if status == "closed":
            with self._as(by):
                set_status(self._get(Review, review_id), "closed")
        return ReviewRef(review_id, finding_ids, action_ids)

    def finding(self, by: UserRef, review_id: int, values: dict[str, Any]) -> int:
        with self._as(by):
            return create_finding(self._get(Review, review_id), validate(FindingIn, values)).id

    def action(self, by: UserRef, review_id: int, values: dict[str, Any]) -> int:
        with self._as(by):
            return create_action(self._get(Review, review_id), validate(ActionIn, values)).id
