"""Who may do what with a review: the one place the reviews feature decides it.

Admins and managers run every review; a process owner runs the reviews of the value streams
they own; the person an action is assigned to (a viewer too) moves it through its stages and
writes what it achieved. Only an admin takes a closed review back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms import tenancy
from lms.models import Action, Review, User, ValueStream
from lms.permissions import EDITORS, Permission, editor_or_owner, roles
from lms.tenancy import Forbidden

RUNNER_ROLES = ("admin", "manager", "owner")
RUN_DENIAL = "Only a manager, an admin or the value stream's owner may run its reviews."
MOVE_DENIAL = ("Only the action's owner, the value stream's owner, a manager or an admin "
               "may change this action.")


def may_run(stream: ValueStream, user: User) -> bool:
    """Tell whether ``user`` may create, open, close and work a review of ``stream``."""
    return editor_or_owner(user, stream.owner_id)


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
        raise Forbidden(RUN_DENIAL)
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


# Declarations for the routes ------------------------------------------------------------


def review_in_path(records: Mapping[str, Any]) -> Review:
    """Return the review a path names, directly or through one of its findings or actions."""
    if "review_id" in records:
        return records["review_id"]
    item = records.get("finding_id") or records["action_id"]
    return tenancy.get_or_404(Review, item.review_id)


def stream_in_path(records: Mapping[str, Any]) -> ValueStream:
    """Return the value stream of the review a path names."""
    return tenancy.get_or_404(ValueStream, review_in_path(records).value_stream_id)


PLAN = roles(*RUNNER_ROLES, denial="Only a manager, an admin or a process owner may plan a review.")
DELETE = roles(*EDITORS, denial="Only a manager or an admin may delete a review.")
def _runs_review_in_path(user: User, records: Mapping[str, Any]) -> bool:
    return may_run(stream_in_path(records), user)


def _moves_action_in_path(user: User, records: Mapping[str, Any]) -> bool:
    return may_move(records["action_id"], stream_in_path(records), user)


RUN = Permission("an admin, a manager or the process owner of the review's value stream",
                 frozenset(RUNNER_ROLES), _runs_review_in_path, RUN_DENIAL)
MOVE_ACTION = Permission("the action's owner, or whoever may run the review",
                         rule=_moves_action_in_path, denial=MOVE_DENIAL)
