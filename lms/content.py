"""The organization's content version, and the one cache keyed by it.

Every transaction that writes an organization's records raises ``Organization.content_version``
when it commits (the session hooks below see ORM flushes and bulk statements alike), so a
figure, a JSON answer or a chart computed at one version stays true until the version moves.
Caches keyed by it never serve stale content and need no invalidation: an old key simply stops
being asked for and ages out of the LRU.

The cache holds only what is costly to compute and the same for everyone allowed to see it (the
dashboard's organization figures), keyed by organization and content version; in a request it is
consulted only after the boundary (``lms.auth.boundary``) has checked the route's permission.

A computation that names the tables it reads (``reads=``) may also be served at a later version,
when every version in between was raised by a write this process committed and saw touch none of
those tables (``WriteHistory``): the drift of 1,000 KPIs does not change when a step's cycle time
does. A version this process did not write (another process, a write it could not see) is never
assumed harmless: the value is computed afresh.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import cache as memoize
from itertools import chain
from threading import Lock
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session

from lms.extensions import db
from lms.models import Organization, OrgScoped
from lms.tenancy import current_organization_id

T = TypeVar("T")
MAX_ENTRIES = 5_000
_CHANGED = "lms_changed_organizations"
_TABLES = "lms_changed_tables"
_RAISED = "lms_raised_versions"
_ROWS = "lms_changed_rows"
EVERY_TABLE = "*"  # a write whose tables are not known: it may have touched anything


# Noting writes --------------------------------------------------------------------------


def _changed(session: Session) -> set[int]:
    return session.info.setdefault(_CHANGED, set())


def _tables(session: Session) -> set[str]:
    return session.info.setdefault(_TABLES, set())


def _rows(session: Session) -> dict[str, set[int] | None]:
    """The rows written of each table, by the value of the model's ``__content_scope__`` attribute
    (a rating by its outcome): None where a write did not say which (bulk, cascade, an unscoped model)."""
    return session.info.setdefault(_ROWS, {})


def _note(session: Session, tables: Iterable[str], obj: Any = None) -> None:
    """Note a write to ``tables``: to ``obj``'s rows when its model has a scope, else to unknown rows."""
    tables = list(tables)
    _tables(session).update(tables)
    rows = _rows(session)
    scope = getattr(type(obj), "__content_scope__", None) if obj is not None else None
    for name in tables:
        if scope is None:
            rows[name] = None
        elif rows.setdefault(name, set()) is not None:
            state = inspect(obj)
            try:
                changed = state.attrs[scope].history
                values = {getattr(obj, scope), *(changed.deleted or ())}
            except SQLAlchemyError:  # not loaded any more: which rows, it cannot say
                rows[name] = None
                continue
            if changed.added and not changed.deleted and state.has_identity and obj not in session.new:
                rows[name] = None  # moved without its old value loaded: which row it left is unknown
                continue
            rows[name].update(v for v in values if v is not None)  # the old value of a moved row too


@memoize
def cascades_of(table: str) -> frozenset[str]:
    """Return the tables whose rows the database itself changes when a row of ``table`` is deleted.

    The tables whose foreign keys pointing at it say ``ON DELETE CASCADE`` (their rows are deleted
    too, so on from them in turn) or ``SET NULL`` (their rows are changed, and that is all): deleting
    a customer deletes its jobs, their outcomes, the outcomes' ratings and KPI links, and clears the
    steps' jobs. No flush names those rows (the relationships leave them to the database), so without
    this a value kept by the tables it reads would outlive them.
    """
    deleted: dict[str, set[str]] = {}
    cleared: dict[str, set[str]] = {}
    for child in db.metadata.tables.values():
        for key in child.foreign_keys:
            rule = (key.ondelete or "").upper()
            if rule == "CASCADE":
                deleted.setdefault(key.column.table.name, set()).add(child.name)
            elif rule in ("SET NULL", "SET DEFAULT"):
                cleared.setdefault(key.column.table.name, set()).add(child.name)
    changed: set[str] = set()
    gone, todo = {table}, [table]  # the tables whose rows the delete removes
    while todo:
        parent = todo.pop()
        changed.update(cleared.get(parent, ()))
        for child in deleted.get(parent, set()) - gone:
            gone.add(child)
            todo.append(child)
    return frozenset((changed | gone) - {table})


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    deleted = set(session.deleted)
    for obj in chain(session.new, session.dirty, deleted):
        if isinstance(obj, OrgScoped) and obj.organization_id is not None:
            _changed(session).add(obj.organization_id)
            mapper = inspect(obj).mapper
            names = [table.name for table in mapper.tables]
            # The rows of association tables (a circumstance's required jobs) are written by the
            # flush without records of their own.
            _note(session, names, obj)
            _note(session, [rel.secondary.name for rel in mapper.relationships if rel.secondary is not None])
            if obj in deleted:
                _note(session, set(chain.from_iterable(cascades_of(name) for name in names)))
        elif isinstance(obj, Organization) and obj.id is not None:
            _changed(session).add(obj.id)


