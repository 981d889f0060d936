"""Job-stack analysis: is a high-level job's stack capable, coordinated and well executed.

The struggle diagnosis follows the order the theory fixes struggles in: make the stack
capable, then coordinate it, then execute each prime job better.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lms.lean.durations import format_duration

NECESSITIES = ("required", "optional", "interchangeable")
COORDINATIONS = ("concurrent", "sequential", "co-executed")
DIMENSIONS = ("functional", "emotional", "social")
STRUGGLE_CAUSES = ("not-capable", "poorly-coordinated", "poorly-executed")

# Interchangeable jobs left without a group name are taken as interchangeable with
# each other: the person meant "any one of these", not one group per job.
UNNAMED_GROUP = "(unnamed group)"


@dataclass(frozen=True)
class ServingStep:
    """A step, in any value stream of the organization, that serves a related job.

    It may stand for several steps of one value stream and one owner that serve the same job
    (``also_step_ids`` names the others), their times added up: the analysis reads nothing else
    of a step, so a stack comes out the same from one row per step or one per stream and owner.
    """

    step_id: int
    value_stream_id: int
    owner_id: int | None
    processing_s: float
    waiting_s: float
    day_s: float | None = None  # the working day of the step's stream; None when it has none
    also_step_ids: tuple[int, ...] = ()

    @property
    def step_ids(self) -> tuple[int, ...]:
        """Return the ids of every step this stands for."""
        return (self.step_id, *self.also_step_ids)


@dataclass(frozen=True)
class RelatedJob:
    """A related job in a high-level job's stack, with the steps that serve it."""

    job_id: int
    statement: str
    necessity: str
    interchangeable_group: str | None
    coordination: str | None
    position: int | None
    serving_steps: tuple[ServingStep, ...] = ()
    underserved_outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelatedCoverage:
    """Which steps serve one related job."""

    job_id: int
    necessity: str
    interchangeable_group: str | None
    served_by_step_ids: list[int]
    served: bool


@dataclass(frozen=True)
class Struggle:
    """A cause of struggle with a high-level job, said so a manager can act on it."""

    cause: str
    message: str
    job_ids: list[int]


@dataclass(frozen=True)
class StackAnalysis:
    """The capability, gaps and struggles of one high-level job's stack."""

    job_id: int
    capable: bool
    gaps: list[int]
    unserved_groups: list[str]
    related: list[RelatedCoverage]
    struggles: list[Struggle]

    def as_api_dict(self) -> dict:
        """Render the analysis as the JSON API shows it."""
        return {
            "job_id": self.job_id,
            "capable": self.capable,
            "gaps": list(self.gaps),
            "related": [
                {
                    "job_id": item.job_id,
                    "necessity": item.necessity,
                    "interchangeable_group": item.interchangeable_group,
                    "served_by_step_ids": list(item.served_by_step_ids),
                }
                for item in self.related
            ],
            "struggles": [
                {"cause": s.cause, "message": s.message, "job_ids": list(s.job_ids)}
                for s in self.struggles
            ],
        }


def analyse_stack(job_id: int, statement: str, related: Sequence[RelatedJob]) -> StackAnalysis:
    """Analyse a high-level job's stack of related jobs."""
    for job in related:
        _check_related(job)
    ordered = sorted(related, key=_stack_order)
    gaps, unserved_groups = _gaps(ordered)
    struggles = [
        *_not_capable(statement, ordered, gaps, unserved_groups),
        *_poorly_coordinated(ordered),
        *_poorly_executed(ordered),
    ]
    return StackAnalysis(
        job_id=job_id,
        capable=not gaps,
        gaps=gaps,
        unserved_groups=unserved_groups,
        related=[_coverage(job) for job in ordered],
        struggles=struggles,
    )


def stack_gaps(related: Sequence[RelatedJob]) -> tuple[list[int], list[str]]:
    """Return a stack's gaps (in stack order) and unserved groups, without the struggle diagnosis."""
    return _gaps(sorted(related, key=_stack_order))


