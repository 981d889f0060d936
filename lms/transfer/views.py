"""The import / export page: the whole organization as JSON."""

from __future__ import annotations

import io
import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from lms import tenancy
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.kpis import permissions as kpi_permissions
from lms.kpis.measurement_files import RowError
from lms.models import Kpi, ValueStream
from lms.permissions import MEMBER, allow
from lms.streams import permissions as stream_permissions
from lms.transfer import (
    bp,
    measurement_services,
    permissions,
    preview_files,
    services,
    step_services,
    table_files,
)
from lms.transfer.measurement_views import measurements_preview, write_measurements


class ImportForm(FlaskForm):
    document = FileField(
        "lms export (.json)",
        validators=[FileRequired("Choose the exported .json file.")],
        render_kw={"accept": ".json,application/json"},
    )


MODE_LABELS = {
    "append": "Append the file's steps after them",
    "replace": "Replace them with the file's steps (a step of the same name is changed in place and keeps "
               "its KPIs, findings and actions; steps the file does not name are removed)",
}


class TableImportForm(FlaskForm):
    record_id = SelectField("Into", coerce=int)
    mode = RadioField("The stream's steps", default="append",
                      choices=[SelectChoice(value, label) for value, label in MODE_LABELS.items()])
    table = FileField(
        "File (.csv or .xlsx)",
        validators=[FileRequired("Choose a .csv or .xlsx file.")],
        render_kw={"accept": ".csv,.xlsx,text/csv"},
    )


FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _table_forms() -> dict[str, TableImportForm]:
    """The table forms: every stream and KPI to export; to import, only those the person may write."""
    user = tenancy.actor()
    streams = db.session.execute(select(ValueStream.id, ValueStream.name, ValueStream.owner_id)
                                 .order_by(ValueStream.name)).all()
    kpis = db.session.execute(select(Kpi.id, Kpi.name, Kpi.owner_id).order_by(Kpi.name)).all()
    writable = {"steps": [s for s in streams if stream_permissions.may_edit(s, user)],
                "measurements": [k for k in kpis if kpi_permissions.may_measure(user, k)]}
    forms = {"steps": TableImportForm(prefix="steps"), "measurements": TableImportForm(prefix="measurements")}
    for table, rows, arg in (("steps", streams, "stream_id"), ("measurements", kpis, "kpi_id")):
        forms[table].record_id.choices = [SelectChoice(str(row.id), row.name) for row in writable[table]]
        forms[table].exportable = [SelectChoice(str(row.id), row.name) for row in rows]
        forms[table].record_id.data = request.args.get(arg, type=int)  # the one the person came from
    return forms


def _page(form=None, problems=None, table_errors=None, status: int = 200):
    user = tenancy.actor()
    return render_template(
        "transfer/index.html",
        form=form or ImportForm(),
        problems=problems,
        tables=_table_forms(),
        table_errors=table_errors,
        columns=table_files.TABLES,
        may_export=permissions.EXPORT.allows(user, {}),
        may_import=permissions.IMPORT.allows(user, {}),
    ), status


@bp.get("/")
@allow(MEMBER)
def index():
    return _page()


def _download(data: bytes, fmt: str, name: str) -> Response:
    return Response(
        data, mimetype=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )


@bp.get("/<any(steps, measurements):table>/template.<any(csv, xlsx):fmt>")
@allow(MEMBER)
def template(table: str, fmt: str):
    return _download(
        table_files.render(table_files.TABLES[table], table_files.template_rows(table), fmt), fmt,
        f"lms-{table}-template"
    )


@bp.get("/steps/export")
@allow(MEMBER)
def export_steps():
    stream = tenancy.get_or_404(ValueStream, request.args.get("record_id", type=int))
    fmt = request.args.get("format", "csv") if request.args.get("format") in FORMATS else "csv"
    return _download(
        table_files.render(table_files.STEP_COLUMNS, table_files.steps_table(stream), fmt), fmt,
        f"steps-{stream.id}"
    )


@bp.get("/measurements/export")
@allow(MEMBER)
def export_measurements():
    kpi = tenancy.get_or_404(Kpi, request.args.get("record_id", type=int))
    fmt = request.args.get("format", "csv") if request.args.get("format") in FORMATS else "csv"
    return _download(
        table_files.render(table_files.MEASUREMENT_COLUMNS, table_files.measurements_table(kpi), fmt),
        fmt,
        f"measurements-{kpi.id}",
    )


@bp.post("/<any(steps, measurements):table>/import")
@allow(permissions.IMPORT_TABLE)
def import_table(table: str):
    """Show what a steps or measurements file would do; nothing is written before the person confirms."""
    model = ValueStream if table == "steps" else Kpi
    record = tenancy.get_or_404(model, request.form.get(f"{table}-record_id", type=int))
    upload = request.files.get(f"{table}-table")
    if upload is None or not upload.filename:
        return _page(
            table_errors={table: [RowError(None, "file", "Choose a .csv or .xlsx file.")]}, status=422
        )
    if table == "steps":
        mode = _posted_mode("steps-mode")
        data = upload.stream.read()
        try:
            checked = step_services.check_steps(record, upload.filename, io.BytesIO(data))
        except table_files.TableRejected as rejected:
            return _page(table_errors={table: rejected.errors}, status=422)
        token = preview_files.keep(data, upload.filename, record.id)
        return _preview_page(record, checked, mode, token, upload.filename)
    data = upload.stream.read()
    try:
        checked = measurement_services.check_table(record, upload.filename, data)
    except table_files.TableRejected as rejected:
        return _page(table_errors={table: rejected.errors}, status=422)
    token = preview_files.keep(data, upload.filename, record.id, measurement_services.SOURCES["table"])
    return measurements_preview(record, checked, "table", token, upload.filename, **_from_this_page(record))


