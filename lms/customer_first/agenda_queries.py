"""A review's agenda items from Customer First: sub-optimization alerts and stop-doing candidates.

A review of a stream that is the upstream or the downstream of an internal customer shows the
radar's alerts for it; a review of a stream with steps serving overserved outcomes shows them as
stop-doing candidates (the overprocessing waste).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from lms.customer_first.radar_queries import build_radar
from lms.customer_first.stop_doing_queries import candidates_of_stream
from lms.kpis.drift_queries import acting_organization
from lms.models import ValueStream

KIND_LABELS = {"suboptimization": "Sub-optimization", "stop-doing-candidate": "Stop doing?"}


def agenda_items(stream: ValueStream, today: date, make_item: Callable, page_url: Callable) -> list:
    """Return the radar's alerts touching ``stream`` and its stop-doing candidates, as agenda items."""
    items = []
    for entry in build_radar(acting_organization(), today, stream_id=stream.id):
        if entry.status == "alert":
            items.append(make_item("suboptimization", f"{entry.upstream_name} → {entry.customer_name}",
                                   entry.verdict.sentence, "Customer", entry.customer_id,
                                   page_url("customer_first.radar_page")))
    for line in candidates_of_stream(stream.id):
        items.append(make_item(
            "stop-doing-candidate", f"#{line.step_position} {line.step_name}",
            f"{line.sentence} “{line.outcome_statement}” ({line.customer_name}) is overserved by "
            f"{line.overserved_by:.1f} points: a candidate for the overprocessing waste.", "Step",
            line.step_id,
            page_url("streams.step", stream_id=line.stream_id, step_id=line.step_id)))
    return items
