"""The audit trail: who changed what, when, before and after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow
from lms.models.base import OrgScoped


class AuditEvent(OrgScoped, Base):
    """One change that matters, recorded when it is made and never edited."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_record", "organization_id", "record_type", "record_id"),
        Index("ix_audit_events_org_at", "organization_id", "at"),
        Index("ix_audit_events_org_id", "organization_id", "id"),
    )
    org_index_leads = False  # (organization_id, id): the newest event id is the content version

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
