"""Changes to users and roles; each one audited, the last admin always kept."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from lms import audit
from lms.auth.services import hash_password, password_problems, revoke_sessions
from lms.db import utcnow
from lms.errors import ValidationFailed, check_version
from lms.extensions import db
from lms.models import ROLES, ApiToken, Organization, User

if TYPE_CHECKING:  # the schemas import pydantic, which `lms create-org` and its kin never need
    from lms.admin.schemas import DriftSettingsIn


def update_drift_settings(organization: Organization, data: DriftSettingsIn, *,
                          version: int | None = None) -> bool:
    """Change the organization's drift settings, audited; tell whether anything changed."""
    from lms.admin.schemas import DRIFT_SETTINGS

    check_version(organization, version)
    before = audit.snapshot(organization, DRIFT_SETTINGS)
    for name in DRIFT_SETTINGS:
        value = getattr(data, name)
        setattr(organization, name, int(value) if name.endswith("_days") else float(value))
    was, now = audit.changed(before, audit.snapshot(organization, DRIFT_SETTINGS))
    if not now:
        return False
    audit.record("settings", organization, summary="Drift settings: " + ", ".join(
        f"{name} {was[name]} → {now[name]}" for name in now), before=was, after=now)
    db.session.commit()
    return True


def list_users() -> list[User]:
    """Return the organization's users, admins first."""
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.email)))


def list_tokens() -> list[tuple[ApiToken, User]]:
    """Return every API token of the organization with its user, newest first."""
    return list(db.session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.created_at.desc())
    ).tuples())


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(User.role == "admin", User.active.is_(True), User.id != user.id)
    ) or 0


def change_role(user: User, role: str, *, version: int | None = None) -> None:
    """Give ``user`` another role; never leave the organization without an admin."""
    check_version(user, version)
    if role not in ROLES:
        raise ValidationFailed({"role": f"Choose one of: {', '.join(ROLES)}."})
    if user.role == role:
        return
    if user.role == "admin" and _other_active_admins(user) == 0:
        raise ValidationFailed({"role": "This is the last admin; make someone else admin first."})
    before = user.role
    user.role = role
    audit.record("role", user, summary=f"{user.email}: role {before} → {role}",
                 before={"role": before}, after={"role": role})
    db.session.commit()


def set_active(user: User, active: bool, *, version: int | None = None) -> None:
    """Deactivate (signing the user out everywhere) or reactivate an account."""
    check_version(user, version)
    if user.active == active:
        return
    if not active and user.role == "admin" and _other_active_admins(user) == 0:
        raise ValidationFailed({"active": "This is the last admin; it cannot be deactivated."})
    user.active = active
    if not active:
        revoke_sessions(user.id)
    audit.record("activate" if active else "deactivate", user,
                 summary=f"{user.email} {'reactivated' if active else 'deactivated'}",
                 before={"active": not active}, after={"active": active})
    db.session.commit()


def reset_password(user: User, password: str) -> None:
    """Set a new password for ``user`` and sign them out everywhere."""
    problems = password_problems(password, user.email)
    if problems:
        raise ValidationFailed({"password": problems})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    revoke_sessions(user.id)
    audit.record("password", user, summary=f"Password of {user.email} reset by an admin")
    db.session.commit()


SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def slugify(name: str) -> str:
    """Derive a URL-safe slug from an organization's name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80].strip("-") or "org"


def create_organization(name: str, slug: str | None = None) -> Organization:
    """Create an organization with a unique slug and commit it."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed({"name": "Give the organization a name of 1 to 200 characters."})
    slug = (slug or slugify(name)).strip().lower()
    if not SLUG_RE.match(slug):
        raise ValidationFailed({"slug": "Use lower-case letters, digits and dashes (at most 80)."})
    if db.session.scalar(select(Organization.id).where(Organization.slug == slug)):
        raise ValidationFailed({"slug": f"The slug '{slug}' is taken."})
    organization = Organization(name=name, slug=slug)
    db.session.add(organization)
    db.session.flush()
    audit.record("create", organization, summary=f"Organization {name} created",
                 organization_id=organization.id)
    db.session.commit()
    return organization


def organization_by_slug(slug: str) -> Organization | None:
    """Return the organization with that slug."""
    return db.session.scalar(select(Organization).where(Organization.slug == slug))
