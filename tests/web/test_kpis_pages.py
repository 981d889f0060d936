"""KPI pages: the list with drift badges and orphans first, a KPI's page, forms, roles, tenancy."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AuditEvent, Kpi, KpiMeasurement, KpiOutcomeLink
from tests.conftest import login
from tests.rows import count
from tests.scenarios import day, monthly, repair_hotline
from tests.web.test_tables import confirm_form

FELL = [(day(10), 6.0), (day(170), 4.0)]


@pytest.fixture()
def world(make, app):
    return repair_hotline(make)



def _diverging(app, world, name="Calls closed per hour", **kwargs) -> int:
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(name, outcome_ids=[outcome], **kwargs)
    world.measure(kpi_id, monthly())
    return kpi_id


# --- the list -----------------------------------------------------------------------------------

def test_list_shows_orphans_first_then_badges_and_reasons(world, app, client):
    world.rate(world.outcome_ids[0], FELL)
    _diverging(app, world, owner_id=world.owner.id, stream_id=world.stream_id)
    world.kpi("Forms filed per day")
    login(client, world.manager)
    response = client.get("/kpis/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "To do: 1 KPI stands for no customer outcome" in html
    assert html.index("Forms filed per day") < html.index("<table")  # the to-do comes first
    assert 'kpi-status-diverging"><span aria-hidden="true">↯</span> Diverging' in html
    assert "badge warn kpi-status kpi-status-orphan" in html
    assert "rose 10 % in 180 days (100 → 110" in html and "while satisfaction with" in html
    assert "+10.0 %" in html and "Repair hotline" in html
    assert 'href="/kpis/new"' in html


def test_list_filters_by_status_customer_stream_and_owner(world, make, app, client):
    diverging = _diverging(app, world, "Diverging KPI", owner_id=world.owner.id, stream_id=world.stream_id)
    world.rate(world.outcome_ids[0], FELL)
    world.kpi("Orphan KPI", stream_id=world.other_stream_id)
    login(client, world.viewer)

    def names(query: str) -> list[str]:
        html = client.get("/kpis/?" + query).get_data(as_text=True)
        body = html.split("<table", 1)[1] if "<table" in html else ""
        return [n for n in ("Diverging KPI", "Orphan KPI") if n in body]

    assert names("status=diverging") == ["Diverging KPI"]
    assert names("status=orphan") == ["Orphan KPI"]
    assert names(f"customer_id={world.customer_id}") == ["Diverging KPI"]
    assert names(f"value_stream_id={world.other_stream_id}") == ["Orphan KPI"]
    assert names(f"owner_id={world.owner.id}") == ["Diverging KPI"]
    assert names("") == ["Diverging KPI", "Orphan KPI"]
    assert "No KPI matches these filters" in client.get("/kpis/?status=stale").get_data(as_text=True)
    assert diverging


def test_list_paginates_50_a_page(world, app, client):
    for n in range(53):
        world.kpi(f"KPI {n:02d}", outcome_ids=[world.outcome_ids[0]])
    login(client, world.viewer)
    first = client.get("/kpis/").get_data(as_text=True)
    assert "KPI 49" in first and "KPI 50" not in first and "Page 1 of 2" in first
    second = client.get("/kpis/?page=2").get_data(as_text=True)
    assert "KPI 52" in second and "KPI 10" not in second


def test_empty_list_says_what_to_do(world, client):
    login(client, world.viewer)
    html = client.get("/kpis/").get_data(as_text=True)
    assert "No KPIs yet" in html and 'href="/kpis/new"' not in html


# --- a KPI's page ---------------------------------------------------------------------------------

def test_kpi_page_shows_verdict_chart_links_and_measurements(world, app, client):
    world.rate(world.outcome_ids[0], FELL)
    kpi_id = _diverging(app, world, target=120.0, owner_id=world.owner.id)
    login(client, world.manager)
    html = client.get(f"/kpis/{kpi_id}").get_data(as_text=True)
    assert "<h1>Calls closed per hour" in html and "Drift verdict: Diverging" in html
    assert "rose 10 % in 180 days" in html and "Check that the KPI still stands for" in html
    assert f'src="/kpis/{kpi_id}/chart.svg"' in html and f'href="/kpis/{kpi_id}/chart.png" download=' in html
    assert 'alt="Line chart of Calls closed per hour (calls/h)' in html and "target 120 drawn" in html
    assert "Minimize the time to a correct answer" in html and "stands for it" in html  # the rationale
    assert "-2.0" in html  # the outcome's satisfaction change
    dates = [day(x).isoformat() for x in (180, 150, 30)]
    assert html.index(dates[0]) < html.index(dates[1]) < html.rindex(dates[2])  # newest first
    assert "Enter a measurement" in html and "Paste or upload many" in html and "Link an outcome" in html


def test_viewer_sees_no_write_forms(world, app, client):
    kpi_id = _diverging(app, world)
    login(client, world.viewer)
    html = client.get(f"/kpis/{kpi_id}").get_data(as_text=True)
    assert "Enter a measurement" not in html and "Link an outcome" not in html and "/edit" not in html


def test_as_of_on_the_page_assesses_that_day(world, app, client):
    world.rate(world.outcome_ids[0], FELL)
    kpi_id = _diverging(app, world)
    login(client, world.viewer)
    html = client.get(f"/kpis/{kpi_id}?as_of={day(40).isoformat()}").get_data(as_text=True)
    assert "Drift verdict: Insufficient data" in html and f"as_of={day(40).isoformat()}" in html


def test_chart_is_a_png_cached_by_content_with_304(world, app, client):
    world.rate(world.outcome_ids[0], FELL)
    kpi_id = _diverging(app, world, target=105.0)
    login(client, world.viewer)
    response = client.get(f"/kpis/{kpi_id}/chart.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG") and response.headers["ETag"]
    again = client.get(f"/kpis/{kpi_id}/chart.png", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    world.measure(kpi_id, [(day(175), 111.0)])
    changed = client.get(f"/kpis/{kpi_id}/chart.png", headers={"If-None-Match": response.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != response.headers["ETag"]


# --- KPI forms ----------------------------------------------------------------------------------

def test_manager_creates_a_kpi_linked_to_an_outcome(world, app, client):
    login(client, world.manager)
    assert client.get("/kpis/new").status_code == 200
    response = client.post("/kpis/new", data={
        "name": "First-time fix rate", "unit": "%", "direction": "increase", "target": "85",
        "value_stream_id": "", "step_id": str(world.step_id), "owner_id": str(world.owner.id),
        "description": "", "outcome_id": str(world.outcome_ids[0]),
        "rationale": "A fix on the first call is the fastest correct answer."})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        kpi = db.session.scalar(select(Kpi))
        assert (kpi.name, kpi.target, kpi.value_stream_id, kpi.owner_id) == (
            "First-time fix rate", 85.0, world.stream_id, world.owner.id)
        link = db.session.scalar(select(KpiOutcomeLink))
        assert link.outcome_id == world.outcome_ids[0] and link.rationale.startswith("A fix on the first")


@pytest.mark.parametrize(("changes", "message"), [
    ({"target": "nan"}, "Enter a finite number."),
    ({"name": ""}, "at least 1 character"),
    ({"direction": "sideways"}, "increase"),
    ({"value_stream_id": "OTHER", "step_id": "STEP"}, "another value stream"),
    ({"outcome_id": "999999"}, "No outcome with the id 999999"),
])
def test_invalid_kpi_form_is_422_with_the_message_and_saves_nothing(world, app, client, changes, message):
    login(client, world.manager)
    data = {"name": "Calls closed", "unit": "", "direction": "increase", "target": "", "value_stream_id": "",
            "step_id": "", "owner_id": "", "description": "", "outcome_id": "", "rationale": ""} | changes
    if data["value_stream_id"] == "OTHER":
        data |= {"value_stream_id": str(world.other_stream_id), "step_id": str(world.step_id)}
    response = client.post("/kpis/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, Kpi) == 0


def test_edit_saves_and_a_stale_edit_changes_nothing(world, app, client):
    kpi_id = world.kpi("Before", outcome_ids=[world.outcome_ids[0]], target=3.0)
    login(client, world.manager)
    form = client.get(f"/kpis/{kpi_id}/edit").get_data(as_text=True)
    assert 'value="Before"' in form and 'value="3"' in form
    data = {"name": "After", "unit": "", "direction": "decrease", "target": "4", "value_stream_id": "",
            "step_id": "", "owner_id": "", "description": "", "version": "1"}
    assert client.post(f"/kpis/{kpi_id}/edit", data=data).status_code == 302
    page = client.post(f"/kpis/{kpi_id}/edit", data=data | {"name": "Lost"}, follow_redirects=True)
    assert "changed this record meanwhile" in page.get_data(as_text=True)
    with app.app_context():
        kpi = db.session.get(Kpi, kpi_id)
        assert (kpi.name, kpi.direction, kpi.target, kpi.version) == ("After", "decrease", 4.0, 2)
        assert db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "target")) == {"target": 4.0}


def test_links_are_added_with_a_rationale_and_removed(world, app, client):
    kpi_id = world.kpi()
    login(client, world.manager)
    page = client.get(f"/kpis/{kpi_id}").get_data(as_text=True)
    assert "<optgroup label=\"Acme callers — Get a broken device working again\">" in page
    response = client.post(f"/kpis/{kpi_id}/links", data={
        "outcome_id": str(world.outcome_ids[1]), "rationale": "Fewer transfers, less explaining.", "version": "1"})
    assert response.status_code == 302
    html = client.get(f"/kpis/{kpi_id}").get_data(as_text=True)
    assert "Fewer transfers, less explaining." in html
    assert client.post(f"/kpis/{kpi_id}/links/{world.outcome_ids[1]}/delete", data={"version": "2"}).status_code == 302
    assert count(app, KpiOutcomeLink) == 0
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "link")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.before["outcome_ids"], e.after["outcome_ids"]) for e in events] == [
            ([], [world.outcome_ids[1]]), ([world.outcome_ids[1]], [])]
    bad = client.post(f"/kpis/{kpi_id}/links", data={"outcome_id": "999999", "rationale": "", "version": "3"})
    assert bad.status_code == 422 and "No outcome with the id 999999" in bad.get_data(as_text=True)


def test_delete_removes_the_kpi(world, app, client):
    kpi_id = _diverging(app, world)
    login(client, world.manager)
    assert client.post(f"/kpis/{kpi_id}/delete", data={"version": "1"}).status_code == 302
    assert count(app, Kpi) == 0 and count(app, KpiMeasurement) == 0


# --- measurements -------------------------------------------------------------------------------

def test_one_measurement_form_saves_and_updates_the_same_date(world, app, client):
    kpi_id = world.kpi(owner_id=world.owner.id)
    login(client, world.owner)
    form = {"measured_on": "2026-03-02", "value": "41.5", "note": "new script"}
    assert client.post(f"/kpis/{kpi_id}/measurements", data=form).status_code == 302
    assert client.post(f"/kpis/{kpi_id}/measurements", data=form | {"value": "40"}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(KpiMeasurement.value)).all() == [40.0]
    bad = client.post(f"/kpis/{kpi_id}/measurements", data={"measured_on": "02/03/2026", "value": "x"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Enter a date as YYYY-MM-DD" in text and "Input should be a valid number" in text


def test_paste_with_errors_lists_them_by_row_and_column_and_writes_nothing(world, app, client):
    kpi_id = world.kpi()
    login(client, world.manager)
    rows = "2026-01-05,10\n2026-01-12,abc\n\n2026-02-30,12,leap?\n2026-01-05,13\n2026-01-26,nan,typo"
    response = client.post(f"/kpis/{kpi_id}/measurements/import", data={"rows": rows})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported." in html
    errors = html.split("import-errors", 1)[1].split("</table>", 1)[0]
    cells = [tuple(cell.split("</td>")[0] for cell in row.split("<td>")[1:4])
             for row in errors.split("<tr>")[2:]]
    assert [(r, c) for r, c, _ in cells] == [("2", "value"), ("4", "measured_on"), ("5", "measured_on"),
                                             ("6", "value")]
    assert "also appears in row 1" in cells[2][2] and "finite" in cells[3][2]
    assert count(app, KpiMeasurement) == 0


def import_confirmed(client, kpi_id: int, **data):
    """Send rows (or a file) to a KPI's import, check its preview wrote nothing, and confirm it."""
    preview = client.post(f"/kpis/{kpi_id}/measurements/import", data=data, content_type="multipart/form-data")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = preview.get_data(as_text=True)
    assert "Nothing has been written yet." in page
    action = f"/kpis/{kpi_id}/measurements/import/confirm"
    return client.post(action, data=confirm_form(page, action))


