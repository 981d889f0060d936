"""A circumstance's share measured from its segment through the API: counted from ratings and events."""

from __future__ import annotations

import pytest

from tests.api.test_customers_stack import admin, customer, job, post, stack, streams  # noqa: F401


@pytest.fixture()
def api(api_as, admin):  # noqa: F811
    return api_as(admin)


def rate(api, outcome_id: int, rated_on: str, respondents: int | None, segment: str | None) -> None:
    post(api, f"/outcomes/{outcome_id}/ratings", {"rated_on": rated_on, "importance": 8.0, "satisfaction": 5.0,
                                                  "respondents": respondents, "segment": segment})


def outcome(api, job_id: int, statement: str) -> int:
    return post(api, "/outcomes", {"job_id": job_id, "statement": statement})["id"]


@pytest.fixture()
def water(api):
    """A stack whose outcomes were rated by segments (the hand-computed example below)."""
    cid = customer(api)
    high = job(api, cid, "Restore the water supply")
    visit = job(api, cid, "Book a technician visit", high, position=1)
    learn = job(api, cid, "Learn whom to call", high, necessity="optional", position=2)
    a, b = outcome(api, high, "Minimize the time without water"), outcome(api, visit, "Minimize the wait")
    c, d = outcome(api, learn, "Minimize the search"), outcome(api, high, "Minimize the cost")
    # A: the newest rating of each segment counts: new customers 30 (not the older 50) of 30 + 120.
    rate(api, a, "2026-03-01", 50, "New customers")
    rate(api, a, "2026-09-01", 30, "New customers")
    rate(api, a, "2026-09-01", 120, "Homeowners")
    # B: the ratings naming no segment are a group of their own: 20 of 20 + 80.
    rate(api, b, "2026-10-01", 20, "New customers")
    rate(api, b, "2026-10-01", 80, None)
    # C: new customers did not rate it, so it says nothing of their share.
    rate(api, c, "2026-10-01", 100, "Homeowners")
    # D: another group's newest rating has no respondent count: left out.
    rate(api, d, "2026-08-01", 10, "New customers")
    rate(api, d, "2026-08-01", None, "Homeowners")
    # Another customer's outcome rated by new customers is no part of this stack.
    other = job(api, customer(api, "Club"), "Keep fit")
    rate(api, outcome(api, other, "Minimize the queue"), "2026-10-01", 999, "New customers")
    return {"customer": cid, "high": high, "visit": visit, "learn": learn}


RATINGS_BASIS = "50 of 250 respondents (20 %) on 2 outcomes, ratings up to 2026-10-01; 1 left out without a " \
                "respondent count"


def test_share_measured_from_the_newest_ratings_of_the_stack(api, water, streams):  # noqa: F811
    # (30 + 20) / ((30 + 120) + (20 + 80)) = 50 / 250 = 0.2
    made = post(api, f"/jobs/{water['high']}/circumstances",
                {"name": "a first repair", "segment": "New customers", "requires_job_ids": [water["learn"]]})
    assert (made["share"], made["share_source"], made["segment"]) == (0.2, "measured", "New customers")
    assert (made["share_basis"], made["share_missing"]) == (RATINGS_BASIS, None)
    assert made["measurement"] == {
        "source": "ratings", "cases": None,
        "respondents": {"of_segment": 50, "total": 250, "outcomes": 2, "rated_up_to": "2026-10-01", "left_out": 1}}
    assert api.get(f"/circumstances/{made['id']}").get_json() == made
    body = stack(api, water["high"])
    assert body["by_circumstance"][0]["share"] == 0.2
    assert body["coverage"] == 0.0  # nothing serves the required visit: capable for nobody
    streams.step(streams.stream(), water["visit"], "Book the visit")
    body = stack(api, water["high"])
    assert body["by_circumstance"][0]["share_source"] == "measured"
    # Nothing serves 'Learn whom to call': capable for the 80 % who are not new customers.
    assert body["coverage"] == 0.8
    assert body["coverage_sentence"].endswith(f"the share of 'a first repair' is measured: {RATINGS_BASIS}.")


