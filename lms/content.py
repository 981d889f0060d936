"""The organization's content version, and the one cache keyed by it.

Every transaction that writes an organization's records raises ``Organization.content_version``
when it commits (the session hooks below see ORM flushes and bulk statements alike), so a
figure, a JSON answer or a chart computed at one version stays true until the version moves.
Caches keyed by it never serve stale content and need no invalidation: an old key simply stops
being asked for and ages out of the LRU.

The cache holds only what is costly to compute and the same for everyone allowed to see it (the
dashboard's organization figures), keyed by organization and content version; in a request it is
consulted only after the boundary (``lms.auth.boundary``) has checked the route's permission.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from itertools import chain
from threading import Lock
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from lms.extensions import db
from lms.models import Organization, OrgScoped
from lms.tenancy import current_organization_id

T = TypeVar("T")
MAX_ENTRIES = 5_000
_CHANGED = "lms_changed_organizations"


# Noting writes --------------------------------------------------------------------------


def _changed(session: Session) -> set[int]:
    return session.info.setdefault(_CHANGED, set())


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, OrgScoped) and obj.organization_id is not None:
            _changed(session).add(obj.organization_id)
        elif isinstance(obj, Organization) and obj.id is not None:
            _changed(session).add(obj.id)


def _organizations_in(parameters: Any) -> set[int]:
    rows = parameters if isinstance(parameters, list | tuple) else [parameters or {}]
    return {row["organization_id"] for row in rows if isinstance(row, dict) and row.get("organization_id")}


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name == Organization.__tablename__:
        return  # the version's own update, or an organization's settings (its version_id covers those)
    organizations = _organizations_in(state.parameters)
    if current_organization_id() is not None:
        organizations.add(current_organization_id())
    _changed(state.session).update(organizations)


@event.listens_for(Session, "before_commit")
def _raise_versions(session: Session) -> None:
    session.flush()  # commit flushes after this hook; the versions must see every change
    changed = session.info.pop(_CHANGED, None)
    if changed:
        session.execute(update(Organization).where(Organization.id.in_(sorted(changed)))
                        .values(content_version=Organization.content_version + 1)
                        .execution_options(synchronize_session=False))


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


# Reading the version --------------------------------------------------------------------


def content_version() -> tuple[int | None, int, int]:
    """Return (organization id, settings version, content version) of the acting organization."""
    organization_id = current_organization_id()
    actor = g.get("actor") if has_app_context() else None
    if actor is not None and actor.organization_id == organization_id:
        org = actor.organization  # loaded with the actor: no query
        return organization_id, org.version, org.content_version
    row = db.session.execute(select(Organization.version, Organization.content_version)
                             .where(Organization.id == organization_id)).first()
    return (organization_id, *row) if row else (organization_id, 0, 0)


# The cache ------------------------------------------------------------------------------


def enabled() -> bool:
    """Tell whether the content caches are on (``LMS_CONTENT_CACHE``)."""
    return bool(current_app.config.get("LMS_CONTENT_CACHE", True)) if has_app_context() else False


def _check_admitted() -> None:
    """Refuse to serve a request that has not passed the boundary's permission check."""
    if has_request_context() and not g.get("admitted"):
        raise RuntimeError("a cache was consulted before the request's permission was checked")


class VersionedCache:
    """A process-wide LRU whose keys carry the content version."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._flights: dict[Hashable, Lock] = {}
        self._lock = Lock()
        self.max_entries = max_entries

    def get(self, namespace: str, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the value for ``key`` at the current version, computing it on a miss.

        Concurrent misses of one key compute it once: the others wait for that result instead
        of all doing the same expensive work at the same moment.
        """
        if not enabled():
            return compute()
        _check_admitted()
        full = (namespace, content_version(), key)
        with self._lock:
            if full in self._entries:
                self._entries.move_to_end(full)
                return self._entries[full]
            flight = self._flights.setdefault(full, Lock())
        with flight:
            with self._lock:
                if full in self._entries:
                    return self._entries[full]
            try:
                value = compute()
                self._store({full: value})
            finally:
                with self._lock:
                    self._flights.pop(full, None)
        return value

    def _store(self, values: dict) -> None:
        with self._lock:
            self._entries.update(values)
            for key in values:
                self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (tests reuse ids after emptying the database)."""
        with self._lock:
            self._entries.clear()


cache = VersionedCache()
