"""Pages of the measured flow: import a log, map its activities, see what it measures, forecast."""

from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from lms import tenancy
from lms.charts import drawings
from lms.charts.cache import chart_response
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.flow import bp, chart_data, figure_queries, import_services, log_files, services, upload_files
from lms.flow.forms import SettingsForm, UploadForm, clock_seconds, clock_text
from lms.flow.permissions import EDIT_STREAM, may_edit
from lms.flow.schemas import FlowProfileIn
from lms.flow.synthetic_files import CSV_HEADER
from lms.forms import choices, date_arg, submit
from lms.kpis.measurement_files import RowError
from lms.models import Kpi, Outcome, ValueStream
from lms.permissions import MEMBER, allow
from lms.validation import validate, whole_number

TEMPLATE_ROWS = (
    ("Q-1001", "Receive request", "2026-03-02T09:00:00", "start", "ana", "Northwind", "enterprise"),
    ("Q-1001", "Receive request", "2026-03-02T09:30:00", "complete", "ana", "Northwind", "enterprise"),
    ("Q-1001", "Approve", "2026-03-03T10:00:00", "start", "ben", "Northwind", "enterprise"),
    ("Q-1001", "Approve", "2026-03-03T10:20:00", "complete", "ben", "Northwind", "enterprise"),
)

# Drawn by matplotlib (as PNG and as SVG), imported on first use: see lms.charts.deferred.
DRAWINGS = {"lead-times": drawings("lms.charts.flow", "lead_time_figure"),
            "throughput": drawings("lms.charts.flow", "throughput_figure"),
            "cumulative-flow": drawings("lms.charts.flow", "cumulative_flow_figure")}


@bp.context_processor
def _helpers() -> dict:
    return {"can_edit": lambda stream: may_edit(stream, tenancy.actor()), "clock_text": clock_text}


def _stream(stream_id: int) -> ValueStream:
    return tenancy.get_or_404(ValueStream, stream_id)


def _float_arg(name: str, low: float, high: float) -> float | None:
    value = request.args.get(name, type=float)
    return value if value is not None and low <= value <= high else None


# The measured flow ------------------------------------------------------------------------


def _settings_form(stream: ValueStream) -> SettingsForm:
    profile = services.profile_of(stream)
    form = SettingsForm(data={"workday_start": clock_text(profile.workday_starts_at_s),
                              "tolerance_pct": profile.tolerance_pct,
                              "outcome_id": str(profile.outcome_id or ""),
                              "kpi_id": str(profile.kpi_id or ""), "version": profile.version or ""})
    outcomes = db.session.execute(select(Outcome.id, Outcome.statement).order_by(Outcome.statement))
    form.outcome_id.choices = choices(list(outcomes), blank="— none —")
    kpis = db.session.execute(select(Kpi.id, Kpi.name).order_by(Kpi.name))
    form.kpi_id.choices = choices(list(kpis), blank="— none —")
    return form


@bp.get("/<int:stream_id>/flow")
@allow(MEMBER)
def show(stream_id: int):
    return _show_page(_stream(stream_id))


def _show_page(stream: ValueStream, settings: SettingsForm | None = None, status: int = 200):
    since, until = date_arg("from"), date_arg("to")
    flow = figure_queries.measured_flow(stream, since, until)
    profile = services.profile_of(stream)
    charts = chart_data.specs(stream, flow)
    outlook = figure_queries.forecast(stream, flow, confidence=_float_arg("confidence", 0.5, 0.99) or 0.85,
                                      within_days=_float_arg("within", 0, 10_000), by=date_arg("by"),
                                      wip_limit=_float_arg("wip", 0, 1_000_000))
    return render_template(
        "flow/show.html", stream=stream, flow=flow, profile=profile, outlook=outlook,
        comparisons=figure_queries.compare_steps(stream, flow, profile.tolerance_pct),
        satisfaction=figure_queries.outcome_satisfaction(profile.outcome_id),
        kpi=tenancy.find(Kpi, profile.kpi_id), settings=settings or _settings_form(stream),
        alt=chart_data.alt_texts(flow, charts),
        # The charts show the page's period and nothing else the address carries.
        period={name: request.args[name] for name in ("from", "to") if name in request.args},
        unmapped=[(a, n) for a, n in figure_queries.activities(stream) if a.step_id is None],
    ), status


def _chart(stream_id: int, kind: str, fmt: str) -> Response:
    stream = _stream(stream_id)
    flow = figure_queries.measured_flow(stream, date_arg("from"), date_arg("to"))
    spec = chart_data.specs(stream, flow)[kind]
    return chart_response(f"flow-{kind}", spec, DRAWINGS[kind][fmt], suffix=fmt)


