"""What changed: before/after figures of a review and the movement of the stream's KPIs since it opened."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from lms.extensions import db
from lms.kpis.drift_queries import KpiDrift
from lms.lean.metrics import WASTE_TYPES
from lms.lean.missing import STREAM_INPUTS
from lms.models import Kpi, KpiMeasurement, Review


@dataclass(frozen=True)
class FigureMove:
    """One figure before and after, and whether the change is for the better."""

    label: str
    kind: str  # duration | ratio
    before: float | None
    after: float | None
    lower_is_better: bool = True

    @property
    def change(self) -> float | None:
        """Return after minus before, when both are known."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def better(self) -> bool | None:
        """Tell whether the change is an improvement (None: unchanged or unknown)."""
        if not self.change:
            return None
        return (self.change < 0) == self.lower_is_better

    @property
    def verdict(self) -> str:
        """Say in a word how the figure moved."""
        if self.change is None:
            return "—"
        if self.better is None:
            return "unchanged"
        return "better" if self.better else "worse"


@dataclass(frozen=True)
class BeforeAfter:
    """The figures a review compares: at opening against at closing, or against now while open."""

    before_label: str
    after_label: str
    rows: list[FigureMove]
    note: str = ""


COMPARED = ("lead_time_s", "processing_time_s", "pce")  # the figures every before/after shows


def figure_moves(before: dict | None, after: dict | None) -> list[FigureMove]:
    """Compare two metrics objects: lead time, processing time, PCE and the time of each waste."""
    before, after = before or {}, after or {}
    rows = [
        FigureMove("Lead time", "duration", before.get("lead_time_s"), after.get("lead_time_s")),
        FigureMove("Processing time", "duration", before.get("processing_time_s"),
                   after.get("processing_time_s")),
        FigureMove("Process cycle efficiency (PCE)", "ratio", before.get("pce"), after.get("pce"),
                   lower_is_better=False),
    ]
    waste_before = before.get("waste_time_by_type") or {}
    waste_after = after.get("waste_time_by_type") or {}
    for waste in WASTE_TYPES:
        b, a = waste_before.get(waste), waste_after.get(waste)
        if b or a:
            rows.append(FigureMove(f"Waste time: {waste}", "duration", b if before else None,
                                   a if after else None))
    return rows


def snapshot_notes(before: dict | None, after: dict | None, *, status: str = "open") -> list[str]:
    """Say what a reader must know of two metrics objects: none recorded, inputs missing, an older count.

    ``before`` is None when no figures were recorded at opening: a planned review has not opened yet,
    and a review recorded (or imported) already open or closed may have none. A snapshot taken before
    figures named their missing inputs (it has no ``missing`` key) counted a step's time under each of
    its wastes in full; one with ``missing`` inputs has figures withheld.
    """
    notes = []
    if before is None:
        notes.append("Not opened yet: no figures recorded; they are recorded when the review opens."
                     if status == "planned" else
                     "No figures were recorded when this review opened (it was recorded or imported "
                     "without them): only today's figures are shown.")
    if any(snapshot is not None and "missing" not in snapshot for snapshot in (before, after)):
        notes.append("A snapshot taken before waste time was shared among a step's wastes counts a step "
                     "under each of its wastes in full: compare its waste times with care.")
    # Only inputs whose absence left a figure of the table empty: a stream without a daily demand
    # has no takt time, but its lead time is complete when no inventory needs converting.
    withheld = [snapshot for snapshot in (before, after)
                if snapshot is not None and any(snapshot.get(name) is None for name in COMPARED)]
    needed = [label for name, label in STREAM_INPUTS.items()
              if any(name in snapshot.get("missing", []) for snapshot in withheld)]
    if needed:
        shown = "Today's figures shown" if before is None else "Figures shown"
        notes.append(f"{shown} “—” could not be computed: set {' and '.join(needed)} to have them.")
    return notes


def before_after(review: Review, current: dict) -> BeforeAfter:
    """Return the figures of the review: snapshot at opening vs at closing, or vs now while open."""
    opened = review.opened_at.date().isoformat() if review.opened_at else str(review.held_on)
    if review.status == "closed" and review.snapshot_close is not None:
        closed = review.closed_at.date().isoformat() if review.closed_at else str(review.held_on)
        before, after, labels, note = (review.snapshot_open, review.snapshot_close,
                                       (f"At opening ({opened})", f"At closing ({closed})"), "")
    elif review.snapshot_open is not None:
        before, after, labels = review.snapshot_open, current, (f"At opening ({opened})", "Now")
        note = ("The review is open: “now” follows the map as it changes; closing records it for good."
                if review.status != "closed" else
                "No figures were recorded at closing: “now” follows the map as it changes.")
    else:
        before, after, labels, note = None, current, ("At opening", "Now"), ""
    return BeforeAfter(*labels, figure_moves(before, after),
                       note=" ".join([note, *snapshot_notes(before, after, status=review.status)]).strip())


def opened_on(review: Review) -> date | None:
    """Return the day the review opened (its date when it was recorded already open), or None."""
    if review.opened_at is not None:
        return review.opened_at.date()
    return review.held_on if review.status != "planned" else None


@dataclass(frozen=True)
class KpiMovement:
    """A KPI's value when the review opened against its latest value, with its drift status."""

    kpi: Kpi
    base_on: date | None
    base: float | None
    latest_on: date | None
    latest: float | None
    drift: KpiDrift | None

    @property
    def change(self) -> float | None:
        """Return latest minus the value at opening."""
        if self.base is None or self.latest is None or self.latest_on == self.base_on:
            return None
        return self.latest - self.base

    @property
    def better(self) -> bool | None:
        """Tell whether the KPI moved the way that is better for it (None: unchanged or unknown)."""
        if not self.change:
            return None
        return (self.change > 0) == (self.kpi.direction == "increase")


def _newest_values(kpi_ids: Sequence[int], on_or_before: date | None) -> dict[int, tuple[date, float]]:
    """Return each KPI's newest measurement (up to a day, if given) in one statement."""
    ranked = select(KpiMeasurement.kpi_id, KpiMeasurement.measured_on, KpiMeasurement.value,
                    func.row_number().over(partition_by=KpiMeasurement.kpi_id,
                                           order_by=KpiMeasurement.measured_on.desc()).label("rank")
                    ).where(KpiMeasurement.kpi_id.in_(kpi_ids))
    if on_or_before is not None:
        ranked = ranked.where(KpiMeasurement.measured_on <= on_or_before)
    sub = ranked.subquery()
    rows = db.session.execute(select(sub.c.kpi_id, sub.c.measured_on, sub.c.value).where(sub.c.rank == 1))
    return {kpi_id: (measured_on, value) for kpi_id, measured_on, value in rows}


def kpi_movements(kpis: Sequence[Kpi], drift: dict[int, KpiDrift], since: date | None) -> list[KpiMovement]:
    """Return how each KPI moved since ``since`` (the day the review opened), in two statements."""
    if not kpis or since is None:
        return []
    ids = [kpi.id for kpi in kpis]
    base, latest = _newest_values(ids, since), _newest_values(ids, None)
    return [KpiMovement(kpi, *(base.get(kpi.id) or (None, None)), *(latest.get(kpi.id) or (None, None)),
                        drift.get(kpi.id)) for kpi in kpis]
