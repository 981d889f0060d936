"""Pages, charts and the metrics API survive any number stored before the bounds existed.

The values are written straight into the database, past every validation, as a direct load or
data from before the bounds would be; every page and chart still answers 200, and a figure that
cannot be computed is shown as "out of range" (pages) or null (API).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from lms.extensions import db
from lms.models import Kpi, KpiMeasurement, Step, ValueStream

HUGE = 1.7e308
# Each case: what the stream and its steps hold (every step gets the same values).
CASES = {
    "two cycle times of 1e308": ({}, {"cycle_time_s": 1e308}),
    "largest floats everywhere": (
        {"daily_demand": HUGE, "available_seconds_per_day": HUGE},
        {"cycle_time_s": HUGE, "changeover_s": HUGE, "wait_time_s": HUGE, "inventory_units": HUGE,
         "uptime_pct": HUGE, "pct_complete_accurate": HUGE},
    ),
    "negative extremes": (
        {"daily_demand": -HUGE, "available_seconds_per_day": -HUGE},
        {"cycle_time_s": -HUGE, "changeover_s": -HUGE, "wait_time_s": -HUGE, "inventory_units": -HUGE,
         "uptime_pct": -HUGE, "pct_complete_accurate": -HUGE},
    ),
    "tiny demand, huge stock": (
        {"daily_demand": 5e-324, "available_seconds_per_day": HUGE},
        {"cycle_time_s": HUGE, "inventory_units": HUGE, "uptime_pct": 1e-300, "pct_complete_accurate": 1e-300},
    ),
}


@pytest.fixture()
def stored(make, api_as, login_as, app):
    """An organization with a stream of three steps and a KPI with measurements, as the API made them."""
    org = make.org("Extreme Works")
    admin = make.user(org, "admin")
    api = api_as(admin)
    customer = api.post("/customers", json={"name": "Fleet", "kind": "external"}).get_json()
    job = api.post("/jobs", json={"customer_id": customer["id"], "statement": "Keep trucks running"}).get_json()
    stream = api.post("/value-streams", json={"name": "Truck repair", "customer_id": customer["id"],
                                              "job_id": job["id"], "daily_demand": 10,
                                              "available_seconds_per_day": 27_600}).get_json()
    steps = [
        {"name": "Diagnose", "cycle_time_s": 600, "job_id": job["id"], "classification": "value-adding"},
        {"name": "Parts", "kind": "inventory", "inventory_units": 5, "classification": "waste",
         "waste_types": ["waiting", "inventory"]},
        {"name": "Repair", "cycle_time_s": 900, "classification": "necessary", "uptime_pct": 90,
         "operators": 2, "pct_complete_accurate": 95},
    ]
    for step in steps:
        assert api.post(f"/value-streams/{stream['id']}/steps", json=step).status_code == 201
    kpi = api.post("/kpis", json={"name": "Trucks back per day", "value_stream_id": stream["id"],
                                  "target": 10}).get_json()
    start = date.today() - timedelta(days=60)
    api.post(f"/kpis/{kpi['id']}/measurements", json={"measurements": [
        {"measured_on": (start + timedelta(days=7 * n)).isoformat(), "value": n} for n in range(8)]})
    return {"api": api, "client": login_as(admin), "stream": stream["id"], "kpi": kpi["id"], "org": org}


def _store(app, stream_id: int, stream_values: dict, step_values: dict) -> None:
    with app.app_context():
        if stream_values:
            db.session.execute(update(ValueStream).where(ValueStream.id == stream_id).values(**stream_values))
        db.session.execute(update(Step).where(Step.value_stream_id == stream_id).values(**step_values))
        db.session.commit()


def _pages(stream_id: int, kpi_id: int) -> list[str]:
    return ["/", "/value-streams/", f"/value-streams/{stream_id}", f"/value-streams/{stream_id}/map.png",
            f"/value-streams/{stream_id}/takt.png", f"/value-streams/{stream_id}/pareto.png",
            "/dashboard/waste-pareto.png", f"/kpis/{kpi_id}", f"/kpis/{kpi_id}/chart.png", "/kpis/"]


@pytest.mark.parametrize("case", list(CASES))
def test_pages_charts_and_metrics_survive_extreme_stored_steps(stored, app, case):
    stream_values, step_values = CASES[case]
    _store(app, stored["stream"], stream_values, step_values)
    client = stored["client"]
    for path in _pages(stored["stream"], stored["kpi"]):
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[-2000:])
    metrics = stored["api"].get(f"/value-streams/{stored['stream']}/metrics")
    assert metrics.status_code == 200, metrics.get_data(as_text=True)
    steps = stored["api"].get(f"/value-streams/{stored['stream']}/steps")
    assert steps.status_code == 200, steps.get_data(as_text=True)


def test_an_overflowing_lead_time_is_out_of_range_on_the_page_and_null_in_the_api(stored, app):
    _store(app, stored["stream"], {}, {"cycle_time_s": 1e308})
    page = stored["client"].get(f"/value-streams/{stored['stream']}").get_data(as_text=True)
    assert "out of range" in page
    metrics = stored["api"].get(f"/value-streams/{stored['stream']}/metrics").get_json()
    assert metrics["lead_time_s"] is None and metrics["processing_time_s"] is None
    assert "lead_time_s" in metrics["out_of_range"]


@pytest.mark.parametrize("value", [1e308, -1e308, HUGE, -HUGE])
def test_the_kpi_page_and_chart_survive_extreme_measurements_and_targets(stored, app, value):
    with app.app_context():
        db.session.execute(update(KpiMeasurement).where(KpiMeasurement.kpi_id == stored["kpi"])
                           .values(value=value))
        db.session.execute(update(Kpi).where(Kpi.id == stored["kpi"]).values(target=-value))
        db.session.commit()
    client = stored["client"]
    for path in ("/", f"/kpis/{stored['kpi']}", f"/kpis/{stored['kpi']}/chart.png", "/kpis/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[-2000:])
    drift = stored["api"].get(f"/kpis/{stored['kpi']}/drift")
    assert drift.status_code == 200, drift.get_data(as_text=True)


# --- the bounds: refused on the way in, by the API, the forms and the importer alike -------------

@pytest.mark.parametrize("field, value, allowed", [
    ("cycle_time_s", 315_360_001, 315_360_000),
    ("wait_time_s", 1e308, 315_360_000),
    ("changeover_s", 1e10, 3600),
    ("inventory_units", 1_000_000_001, 1_000_000_000),
])
def test_the_api_refuses_a_step_figure_beyond_its_bound_and_takes_the_bound(stored, field, value, allowed):
    api = stored["api"]
    refused = api.post(f"/value-streams/{stored['stream']}/steps", json={"name": "Far", field: value})
    assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    taken = api.post(f"/value-streams/{stored['stream']}/steps", json={"name": "Far", field: allowed})
    assert taken.status_code == 201, taken.get_json()


@pytest.mark.parametrize("path, body, field", [
    ("/value-streams", {"name": "Huge demand", "daily_demand": 1e10}, "daily_demand"),
    ("/kpis", {"name": "Huge target", "target": -1e16}, "target"),
])
def test_the_api_refuses_streams_and_kpis_beyond_their_bounds(stored, path, body, field):
    response = stored["api"].post(path, json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_measurements_beyond_1e15_are_refused_and_1e15_is_taken(stored):
    api, kpi = stored["api"], stored["kpi"]
    refused = api.post(f"/kpis/{kpi}/measurements", json={"measured_on": "2026-01-05", "value": -1.0000001e15})
    assert refused.status_code == 422 and "value" in refused.get_json()["error"]["fields"]
    assert api.post(f"/kpis/{kpi}/measurements",
                    json={"measured_on": "2026-01-05", "value": -1e15}).status_code == 201


def test_the_step_form_refuses_a_cycle_time_beyond_ten_years(stored, app):
    client = stored["client"]
    response = client.post(f"/value-streams/{stored['stream']}/steps/new", data={
        "name": "Forever", "kind": "process", "job_id": "", "classification": "unclassified", "rationale": "",
        "cycle_time_s": "1e308", "changeover_s": "", "uptime_pct": "", "operators": "",
        "pct_complete_accurate": "", "wait_time_s": "", "inventory_units": "", "owner_id": "", "position": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="cycle_time_s-error"' in page and "less than or equal to 315360000" in page


def test_a_json_import_with_extreme_figures_is_refused_and_writes_nothing(stored, make, api_as, app):
    empty = make.org("Empty Works")
    api = api_as(make.user(empty, "admin"))
    document = stored["api"].get("/export").get_json()
    document["value_streams"][0]["steps"][0]["cycle_time_s"] = 1e308
    document["value_streams"][0]["daily_demand"] = 1e300
    document["kpis"][0]["measurements"][0]["value"] = -1e308
    response = api.post("/import", json=document)
    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    assert {"value_streams.0.steps.0.cycle_time_s", "value_streams.0.daily_demand",
            "kpis.0.measurements.0.value"} <= set(fields)
    with app.app_context():
        assert db.session.scalar(select(func.count(Step.id)).where(Step.organization_id == empty.id)) == 0


def test_the_openapi_document_states_the_bounds(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]

    def bounds(model: str, field: str) -> tuple:
        prop = schemas[model]["properties"][field]
        number = next((s for s in prop.get("anyOf", [prop]) if s.get("type") in ("number", "integer")), prop)
        return number.get("minimum", number.get("exclusiveMinimum")), number.get("maximum")

    assert bounds("StepIn", "cycle_time_s") == (0, 315_360_000)
    assert bounds("StepPatch", "wait_time_s") == (0, 315_360_000)
    assert bounds("StepIn", "inventory_units") == (0, 1_000_000_000)
    assert bounds("ValueStreamIn", "daily_demand") == (0, 1_000_000_000)
    assert bounds("MeasurementIn", "value") == (-1e15, 1e15)
    assert bounds("KpiIn", "target") == (-1e15, 1e15)