@bp.get("/<int:stream_id>/flow/lead-times.svg", defaults={"fmt": "svg"})
@bp.get("/<int:stream_id>/flow/lead-times.png", defaults={"fmt": "png"})
@allow(MEMBER)
def lead_times_chart(stream_id: int, fmt: str):
    return _chart(stream_id, "lead-times", fmt)


@bp.get("/<int:stream_id>/flow/throughput.svg", defaults={"fmt": "svg"})
@bp.get("/<int:stream_id>/flow/throughput.png", defaults={"fmt": "png"})
@allow(MEMBER)
def throughput_chart(stream_id: int, fmt: str):
    return _chart(stream_id, "throughput", fmt)


@bp.get("/<int:stream_id>/flow/cumulative-flow.svg", defaults={"fmt": "svg"})
@bp.get("/<int:stream_id>/flow/cumulative-flow.png", defaults={"fmt": "png"})
@allow(MEMBER)
def cumulative_flow_chart(stream_id: int, fmt: str):
    return _chart(stream_id, "cumulative-flow", fmt)


@bp.post("/<int:stream_id>/flow/settings")
@allow(EDIT_STREAM)
def settings(stream_id: int):
    stream = _stream(stream_id)
    form = _settings_form(stream)
    done = submit(form, lambda: services.save_profile(stream, _profile(form), version=whole_number(
        form.version.data)))
    if done.saved:
        flash("Flow settings saved.", "success")
        return redirect(url_for("flow.show", stream_id=stream.id))
    return _show_page(stream, form, 409 if done.status == 409 else 422)


def _profile(form: SettingsForm) -> FlowProfileIn:
    return validate(FlowProfileIn, {
        "workday_starts_at_s": clock_seconds(form.workday_start.data),
        "tolerance_pct": form.tolerance_pct.data,
        "outcome_id": whole_number(form.outcome_id.data), "kpi_id": whole_number(form.kpi_id.data)})


@bp.post("/<int:stream_id>/flow/adopt")
@allow(EDIT_STREAM)
def adopt(stream_id: int):
    stream = _stream(stream_id)
    flow = figure_queries.measured_flow(stream)
    profile = services.profile_of(stream)
    wanted = request.form.get("step_id", type=int)
    compared = figure_queries.compare_steps(stream, flow, profile.tolerance_pct)
    adoptions = {c.step.id: c.adoption for c in compared
                 if c.adoption and (wanted is None or c.step.id == wanted)}
    changed = services.adopt_measured(stream, adoptions)
    if changed:
        flash(f"Measured figures adopted for {', '.join(changed)}; the map counts as verified today.",
              "success")
    else:
        flash("Nothing to adopt: every entered figure is within the tolerance.", "info")
    return redirect(url_for("flow.show", stream_id=stream.id, _anchor="drawn-measured"))


@bp.post("/<int:stream_id>/flow/feed-kpi")
@allow(EDIT_STREAM)
def feed_kpi(stream_id: int):
    stream = _stream(stream_id)
    kpi = tenancy.find(Kpi, services.profile_of(stream).kpi_id)
    if kpi is None:
        flash("Choose the KPI the log feeds in the flow settings first.", "warning")
    else:
        count = services.feed_kpi(stream, kpi, figure_queries.weekly_medians(stream))
        flash(f"{count} weekly median lead times entered into {kpi.name}.", "success")
    return redirect(url_for("flow.show", stream_id=stream.id))


# Importing a log --------------------------------------------------------------------------


@bp.get("/<int:stream_id>/events/template.csv")
@allow(MEMBER)
def template(stream_id: int):
    stream = _stream(stream_id)
    lines = [",".join(CSV_HEADER)] + [",".join(row) for row in TEMPLATE_ROWS]
    disposition = f'attachment; filename="event-log-{stream.id}-template.csv"'
    return Response("\n".join(lines) + "\n", mimetype="text/csv",
                    headers={"Content-Disposition": disposition})


def _import_page(stream: ValueStream, form: UploadForm | None = None, errors: list[RowError] | None = None,
                 status: int = 200):
    return render_template("flow/import.html", stream=stream, form=form or UploadForm(), errors=errors,
                           roles=log_files.ROLE_LABELS, events=figure_queries.activities(stream)), status