def test_cases_in_the_event_log_measure_it_before_the_ratings(api, water):
    stream = post(api, "/value-streams", {"name": "Well pump repair", "customer_id": water["customer"]})["id"]
    cases = [("c1", "New customers"), ("c2", "Homeowners"), ("c3", "Homeowners"), ("c4", ""),
             ("c5", "New customers")]
    events = [{"case_id": case, "activity": activity, "timestamp": f"2026-11-0{n + 2}T{hour}:00:00",
               "segment": segment}
              for n, (case, segment) in enumerate(cases) for activity, hour in (("Visit", "09"), ("Fix", "11"))]
    assert api.post(f"/value-streams/{stream}/events", {"events": events}).status_code in (200, 201)
    made = post(api, f"/jobs/{water['high']}/circumstances", {"name": "a first repair", "segment": "New customers"})
    # 2 of 5 cases (c4 names no segment but is a case all the same).
    assert (made["share"], made["measurement"]["source"]) == (0.4, "events")
    assert made["share_basis"] == ("2 of 5 cases (40 %), events 2026-11-02 to 2026-11-06; the ratings: "
                                   + RATINGS_BASIS)


def test_a_segment_nothing_names_leaves_the_share_absent_with_the_reason(api, water):
    made = post(api, f"/jobs/{water['high']}/circumstances", {"name": "walk-ins", "segment": "Walk-ins"})
    assert (made["share"], made["share_source"], made["share_basis"]) == (None, "measured", None)
    assert made["share_missing"] == ("no rating of the job's outcomes names 'Walk-ins', and the customer's "
                                     "value streams have no event log")
    body = stack(api, water["high"])
    assert body["coverage"] is None
    assert "the share of members with 'walk-ins' is not measured: no rating" in body["coverage_sentence"]


def test_entered_or_measured_not_both_and_one_circumstance_per_segment(api, water):
    url = f"/jobs/{water['high']}/circumstances"
    both = api.post(url, json={"name": "x", "segment": "New customers", "share": 0.1})
    assert both.status_code == 422 and "segment" in both.get_json()["error"]["fields"]
    first = post(api, url, {"name": "a first repair", "segment": "New customers"})
    again = api.post(url, json={"name": "newcomers", "segment": "New customers"})
    assert again.status_code == 422 and "already exists" in again.get_json()["error"]["fields"]["segment"][0]
    # Back to an entered share: clear the segment in the same PATCH.
    entered = api.patch(f"/circumstances/{first['id']}", json={"segment": None, "share": 0.25})
    assert entered.status_code == 200, entered.get_json()
    assert (entered.get_json()["share"], entered.get_json()["share_source"]) == (0.25, "entered")
    clash = api.patch(f"/circumstances/{first['id']}", json={"segment": "New customers"})
    assert clash.status_code == 422 and "segment" in clash.get_json()["error"]["fields"]


def _log(api, stream: int, cases: list[tuple[str, str]], day: int) -> None:
    events = [{"case_id": case, "activity": activity, "timestamp": f"2026-11-{day:02d}T{hour}:00:00",
               "segment": segment} for case, segment in cases for activity, hour in (("Visit", "09"), ("Fix", "11"))]
    assert api.post(f"/value-streams/{stream}/events", {"events": events}).status_code in (200, 201)


def test_kept_case_counts_follow_a_new_import_into_the_log(api, water):
    stream = post(api, "/value-streams", {"name": "Well pump repair", "customer_id": water["customer"]})["id"]
    _log(api, stream, [("c1", "New customers"), ("c2", "Homeowners")], 2)
    made = post(api, f"/jobs/{water['high']}/circumstances", {"name": "a first repair", "segment": "New customers"})
    assert made["share"] == 0.5
    # The same activities again: the import writes the log beside the session and must say so.
    _log(api, stream, [("c3", "Homeowners"), ("c4", "Homeowners")], 3)
    assert api.get(f"/circumstances/{made['id']}").get_json()["share"] == 0.25


def test_the_kept_case_counts_name_every_table_they_read(app, api, water, admin, make):  # noqa: F811
    from lms.customers.segment_share_queries import CASE_READS, count_cases
    from tests.rows import tables_read

    _, tables = tables_read(app, make, admin, lambda: count_cases((water["customer"],)))
    assert "flow_events" in tables and tables <= CASE_READS, tables
