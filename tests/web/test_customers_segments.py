"""Segments on the pages: the picker, opportunity by segment, the call-outs, the landscape and the KPI page."""

from __future__ import annotations

import html as markup

import pytest

from tests.conftest import login

CALLOUT = ("New customers are underserved on “Minimize the time it takes to get a repair date” "
           "(opportunity 13.1 vs 9.7 overall)")


@pytest.fixture()
def admin(make):
    return make.user(make.org("Acme", "acme"), "admin")


def created(response) -> dict:
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture()
def homeowners(api_as, admin):
    """Homeowners: getting a repair date rated by two segments, the water outcome by none; a KPI on it."""
    api = api_as(admin)
    cid = created(api.post("/customers", json={"name": "Homeowners", "kind": "external"}))["id"]
    job = created(api.post("/jobs", json={"customer_id": cid, "statement": "Book a technician visit"}))["id"]
    repair = created(api.post("/outcomes", json={"job_id": job,
                                                 "statement": "Minimize the time it takes to get a repair date"}))["id"]
    water = created(api.post("/outcomes", json={"job_id": job, "statement": "Minimize the time without water"}))["id"]
    for body in ({"rated_on": "2025-03-01", "importance": 5, "satisfaction": 5, "respondents": 40,
                  "segment": "New customers"},
                 {"rated_on": "2026-03-01", "importance": 8.0, "satisfaction": 7.2, "respondents": 120,
                  "segment": "Homeowners"},
                 {"rated_on": "2026-03-01", "importance": 8.9, "satisfaction": 4.7, "respondents": 30,
                  "segment": "New customers"}):
        created(api.post(f"/outcomes/{repair}/ratings", json=body))
    created(api.post(f"/outcomes/{water}/ratings", json={"rated_on": "2026-03-01", "importance": 9,
                                                          "satisfaction": 3}))
    kpi = created(api.post("/kpis", json={"name": "Days to a repair date", "unit": "days",
                                          "direction": "decrease", "outcome_ids": [repair]}))["id"]
    return {"customer": cid, "repair": repair, "water": water, "kpi": kpi}


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return markup.unescape(response.get_data(as_text=True))


def test_customer_page_offers_its_segments_and_calls_out_the_underserved_one(client, admin, homeowners):
    login(client, admin)
    html = page(client, f"/customers/{homeowners['customer']}")
    picker = html.split('class="segment-picker"')[1].split("</form>")[0]
    assert 'method="get"' in html.split('class="segment-picker"')[0].rsplit("<form", 1)[1]
    assert '<option value="" selected>All segments</option>' in picker
    assert '<option value="Homeowners">Homeowners</option>' in picker
    assert '<option value="New customers">New customers</option>' in picker
    segments = html.split('id="segments"')[1].split("</section>")[0]
    assert CALLOUT in segments
    # Opportunity by segment: the figure for all, then each segment; — where a segment did not rate.
    table = html.split('id="by-segment-heading"')[1].split("</table>")[0]
    repair_row = table.split("get a repair date</a>")[1].split("</tr>")[0]
    cells = [c.split("<")[0].strip() for c in repair_row.split('<td class="num">')[1:]]
    assert cells == ["9.7", "8.8", "13.1"]
    assert "Minimize the time without water" not in table  # rated by no named segment
    # For all segments the repair date is served: only the water outcome is underserved.
    underserved = html.split('id="underserved-heading"')[1].split("</section>")[0]
    assert "without water" in underserved and "repair date" not in underserved


