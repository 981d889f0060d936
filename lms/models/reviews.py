"""Continuous-improvement reviews, their findings and PDCA actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.models.base import OrgScoped, Timestamped, Versioned
from lms.models.org import User

REVIEW_KINDS = ("kaizen-event", "periodic-review", "gemba-walk")
REVIEW_STATUSES = ("planned", "open", "closed")
ACTION_STAGES = ("plan", "do", "check", "act", "done", "dropped")

review_participants = Table(
    "review_participants",
    Base.metadata,
    Column("review_id", ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Review(OrgScoped, Versioned, Timestamped, Base):
    """A kaizen event, periodic review or gemba walk of one value stream."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    value_stream_id: Mapped[int] = mapped_column(
        ForeignKey("value_streams.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30), default="periodic-review")
    held_on: Mapped[date]
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    notes: Mapped[str] = mapped_column(Text, default="")
    snapshot_open: Mapped[dict | None] = mapped_column(JSON)
    snapshot_close: Mapped[dict | None] = mapped_column(JSON)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The names the review showed when it closed (customer, job, people), kept as written then.
    recorded_names: Mapped[dict | None] = mapped_column(JSON)

    participants: Mapped[list[User]] = relationship(secondary=review_participants, order_by="User.id")
    findings: Mapped[list[Finding]] = relationship(back_populates="review", passive_deletes=True,
                                                   order_by="Finding.id")
    actions: Mapped[list[Action]] = relationship(back_populates="review", passive_deletes=True,
                                                 order_by="Action.id")


class Finding(OrgScoped, Versioned, Timestamped, Base):
    """What a review saw on the floor."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"))
    waste_type: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_names: Mapped[dict | None] = mapped_column(JSON)  # its step and author when the review closed

    review: Mapped[Review] = relationship(back_populates="findings")


class Action(OrgScoped, Versioned, Timestamped, Base):
    """A PDCA item agreed in a review."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"))
    kpi_id: Mapped[int | None] = mapped_column(ForeignKey("kpis.id", ondelete="SET NULL"))
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date | None] = mapped_column(index=True)
    stage: Mapped[str] = mapped_column(String(20), default="plan")
    expected_effect: Mapped[str] = mapped_column(Text, default="")
    observed_result: Mapped[str] = mapped_column(Text, default="")
    recorded_names: Mapped[dict | None] = mapped_column(JSON)  # its step, KPI, outcome, owner at closing

    review: Mapped[Review] = relationship(back_populates="actions")