def test_paste_of_good_rows_writes_them_all(world, app, client):
    kpi_id = world.kpi()
    login(client, world.manager)
    rows = "2026-01-05\t10\n2026-01-12\t11\tpasted, from a sheet\n"  # tabs: copied from a spreadsheet
    assert import_confirmed(client, kpi_id, rows=rows).status_code == 302
    rows = "measured_on,value,note\n2026-01-19,12,a note, with a comma\n"
    assert import_confirmed(client, kpi_id, rows=rows).status_code == 302
    with app.app_context():
        stored = db.session.execute(select(KpiMeasurement.value, KpiMeasurement.note)
                                    .order_by(KpiMeasurement.measured_on)).all()
    assert [tuple(r) for r in stored] == [(10.0, ""), (11.0, "pasted, from a sheet"), (12.0, "a note, with a comma")]


def test_csv_upload_needs_the_header_and_writes_all_rows(world, app, client):
    kpi_id = world.kpi()
    login(client, world.manager)
    no_header = {"file": (io.BytesIO(b"2026-01-05,10\n"), "data.csv")}
    response = client.post(f"/kpis/{kpi_id}/measurements/import", data=no_header, content_type="multipart/form-data")
    assert response.status_code == 422 and "needs a header row" in response.get_data(as_text=True)
    bad_header = {"file": (io.BytesIO(b"measured_on,amount\n2026-01-05,10\n"), "data.csv")}
    response = client.post(f"/kpis/{kpi_id}/measurements/import", data=bad_header, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Unknown column" in html and "missing from the header" in html
    assert count(app, KpiMeasurement) == 0
    good = "\ufeffmeasured_on,value,note\n2026-01-05,10,\"first, with a comma\"\n2026-01-12,11.5,\n"
    response = import_confirmed(client, kpi_id, file=(io.BytesIO(good.encode()), "data.csv"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(KpiMeasurement.note).order_by(KpiMeasurement.measured_on)).all() == [
            "first, with a comma", ""]


def test_empty_import_is_an_error(world, app, client):
    kpi_id = world.kpi()
    login(client, world.manager)
    response = client.post(f"/kpis/{kpi_id}/measurements/import", data={"rows": "  \n"})
    assert response.status_code == 422 and "Nothing to import" in response.get_data(as_text=True)


def test_a_measurement_can_be_deleted_and_it_is_audited(world, app, client):
    kpi_id = _diverging(app, world)
    with app.app_context():
        measurement_id = db.session.scalar(select(KpiMeasurement.id).limit(1))
    login(client, world.manager)
    assert client.post(f"/kpis/{kpi_id}/measurements/{measurement_id}/delete").status_code == 302
    assert count(app, KpiMeasurement) == 5
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.record_type).where(AuditEvent.action == "delete")) == "KpiMeasurement"


