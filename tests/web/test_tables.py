"""CSV and XLSX tables of steps and measurements: templates, exports, all-or-nothing imports."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AuditEvent, KpiMeasurement, Step


@pytest.fixture()
def setup(make, api_as, login_as):
    org = make.org()
    admin = make.user(org, "admin")
    api = api_as(admin)
    stream = api.post("/value-streams", json={"name": "Repair line"}).get_json()
    api.post(f"/value-streams/{stream['id']}/steps", json={"name": "Receive", "cycle_time_s": 30})
    kpi = api.post("/kpis", json={"name": "Units repaired", "unit": "units", "direction": "increase"}).get_json()
    api.post(f"/kpis/{kpi['id']}/measurements", json={"measured_on": "2026-11-02", "value": 10})
    login_as(admin)
    return {"org": org, "admin": admin, "stream": stream["id"], "kpi": kpi["id"], "api": api}


def confirm_form(page: str, action: str = "/transfer/steps/confirm") -> dict[str, str]:
    """Return the hidden fields of a preview's confirm form."""
    form = page.split(f'action="{action}"')[1].split("</form>")[0]
    return dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))


def _upload(client, table, record_id, name, data: bytes, mode: str = "append", confirm: bool = True):
    """Upload a table; the file answers with its preview, confirmed here unless ``confirm`` is false."""
    response = client.post(f"/transfer/{table}/import", data={
        f"{table}-record_id": str(record_id), f"{table}-table": (io.BytesIO(data), name), f"{table}-mode": mode},
        content_type="multipart/form-data", follow_redirects=False)
    if response.status_code != 200 or not confirm:
        return response
    assert "Nothing has been written yet." in response.get_data(as_text=True)
    action = f"/transfer/{table}/confirm"
    return client.post(action, data=confirm_form(response.get_data(as_text=True), action))


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("table, first", [("steps", "name"), ("measurements", "measured_on")])
def test_templates_name_the_columns(client, setup, table, first):
    csv_text = client.get(f"/transfer/{table}/template.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].split(",")[0] == first
    book = load_workbook(io.BytesIO(client.get(f"/transfer/{table}/template.xlsx").data))
    assert book["data"]["A1"].value == first
    assert book["columns"]["A2"].value == first


def test_steps_csv_import_appends_in_file_order_and_audits(client, setup, app):
    data = _csv([["name", "cycle_time_s", "classification", "waste_types", "wait_time_s"],
                 ["Inspect", "45", "necessary", "", "600"],
                 ["Wait for parts", "", "waste", "waiting;transport", "7200"]])
    response = _upload(client, "steps", setup["stream"], "steps.csv", data)
    assert response.status_code == 302
    with app.app_context():
        steps = db.session.scalars(select(Step).order_by(Step.position)).all()
        assert [(s.position, s.name) for s in steps] == [(1, "Receive"), (2, "Inspect"), (3, "Wait for parts")]
        assert steps[2].waste_types == ["waiting", "transport"] and steps[2].wait_time_s == 7200
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.record_type == "Step", AuditEvent.summary.like("%imported%"))) == 2


def test_steps_import_reports_every_bad_row_and_column_and_writes_nothing(client, setup, app):
    data = _csv([["name", "cycle_time_s", "classification", "waste_types", "owner_email", "pct_complete_accurate"],
                 ["Good", "10", "necessary", "", "", ""],
                 ["Adds value", "10", "value-adding", "", "", ""],
                 ["Negative", "-4", "necessary", "", "", ""],
                 ["Odd waste", "1", "waste", "laziness", "", ""],
                 ["Nobody", "1", "necessary", "", "ghost@example.test", "120"]])
    response = _upload(client, "steps", setup["stream"], "steps.csv", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported." in page
    for row, column in ((3, "job_id"), (4, "cycle_time_s"), (5, "waste_types"), (6, "owner_email"),
                        (6, "pct_complete_accurate")):
        assert f"<td>{row}</td><td><code>{column}</code></td>" in page, (row, column)
    with app.app_context():
        assert db.session.scalar(select(func.count(Step.id))) == 1


def test_unknown_and_missing_columns_are_named(client, setup):
    response = _upload(client, "measurements", setup["kpi"], "m.csv", _csv([["day", "amount"], ["x", "1"]]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<code>day</code>" in page and "<code>measured_on</code>" in page and "required in the header" in page


def test_measurements_xlsx_import_adds_and_updates(client, setup, app):
    data = _xlsx([["measured_on", "value", "note"], ["2026-11-02", 12, "recount"],
                  ["2026-11-09", 14, ""], ["2026-11-16", 15.5, "new fixture"]])
    response = _upload(client, "measurements", setup["kpi"], "m.xlsx", data)
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.execute(select(KpiMeasurement.measured_on, KpiMeasurement.value)
                                  .order_by(KpiMeasurement.measured_on)).all()
        assert [(d.isoformat(), v) for d, v in rows] == [("2026-11-02", 12), ("2026-11-09", 14),
                                                         ("2026-11-16", 15.5)]
        update = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "KpiMeasurement",
                                                            AuditEvent.action == "update"))
        assert update.before["value"] == 10 and update.after["value"] == 12


def test_measurement_errors_by_row_nothing_written(client, setup, app):
    data = _csv([["measured_on", "value"], ["2026-12-01", "3"], ["yesterday", "4"], ["2026-12-03", "lots"],
                 ["2026-12-01", "5"]])
    response = _upload(client, "measurements", setup["kpi"], "m.csv", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>3</td><td><code>measured_on</code></td>" in page
    assert "<td>4</td><td><code>value</code></td>" in page
    assert "also appears in row 2" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(KpiMeasurement.id))) == 1


