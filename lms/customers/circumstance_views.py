"""Pages of a job stack's circumstances: add, change and delete one; parse, call a service, redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from lms import tenancy
from lms.customers import bp
from lms.customers import circumstance_services as services
from lms.customers.circumstance_queries import circumstance_rows
from lms.customers.forms import CircumstanceForm
from lms.customers.permissions import EDIT_CUSTOMERS
from lms.customers.schemas import CircumstanceIn, CircumstancePatch
from lms.customers.segment_share_queries import known_segments
from lms.extensions import db
from lms.forms import submit
from lms.models import Circumstance, Job
from lms.permissions import MEMBER, allow
from lms.validation import validate, validate_edit


def _related(job: Job) -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.parent_id == job.id)
                                   .order_by(Job.position.is_(None), Job.position, Job.id)))


def _back_to(job: Job):
    return redirect(url_for("customers.show", customer_id=job.customer_id, _anchor=f"circumstances-{job.id}"))


def _render(form: CircumstanceForm, job: Job, circumstance: Circumstance | None, status: int):
    measured = circumstance_rows([circumstance])[0] if circumstance and circumstance.segment else None
    return render_template("customers/circumstance_form.html", form=form, job=job,
                           circumstance=circumstance, measured=measured), status


@bp.route("/jobs/<int:job_id>/circumstances/new", methods=["GET", "POST"])
@allow(EDIT_CUSTOMERS)
def new_circumstance(job_id: int):
    job = tenancy.get_or_404(Job, job_id)
    form = CircumstanceForm()
    form.set_jobs(_related(job))
    form.set_segments(known_segments(job.customer_id))
    done = submit(form, lambda: services.create_circumstance(
        job, validate(CircumstanceIn, form.data_for_schema())))
    if done.saved:
        flash(f"Circumstance '{done.result.name}' added.", "success")
        return _back_to(job)
    return _render(form, job, None, done.status)


@bp.route("/circumstances/<int:circumstance_id>/edit", methods=["GET", "POST"])
@allow(EDIT_CUSTOMERS)
def edit_circumstance(circumstance_id: int):
    circumstance = tenancy.get_or_404(Circumstance, circumstance_id)
    job = circumstance.job
    if request.method == "POST":
        form = CircumstanceForm()
    else:
        share = circumstance.share
        form = CircumstanceForm(data={
            "name": circumstance.name, "description": circumstance.description,
            "version": circumstance.version, "share": None if share is None else round(share * 100, 4),
            "requires_job_ids": circumstance.requires_job_ids,
            "rules_out_job_ids": circumstance.rules_out_job_ids, "segment": circumstance.segment or ""})
    form.set_jobs(_related(job))
    form.set_segments(known_segments(job.customer_id), circumstance.segment)
    done = submit(form, lambda: services.update_circumstance(circumstance, validate_edit(
        CircumstanceIn, CircumstancePatch, form.data_for_schema(), form.version.data)))
    if done.saved:
        flash(f"Circumstance '{circumstance.name}' saved.", "success")
        return _back_to(job)
    return _render(form, job, circumstance, done.status)


@bp.post("/circumstances/<int:circumstance_id>/delete")
@allow(EDIT_CUSTOMERS)
def delete_circumstance(circumstance_id: int):
    circumstance = tenancy.get_or_404(Circumstance, circumstance_id)
    job, name = circumstance.job, circumstance.name
    services.delete_circumstance(circumstance, version=request.form.get("version", type=int))
    flash(f"Circumstance '{name}' deleted.", "success")
    return _back_to(job)


@bp.get("/circumstances/<int:circumstance_id>")
@allow(MEMBER)
def circumstance(circumstance_id: int):
    """Show a circumstance where it lives: in its stack on the customer's page."""
    return _back_to(tenancy.get_or_404(Circumstance, circumstance_id).job)
