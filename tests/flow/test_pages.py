"""The measured-flow pages through the test client: import with a column mapping, map, measure, adopt."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lms.cli import cli
from lms.extensions import db
from lms.models import AuditEvent, FlowActivity, FlowEvent, Step, ValueStream
from tests.flow.small_log import SMALL_CSV
from tests.flow.test_parsing import XES
from tests.scenarios import quotes_office


def _count(app, model=FlowEvent):
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)).execution_options(all_organizations=True))


def _upload(client, stream_id, data: bytes, name: str):
    return client.post(f"/value-streams/{stream_id}/events/import",
                       data={"log": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_csv_upload_goes_through_the_column_page(app, client, make, api_as, login_as):
    _, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    csv = SMALL_CSV.replace("case_id,activity,timestamp", "Ticket,Status,When")
    response = _upload(client, stream_id, csv.encode(), "export.csv")
    assert response.status_code == 302 and "/events/columns?upload=" in response.location
    page = client.get(response.location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Which column holds what?" in html and "2026-03-02T13:30:00" in html  # the first rows
    token = re.search(r'name="upload" value="([^"]+)"', html)[1]
    # "Ticket" and "Status" are guessed; "When" is not a known name: the import names what is missing.
    refused = client.post(f"/value-streams/{stream_id}/events/columns",
                          data={"upload": token, "column-case_id": "Ticket", "column-activity": "Status"})
    assert refused.status_code == 422 and "Choose the column that holds the timestamp" in refused.get_data(as_text=True)
    assert _count(app) == 0
    done = client.post(f"/value-streams/{stream_id}/events/columns",
                       data={"upload": token, "column-case_id": "Ticket", "column-activity": "Status",
                             "column-timestamp": "When", "column-lifecycle": "lifecycle",
                             "column-customer": "customer", "column-segment": "segment"})
    # The import runs as background work (within the request in tests) and answers with its status page.
    assert done.status_code == 302 and f"/value-streams/{stream_id}/events/imports/{token}" in done.location
    assert _count(app) == 16
    status = client.get(done.location).get_data(as_text=True)
    assert "16 events imported" in status and f'href="/value-streams/{stream_id}/activities"' in status
    # The upload is gone once imported.
    assert client.get(f"/value-streams/{stream_id}/events/columns?upload={token}").status_code == 302


def test_xes_upload_imports_at_once_and_bad_rows_are_listed(app, client, make, api_as, login_as):
    _, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    response = _upload(client, stream_id, XES, "log.xes")
    assert response.status_code == 302 and "/events/imports/" in response.location and _count(app) == 2
    bad = _upload(client, stream_id, XES.replace(b"2026-03-02T09:30", b"not a time"), "again.xes")
    assert bad.status_code == 302
    html = client.get(bad.location).get_data(as_text=True)
    assert "Importing again.xes" in html and "Not imported" in html
    assert "Nothing was imported." in html and "<td>3</td><td><code>timestamp</code></td>" in html
    assert _count(app) == 2


def test_mapping_page_maps_unmapped_work(app, client, make, api_as, login_as):
    _, admin, stream_id, steps = quotes_office(make)
    login_as(admin)
    _upload(client, stream_id, XES, "log.xes")  # "Receive" matches the step by name
    client.post(f"/value-streams/{stream_id}/events/columns")  # no upload: sent back to the form
    csv = SMALL_CSV.encode()
    token_page = client.get(_upload(client, stream_id, csv, "log.csv").location)
    token = re.search(r'name="upload" value="([^"]+)"', token_page.get_data(as_text=True))[1]
    client.post(f"/value-streams/{stream_id}/events/columns", data={
        "upload": token, "column-case_id": "case_id", "column-activity": "activity",
        "column-timestamp": "timestamp", "column-lifecycle": "lifecycle"})
    page = client.get(f"/value-streams/{stream_id}/activities").get_data(as_text=True)
    assert "Unmapped work:" in page and "Chase customer" in page
    with app.app_context():
        chase = db.session.scalar(select(FlowActivity.id).where(FlowActivity.name == "Chase customer")
                                  .execution_options(all_organizations=True))
    saved = client.post(f"/value-streams/{stream_id}/activities", data={f"activity-{chase}": str(steps["Approve"])})
    assert saved.status_code == 302
    page = client.get(f"/value-streams/{stream_id}/activities").get_data(as_text=True)
    assert "Every activity of the log happens in a step of the map." in page
    refused = client.post(f"/value-streams/{stream_id}/activities", data={f"activity-{chase}": "999999"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "map")
                                 .execution_options(all_organizations=True)) == 1


def test_flow_page_shows_measured_beside_entered_and_adopts(app, client, make, api_as, login_as):
    _, admin, stream_id, steps = quotes_office(make)
    login_as(admin)
    token_page = client.get(_upload(client, stream_id, SMALL_CSV.encode(), "log.csv").location)
    token = re.search(r'name="upload" value="([^"]+)"', token_page.get_data(as_text=True))[1]
    client.post(f"/value-streams/{stream_id}/events/columns", data={
        "upload": token, "column-case_id": "case_id", "column-activity": "activity",
        "column-timestamp": "timestamp", "column-lifecycle": "lifecycle", "column-customer": "customer",
        "column-segment": "segment"})
    page = client.get(f"/value-streams/{stream_id}/flow?within=1&by=2026-12-31&wip=2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-figure="lead-p50">0.9 d<' in html  # 0.875 working days
    # Approve: entered 8 h of waiting (one working day), measured median 9,000 s = 2 h 30 min.
    assert "The map says <strong>Approve</strong> waits 1 d; measured median 2 h 30 min." in html
    assert "small business" in html and "Northwind" in html
    assert "of new cases finish within" in html and "Little's law: a WIP limit of 2" in html
    for chart in ("lead-times", "throughput", "cumulative-flow"):
        png = client.get(f"/value-streams/{stream_id}/flow/{chart}.png")
        assert png.status_code == 200 and png.data[:4] == b"\x89PNG"
    adopted = client.post(f"/value-streams/{stream_id}/flow/adopt", data={"step_id": str(steps["Approve"])})
    assert adopted.status_code == 302
    with app.app_context():
        approve = db.session.get(Step, steps["Approve"])
        stream = db.session.get(ValueStream, stream_id)
        assert (approve.wait_time_s, approve.cycle_time_s) == (9_000, 2_700)  # the measured medians
        assert stream.last_walked_on is not None  # adopting counts as verifying the map
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "adopt")
                                 .execution_options(all_organizations=True)) == 1


def test_flow_page_without_a_log_or_a_working_day(app, client, make, api_as, login_as):
    _, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    assert "No events yet" in client.get(f"/value-streams/{stream_id}/flow").get_data(as_text=True)
    api_as(admin).patch(f"/value-streams/{stream_id}", {"available_seconds_per_day": None})
    assert "available time per day (its working day)" in client.get(f"/value-streams/{stream_id}/flow").get_data(as_text=True)
    assert client.get(f"/value-streams/{stream_id}/flow/lead-times.png").status_code == 200


def test_the_charts_show_the_pages_period_and_nothing_else_of_its_address(app, client, make, login_as, tmp_path):
    """The page passed its whole query to the charts' addresses: a stray stream_id answered 500."""
    _, admin, stream_id, _ = quotes_office(make)
    log = tmp_path / "quotes.csv"
    log.write_text(SMALL_CSV)
    imported = app.test_cli_runner().invoke(cli, ["import-events", str(log), "--stream", str(stream_id)])
    assert imported.exit_code == 0, imported.output
    login_as(admin)
    page = client.get(f"/value-streams/{stream_id}/flow?from=2026-03-02&to=2026-03-09&stream_id=7&fmt=png"
                      "&confidence=0.9")
    assert page.status_code == 200
    sources = [src.replace("&amp;", "&") for src in re.findall(r'<img src="([^"]+)"', page.get_data(as_text=True))]
    for chart in ("lead-times", "throughput", "cumulative-flow"):
        assert f"/value-streams/{stream_id}/flow/{chart}.svg?from=2026-03-02&to=2026-03-09" in sources, sources
        svg = client.get(f"/value-streams/{stream_id}/flow/{chart}.svg?from=2026-03-02&to=2026-03-09")
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"


