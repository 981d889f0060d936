"""Who may do what with the stop-doing list: everyone reads it; whoever may run the step's stream's
reviews (an admin, a manager or the stream's process owner) puts a candidate on a review's agenda."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms.models import User
from lms.permissions import Permission
from lms.reviews.permissions import RUN_DENIAL, RUNNER_ROLES, may_run
from lms.streams.permissions import stream_in_path


def _runs_reviews_of_step_in_path(user: User, records: Mapping[str, Any]) -> bool:
    return may_run(stream_in_path(records), user)


PUT_ON_AGENDA = Permission("an admin, a manager or the process owner of the step's value stream",
                           frozenset(RUNNER_ROLES), _runs_reviews_of_step_in_path, RUN_DENIAL)


def may_put_on_agenda(user: User, stream_owner_id: int | None) -> bool:
    """Tell whether ``user`` may put a candidate of a stream owned by ``stream_owner_id`` on an agenda."""
    return user.role in RUNNER_ROLES and (user.role != "owner" or stream_owner_id == user.id)