def test_exported_steps_import_into_another_stream_unchanged(client, setup, app):
    exported = client.get(f"/transfer/steps/export?record_id={setup['stream']}&format=xlsx")
    assert exported.headers["Content-Disposition"].endswith('.xlsx"')
    other = setup["api"].post("/value-streams", json={"name": "Copy"}).get_json()["id"]
    assert _upload(client, "steps", other, "copy.xlsx", exported.data).status_code == 302
    as_csv = client.get(f"/transfer/steps/export?record_id={other}&format=csv").get_data(as_text=True)
    original = client.get(f"/transfer/steps/export?record_id={setup['stream']}&format=csv").get_data(as_text=True)
    assert as_csv == original


def test_viewers_cannot_import_and_other_organizations_are_not_found(client, setup, make, login_as):
    viewer = make.user(setup["org"], "viewer")
    client.post("/logout")
    login_as(viewer)
    data = _csv([["name"], ["Sneaky"]])
    assert _upload(client, "steps", setup["stream"], "s.csv", data).status_code == 403
    stranger = make.user(make.org("Other"), "admin")
    client.post("/logout")
    login_as(stranger)
    assert _upload(client, "steps", setup["stream"], "s.csv", data).status_code == 404
    assert client.get(f"/transfer/steps/export?record_id={setup['stream']}").status_code == 404
    assert client.get(f"/transfer/measurements/export?record_id={setup['kpi']}").status_code == 404


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"open\")", "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3"]


def test_exports_never_carry_a_formula_and_import_back_unchanged(client, setup, app):
    """Text a spreadsheet would run gets a leading quote in CSV and stays text in XLSX."""
    import csv
    import io

    from openpyxl import load_workbook

    api = setup["api"]
    for name in FORMULAS:
        api.post(f"/value-streams/{setup['stream']}/steps", json={"name": name, "rationale": name})
    api.post(f"/kpis/{setup['kpi']}/measurements", json={"measured_on": "2026-11-09", "value": -4, "note": "=1+1"})
    as_csv = client.get(f"/transfer/steps/export?record_id={setup['stream']}&format=csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(as_csv)) for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@")) or cell.startswith("-2")]
    assert "'=HYPERLINK(\"http://evil.example\",\"open\")" in cells
    measurements = client.get(f"/transfer/measurements/export?record_id={setup['kpi']}&format=csv")
    assert "'=1+1" in measurements.get_data(as_text=True) and ",-4" in measurements.get_data(as_text=True)
    workbook = client.get(f"/transfer/steps/export?record_id={setup['stream']}&format=xlsx").data
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[0]
    written = [cell for row in sheet.iter_rows() for cell in row if cell.value in FORMULAS]
    assert len(written) == 2 * len(FORMULAS) and {cell.data_type for cell in written} == {"s"}
    for fmt, data in (("csv", as_csv.encode()), ("xlsx", workbook)):
        copy = api.post("/value-streams", json={"name": f"Copy {fmt}"}).get_json()["id"]
        assert _upload(client, "steps", copy, f"copy.{fmt}", data).status_code == 302
        names = [s["name"] for s in api.get(f"/value-streams/{copy}/steps").get_json()["items"]]
        assert names == ["Receive", *FORMULAS]


