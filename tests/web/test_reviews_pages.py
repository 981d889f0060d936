"""The review pages: list, form, the review page with agenda, before/after, board and findings, buttons."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.db import today
from lms.extensions import db
from lms.models import Action, Finding, Review
from tests.conftest import login
from tests.rows import count, row
from tests.scenarios import plan_review, review_line, review_team


@pytest.fixture()
def team(make):
    return review_team(make)


@pytest.fixture()
def line(make, team):
    return review_line(make, team)


@pytest.fixture()
def as_user(database):
    """Sign a person in on a client of their own, so that several people can act in one test."""
    def _as(user):
        client = database.test_client()
        login(client, user)
        return client
    return _as


def _review(api_as, team, line, **fields) -> dict:
    return plan_review(api_as(team.manager), line.stream_id, **fields)


def _text(response) -> str:
    return response.get_data(as_text=True)


# The list -------------------------------------------------------------------------------


def test_list_shows_reviews_with_filters_and_overdue(as_user, team, line, api_as):
    _review(api_as, team, line, kind="kaizen-event", held_on=str(today()))
    client = as_user(team.viewer)
    page = _text(client.get("/reviews/"))
    assert ">Kaizen event</a>" in page and ">Gemba walk</a>" in page and "Stamped brackets" in page
    assert "1 overdue" in page  # the earlier review's action
    assert 'class="has-overdue"' in page
    assert "Plan a review" not in page  # a viewer plans none
    only_open = _text(client.get("/reviews/?status=closed"))
    assert ">Gemba walk</a>" in only_open and ">Kaizen event</a>" not in only_open
    assert "No review matches these filters" in _text(client.get("/reviews/?status=open"))


def test_list_pages_and_empty_state(as_user, make, app, api_as):
    team = review_team(make, "Empty")
    client = as_user(team.manager)
    page = _text(client.get("/reviews/"))
    assert "No reviews yet" in page and "/reviews/new" in page
    line = review_line(make, team)
    api = api_as(team.manager)
    for n in range(30):
        plan_review(api, line.stream_id, held_on=str(today() - timedelta(days=n + 100)))
    first = _text(client.get("/reviews/"))
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in _text(client.get("/reviews/?page=2"))


# The form -------------------------------------------------------------------------------


def test_plan_a_review_through_the_form(as_user, team, line, app):
    client = as_user(team.manager)
    form = client.get(f"/reviews/new?value_stream_id={line.stream_id}")
    assert form.status_code == 200
    assert 'multiple' in _text(form) and "Olga Owner" in _text(form)  # participants: a multi-select
    response = client.post("/reviews/new", data={
        "value_stream_id": str(line.stream_id), "kind": "kaizen-event", "held_on": "2026-04-01",
        "facilitator_id": str(team.manager.id), "participant_ids": [str(team.owner.id), str(team.viewer.id)],
        "notes": "Welding queue"})
    assert response.status_code == 302, _text(response)[:2000]
    review_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review.kind == "kaizen-event" and review.notes == "Welding queue"
        assert sorted(u.id for u in review.participants) == sorted([team.owner.id, team.viewer.id])


def test_invalid_form_answers_422_with_messages(as_user, team, line, app):
    client = as_user(team.manager)
    response = client.post("/reviews/new", data={"value_stream_id": "", "kind": "kaizen-event", "held_on": ""})
    assert response.status_code == 422
    page = _text(response)
    for field in ("value_stream_id", "held_on"):
        assert re.search(f'id="{field}-error">\\s*<li>This field is required.</li>', page), field
    bad_date = as_user(team.manager).post("/reviews/new", data={"value_stream_id": str(line.stream_id),
                                                                "kind": "kaizen-event", "held_on": "31/12/2026"})
    assert bad_date.status_code == 422 and "Not a valid date value" in _text(bad_date)
    assert count(app, Review) == 1


def test_edit_the_review_removes_participants(as_user, api_as, team, line, app):
    review = _review(api_as, team, line, participant_ids=[team.owner.id])
    client = as_user(team.manager)
    assert "Olga Owner" in _text(client.get(f"/reviews/{review['id']}/edit"))
    response = client.post(f"/reviews/{review['id']}/edit", data={
        "value_stream_id": str(line.stream_id), "kind": "gemba-walk", "held_on": "2026-05-05",
        "facilitator_id": "", "notes": "", "version": "1"})
    assert response.status_code == 302
    stored = row(app, Review, review["id"])
    assert stored.kind == "gemba-walk" and stored.version == 2
    with app.app_context():
        assert db.session.get(Review, review["id"]).participants == []
    stale = client.post(f"/reviews/{review['id']}/edit", data={
        "value_stream_id": str(line.stream_id), "kind": "kaizen-event", "held_on": "2026-05-05", "version": "1"})
    assert stale.status_code == 409 and "changed this record meanwhile" in _text(stale)


# The review page ------------------------------------------------------------------------


def test_review_page_shows_agenda_with_links(as_user, api_as, team, line):
    review = _review(api_as, team, line, status="open", facilitator_id=team.manager.id,
                     participant_ids=[team.owner.id])
    page = _text(as_user(team.viewer).get(f"/reviews/{review['id']}"))
    for text in ("Max Manager", "Olga Owner", "Agenda", "Diverging KPI", "Orphan KPI", "Stale KPI",
                 "Untagged step", "Over takt", "Flagged value-adding step", "Underserved outcome", "Job gap",
                 "Overdue action", "Move the coil store", "Pay a bill", "Welds per hour"):
        assert text in page, text
    assert f'href="/kpis/{line.orphan_kpi_id}"' in page
    assert f'href="/value-streams/{line.stream_id}/steps/{line.untagged_step_id}"' in page
    assert f'href="/customers/outcomes/{line.underserved_outcome_id}"' in page
    assert f'href="/reviews/{line.earlier_review_id}#action-{line.overdue_action_id}"' in page
    assert f'href="/reviews/{review["id"]}/a3.pdf"' in page
    assert "Open the review" not in page and "Close the review" not in page  # a viewer runs nothing


def test_before_after_and_kpi_movements(as_user, api_as, team, line):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open")
    welding = api.get(f"/steps/{line.step_ids[2]}").get_json()
    api.patch(f"/steps/{line.step_ids[2]}", json={"wait_time_s": 0, "version": welding["version"]})
    api.post(f"/kpis/{line.diverging_kpi_id}/measurements", json={"measured_on": str(today() + timedelta(days=1)),
                                                                  "value": 150})
    page = _text(as_user(team.manager).get(f"/reviews/{review['id']}"))
    section = page.split('id="figures"')[1].split('id="kpis"')[0]
    assert "At opening" in section and "Now" in section
    assert re.search(r"Lead time</th>.*?−10 min.*?better", section, re.S)
    assert "Waste time: inventory" in section
    kpis = page.split('id="kpis"')[1].split('id="actions"')[0]
    assert "Welds per hour" in kpis and "130.00" in kpis and "150.00" in kpis and "+20.00" in kpis
    assert "Diverging" in kpis

    api.patch(f"/reviews/{review['id']}", json={"status": "closed"})
    closed = _text(as_user(team.manager).get(f"/reviews/{review['id']}"))
    assert "At closing" in closed and "What the review decided" in closed
    assert "Diverging KPI" not in closed  # a closed review shows what was decided, not a fresh agenda


def test_planned_review_says_figures_come_when_it_opens(as_user, api_as, team, line):
    review = _review(api_as, team, line)
    page = _text(as_user(team.manager).get(f"/reviews/{review['id']}"))
    assert "Not opened yet: no figures recorded; they are recorded when the review opens." in page and "Open the review" in page
    assert "each KPI's value then is compared with its latest" in page


def test_open_and_close_with_buttons(as_user, api_as, team, line, app):
    review = _review(api_as, team, line)
    client = as_user(team.owner)
    opened = client.post(f"/reviews/{review['id']}/status", data={"status": "open", "version": "1"})
    assert opened.status_code == 302
    assert row(app, Review, review["id"]).snapshot_open is not None
    page = _text(client.get(f"/reviews/{review['id']}"))
    assert "Close the review" in page
    closed = client.post(f"/reviews/{review['id']}/status", data={"status": "closed"})
    assert closed.status_code == 302 and row(app, Review, review["id"]).status == "closed"
    refused = client.post(f"/reviews/{review['id']}/status", data={"status": "open"})
    assert refused.status_code == 403 and "only an admin" in _text(refused)
    admin = as_user(team.admin)
    assert "Reopen (admin)" in _text(admin.get(f"/reviews/{review['id']}"))
    assert admin.post(f"/reviews/{review['id']}/status", data={"status": "open"}).status_code == 302
    back = admin.post(f"/reviews/{review['id']}/status", data={"status": "planned"})
    assert back.status_code == 422 and "cannot go back to planned" in _text(back)


def test_findings_are_added_and_checked(as_user, api_as, team, line, app):
    review = _review(api_as, team, line, status="open")
    client = as_user(team.owner)
    added = client.post(f"/reviews/{review['id']}/findings", data={
        "text": "Coils wait $5 days$ before welding", "step_id": str(line.step_ids[1]), "waste_type": "inventory"})
    assert added.status_code == 302
    page = _text(client.get(f"/reviews/{review['id']}"))
    assert "Coils wait $5 days$ before welding" in page and "Coils before welding" in page
    empty = client.post(f"/reviews/{review['id']}/findings", data={"text": "  ", "waste_type": ""})
    assert empty.status_code == 422 and "at least 1 character" in _text(empty)
    with app.app_context():
        finding_id = db.session.scalar(select(Finding.id))
    edit = client.post(f"/reviews/findings/{finding_id}/edit", data={"text": "Coils wait", "step_id": "",
                                                                      "waste_type": "waiting"})
    assert edit.status_code == 302 and row(app, Finding, finding_id).waste_type == "waiting"
    assert client.post(f"/reviews/findings/{finding_id}/delete").status_code == 302
    assert count(app, Finding) == 0


def test_actions_board_moves_cards_without_javascript(as_user, api_as, team, line, app):
    review = _review(api_as, team, line, status="open")
    client = as_user(team.manager)
    created = client.post(f"/reviews/{review['id']}/actions/new", data={
        "title": "Kanban for coils", "owner_id": str(team.viewer.id), "due_on": str(today() - timedelta(days=3)),
        "stage": "plan", "step_id": str(line.step_ids[1]), "kpi_id": str(line.diverging_kpi_id),
        "outcome_id": "", "expected_effect": "Two days less lead time", "observed_result": ""})
    assert created.status_code == 302, _text(created)[:3000]
    with app.app_context():
        action_id = db.session.scalar(select(Action.id).where(Action.review_id == review["id"]))
    page = _text(client.get(f"/reviews/{review['id']}"))
    card = page.split(f'id="action-{action_id}"')[1].split("</article>")[0]
    assert "Vera Viewer" in card and "Overdue" in card and "Move to do →" in card
    assert f'class="card action-card overdue" id="action-{action_id}"' in page
    board = page.split('id="actions"')[1]
    assert all(f'id="stage-{stage}"' in board for stage in ("plan", "do", "check", "act", "done", "dropped"))

    viewer = as_user(team.viewer)
    moved = viewer.post(f"/reviews/actions/{action_id}/stage", data={"stage": "do"})
    assert moved.status_code == 302 and row(app, Action, action_id).stage == "do"
    update = viewer.get(f"/reviews/actions/{action_id}/edit")
    assert update.status_code == 200 and 'name="title"' not in _text(update)
    assert viewer.post(f"/reviews/actions/{action_id}/edit", data={
        "stage": "check", "observed_result": "One day less"}).status_code == 302
    assert row(app, Action, action_id).observed_result == "One day less"
    sneaky = viewer.post(f"/reviews/actions/{action_id}/edit", data={"stage": "act", "title": "Mine"})
    assert row(app, Action, action_id).title == "Kanban for coils" and sneaky.status_code in (302, 200)

    other = as_user(team.other_owner)
    assert other.post(f"/reviews/actions/{action_id}/stage", data={"stage": "done"}).status_code == 403
    assert other.get(f"/reviews/actions/{action_id}/edit").status_code == 403
    assert row(app, Action, action_id).stage in ("act", "check")


def test_invalid_action_form_answers_422(as_user, api_as, team, line):
    review = _review(api_as, team, line, status="open")
    response = as_user(team.manager).post(f"/reviews/{review['id']}/actions/new", data={
        "title": "", "stage": "plan", "owner_id": "", "step_id": "", "kpi_id": "", "outcome_id": ""})
    assert response.status_code == 422 and "at least 1 character" in _text(response)


def test_viewer_is_refused_every_write_page(as_user, api_as, team, line, app):
    review = _review(api_as, team, line, status="open")
    client = as_user(team.viewer)
    for method, path, data in (
        ("get", "/reviews/new", None), ("post", "/reviews/new", {"value_stream_id": str(line.stream_id)}),
        ("get", f"/reviews/{review['id']}/edit", None), ("post", f"/reviews/{review['id']}/delete", {}),
        ("post", f"/reviews/{review['id']}/status", {"status": "closed"}),
        ("post", f"/reviews/{review['id']}/findings", {"text": "x"}),
        ("get", f"/reviews/{review['id']}/actions/new", None),
    ):
        response = getattr(client, method)(path, data=data) if data is not None else getattr(client, method)(path)
        assert response.status_code == 403, path
    assert row(app, Review, review["id"]).status == "open"


def test_another_organizations_pages_are_not_found(as_user, api_as, make, team, line, app):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open")
    finding = api.post(f"/reviews/{review['id']}/findings", json={"text": "Seen"}).get_json()
    action = api.post(f"/reviews/{review['id']}/actions", json={"title": "Try"}).get_json()
    other = review_team(make, "Globex")
    client = as_user(other.admin)
    for method, path in (
        ("get", f"/reviews/{review['id']}"), ("get", f"/reviews/{review['id']}/edit"),
        ("post", f"/reviews/{review['id']}/edit"), ("post", f"/reviews/{review['id']}/delete"),
        ("post", f"/reviews/{review['id']}/status"), ("get", f"/reviews/{review['id']}/a3.pdf"),
        ("post", f"/reviews/{review['id']}/findings"), ("get", f"/reviews/{review['id']}/actions/new"),
        ("get", f"/reviews/findings/{finding['id']}/edit"), ("post", f"/reviews/findings/{finding['id']}/delete"),
        ("get", f"/reviews/actions/{action['id']}/edit"), ("post", f"/reviews/actions/{action['id']}/stage"),
        ("post", f"/reviews/actions/{action['id']}/delete"), ("get", f"/reviews/stream/{line.stream_id}"),
        ("get", f"/reviews/stream/{line.stream_id}/trend.png"),
    ):
        data = {"status": "closed", "stage": "done", "text": "x"} if method == "post" else None
        response = client.post(path, data=data) if method == "post" else client.get(path)
        assert response.status_code == 404, path
    assert "Stamped brackets" not in _text(client.get("/reviews/"))
    assert row(app, Review, review["id"]).status == "open"
    assert row(app, Action, action["id"]).stage == "plan" and count(app, Finding) == 1


def test_delete_a_review(as_user, api_as, team, line, app):
    review = _review(api_as, team, line)
    client = as_user(team.owner)
    assert client.post(f"/reviews/{review['id']}/delete").status_code == 403
    response = as_user(team.manager).post(f"/reviews/{review['id']}/delete")
    assert response.status_code == 302 and row(app, Review, review["id"]) is None


# History, chart and A3 -------------------------------------------------------------------


def test_stream_history_with_trend_chart(as_user, api_as, team, line):
    api = api_as(team.manager)
    first = plan_review(api, line.stream_id, held_on=str(today() - timedelta(days=30)), status="closed")
    plan_review(api, line.stream_id, status="open")
    client = as_user(team.viewer)
    page = _text(client.get(f"/reviews/stream/{line.stream_id}"))
    assert f'src="/reviews/stream/{line.stream_id}/trend.svg"' in page and "Lead time and PCE of" in page
    assert f'href="/reviews/stream/{line.stream_id}/trend.png" download=' in page
    assert f'href="/reviews/{first["id"]}"' in page and "1 overdue" in page
    chart = client.get(f"/reviews/stream/{line.stream_id}/trend.png")
    assert chart.status_code == 200 and chart.mimetype == "image/png"
    assert chart.data.startswith(b"\x89PNG") and chart.headers.get("ETag")
    again = client.get(f"/reviews/stream/{line.stream_id}/trend.png",
                       headers={"If-None-Match": chart.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    svg = client.get(f"/reviews/stream/{line.stream_id}/trend.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<?xml")
    assert svg.headers["ETag"] != chart.headers["ETag"]


def test_history_of_a_stream_without_reviews(as_user, make, app):
    team = review_team(make, "Fresh")
    line = review_line(make, team)
    with app.app_context():
        db.session.execute(Action.__table__.delete())
        db.session.execute(Review.__table__.delete())
        db.session.commit()
    page = _text(as_user(team.owner).get(f"/reviews/stream/{line.stream_id}"))
    assert "No reviews of this stream yet" in page and "Plan a review" in page


def test_a3_pdf_is_one_page(as_user, api_as, team, line):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open", notes="Why: the welding queue. " * 200)
    for n in range(25):
        api.post(f"/reviews/{review['id']}/findings", json={"text": f"Finding {n}: " + "coils wait " * 40,
                                                          "waste_type": "waiting"})
        api.post(f"/reviews/{review['id']}/actions", json={"title": f"Action {n} $\\frac{{a}}{{b}}$ " + "x" * 200,
                                                         "owner_id": team.viewer.id, "due_on": "2020-01-01"})
    api.patch(f"/reviews/{review['id']}", json={"status": "closed"})
    response = as_user(team.viewer).get(f"/reviews/{review['id']}/a3.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="review-{review["id"]}-a3.pdf"' in response.headers["Content-Disposition"]
    pdf = response.data
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
    assert as_user(team.viewer).get(f"/reviews/{review['id']}/a3.pdf", headers={
        "If-None-Match": response.headers["ETag"]}).status_code == 304


def test_an_action_is_tied_to_a_kpi_and_an_outcome_chosen_from_the_form(as_user, api_as, team, line, app):
    """The lists offer readable names (KPI with its stream, outcome with its customer) and save."""
    review = _review(api_as, team, line, status="open")
    client = as_user(team.manager)
    page = _text(client.get(f"/reviews/{review['id']}/actions/new"))
    kpis, outcomes = _options(page, "kpi_id"), _options(page, "outcome_id")
    assert kpis[str(line.diverging_kpi_id)].startswith("Welds per hour (")  # named with its stream
    assert ": " in outcomes[str(line.underserved_outcome_id)]  # named with its customer
    assert not [label for label in [*kpis.values(), *outcomes.values()] if label.startswith("(")]
    response = client.post(f"/reviews/{review['id']}/actions/new", data={
        "title": "Cut the weld rework", "stage": "plan", "owner_id": "", "step_id": "",
        "kpi_id": str(line.diverging_kpi_id), "outcome_id": str(line.underserved_outcome_id)})
    assert response.status_code == 302, _text(response)[:500]
    with app.app_context():
        action = db.session.scalar(select(Action).where(Action.title == "Cut the weld rework"))
        assert (action.kpi_id, action.outcome_id) == (line.diverging_kpi_id, line.underserved_outcome_id)


def _options(page: str, name: str) -> dict[str, str]:
    """The options of the select named ``name``: value → label."""
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select_html))
