"""The dashboard: customers side by side, organization-wide alerts, every number linked, cached."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from lms.extensions import db
from lms.models import Organization
from tests.rows import tables_read


def _build(api, streams: int = 1):
    """An external and an internal customer, a job stack with a gap, a stream, an orphan KPI."""
    external = api.post("/customers", json={"name": "Water utilities", "kind": "external"}).get_json()
    internal = api.post("/customers", json={"name": "Maintenance planning", "kind": "internal"}).get_json()
    high = api.post("/jobs", json={"customer_id": external["id"], "statement": "Restore a pump"}).get_json()
    served = api.post("/jobs", json={"customer_id": external["id"], "parent_id": high["id"],
                                     "statement": "Diagnose the fault", "necessity": "required"}).get_json()
    api.post("/jobs", json={"customer_id": external["id"], "parent_id": high["id"],
                            "statement": "Order the parts", "necessity": "required"})
    outcome = api.post("/outcomes", json={"job_id": served["id"],
                                          "statement": "Minimize the time to a working pump"}).get_json()
    api.post(f"/outcomes/{outcome['id']}/ratings", json={"rated_on": "2026-10-01", "importance": 9,
                                                         "satisfaction": 3})
    stream_ids = []
    for n in range(streams):
        stream = api.post("/value-streams", json={"name": f"Pump repair {n}", "customer_id": external["id"],
                                                  "job_id": high["id"], "daily_demand": 10,
                                                  "available_seconds_per_day": 27600}).get_json()
        api.post(f"/value-streams/{stream['id']}/steps", json={
            "name": "Diagnose", "cycle_time_s": 600, "job_id": served["id"], "classification": "value-adding"})
        api.post(f"/value-streams/{stream['id']}/steps", json={
            "name": "Wait for parts", "kind": "inventory", "wait_time_s": 9000, "classification": "waste",
            "waste_types": ["waiting"]})
        stream_ids.append(stream["id"])
    kpi = api.post("/kpis", json={"name": "Repairs per day", "direction": "increase"}).get_json()
    return {"external": external, "internal": internal, "high": high, "outcome": outcome,
            "stream": stream_ids[0], "kpi": kpi}


@pytest.fixture()
def signed_in(make, api_as, login_as):
    org = make.org("Northwind Repair")
    admin = make.user(org, "admin")
    return org, admin, api_as(admin), login_as(admin)


def test_a_new_organization_is_told_where_to_start(signed_in):
    _, _, _, client = signed_in
    page = client.get("/").get_data(as_text=True)
    assert "Start here" in page and "Name your customers" in page


def test_deleting_a_customer_reaches_the_kpis_tied_to_its_outcomes_at_once(signed_in):
    """The database deletes the customer's jobs, outcomes and their KPI links: the drift the
    dashboard keeps across writes that touch none of them is judged again, and the KPI is orphan."""
    _, _, api, client = signed_in
    built = _build(api)
    api.patch(f"/kpis/{built['kpi']['id']}", json={"outcome_ids": [built["outcome"]["id"]]})

    def orphans() -> int:
        page = client.get("/").get_data(as_text=True)
        found = re.search(r'drift-orphan" href="[^"]*">(\d+) orphan', page)
        return int(found.group(1)) if found else 0

    assert orphans() == 0
    customer = api.get(f"/customers/{built['external']['id']}").get_json()
    assert api.delete(f"/customers/{customer['id']}?version={customer['version']}").status_code == 204
    assert orphans() == 1


def test_customers_side_by_side_with_their_figures_and_links(signed_in, make, app):
    org, admin, api, client = signed_in
    built = _build(api)
    make.review(admin, built["stream"], date.today(), status="open", actions=[
        {"title": "Kanban for seals", "due_on": date.today() - timedelta(days=3), "stage": "do",
         "owner_id": admin.id}])
    api.post("/customers", json={"name": "Finance", "kind": "internal"})  # a change: the cache refreshes
    page = client.get("/").get_data(as_text=True)
    external, internal = page.index("External customers"), page.index("Internal customers")
    assert external < page.index("Water utilities") < internal < page.index("Maintenance planning")
    assert f'/customers/{built["external"]["id"]}#gaps">1 job gap' in page
    assert f'/customers/outcomes/{built["outcome"]["id"]}' in page and "opportunity 15.0 (high)" in page
    assert f'/value-streams/{built["stream"]}' in page
    assert "/kpis/?status=orphan" in page  # the orphan KPI is an alert, linked to its list
    assert "Repairs per day" in page
    assert "Order the parts" in page or "Not capable" in page  # the struggling job names its gap
    assert "Kanban for seals" in page and "3 days overdue" in page  # calendar days, not working days (d)
    assert "Changes this week" in page


def test_dashboard_shows_only_the_own_organization(signed_in, make, api_as):
    _, _, api, client = signed_in
    stranger = make.user(make.org("Elsewhere"), "admin")
    api_as(stranger).post("/customers", json={"name": "Secret customer", "kind": "external"})
    _build(api)
    assert "Secret customer" not in client.get("/").get_data(as_text=True)


def _statements(app, client, path):
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def test_dashboard_queries_do_not_grow_with_the_data_and_are_cached(signed_in, make, api_as, login_as, app):
    _, _, api, client = signed_in
    _build(api, streams=2)
    small = _statements(app, client, "/")  # the first view after the writes: computed
    cached = _statements(app, client, "/")
    assert cached < small  # the second view comes from the cache
    big_admin = make.user(make.org("Big"), "admin")
    _build(api_as(big_admin), streams=8)
    client.post("/logout")
    login_as(big_admin)
    assert _statements(app, client, "/") == small


def test_waste_pareto_chart_and_revalidation(signed_in):
    _, _, api, client = signed_in
    _build(api)
    response = client.get("/dashboard/waste-pareto.png")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    again = client.get("/dashboard/waste-pareto.png", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_drift_is_kept_across_writes_to_what_it_does_not_read(signed_in, app, make):
    """A step's new cycle time does not recompute the drift of every KPI; a measurement does.

    Tagging the step a KPI measures as waste changes its status at once: which KPIs measure waste
    is read on every view and keys the kept drift.
    """
    from lms.dashboard import queries as dashboard_queries

    org, admin, api, client = signed_in
    built = _build(api)
    step = api.get(f"/value-streams/{built['stream']}/steps").get_json()["items"][0]
    kpi = api.post("/kpis", json={"name": "Diagnoses per day", "direction": "increase",
                                  "value_stream_id": built["stream"], "step_id": step["id"],
                                  "outcome_ids": [built["outcome"]["id"]]}).get_json()
    for weeks in range(6):
        api.post(f"/kpis/{kpi['id']}/measurements",
                 json={"measured_on": (date.today() - timedelta(weeks=weeks)).isoformat(), "value": 10 + weeks})
    computed = _statements(app, client, "/")
    assert api.patch(f"/steps/{step['id']}", json={"cycle_time_s": 700}).status_code == 200
    after_step = _statements(app, client, "/")
    api.post(f"/kpis/{kpi['id']}/measurements", json={"measured_on": date.today().isoformat(), "value": 9})
    after_measurement = _statements(app, client, "/")
    # Kept across both writes: the segments' case counts (1 statement, segment_share_queries) and the
    # rated outcomes (1, organization_rated_outcomes). Across the step's: the drift's KPIs, window,
    # newest days, links and ratings (5). Across the measurement's: the stream totals and what serves
    # each job (2, organization_stream_totals and organization_serving_steps).
    assert after_step == computed - 2 - 5 and after_measurement == computed - 2 - 2

    def totals():
        ctx = make.acting_as(admin)
        try:
            return dashboard_queries.dashboard(db.session.get(Organization, org.id)).drift_totals
        finally:
            ctx.pop()

    assert totals()["measures-waste"] == 0
    assert api.patch(f"/steps/{step['id']}", json={"classification": "waste"}).status_code == 200
    assert totals()["measures-waste"] == 1


def test_the_kept_rated_outcomes_follow_a_new_rating_at_once(signed_in, app):
    """A step's new figures keep the organization's rated outcomes; a rating rates them afresh."""
    _, _, api, client = signed_in
    built = _build(api)
    outcome = built["outcome"]["id"]
    underserved = "<dt>Underserved outcomes</dt><dd>1</dd>"
    computed = _statements(app, client, "/customers/")  # the first view rates the outcomes
    assert underserved in client.get("/customers/").get_data(as_text=True)
    assert "opportunity 15.0 (high)" in client.get("/").get_data(as_text=True)
    step = api.get(f"/value-streams/{built['stream']}/steps").get_json()["items"][0]
    assert api.patch(f"/steps/{step['id']}", json={"cycle_time_s": 700}).status_code == 200
    assert _statements(app, client, "/customers/") == computed - 1  # the outcomes are not rated again
    # A newer wave: the outcome is now served (9 + max(9 - 9, 0) = 9), on both pages at once.
    assert api.post(f"/outcomes/{outcome}/ratings", json={"rated_on": "2026-11-01", "importance": 9,
                                                          "satisfaction": 9}).status_code == 201
    assert "opportunity 15.0" not in client.get("/").get_data(as_text=True)
    assert underserved not in client.get("/customers/").get_data(as_text=True)


def test_the_kept_rated_outcomes_name_every_table_they_read(signed_in, app, make):
    from lms.customers import queries as customer_queries

    _, admin, api, _ = signed_in
    _build(api)
    rated, tables = tables_read(app, make, admin, customer_queries.organization_rated_outcomes)
    assert sum(len(outcomes) for outcomes in rated.values()) == 1
    assert tables <= customer_queries.RATED_READS and "outcome_ratings" in tables, tables


def test_the_kept_measurement_facts_name_every_table_they_read(signed_in, app, make):
    from lms.kpis import drift_queries

    _, admin, api, _ = signed_in
    built = _build(api)
    for weeks in range(3):
        api.post(f"/kpis/{built['kpi']['id']}/measurements",
                 json={"measured_on": (date.today() - timedelta(weeks=weeks)).isoformat(), "value": 10 + weeks})
    start = date.today() - timedelta(days=180)
    facts, tables = tables_read(app, make, admin,
                                lambda: drift_queries._measurement_facts(None, start, date.today(), {}))
    assert facts[built["kpi"]["id"]].count == 3, facts
    assert tables <= drift_queries.FACTS_READS and "kpi_measurements" in tables, tables


def test_a_new_rating_judges_only_the_kpis_tied_to_its_outcome_and_moves_the_drift(signed_in, app, make, monkeypatch):
    """After a rating only the KPIs tied to the rated outcome are judged again: the other KPIs' trends
    are kept, and no KPI's trend is fitted again across the whole organization."""
    from lms.kpis import drift_queries

    org, admin, api, client = signed_in
    built = _build(api)
    kpi = api.post("/kpis", json={"name": "Pumps repaired per week", "direction": "increase",
                                  "outcome_ids": [built["outcome"]["id"]]}).get_json()
    for weeks in range(8):
        api.post(f"/kpis/{kpi['id']}/measurements",
                 json={"measured_on": (date.today() - timedelta(weeks=weeks)).isoformat(), "value": 30 - weeks})
    fitted = []  # the KPIs of each fit
    fit = drift_queries.window_facts_many
    monkeypatch.setattr(drift_queries, "window_facts_many",
                        lambda *a: fitted.append(set(a[0].tolist())) or fit(*a))
    client.get("/")
    assert fitted == [{kpi["id"]}]  # the other KPI has no measurements to fit
    api.post("/kpis", json={"name": "Calls answered", "direction": "increase"})  # not tied to the outcome
    api.post(f"/kpis/{built['kpi']['id']}/measurements", json={"measured_on": date.today().isoformat(),
                                                                 "value": 4})
    client.get("/")
    assert fitted[-1] == {kpi["id"], built["kpi"]["id"]}
    fitted.clear()
    for days, satisfaction in ((60, 6.0), (5, 2.0)):  # the outcome got worse while the KPI improved
        api.post(f"/outcomes/{built['outcome']['id']}/ratings", json={
            "rated_on": (date.today() - timedelta(days=days)).isoformat(), "importance": 9,
            "satisfaction": satisfaction, "respondents": 400})
    client.get("/")
    assert fitted == [{kpi["id"]}]  # only the KPI tied to the outcome, once for both waves
    ctx = make.acting_as(admin)
    try:
        from lms.dashboard import queries as dashboard_queries
        totals = dashboard_queries.dashboard(db.session.get(Organization, org.id)).drift_totals
    finally:
        ctx.pop()
    assert totals["diverging"] == 1, totals
    fitted.clear()
    api.post(f"/kpis/{kpi['id']}/measurements", json={"measured_on": date.today().isoformat(), "value": 1})
    client.get("/")
    assert fitted == [{kpi["id"], built["kpi"]["id"]}]  # a measurement fits them all again