# --- roles and tenancy -----------------------------------------------------------------------------

def _web_writes(world, kpi_id):
    return [
        ("/kpis/new", {"name": "New"}),
        (f"/kpis/{kpi_id}/edit", {"name": "Renamed", "direction": "increase", "version": "1"}),
        (f"/kpis/{kpi_id}/delete", {"version": "1"}),
        (f"/kpis/{kpi_id}/links", {"outcome_id": str(world.outcome_ids[1]), "rationale": "", "version": "1"}),
        (f"/kpis/{kpi_id}/links/{world.outcome_ids[0]}/delete", {"version": "1"}),
        (f"/kpis/{kpi_id}/measurements", {"measured_on": "2026-01-01", "value": "1"}),
        (f"/kpis/{kpi_id}/measurements/import", {"rows": "2026-01-01,1"}),
    ]


def _unchanged(app, kpi_id, measurements: int = 6):
    with app.app_context():
        kpi = db.session.get(Kpi, kpi_id)
        assert kpi is not None and kpi.name == "Calls closed per hour" and kpi.version == 1
        assert db.session.scalar(select(func.count()).select_from(KpiMeasurement)) == measurements
        assert db.session.scalars(select(KpiOutcomeLink.outcome_id)).all() == [kpi.outcome_links[0].outcome_id]


