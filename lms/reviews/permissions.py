"""Who may do what with a review: the one place the reviews feature decides it.

Admins and managers run every review; a process owner runs the reviews of the value streams
they own; the person an action is assigned to (a viewer too) moves it through its stages and
writes what it achieved. Only an admin takes a closed review back.
"""

from __future__ import annotations

from lms import tenancy
from lms.models import Action, User, ValueStream
from lms.tenancy import EDITORS, Forbidden

RUNNER_ROLES = ("admin", "manager", "owner")


def may_run(stream: ValueStream, user: User) -> bool:
    """Tell whether ``user`` may create, open, close and work a review of ``stream``."""
    return user.role in EDITORS or (user.role == "owner" and stream.owner_id == user.id)


def may_delete(user: User) -> bool:
    """Tell whether ``user`` may delete a whole review."""
    return user.role in EDITORS


def may_reopen(user: User) -> bool:
    """Tell whether ``user`` may take a closed review back to open or planned."""
    return user.role == "admin"


def is_assignee(action: Action, user: User) -> bool:
    """Tell whether ``action`` is assigned to ``user``."""
    return action.owner_id is not None and action.owner_id == user.id


def may_move(action: Action, stream: ValueStream, user: User) -> bool:
    """Tell whether ``user`` may move ``action`` through its stages."""
    return may_run(stream, user) or is_assignee(action, user)


def require_runner(stream: ValueStream) -> User:
    """Return the actor when they may run reviews of ``stream``; raise Forbidden otherwise."""
    user = tenancy.actor()
    if not may_run(stream, user):
        raise Forbidden("Only a manager, an admin or the value stream's owner may run its reviews.")
    return user


def require_deleter() -> User:
    """Return the actor when they may delete reviews; raise Forbidden otherwise."""
    user = tenancy.actor()
    if not may_delete(user):
        raise Forbidden("Only a manager or an admin may delete a review.")
    return user


def require_may_create() -> User:
    """Refuse at once a role that can run no review at all (before looking at the input)."""
    user = tenancy.actor()
    if user.role not in RUNNER_ROLES:
        raise Forbidden("Only a manager, an admin or a process owner may plan a review.")
    return user
