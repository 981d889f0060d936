"""Reads of circumstances: each stack analysed for its circumstances, and the coverage of its customers.

The circumstances of any number of stacks come in one statement (the jobs each names as
comma-joined ids), and are analysed with the stacks' coverage already loaded by
``lms.customers.queries``: no query per stack or per circumstance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import String, Table, cast, func, select

from lms.customers.queries import JobStacks, StackView, load_job_stacks
from lms.customers.segment_share_queries import SegmentedCircumstance, measure
from lms.extensions import db
from lms.lean.circumstances import (
    CircumstanceAnalysis,
    CircumstanceEffect,
    Coverage,
    analyse_circumstance,
    coverage,
    percent,
)
from lms.lean.segment_shares import MeasuredShare
from lms.models import Circumstance, Job, circumstance_required_jobs, circumstance_ruled_out_jobs


@dataclass(frozen=True)
class CircumstanceRow:
    """A circumstance as pages and the API read it."""

    id: int
    version: int
    job_id: int
    name: str
    description: str
    share: float | None  # entered, or measured from the segment
    requires_job_ids: tuple[int, ...]
    rules_out_job_ids: tuple[int, ...]
    segment: str | None = None
    measured: MeasuredShare | None = None  # when a segment is named

    @property
    def share_source(self) -> str:
        """Say where the share comes from: 'measured' from the segment, or 'entered'."""
        return "measured" if self.segment is not None else "entered"

    @property
    def share_basis(self) -> str | None:
        """Say what a measured share was counted from; None for an entered or absent one."""
        return self.measured.basis if self.measured and self.measured.share is not None else None

    @property
    def share_missing(self) -> str | None:
        """Say why a measured share is absent; None otherwise."""
        return self.measured.missing if self.measured and self.measured.share is None else None

    @property
    def measurement(self) -> dict | None:
        """Return the counts behind a measured share, for the API."""
        if self.measured is None:
            return None
        r, c = self.measured.respondents, self.measured.cases
        return {"source": self.measured.source,
                "respondents": None if r is None or not r.outcomes else {
                    "of_segment": r.of_segment, "total": r.total, "outcomes": r.outcomes,
                    "rated_up_to": r.rated_up_to, "left_out": r.left_out},
                "cases": None if c is None or not c.total else {
                    "of_segment": c.of_segment, "total": c.total, "first_day": c.first_day,
                    "last_day": c.last_day}}

    @property
    def share_text(self) -> str:
        """Write the share as a percentage, or say it is not entered (or not measured)."""
        if self.share is None:
            return "share not measured" if self.segment is not None else "share not entered"
        return percent(self.share) + (" measured" if self.segment is not None else "")

    def effect(self) -> CircumstanceEffect:
        """Return what the analysis reads of it."""
        note = (self.share_basis or self.share_missing or "") if self.segment is not None else ""
        return CircumstanceEffect(self.id, self.name, self.share, self.requires_job_ids,
                                  self.rules_out_job_ids, self.share_source, note)


@dataclass(frozen=True)
class StackCircumstances:
    """A stack's circumstances, each with its analysis, the baseline's, and the coverage."""

    job_id: int
    items: list[tuple[CircumstanceRow, CircumstanceAnalysis]]
    baseline: CircumstanceAnalysis
    coverage: Coverage

    def api_fields(self) -> dict:
        """Return what the stack's API answer adds for its circumstances."""
        return {"by_circumstance": [analysis.as_api_dict() for _, analysis in self.items],
                "coverage": self.coverage.share, "coverage_sentence": self.coverage.sentence}


def _job_ids(table: Table):
    """Select the ids of the jobs a circumstance names in ``table``, comma-joined (one value per row)."""
    return (select(func.aggregate_strings(cast(table.c.job_id, String), ","))
            .where(table.c.circumstance_id == Circumstance.id).scalar_subquery())


def _ids(text: str | None) -> tuple[int, ...]:
    return tuple(sorted(int(i) for i in text.split(","))) if text else ()