@dataclass(frozen=True)
class CapabilityChange:
    """What serving a stack's jobs another way would change: the gaps it closes and opens."""

    job_id: int
    capable_before: bool
    capable_after: bool
    gaps_closed: list[int]
    gaps_opened: list[int]


def capability_change(before: StackAnalysis, after: StackAnalysis) -> CapabilityChange | None:
    """Compare two analyses of one stack (as served today, and as a plan would serve it).

    None when the plan closes and opens no gap; the gaps keep stack order.
    """
    if before.job_id != after.job_id:
        raise ValueError(f"two different stacks: {before.job_id} and {after.job_id}")
    closed = [job_id for job_id in before.gaps if job_id not in after.gaps]
    opened = [job_id for job_id in after.gaps if job_id not in before.gaps]
    if not closed and not opened:
        return None
    return CapabilityChange(before.job_id, before.capable, after.capable, closed, opened)


def would_create_cycle(
    job_id: int, new_parent_id: int | None, parent_of: Mapping[int, int | None]
) -> bool:
    """Tell whether making new_parent_id the parent of job_id would close a cycle."""
    seen: set[int] = set()
    current = new_parent_id
    while current is not None and current not in seen:
        if current == job_id:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False


def _check_related(job: RelatedJob) -> None:
    """Reject a related job whose necessity or coordination is not one the theory knows."""
    if job.necessity not in NECESSITIES:
        raise ValueError(f"job {job.job_id}: necessity {job.necessity!r} not in {NECESSITIES}")
    if job.coordination is not None and job.coordination not in COORDINATIONS:
        raise ValueError(
            f"job {job.job_id}: coordination {job.coordination!r} not in {COORDINATIONS}"
        )


def _stack_order(job: RelatedJob) -> tuple[bool, int, int]:
    """Sort by position, jobs without one last, then by job id."""
    return (job.position is None, job.position or 0, job.job_id)


def _step_ids(job: RelatedJob) -> list[int]:
    """Return the distinct ids of the steps serving a job, ascending."""
    return sorted({step_id for step in job.serving_steps for step_id in step.step_ids})


def _coverage(job: RelatedJob) -> RelatedCoverage:
    """Describe which steps serve a related job."""
    step_ids = _step_ids(job)
    return RelatedCoverage(
        job_id=job.job_id,
        necessity=job.necessity,
        interchangeable_group=job.interchangeable_group,
        served_by_step_ids=step_ids,
        served=bool(step_ids),
    )


def _group_name(job: RelatedJob) -> str:
    """Name the interchangeable group a job belongs to."""
    return job.interchangeable_group or UNNAMED_GROUP


def _interchangeable_groups(ordered: Sequence[RelatedJob]) -> dict[str, list[RelatedJob]]:
    """Collect interchangeable jobs by group, groups in order of their first member."""
    groups: dict[str, list[RelatedJob]] = {}
    for job in ordered:
        if job.necessity == "interchangeable":
            groups.setdefault(_group_name(job), []).append(job)
    return groups


def _gaps(ordered: Sequence[RelatedJob]) -> tuple[list[int], list[str]]:
    """Return the gap job ids (in stack order) and the names of unserved groups."""
    groups = _interchangeable_groups(ordered)
    unserved_groups = [
        name for name, members in groups.items() if not any(m.serving_steps for m in members)
    ]
    gaps = [
        job.job_id
        for job in ordered
        if (job.necessity == "required" and not job.serving_steps)
        or (job.necessity == "interchangeable" and _group_name(job) in unserved_groups)
    ]
    return gaps, unserved_groups


def _quoted(jobs: Iterable[RelatedJob]) -> str:
    """Quote job statements for a message."""
    return ", ".join(f"'{job.statement}'" for job in jobs)


