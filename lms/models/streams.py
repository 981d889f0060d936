"""Value streams and their steps."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.models.base import OrgScoped, Timestamped, Versioned

STREAM_STATES = ("current", "future")


class ValueStream(OrgScoped, Versioned, Timestamped, Base):
    """A value stream mapped for the customer job it exists for."""

    __tablename__ = "value_streams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    daily_demand: Mapped[float | None]
    available_seconds_per_day: Mapped[float | None]
    state: Mapped[str] = mapped_column(String(20), default="current")
    derived_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("value_streams.id", ondelete="SET NULL"), index=True
    )
    last_walked_on: Mapped[date | None]
    last_walked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    steps: Mapped[list[Step]] = relationship(
        back_populates="value_stream", order_by="Step.position", passive_deletes=True
    )


class Step(OrgScoped, Versioned, Timestamped, Base):
    """A process box or an inventory triangle of a value-stream map."""

    __tablename__ = "steps"
    __content_scope__ = "value_stream_id"  # a write names the stream whose step it changed (lms.content)
    __table_args__ = (
        UniqueConstraint("value_stream_id", "position"),
        Index("ix_steps_org_stream_position", "organization_id", "value_stream_id", "position"),
    )
    org_index_leads = False

    id: Mapped[int] = mapped_column(primary_key=True)
    value_stream_id: Mapped[int] = mapped_column(
        ForeignKey("value_streams.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="process")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    classification: Mapped[str] = mapped_column(String(20), default="unclassified")
    waste_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    cycle_time_s: Mapped[float | None]
    changeover_s: Mapped[float | None]
    uptime_pct: Mapped[float | None]
    operators: Mapped[int | None]
    pct_complete_accurate: Mapped[float | None]
    wait_time_s: Mapped[float | None]
    inventory_units: Mapped[float | None]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    rationale: Mapped[str] = mapped_column(Text, default="")
    classified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    classified_at: Mapped[datetime | None]

    value_stream: Mapped[ValueStream] = relationship(back_populates="steps")
