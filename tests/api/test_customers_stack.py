"""GET /jobs/{id}/stack on the theory's examples: jobs through the API, steps through the Factory."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from lms.extensions import db
from lms.models import Step, ValueStream


@pytest.fixture()
def admin(make):
    return make.user(make.org("Acme", "acme"), "admin")


@pytest.fixture()
def api(api_as, admin):
    return api_as(admin)


@pytest.fixture()
def streams(make, admin):
    """Map value streams and steps through the Factory, as the admin."""

    class Streams:
        def stream(self, name="Billing", daily_demand=None, available_seconds_per_day=None) -> int:
            return make.stream(admin, name, daily_demand=daily_demand,
                               available_seconds_per_day=available_seconds_per_day).id

        def step(self, stream_id: int, job_id: int | None, name="Do it", *, position=None, kind="process",
                 cycle_time_s=600.0, wait_time_s=None, inventory_units=None, owner_id=None) -> int:
            return make.step(admin, stream_id, name=name, position=position, kind=kind, job_id=job_id,
                             cycle_time_s=cycle_time_s, wait_time_s=wait_time_s, inventory_units=inventory_units,
                             owner_id=owner_id)

    return Streams()


def post(api, path, body) -> dict:
    response = api.post(path, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def customer(api, name="Household") -> int:
    return post(api, "/customers", {"name": name})["id"]


def job(api, customer_id, statement, parent=None, **extra) -> int:
    return post(api, "/jobs", {"customer_id": customer_id, "statement": statement, "parent_id": parent,
                               **extra})["id"]


def stack(api, job_id) -> dict:
    response = api.get(f"/jobs/{job_id}/stack")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- Improve a credit score -----------------------------------------------------------------

@pytest.fixture()
def credit(api):
    cid = customer(api)
    high = job(api, cid, "Improve a credit score")
    return {
        "high": high,
        "pay": job(api, cid, "Pay a bill", high, position=1),
        "debt": job(api, cid, "Reduce credit-card debt", high, necessity="optional",
                    circumstance="High card debt"),
        "line": job(api, cid, "Apply for a new line of credit", high, necessity="optional",
                    circumstance="Few credit lines"),
    }


def test_credit_score_is_capable_when_paying_a_bill_is_served(api, streams, credit):
    step_id = streams.step(streams.stream(), credit["pay"], "Send payment reminder")
    body = stack(api, credit["high"])
    assert body == {
        "job_id": credit["high"], "capable": True, "gaps": [],
        "related": [
            {"job_id": credit["pay"], "necessity": "required", "interchangeable_group": None,
             "served_by_step_ids": [step_id]},
            {"job_id": credit["debt"], "necessity": "optional", "interchangeable_group": None,
             "served_by_step_ids": []},
            {"job_id": credit["line"], "necessity": "optional", "interchangeable_group": None,
             "served_by_step_ids": []},
        ],
        "struggles": [],
        "by_circumstance": [], "coverage": 1.0,
        "coverage_sentence": "Capable for 100 % of this customer's members.",
    }


def test_credit_score_has_a_gap_when_no_step_pays_the_bill(api, streams, credit):
    streams.step(streams.stream(), credit["debt"], "Debt counselling")  # optional: no help
    body = stack(api, credit["high"])
    assert (body["capable"], body["gaps"]) == (False, [credit["pay"]])
    assert body["struggles"] == [{
        "cause": "not-capable", "job_ids": [credit["pay"]],
        "message": "Not capable: no step serves the required job 'Pay a bill'. "
                   "Make the stack for 'Improve a credit score' capable first.",
    }]


def test_steps_of_any_value_stream_serve_and_another_organizations_do_not(api, api_as, make, app, streams,
                                                                           credit):
    other_org = make.org("Other", "other")
    with app.app_context():
        # A cross-organization reference no service allows: their step serving our job.
        theirs = ValueStream(organization_id=other_org.id, name="Theirs")
        db.session.add(theirs)
        db.session.flush()
        db.session.add(Step(organization_id=other_org.id, value_stream_id=theirs.id, position=1, name="x",
                            job_id=credit["pay"]))
        db.session.commit()
    assert stack(api, credit["high"])["gaps"] == [credit["pay"]]
    first = streams.step(streams.stream("Billing"), credit["pay"])
    second = streams.step(streams.stream("Collections"), credit["pay"])
    served = stack(api, credit["high"])["related"][0]["served_by_step_ids"]
    assert served == sorted([first, second])


# --- Improve cardio conditioning ------------------------------------------------------------

@pytest.fixture()
def cardio(api):
    cid = customer(api, "Athlete")
    high = job(api, cid, "Improve cardio conditioning")
    group = {"necessity": "interchangeable", "interchangeable_group": "exercise"}
    return {"high": high,
            "run": job(api, cid, "Run", high, **group),
            "cycle": job(api, cid, "Cycle", high, **group),
            "swim": job(api, cid, "Swim for fitness", high, circumstance="Back problems: avoids running",
                        **group)}


def test_cardio_group_is_served_by_any_one_member(api, streams, cardio):
    body = stack(api, cardio["high"])
    assert body["capable"] is False
    assert body["gaps"] == [cardio["run"], cardio["cycle"], cardio["swim"]]
    assert "interchangeable group 'exercise' ('Run', 'Cycle', 'Swim for fitness')" in body["struggles"][0]["message"]
    assert {r["interchangeable_group"] for r in body["related"]} == {"exercise"}

    streams.step(streams.stream("Pool"), cardio["swim"], "Lane booking")
    body = stack(api, cardio["high"])
    assert (body["capable"], body["gaps"], body["struggles"]) == (True, [], [])


# --- Market a webinar -----------------------------------------------------------------------

def test_market_a_webinar_cobbled_together_stack_is_not_capable(api, streams):
    cid = customer(api, "Marketing team")
    high = job(api, cid, "Market a webinar")
    post(api, "/outcomes", {"job_id": high, "statement": "Maximize the number of attendees who sign up",
                            "direction": "maximize"})
    capable_stack = ["Produce a teaser video", "Promote on social and affiliate sites", "Create a landing page",
                     "A/B test attendee segments", "Run a targeted email campaign", "Create a sign-up form",
                     "Manage the webinar's logistics"]
    ids = [job(api, cid, name, high, position=i) for i, name in enumerate(capable_stack, 1)]
    # What was cobbled together: social posts, a blog post, an email to subscribers, a reminder.
    blog = streams.stream("Blog")
    streams.step(blog, ids[1], "Promote the event on social media")
    streams.step(blog, None, "Describe it in a blog post")
    streams.step(blog, ids[4], "Notify blog subscribers by email")
    streams.step(blog, ids[4], "Remind them a few days before")
    body = stack(api, high)
    assert body["capable"] is False
    assert body["gaps"] == [ids[0], ids[2], ids[3], ids[5], ids[6]]
    (struggle,) = body["struggles"]
    assert struggle["cause"] == "not-capable"
    assert "5 required jobs 'Produce a teaser video', 'Create a landing page'" in struggle["message"]


# --- Struggles, coordination from step timing, execution from the newest ratings ----------

def test_struggles_come_in_the_order_they_are_fixed(api, streams):
    cid = customer(api)
    high = job(api, cid, "Improve a credit score")
    receive = job(api, cid, "Receive the bill", high, coordination="sequential", position=1)
    pay = job(api, cid, "Pay a bill", high, coordination="sequential", position=2)
    report = job(api, cid, "Check the credit report", high, position=3)
    outcome = post(api, "/outcomes", {"job_id": pay, "statement": "A bill is paid on time",
                                      "direction": "maximize"})["id"]
    post(api, f"/outcomes/{outcome}/ratings", {"rated_on": "2026-02-01", "importance": 9, "satisfaction": 2})
    # Waiting by inventory: 50 units / 10 a day × an 8-hour day = 5 working days (5 d), against 25 min of work.
    vs = streams.stream("Billing", daily_demand=10, available_seconds_per_day=28_800)
    streams.step(vs, receive, "Open the mail", cycle_time_s=600)
    streams.step(vs, pay, "Bills in the tray", kind="inventory", cycle_time_s=None, inventory_units=50)
    streams.step(vs, pay, "Pay", cycle_time_s=900)
    body = stack(api, high)
    assert [s["cause"] for s in body["struggles"]] == ["not-capable", "poorly-coordinated", "poorly-executed"]
    assert [s["job_ids"] for s in body["struggles"]] == [[report], [receive, pay], [pay]]
    assert body["struggles"][1]["message"] == (
        "Poorly coordinated: the sequential jobs 'Receive the bill', 'Pay a bill' wait 5 d in total "
        "but are worked 25 min; make each hand-over to the next job seamless.")
    assert body["struggles"][2]["message"] == (
        "Poorly executed: 'Pay a bill' has 1 underserved success outcome ('A bill is paid on time'); "
        "execute this job better.")

    # A newer wave in which the outcome is served ends the execution struggle.
    post(api, f"/outcomes/{outcome}/ratings", {"rated_on": "2026-05-01", "importance": 9, "satisfaction": 9})
    assert [s["cause"] for s in stack(api, high)["struggles"]] == ["not-capable", "poorly-coordinated"]


def test_co_executed_job_handed_between_streams_is_poorly_coordinated(api, streams, make, admin):
    cid = customer(api)
    high = job(api, cid, "Market a webinar")
    host = job(api, cid, "Host the webinar", high, coordination="co-executed")
    streams.step(streams.stream("Events"), host, "Book the studio")
    streams.step(streams.stream("IT"), host, "Run the stream")
    (struggle,) = stack(api, high)["struggles"]
    assert struggle["cause"] == "poorly-coordinated" and struggle["job_ids"] == [host]
    assert "passes between 2 value streams" in struggle["message"]


def test_stack_of_a_related_job_is_422(api, credit):
    response = api.get(f"/jobs/{credit['pay']}/stack")
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "job_id is not a high-level job"
    assert api.get("/jobs/999999/stack").status_code == 404


# --- Statement counts -----------------------------------------------------------------------

def _statements(app, call) -> int:
    executed: list[str] = []

    def count(conn, cursor, statement, *args):
        executed.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = call()
        assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(executed)


def _stack_of_size(api, streams, n_related: int, name: str) -> tuple[int, int]:
    cid = customer(api, name)
    high = job(api, cid, f"High-level job of {name}")
    vs = streams.stream(f"Stream of {name}")
    for i in range(n_related):
        related = job(api, cid, f"Related job {i}", high, coordination="sequential", position=i + 1)
        streams.step(vs, related, f"Step {i}", wait_time_s=1000)
        outcome = post(api, "/outcomes", {"job_id": related, "statement": f"Outcome {i}"})["id"]
        post(api, f"/outcomes/{outcome}/ratings", {"rated_on": "2026-01-01", "importance": 9, "satisfaction": 2})
    return cid, high


def test_stack_endpoint_and_customer_page_do_not_query_per_job(app, api, streams, admin, client):
    from tests.conftest import login

    small_customer, small = _stack_of_size(api, streams, 3, "Small")
    large_customer, large = _stack_of_size(api, streams, 12, "Large")
    assert len(stack(api, large)["struggles"]) == 13  # 12 poorly executed + 1 poorly coordinated
    small_count = _statements(app, lambda: api.get(f"/jobs/{small}/stack"))
    large_count = _statements(app, lambda: api.get(f"/jobs/{large}/stack"))
    assert small_count == large_count, (small_count, large_count)

    login(client, admin)
    small_page = _statements(app, lambda: client.get(f"/customers/{small_customer}"))
    large_page = _statements(app, lambda: client.get(f"/customers/{large_customer}"))
    assert small_page == large_page, (small_page, large_page)
    index = _statements(app, lambda: client.get("/customers/"))
    assert index <= small_page + 4