def _not_capable(
    statement: str,
    ordered: Sequence[RelatedJob],
    gaps: Sequence[int],
    unserved_groups: Sequence[str],
) -> list[Struggle]:
    """Name the gaps that keep the stack from being capable."""
    if not gaps:
        return []
    missing = [j for j in ordered if j.necessity == "required" and not j.serving_steps]
    clauses = []
    if missing:
        noun = "required job" if len(missing) == 1 else f"{len(missing)} required jobs"
        clauses.append(f"no step serves the {noun} {_quoted(missing)}")
    groups = _interchangeable_groups(ordered)
    clauses += [
        f"no step serves any job of the interchangeable group '{name}' ({_quoted(groups[name])})"
        for name in unserved_groups
    ]
    message = f"Not capable: {'; '.join(clauses)}. Make the stack for '{statement}' capable first."
    return [Struggle("not-capable", message, list(gaps))]


def _poorly_coordinated(ordered: Sequence[RelatedJob]) -> list[Struggle]:
    """Find sequential hand-overs that wait, co-executed hand-offs and scattered services."""
    struggles = [*_waiting_sequence(ordered)]
    struggles += [s for job in ordered if (s := _co_executed_handoffs(job))]
    struggles += _scattered_concurrent(ordered)
    return struggles


def _waiting_sequence(ordered: Sequence[RelatedJob]) -> list[Struggle]:
    """Flag sequential jobs whose steps, taken together, wait longer than they are worked."""
    jobs = [j for j in ordered if j.coordination == "sequential" and j.serving_steps]
    steps = {step.step_ids: step for job in jobs for step in job.serving_steps}
    waiting_s = sum(step.waiting_s for step in steps.values())
    processing_s = sum(step.processing_s for step in steps.values())
    if waiting_s <= processing_s:
        return []
    # Working days when every step's stream has the same one; else hours, which they all share.
    days = {step.day_s for step in steps.values()}
    day_s = days.pop() if len(days) == 1 else None
    message = (
        f"Poorly coordinated: the sequential jobs {_quoted(jobs)} wait "
        f"{format_duration(waiting_s, day_s)} in total but are worked "
        f"{format_duration(processing_s, day_s)}; "
        "make each hand-over to the next job seamless."
    )
    return [Struggle("poorly-coordinated", message, [j.job_id for j in jobs])]


def _co_executed_handoffs(job: RelatedJob) -> Struggle | None:
    """Flag a co-executed job served across several value streams or owners."""
    if job.coordination != "co-executed":
        return None
    streams = {step.value_stream_id for step in job.serving_steps}
    owners = {step.owner_id for step in job.serving_steps if step.owner_id is not None}
    if len(streams) < 2 and len(owners) < 2:
        return None
    message = (
        f"Poorly coordinated: the co-executed job '{job.statement}' passes between "
        f"{len(streams)} value stream{'s' if len(streams) != 1 else ''} and "
        f"{len(owners)} owner{'s' if len(owners) != 1 else ''}; "
        "reduce or automate each hand-off."
    )
    return Struggle("poorly-coordinated", message, [job.job_id])


def _scattered_concurrent(ordered: Sequence[RelatedJob]) -> list[Struggle]:
    """Flag concurrent jobs served from several value streams that one service could do."""
    jobs = [j for j in ordered if j.coordination == "concurrent" and j.serving_steps]
    streams = {step.value_stream_id for job in jobs for step in job.serving_steps}
    if len(streams) < 2:
        return []
    message = (
        f"Poorly coordinated: the concurrent jobs {_quoted(jobs)} are served by "
        f"{len(streams)} value streams; they could be consolidated into one service."
    )
    return [Struggle("poorly-coordinated", message, [j.job_id for j in jobs])]


def _poorly_executed(ordered: Sequence[RelatedJob]) -> list[Struggle]:
    """Name the related jobs whose success outcomes are underserved."""
    struggles = []
    for job in ordered:
        if not job.underserved_outcomes:
            continue
        count = len(job.underserved_outcomes)
        outcomes = ", ".join(f"'{o}'" for o in job.underserved_outcomes)
        message = (
            f"Poorly executed: '{job.statement}' has {count} underserved success "
            f"outcome{'s' if count != 1 else ''} ({outcomes}); execute this job better."
        )
        struggles.append(Struggle("poorly-executed", message, [job.job_id]))
    return struggles
