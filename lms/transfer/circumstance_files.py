"""The circumstances section of an export: read and checked like the rest, written after the jobs.

A circumstance names its high-level job, and the related jobs it makes required or rules out, by
job ref; the same rules as in the API and the forms apply (``lms.lean.circumstances``). Its
``segment`` is optional: documents written before circumstances named one still import.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lms.customers.schemas import CircumstanceIn
from lms.extensions import db
from lms.lean.circumstances import effect_errors, shares_error
from lms.lean.jobs import RelatedJob
from lms.models import Circumstance, circumstance_required_jobs, circumstance_ruled_out_jobs

KEYS = {"job", "name", "description", "share", "segment", "requires", "rules_out"}
RENAME = {"requires_job_ids": "requires", "rules_out_job_ids": "rules_out"}


def read_circumstances(doc: dict, r: Any, plan: Any) -> None:
    """Check each circumstance record by the schema of the API; refs are checked with the jobs'."""
    plan.circumstances = []
    for i, raw in enumerate(r.listed(doc.get("circumstances"), "circumstances")):
        path = f"circumstances.{i}"
        rec = r.record(raw, path, KEYS)
        if not rec:
            continue
        values = {k: rec[k] for k in ("name", "description", "share", "segment") if k in rec}
        parsed = r.schema(CircumstanceIn, values | {"requires_job_ids": rec.get("requires") or [],
                                                    "rules_out_job_ids": rec.get("rules_out") or []},
                          path, RENAME)
        plan.circumstances.append((rec, parsed, path))


def check_circumstances(r: Any, plan: Any) -> None:
    """Check that each circumstance fits its high-level job's stack, as the API would."""
    jobs = {rec["ref"]: (rec, p["model"]) for rec, p in plan.jobs if p["model"] is not None}
    names: dict[Any, set[str]] = defaultdict(set)
    segments: dict[Any, set[str]] = defaultdict(set)
    shares: dict[Any, list[float | None]] = defaultdict(list)
    for rec, parsed, path in plan.circumstances:
        head_ref = rec.get("job")
        r.points_to("job", head_ref, f"{path}.job")
        if head_ref is None:
            r.problems.add(f"{path}.job", "A circumstance belongs to a high-level job.")
        if type(head_ref) is not int or head_ref not in jobs or parsed is None:  # true is no ref
            continue
        head_rec, head = jobs[head_ref]
        if head_rec.get("parent") is not None:
            r.problems.add(f"{path}.job", "A circumstance belongs to a high-level job, not a related one.")
            continue
        related = {ref: RelatedJob(ref, m.statement, m.necessity, m.interchangeable_group, None, None)
                   for ref, (job_rec, m) in jobs.items() if job_rec.get("parent") == head_ref}
        problems = effect_errors(head.statement, related, parsed.requires_job_ids, parsed.rules_out_job_ids,
                                 unknown="The job ref {job_id} is not a related job of '{statement}'.")
        for field, messages in problems.items():
            for message in messages:
                r.problems.add(f"{path}.{RENAME[field]}", message)
        if parsed.name.lower() in names[head_ref]:
            r.problems.add(f"{path}.name",
                           f"A circumstance named '{parsed.name}' already exists for '{head.statement}'.")
        names[head_ref].add(parsed.name.lower())
        if parsed.segment is not None:
            if parsed.segment in segments[head_ref]:
                taken = f"A circumstance measured from the segment '{parsed.segment}' already exists for "
                r.problems.add(f"{path}.segment", taken + f"'{head.statement}'.")
            segments[head_ref].add(parsed.segment)
        shares[head_ref].append(parsed.share)
        if too_many := shares_error(shares[head_ref]):
            r.problems.add(f"{path}.share", too_many)


def write_circumstances(plan: Any, job_ids: dict[int, int], add: Any) -> None:
    """Insert the checked circumstances and the jobs they name (``job_ids``: job ref → new id)."""
    new_ids = add(Circumstance, "circumstances", [
        {"job_id": job_ids[rec["job"]], "name": parsed.name, "description": parsed.description,
         "share": parsed.share, "segment": parsed.segment} for rec, parsed, _ in plan.circumstances])
    for table, field in ((circumstance_required_jobs, "requires_job_ids"),
                         (circumstance_ruled_out_jobs, "rules_out_job_ids")):
        rows = [{"circumstance_id": cid, "job_id": job_ids[ref]}
                for cid, (_, parsed, _) in zip(new_ids, plan.circumstances, strict=True)
                for ref in getattr(parsed, field)]
        if rows:
            db.session.execute(table.insert(), rows)
