"""A page import runs as background work: its status page, its JSON, who may see them, the thread."""

from __future__ import annotations

import io
import json
import re
import threading

from sqlalchemy import func, select

from lms.extensions import db
from lms.flow import import_services as flow_import_services
from lms.flow import upload_files as flow_upload_files
from lms.models import AuditEvent, FlowEvent
from tests.conftest import login as sign_in
from tests.flow.small_log import SMALL_CSV
from tests.scenarios import quotes_office

MAPPING = {"column-case_id": "case_id", "column-activity": "activity", "column-timestamp": "timestamp",
           "column-lifecycle": "lifecycle", "column-customer": "customer", "column-segment": "segment"}


def _count(app, model=FlowEvent, **where):
    with app.app_context():
        stmt = select(func.count(model.id)).execution_options(all_organizations=True)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return db.session.scalar(stmt)


def _upload_csv(client, stream_id, text: str, name: str = "tracker export.csv") -> str:
    """Upload a CSV log; return the token of the kept upload from its column page."""
    response = client.post(f"/value-streams/{stream_id}/events/import",
                           data={"log": (io.BytesIO(text.encode()), name)}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    return re.search(r'name="upload" value="([^"]+)"', page)[1]


def _import(client, stream_id, token, name="tracker export.csv"):
    return client.post(f"/value-streams/{stream_id}/events/columns", data={"upload": token, "name": name, **MAPPING})


def login(client, user):
    """Sign ``user`` in on a client of their own; return the client."""
    sign_in(client, user)
    return client


def _join_imports() -> None:
    """Wait for the background imports to end (each one, however long it takes)."""
    for worker in threading.enumerate():
        if worker.name.startswith("lms-import-"):
            worker.join()


def test_the_status_page_ends_on_the_counts_and_the_import_is_audited(app, client, make, api_as, login_as):
    _, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    token = _upload_csv(client, stream_id, SMALL_CSV)
    started = _import(client, stream_id, token)
    status_url = f"/value-streams/{stream_id}/events/imports/{token}"
    assert started.status_code == 302 and started.location.endswith(status_url)
    html = client.get(status_url).get_data(as_text=True)
    assert "Importing tracker export.csv" in html and "Imported" in html
    assert "16 events imported; 4 new activities, 1 of them map to no step yet." in html
    assert 'http-equiv="refresh"' not in html  # a finished import stops refreshing
    answer = client.get(f"{status_url}/status.json")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["state"] == "done" and body["finished"] and body["percent"] == 100
    assert body["events_read"] == 16 and body["bytes_read"] == body["total_bytes"] == len(SMALL_CSV)
    assert body["result"]["added"] == 16 and body["result"]["unmapped"] == ["Chase customer"]
    assert _count(app) == 16
    with app.app_context():
        audit = db.session.execute(select(AuditEvent.summary, AuditEvent.actor_id)
                                   .where(AuditEvent.action == "import")
                                   .execution_options(all_organizations=True)).one()
    assert "Event log tracker export.csv imported into Quotes: 16 events imported" in audit.summary
    assert audit.actor_id == admin.id  # the background work acts for the person who started it
    with app.app_context():
        assert flow_upload_files.path_of(token, admin.organization_id, stream_id) is None  # the upload is gone


def test_a_bad_row_ends_on_its_errors_and_writes_nothing(app, client, make, api_as, login_as):
    _, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    token = _upload_csv(client, stream_id, SMALL_CSV + "D,Ship,yesterday,complete,,\nE,,2026-03-02,,,\n")
    started = _import(client, stream_id, token)
    assert started.status_code == 302
    html = client.get(started.location).get_data(as_text=True)
    assert "Not imported" in html and "Nothing was imported." in html and "2 problems" in html
    assert "<td>18</td><td><code>timestamp</code></td><td>Not an ISO 8601 date-time" in html
    assert "<td>19</td><td><code>activity</code></td>" in html
    body = client.get(f"/value-streams/{stream_id}/events/imports/{token}/status.json").get_json()
    assert body["state"] == "rejected" and body["result"] is None
    assert {"row": 18, "column": "timestamp"}.items() <= body["errors"][0].items()
    assert _count(app) == 0 and _count(app, AuditEvent, action="import") == 0


def test_a_missing_column_is_refused_on_the_column_page_before_anything_starts(app, client, make, api_as,
                                                                                login_as):
    _, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    token = _upload_csv(client, stream_id, SMALL_CSV)
    refused = client.post(f"/value-streams/{stream_id}/events/columns",
                          data={"upload": token, "column-case_id": "case_id", "column-activity": "activity"})
    assert refused.status_code == 422
    assert "Choose the column that holds the timestamp" in refused.get_data(as_text=True)
    assert client.get(f"/value-streams/{stream_id}/events/imports/{token}").status_code == 404


def test_only_who_may_import_into_the_stream_sees_the_status(app, client, make, api_as, login_as):
    org, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    token = _upload_csv(client, stream_id, SMALL_CSV)
    _import(client, stream_id, token)
    status_url = f"/value-streams/{stream_id}/events/imports/{token}"
    viewer = login(app.test_client(), make.user(org, "viewer"))
    assert viewer.get(status_url).status_code == 403
    assert viewer.get(f"{status_url}/status.json").status_code == 403
    stranger = login(app.test_client(), make.user(make.org("Other", "other"), "admin"))
    assert stranger.get(status_url).status_code == 404  # another organization's stream is not found
    assert stranger.get(f"{status_url}/status.json").status_code == 404
    assert client.get(f"/value-streams/{stream_id}/events/imports/{'x' * 32}").status_code == 404
    assert client.get(f"/value-streams/{stream_id}/events/imports/bad.token").status_code == 404


def test_an_unfinished_import_refreshes_itself_and_shows_its_progress(app, client, make, api_as, login_as):
    org, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    token = _upload_csv(client, stream_id, SMALL_CSV)
    with app.app_context():
        path = flow_import_services.status_path(token, org.id, stream_id)
        status = flow_import_services.ImportStatus(flow_import_services.READING, admin.id, "big.csv", 2_000_000, 500_000, 7_000)
        flow_import_services._write(path, status)
    html = client.get(f"/value-streams/{stream_id}/events/imports/{token}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="1"></noscript>' in html
    assert 'js/flow_import.js' in html and 'data-status-url=' in html
    assert '<progress class="import-progress" max="100" value="25"' in html
    assert "7,000</span> events read" in html and "Reading and checking the events" in html
    body = client.get(f"/value-streams/{stream_id}/events/imports/{token}/status.json").get_json()
    assert (body["state"], body["percent"], body["finished"]) == ("reading", 25, False)
    # An import whose process ended long ago says so instead of refreshing for ever.
    imports_json = json.loads(path.read_text())
    imports_json["updated_at"] -= flow_import_services.STALLED_S + 1
    path.write_text(json.dumps(imports_json))
    html = client.get(f"/value-streams/{stream_id}/events/imports/{token}").get_data(as_text=True)
    assert "The import stopped" in html and 'http-equiv="refresh"' not in html
    assert client.get(f"/value-streams/{stream_id}/events/imports/{token}/status.json").get_json()["state"] \
        == "stalled"


def test_the_real_thread_imports_after_the_request(app, client, make, api_as, login_as, monkeypatch):
    _, admin, stream_id, _ = quotes_office(make)
    login_as(admin)
    monkeypatch.setitem(app.config, "LMS_IMPORT_IN_BACKGROUND", True)
    ran_in: list[str] = []
    run = flow_import_services.run
    monkeypatch.setattr(flow_import_services, "run", lambda job: (ran_in.append(threading.current_thread().name), run(job)))
    token = _upload_csv(client, stream_id, SMALL_CSV)
    started = _import(client, stream_id, token)
    assert started.status_code == 302
    _join_imports()
    assert ran_in == [f"lms-import-{stream_id}"]  # not the request's thread
    body = client.get(f"/value-streams/{stream_id}/events/imports/{token}/status.json").get_json()
    assert body["state"] == "done", body
    assert body["result"]["added"] == 16 and _count(app) == 16
    assert _count(app, AuditEvent, action="import") == 1
    # The same log again, through the thread: nothing is added twice.
    again = _upload_csv(client, stream_id, SMALL_CSV)
    _import(client, stream_id, again)
    _join_imports()
    body = client.get(f"/value-streams/{stream_id}/events/imports/{again}/status.json").get_json()
    assert (body["state"], body["result"]["added"], body["result"]["duplicates"]) == ("done", 0, 16)
    assert _count(app) == 16
