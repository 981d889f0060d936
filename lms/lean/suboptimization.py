"""The sub-optimization radar: an upstream team that improves its own figures at its internal customer's cost.

Lean's Customer First treats the next team as a customer. For each internal customer served by
another value stream (the *upstream*), the radar compares, over the drift window, two sides:

* what the upstream achieved for itself: each KPI of the upstream stream that moved the better way
  beyond its noise, as the drift assessment judges it (``kpi_move == "better"``), and its PCE and
  lead time from the oldest figures recorded in the window (a review's snapshot) to now;
* what the internal customer received: each of its outcomes' satisfaction change within one
  segment, judged as drift judges it (``worse``: a loss beyond the survey's noise and the minimum
  meaningful change), and the %C&A and the waiting time of the hand-over into its own stream (the
  first step of that stream), from their value at the window's start (the audit trail) to now.

A stream or step figure moved when it changed by at least the organization's minimum relative
change (drift's ``min_change``, 5 % by default) the better or the worse way.

The verdict: ``alert`` when the upstream gained on at least one figure while its internal customer
lost on at least one; ``absent`` when a side has no figure read twice in the window (``missing``
says what to enter); ``clear`` otherwise. Each verdict is one sentence with both sides' figures.

Worked example (tests/unit/test_suboptimization.py, computed by hand):
  Intake's KPI 'claims closed per clerk day' rose from 10 to 11.8 a day, beyond its noise:
  (11.8 - 10) / 10 = +18 %, the better way for a KPI that should increase: a gain.
  Assessment, Intake's internal customer, rated 'minimize rework on incoming claims' 6.2, then 4.8
  (the team's own judgement, no respondent counts): 4.8 - 6.2 = -1.4 points, beyond the 0.5-point
  minimum: a loss. The hand-over step 'Check the claim file' had %C&A 90, now 81:
  (81 - 90) / 90 = -10 %, beyond 5 % the worse way for a figure that should be high: a loss.
  -> alert: "Intake improved 'claims closed per clerk day' +18 % while Assessment, its internal
  customer, rated 'minimize rework on incoming claims' 1.4 points lower and received 81 % complete
  and accurate at 'Check the claim file' (90 % at the window's start)."
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from lms.lean.drift_outcomes import SatisfactionChange
from lms.lean.drift_words import amount, percent, points
from lms.lean.durations import format_duration

STATUSES = ("alert", "clear", "absent")
FIGURE_KINDS = ("ratio", "percent", "duration")
_TOLERANCE = 1e-9  # a change of exactly the minimum counts, whatever the floats say


@dataclass(frozen=True)
class KpiMove:
    """An upstream KPI's trend over the window, as the drift assessment judged it."""

    kpi_id: int
    name: str
    unit: str
    move: str | None  # better, worse, steady; None without a trend in the window
    change: float | None = None  # relative to the trend's start; None where a percentage misleads
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class FigureChange:
    """A stream or step figure at the window's start and now."""

    name: str  # "PCE", "lead time", "%C&A", "waiting"
    kind: str  # ratio (0-1), percent (0-100) or duration (seconds)
    before: float | None
    after: float | None
    higher_is_better: bool
    since: date | None = None  # the day the value at the start was recorded


@dataclass(frozen=True)
class OutcomeMove:
    """An internal customer's outcome and its satisfaction change in the window (None: not rated twice)."""

    outcome_id: int
    statement: str
    change: SatisfactionChange | None


@dataclass(frozen=True)
class Handover:
    """The hand-over into the internal customer's own stream: its first step and two of its figures."""

    step_id: int
    step_name: str
    pct_complete_accurate: FigureChange
    waiting: FigureChange


@dataclass(frozen=True)
class RadarPair:
    """One internal customer and one upstream stream that serves it, with both sides' evidence."""

    customer_id: int
    customer_name: str
    upstream_id: int
    upstream_name: str
    downstream_id: int | None = None  # the stream the internal customer is; None when it names none
    downstream_name: str | None = None
    kpis: tuple[KpiMove, ...] = ()
    upstream_figures: tuple[FigureChange, ...] = ()
    outcomes: tuple[OutcomeMove, ...] = ()
    handover: Handover | None = None
    upstream_day_s: float | None = None  # the upstream's working day, to write its lead time
    downstream_day_s: float | None = None  # the downstream's, to write the waiting at the hand-over


@dataclass(frozen=True)
class RadarVerdict:
    """Whether an upstream stream sub-optimizes at its internal customer's cost, and why."""

    status: str  # alert, clear or absent
    sentence: str
    gains: tuple[str, ...] = ()  # the upstream's gains, as phrases
    losses: tuple[str, ...] = ()  # the internal customer's losses, as phrases
    missing: tuple[str, ...] = field(default=())  # why a side could not be read


def figure_move(change: FigureChange, min_change: float) -> str | None:
    """Say whether a figure got better, worse or held steady; None unless read at both ends.

    From zero any change is a move (a relative change from nothing has no size).
    """
    before, after = change.before, change.after
    if before is None or after is None:
        return None
    if after == before:
        return "steady"
    if before and abs(after - before) / abs(before) < min_change - _TOLERANCE:
        return "steady"
    return "better" if (after > before) == change.higher_is_better else "worse"


def write_figure(kind: str, value: float, day_s: float | None = None) -> str:
    """Write a figure as a page shows it: a ratio or percentage as "81 %", a duration in working time."""
    if kind == "ratio":
        return f"{percent(value)} %"
    if kind == "percent":
        return f"{amount(value)} %"
    return format_duration(value, day_s)


