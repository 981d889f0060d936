"""Who may act on an account: everyone on their own; an admin on anyone's tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms.models import User
from lms.permissions import Permission


def _holds_or_administers(user: User, records: Mapping[str, Any]) -> bool:
    return records["token_id"].user_id == user.id or user.role == "admin"


REVOKE_TOKEN = Permission("the token's holder or an admin", rule=_holds_or_administers,
                          denial="Only the token's holder or an admin may revoke it.")
