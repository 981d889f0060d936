"""Measurement imports say what they will do: a preview of every date, nothing written until confirmed."""

from __future__ import annotations

import html
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AuditEvent, KpiMeasurement
from tests.web.test_tables import confirm_form

TABLE_CONFIRM = "/transfer/measurements/confirm"


@pytest.fixture()
def setup(make, api_as, login_as):
    """A KPI measured on 2 and 9 November, an admin signed in, another KPI measured on neither."""
    org = make.org()
    admin = make.user(org, "admin")
    api = api_as(admin)
    kpi = api.post("/kpis", json={"name": "Units repaired", "unit": "units", "direction": "increase"}).get_json()
    other = api.post("/kpis", json={"name": "Units scrapped", "unit": "units", "direction": "decrease"}).get_json()
    api.post(f"/kpis/{kpi['id']}/measurements", json={"measurements": [
        {"measured_on": "2026-11-02", "value": 10, "note": "first count"},
        {"measured_on": "2026-11-09", "value": 14}]})
    login_as(admin)
    return {"org": org, "admin": admin, "api": api, "kpi": kpi["id"], "other": other["id"]}


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# 2 Nov: 10 → 12 (changed); 9 Nov: 14 as stored (unchanged); 16 Nov: new (added).
FILE_ROWS = [["measured_on", "value", "note"], ["2026-11-02", 12, "recount"], ["2026-11-09", 14, ""],
             ["2026-11-16", 15.5, "new fixture"]]


def _stored(app) -> list[tuple[str, float, str]]:
    with app.app_context():
        rows = db.session.execute(select(KpiMeasurement.measured_on, KpiMeasurement.value, KpiMeasurement.note)
                                  .order_by(KpiMeasurement.kpi_id, KpiMeasurement.measured_on)).all()
    return [(day.isoformat(), value, note) for day, value, note in rows]


STORED = [("2026-11-02", 10.0, "first count"), ("2026-11-09", 14.0, "")]


def _preview_rows(page: str) -> list[list[str]]:
    """Return the preview table's rows as the cells' text."""
    body = page.split('class="table import-preview"')[1].split("</tbody>")[0].split("<tbody>")[1]
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in body.split("</tr>") if "<td" in row]


def _upload(client, kpi_id: int, data: bytes, name: str = "m.xlsx"):
    return client.post("/transfer/measurements/import", data={
        "measurements-record_id": str(kpi_id), "measurements-table": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def test_a_table_import_previews_each_date_and_writes_only_when_confirmed(client, setup, app):
    preview = _upload(client, setup["kpi"], _xlsx(FILE_ROWS))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Nothing has been written yet." in page
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "would add 1 measurement, change 1 (a date Units repaired already has a different value or note for) " \
           "and leave 1 unchanged" in text
    # Changes first (they overwrite), then additions, then what stays: row, date, fate, value now, in the file.
    assert [row[:5] for row in _preview_rows(page)] == [
        ["2", "2026-11-02", "changed", "10", "12"], ["4", "2026-11-16", "added", "—", "15.5"],
        ["3", "2026-11-09", "unchanged", "14", "14"]]
    assert "(was: first count)" in page
    assert _stored(app) == STORED  # the preview wrote nothing
    done = client.post(TABLE_CONFIRM, data=confirm_form(page, TABLE_CONFIRM))
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/kpis/{setup['kpi']}#measurements-title")
    assert _stored(app) == [("2026-11-02", 12.0, "recount"), ("2026-11-09", 14.0, ""),
                            ("2026-11-16", 15.5, "new fixture")]
    with app.app_context():
        update = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "KpiMeasurement",
                                                            AuditEvent.action == "update"))
        assert (update.before["value"], update.after["value"]) == (10, 12)
    again = client.post(TABLE_CONFIRM, data=confirm_form(page, TABLE_CONFIRM))
    assert again.status_code == 422 and "upload the file again" in again.get_data(as_text=True)


