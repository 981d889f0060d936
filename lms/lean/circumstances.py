"""Circumstances of a job stack: groups of customers whose situation changes the stack.

Someone with high card debt must also get "reduce credit-card debt" done, though it is optional
for others (the circumstance *requires* it); someone with back problems will not run, so "run for
fitness" cannot be their member of the interchangeable group (the circumstance *rules it out*).
Capability, gaps and struggles are computed for each circumstance as for the baseline, and the
coverage is the share of customers whose stack is capable.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from lms.lean.jobs import RelatedJob, StackAnalysis, Struggle, analyse_stack, stack_gaps

# Shares are entered to a few decimals; a sum this close to 1 is 1.
SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CircumstanceEffect:
    """A circumstance as the analysis reads it: its share and the related jobs it changes."""

    circumstance_id: int
    name: str
    share: float | None
    requires_job_ids: tuple[int, ...] = ()
    rules_out_job_ids: tuple[int, ...] = ()
    share_source: str = "entered"  # or "measured" from the segment its members are recorded under
    share_note: str = ""  # a measured share's basis, or why it is absent


@dataclass(frozen=True)
class CircumstanceAnalysis:
    """The stack as customers in one circumstance (or in none: the baseline) experience it."""

    circumstance_id: int | None
    name: str
    share: float | None
    analysis: StackAnalysis
    ruled_out_groups: list[str]  # interchangeable groups every member of which it rules out
    reason: str  # why the stack is not capable for them; '' when it is
    share_source: str = "entered"
    share_note: str = ""  # a measured share's basis, or why it is absent

    @property
    def measured(self) -> bool:
        """Tell whether the share is measured from a segment rather than entered."""
        return self.share_source == "measured"

    @property
    def capable(self) -> bool:
        """Tell whether the stack is capable in this circumstance."""
        return self.analysis.capable

    @property
    def gaps(self) -> list[int]:
        """Return the job gaps in this circumstance, in stack order."""
        return self.analysis.gaps

    def as_api_dict(self) -> dict:
        """Render the analysis of a circumstance as the stack's API shows it."""
        return {
            "circumstance_id": self.circumstance_id,
            "name": self.name,
            "share": self.share,
            "share_source": self.share_source,
            "share_basis": self.share_note if self.measured and self.share is not None else None,
            "share_missing": self.share_note if self.measured and self.share is None else None,
            "capable": self.capable,
            "gaps": list(self.gaps),
            "struggles": [
                {"cause": s.cause, "message": s.message, "job_ids": list(s.job_ids)}
                for s in self.analysis.struggles
            ],
        }


@dataclass(frozen=True)
class Coverage:
    """The share of a customer's members whose stack is capable, said in a sentence."""

    share: float | None  # None when some circumstance's share is not entered
    missing: str  # why ``share`` is absent; '' when it is given
    sentence: str


def _group(job: RelatedJob) -> str:
    return job.interchangeable_group or "(unnamed group)"


def _quoted(jobs: Sequence[RelatedJob]) -> str:
    return ", ".join(f"'{job.statement}'" for job in jobs)


def _unique(values) -> list:
    return list(dict.fromkeys(values))


def _reason(kept: Sequence[RelatedJob], dropped: Sequence[RelatedJob], made_required: set[int]) -> str:
    """Say why a stack is not capable: unserved required jobs, unserved and ruled-out groups."""
    clauses = []
    for job in kept:
        if job.necessity == "required" and not job.serving_steps:
            why = ", which they need" if job.job_id in made_required else ""
            kind = "" if why else "the required job "
            clauses.append(f"no step serves {kind}'{job.statement}'{why}")
    kept_groups = _unique(_group(j) for j in kept if j.necessity == "interchangeable")
    for name in kept_groups:
        if any(j.serving_steps for j in kept if j.necessity == "interchangeable" and _group(j) == name):
            continue
        served_out = [j for j in dropped if _group(j) == name and j.serving_steps]
        if served_out:
            verb = "is" if len(served_out) == 1 else "are"
            clauses.append(f"only {_quoted(served_out)} of the group '{name}' {verb} served, "
                           f"which {verb} ruled out for them")
        else:
            clauses.append(f"no step serves any job of the interchangeable group '{name}'")
    for name in _unique(_group(j) for j in dropped if _group(j) not in kept_groups):
        clauses.append(f"every job of the interchangeable group '{name}' is ruled out for them")
    return "; ".join(clauses)


