"""The drift of every KPI of an organization as a plain-text table, for ``lms check-drift``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from lms import tenancy
from lms.kpis.drift_queries import assess_organization, drift_settings, today
from lms.lean.drift import ALARMS, STATUSES
from lms.models import Organization

NAME_WIDTH = 40


@dataclass(frozen=True)
class DriftReport:
    """The table's lines, how many KPIs are diverging, and how many raise an alarm (worsening too)."""

    lines: list[str]
    diverging: int
    alarms: int = 0


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _change(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f} %"


def drift_report(organization: Organization, as_of: date | None = None) -> DriftReport:
    """Assess every KPI of ``organization`` and lay the verdicts out as a table."""
    tenancy.scope_to(organization.id)
    as_of = as_of or today()
    rows = assess_organization(organization, as_of)
    window = drift_settings(organization).window_days
    if not rows:
        return DriftReport([f"{organization.name} has no KPIs yet."], 0)
    table = [("KPI", "Status", "Change", "Reason")]
    table += [(_fit(kpi.name, NAME_WIDTH), drift.status, _change(drift.assessment.kpi_change),
               drift.reasons[0] if drift.reasons else "") for kpi, drift in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d}" for a, b, c, d in table]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 6)
    counts = Counter(drift.status for _, drift in rows)
    summary = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    lines += ["", f"{len(rows)} KPIs of {organization.name} as of {as_of.isoformat()} "
                  f"(window {window} days): {summary}."]
    return DriftReport(lines, counts["diverging"], sum(counts[s] for s in ALARMS))
