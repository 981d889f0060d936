"""Who may administer the organization's people: admins only."""

from __future__ import annotations

from lms.permissions import roles

ADMINISTER = roles("admin", denial="Only an admin may manage people, roles, tokens and settings.")
