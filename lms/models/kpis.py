"""KPIs, their links to customer outcomes, and their measurements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow
from lms.models.base import OrgScoped, Timestamped, Versioned

KPI_DIRECTIONS = ("increase", "decrease")


class Kpi(OrgScoped, Versioned, Timestamped, Base):
    """A key performance indicator that stands for customer outcomes."""

    __tablename__ = "kpis"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(50), default="")
    direction: Mapped[str] = mapped_column(String(20), default="increase")
    target: Mapped[float | None]
    description: Mapped[str] = mapped_column(Text, default="")
    value_stream_id: Mapped[int | None] = mapped_column(
        ForeignKey("value_streams.id", ondelete="SET NULL"), index=True
    )
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    outcome_links: Mapped[list[KpiOutcomeLink]] = relationship(
        back_populates="kpi", cascade="all, delete-orphan", passive_deletes=True, order_by="KpiOutcomeLink.id"
    )


class KpiOutcomeLink(OrgScoped, Base):
    """Why a KPI stands for a customer outcome."""

    __tablename__ = "kpi_outcome_links"
    __table_args__ = (UniqueConstraint("kpi_id", "outcome_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("outcomes.id", ondelete="CASCADE"), index=True
    )
    rationale: Mapped[str] = mapped_column(Text, default="")

    kpi: Mapped[Kpi] = relationship(back_populates="outcome_links")


class KpiMeasurement(OrgScoped, Versioned, Base):
    """One value of a KPI on one date."""

    __tablename__ = "kpi_measurements"
    __table_args__ = (
        UniqueConstraint("kpi_id", "measured_on"),
        # Covering: the drift window of every KPI is read from the index alone, a seek per KPI.
        Index("ix_kpi_measurements_org_kpi_day_value", "organization_id", "kpi_id", "measured_on", "value"),
    )
    org_index_leads = False

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"))
    measured_on: Mapped[date]
    value: Mapped[float]
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
