"""Customers, their jobs to be done, desired outcomes and outcome ratings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow
from lms.models.base import OrgScoped, Timestamped, Versioned

CUSTOMER_KINDS = ("external", "internal")
OUTCOME_DIRECTIONS = ("minimize", "maximize")


class Customer(OrgScoped, Versioned, Timestamped, Base):
    """Someone a value stream exists for: an external customer or the next team inside."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="external")
    description: Mapped[str] = mapped_column(Text, default="")
    # An internal customer may be a downstream team, i.e. the value stream it *is*.
    value_stream_id: Mapped[int | None] = mapped_column(
        ForeignKey("value_streams.id", ondelete="SET NULL", use_alter=True), index=True
    )

    jobs: Mapped[list[Job]] = relationship(back_populates="customer", passive_deletes=True, order_by="Job.id")


class Job(OrgScoped, Versioned, Timestamped, Base):
    """A job to be done; without a parent it is a high-level job heading a job stack."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), index=True
    )
    statement: Mapped[str] = mapped_column(String(500))
    necessity: Mapped[str] = mapped_column(String(20), default="required")
    interchangeable_group: Mapped[str | None] = mapped_column(String(100))
    coordination: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[int | None]
    dimension: Mapped[str] = mapped_column(String(20), default="functional")
    circumstance: Mapped[str] = mapped_column(Text, default="")

    customer: Mapped[Customer] = relationship(back_populates="jobs")
    parent: Mapped[Job | None] = relationship(remote_side=[id], back_populates="related")
    related: Mapped[list[Job]] = relationship(back_populates="parent", passive_deletes=True,
                                              order_by="Job.id")
    outcomes: Mapped[list[Outcome]] = relationship(back_populates="job", passive_deletes=True,
                                                    order_by="Outcome.id")


class Outcome(OrgScoped, Versioned, Timestamped, Base):
    """A desired-outcome statement on a job, rated by importance and satisfaction."""

    __tablename__ = "outcomes"
    __content_scope__ = "id"  # a write names the outcome it changed (lms.content)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    statement: Mapped[str] = mapped_column(String(500))
    direction: Mapped[str] = mapped_column(String(20), default="minimize")

    job: Mapped[Job] = relationship(back_populates="outcomes")
    ratings: Mapped[list[OutcomeRating]] = relationship(
        back_populates="outcome", passive_deletes=True, order_by="OutcomeRating.rated_on"
    )


class OutcomeRating(OrgScoped, Versioned, Base):
    """One survey wave for an outcome: importance and satisfaction on 0–10."""

    __tablename__ = "outcome_ratings"
    __table_args__ = (
        Index("ix_outcome_ratings_outcome_rated", "outcome_id", "rated_on"),
        Index("ix_outcome_ratings_org_outcome_day", "organization_id", "outcome_id", "rated_on"),
        # The newest rating of each (outcome, segment) is the one no later rating of the pair beats:
        # one seek here, and its figures read from the index (lms.customers.queries).
        Index("ix_outcome_ratings_newest", "outcome_id", "segment", "rated_on", "id", "importance",
              "satisfaction", "respondents", "organization_id"),
    )
    org_index_leads = False
    __content_scope__ = "outcome_id"  # a write names the outcome whose rating it changed (lms.content)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"))
    rated_on: Mapped[date]
    importance: Mapped[float]
    satisfaction: Mapped[float]
    respondents: Mapped[int | None]
    segment: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20), default="aggregate")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    outcome: Mapped[Outcome] = relationship(back_populates="ratings")


# The related jobs a circumstance makes required, and the interchangeable members it rules out.
circumstance_required_jobs = Table(
    "circumstance_required_jobs",
    Base.metadata,
    Column("circumstance_id", ForeignKey("circumstances.id", ondelete="CASCADE"), primary_key=True),
    Column("job_id", ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True, index=True),
)
circumstance_ruled_out_jobs = Table(
    "circumstance_ruled_out_jobs",
    Base.metadata,
    Column("circumstance_id", ForeignKey("circumstances.id", ondelete="CASCADE"), primary_key=True),
    Column("job_id", ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Circumstance(OrgScoped, Versioned, Timestamped, Base):
    """A group of a high-level job's customers whose situation changes its stack."""

    __tablename__ = "circumstances"
    __table_args__ = (UniqueConstraint("job_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    share: Mapped[float | None]  # of the job's customers, 0-1, as entered; None when not known
    # The segment of the ratings and events its members are recorded under: its share is then
    # measured from them (lms.customers.segment_share_queries) and none is entered.
    segment: Mapped[str | None] = mapped_column(String(100))

    job: Mapped[Job] = relationship()
    requires: Mapped[list[Job]] = relationship(secondary=circumstance_required_jobs, order_by="Job.id")
    rules_out: Mapped[list[Job]] = relationship(secondary=circumstance_ruled_out_jobs, order_by="Job.id")

    @property
    def requires_job_ids(self) -> list[int]:
        """Return the ids of the related jobs it makes required."""
        return [job.id for job in self.requires]

    @property
    def rules_out_job_ids(self) -> list[int]:
        """Return the ids of the interchangeable members it rules out."""
        return [job.id for job in self.rules_out]
