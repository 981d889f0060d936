"""The radar and the stop-doing list on the pages: the dashboard blocks, the list, its action, the agenda."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import AuditEvent, Finding, Review
from tests.scenarios import RADAR_SENTENCE, STOP_SENTENCE, claims_and_pump_repair


@pytest.fixture()
def story(make, api_as, login_as):
    org = make.org("Claims")
    admin = make.user(org, "admin")
    built = claims_and_pump_repair(api_as(admin))
    return org, admin, api_as(admin), login_as, built


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _agenda_url(built) -> str:
    return f"/stop-doing/steps/{built['report']['id']}/outcomes/{built['detail']['id']}/finding"


def test_the_dashboard_shows_the_alert_and_the_candidate(story):
    _, admin, _, login_as, _ = story
    page = _text(login_as(admin).get("/"))
    assert "Internal customers short-changed" in page and RADAR_SENTENCE in page
    assert "Stop doing? Steps serving overserved outcomes" in page and STOP_SENTENCE in page


def test_the_dashboard_without_internal_customers_says_so(make, login_as):
    org = make.org("Plain")
    admin = make.user(org, "admin")
    client = login_as(admin)
    client.post("/customers/new", data={"name": "Utilities", "kind": "external"})
    page = _text(client.get("/"))
    assert "No internal customer is served by another value stream" in page
    assert "No step serves an outcome rated overserved." in page


def test_the_stop_doing_page_lists_and_paginates(story):
    _, admin, _, login_as, built = story
    client = login_as(admin)
    page = _text(client.get("/stop-doing"))
    assert "Write the detailed repair report" in page and "1 h 30 min" in page and "5 d 7 h" in page
    assert "Put on a review's agenda" in page
    second = client.get("/stop-doing?page=2&per_page=1")
    assert second.status_code == 200 and "Nothing to stop doing" in _text(second)


def test_an_empty_stop_doing_list_says_why(make, login_as):
    org = make.org("Empty")
    page = _text(login_as(make.user(org, "viewer")).get("/stop-doing"))
    assert "Nothing to stop doing" in page


def test_the_radar_page(story):
    _, admin, _, login_as, _ = story
    page = _text(login_as(admin).get("/suboptimization"))
    assert "Sub-optimization" in page and RADAR_SENTENCE in page


def test_without_a_review_the_action_says_so_and_changes_nothing(story, app):
    org, admin, _, login_as, built = story
    client = login_as(admin)
    answer = client.post(_agenda_url(built), data={"next": "/stop-doing"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/stop-doing")
    page = _text(client.get("/stop-doing"))
    assert "Pump repair has no open or planned review" in page and "Plan a review" in page
    with app.app_context():
        assert db.session.scalar(select(Finding).execution_options(all_organizations=True)) is None


def test_plan_one_and_add_it(story, app):
    org, admin, _, login_as, built = story
    client = login_as(admin)
    answer = client.post(_agenda_url(built), data={"plan": "1"})
    assert answer.status_code == 302 and "/reviews/" in answer.headers["Location"]
    with app.app_context():
        review = db.session.scalar(select(Review).execution_options(all_organizations=True))
        assert review.status == "planned" and review.value_stream_id == built["pump"]["id"]
        assert review.held_on == date.today() + timedelta(days=7)
        finding = db.session.scalar(select(Finding).execution_options(all_organizations=True))
        assert (finding.review_id, finding.step_id, finding.waste_type) == (
            review.id, built["report"]["id"], "overprocessing")
        assert "importance 4.3, satisfaction 7.8" in finding.text
        audited = db.session.scalars(select(AuditEvent.record_type).where(AuditEvent.action == "create")
                                     .execution_options(all_organizations=True)).all()
        assert "Finding" in audited and "Review" in audited
    # Once there, it is not added twice.
    again = client.post(_agenda_url(built), data={"plan": "1"})
    assert again.status_code == 302
    assert "already an overprocessing finding" in _text(client.get(again.headers["Location"]))
    with app.app_context():
        assert len(db.session.scalars(select(Finding).execution_options(all_organizations=True)).all()) == 1


def test_an_open_review_is_joined_before_a_planned_one(story, app):
    org, admin, api, login_as, built = story
    stream = built["pump"]["id"]
    planned = api.post("/reviews", json={"value_stream_id": stream, "held_on": date.today().isoformat()}).get_json()
    opened = api.post("/reviews", json={"value_stream_id": stream, "held_on": date.today().isoformat(),
                                        "status": "open"}).get_json()
    answer = login_as(admin).post(_agenda_url(built))
    assert answer.headers["Location"].endswith(f"/reviews/{opened['id']}#findings")
    with app.app_context():
        finding = db.session.scalar(select(Finding).execution_options(all_organizations=True))
        assert finding.review_id == opened["id"] != planned["id"]


@pytest.mark.parametrize("role", ["viewer", "owner"])
def test_only_whoever_runs_the_streams_reviews_may_act(story, make, login_as, role):
    org, _, _, _, built = story
    answer = login_as(make.user(org, role)).post(_agenda_url(built), data={"plan": "1"})
    assert answer.status_code == 403


def test_the_streams_owner_may_act(story, make, login_as, app):
    org, _, api, _, built = story
    owner = make.user(org, "owner")
    pump = api.get(f"/value-streams/{built['pump']['id']}").get_json()
    api.patch(f"/value-streams/{pump['id']}", json={"owner_id": owner.id, "version": pump["version"]})
    assert login_as(owner).post(_agenda_url(built), data={"plan": "1"}).status_code == 302


def test_another_organizations_step_is_not_found(story, make, login_as):
    _, _, _, _, built = story
    stranger = make.user(make.org("Other"), "admin")
    assert login_as(stranger).post(_agenda_url(built), data={"plan": "1"}).status_code == 404


def test_an_outcome_the_step_does_not_serve_is_refused(story, app):
    org, admin, _, login_as, built = story
    url = f"/stop-doing/steps/{built['report']['id']}/outcomes/{built['rework']['id']}/finding"
    client = login_as(admin)
    answer = client.post(url, data={"plan": "1"})
    assert answer.status_code == 302
    assert "does not serve the job of that outcome" in _text(client.get("/stop-doing"))
    with app.app_context():
        assert db.session.scalar(select(Review).execution_options(all_organizations=True)) is None


def test_a_reviews_agenda_shows_the_alert_and_the_candidate(story):
    org, admin, api, login_as, built = story
    downstream = api.post("/reviews", json={"value_stream_id": built["claims"]["id"],
                                            "held_on": date.today().isoformat()}).get_json()
    pump = api.post("/reviews", json={"value_stream_id": built["pump"]["id"],
                                      "held_on": date.today().isoformat()}).get_json()
    client = login_as(admin)
    page = _text(client.get(f"/reviews/{downstream['id']}"))
    assert "Internal customers and overprocessing" in page and RADAR_SENTENCE in page
    page = _text(client.get(f"/reviews/{pump['id']}"))
    assert STOP_SENTENCE in page and RADAR_SENTENCE not in page
    items = api.get(f"/reviews/{pump['id']}/agenda").get_json()["items"]
    assert [i["record_id"] for i in items if i["kind"] == "stop-doing-candidate"] == [built["report"]["id"]]


def test_the_dashboard_head_counts_as_the_list_does(story):
    # Seven steps serve the overserved job: the dashboard shows five and counts seven, as the list does.
    _, admin, api, login_as, built = story
    for n in range(6):
        api.post(f"/value-streams/{built['pump']['id']}/steps", json={
            "name": f"Add appendix {n}", "cycle_time_s": 60, "job_id": built["report"]["job_id"]})
    client = login_as(admin)
    assert "(7 candidates)" in _text(client.get("/"))
    assert "7 candidates." in _text(client.get("/stop-doing"))


def test_the_radar_weighs_the_outcomes_again_after_a_rating_not_after_a_step(story, monkeypatch):
    """The outcomes' moves are kept across a step's new figures and follow a new rating at once."""
    from lms.customer_first import radar_queries

    _, admin, api, login_as, built = story
    client = login_as(admin)
    weighed = []
    read = radar_queries._read_outcome_moves
    monkeypatch.setattr(radar_queries, "_read_outcome_moves", lambda *a: weighed.append(a) or read(*a))
    assert RADAR_SENTENCE in _text(client.get("/suboptimization")) and len(weighed) == 1
    assert api.patch(f"/steps/{built['report']['id']}", json={"cycle_time_s": 5000}).status_code == 200
    assert RADAR_SENTENCE in _text(client.get("/suboptimization")) and len(weighed) == 1
    # Back to where the window started (6.2): the internal customer's outcome no longer moved.
    assert api.post(f"/outcomes/{built['rework']['id']}/ratings", json={
        "rated_on": date.today().isoformat(), "importance": 8.0, "satisfaction": 6.2}).status_code == 201
    page = _text(client.get("/suboptimization"))
    assert len(weighed) == 2 and "1.4 points lower" not in page and RADAR_SENTENCE not in page


def test_the_kept_outcome_moves_name_every_table_they_read(story, app, make):
    from lms.customer_first import radar_queries
    from tests.rows import tables_read

    _, admin, _, _, built = story
    customer, start = built["assessment"]["id"], date.today() - timedelta(days=180)
    moves, tables = tables_read(app, make, admin, lambda: radar_queries._read_outcome_moves(
        (customer,), start, date.today(), 0.5))
    [move] = moves[customer]
    assert move.outcome_id == built["rework"]["id"] and round(move.change.change, 1) == -1.4
    assert tables <= radar_queries.MOVES_READS and "outcome_ratings" in tables, tables