def analyse_circumstance(job_id: int, statement: str, related: Sequence[RelatedJob],
                         effect: CircumstanceEffect | None = None, *,
                         diagnose: bool = True) -> CircumstanceAnalysis:
    """Analyse a stack for the customers in one circumstance (``None``: the baseline).

    Jobs it requires count as required; members of interchangeable groups it rules out drop out of
    their group, and a group it leaves without members is a gap (its members are named). Effects on
    jobs outside the stack, and a rule-out of a job that is no group member, change nothing.
    ``diagnose=False`` leaves out the struggles (and the coverage of each job): capability, gaps and
    the reason only, for pages that list many stacks.
    """
    made_required = set(effect.requires_job_ids) if effect else set()
    ruled_out = set(effect.rules_out_job_ids) if effect else set()
    kept: list[RelatedJob] = []
    dropped: list[RelatedJob] = []
    for job in related:
        if job.job_id in ruled_out and job.necessity == "interchangeable":
            dropped.append(job)
        elif job.job_id in made_required and job.necessity != "required":
            kept.append(replace(job, necessity="required", interchangeable_group=None))
        else:
            kept.append(job)
    made_required &= {j.job_id for j in related if j.necessity != "required"}
    if diagnose:
        analysis = analyse_stack(job_id, statement, kept)
    else:
        gaps, unserved = stack_gaps(kept)
        analysis = StackAnalysis(job_id, not gaps, gaps, unserved, [], [])
    kept_groups = {_group(j) for j in kept if j.necessity == "interchangeable"}
    lost = _unique(_group(j) for j in dropped if _group(j) not in kept_groups)
    reason = _reason(kept, dropped, made_required)
    if lost or not analysis.capable:
        order = {j.job_id: n for n, j in enumerate(sorted(related, key=_stack_order))}
        gaps = sorted({*analysis.gaps, *(j.job_id for j in dropped if _group(j) in lost)}, key=order.get)
        who = f"members with '{effect.name}'" if effect else "members without a special circumstance"
        message = f"Not capable for {who}: {reason}. Make the stack for '{statement}' capable for them first."
        struggles = [Struggle("not-capable", message, gaps),
                     *(s for s in analysis.struggles if s.cause != "not-capable")] if diagnose else []
        analysis = replace(analysis, capable=False, gaps=gaps,
                           unserved_groups=[*analysis.unserved_groups, *lost], struggles=struggles)
    return CircumstanceAnalysis(
        circumstance_id=effect.circumstance_id if effect else None,
        name=effect.name if effect else "",
        share=effect.share if effect else None,
        analysis=analysis,
        ruled_out_groups=lost,
        reason=reason,
        share_source=effect.share_source if effect else "entered",
        share_note=effect.share_note if effect else "",
    )


def _stack_order(job: RelatedJob) -> tuple[bool, int, int]:
    return (job.position is None, job.position or 0, job.job_id)


def percent(share: float) -> str:
    """Write a share of customers as a percentage: '80 %', '12.5 %'."""
    value = round(share * 100, 1)
    return f"{value:.0f} %" if value == int(value) else f"{value:.1f} %"


def _share_part(c: CircumstanceAnalysis) -> str:
    if c.share is None:
        return f" (share not {'measured' if c.measured else 'entered'})"
    return f" ({percent(c.share)}{', measured' if c.measured else ''})"