@bp.route("/<int:stream_id>/events/import", methods=["GET", "POST"])
@allow(EDIT_STREAM)
def upload(stream_id: int):
    stream = _stream(stream_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _import_page(stream, form, status=422 if request.method == "POST" else 200)
    upload_file = form.log.data
    fmt = services.format_of(upload_file.filename or "", upload_file.mimetype or "")
    if fmt is None:
        return _import_page(stream, form, [RowError(None, "file", "Choose a .csv or .xes file.")], 422)
    token = upload_files.keep(upload_file.stream, stream.organization_id, stream.id, fmt)
    if fmt == "xes":  # nothing to map: its import starts at once
        return _start_import(stream, token, "xes", None, _source(upload_file.filename, "upload.xes"))
    return redirect(url_for("flow.columns", stream_id=stream.id, upload=token,
                            name=_source(upload_file.filename, "upload.csv")))


def _source(filename: str | None, default: str) -> str:
    """Name an upload in the audit trail and on the status page by its file's own name."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:100] or default


def _start_import(stream: ValueStream, token: str, fmt: str, mapping: dict[str, str | None] | None,
                  source: str):
    target = url_for("flow.import_status", stream_id=stream.id, token=token)
    import_services.start(stream, token, fmt, mapping, source)  # ends the request's transaction
    return redirect(target)


def _columns_page(stream: ValueStream, token: str, errors: list[RowError] | None = None, status: int = 200):
    path = upload_files.path_of(token, stream.organization_id, stream.id)
    if path is None:
        flash("That upload is gone (uploads are kept for a day): choose the file again.", "warning")
        return redirect(url_for("flow.upload", stream_id=stream.id))
    with path.open("rb") as handle:
        header, sample = log_files.csv_preview(handle)
    chosen = {role: request.form.get(f"column-{role}") or None for role in log_files.ROLES} \
        if request.method == "POST" else log_files.guess_mapping(header)
    return render_template("flow/columns.html", stream=stream, token=token, header=header, sample=sample,
                           name=_source(request.values.get("name"), "upload.csv"),
                           chosen=chosen, roles=log_files.ROLE_LABELS, required=log_files.REQUIRED_ROLES,
                           errors=errors), status


@bp.route("/<int:stream_id>/events/columns", methods=["GET", "POST"])
@allow(EDIT_STREAM)
def columns(stream_id: int):
    stream = _stream(stream_id)
    token = request.values.get("upload", "")
    if request.method == "GET":
        return _columns_page(stream, token)
    path = upload_files.path_of(token, stream.organization_id, stream.id)
    if path is None:
        return _columns_page(stream, token)
    mapping = {role: request.form.get(f"column-{role}") or None for role in log_files.ROLES}
    with path.open("rb") as handle:
        header, _ = log_files.csv_preview(handle, rows=0)
    errors = log_files.mapping_errors(header, mapping)
    if errors:
        return _columns_page(stream, token, errors, 422)
    return _start_import(stream, token, "csv", mapping, _source(request.form.get("name"), "upload.csv"))


@bp.get("/<int:stream_id>/events/imports/<token>")
@allow(EDIT_STREAM)
def import_status(stream_id: int, token: str):
    stream = _stream(stream_id)
    status = import_services.read_status(token, stream.organization_id, stream.id)
    if status is None:
        abort(404)
    if status.state == import_services.DONE:
        target = "flow.activities" if status.result and status.result["unmapped"] else "flow.show"
        next_url = url_for(target, stream_id=stream.id)
    else:
        next_url = url_for("flow.upload", stream_id=stream.id)
    return render_template("flow/import_status.html", stream=stream, status=status, token=token,
                           next_url=next_url, errors=status.row_errors,
                           status_url=url_for("flow.import_status_json", stream_id=stream.id, token=token))


@bp.get("/<int:stream_id>/events/imports/<token>/status.json")
@allow(EDIT_STREAM)
def import_status_json(stream_id: int, token: str):
    stream = _stream(stream_id)
    status = import_services.read_status(token, stream.organization_id, stream.id)
    if status is None:
        abort(404)
    response = jsonify(status.as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


# Activities -> steps ----------------------------------------------------------------------


@bp.get("/<int:stream_id>/activities")
@allow(MEMBER)
def activities(stream_id: int):
    return _activities_page(_stream(stream_id))


def _activities_page(stream: ValueStream, errors: dict | None = None, status: int = 200):
    rows = figure_queries.activities(stream)
    steps = figure_queries.steps_of(stream)
    return render_template("flow/activities.html", stream=stream, rows=rows, steps=steps,
                           step_names={s.id: s.name for s in steps}, errors=errors or {},
                           unmapped_events=sum(n for a, n in rows if a.step_id is None),
                           total_events=sum(n for _, n in rows)), status


@bp.post("/<int:stream_id>/activities")
@allow(EDIT_STREAM)
def map_activities(stream_id: int):
    stream = _stream(stream_id)
    chosen: dict[int, int | None] = {}
    for key, value in request.form.items():
        if key.startswith("activity-") and key.removeprefix("activity-").isdigit():
            chosen[int(key.removeprefix("activity-"))] = int(value) if value.isdigit() else None
    try:
        changed = services.map_activities(stream, chosen)
    except ValidationFailed as failed:
        return _activities_page(stream, failed.fields, 422)
    flash(f"{changed} activities mapped." if changed else "No mapping changed.", "success")
    return redirect(url_for("flow.activities", stream_id=stream.id))