def load_circumstances(job_ids: Iterable[int] | None = None,
                       stacks: JobStacks | None = None) -> dict[int, list[CircumstanceRow]]:
    """Return the circumstances of these high-level jobs (of all when None), by job, in one statement.

    ``stacks``: the loaded stacks of every one of those jobs, whose rated outcomes give the
    respondents of measured shares (one statement fewer).
    """
    stmt = (select(Circumstance.id, Circumstance.version, Circumstance.job_id, Circumstance.name,
                   Circumstance.description, Circumstance.share, _job_ids(circumstance_required_jobs),
                   _job_ids(circumstance_ruled_out_jobs), Circumstance.segment, Job.customer_id)
            .join(Job, Job.id == Circumstance.job_id)
            .order_by(Circumstance.job_id, Circumstance.name, Circumstance.id))
    if job_ids is not None:
        wanted = sorted(set(job_ids))
        if not wanted:
            return {}
        stmt = stmt.where(Circumstance.job_id.in_(wanted))
    rows = db.session.execute(stmt).all()
    measured = measure((SegmentedCircumstance(r[0], r[2], r[9], r[8]) for r in rows if r[8] is not None),
                       None if stacks is None else stacks.newest_ratings_by_head())
    by_job: dict[int, list[CircumstanceRow]] = defaultdict(list)
    for cid, version, job_id, name, description, share, requires, rules_out, segment, _ in rows:
        by_job[job_id].append(_row(cid, version, job_id, name, description, share, _ids(requires),
                                   _ids(rules_out), segment, measured.get(cid)))
    return dict(by_job)


def _row(cid: int, version: int, job_id: int, name: str, description: str, share: float | None,
         requires: tuple[int, ...], rules_out: tuple[int, ...], segment: str | None,
         measured: MeasuredShare | None) -> CircumstanceRow:
    """Return a row whose share is the measured one when it names a segment, else the entered one."""
    if segment is not None:
        share = measured.share if measured else None
    return CircumstanceRow(cid, version, job_id, name, description, share, requires, rules_out, segment,
                           measured)


def analyse(stacks: JobStacks, job, rows: list[CircumstanceRow], *,
            diagnose: bool = True) -> StackCircumstances:
    """Analyse the stack headed by ``job`` for its baseline and each circumstance, with the coverage.

    ``diagnose=False``: capability, gaps and reasons without the struggles (lists of many stacks).
    """
    related = [stacks.related_job(j) for j in stacks.related_of(job.id)]
    baseline = analyse_circumstance(job.id, job.statement, related, diagnose=diagnose)
    items = [(row, analyse_circumstance(job.id, job.statement, related, row.effect(), diagnose=diagnose))
             for row in rows]
    return StackCircumstances(job.id, items, baseline, coverage(baseline, [a for _, a in items]))


def for_stacks(stacks: JobStacks, heads: Iterable | None = None) -> dict[int, StackCircumstances]:
    """Analyse the circumstances of loaded stacks (the given high-level jobs, or all), by job id."""
    heads = list(stacks.high_level() if heads is None else heads)
    rows = load_circumstances([job.id for job in heads], stacks)
    return {job.id: analyse(stacks, job, rows.get(job.id, [])) for job in heads}


def stack_with_circumstances(job: Job) -> tuple[StackView, StackCircumstances]:
    """Load the stack headed by ``job`` and analyse it for its circumstances."""
    loaded = load_job_stacks((Job.id == job.id) | (Job.parent_id == job.id))
    return loaded.stack(job), analyse(loaded, job, load_circumstances([job.id], loaded).get(job.id, []))


def circumstance_rows(circumstances: Iterable[Circumstance]) -> list[CircumstanceRow]:
    """Return loaded circumstance records as the API answers them, their shares measured (two statements)."""
    records = list(circumstances)
    measured = measure(SegmentedCircumstance(c.id, c.job_id, c.job.customer_id, c.segment)
                       for c in records if c.segment is not None)
    return [_row(c.id, c.version, c.job_id, c.name, c.description, c.share, tuple(c.requires_job_ids),
                 tuple(c.rules_out_job_ids), c.segment, measured.get(c.id)) for c in records]