def test_picking_a_segment_rates_every_outcome_by_that_segment(client, admin, homeowners):
    login(client, admin)
    html = page(client, f"/customers/{homeowners['customer']}?segment=New+customers")
    assert '<option value="New customers" selected>New customers</option>' in html
    underserved = html.split('id="underserved-heading"')[1].split("</section>")[0]
    assert "repair date" in underserved and "13.1" in underserved and "without water" not in underserved
    assert f"/customers/{homeowners['customer']}/landscape.png?segment=New+customers" in html
    assert "Opportunity landscape — Homeowners · New customers" in html  # the chart's alt text
    # A segment nobody rated: every outcome unrated, and the page says so.
    html = page(client, f"/customers/{homeowners['customer']}?segment=Walk-ins")
    assert "Walk-ins (no ratings)" in html and "The segment “Walk-ins” has rated no outcome" in html


def test_the_landscape_is_drawn_per_segment(client, admin, homeowners):
    login(client, admin)
    base = f"/customers/{homeowners['customer']}/landscape.png"
    every, new = client.get(base), client.get(base + "?segment=New customers")
    assert every.status_code == new.status_code == 200 and new.mimetype == "image/png"
    assert every.headers["ETag"] != new.headers["ETag"]  # a different picture: other points, another title
    assert client.get(base + "?segment=").headers["ETag"] == every.headers["ETag"]  # blank: all segments


def test_outcome_page_shows_each_segment_and_filters_the_history(client, admin, homeowners):
    login(client, admin)
    html = page(client, f"/customers/outcomes/{homeowners['repair']}")
    table = html.split('id="by-segment-heading"')[1].split("</table>")[0]
    assert "Homeowners" in table and "New customers" in table and "underserved where others are not" in table
    assert "Weighted by respondents (150 in 2 segments)." in table
    assert html.count('class="date"') == 3  # every wave in the history
    # The change in satisfaction is against the wave before of the same segment, never another segment's.
    history = html.split('class="table ratings"')[1].split("</table>")[0]
    changes = [row.split('<td class="num">')[3].split("<")[0] for row in history.split("<tr")[2:]]
    assert changes == ["—", "—", "—"]  # new customers 2026, homeowners 2026, new customers 2025
    html = page(client, f"/customers/outcomes/{homeowners['repair']}?segment=New+customers")
    stats = html.split('class="stat-grid"')[1].split("</div>\n</div>")[0]
    assert ">8.9<" in stats and ">13.1<" in stats
    assert html.count('class="date"') == 2  # the two waves of new customers only


def test_a_customer_without_segments_gets_an_empty_state(client, admin, homeowners, api_as):
    api = api_as(admin)
    cid = created(api.post("/customers", json={"name": "Quiet", "kind": "external"}))["id"]
    job = created(api.post("/jobs", json={"customer_id": cid, "statement": "Get water"}))["id"]
    oid = created(api.post("/outcomes", json={"job_id": job, "statement": "Minimize the wait"}))["id"]
    created(api.post(f"/outcomes/{oid}/ratings", json={"rated_on": "2026-03-01", "importance": 7,
                                                        "satisfaction": 4}))
    login(client, admin)
    html = page(client, f"/customers/{cid}")
    assert "No rating of Quiet names a segment yet" in html
    assert 'class="segment-picker"' not in html and 'id="by-segment-heading"' not in html


def test_kpi_page_assesses_drift_within_the_picked_segment(client, admin, homeowners):
    login(client, admin)
    html = page(client, f"/kpis/{homeowners['kpi']}")
    assert "Assess within the segment" in html and '<option value="New customers">' in html
    html = page(client, f"/kpis/{homeowners['kpi']}?segment=New+customers")
    assert '<option value="New customers" selected>' in html
    assert f"/kpis/{homeowners['kpi']}/chart.png?segment=New+customers" in html
    assert 'name="segment" value="New customers"' in html  # the as-of form keeps the segment


def test_dashboard_lists_segments_underserved_where_others_are_not(client, admin, homeowners):
    login(client, admin)
    block = page(client, "/").split('id="segments-underserved-title"')[1].split("</section>")[0]
    assert CALLOUT in block and "(Homeowners)" in block
    assert f"/customers/{homeowners['customer']}?segment=New+customers#segments" in block
