"""Organizations, their people, sessions and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow
from lms.models.base import OrgScoped, Timestamped, Versioned

ROLES = ("admin", "manager", "owner", "viewer")


class Organization(Versioned, Timestamped, Base):
    """A tenant: everything in lms belongs to exactly one organization."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # Thresholds of the lean and jobs-to-be-done computations, set per organization.
    map_stale_days: Mapped[int] = mapped_column(default=90)
    drift_window_days: Mapped[int] = mapped_column(default=180)
    drift_stale_days: Mapped[int] = mapped_column(default=45)
    drift_min_change_pct: Mapped[float] = mapped_column(default=5.0)
    # Points (0-10): without respondent counts, a smaller change of satisfaction counts as none.
    drift_min_satisfaction_change: Mapped[float] = mapped_column(default=0.5, server_default="0.5")
    underserved_threshold: Mapped[float] = mapped_column(default=10.0)
    high_opportunity_threshold: Mapped[float] = mapped_column(default=12.0)
    extreme_opportunity_threshold: Mapped[float] = mapped_column(default=15.0)
    # Raised by every transaction that writes the organization's records (lms.content): caches of
    # figures, answers and charts are keyed by it.
    content_version: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


class User(OrgScoped, Versioned, Timestamped, Base):
    """A person who signs in; the role decides what they may change."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    active: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")

    # Set per request by the session loader: the server-side session this request runs in.
    session_key: ClassVar[str | None] = None

    @property
    def display_name(self) -> str:
        """Return the name, or the email when no name is set."""
        return self.name or self.email

    # Flask-Login protocol ------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        # The cookie carries a server-side session key, never the user id: logging out
        # revokes the key, so a copied cookie is worthless afterwards.
        return self.session_key

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(Base):
    """A signed-in browser session, revocable on the server."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()


class ApiToken(OrgScoped, Base):
    """A personal token for the JSON API; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """A failed sign-in or token check, counted per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
