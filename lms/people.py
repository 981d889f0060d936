"""The one lookup of the organization's people: who is shown, and who may be chosen.

The rule: everyone recorded somewhere is shown by name, deactivated or not (history does not
change); only active people are offered in a form. A form editing a record whose person has since
been deactivated keeps that person as the current choice, marked, so the record stays savable.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from lms.extensions import db
from lms.models import User


def names() -> dict[int, str]:
    """Return id → display name of everyone in the organization, active or not, for showing records."""
    rows = db.session.execute(select(User.id, User.name, User.email).order_by(User.name, User.email))
    return {uid: name or email for uid, name, email in rows}


def offered(current: int | str | Iterable[int | str] | None = None) -> dict[int, str]:
    """Return id → display name of the people a form offers: the active ones, plus ``current`` (one id
    or several) if set.

    A deactivated current person is kept, marked "(deactivated)", so that editing a record they are
    recorded on does not fail; nobody else deactivated is offered.
    """
    given = [current] if isinstance(current, int | str) else list(current or ())
    kept = [int(value) for value in given if str(value).isdigit()]  # a form's data may be text
    rows = db.session.execute(select(User.id, User.name, User.email, User.active)
                              .where(User.active.is_(True) | User.id.in_(kept))
                              .order_by(User.name, User.email))
    return {uid: (name or email) + ("" if active else " (deactivated)") for uid, name, email, active in rows}