def _from_this_page(kpi: Kpi) -> dict:
    """Where a preview made on this page confirms, and the way back to it."""
    return {"confirm_url": url_for("transfer.confirm_measurements"),
            "back": (url_for("transfer.index", kpi_id=kpi.id) + "#measurements-title", "Import / export")}


@bp.post("/measurements/confirm")
@allow(permissions.IMPORT_TABLE)
def confirm_measurements():
    """Write the previewed measurements, unless the KPI's measurements on those dates changed since."""
    kpi = tenancy.get_or_404(Kpi, request.form.get("kpi_id", type=int))
    token = request.form.get("token", "")
    try:
        kept = preview_files.open_kept(token, kpi.id, measurement_services.SOURCES["table"])
        checked = measurement_services.check_kept(kpi, kept, "table")
    except preview_files.PreviewExpired as expired:
        return _page(table_errors={"measurements": [RowError(None, "file", expired.message)]}, status=422)
    except table_files.TableRejected as rejected:
        return _page(table_errors={"measurements": rejected.errors}, status=422)
    return write_measurements(kpi, checked, kept, "table", token, **_from_this_page(kpi))


def _preview_page(stream: ValueStream, checked, mode: str, token: str, filename: str, status: int = 200):
    plan = step_services.plan_steps(stream, checked, mode)
    return render_template("transfer/steps_preview.html", stream=stream, plan=plan, token=token,
                           filename=filename, modes=MODE_LABELS), 422 if plan.refusal else status


def _kept():
    """Return the posted stream, its kept upload read and checked again, and an answer to send instead."""
    stream = tenancy.get_or_404(ValueStream, request.form.get("stream_id", type=int))
    try:
        kept = preview_files.open_kept(request.form.get("token", ""), stream.id)
        return stream, kept, step_services.check_steps(stream, kept.filename, io.BytesIO(kept.data)), None
    except preview_files.PreviewExpired as expired:
        error = RowError(None, "file", expired.message)
    except table_files.TableRejected as rejected:
        error = rejected.errors[0]
    return stream, None, [], _page(table_errors={"steps": [error]}, status=422)


def _posted_mode(name: str = "mode") -> str:
    mode = request.form.get(name)
    return mode if mode in step_services.MODES else "append"


@bp.post("/steps/preview")
@allow(permissions.IMPORT_TABLE)
def preview_steps():
    """Show again what the kept file would do, in the other mode."""
    stream, kept, checked, refused = _kept()
    if refused is not None:
        return refused
    return _preview_page(stream, checked, _posted_mode(), request.form.get("token", ""), kept.filename)


@bp.post("/steps/confirm")
@allow(permissions.IMPORT_TABLE)
def confirm_steps():
    """Write the previewed import, unless the stream's steps changed since the preview."""
    stream, kept, checked, refused = _kept()
    if refused is not None:
        return refused
    mode, token, expected = _posted_mode(), request.form.get("token", ""), request.form.get("fingerprint", "")
    try:
        summary = step_services.import_steps(stream, checked, mode, expected=expected)
    except table_files.TableRejected as rejected:
        db.session.rollback()
        flash(rejected.errors[0].message, "error")
        return _preview_page(stream, checked, mode, token, kept.filename, status=409)
    preview_files.discard(kept.file_id)
    parts = [f"{summary.added:,} added"] + [f"{n:,} {label}" for n, label in (
        (summary.updated, "changed"), (summary.removed, "removed")) if n]
    flash(f"Steps imported into {stream.name}: {', '.join(parts)}.", "success")
    return redirect(url_for("streams.show", stream_id=stream.id, _anchor="steps"))


@bp.get("/export.json")
@allow(permissions.EXPORT)
def export_json():
    document = services.export_for_actor()
    slug = document["organization"]["slug"]
    body = json.dumps(document, indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="lms-{slug}.json"'},
    )


@bp.post("/import")
@allow(permissions.IMPORT)
def import_json():
    form = ImportForm()
    problems = None
    if form.validate_on_submit():
        try:
            document = json.loads(form.document.data.read().decode("utf-8"))
        except (ValueError, RecursionError) as error:  # bad UTF-8 or JSON, or a number too long to read
            form.document.errors.append(f"This is not a JSON file lms can read: {str(error)[:200]}.")
        else:
            try:
                result = services.import_for_actor(document)
            except ValidationFailed as failed:
                problems = failed.fields
            else:
                flash(
                    "Imported "
                    + ", ".join(f"{n:,} {label}" for label, n in result.counts.items() if n)
                    + ".",
                    "success",
                )
                for warning in result.warnings:
                    flash(warning, "warning")
                return redirect(url_for("transfer.index"))
    return _page(form, problems, status=422)