def test_the_page_offers_only_the_imports_a_person_may_make(client, setup, make, login_as):
    """A viewer exports but sees no import form; an owner imports only into streams they own."""
    api = setup["api"]
    owner = make.user(setup["org"], "owner")
    theirs = api.post("/value-streams", json={"name": "Owner's line", "owner_id": owner.id}).get_json()["id"]
    client.post("/logout")
    login_as(make.user(setup["org"], "viewer"))
    page = client.get("/transfer/").get_data(as_text=True)
    assert 'action="/transfer/steps/import"' not in page and 'action="/transfer/measurements/import"' not in page
    assert 'id="steps-export"' in page and "Repair line" in page
    assert "Download the export (.json)" not in page and 'action="/transfer/import"' not in page
    client.post("/logout")
    login_as(owner)
    page = client.get(f"/transfer/?stream_id={theirs}").get_data(as_text=True)
    import_select = page.split('id="steps-record_id"')[1].split("</select>")[0]
    assert "Owner&#39;s line" in import_select and "Repair line" not in import_select
    assert f'value="{theirs}" selected' in page or f'selected value="{theirs}"' in import_select
    assert 'action="/transfer/measurements/import"' not in page  # owns no KPI


def test_reimporting_an_export_is_refused_unless_the_steps_are_replaced(client, setup, app):
    """Appending the stream's own steps again would double it; replacing loads the file instead."""
    api = setup["api"]
    for name in ("Diagnose", "Repair", "Test"):
        api.post(f"/value-streams/{setup['stream']}/steps", json={"name": name, "cycle_time_s": 60})
    exported = client.get(f"/transfer/steps/export?record_id={setup['stream']}&format=csv").data
    doubled = _upload(client, "steps", setup["stream"], "again.csv", exported)
    assert doubled.status_code == 422 and "would double the map" in doubled.get_data(as_text=True)
    assert 'action="/transfer/steps/confirm"' not in doubled.get_data(as_text=True)
    steps = lambda: [s["name"] for s in api.get(f"/value-streams/{setup['stream']}/steps").get_json()["items"]]  # noqa: E731
    assert steps() == ["Receive", "Diagnose", "Repair", "Test"]
    changed = exported.replace(b"Repair", b"Repair and clean")
    replaced = _upload(client, "steps", setup["stream"], "changed.csv", changed, mode="replace")
    assert replaced.status_code == 302
    assert steps() == ["Receive", "Diagnose", "Repair and clean", "Test"]
    page = client.get(replaced.headers["Location"]).get_data(as_text=True)
    assert "Steps imported into Repair line: 1 added, 1 removed." in page
    assert 'value="replace"' in client.get("/transfer/").get_data(as_text=True)
    history = client.get("/history/?type=Step").get_data(as_text=True)
    assert "removed: an import replaced the steps of Repair line" in history


# The preview: what an import will do, written only when confirmed ---------------------------


def _replace_line(api, stream_id):
    for name, seconds in (("Diagnose", 60), ("Repair", 60), ("Test", 60)):
        api.post(f"/value-streams/{stream_id}/steps", json={"name": name, "cycle_time_s": seconds})


def test_the_preview_says_what_is_added_changed_kept_and_removed_and_writes_nothing(client, setup, app):
    api = setup["api"]
    _replace_line(api, setup["stream"])
    kpi_of_test = api.post("/kpis", json={"name": "First-pass yield", "unit": "%", "direction": "increase",
                                          "step_id": api.get(f"/value-streams/{setup['stream']}/steps")
                                          .get_json()["items"][3]["id"]}).get_json()
    data = _csv([["name", "cycle_time_s"], ["Receive", "30"], ["Diagnose", "90"], ["Clean", "20"],
                 ["Test", "60"]])
    preview = _upload(client, "steps", setup["stream"], "new.csv", data, mode="replace", confirm=False)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Nothing has been written yet." in page and "1 added, 1 changed, 2 kept as they are, 1 removed" in page
    rows = re.findall(r'<tr class="preview-(\w+)">\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>', page)
    assert rows == [("keep", "2", "Receive"), ("change", "3", "Diagnose"), ("add", "4", "Clean"),
                    ("keep", "5", "Test"), ("remove", "—", "Repair")]
    assert "Cycle time (C/T)" in page.split('class="preview-change"')[1].split("</tr>")[0]
    names = lambda: [s["name"] for s in api.get(f"/value-streams/{setup['stream']}/steps").get_json()["items"]]  # noqa: E731
    assert names() == ["Receive", "Diagnose", "Repair", "Test"]  # nothing written by the preview
    done = client.post("/transfer/steps/confirm", data=confirm_form(page))
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/value-streams/{setup['stream']}#steps")
    steps = api.get(f"/value-streams/{setup['stream']}/steps").get_json()["items"]
    assert [(s["name"], s["cycle_time_s"]) for s in steps] == [("Receive", 30), ("Diagnose", 90), ("Clean", 20),
                                                               ("Test", 60)]
    # Test was changed in place, not re-created: its KPI still measures it.
    assert api.get(f"/kpis/{kpi_of_test['id']}").get_json()["step_id"] == steps[3]["id"]
    again = client.post("/transfer/steps/confirm", data=confirm_form(page))
    assert again.status_code == 422 and "upload the file again" in again.get_data(as_text=True)