def test_viewer_gets_403_on_every_write(world, app, client):
    kpi_id = _diverging(app, world, owner_id=world.viewer.id)
    login(client, world.viewer)
    for path, data in _web_writes(world, kpi_id):
        assert client.post(path, data=data).status_code == 403, path
    assert client.get("/kpis/new").status_code == 403
    assert client.get(f"/kpis/{kpi_id}/edit").status_code == 403
    _unchanged(app, kpi_id)


def test_owner_measures_own_kpi_but_not_anothers_and_cannot_edit(world, app, client):
    own = _diverging(app, world, owner_id=world.owner.id)
    theirs = world.kpi("Theirs", owner_id=world.other_owner.id)
    login(client, world.owner)
    for path, data in _web_writes(world, own)[:5]:
        assert client.post(path, data=data).status_code == 403, path
    assert client.post(f"/kpis/{own}/measurements", data={"measured_on": "2026-01-01", "value": "1"}).status_code == 302
    assert import_confirmed(client, own, rows="2026-01-02,2").status_code == 302
    assert client.post(f"/kpis/{theirs}/measurements", data={"measured_on": "2026-01-01", "value": "1"}).status_code == 403
    assert client.post(f"/kpis/{theirs}/measurements/import", data={"rows": "2026-01-01,1"}).status_code == 403
    assert "Enter a measurement" not in client.get(f"/kpis/{theirs}").get_data(as_text=True)
    _unchanged(app, own, measurements=8)