def test_pasted_rows_on_the_kpi_page_are_previewed_then_written(client, setup, app):
    kpi = setup["kpi"]
    preview = client.post(f"/kpis/{kpi}/measurements/import", data={"rows": "2026-11-09\t15\n2026-11-23\t16\n"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "The pasted rows would add 1 measurement, change 1" in " ".join(page.split())
    assert [row[:5] for row in _preview_rows(page)] == [["1", "2026-11-09", "changed", "14", "15"],
                                                        ["2", "2026-11-23", "added", "—", "16"]]
    assert f'href="/kpis/{kpi}#measurements-title">Cancel</a>' in page
    assert _stored(app) == STORED
    action = f"/kpis/{kpi}/measurements/import/confirm"
    assert client.post(action, data=confirm_form(page, action)).status_code == 302
    assert _stored(app) == [STORED[0], ("2026-11-09", 15.0, ""), ("2026-11-23", 16.0, "")]


def test_a_preview_is_refused_when_the_dates_changed_since_and_shows_them_as_they_are(client, setup, app):
    page = _upload(client, setup["kpi"], _xlsx(FILE_ROWS)).get_data(as_text=True)
    setup["api"].post(f"/kpis/{setup['kpi']}/measurements", json={"measured_on": "2026-11-16", "value": 1})
    late = client.post(TABLE_CONFIRM, data=confirm_form(page, TABLE_CONFIRM))
    again = late.get_data(as_text=True)
    assert late.status_code == 409 and "changed since this preview was made" in again
    assert _stored(app) == [*STORED, ("2026-11-16", 1.0, "")]
    # The preview shown again counts 16 November as a change now, and can be confirmed as it is.
    assert ["4", "2026-11-16", "changed", "1", "15.5"] in [row[:5] for row in _preview_rows(again)]
    assert client.post(TABLE_CONFIRM, data=confirm_form(again, TABLE_CONFIRM)).status_code == 302
    assert _stored(app)[-1] == ("2026-11-16", 15.5, "new fixture")


def test_a_preview_is_only_for_its_kpi_its_reading_and_its_uploader(client, setup, make, login_as, app):
    kpi = setup["kpi"]
    page = client.post(f"/kpis/{kpi}/measurements/import", data={"rows": "2026-11-30,3"}).get_data(as_text=True)
    action = f"/kpis/{kpi}/measurements/import/confirm"
    fields = confirm_form(page, action)
    # The same token presented for another KPI, or as a file to be read another way, is not honoured.
    elsewhere = client.post(f"/kpis/{setup['other']}/measurements/import/confirm", data=fields)
    assert elsewhere.status_code == 422 and "not yours" in elsewhere.get_data(as_text=True)
    assert client.post(action, data={**fields, "source": "csv"}).status_code == 422
    assert client.post(TABLE_CONFIRM, data={**fields, "kpi_id": str(kpi)}).status_code == 422
    client.post("/logout")
    login_as(make.user(setup["org"], "manager"))  # may measure the KPI, but did not send these rows
    assert client.post(action, data=fields).status_code == 422
    client.post("/logout")
    login_as(make.user(setup["org"], "viewer"))
    assert client.post(action, data=fields).status_code == 403
    assert _stored(app) == STORED


def test_rows_already_measured_as_they_are_offer_nothing_to_confirm(client, setup, app):
    page = _upload(client, setup["kpi"], _xlsx(FILE_ROWS[:1] + FILE_ROWS[2:3])).get_data(as_text=True)
    assert "Nothing to import:" in page and TABLE_CONFIRM not in page


def test_the_target_kpi_is_the_one_the_person_came_from(client, setup):
    kpi_page = client.get(f"/kpis/{setup['kpi']}").get_data(as_text=True)
    link = f"/transfer/?kpi_id={setup['kpi']}#measurements-title"
    assert link in kpi_page
    form = client.get(link.split("#")[0]).get_data(as_text=True)
    chosen = form.split('id="measurements-record_id"')[1].split("</select>")[0]
    assert re.search(rf'<option selected value="{setup["kpi"]}">|<option value="{setup["kpi"]}" selected', chosen)
    page = _upload(client, setup["kpi"], _xlsx(FILE_ROWS)).get_data(as_text=True)
    assert f'href="/transfer/?kpi_id={setup["kpi"]}#measurements-title"' in page  # the way back


def test_the_api_still_writes_a_batch_at_once(setup, app):
    response = setup["api"].post(f"/kpis/{setup['kpi']}/measurements",
                                 json={"measurements": [{"measured_on": "2026-11-30", "value": 7}]})
    assert response.status_code == 201 and response.get_json()["items"][0]["value"] == 7
    with app.app_context():
        assert db.session.scalar(select(func.count(KpiMeasurement.id))) == 3