def kpi_gain(kpi: KpiMove) -> str:
    """Phrase a KPI's move: "'claims closed per clerk day' +18 %", or from its start to its end."""
    if kpi.change is not None:
        sign = "+" if kpi.change > 0 else "\u2212"
        return f"'{kpi.name}' {sign}{percent(kpi.change)} %"
    unit = f" {kpi.unit}" if kpi.unit else ""
    start = "?" if kpi.start is None else amount(kpi.start)
    end = "?" if kpi.end is None else amount(kpi.end)
    return f"'{kpi.name}' from {start} to {end}{unit}"


def _stream_figure_phrase(change: FigureChange, day_s: float | None) -> str:
    before = write_figure(change.kind, change.before or 0.0, day_s)
    after = write_figure(change.kind, change.after or 0.0, day_s)
    return f"its {change.name} from {before} to {after}"


def _outcome_loss(move: OutcomeMove) -> str:
    change = move.change
    if change is None:  # guarded by the caller: only judged changes are losses
        raise ValueError(f"outcome {move.outcome_id} has no change")
    margin = "" if change.margin is None else f" (± {points(change.margin)})"
    return f"rated '{move.statement}' {points(-change.change)} points lower{margin}"


def _handover_loss(handover: Handover, change: FigureChange, day_s: float | None) -> str:
    before = write_figure(change.kind, change.before or 0.0, day_s)
    after = write_figure(change.kind, change.after or 0.0, day_s)
    if change.name == "%C&A":
        return (f"received {after} complete and accurate at '{handover.step_name}' "
                f"({before} at the window's start)")
    return f"waited {after} at '{handover.step_name}' ({before} at the window's start)"


SENTENCE_GAINS = 3  # a sentence names at most this many of the upstream's gains; the rest are counted


def _join(phrases: Sequence[str], at_most: int | None = None) -> str:
    if at_most is not None and len(phrases) > at_most:
        rest = len(phrases) - at_most
        phrases = [*phrases[:at_most], f"{rest} more of its figure{'s' if rest != 1 else ''}"]
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _upstream_side(pair: RadarPair, min_change: float) -> tuple[list[str], bool, list[str]]:
    """Return the upstream's gains, whether anything of it was read twice, and what is missing."""
    # The largest relative moves first: a sentence names only the first few.
    better = sorted((k for k in pair.kpis if k.move == "better"),
                    key=lambda k: (k.change is None, -abs(k.change or 0.0), k.name))
    gains = [kpi_gain(k) for k in better]
    read = any(k.move is not None for k in pair.kpis)
    for change in pair.upstream_figures:
        move = figure_move(change, min_change)
        read = read or move is not None
        if move == "better":
            gains.append(_stream_figure_phrase(change, pair.upstream_day_s))
    missing = []
    if not read:
        kpis = (f"none of its {len(pair.kpis)} KPIs has a trend in the window" if pair.kpis
                else "it has no KPI")
        missing.append(f"{pair.upstream_name}: {kpis}, and no figures were recorded in the window "
                       "(a review's snapshot) to compare its PCE and lead time with.")
    return gains, read, missing


def _customer_side(pair: RadarPair, min_change: float) -> tuple[list[str], bool, list[str]]:
    """Return the internal customer's losses, whether anything it receives was read twice, what is missing."""
    losses = [_outcome_loss(o) for o in pair.outcomes if o.change is not None and o.change.move == "worse"]
    read = any(o.change is not None for o in pair.outcomes)
    missing = []
    if not read:
        missing.append(f"{pair.customer_name} rated no outcome twice by one segment in the window."
                       if pair.outcomes else f"{pair.customer_name} has no outcome to rate.")
    handover = pair.handover
    if handover is None:
        missing.append(f"{pair.customer_name} names no value stream of its own, so the hand-over "
                       "into it cannot be read." if pair.downstream_id is None
                       else f"{pair.downstream_name} has no steps, so the hand-over into it cannot be read.")
        return losses, read, missing
    for change in (handover.pct_complete_accurate, handover.waiting):
        move = figure_move(change, min_change)
        read = read or move is not None
        if move == "worse":
            losses.append(_handover_loss(handover, change, pair.downstream_day_s))
    if handover.pct_complete_accurate.after is None:
        missing.append(f"The hand-over step '{handover.step_name}' has no %C&A entered.")
    return losses, read, missing


def judge_pair(pair: RadarPair, min_change: float = 0.05) -> RadarVerdict:
    """Judge whether ``pair``'s upstream improved its own figures while its internal customer lost."""
    gains, upstream_read, upstream_missing = _upstream_side(pair, min_change)
    losses, customer_read, customer_missing = _customer_side(pair, min_change)
    up, customer = pair.upstream_name, pair.customer_name
    missing = tuple(upstream_missing + customer_missing)
    if gains and losses:
        sentence = (f"{up} improved {_join(gains, SENTENCE_GAINS)} while {customer}, its internal customer, "
                    f"{_join(losses)}.")
        return RadarVerdict("alert", sentence, tuple(gains), tuple(losses), missing)
    if not (upstream_read and customer_read):
        side = (f"what {customer} receives from {up}" if upstream_read
                else f"{up}'s own figures" if customer_read
                else f"{up}'s own figures or what {customer} receives from it")
        return RadarVerdict("absent", f"Cannot compare: nothing in the window shows {side}.",
                            tuple(gains), tuple(losses), missing)
    if gains:
        sentence = (f"{up} improved {_join(gains, SENTENCE_GAINS)}, and {customer}, its internal customer, "
                    "lost nothing it measures.")
    elif losses:
        sentence = (f"{customer}, an internal customer of {up}, {_join(losses)}, but {up}'s own figures "
                    "did not improve: no sign of sub-optimization.")
    else:
        sentence = (f"Neither {up}'s own figures nor what {customer} receives from it moved beyond "
                    "their noise.")
    return RadarVerdict("clear", sentence, tuple(gains), tuple(losses), missing)
