"""Pages of the stop-doing list and the sub-optimization radar: parse, call a service, render or redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from lms import tenancy
from lms.customer_first import bp, permissions, radar_queries, services, stop_doing_queries
from lms.dashboard.queries import organization_drift
from lms.errors import ValidationFailed
from lms.kpis.drift_queries import today
from lms.models import Outcome, Step
from lms.pagination import page_args
from lms.permissions import MEMBER, allow
from lms.reviews.services import KIND_LABELS

PER_PAGE = 25


@bp.get("/stop-doing")
@allow(MEMBER)
def stop_doing_list():
    page, per_page = page_args(request.args, PER_PAGE)
    result = stop_doing_queries.candidate_page(page, per_page)
    user = tenancy.actor()
    owners = stop_doing_queries.stream_owners({line.stream_id for line in result.items})
    may_act = {line.stream_id for line in result.items
               if permissions.may_put_on_agenda(user, owners.get(line.stream_id))}
    return render_template("customer_first/stop_doing.html", page=result, may_act=may_act)


@bp.get("/suboptimization")
@allow(MEMBER)
def radar_page():
    organization = tenancy.actor().organization
    as_of = today()
    drift = organization_drift(organization, as_of).assessments
    entries = radar_queries.build_radar(organization, as_of, drift=drift)
    return render_template("customer_first/radar.html", entries=entries)


def _back() -> str:
    wanted = request.form.get("next", "")
    # Only a path of this site: never an absolute URL an attacker could slip in.
    return wanted if wanted.startswith("/") and not wanted.startswith("//") else url_for(".stop_doing_list")


@bp.post("/stop-doing/steps/<int:step_id>/outcomes/<int:outcome_id>/finding")
@allow(permissions.PUT_ON_AGENDA)
def put_on_agenda(step_id: int, outcome_id: int):
    step, outcome = tenancy.get_or_404(Step, step_id), tenancy.get_or_404(Outcome, outcome_id)
    try:
        review, _, new = services.put_on_agenda(step, outcome, plan=request.form.get("plan") == "1")
    except services.NoReviewToJoin as missing:
        stream = missing.stream
        flash(Markup(  # noqa: S704  # nosec B704
            f"{escape(stream.name)} has no open or planned review to put “{escape(step.name)}” on. "
            f"<a href=\"{url_for('reviews.new', value_stream_id=stream.id)}\">Plan a review</a>, or use "
            "“Plan one and add it” to plan a periodic review a week ahead with this finding."), "warning")
        return redirect(_back())
    except ValidationFailed as failed:
        flash(" ".join(m for messages in failed.fields.values() for m in messages), "error")
        return redirect(_back())
    label = f"{KIND_LABELS.get(review.kind, review.kind).lower()} of {review.held_on.isoformat()}"
    flash(f"“{step.name}” is on the agenda of the {label} as an overprocessing finding." if new
          else f"“{step.name}” is already an overprocessing finding of the {label}.", "success")
    return redirect(url_for("reviews.show", review_id=review.id, _anchor="findings"))
