"""Who may do what with customers, their jobs, outcomes and ratings: everyone reads; admins and
managers change them."""

from __future__ import annotations

from lms.models import User
from lms.permissions import EDITORS, roles

EDIT_CUSTOMERS = roles(*EDITORS, denial="Only a manager or an admin may change customers, jobs and outcomes.")


def may_edit(user: User) -> bool:
    """Tell whether ``user`` may change customers, their jobs, outcomes and ratings."""
    return EDIT_CUSTOMERS.allows(user, {})
