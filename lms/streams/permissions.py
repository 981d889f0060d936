"""Who may do what with value streams and their steps: the one place the streams feature decides it.

Everyone reads. Admins and managers change every stream; a process owner maps new streams they
own and changes the streams they own, with their steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms import tenancy
from lms.models import User, ValueStream
from lms.permissions import Permission, editor_or_owner, roles
from lms.tenancy import Forbidden

WRITER_ROLES = ("admin", "manager", "owner")
EDIT_DENIAL = "Only the process owner, a manager or an admin may change this."

MAP_STREAMS = roles(*WRITER_ROLES,
                    denial="Only a process owner, a manager or an admin may map value streams.")


def may_edit(stream: ValueStream, user: User) -> bool:
    """Tell whether ``user`` may change ``stream`` and its steps."""
    return editor_or_owner(user, stream.owner_id)


def may_create(user: User) -> bool:
    """Tell whether ``user`` may map a new value stream."""
    return MAP_STREAMS.allows(user, {})


def require_edit(stream: ValueStream) -> User:
    """Return the actor when they may change ``stream``; raise Forbidden otherwise."""
    user = tenancy.actor()
    if not may_edit(stream, user):
        raise Forbidden(EDIT_DENIAL)
    return user


def stream_in_path(records: Mapping[str, Any]) -> ValueStream:
    """Return the value stream a path names, directly or through one of its steps."""
    if "stream_id" in records:
        return records["stream_id"]
    return tenancy.get_or_404(ValueStream, records["step_id"].value_stream_id)


def _edits_stream_in_path(user: User, records: Mapping[str, Any]) -> bool:
    return may_edit(stream_in_path(records), user)


EDIT_STREAM = Permission("an admin, a manager or the value stream's process owner",
                         frozenset(WRITER_ROLES), _edits_stream_in_path, EDIT_DENIAL)