def test_append_preview_can_switch_to_replace_without_uploading_again(client, setup):
    data = _csv([["name"], ["Pack"], ["Ship"]])
    preview = _upload(client, "steps", setup["stream"], "s.csv", data, confirm=False)
    page = preview.get_data(as_text=True)
    assert "append 2 steps after the stream&#39;s current steps" in page or "append 2 steps after the stream's" in page
    assert re.findall(r'<tr class="preview-(\w+)">', page) == ["add", "add"]
    switch = page.split('action="/transfer/steps/preview"')[1].split("</form>")[0]
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', switch))
    assert fields["mode"] == "replace"
    replaced = client.post("/transfer/steps/preview", data=fields).get_data(as_text=True)
    assert re.findall(r'<tr class="preview-(\w+)">', replaced) == ["add", "add", "remove"]
    assert client.post("/transfer/steps/confirm", data=confirm_form(replaced)).status_code == 302
    names = [s["name"] for s in setup["api"].get(f"/value-streams/{setup['stream']}/steps").get_json()["items"]]
    assert names == ["Pack", "Ship"]


def test_a_preview_is_refused_when_the_steps_changed_since(client, setup):
    preview = _upload(client, "steps", setup["stream"], "s.csv", _csv([["name"], ["Pack"]]), confirm=False)
    setup["api"].post(f"/value-streams/{setup['stream']}/steps", json={"name": "Sneaked in"})
    late = client.post("/transfer/steps/confirm", data=confirm_form(preview.get_data(as_text=True)))
    assert late.status_code == 409 and "changed since this preview was made" in late.get_data(as_text=True)
    names = [s["name"] for s in setup["api"].get(f"/value-streams/{setup['stream']}/steps").get_json()["items"]]
    assert names == ["Receive", "Sneaked in"]


def test_a_preview_token_is_only_its_uploaders_and_expires(client, setup, make, login_as, app, monkeypatch):
    preview = _upload(client, "steps", setup["stream"], "s.csv", _csv([["name"], ["Pack"]]), confirm=False)
    fields = confirm_form(preview.get_data(as_text=True))
    client.post("/logout")
    login_as(make.user(setup["org"], "manager"))  # may import into the stream, but did not upload this
    other = client.post("/transfer/steps/confirm", data=fields)
    assert other.status_code == 422 and "not yours" in other.get_data(as_text=True)
    tampered = client.post("/transfer/steps/confirm", data={**fields, "token": fields["token"][:-2] + "xx"})
    assert tampered.status_code == 422
    client.post("/logout")
    login_as(setup["admin"])
    from lms.transfer import preview_files as transfer_preview_files

    monkeypatch.setattr(transfer_preview_files, "MAX_AGE_S", -1)
    expired = client.post("/transfer/steps/confirm", data=fields)
    assert expired.status_code == 422 and "more than 30 minutes old" in expired.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Step.id))) == 1
        kept = list((Path(app.instance_path) / transfer_preview_files.FOLDER).glob("*.upload"))
        assert kept and all(oct(path.stat().st_mode)[-3:] == "600" for path in kept)


def test_kept_uploads_older_than_a_preview_lives_are_swept(app, setup, client):
    from lms.transfer import preview_files as transfer_preview_files

    _upload(client, "steps", setup["stream"], "s.csv", _csv([["name"], ["Pack"]]), confirm=False)
    with app.test_request_context():
        folder = Path(app.instance_path) / transfer_preview_files.FOLDER
        assert list(folder.glob("*.upload"))
        import time

        assert transfer_preview_files.sweep(now=time.time() + transfer_preview_files.MAX_AGE_S + 1) >= 1
        assert not list(folder.glob("*.upload"))


def test_the_stream_page_links_to_an_import_into_that_stream(client, setup, make):
    other = setup["api"].post("/value-streams", json={"name": "A first stream by name"}).get_json()["id"]
    page = client.get(f"/value-streams/{setup['stream']}").get_data(as_text=True)
    assert f"/transfer/?stream_id={setup['stream']}#steps-title" in page
    form = client.get(f"/transfer/?stream_id={setup['stream']}").get_data(as_text=True)
    chosen = form.split('id="steps-record_id"')[1].split("</select>")[0]
    assert re.search(rf'<option selected value="{setup["stream"]}">|<option value="{setup["stream"]}" selected', chosen)
    assert f'value="{other}" selected' not in chosen
