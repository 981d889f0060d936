"""KPI pages: the list with drift status, a KPI with its chart, links and measurements."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm.exc import StaleDataError

from lms import deletion, tenancy
from lms import people as people_lookup
from lms.charts import deferred, drawings
from lms.charts.cache import chart_response
from lms.errors import ValidationFailed, VersionConflict
from lms.extensions import db
from lms.forms import apply_field_errors, grouped, people_choices
from lms.kpis import bp, drift_queries, permissions, queries, services
from lms.kpis.forms import (
    STATUS_LABELS,
    FilterForm,
    ImportForm,
    KpiForm,
    LinkForm,
    MeasurementForm,
    NewKpiForm,
    flat,
)
from lms.kpis.measurement_files import ImportRejected, RowError
from lms.kpis.permissions import EDIT_KPIS, MEASURE
from lms.kpis.schemas import KpiIn, KpiOutcomeLinkIn, KpiPatch, MeasurementIn
from lms.lean.drift import STATUSES
from lms.lean.segments import segment_arg
from lms.models import Kpi
from lms.pagination import page_args
from lms.permissions import MEMBER, allow
from lms.transfer import measurement_services as transfer_measurement_services
from lms.transfer import preview_files as transfer_preview_files
from lms.transfer.measurement_views import measurements_preview, write_measurements
from lms.validation import validate, whole_number

# Drawn (and described) by matplotlib, imported on first use: see lms.charts.deferred.
describe_kpi_trend = deferred("lms.charts.kpi_trend", "describe_kpi_trend")
draw_kpi_trend = drawings("lms.charts.kpi_trend", "kpi_trend_figure")

KPI_FORM_FIELDS = ("name", "unit", "direction", "target", "value_stream_id", "step_id", "owner_id",
                   "description")
OPTIONAL = {"target", "value_stream_id", "step_id", "owner_id"}


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name))


def _segment() -> str | None:
    """Return the segment picked with ``?segment=``, None for every segment."""
    return segment_arg(request.args.get("segment"))


def _as_of() -> date | None:
    try:
        return date.fromisoformat(request.args.get("as_of", ""))
    except ValueError:
        return None


@bp.get("/")
@allow(MEMBER)
def index():
    filters = services.KpiFilters(
        status=request.args.get("status") if request.args.get("status") in STATUSES else None,
        customer_id=_int_arg("customer_id"), value_stream_id=_int_arg("value_stream_id"),
        owner_id=_int_arg("owner_id"))
    page, per_page = page_args(request.args)
    listed = services.list_kpis(filters, page, per_page, links=False)
    streams, people, customers = queries.stream_names(), people_lookup.names(), queries.customer_names()
    form = FilterForm(request.args)
    form.customer_id.choices = flat(customers, "Any customer")
    form.value_stream_id.choices = flat(streams, "Any value stream")
    form.owner_id.choices = flat(people_lookup.offered(filters.owner_id), "Anyone")
    orphans, orphan_total = services.orphan_kpis()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("kpis/index.html", listed=listed, form=form, streams=streams, people=people,
                           orphans=orphans, orphan_total=orphan_total, args=args, filtered=bool(args),
                           may_edit=permissions.may_edit_kpis(tenancy.actor()))


def _form_data(form: KpiForm) -> dict:
    data = {name: (getattr(form, name).data or "") for name in KPI_FORM_FIELDS}
    for name in OPTIONAL:
        if isinstance(data[name], str) and not data[name].strip():
            data[name] = None
    if data["value_stream_id"] is None and data["step_id"] is not None:
        data.pop("value_stream_id")  # take the stream from the step
    return data


def _fill_choices(form: KpiForm) -> None:
    form.value_stream_id.choices = flat(queries.stream_names(), "— none —")
    form.step_id.choices = grouped(queries.step_choices(), "— none —")
    form.owner_id.choices = people_choices(form.owner_id.data)
    if isinstance(form, NewKpiForm):
        form.outcome_id.choices = grouped(queries.outcome_choices(), "— choose later —")


def _show_errors(form, failed: ValidationFailed) -> None:
    fields = {}
    for key, messages in failed.fields.items():
        name = key
        if key.startswith("outcome_links") and hasattr(form, "outcome_id"):
            name = "rationale" if key.endswith("rationale") else "outcome_id"
        fields.setdefault(name, []).extend(messages)
    apply_field_errors(form, ValidationFailed(fields))


@bp.route("/new", methods=["GET", "POST"])
@allow(EDIT_KPIS)
def new():
    form = NewKpiForm()
    _fill_choices(form)
    if form.validate_on_submit():
        data = _form_data(form)
        if form.outcome_id.data:
            data["outcome_links"] = [{"outcome_id": form.outcome_id.data, "rationale": form.rationale.data}]
        try:
            kpi = services.create_kpi(validate(KpiIn, data))
        except ValidationFailed as failed:
            _show_errors(form, failed)
        else:
            flash(f"KPI {kpi.name} created.", "success")
            return redirect(url_for("kpis.show", kpi_id=kpi.id))
    return render_template("kpis/form.html", form=form, kpi=None), 422 if form.errors else 200


@bp.route("/<int:kpi_id>/edit", methods=["GET", "POST"])
@allow(EDIT_KPIS)
def edit(kpi_id: int):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    form = KpiForm(obj=kpi)
    _fill_choices(form)
    if request.method == "GET":
        form.target.data = "" if kpi.target is None else f"{kpi.target:g}"
    if form.validate_on_submit():
        data = _form_data(form) | {"version": form.version.data}
        try:
            services.update_kpi(kpi, validate(KpiPatch, data))
        except ValidationFailed as failed:
            _show_errors(form, failed)
        else:
            flash(f"KPI {kpi.name} saved.", "success")
            return redirect(url_for("kpis.show", kpi_id=kpi.id))
    return render_template("kpis/form.html", form=form, kpi=kpi), 422 if form.errors else 200


@bp.post("/<int:kpi_id>/delete")
@allow(EDIT_KPIS)
def delete(kpi_id: int):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    name = kpi.name
    services.delete_kpi(kpi, version=_int_form("version"))
    flash(f"KPI {name} deleted with its measurements.", "success")
    return redirect(url_for("kpis.index"))


def _int_form(name: str) -> int | None:
    return whole_number(request.form.get(name))


def render_show(kpi: Kpi, *, status: int = 200, measurement_form: MeasurementForm | None = None,
                link_form: LinkForm | None = None, import_form: ImportForm | None = None,
                import_errors: list[RowError] | None = None):
    """Render a KPI's page, with the forms (and their errors) of a failed post if there was one."""
    user = tenancy.actor()
    as_of = _as_of()
    segment = _segment()
    drift = drift_queries.assess_kpi(kpi, as_of, segment)
    spec = drift_queries.trend_spec(kpi, as_of, segment)
    page, per_page = page_args(request.args, default_per_page=20)
    measurements = services.paginate_measurements(kpi, page, per_page)
    link_form = link_form or LinkForm(formdata=None, version=kpi.version)
    link_form.outcome_id.choices = grouped(queries.outcome_choices(), "Choose an outcome")
    return render_template(
        "kpis/show.html", kpi=kpi, drift=drift, as_of=as_of, spec=spec, segment=segment,
        segments=queries.linked_segments(kpi),
        chart_alt=describe_kpi_trend(spec), links=queries.link_details(kpi), measurements=measurements,
        streams=queries.stream_names(), people=people_lookup.names(),
        step_name=queries.step_name(kpi.step_id),
        reach=deletion.kpi_reach(kpi) if permissions.may_edit_kpis(user) else "",
        may_edit=permissions.may_edit_kpis(user), may_measure=permissions.may_measure(user, kpi),
        measurement_form=measurement_form or MeasurementForm(formdata=None,
                                                             measured_on=drift_queries.today().isoformat()),
        link_form=link_form, import_form=import_form or ImportForm(formdata=None),
        import_errors=import_errors or [], status_labels=STATUS_LABELS,
    ), status


