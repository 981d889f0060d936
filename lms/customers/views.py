"""Pages of customers, their job stacks, outcomes and ratings: parse, call a service, render."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from lms import tenancy
from lms.charts import drawings
from lms.charts.cache import chart_response
from lms.customers import bp, deletion_services, page_queries, permissions, queries, services
from lms.customers.forms import AggregateRatingForm, AnswersRatingForm, CustomerForm, JobForm, OutcomeForm
from lms.customers.permissions import EDIT_CUSTOMERS
from lms.customers.schemas import (
    CustomerIn,
    CustomerPatch,
    JobIn,
    JobPatch,
    OutcomeIn,
    OutcomePatch,
    RatingIn,
    rating_from_pasted_answers,
)
from lms.customers.segment_queries import segment_arg
from lms.forms import submit
from lms.kpis.services import kpis_for_outcome
from lms.models import Customer, Job, Outcome, ValueStream
from lms.permissions import MEMBER, allow
from lms.validation import validate, validate_edit, whole_number

# Drawn (and described) by matplotlib, imported on first use: see lms.charts.deferred.
draw_landscape = drawings("lms.charts.landscape", "landscape_figure")

CUSTOMERS_PER_PAGE = 25
STACKS_PER_PAGE = 20
RATINGS_PER_PAGE = 20


def _can_edit() -> bool:
    return permissions.may_edit(tenancy.actor())


def _page(param: str) -> int:
    return max(1, whole_number(request.args.get(param)) or 1)


def _segment() -> str | None:
    """Return the segment picked with ``?segment=``, None for all segments."""
    return segment_arg(request.args.get("segment"))


# --- Customers ------------------------------------------------------------------------------

@bp.get("/")
@allow(MEMBER)
def index():
    columns = {kind: page_queries.customers_of_kind(kind, _page(f"{kind}_page"), CUSTOMERS_PER_PAGE)
               for kind in ("external", "internal")}
    shown = columns["external"].items + columns["internal"].items
    return render_template(
        "customers/index.html", columns=columns, can_edit=_can_edit(),
        figures=page_queries.customer_figures([c.id for c in shown]),
        stream_names=tenancy.names(ValueStream, ValueStream.name, (c.value_stream_id for c in shown)),
    )


def _customer_form(form: CustomerForm) -> CustomerForm:
    form.value_stream_id.choices = [("", "— none")] + [
        (str(i), name) for i, name in tenancy.names(ValueStream, ValueStream.name).items()]
    return form


@bp.route("/new", methods=["GET", "POST"])
@allow(EDIT_CUSTOMERS)
def new_customer():
    form = _customer_form(CustomerForm(kind=request.args.get("kind", "external")))
    done = submit(form, lambda: services.create_customer(validate(CustomerIn, form.data_for_schema())))
    if done.saved:
        flash(f"Customer {done.result.name} added. Now write down the jobs they need done.", "success")
        return redirect(url_for("customers.show", customer_id=done.result.id))
    return render_template("customers/customer_form.html", form=form, customer=None), done.status


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@allow(EDIT_CUSTOMERS)
def edit_customer(customer_id: int):
    customer = tenancy.get_or_404(Customer, customer_id)
    form = _customer_form(CustomerForm(obj=customer))
    done = submit(form, lambda: services.update_customer(customer, validate_edit(
        CustomerIn, CustomerPatch, form.data_for_schema(), form.version.data)))
    if done.saved:
        flash(f"Customer {customer.name} saved.", "success")
        return redirect(url_for("customers.show", customer_id=customer.id))
    return render_template("customers/customer_form.html", form=form, customer=customer), done.status


@bp.post("/<int:customer_id>/delete")
@allow(EDIT_CUSTOMERS)
def delete_customer(customer_id: int):
    customer = tenancy.get_or_404(Customer, customer_id)
    name = customer.name
    services.delete_customer(customer, version=request.form.get("version", type=int))
    flash(f"Customer {name} deleted with its jobs and outcomes.", "success")
    return redirect(url_for("customers.index"))


@bp.get("/<int:customer_id>")
@allow(MEMBER)
def show(customer_id: int):
    customer = tenancy.get_or_404(Customer, customer_id)
    overview = page_queries.customer_overview(customer, _page("page"), STACKS_PER_PAGE, _segment())
    can_edit = _can_edit()
    reach = (deletion_services.reach(deletion_services.jobs_of_customer(customer.id), customer.id)
             if can_edit else None)
    return render_template("customers/show.html", customer=customer, overview=overview, reach=reach,
                           page=overview.stacks, can_edit=can_edit, thresholds=queries.thresholds())


@bp.get("/<int:customer_id>/landscape.svg", defaults={"fmt": "svg"})
@bp.get("/<int:customer_id>/landscape.png", defaults={"fmt": "png"})
@allow(MEMBER)
def customer_landscape(customer_id: int, fmt: str):
    customer = tenancy.get_or_404(Customer, customer_id)
    return chart_response("landscape", page_queries.customer_landscape(customer, _segment()),
                          draw_landscape[fmt], suffix=fmt)


# --- Jobs -----------------------------------------------------------------------------------

def _job_form(form: JobForm, customer_id: int, job: Job | None = None) -> JobForm:
    form.parent_id.choices = [("", "— none: this is a high-level job")] + [
        (str(i), statement) for i, statement in
        page_queries.high_level_jobs(customer_id, excluding=job.id if job else None)]
    return form


def _save_job(form: JobForm, customer: Customer, job: Job | None) -> Job:
    data = form.data_for_schema(customer.id if job is None else job.customer_id)
    if job is None:
        return services.create_job(validate(JobIn, data))
    return services.update_job(job, validate_edit(JobIn, JobPatch, data, form.version.data))


def _after_job(job: Job):
    anchor = f"job-{job.parent_id or job.id}"
    return redirect(url_for("customers.show", customer_id=job.customer_id, _anchor=anchor))


@bp.route("/<int:customer_id>/jobs/new", methods=["GET", "POST"])
@allow(EDIT_CUSTOMERS)
def new_job(customer_id: int):
    customer = tenancy.get_or_404(Customer, customer_id)
    form = _job_form(JobForm(parent_id=request.args.get("parent_id", type=int)), customer.id)
    done = submit(form, lambda: _save_job(form, customer, None))
    if done.saved:
        flash(f"Job '{done.result.statement}' added.", "success")
        return _after_job(done.result)
    return render_template("customers/job_form.html", form=form, customer=customer, job=None), done.status


@bp.route("/jobs/<int:job_id>/edit", methods=["GET", "POST"])
@allow(EDIT_CUSTOMERS)
def edit_job(job_id: int):
    job = tenancy.get_or_404(Job, job_id)
    customer = job.customer
    form = _job_form(JobForm(obj=job), customer.id, job)
    done = submit(form, lambda: _save_job(form, customer, job))
    if done.saved:
        flash(f"Job '{job.statement}' saved.", "success")
        return _after_job(job)
    reach = deletion_services.reach(deletion_services.job_and_related(job.id))
    return render_template("customers/job_form.html", form=form, customer=customer, job=job,
                           reach=reach), done.status


@bp.post("/jobs/<int:job_id>/delete")
@allow(EDIT_CUSTOMERS)
def delete_job(job_id: int):
    job = tenancy.get_or_404(Job, job_id)
    customer_id, statement = job.customer_id, job.statement
    services.delete_job(job, version=request.form.get("version", type=int))
    flash(f"Job '{statement}' deleted.", "success")
    return redirect(url_for("customers.show", customer_id=customer_id))


@bp.get("/jobs/<int:job_id>/landscape.svg", defaults={"fmt": "svg"})
@bp.get("/jobs/<int:job_id>/landscape.png", defaults={"fmt": "png"})
@allow(MEMBER)
def job_landscape(job_id: int, fmt: str):
    job = tenancy.get_or_404(Job, job_id)
    return chart_response("landscape", page_queries.job_landscape(job, _segment()), draw_landscape[fmt],
                          suffix=fmt)


# --- Outcomes and ratings -------------------------------------------------------------------

@bp.route("/jobs/<int:job_id>/outcomes/new", methods=["GET", "POST"])
@allow(EDIT_CUSTOMERS)
def new_outcome(job_id: int):
    job = tenancy.get_or_404(Job, job_id)
    form = OutcomeForm()
    done = submit(form, lambda: services.create_outcome(validate(OutcomeIn, form.data_for_schema(job.id))))
    if done.saved:
        flash("Outcome added. Enter a rating to see its opportunity score.", "success")
        return redirect(url_for("customers.outcome", outcome_id=done.result.id))
    return render_template("customers/outcome_form.html", form=form, job=job, outcome=None), done.status


@bp.route("/outcomes/<int:outcome_id>/edit", methods=["GET", "POST"])
@allow(EDIT_CUSTOMERS)
def edit_outcome(outcome_id: int):
    outcome = tenancy.get_or_404(Outcome, outcome_id)
    form = OutcomeForm(obj=outcome)
    done = submit(form, lambda: services.update_outcome(outcome, validate_edit(
        OutcomeIn, OutcomePatch, form.data_for_schema(outcome.job_id), form.version.data)))
    if done.saved:
        flash("Outcome saved.", "success")
        return redirect(url_for("customers.outcome", outcome_id=outcome.id))
    return render_template("customers/outcome_form.html", form=form, job=outcome.job, outcome=outcome), \
        done.status


@bp.post("/outcomes/<int:outcome_id>/delete")
@allow(EDIT_CUSTOMERS)
def delete_outcome(outcome_id: int):
    outcome = tenancy.get_or_404(Outcome, outcome_id)
    customer_id = outcome.job.customer_id
    services.delete_outcome(outcome, version=request.form.get("version", type=int))
    flash("Outcome deleted with its ratings.", "success")
    return redirect(url_for("customers.show", customer_id=customer_id))


def _render_outcome(outcome: Outcome, aggregate: AggregateRatingForm | None = None,
                    answers: AnswersRatingForm | None = None, status: int = 200):
    segment = _segment()
    return render_template(
        "customers/outcome.html", outcome=outcome, rated=queries.rated_outcome(outcome, segment),
        segment=segment, job=outcome.job, customer=outcome.job.customer, can_edit=_can_edit(),
        page=page_queries.rating_history(outcome, _page("page"), RATINGS_PER_PAGE, segment),
        thresholds=queries.thresholds(), kpis=kpis_for_outcome(outcome.id),
        aggregate_form=aggregate or AggregateRatingForm(prefix="aggregate"),
        answers_form=answers or AnswersRatingForm(prefix="answers"),
    ), status


@bp.get("/outcomes/<int:outcome_id>")
@allow(MEMBER)
def outcome(outcome_id: int):
    return _render_outcome(tenancy.get_or_404(Outcome, outcome_id))


@bp.post("/outcomes/<int:outcome_id>/ratings")
@allow(EDIT_CUSTOMERS)
def rate_outcome(outcome_id: int):
    outcome = tenancy.get_or_404(Outcome, outcome_id)
    form = AggregateRatingForm(prefix="aggregate")
    if submit(form, lambda: services.add_rating(outcome, validate(RatingIn, form.data_for_schema()))).saved:
        flash("Rating entered.", "success")
        return redirect(url_for("customers.outcome", outcome_id=outcome.id))
    return _render_outcome(outcome, aggregate=form, status=422)


@bp.post("/outcomes/<int:outcome_id>/answers")
@allow(EDIT_CUSTOMERS)
def rate_outcome_from_answers(outcome_id: int):
    outcome = tenancy.get_or_404(Outcome, outcome_id)
    form = AnswersRatingForm(prefix="answers")
    done = submit(form, lambda: services.add_rating(outcome, rating_from_pasted_answers(
        form.rated_on.data, form.answers.data, form.segment.data or None)))
    if done.saved:
        rating = done.result
        flash(f"Rating from {rating.respondents} respondents entered: importance "
              f"{rating.importance:.1f}, satisfaction {rating.satisfaction:.1f}.", "success")
        return redirect(url_for("customers.outcome", outcome_id=outcome.id))
    return _render_outcome(outcome, answers=form, status=422)


@bp.post("/outcomes/<int:outcome_id>/ratings/<int:rating_id>/delete")
@allow(EDIT_CUSTOMERS)
def delete_rating(outcome_id: int, rating_id: int):
    outcome = tenancy.get_or_404(Outcome, outcome_id)
    services.delete_rating(queries.rating_of(outcome, rating_id))
    flash("Rating deleted.", "success")
    return redirect(url_for("customers.outcome", outcome_id=outcome.id))
