"""Who may use a route: declared beside the route, checked once at the boundary.

Every page and API operation carries a ``Permission`` (``@allow(...)`` on a page view, ``allow=``
on an API operation). ``lms.auth.boundary`` reads it for the matched endpoint before anything
else runs — before any cache and before the handler — and refuses a route that declares
nothing (deny by default). The rules a feature needs beyond roles ("an editor or the value
stream's owner") live in that feature's ``permissions`` module and are built from the
predicates here, so each rule is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lms.models import ROLES, User

EDITORS = ("admin", "manager")
# A rule on the records a route names: the actor, and the path's records by argument name.
Rule = Callable[[User, Mapping[str, Any]], bool]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Permission:
    """Who may use a route: the roles that can ever, and a rule on the path's records if any."""

    description: str
    roles: frozenset[str] = field(default_factory=lambda: frozenset(ROLES))
    rule: Rule | None = None
    denial: str = "Your role does not allow this."
    public: bool = False

    def allows(self, user: User, records: Mapping[str, Any]) -> bool:
        """Tell whether ``user`` may use the route whose path names ``records``."""
        if user.role not in self.roles:
            return False
        return self.rule is None or self.rule(user, records)


PUBLIC = Permission("anyone, signed in or not", public=True)
MEMBER = Permission("any member of the organization")


def roles(*names: str, denial: str | None = None) -> Permission:
    """A permission held by ``names`` alone."""
    unknown = set(names) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    description = " or ".join(f"an {name}" if name[0] in "aeiou" else f"a {name}" for name in names)
    return Permission(description, frozenset(names), denial=denial or f"Only {description} may do this.")


def editor_or_owner(user: User, owner_id: int | None) -> bool:
    """Tell whether ``user`` is an admin or a manager, or the process owner who owns the record."""
    return user.role in EDITORS or (user.role == "owner" and owner_id is not None and owner_id == user.id)


_ATTRIBUTE = "lms_permission"
_BY_ENDPOINT: dict[str, Permission] = {}


def allow(permission: Permission) -> Callable[[F], F]:
    """Declare who may use the view this decorates (put it under the route decorator)."""

    def decorate(view: F) -> F:
        setattr(view, _ATTRIBUTE, permission)
        return view

    return decorate


def declare(endpoint: str, permission: Permission) -> None:
    """Declare the permission of an endpoint whose view cannot carry it (Flask's ``static``)."""
    _BY_ENDPOINT[endpoint] = permission


def permission_of(endpoint: str, view: Callable[..., Any] | None) -> Permission | None:
    """Return the declared permission of an endpoint, or None when it declares none."""
    return _BY_ENDPOINT.get(endpoint) or getattr(view, _ATTRIBUTE, None)


declare("static", PUBLIC)
