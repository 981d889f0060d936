"""The measured flow through the JSON API: import (JSON, CSV, XES), activities, flow and forecasts."""

from __future__ import annotations

import pytest

from tests.flow.small_log import SMALL_CSV, SMALL_LOG
from tests.flow.test_parsing import XES
from tests.scenarios import quotes_stream


@pytest.fixture()
def setup(make, api_as):
    org = make.org()
    admin = make.user(org, "admin")
    api = api_as(admin)
    stream_id, steps = quotes_stream(make, admin)
    return org, api, stream_id, steps


def test_json_import_is_all_or_nothing_and_idempotent(setup):
    _, api, stream_id, _ = setup
    bad = api.post(f"/value-streams/{stream_id}/events",
                   {"events": [*SMALL_LOG[:2], {**SMALL_LOG[2], "timestamp": "soon"}]})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"] == {"events.2.timestamp": [
        "Not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00)."]}
    first = api.post(f"/value-streams/{stream_id}/events", {"events": SMALL_LOG})
    assert first.status_code == 201
    assert first.get_json() == {"read": 16, "added": 16, "duplicates": 0, "skipped": 0,
                                "new_activities": ["Receive", "Approve", "Ship", "Chase customer"],
                                "unmapped": ["Chase customer"]}
    again = api.post(f"/value-streams/{stream_id}/events", {"events": SMALL_LOG})
    assert (again.get_json()["added"], again.get_json()["duplicates"]) == (0, 16)
    unknown = api.post(f"/value-streams/{stream_id}/events", {"events": [{**SMALL_LOG[0], "customer_id": 99999}]})
    assert unknown.status_code == 422 and "No such customer" in str(unknown.get_json())


def test_csv_and_xes_bodies(setup):
    _, api, stream_id, _ = setup
    csv = api.post(f"/value-streams/{stream_id}/events", data=SMALL_CSV, content_type="text/csv")
    assert csv.status_code == 201 and csv.get_json()["added"] == 16
    xes = api.post(f"/value-streams/{stream_id}/events", data=XES, content_type="application/xml")
    assert xes.status_code == 201 and (xes.get_json()["added"], xes.get_json()["skipped"]) == (2, 1)
    bad = api.post(f"/value-streams/{stream_id}/events", data=SMALL_CSV + "D,Ship,,complete,,\n",
                   content_type="text/csv")
    assert bad.status_code == 422 and "row 18.timestamp" in bad.get_json()["error"]["fields"]


def test_activities_flow_and_forecast(setup):
    _, api, stream_id, steps = setup
    api.post(f"/value-streams/{stream_id}/events", {"events": SMALL_LOG})
    activities = api.get(f"/value-streams/{stream_id}/events").get_json()
    assert [(a["name"], a["events"], a["step_id"]) for a in activities["items"]] == [
        ("Receive", 6, steps["Receive"]), ("Approve", 5, steps["Approve"]), ("Ship", 4, steps["Ship"]),
        ("Chase customer", 1, None)]
    flow = api.get(f"/value-streams/{stream_id}/flow").get_json()
    assert (flow["cases"], flow["finished_cases"]) == (3, 2)
    assert flow["lead_time_days"]["p50"] == pytest.approx(0.875)
    assert flow["flow_efficiency"] == pytest.approx(16_200 / 50_400)
    approve = next(s for s in flow["steps"] if s["step_id"] == steps["Approve"])
    assert approve["waiting_s"]["p50"] == 9_000 and approve["processing_s"]["p50"] == 2_700
    assert {s["segment"] for s in flow["by_segment"]} == {"enterprise", "small business"}
    period = api.get(f"/value-streams/{stream_id}/flow?from=2026-03-06&to=2026-03-09").get_json()
    assert (period["cases"], period["finished_cases"]) == (1, 1)  # case B alone
    forecast = api.get(f"/value-streams/{stream_id}/forecast?confidence=0.85&within_days=1&by=2026-03-20"
                       "&wip_limit=2").get_json()
    assert forecast["runs"] == 5_000 and forecast["seed"] == 17
    assert 0.625 <= forecast["days"] <= 1.125 and 0 < forecast["probability"] < 1
    assert forecast["what_if_lead_time_days"] == pytest.approx(2 / (2 / (185_400 / 28_800)))
    assert forecast == api.get(f"/value-streams/{stream_id}/forecast?confidence=0.85&within_days=1"
                               "&by=2026-03-20&wip_limit=2").get_json()  # seeded: the same answer
    assert api.get(f"/value-streams/{stream_id}/forecast?confidence=2").status_code == 422


def test_a_viewer_reads_but_cannot_import(setup, make, api_as):
    org, _, stream_id, _ = setup
    viewer = api_as(make.user(org, "viewer"))
    assert viewer.get(f"/value-streams/{stream_id}/flow").status_code == 200
    assert viewer.post(f"/value-streams/{stream_id}/events", {"events": SMALL_LOG}).status_code == 403
