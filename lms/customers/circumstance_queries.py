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
from lms.extensions import db
from lms.lean.circumstances import (
    CircumstanceAnalysis,
    CircumstanceEffect,
    Coverage,
    analyse_circumstance,
    coverage,
    percent,
)
from lms.models import Circumstance, Job, circumstance_required_jobs, circumstance_ruled_out_jobs


@dataclass(frozen=True)
class CircumstanceRow:
    """A circumstance as pages and the API read it."""

    id: int
    version: int
    job_id: int
    name: str
    description: str
    share: float | None
    requires_job_ids: tuple[int, ...]
    rules_out_job_ids: tuple[int, ...]

    @property
    def share_text(self) -> str:
        """Write the share as a percentage, or say it is not entered."""
        return "share not entered" if self.share is None else percent(self.share)

    def effect(self) -> CircumstanceEffect:
        """Return what the analysis reads of it."""
        return CircumstanceEffect(self.id, self.name, self.share, self.requires_job_ids,
                                  self.rules_out_job_ids)


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


def load_circumstances(job_ids: Iterable[int] | None = None) -> dict[int, list[CircumstanceRow]]:
    """Return the circumstances of these high-level jobs (of all when None), by job, in one statement."""
    stmt = select(Circumstance.id, Circumstance.version, Circumstance.job_id, Circumstance.name,
                  Circumstance.description, Circumstance.share, _job_ids(circumstance_required_jobs),
                  _job_ids(circumstance_ruled_out_jobs)).order_by(Circumstance.job_id, Circumstance.name,
                                                                  Circumstance.id)
    if job_ids is not None:
        wanted = sorted(set(job_ids))
        if not wanted:
            return {}
        stmt = stmt.where(Circumstance.job_id.in_(wanted))
    by_job: dict[int, list[CircumstanceRow]] = defaultdict(list)
    for cid, version, job_id, name, description, share, requires, rules_out in db.session.execute(stmt):
        by_job[job_id].append(CircumstanceRow(cid, version, job_id, name, description, share,
                                              _ids(requires), _ids(rules_out)))
    return dict(by_job)


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
    rows = load_circumstances([job.id for job in heads])
    return {job.id: analyse(stacks, job, rows.get(job.id, [])) for job in heads}


def stack_with_circumstances(job: Job) -> tuple[StackView, StackCircumstances]:
    """Load the stack headed by ``job`` and analyse it for its circumstances."""
    loaded = load_job_stacks((Job.id == job.id) | (Job.parent_id == job.id))
    return loaded.stack(job), analyse(loaded, job, load_circumstances([job.id]).get(job.id, []))


def circumstance_row(circumstance: Circumstance) -> CircumstanceRow:
    """Return a loaded circumstance record as the API answers it."""
    return CircumstanceRow(circumstance.id, circumstance.version, circumstance.job_id, circumstance.name,
                           circumstance.description, circumstance.share, tuple(circumstance.requires_job_ids),
                           tuple(circumstance.rules_out_job_ids))
