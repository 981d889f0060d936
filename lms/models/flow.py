"""Event logs of value streams: the activities they name, their events, and the stream's flow settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models.base import OrgScoped, Timestamped, Versioned

LIFECYCLES = ("start", "complete")
DEFAULT_WORKDAY_START_S = 8 * 3600
DEFAULT_TOLERANCE_PCT = 25.0


class FlowActivity(OrgScoped, Versioned, Timestamped, Base):
    """An activity named in a stream's event log, and the step of the map it is done in (if any)."""

    __tablename__ = "flow_activities"
    __table_args__ = (UniqueConstraint("value_stream_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    value_stream_id: Mapped[int] = mapped_column(ForeignKey("value_streams.id", ondelete="CASCADE"),
                                                 index=True)
    name: Mapped[str] = mapped_column(String(200))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"), index=True)


class FlowEvent(OrgScoped, Base):
    """One line of a value stream's event log: a case reached an activity's start or completion.

    Events are facts read from another system: never edited, so neither versioned nor stamped.
    The unique index makes a re-import add nothing twice and, leading with the stream and the
    case in time order, is the index every measurement (a window over each case) reads.
    """

    __tablename__ = "flow_events"
    __table_args__ = (
        UniqueConstraint("value_stream_id", "case_id", "occurred_at", "activity_id", "lifecycle",
                         name="uq_flow_events_stream_case_time"),
        Index("ix_flow_events_org_stream_time", "organization_id", "value_stream_id", "occurred_at"),
    )
    org_index_leads = False

    id: Mapped[int] = mapped_column(primary_key=True)
    # The organization without a foreign key: every event's stream already belongs to it (and goes
    # with it), and PostgreSQL checks each key of each inserted row, a fifth of a large import.
    organization_id: Mapped[int] = mapped_column()  # type: ignore[assignment]
    value_stream_id: Mapped[int] = mapped_column(ForeignKey("value_streams.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(String(200))
    # No index on activity_id nor customer_id: each costs a fifth of a million-event import, and
    # only deleting an activity or a customer (rare; a stream's deletion) searches by them.
    activity_id: Mapped[int] = mapped_column(ForeignKey("flow_activities.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    # The same moment as whole seconds from 1970-01-01 (negative before): the measurements do their
    # working-clock arithmetic on this integer, the same in SQLite and PostgreSQL, without parsing
    # a timestamp per row per use.
    at_s: Mapped[int] = mapped_column(BigInteger)
    lifecycle: Mapped[str] = mapped_column(String(10), default="complete")
    resource: Mapped[str] = mapped_column(String(200), default="")
    customer: Mapped[str] = mapped_column(String(200), default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    segment: Mapped[str] = mapped_column(String(100), default="")


class FlowProfile(OrgScoped, Versioned, Timestamped, Base):
    """How a stream's log is read: its working day's start, the drawn-versus-measured tolerance,
    the customer outcome that says how long the customer will wait, and the KPI the log feeds."""

    __tablename__ = "flow_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    value_stream_id: Mapped[int] = mapped_column(ForeignKey("value_streams.id", ondelete="CASCADE"),
                                                 unique=True)
    workday_starts_at_s: Mapped[int] = mapped_column(default=DEFAULT_WORKDAY_START_S)
    tolerance_pct: Mapped[float] = mapped_column(default=DEFAULT_TOLERANCE_PCT)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id", ondelete="SET NULL"), index=True)
    kpi_id: Mapped[int | None] = mapped_column(ForeignKey("kpis.id", ondelete="SET NULL"), index=True)
