"""The one place that scopes data to the current organization and checks roles.

Every ORM query runs through ``_scope_to_organization``: while a request acts for an
organization, SQLAlchemy adds ``organization_id = <that organization>`` to every
organization-scoped entity in the statement, so a view cannot forget the filter.
``get_or_404`` answers 404 for another organization's record, never 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from flask import abort, g, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from lms.db import MAX_INT
from lms.extensions import db
from lms.models import OrgScoped, User

T = TypeVar("T")



class Forbidden(Exception):
    """Raise when the actor's role does not allow the change."""

    def __init__(self, message: str = "Your role does not allow this.") -> None:
        super().__init__(message)
        self.message = message


def act_as(user: User | None) -> None:
    """Make ``user`` the actor of this request and scope all queries to their organization."""
    g.actor = user
    g.organization_id = user.organization_id if user is not None else None


def scope_to(organization_id: int) -> None:
    """Scope this context to an organization without a signed-in person (the CLI)."""
    g.actor = None
    g.organization_id = organization_id


def actor() -> User:
    """Return the user this request acts for, or answer 401."""
    user = g.get("actor") if has_app_context() else None
    if user is None:
        abort(401)
    return user


def current_organization_id() -> int | None:
    """Return the organization this request is scoped to, if any."""
    return g.get("organization_id") if has_app_context() else None


@event.listens_for(Session, "do_orm_execute")
def _scope_to_organization(state: ORMExecuteState) -> None:
    org_id = current_organization_id()
    if org_id is None or state.execution_options.get("all_organizations"):
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                OrgScoped, lambda cls: cls.organization_id == org_id, include_aliases=True
            )
        )


@event.listens_for(Session, "before_flush")
def _stamp_organization(session: Session, _flush_context, _instances) -> None:
    org_id = current_organization_id()
    for obj in session.new:
        if isinstance(obj, OrgScoped) and obj.organization_id is None:
            if org_id is None:
                raise RuntimeError(f"{type(obj).__name__} created outside an organization")
            obj.organization_id = org_id
        elif isinstance(obj, OrgScoped) and org_id is not None and obj.organization_id != org_id:
            raise RuntimeError(f"{type(obj).__name__} written into another organization")


def get_or_404(model: type[T], record_id: int | None) -> T:
    """Return the record of the current organization with that id, or answer 404."""
    obj = find(model, record_id)
    if obj is None:
        abort(404)
    return obj


def find(model: type[T], record_id: int | None) -> T | None:
    """Return the record of the current organization with that id, or None."""
    if record_id is None or (isinstance(record_id, int) and not 0 < record_id <= MAX_INT):
        return None  # no such id can be stored, and PostgreSQL would refuse to compare it
    if not isinstance(record_id, int):
        return db.session.scalar(select(model).where(model.id == record_id))  # type: ignore[attr-defined]
    # A record the request loaded already (the boundary loads the path's records) comes from the
    # session without another query; its organization is checked here either way.
    record = db.session.get(model, record_id)
    scope = current_organization_id()
    if scope is not None and isinstance(record, OrgScoped) and record.organization_id != scope:
        return None
    return record


def by_id(model: type[T], ids: Iterable[int | None]) -> dict[int, T]:
    """Return the current organization's records of ``model`` with those ids, by id, in one statement."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {record.id: record  # type: ignore[attr-defined]
            for record in db.session.scalars(select(model).where(model.id.in_(wanted)))}  # type: ignore[attr-defined]


def names(model: type, label: Any, ids: Iterable[int | None] | None = None) -> dict[int, str]:
    """Return id → ``label`` of the current organization's records of ``model`` (of ``ids`` when given),
    ordered by the label: the names selects and tables show."""
    stmt = select(model.id, label).order_by(label, model.id)  # type: ignore[attr-defined]
    if ids is not None:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        stmt = stmt.where(model.id.in_(wanted))  # type: ignore[attr-defined]
    return dict(db.session.execute(stmt).tuples().all())


def require(*roles: str) -> User:
    """Return the actor when they hold one of ``roles``; raise Forbidden otherwise."""
    user = actor()
    if user.role not in roles:
        raise Forbidden()
    return user