def test_a_viewer_reads_but_cannot_import_map_or_adopt(app, client, make, api_as, login_as):
    org, _, stream_id, _ = quotes_office(make)
    login_as(make.user(org, "viewer"))
    assert client.get(f"/value-streams/{stream_id}/flow").status_code == 200
    assert client.get(f"/value-streams/{stream_id}/activities").status_code == 200
    assert client.get(f"/value-streams/{stream_id}/events/import").status_code == 403
    assert _upload(client, stream_id, XES, "log.xes").status_code == 403
    assert client.post(f"/value-streams/{stream_id}/flow/adopt").status_code == 403
    assert _count(app) == 0


def test_the_settings_schema_names_each_bad_field():
    from lms.errors import ValidationFailed
    from lms.flow.schemas import TOLERANCE_MESSAGE, WORKDAY_START_MESSAGE, FlowProfileIn
    from lms.validation import validate

    with pytest.raises(ValidationFailed) as refused:
        validate(FlowProfileIn, {"workday_starts_at_s": 86_400, "tolerance_pct": True, "outcome_id": True})
    assert refused.value.fields == {"workday_starts_at_s": [WORKDAY_START_MESSAGE],
                                    "tolerance_pct": [TOLERANCE_MESSAGE],
                                    "outcome_id": ["Enter a number, not true or false."]}
    assert validate(FlowProfileIn, {"workday_starts_at_s": 0, "tolerance_pct": 1_000}).kpi_id is None


def test_settings_are_validated_and_saved(app, client, make, api_as, login_as):
    _, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    bad = client.post(f"/value-streams/{stream_id}/flow/settings",
                      data={"workday_start": "25:00", "tolerance_pct": "10", "outcome_id": "", "kpi_id": ""})
    assert bad.status_code == 422 and "HH:MM" in bad.get_data(as_text=True)
    good = client.post(f"/value-streams/{stream_id}/flow/settings",
                       data={"workday_start": "07:30", "tolerance_pct": "10", "outcome_id": "", "kpi_id": ""})
    assert good.status_code == 302
    assert 'value="07:30"' in client.get(f"/value-streams/{stream_id}/flow").get_data(as_text=True)
