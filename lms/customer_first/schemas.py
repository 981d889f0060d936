"""Response objects of the sub-optimization radar and the stop-doing list in the JSON API."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from lms.customer_first.radar_queries import RadarEntry
from lms.customer_first.stop_doing_queries import CandidateLine
from lms.lean.suboptimization import FigureChange, figure_move
from lms.schema_types import Out


class KpiMoveOut(Out):
    kpi_id: int
    name: str
    move: str | None = Field(description="better, worse or steady, as the drift assessment judged the KPI's "
                                         "trend in the window; null without a trend.")
    change: float | None = Field(description="Relative change of the fitted trend (0.18 = +18 %); null where "
                                             "a percentage would mislead (near zero).")


class FigureChangeOut(Out):
    name: str = Field(description="PCE, lead time, %C&A or waiting.")
    before: float | None = Field(description="At the window's start as recorded (a review's snapshot, the "
                                             "audit trail); PCE 0-1, %C&A 0-100, times in seconds.")
    after: float | None = Field(description="Now.")
    move: str | None = Field(description="better, worse or steady (a change under the organization's minimum "
                                         "relative change); null unless read at both ends.")
    since: date | None = Field(description="The day the value at the start was recorded, when known.")


class OutcomeMoveOut(Out):
    outcome_id: int
    statement: str
    change: float | None = Field(description="Newest minus oldest satisfaction of one segment in the window, "
                                             "in points; null unless rated twice by one segment.")
    margin: float | None = Field(description="Half-width of the change's 95 % interval; null without "
                                             "respondent counts.")
    move: str = Field(description="improved, worse, steady, unsettled or unrated.")


class HandoverOut(Out):
    step_id: int
    step_name: str
    pct_complete_accurate: FigureChangeOut
    waiting: FigureChangeOut


class RadarOut(Out):
    customer_id: int
    customer_name: str
    upstream_stream_id: int
    upstream_stream_name: str
    downstream_stream_id: int | None = Field(description="The value stream the internal customer is; null "
                                                         "when it names none.")
    downstream_stream_name: str | None
    status: str = Field(description="alert (the upstream gained while its internal customer lost), clear, or "
                                    "absent (a side has nothing read twice in the window: see `missing`).")
    sentence: str = Field(description="The verdict with both sides' figures.")
    upstream_gains: list[str]
    customer_losses: list[str]
    missing: list[str] = Field(description="What is missing to read a side, in sentences.")
    kpis: list[KpiMoveOut]
    upstream_figures: list[FigureChangeOut]
    outcomes: list[OutcomeMoveOut]
    handover: HandoverOut | None = Field(description="The first step of the internal customer's own stream; "
                                                     "null when it names no stream or the stream has no "
                                                     "steps.")
    window_days: int


class StopDoingOut(Out):
    outcome_id: int
    outcome_statement: str
    customer_id: int
    customer_name: str
    job_id: int
    importance: float
    satisfaction: float
    rated_on: date
    step_id: int
    step_name: str
    value_stream_id: int
    value_stream_name: str
    per_unit_s: float | None = Field(description="The step's processing time per unit (its cycle time), "
                                                 "working seconds; null without a cycle time.")
    per_week_s: float | None = Field(description="per_unit_s x daily demand x 5 working days; null without a "
                                                 "daily demand (see `missing`).")
    working_day_s: float | None = Field(description="The stream's working day, the `d` of the sentence.")
    missing: list[str]
    sentence: str


def _figure(change: FigureChange, min_change: float) -> FigureChangeOut:
    return FigureChangeOut(name=change.name, before=change.before, after=change.after,
                           move=figure_move(change, min_change), since=change.since)


def radar_out(entry: RadarEntry, window_days: int, min_change: float) -> RadarOut:
    """Render a radar entry with its evidence."""
    pair, verdict = entry.pair, entry.verdict
    handover = None if pair.handover is None else HandoverOut(
        step_id=pair.handover.step_id, step_name=pair.handover.step_name,
        pct_complete_accurate=_figure(pair.handover.pct_complete_accurate, min_change),
        waiting=_figure(pair.handover.waiting, min_change))
    return RadarOut(
        customer_id=entry.customer_id, customer_name=entry.customer_name,
        upstream_stream_id=entry.upstream_id,
        upstream_stream_name=entry.upstream_name, downstream_stream_id=entry.downstream_id,
        downstream_stream_name=entry.downstream_name, status=verdict.status, sentence=verdict.sentence,
        upstream_gains=list(verdict.gains), customer_losses=list(verdict.losses),
        missing=list(verdict.missing),
        kpis=[KpiMoveOut(kpi_id=k.kpi_id, name=k.name, move=k.move, change=k.change) for k in pair.kpis],
        upstream_figures=[_figure(f, min_change) for f in pair.upstream_figures],
        outcomes=[OutcomeMoveOut(outcome_id=o.outcome_id, statement=o.statement,
                                 change=None if o.change is None else o.change.change,
                                 margin=None if o.change is None else o.change.margin,
                                 move="unrated" if o.change is None else o.change.move)
                  for o in pair.outcomes],
        handover=handover, window_days=window_days)


def stop_doing_out(line: CandidateLine) -> StopDoingOut:
    """Render a stop-doing candidate."""
    return StopDoingOut(
        outcome_id=line.outcome_id, outcome_statement=line.outcome_statement, customer_id=line.customer_id,
        customer_name=line.customer_name, job_id=line.job_id, importance=line.importance,
        satisfaction=line.satisfaction, rated_on=line.rated_on, step_id=line.step_id,
        step_name=line.step_name,
        value_stream_id=line.stream_id, value_stream_name=line.stream_name, per_unit_s=line.per_unit_s,
        per_week_s=line.per_week_s, working_day_s=line.day_s, missing=list(line.missing),
        sentence=line.sentence)
