"""What a review's before/after says of its snapshots: inputs missing, and snapshots of the old Pareto."""

from __future__ import annotations

from datetime import date

import pytest

from lms.lean.metrics import StepFigures, StreamFigures, compute_metrics
from lms.models import Review
from lms.reviews.change_queries import before_after, figure_moves, snapshot_notes
from lms.reviews.chart_data import _current_figures

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
    rows = dict(_current_figures(before, 27_600))
    assert rows["Lead time"] == "— (needs daily demand)" and rows["Takt time"] == "— (needs daily demand)"


def test_a_snapshot_of_the_old_pareto_is_named() -> None:
    # Snapshots taken before issue 14 have no "missing" key and counted a step under each waste in full.
    old = {"lead_time_s": 55_200, "waste_time_by_type": {"inventory": 55_200, "waiting": 55_200}}
    new = compute_metrics(StreamFigures(20, 27_600, (QUEUE,))).as_api_dict()
    assert new["waste_time_by_type"]["inventory"] == new["waste_time_by_type"]["waiting"] == 27_600
    notes = snapshot_notes(old, new)
    assert len(notes) == 1 and "counts a step under each of its wastes in full" in notes[0]
    assert snapshot_notes(new, new) == []


NO_DEMAND = compute_metrics(StreamFigures(None, 27_600, (QUEUE,))).as_api_dict()
WITH_DEMAND = compute_metrics(StreamFigures(20, 27_600, (QUEUE,))).as_api_dict()
NO_DEMAND_NO_QUEUE = compute_metrics(StreamFigures(None, 27_600, (StepFigures(1, 1, "Weld", cycle_time_s=60),))
                                     ).as_api_dict()


@pytest.mark.parametrize(
    ("status", "snapshot_open", "now", "notes"),
    [
        # Never opened: nothing was recorded, whatever the stream lacks today. Before the fix the
        # note blamed the daily demand for the empty "at opening" column.
        pytest.param("planned", None, NO_DEMAND, [
            "Not opened yet: no figures recorded; they are recorded when the review opens.",
            "Today's figures shown “—” could not be computed: set the daily demand to have them."],
            id="planned-stream-without-demand"),
        # Without a daily demand there is no takt time, but nothing the table shows is missing.
        pytest.param("planned", None, NO_DEMAND_NO_QUEUE, [
            "Not opened yet: no figures recorded; they are recorded when the review opens."],
            id="planned-stream-missing-only-takt"),
        pytest.param("planned", None, WITH_DEMAND, [
            "Not opened yet: no figures recorded; they are recorded when the review opens."],
            id="planned-stream-complete"),
        # Recorded (or imported) as closed without snapshots: it did open, but nothing was recorded.
        pytest.param("closed", None, WITH_DEMAND, [
            "No figures were recorded when this review opened (it was recorded or imported without them): "
            "only today's figures are shown."], id="closed-without-snapshots"),
        pytest.param("open", WITH_DEMAND, NO_DEMAND, [
            "The review is open: “now” follows the map as it changes; closing records it for good.",
            "Figures shown “—” could not be computed: set the daily demand to have them."],
            id="open-then-demand-cleared"),
    ],
)
def test_the_note_says_what_was_recorded(status, snapshot_open, now, notes) -> None:
    review = Review(status=status, held_on=date(2026, 11, 2), snapshot_open=snapshot_open)
    figures = before_after(review, now)
    assert figures.note == " ".join(notes)
    if snapshot_open is None:
        assert all(row.before is None for row in figures.rows)
