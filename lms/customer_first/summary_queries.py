"""The dashboard's Customer First block: sub-optimization alerts and the head of the stop-doing list.

Computed inside the dashboard's organization figures (and cached with them): the radar reuses the
drift assessments and stream figures the dashboard has already computed, so it adds its own two
statements; the stop-doing head starts from the outcomes the dashboard has rated (their newest
ratings) and adds two small statements (serving steps per job, then the first steps).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from lms.customer_first.radar_queries import RadarEntry, StreamNow, build_radar
from lms.customer_first.stop_doing_queries import CandidateLine, OverservedOutcome, candidate_head
from lms.lean.drift import DriftAssessment
from lms.lean.suboptimization import STATUSES
from lms.models import Organization

SHOWN = 5


@dataclass(frozen=True)
class CustomerFirstBlock:
    """What the dashboard shows of the radar and the stop-doing list."""

    alerts: list[RadarEntry] = field(default_factory=list)  # sub-optimization alerts, at most SHOWN
    radar_counts: dict[str, int] = field(default_factory=dict)  # entries by status: alert, clear, absent
    stop_doing: list[CandidateLine] = field(default_factory=list)
    stop_doing_total: int = 0


def dashboard_block(organization: Organization, today: date, drift: Mapping[int, DriftAssessment],
                    streams: Iterable[StreamNow], overserved: list[OverservedOutcome]) -> CustomerFirstBlock:
    """Judge the radar with the dashboard's assessments and stream figures; take the stop-doing head."""
    entries = build_radar(organization, today, drift=drift, totals=streams)
    candidates = candidate_head(overserved, SHOWN)
    counts = Counter(e.status for e in entries)
    return CustomerFirstBlock([e for e in entries if e.status == "alert"][:SHOWN],
                              {status: counts.get(status, 0) for status in STATUSES}, candidates.items,
                              candidates.total)