def note_write(tables: set[str], organization_id: int | None) -> None:
    """Count a write made beside the session (raw driver SQL, COPY) as one that touched ``tables``."""
    session = db.session()
    _note(session, tables)
    if organization_id is not None:
        _changed(session).add(organization_id)


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
    name = table.name if table is not None and hasattr(table, "name") else EVERY_TABLE
    _note(state.session, [name])
    if state.is_delete and name != EVERY_TABLE:
        _note(state.session, cascades_of(name))


@event.listens_for(Session, "before_commit")
def _raise_versions(session: Session) -> None:
    session.flush()  # commit flushes after this hook; the versions must see every change
    changed = session.info.pop(_CHANGED, None)
    tables = frozenset(session.info.pop(_TABLES, ()) or (EVERY_TABLE,))
    rows = {name: frozenset(values) for name, values in session.info.pop(_ROWS, {}).items()
            if values is not None and name in tables}
    if changed:
        raised = session.execute(update(Organization).where(Organization.id.in_(sorted(changed)))
                                 .values(content_version=Organization.content_version + 1)
                                 .returning(Organization.id, Organization.content_version)
                                 .execution_options(synchronize_session=False))
        # Remembered once the commit has succeeded: a version whose commit failed is reused by
        # the next write, which records its own tables.
        session.info[_RAISED] = [(org_id, version, tables, rows) for org_id, version in raised]


@event.listens_for(Session, "after_commit")
def _remember_versions(session: Session) -> None:
    for org_id, version, tables, rows in session.info.pop(_RAISED, ()):
        history.record(org_id, version, tables, rows)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_TABLES, None)
    session.info.pop(_ROWS, None)
    session.info.pop(_RAISED, None)


class WriteHistory:
    """The tables each content version's write touched, for the writes this process committed, and
    of some tables which rows (``__content_scope__``).

    Bounded per organization (the oldest versions are forgotten: a value computed before them
    is then computed afresh).
    """

    def __init__(self, max_versions: int = 10_000) -> None:
        # organization -> version -> (the tables written, the rows written of some of them)
        self._writes: dict[int, OrderedDict[int, tuple[frozenset[str], Mapping[str, frozenset[int]]]]] = {}
        self._lock = Lock()
        self.max_versions = max_versions

    def record(self, organization_id: int, version: int, tables: frozenset[str],
               rows: Mapping[str, frozenset[int]] | None = None) -> None:
        """Note that ``version`` of the organization's content was a write to ``tables`` (to ``rows``
        of some, by their scope: the tables missing there, it cannot say which rows)."""
        with self._lock:
            versions = self._writes.setdefault(organization_id, OrderedDict())
            versions[version] = (tables, rows or {})
            while len(versions) > self.max_versions:
                versions.popitem(last=False)

    def changes(self, organization_id: int, since: int, until: int,
                reads: frozenset[str]) -> dict[str, frozenset[int]] | None:
        """Return, for each table of ``reads`` that a version after ``since`` up to ``until`` wrote,
        the scope values of the rows written; None when one of them cannot be told (a version this
        process did not see written, a write to unknown tables or to unknown rows of one of them)."""
        found: dict[str, frozenset[int]] = {}
        with self._lock:
            versions = self._writes.get(organization_id, {})
            for version in range(since + 1, until + 1):
                tables, scoped = versions.get(version, (None, {}))
                if tables is None or EVERY_TABLE in tables:
                    return None
                for name in tables & reads:
                    rows = scoped.get(name)
                    if rows is None:
                        return None
                    found[name] = found.get(name, frozenset()) | rows
        return found

    def clear(self) -> None:
        """Forget every write (tests reuse ids after emptying the database)."""
        with self._lock:
            self._writes.clear()