def test_another_organizations_kpi_is_404_everywhere_and_untouched(world, make, app, client):
    other = repair_hotline(make, "Globex")
    theirs = other.kpi("Calls closed per hour", outcome_ids=[other.outcome_ids[0]])
    other.measure(theirs, monthly())
    login(client, world.admin)
    for path in (f"/kpis/{theirs}", f"/kpis/{theirs}/edit", f"/kpis/{theirs}/chart.png"):
        assert client.get(path).status_code == 404, path
    for path, data in _web_writes(other, theirs)[1:]:
        assert client.post(path, data=data).status_code == 404, path
    assert "Calls closed per hour" not in client.get("/kpis/").get_data(as_text=True)
    _unchanged(app, theirs)


def test_pages_need_a_sign_in(client, world, app):
    kpi_id = world.kpi()
    assert client.get("/kpis/").status_code == 302
    assert client.get(f"/kpis/{kpi_id}").status_code == 302


def test_a_worsening_kpi_is_an_alarm_with_its_target_beside_it(world, app, client):
    # Handling time should fall; it rose 100 -> 110 (+10 %) while satisfaction fell 6.0 -> 4.0.
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi("Handling time", direction="decrease", outcome_ids=[outcome],
                     target=105.0, unit="s")
    world.measure(kpi_id, monthly())
    world.rate(outcome, FELL)
    login(client, world.viewer)
    html = client.get(f"/kpis/{kpi_id}").get_data(as_text=True)
    assert 'badge bad alarm kpi-status kpi-status-worsening"><span aria-hidden="true">⚠</span> Worsening' in html
    assert "verdict-worsening" in html and "Drift verdict: Worsening" in html
    assert "the wrong way for a KPI that should decrease" in html
    # The newest value, 110, is above the 105 a lower-is-better KPI should stay under.
    assert "target-off-track" in html and "Off track<span class=\"target-figures\">: 110 against 105 s" in html
    assert "−2.0" in html or "-2.0" in html
