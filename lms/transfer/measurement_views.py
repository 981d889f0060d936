"""The pages of a measurements import, shared by the KPI's page and the Import / export page.

Each page reads its own upload and says where its preview confirms and how to get back; the preview
(what the rows will do) and the write after the confirmation are the same for both.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from lms.extensions import db
from lms.models import Kpi
from lms.transfer import measurement_services, preview_files, table_files


def measurements_preview(kpi: Kpi, checked, source: str, token: str, filename: str, *, confirm_url: str,
                         back: tuple[str, str], status: int = 200):
    """Render what importing ``checked`` into ``kpi`` would do, with the form that confirms it."""
    return render_template("transfer/measurements_preview.html", kpi=kpi, source=source, token=token,
                           plan=measurement_services.plan_measurements(kpi, checked), filename=filename,
                           confirm_url=confirm_url, back_url=back[0], back_label=back[1]), status


def write_measurements(kpi: Kpi, checked, kept: preview_files.KeptUpload, source: str, token: str, **where):
    """Write a confirmed import, or show its preview again (409) when the measurements changed since."""
    try:
        summary = measurement_services.import_measurements(kpi, checked,
                                                         expected=request.form.get("fingerprint"))
    except table_files.TableRejected as rejected:
        db.session.rollback()
        flash(rejected.errors[0].message, "error")
        return measurements_preview(kpi, checked, source, token, kept.filename, status=409, **where)
    preview_files.discard(kept.file_id)
    flash(f"{summary.added:,} measurements imported into {kpi.name}, {summary.updated:,} changed.", "success")
    return redirect(url_for("kpis.show", kpi_id=kpi.id, _anchor="measurements-title"))