history = WriteHistory()


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
        # (namespace, organization, settings version, key) -> (content version, value)
        self._newest: dict[Hashable, tuple[int, Any]] = {}
        # The same lineage -> the newest content version stored: an older one is dropped when a
        # newer one is stored (every write moves the version; nothing asks for the old one again but
        # a request that began before the write, which then computes it afresh).
        self._latest: dict[Hashable, int] = {}
        self._flights: dict[Hashable, Lock] = {}
        self._lock = Lock()
        self.max_entries = max_entries

    def get(self, namespace: str, key: Hashable, compute: Callable[[], T],
            reads: frozenset[str] | None = None,
            update: Callable[[T, dict[str, frozenset[int]]], T | None] | None = None) -> T:
        """Return the value for ``key`` at the current version, computing it on a miss.

        ``reads`` names every table the computation reads: a value computed at an earlier version
        is served when no write since touched them (``WriteHistory.changes`` gives ``{}``). ``update``, given
        that value and the rows written since of the tables it reads (by scope: the outcomes whose
        ratings changed, say), returns the value now, or None to compute it afresh; it is asked
        only when the history can tell every row written. Concurrent misses of one key compute it
        once: the others wait for that result instead of all doing the same expensive work at the
        same moment.
        """
        if not enabled():
            return compute()
        _check_admitted()
        organization_id, settings, version = content_version()
        lineage = (namespace, organization_id, settings, key)
        full = _full_key(lineage, version)
        with self._lock:
            if full in self._entries:
                self._entries.move_to_end(full)
                return self._entries[full]
            flight = self._flights.setdefault(full, Lock())
        with flight:
            with self._lock:
                if full in self._entries:
                    return self._entries[full]
                newest = self._newest.get(lineage) if reads is not None else None
            earlier = newest is not None and newest[0] < version and organization_id is not None
            changes = history.changes(organization_id, newest[0], version, reads) if earlier else None
            try:
                if changes == {}:
                    value = newest[1]
                elif changes is not None and update is not None:
                    updated = update(newest[1], changes)
                    value = compute() if updated is None else updated
                else:
                    value = compute()
                self._store(full, value, lineage, version, reads is not None)
            finally:
                with self._lock:
                    self._flights.pop(full, None)
        return value

    def _store(self, full: Hashable, value: Any, lineage: Hashable, version: int, reusable: bool) -> None:
        with self._lock:
            self._entries[full] = value
            self._entries.move_to_end(full)
            if reusable and version >= self._newest.get(lineage, (-1, None))[0]:
                self._newest[lineage] = (version, value)
            latest = self._latest.get(lineage)
            if latest is None or latest < version:
                self._latest[lineage] = version
                if latest is not None:
                    self._entries.pop(_full_key(lineage, latest), None)
            while len(self._entries) > self.max_entries:
                (namespace, (organization_id, settings, old), key), _ = self._entries.popitem(last=False)
                lineage = (namespace, organization_id, settings, key)
                if self._newest.get(lineage, (None,))[0] == old:
                    del self._newest[lineage]
                if self._latest.get(lineage) == old:
                    del self._latest[lineage]

    def clear(self) -> None:
        """Forget everything (tests reuse ids after emptying the database)."""
        with self._lock:
            self._entries.clear()
            self._newest.clear()
            self._latest.clear()


def _full_key(lineage: tuple, version: int) -> tuple:
    """Return the full key of a lineage's version: (namespace, (organization, settings, version), key)."""
    namespace, organization_id, settings, key = lineage
    return namespace, (organization_id, settings, version), key


cache = VersionedCache()