@bp.get("/<int:kpi_id>")
@allow(MEMBER)
def show(kpi_id: int):
    return render_show(tenancy.get_or_404(Kpi, kpi_id))


@bp.get("/<int:kpi_id>/chart.svg", defaults={"fmt": "svg"})
@bp.get("/<int:kpi_id>/chart.png", defaults={"fmt": "png"})
@allow(MEMBER)
def chart(kpi_id: int, fmt: str):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    spec = drift_queries.trend_spec(kpi, _as_of(), _segment())
    return chart_response("kpi_trend", spec, draw_kpi_trend[fmt], suffix=fmt)


def _back_to(kpi: Kpi, anchor: str = ""):
    return redirect(url_for("kpis.show", kpi_id=kpi.id) + anchor)


@bp.post("/<int:kpi_id>/links")
@allow(EDIT_KPIS)
def add_link(kpi_id: int):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    form = LinkForm()
    if form.validate_on_submit():
        try:
            link = validate(KpiOutcomeLinkIn, {"outcome_id": form.outcome_id.data or None,
                                               "rationale": form.rationale.data or ""})
            services.set_link(kpi, link, version=form.version.data)
        except ValidationFailed as failed:
            _show_errors(form, failed)
            return render_show(kpi, status=422, link_form=form)
        flash("Outcome linked.", "success")
    return _back_to(kpi, "#links")


