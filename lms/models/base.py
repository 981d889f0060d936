"""Mixins shared by the models: organization scope, optimistic versions, timestamps."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from lms.db import utcnow


class OrgScoped:
    """A record that belongs to exactly one organization.

    Large child tables set ``org_index_leads = False`` and declare a composite index that starts
    with ``organization_id`` instead: a lone organization index there tempts the query planner
    away from the parent-and-date index that every scoped read actually needs.
    """

    org_index_leads: ClassVar[bool] = True

    @declared_attr
    def organization_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=cls.org_index_leads)


class Versioned:
    """A record guarded against lost updates by an optimistic version counter."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class Timestamped:
    """A record that knows when it was created and last changed."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
