"""Customer pages: both kinds side by side, the job-stack tree, outcomes and ratings, forms, roles, tenancy."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import AuditEvent, Customer, Job, Outcome, OutcomeRating, Step
from tests.conftest import login
from tests.rows import count


@pytest.fixture()
def org(make):
    return make.org("Acme", "acme")


@pytest.fixture()
def admin(make, org):
    return make.user(org, "admin")


@pytest.fixture()
def data(make, admin):
    """A household with the credit-score stack (paying a bill served), the billing team, ratings."""
    household = make.customer(admin, "Household", description="People managing their money")
    team = make.customer(admin, "Billing team", kind="internal")
    high = make.job(admin, household, "Improve a credit score")
    pay = make.job(admin, household, "Pay a bill", parent_id=high, position=1, coordination="sequential")
    check = make.job(admin, household, "Check the credit report", parent_id=high, position=2)
    debt = make.job(admin, household, "Reduce credit-card debt", parent_id=high, necessity="optional",
                    circumstance="High card debt")
    run = make.job(admin, household, "Run", parent_id=high, necessity="interchangeable",
                   interchangeable_group="exercise")
    stream = make.stream(admin, "Billing run", steps=[{"name": "Send payment reminder", "job_id": pay,
                                                       "cycle_time_s": 60}])
    on_time = make.outcome(admin, pay, "A bill is paid on time", direction="maximize")
    make.rating(admin, on_time, date(2025, 6, 1), importance=6, satisfaction=6, respondents=40)
    make.rating(admin, on_time, date(2026, 1, 10), importance=9, satisfaction=2, respondents=80,
                segment="new customers")
    return {"household": household, "team": team, "high": high, "pay": pay, "check": check, "debt": debt,
            "run": run, "stream": stream.id, "outcome": on_time}


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)



# --- Pages ----------------------------------------------------------------------------------

def test_empty_customers_page_invites_to_add_both_kinds(client, admin):
    login(client, admin)
    html = page(client, "/customers/")
    assert "No customers yet" in html and 'href="/customers/new"' in html
    assert 'aria-current="page"' in html and "Customers &amp; jobs" in html


def test_customers_page_shows_external_and_internal_side_by_side_with_counts(client, admin, data):
    login(client, admin)
    html = page(client, "/customers/")
    external, internal = html.split('id="column-external"')[1].split('id="column-internal"')
    assert "Household" in external and "Billing team" not in external
    assert "Billing team" in internal
    # Household: 5 jobs, 1 underserved outcome (12.7 for all segments), gaps: the credit report and the
    # exercise group.
    card = external.split("Household")[1]
    figures = re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", card)
    assert figures[:3] == [("Jobs", "5"), ("Underserved outcomes", "1"), ("Job gaps", "2")]


def test_customer_page_draws_the_stack_as_a_tree_with_gaps_coverage_and_struggles(client, admin, data):
    login(client, admin)
    html = page(client, f"/customers/{data['household']}")
    assert "<h1>Household" in html and "External" in html
    tree = html.split(f'id="job-{data["high"]}"')[1]
    assert "Capable: no — 2 job gaps" in tree
    # In stack order: positioned jobs first, then by entry.
    job_tree = tree.split('class="job-tree"')[1]
    order = [job_tree.index(s) for s in ("Pay a bill", "Check the credit report", "Reduce credit-card debt",
                                         ">Run<")]
    assert order == sorted(order)
    check = tree.split(f'id="job-{data["check"]}"')[0].rsplit("<li", 1)[1]
    assert "related-job gap" in check
    check_item = tree.split(f'id="job-{data["check"]}"')[1].split("</li>")[0]
    assert "Job gap" in check_item and "No step of any value stream serves this required job" in check_item
    pay_item = tree.split(f'id="job-{data["pay"]}"')[1].split("</li>")[0]
    assert f'href="/value-streams/{data["stream"]}"' in pay_item and "Send payment reminder" in pay_item
    assert "Billing run" in pay_item and "sequential" in pay_item and ">Required<" in pay_item
    # All segments: the unsegmented wave (40 respondents: 6, 6) and new customers (80: 9, 2), weighted:
    # I = (240 + 720) / 120 = 8, S = (240 + 160) / 120 = 3.33, opportunity 8 + 4.67 = 12.7 (high).
    assert "Underserved · high" in pay_item and "opportunity 12.7" in pay_item
    assert "Optional" in tree and "Interchangeable: exercise" in tree and "Circumstance: High card debt" in tree
    struggles = tree.split('class="struggles"')[1].split("</ol>")[0]
    assert struggles.index("Not capable") < struggles.index("Poorly executed")
    assert "no step serves the required job &#39;Check the credit report&#39;" in struggles
    assert "interchangeable group &#39;exercise&#39;" in struggles
    assert f'src="/customers/{data["household"]}/landscape.svg' in html
    assert f'href="/customers/{data["household"]}/landscape.png' in html  # to download
    assert 'alt="Opportunity landscape — Household: importance against satisfaction of 1 rated outcome.' in html


def test_customer_page_of_an_internal_customer_links_the_stream_it_is(client, admin, app, data):
    with app.app_context():
        db.session.get(Customer, data["team"]).value_stream_id = data["stream"]
        db.session.commit()
    login(client, admin)
    html = page(client, f"/customers/{data['team']}")
    assert "Internal" in html and f'href="/value-streams/{data["stream"]}">Billing run</a>' in html
    assert "No jobs yet" in html


def test_outcome_page_shows_the_rating_history_newest_first(client, admin, data):
    login(client, admin)
    html = page(client, f"/customers/outcomes/{data['outcome']}")
    assert "<h1>A bill is paid on time</h1>" in html
    history = html.split("Rating history")[1].split("</table>")[0]
    assert history.index("2026-01-10") < history.index("2025-06-01")
    assert "newest" in history and "new customers" in history
    rows = history.split("<tr")[2:]
    # The wave of new customers is not compared with the unsegmented wave before it (another group):
    # its change reads "—".
    assert ">16<" in rows[0] and "Underserved · extreme" in rows[0] and "-4.0" not in rows[0]
    assert '<td class="num">—</td>' in rows[0]
    assert ">6<" in rows[1] and "Served" in rows[1]
    assert "Enter survey figures" in html and "Paste raw answers" in html


# --- Forms ----------------------------------------------------------------------------------

def test_manager_adds_a_customer_and_a_bad_form_answers_422_saving_nothing(client, make, org, app):
    login(client, make.user(org, "manager"))
    assert client.post("/customers/new", data={"name": "", "kind": "external"}).status_code == 422
    response = client.post("/customers/new", data={"name": "Billing team", "kind": "internal",
                                                   "value_stream_id": "", "description": "Next door"})
    assert response.status_code == 302
    duplicate = client.post("/customers/new", data={"name": "billing TEAM", "kind": "internal",
                                                    "value_stream_id": ""})
    assert duplicate.status_code == 422 and "already exists" in duplicate.get_data(as_text=True)
    assert count(app, Customer) == 1


def test_job_form_offers_only_the_customers_high_level_jobs_as_parents(client, make, admin, app, data):
    stranger = make.customer(admin, "Runner")
    other_high_id = make.job(admin, stranger, "Improve cardio conditioning")
    login(client, admin)
    form = page(client, f"/customers/{data['household']}/jobs/new?parent_id={data['high']}")
    options = re.findall(r'<option[^>]*value="(\d*)"', form.split('name="parent_id"')[1].split("</select>")[0])
    assert options == ["", str(data["high"])]
    assert re.search(rf'<option selected value="{data["high"]}"|<option value="{data["high"]}" selected', form)
    jobs = count(app, Job)
    for bad in ({"parent_id": str(other_high_id)}, {"parent_id": str(data["pay"])}):
        response = client.post(f"/customers/{data['household']}/jobs/new",
                               data={"statement": "Sneak in", "necessity": "required", "dimension": "functional",
                                     "coordination": "", **bad})
        assert response.status_code == 422
    response = client.post(f"/customers/{data['household']}/jobs/new",
                           data={"statement": "Cycle", "parent_id": str(data["high"]), "necessity": "interchangeable",
                                 "interchangeable_group": "", "coordination": "", "dimension": "functional"})
    assert response.status_code == 422
    assert "Name the group of jobs this one is interchangeable with." in response.get_data(as_text=True)
    assert count(app, Job) == jobs
    response = client.post(f"/customers/{data['household']}/jobs/new",
                           data={"statement": "Cycle", "parent_id": str(data["high"]), "necessity": "interchangeable",
                                 "interchangeable_group": "exercise", "coordination": "",
                                 "dimension": "functional", "position": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#job-{data['high']}")
    assert count(app, Job) == jobs + 1


def test_editing_a_job_with_a_stale_version_changes_nothing(client, admin, app, data):
    login(client, admin)
    form = {"statement": "Pay every bill", "parent_id": str(data["high"]), "necessity": "required",
            "coordination": "sequential", "dimension": "functional", "position": "1", "version": "1"}
    assert client.post(f"/customers/jobs/{data['pay']}/edit", data=form).status_code == 302
    stale = client.post(f"/customers/jobs/{data['pay']}/edit", data=form | {"statement": "Pay late"})
    # The form comes back with what the person typed, and the reason above it.
    assert stale.status_code == 409 and "changed this record meanwhile" in stale.get_data(as_text=True)
    assert 'value="Pay late"' in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Job, data["pay"]).statement == "Pay every bill"


def test_outcome_is_added_and_rated_with_figures(client, admin, app, data):
    login(client, admin)
    response = client.post(f"/customers/jobs/{data['check']}/outcomes/new",
                           data={"statement": "Minimize the time it takes to spot an error", "direction": "minimize"})
    assert response.status_code == 302
    with app.app_context():
        oid = db.session.scalar(select(Outcome.id).where(Outcome.job_id == data["check"]))
    bad = client.post(f"/customers/outcomes/{oid}/ratings",
                      data={"aggregate-rated_on": "2026-02-01", "aggregate-importance": "11",
                            "aggregate-satisfaction": "3"})
    assert bad.status_code == 422 and "less than or equal to 10" in bad.get_data(as_text=True)
    ok = client.post(f"/customers/outcomes/{oid}/ratings",
                     data={"aggregate-rated_on": "2026-02-01", "aggregate-importance": "7.5",
                           "aggregate-satisfaction": "3", "aggregate-respondents": "50"})
    assert ok.status_code == 302
    html = page(client, f"/customers/outcomes/{oid}")
    assert ">12<" in html and "Underserved · high" in html  # 7.5 + 4.5 = 12


def test_pasted_answers_become_top_two_box_scores(client, admin, app, data):
    login(client, admin)
    lines = "\n".join(["5,2", "4,1", "4,5", "5,3", "2,4", "", "4,2", "5,1", "3,2", "4,3", "1,1"])
    response = client.post(f"/customers/outcomes/{data['outcome']}/answers",
                           data={"answers-rated_on": "2026-03-01", "answers-answers": lines,
                                 "answers-segment": "pilot"})
    assert response.status_code == 302
    with app.app_context():
        rating = db.session.scalar(select(OutcomeRating).where(OutcomeRating.segment == "pilot"))
        # importance 4s and 5s: 7 of 10 -> 7.0; satisfaction: 4,5 -> 2 of 10 -> 2.0.
        assert (rating.importance, rating.satisfaction, rating.respondents, rating.source) == \
            (7.0, 2.0, 10, "responses")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "OutcomeRating",
                                                           AuditEvent.record_id == rating.id))
        assert event.action == "create"


@pytest.mark.parametrize(("text", "messages"), [
    ("5,2\n6,1\n4,4", ["Line 2: importance 6 is not on the 1–5 scale."]),
    ("5,2\n4,0", ["Line 2: satisfaction 0 is not on the 1–5 scale."]),
    ("5,2\n\nfive,2", ["Line 3: &#39;five,2&#39; is not two whole numbers"]),
    ("oops\n5,7\n\n4;4\n9 1", ["Line 1: &#39;oops&#39;", "Line 2: satisfaction 7", "Line 5: importance 9"]),
    ("   \n", ["This field is required."]),
])
def test_bad_pasted_answers_are_named_by_line_and_nothing_is_saved(client, admin, app, data, text, messages):
    login(client, admin)
    before = count(app, OutcomeRating)
    response = client.post(f"/customers/outcomes/{data['outcome']}/answers",
                           data={"answers-rated_on": "2026-03-01", "answers-answers": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    positions = [html.index(message) for message in messages]
    assert positions == sorted(positions)  # in line order
    assert count(app, OutcomeRating) == before


def test_deleting_a_customer_from_its_page_cascades(client, admin, app, data):
    login(client, admin)
    response = client.post(f"/customers/{data['household']}/delete", data={"version": "1"})
    assert response.status_code == 302
    assert (count(app, Job), count(app, Outcome), count(app, OutcomeRating)) == (0, 0, 0)
    with app.app_context():
        assert db.session.get(Step, 1).job_id is None  # the step stays, unlinked


# --- Roles and tenancy ----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_readers_see_pages_without_edit_controls_and_every_write_is_403(client, make, org, app, data, role):
    login(client, make.user(org, role))
    html = page(client, f"/customers/{data['household']}")
    assert "Improve a credit score" in html and "Edit customer" not in html and "Add a related job" not in html
    assert "Paste raw answers" not in page(client, f"/customers/outcomes/{data['outcome']}")
    gets = ["/customers/new", f"/customers/{data['household']}/edit", f"/customers/{data['household']}/jobs/new",
            f"/customers/jobs/{data['pay']}/edit", f"/customers/jobs/{data['pay']}/outcomes/new",
            f"/customers/outcomes/{data['outcome']}/edit"]
    for path in gets:
        assert client.get(path).status_code == 403, path
    posts = gets + [f"/customers/{data['household']}/delete", f"/customers/jobs/{data['pay']}/delete",
                    f"/customers/outcomes/{data['outcome']}/delete", f"/customers/outcomes/{data['outcome']}/ratings",
                    f"/customers/outcomes/{data['outcome']}/answers",
                    f"/customers/outcomes/{data['outcome']}/ratings/1/delete"]
    counts = [count(app, m) for m in (Customer, Job, Outcome, OutcomeRating)]
    for path in posts:
        assert client.post(path, data={"name": "x", "statement": "x", "version": "1"}).status_code == 403, path
    assert [count(app, m) for m in (Customer, Job, Outcome, OutcomeRating)] == counts


def test_another_organizations_pages_are_404_and_nothing_changes(client, make, app, data):
    login(client, make.user(make.org("Other", "other"), "admin"))
    assert "Household" not in page(client, "/customers/")
    gets = [f"/customers/{data['household']}", f"/customers/{data['household']}/edit",
            f"/customers/{data['household']}/landscape.png", f"/customers/{data['household']}/jobs/new",
            f"/customers/jobs/{data['pay']}/edit", f"/customers/jobs/{data['high']}/landscape.png",
            f"/customers/jobs/{data['pay']}/outcomes/new", f"/customers/outcomes/{data['outcome']}",
            f"/customers/outcomes/{data['outcome']}/edit"]
    for path in gets:
        assert client.get(path).status_code == 404, path
    posts = [f"/customers/{data['household']}/edit", f"/customers/{data['household']}/delete",
             f"/customers/jobs/{data['pay']}/delete", f"/customers/outcomes/{data['outcome']}/delete",
             f"/customers/outcomes/{data['outcome']}/ratings", f"/customers/outcomes/{data['outcome']}/answers"]
    counts = [count(app, m) for m in (Customer, Job, Outcome, OutcomeRating)]
    for path in posts:
        assert client.post(path, data={"name": "Mine", "version": "1"}).status_code == 404, path
    assert [count(app, m) for m in (Customer, Job, Outcome, OutcomeRating)] == counts


def test_pages_need_a_signed_in_user(client, data):
    response = client.get(f"/customers/{data['household']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- The landscape chart --------------------------------------------------------------------

def test_landscape_chart_is_a_png_cached_by_content_with_304(client, make, admin, app, data):
    login(client, admin)
    for path in (f"/customers/{data['household']}/landscape.png", f"/customers/jobs/{data['high']}/landscape.png"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.data.startswith(b"\x89PNG")
        etag = response.headers["ETag"].strip('"')
        again = client.get(path, headers={"If-None-Match": f'"{etag}"'})
        assert again.status_code == 304 and not again.data
    # A new rating changes the content, so the old ETag no longer matches.
    make.rating(admin, data["outcome"], date(2026, 4, 1), importance=5, satisfaction=8)
    path = f"/customers/{data['household']}/landscape.png"
    assert client.get(path, headers={"If-None-Match": f'"{etag}"'}).status_code == 200


def test_customer_columns_page_independently(client, make, admin, app):
    for i in range(27):
        make.customer(admin, f"Client {i:02d}")
    make.customer(admin, "Next team", kind="internal")
    login(client, admin)
    first = page(client, "/customers/")
    assert "Client 24" in first and "Client 25" not in first and "Page 1 of 2" in first
    assert 'href="/customers/?external_page=2&amp;internal_page=1"' in first
    second = page(client, "/customers/?external_page=2&internal_page=1")
    assert "Client 25" in second and "Client 26" in second and "Client 00" not in second
    assert "Next team" in second  # the internal column stays on its own first page
    beyond = page(client, "/customers/?external_page=9")
    assert "No external customers on page 9" in beyond


def test_deleting_a_customer_says_its_reach_and_leaves_no_step_invalid(client, make, login_as, api_as, app):
    """A value-adding step whose job goes becomes untagged, with an audit entry saying why."""
    from lms.models import AuditEvent, Step

    admin = make.user(make.org(), "admin")
    api = api_as(admin)
    customer = api.post("/customers", json={"name": "Utilities", "kind": "external"}).get_json()
    job = api.post("/jobs", json={"customer_id": customer["id"], "statement": "Get a pump repaired"}).get_json()
    outcome = api.post("/outcomes", json={"job_id": job["id"], "statement": "Minimize the downtime",
                                          "direction": "minimize"}).get_json()
    api.post(f"/outcomes/{outcome['id']}/ratings", json={"rated_on": "2026-11-01", "importance": 9,
                                                         "satisfaction": 4})
    stream = api.post("/value-streams", json={"name": "Repair", "customer_id": customer["id"]}).get_json()
    step = api.post(f"/value-streams/{stream['id']}/steps", json={
        "name": "Fix the pump", "classification": "value-adding", "job_id": job["id"]}).get_json()
    login_as(admin)
    page = client.get(f"/customers/{customer['id']}").get_data(as_text=True)
    assert ("This deletes 1 job, 1 outcome, 1 rating. 1 value stream(s) lose their customer or job; "
            "1 step(s) lose their customer job (1 value-adding, which become untagged).") in page
    assert client.post(f"/customers/{customer['id']}/delete", data={"version": customer["version"]}).status_code == 302
    after = api.get(f"/steps/{step['id']}").get_json()
    assert (after["classification"], after["job_id"]) == ("unclassified", None)
    with app.app_context():
        from sqlalchemy import select

        summaries = list(db.session.scalars(select(AuditEvent.summary).where(
            AuditEvent.record_type == "Step", AuditEvent.record_id == step["id"], AuditEvent.action == "classify"
        ).execution_options(all_organizations=True)))
        assert any("untagged" in s and "Get a pump repaired" in s for s in summaries)
        assert db.session.get(Step, step["id"]).classification == "unclassified"
