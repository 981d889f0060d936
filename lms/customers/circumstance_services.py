"""Writes of circumstances: groups of a high-level job's customers whose situation changes its stack.

Admins and managers write; each write owns its transaction and is audited. The effect of a
circumstance must fit *its* stack (``lms.lean.circumstances.effect_errors``), and the shares of one
job's circumstances add up to at most all its customers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import audit, tenancy
from lms.customers.schemas import CircumstanceIn, CircumstancePatch, check_circumstance_rules
from lms.db import utcnow
from lms.errors import ValidationFailed, check_version
from lms.extensions import db
from lms.lean.circumstances import effect_errors, shares_error
from lms.lean.jobs import RelatedJob
from lms.models import Circumstance, Job
from lms.permissions import EDITORS
from lms.schema_types import sent

FIELDS = ("name", "description", "share", "segment")
EFFECT_FIELDS = ("requires_job_ids", "rules_out_job_ids")


def _snapshot(circumstance: Circumstance) -> dict[str, Any]:
    """Return what the trail keeps of a circumstance: its fields and the statements of the jobs it names."""
    return {**audit.snapshot(circumstance, FIELDS),
            "requires_jobs": [job.statement for job in circumstance.requires],
            "rules_out_jobs": [job.statement for job in circumstance.rules_out]}


def _related(job: Job) -> dict[int, RelatedJob]:
    rows = db.session.execute(select(Job.id, Job.statement, Job.necessity, Job.interchangeable_group)
                              .where(Job.parent_id == job.id))
    return {r.id: RelatedJob(r.id, r.statement, r.necessity, r.interchangeable_group, None, None)
            for r in rows}


def _check(job: Job, data: CircumstanceIn, circumstance: Circumstance | None = None) -> dict[int, Job]:
    """Check a circumstance against its job and stack; return the related jobs it names, by id."""
    if job.parent_id is not None:
        raise ValidationFailed({"job_id": f"'{job.statement}' is a related job; a circumstance belongs to "
                                          "the high-level job heading the stack."})
    others = select(Circumstance).where(Circumstance.job_id == job.id)
    if circumstance is not None:
        others = others.where(Circumstance.id != circumstance.id)
    siblings = list(db.session.scalars(others))
    errors: dict[str, list[str]] = {}
    if any(s.name.lower() == data.name.lower() for s in siblings):
        errors["name"] = [f"A circumstance named '{data.name}' already exists for '{job.statement}'."]
    if data.segment is not None and any(s.segment == data.segment for s in siblings):
        errors["segment"] = [f"A circumstance measured from the segment '{data.segment}' already exists for "
                             f"'{job.statement}'; a segment's members are one group."]
    share = shares_error([*(s.share for s in siblings), data.share])
    if share:
        errors["share"] = [share]
    errors |= effect_errors(job.statement, _related(job), data.requires_job_ids, data.rules_out_job_ids)
    if errors:
        raise ValidationFailed(errors)
    ids = [*data.requires_job_ids, *data.rules_out_job_ids]
    return {j.id: j for j in db.session.scalars(select(Job).where(Job.id.in_(ids)))} if ids else {}


def _apply(circumstance: Circumstance, data: CircumstanceIn, jobs: dict[int, Job]) -> None:
    circumstance.name, circumstance.description, circumstance.share = data.name, data.description, data.share
    circumstance.segment = data.segment
    circumstance.requires = [jobs[i] for i in data.requires_job_ids]
    circumstance.rules_out = [jobs[i] for i in data.rules_out_job_ids]


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent request took the name between our check and the insert.
        db.session.rollback()
        taken = "A circumstance with this name already exists for this job."
        raise ValidationFailed({"name": taken}) from None


def create_circumstance(job: Job, data: CircumstanceIn) -> Circumstance:
    """Add a circumstance to a high-level job."""
    tenancy.require(*EDITORS)
    jobs = _check(job, data)
    circumstance = Circumstance(job_id=job.id)
    _apply(circumstance, data, jobs)
    db.session.add(circumstance)
    audit.record("create", circumstance, after=_snapshot(circumstance),
                 summary=f"Circumstance '{circumstance.name}' of '{job.statement}' added")
    _commit()
    return circumstance


def update_circumstance(circumstance: Circumstance, patch: CircumstancePatch) -> Circumstance:
    """Change the fields ``patch`` sends (a list sent replaces the stored one); a stale ``patch.version``
    changes nothing."""
    tenancy.require(*EDITORS)
    check_version(circumstance, patch.version)
    stored = {name: getattr(circumstance, name) for name in (*FIELDS, *EFFECT_FIELDS)}
    data = CircumstanceIn.model_construct(**(stored | sent(patch)))
    check_circumstance_rules(data)
    job = circumstance.job
    jobs = _check(job, data, circumstance)
    before = _snapshot(circumstance)
    _apply(circumstance, data, jobs)
    before, after = audit.changed(before, _snapshot(circumstance))
    if after:
        audit.record("update", circumstance, before=before, after=after,
                     summary=f"Circumstance '{circumstance.name}' of '{job.statement}' changed")
        # A change of the jobs alone touches only the association tables: mark the row changed,
        # so its version moves and a stale copy is refused.
        circumstance.updated_at = utcnow()
    _commit()
    return circumstance


def delete_circumstance(circumstance: Circumstance, *, version: int | None = None) -> None:
    """Delete a circumstance; the jobs it named stay."""
    tenancy.require(*EDITORS)
    check_version(circumstance, version)
    audit.record("delete", circumstance,
                 summary=f"Circumstance '{circumstance.name}' of '{circumstance.job.statement}' deleted",
                 before=_snapshot(circumstance))
    db.session.delete(circumstance)
    db.session.commit()
