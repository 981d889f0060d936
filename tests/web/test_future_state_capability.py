"""Only the current state counts for capability, job gaps and struggles (issue 14, item 4).

Reproduced on the demo: one step added to "Pump repair — future state" serving the webinar's
missing job ("Create a sign-up form") flipped "Market a webinar" to capable everywhere. A
future state is a plan: its steps serve no job until it becomes the current state. The
comparison page says what it would change instead.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.cli import cli
from lms.extensions import db
from lms.models import Customer, Job, Organization, User, ValueStream
from tests.factory import UserRef

DEMO_PASSWORD = "lean-demo-2026"  # noqa: S105 - the demo organization's published password


@pytest.fixture()
def demo(app, database, make):
    """Seed the demo; return its admin (signed in through the API) and the records the test names."""
    result = app.test_cli_runner().invoke(cli, ["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        def one(model, *where):
            return db.session.scalar(select(model).where(*where).execution_options(all_organizations=True))

        admin = one(User, User.email == "admin@demo.lms")
        ids = {
            "webinar": one(Job, Job.statement == "Market a webinar").id,
            "sign_up": one(Job, Job.statement == "Create a sign-up form").id,
            "sales": one(Customer, Customer.name == "Sales").id,
            "pump": one(ValueStream, ValueStream.name == "Pump repair").id,
            "future": one(ValueStream, ValueStream.name == "Pump repair — future state").id,
        }
        assert one(Organization, Organization.id == admin.organization_id).slug == "demo"
        user = UserRef(admin.id, admin.email, admin.role, admin.organization_id)
    return user, ids


def _add_sign_up_step(api, stream_id: int, job_id: int) -> int:
    response = api.post(f"/value-streams/{stream_id}/steps",
                        json={"name": "Publish a sign-up form", "job_id": job_id, "cycle_time_s": 1800})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _sales_gaps(page: str) -> int:
    """Read the job-gap count of the Sales customer's panel on the customers page."""
    row = page[page.index(">Sales<"):]
    return int(re.search(r"<dt>Job gaps</dt><dd>(\d+)</dd>", row).group(1))


def test_a_future_state_step_does_not_make_a_job_served_or_a_stack_capable(client, demo, api_as):
    admin, ids = demo
    api = api_as(admin)
    before = api.get(f"/jobs/{ids['webinar']}/stack").get_json()
    assert before["capable"] is False and ids["sign_up"] in before["gaps"]
    client.post("/login", data={"email": admin.email, "password": DEMO_PASSWORD})
    customers_before = _sales_gaps(client.get("/customers/?kind=internal").get_data(as_text=True))
    assert customers_before >= 1

    step_id = _add_sign_up_step(api, ids["future"], ids["sign_up"])

    after = api.get(f"/jobs/{ids['webinar']}/stack").get_json()
    assert after["capable"] is False
    assert after["gaps"] == before["gaps"]
    sign_up = next(r for r in after["related"] if r["job_id"] == ids["sign_up"])
    assert sign_up["served_by_step_ids"] == []
    assert after["struggles"][0]["cause"] == "not-capable"

    page = client.get(f"/customers/{ids['sales']}").get_data(as_text=True)
    assert "Capable: no" in page
    assert f"/value-streams/{ids['future']}\"" not in page  # the future step is not listed as serving
    assert _sales_gaps(client.get("/customers/?kind=internal").get_data(as_text=True)) == customers_before
    dashboard = client.get("/").get_data(as_text=True)
    assert "Market a webinar" in dashboard  # still among the struggling jobs, not capable
    assert step_id


def test_the_same_step_in_the_current_state_makes_the_stack_capable(client, demo, api_as):
    admin, ids = demo
    api = api_as(admin)
    _add_sign_up_step(api, ids["pump"], ids["sign_up"])
    after = api.get(f"/jobs/{ids['webinar']}/stack").get_json()
    assert after["capable"] is True and after["gaps"] == []


def test_the_comparison_says_what_the_future_state_would_change(client, demo, api_as):
    admin, ids = demo
    api = api_as(admin)
    client.post("/login", data={"email": admin.email, "password": DEMO_PASSWORD})
    page = client.get(f"/value-streams/{ids['pump']}/compare").get_data(as_text=True)
    assert "Would make “Market a webinar” capable" not in page
    # The demo's plan drops the step that hands Finance its job card: said before anyone changes it.
    assert ("Would leave “Invoice every completed repair correctly” not capable: no step would serve "
            "“Receive a complete job card for each repair”") in page

    _add_sign_up_step(api, ids["future"], ids["sign_up"])

    page = client.get(f"/value-streams/{ids['pump']}/compare").get_data(as_text=True)
    assert "Would make “Market a webinar” capable" in page
    assert "Create a sign-up form" in page
    # The comparison is a what-if: nothing became capable.
    assert api.get(f"/jobs/{ids['webinar']}/stack").get_json()["capable"] is False


def test_the_comparison_warns_when_the_future_state_would_leave_a_job_unserved(client, demo, api_as):
    admin, ids = demo
    api = api_as(admin)
    head = next(j for j in api.get("/jobs?per_page=200").get_json()["items"]
                if j["statement"] == "Restore pumping capacity after a pump fails")
    today = api.get(f"/jobs/{head['id']}/stack").get_json()
    assert today["capable"] is True
    for step in api.get(f"/value-streams/{ids['future']}/steps").get_json()["items"]:
        if step["job_id"] is not None:  # the plan no longer serves the repair's jobs
            assert api.delete(f"/steps/{step['id']}").status_code == 204
    client.post("/login", data={"email": admin.email, "password": DEMO_PASSWORD})
    page = client.get(f"/value-streams/{ids['pump']}/compare").get_data(as_text=True)
    assert "Would leave “Restore pumping capacity after a pump fails” not capable" in page
    assert "no step would serve “Hand over the failed pump for repair”" in page
    assert api.get(f"/jobs/{head['id']}/stack").get_json() == today  # a what-if: nothing changed
