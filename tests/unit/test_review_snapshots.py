"""What a review's before/after says of its snapshots: inputs missing, and snapshots of the old Pareto."""

from __future__ import annotations

from lms.lean.metrics import StepFigures, StreamFigures, compute_metrics
from lms.reviews.chart_data import _current_figures
from lms.reviews.figures import figure_moves, snapshot_notes

QUEUE = StepFigures(1, 1, "Queue", kind="inventory", inventory_units=40, classification="waste",
                    waste_types=("inventory", "waiting"))


def test_a_snapshot_without_demand_says_what_to_enter() -> None:
    before = compute_metrics(StreamFigures(None, 27_600, (QUEUE,))).as_api_dict()
    after = compute_metrics(StreamFigures(20, 27_600, (QUEUE,))).as_api_dict()
    assert snapshot_notes(before, after) == [
        "Figures shown “—” could not be computed: set the daily demand to have them."]
    lead = figure_moves(before, after)[0]
    # 40 / 20 = 2 days x 27,600 s: the "after" lead time; the "before" one is unknown, so no change
    assert (lead.before, lead.after, lead.change) == (None, 55_200, None)
    rows = dict(_current_figures(before))
    assert rows["Lead time"] == "— (needs daily demand)" and rows["Takt time"] == "— (needs daily demand)"


def test_a_snapshot_of_the_old_pareto_is_named() -> None:
    # Snapshots taken before issue 14 have no "missing" key and counted a step under each waste in full.
    old = {"lead_time_s": 55_200, "waste_time_by_type": {"inventory": 55_200, "waiting": 55_200}}
    new = compute_metrics(StreamFigures(20, 27_600, (QUEUE,))).as_api_dict()
    assert new["waste_time_by_type"]["inventory"] == new["waste_time_by_type"]["waiting"] == 27_600
    notes = snapshot_notes(old, new)
    assert len(notes) == 1 and "counts a step under each of its wastes in full" in notes[0]
    assert snapshot_notes(new, new) == []