def _missing(circumstances: Sequence[CircumstanceAnalysis]) -> str:
    """Say whose shares are absent: not entered, or not measured and why."""
    clauses = []
    unentered = [c.name for c in circumstances if c.share is None and not c.measured]
    if unentered:
        names = ", ".join(f"'{name}'" for name in unentered)
        noun = "share" if len(unentered) == 1 else "shares"
        verb = "is" if len(unentered) == 1 else "are"
        clauses.append(f"the {noun} of members with {names} {verb} not entered")
    clauses += [f"the share of members with '{c.name}' is not measured: {c.share_note}"
                for c in circumstances if c.share is None and c.measured]
    return "; ".join(clauses)


def coverage(baseline: CircumstanceAnalysis, circumstances: Sequence[CircumstanceAnalysis]) -> Coverage:
    """Return the share of customers with a capable stack, and say for whom it is not capable.

    The baseline (customers in no circumstance) is 1 − the sum of the circumstances' shares;
    coverage = that share if the baseline is capable, plus the shares of the capable circumstances.
    Absent, with the reason, when a circumstance's share is not entered or cannot be measured, or
    when measured shares add up to more than all customers. Measured shares are named with their basis.
    """
    missing = _missing(circumstances)
    total = sum(c.share or 0.0 for c in circumstances)
    if not missing and total > 1 + SHARE_TOLERANCE:
        missing = f"the shares of its circumstances add up to {percent(total)}, more than all its members"
    base_share = None if missing else max(0.0, 1.0 - total)
    if missing:
        share = None
    else:
        share = round((base_share if baseline.capable else 0.0)
                      + sum(c.share or 0.0 for c in circumstances if c.capable), 6)
    failing = []
    if not baseline.capable and base_share != 0.0:
        part = f" ({percent(base_share)})" if base_share is not None else ""
        failing.append(f"not for members without a special circumstance{part}: {baseline.reason}")
    for c in circumstances:
        if not c.capable:
            failing.append(f"not for members with '{c.name}'{_share_part(c)}: {c.reason}")
    basis = [f"the share of '{c.name}' is measured: {c.share_note}"
             for c in circumstances if c.measured and c.share is not None]
    if share is None:
        head = f"Share of this customer's members with a capable stack unknown: {missing}"
    elif share <= 0:
        head = "Capable for none of this customer's members"
    else:
        head = f"Capable for {percent(share)} of this customer's members"
    return Coverage(share, missing, "; ".join([head, *failing, *basis]) + ".")


def shares_error(shares: Sequence[float | None]) -> str | None:
    """Say why the shares of one stack's circumstances cannot all hold: more than all its customers."""
    total = sum(s for s in shares if s is not None)
    if total > 1 + SHARE_TOLERANCE:
        return (f"The shares of this job's circumstances would add up to {percent(total)}; "
                "together they can be at most 100 % of its customers.")
    return None


UNKNOWN_JOB = "No job with id {job_id} in your organization is a related job of '{statement}'."


def effect_errors(statement: str, related: Mapping[int, RelatedJob], requires: Sequence[int],
                  rules_out: Sequence[int], unknown: str = UNKNOWN_JOB) -> dict[str, list[str]]:
    """Check a circumstance's effect against its stack; each problem names its field.

    A circumstance may make required an optional related job of *its* stack, and rule out members
    of the stack's interchangeable groups; a job is not both. ``unknown`` words a job outside the
    stack (``{job_id}``, ``{statement}``).
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for job_id in requires:
        job = related.get(job_id)
        if job is None:
            add("requires_job_ids", unknown.format(job_id=job_id, statement=statement))
        elif job.necessity == "interchangeable":
            add("requires_job_ids", f"'{job.statement}' is a member of the interchangeable group "
                                    f"'{_group(job)}'; rule out the other members instead.")
        elif job.necessity == "required":
            add("requires_job_ids", f"'{job.statement}' is required for every customer already.")
    for job_id in rules_out:
        job = related.get(job_id)
        if job is None:
            add("rules_out_job_ids", unknown.format(job_id=job_id, statement=statement))
        elif job.necessity != "interchangeable":
            add("rules_out_job_ids", f"'{job.statement}' is no member of an interchangeable group; "
                                     "only such members can be ruled out.")
        elif job_id in requires:
            add("rules_out_job_ids", f"'{job.statement}' cannot be both required and ruled out.")
    return errors