@bp.post("/<int:kpi_id>/links/<int:outcome_id>/delete")
@allow(EDIT_KPIS)
def remove_link(kpi_id: int, outcome_id: int):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    services.remove_link(kpi, outcome_id, version=_int_form("version"))
    flash("Link removed.", "success")
    return _back_to(kpi, "#links")


@bp.post("/<int:kpi_id>/measurements")
@allow(MEASURE)
def add_measurement(kpi_id: int):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    form = MeasurementForm()
    if form.validate_on_submit():
        try:
            measurement = services.record_measurement(kpi, validate(MeasurementIn, {
                "measured_on": form.measured_on.data or "", "value": form.value.data or "",
                "note": form.note.data or ""}))
        except ValidationFailed as failed:
            apply_field_errors(form, failed)
            return render_show(kpi, status=422, measurement_form=form)
        flash(f"Measurement of {measurement.measured_on.isoformat()} saved.", "success")
    return _back_to(kpi, "#measurements")


def _from_this_page(kpi: Kpi) -> dict:
    """Where a preview made on the KPI's page confirms, and the way back to it."""
    return {"confirm_url": url_for("kpis.confirm_import", kpi_id=kpi.id),
            "back": (url_for("kpis.show", kpi_id=kpi.id) + "#import-title", kpi.name)}


@bp.post("/<int:kpi_id>/measurements/import")
@allow(MEASURE)
def import_rows(kpi_id: int):
    """Show what the pasted rows or the CSV file would do; nothing is written before the person confirms."""
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    form = ImportForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    if upload and upload.filename:
        source, filename, data = "csv", upload.filename, upload.read()
    else:
        source, filename = "pasted", transfer_measurement_services.PASTED_NAME
        data = (form.rows.data or "").encode()
    try:
        checked = transfer_measurement_services.check_text(kpi, data, source)
    except ImportRejected as rejected:
        return render_show(kpi, status=422, import_form=form, import_errors=rejected.errors)
    token = transfer_preview_files.keep(data, filename, kpi.id, transfer_measurement_services.SOURCES[source])
    return measurements_preview(kpi, checked, source, token, filename, **_from_this_page(kpi))


@bp.post("/<int:kpi_id>/measurements/import/confirm")
@allow(MEASURE)
def confirm_import(kpi_id: int):
    """Write the previewed rows, unless the KPI's measurements on those dates changed since."""
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    source, token = request.form.get("source", ""), request.form.get("token", "")
    try:
        if source not in ("pasted", "csv"):
            raise transfer_preview_files.PreviewExpired()
        kept = transfer_preview_files.open_kept(token, kpi.id, transfer_measurement_services.SOURCES[source])
        checked = transfer_measurement_services.check_kept(kpi, kept, source)
    except transfer_preview_files.PreviewExpired as expired:
        return render_show(kpi, status=422, import_errors=[RowError(None, "", expired.message)])
    except ImportRejected as rejected:
        return render_show(kpi, status=422, import_errors=rejected.errors)
    return write_measurements(kpi, checked, kept, source, token, **_from_this_page(kpi))


@bp.post("/<int:kpi_id>/measurements/<int:measurement_id>/delete")
@allow(MEASURE)
def delete_measurement(kpi_id: int, measurement_id: int):
    kpi = tenancy.get_or_404(Kpi, kpi_id)
    try:
        services.delete_measurement(kpi, measurement_id)
    except ValidationFailed:
        abort(404)
    flash("Measurement deleted.", "success")
    return _back_to(kpi, "#measurements")


@bp.errorhandler(VersionConflict)
@bp.errorhandler(StaleDataError)
def _conflict(conflict: Exception):
    db.session.rollback()
    flash(conflict.message if isinstance(conflict, VersionConflict) else VersionConflict().message, "error")
    kpi_id = request.view_args.get("kpi_id") if request.view_args else None
    return redirect(url_for("kpis.show", kpi_id=kpi_id) if kpi_id else url_for("kpis.index"))
