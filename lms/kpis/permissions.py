"""Who may do what with KPIs: the one place the KPI feature decides it.

Everyone reads. Admins and managers create, edit, link and delete KPIs; a KPI's owner (a process
owner) may also enter its measurements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms import tenancy
from lms.models import Kpi, User
from lms.permissions import EDITORS, Permission, editor_or_owner, roles

MEASURE_DENIAL = "Only the KPI's owner, a manager or an admin may enter its measurements."

EDIT_KPIS = roles(*EDITORS, denial="Only a manager or an admin may create, change, link or delete KPIs.")


def may_edit_kpis(user: User) -> bool:
    """Tell whether ``user`` may create, edit, link and delete KPIs."""
    return EDIT_KPIS.allows(user, {})


def may_measure(user: User, kpi: Kpi) -> bool:
    """Tell whether ``user`` may enter measurements of ``kpi``."""
    return editor_or_owner(user, kpi.owner_id)


def require_measurer(kpi: Kpi) -> User:
    """Return the actor when they may enter measurements of ``kpi``; raise Forbidden otherwise."""
    user = tenancy.actor()
    if not may_measure(user, kpi):
        raise tenancy.Forbidden(MEASURE_DENIAL)
    return user


def _measures_kpi_in_path(user: User, records: Mapping[str, Any]) -> bool:
    return may_measure(user, records["kpi_id"])


MEASURE = Permission("an admin, a manager or the KPI's owner", frozenset(("admin", "manager", "owner")),
                     _measures_kpi_in_path, MEASURE_DENIAL)
