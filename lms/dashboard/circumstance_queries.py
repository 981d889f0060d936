"""The dashboard's circumstances left without a capable stack, largest share first.

Read with the job stacks the dashboard has loaded already: one more statement (every circumstance
of the organization, with the jobs it names), analysed in memory, cached with the other figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from lms.customers.circumstance_queries import load_circumstances
from lms.customers.queries import JobStacks
from lms.lean.circumstances import analyse_circumstance

SHOWN = 8


@dataclass(frozen=True)
class UncoveredCircumstance:
    """A circumstance of a high-level job for whose customers the stack is not capable."""

    circumstance_id: int
    name: str
    share: float | None
    share_text: str
    job_id: int
    statement: str
    customer_id: int
    reason: str


@dataclass(frozen=True)
class UncoveredCircumstances:
    """The first circumstances without a capable stack, and how many there are."""

    shown: list[UncoveredCircumstance]
    total: int


def uncovered_circumstances(stacks: JobStacks | None, limit: int = SHOWN) -> UncoveredCircumstances:
    """Return the circumstances whose stack is not capable, by share (unknown last), then name."""
    rows = load_circumstances() if stacks is not None and stacks.jobs else {}
    heads = {job.id: job for job in stacks.high_level()} if rows else {}
    found = []
    for job_id, circumstances in rows.items():
        head = heads.get(job_id)
        if head is None:
            continue
        related = [stacks.related_job(job) for job in stacks.related_of(head.id)]
        for row in circumstances:
            # Capability and the reason only: no struggles, no baseline, no coverage for a list.
            analysis = analyse_circumstance(head.id, head.statement, related, row.effect(), diagnose=False)
            if not analysis.capable:
                found.append(UncoveredCircumstance(row.id, row.name, row.share, row.share_text, head.id,
                                                   head.statement, head.customer_id, analysis.reason))
    found.sort(key=lambda c: (c.share is None, -(c.share or 0), c.name.lower(), c.circumstance_id))
    return UncoveredCircumstances(found[:limit], len(found))