@pytest.mark.parametrize("kept", ["stream totals", "serving steps"])
def test_the_kept_stream_figures_name_every_table_they_read(signed_in, app, make, kept):
    from lms.customers import queries as customer_queries
    from lms.streams import queries as stream_queries

    compute, reads = {
        "stream totals": (stream_queries.organization_stream_totals, stream_queries.TOTALS_READS),
        "serving steps": (customer_queries.organization_serving_steps, customer_queries.SERVING_READS),
    }[kept]
    _, admin, api, _ = signed_in
    built = _build(api)
    value, tables = tables_read(app, make, admin, compute)
    assert value and (kept == "serving steps" or value[0].id == built["stream"]), value
    assert tables <= reads and "steps" in tables, tables


def test_a_step_change_reaches_the_kept_stream_figures_at_once(signed_in):
    """The stream figures kept across ratings follow a step's new time at once."""
    _, _, api, client = signed_in
    built = _build(api)
    # Waste share: the waiting's 9,000 s of the stream's 9,600 s lead time.
    assert "93.8 %" in client.get("/").get_data(as_text=True)
    api.post(f"/outcomes/{built['outcome']['id']}/ratings", json={"rated_on": "2026-10-02", "importance": 9,
                                                                  "satisfaction": 4})
    assert "93.8 %" in client.get("/").get_data(as_text=True)  # kept across the rating
    step = api.get(f"/value-streams/{built['stream']}/steps").get_json()["items"][1]
    assert api.patch(f"/steps/{step['id']}", json={"wait_time_s": 90000}).status_code == 200
    after = client.get("/").get_data(as_text=True)
    assert "93.8 %" not in after and "99.3 %" in after  # 90,000 of 90,600 s


def test_the_kept_drift_names_every_table_it_reads(signed_in, app, make):
    from lms.dashboard import queries as dashboard_queries

    org, admin, api, _ = signed_in
    _build(api)
    _, tables = tables_read(app, make, admin, lambda: dashboard_queries.drift_summary(
        db.session.get(Organization, org.id), date.today()))
    # Steps are read for one fact, which KPIs measure waste; that keys the kept value instead.
    assert tables - {"steps"} <= dashboard_queries.DRIFT_READS and "kpi_measurements" in tables, tables
