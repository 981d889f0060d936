"""Circumstances on the customer page: the section per stack, the forms, roles, deletion reach, history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import Circumstance


@pytest.fixture()
def org(make):
    return make.org("Acme", "acme")


@pytest.fixture()
def admin(make, org):
    return make.user(org, "admin")


@pytest.fixture()
def cardio(make, admin):
    """Fitness club members: run, cycle and swim interchangeable, only running served."""
    members = make.customer(admin, "Club members")
    high = make.job(admin, members, "Improve cardio conditioning")
    group = {"parent_id": high, "necessity": "interchangeable", "interchangeable_group": "cardio workout"}
    run = make.job(admin, members, "Run on a treadmill", **group)
    cycle = make.job(admin, members, "Cycle on a bike", **group)
    towel = make.job(admin, members, "Borrow a towel", parent_id=high, necessity="optional")
    make.stream(admin, "Gym floor", steps=[{"name": "Treadmills", "job_id": run, "cycle_time_s": 60}])
    return {"customer": members, "high": high, "run": run, "cycle": cycle, "towel": towel}


def _circumstances(app) -> list[Circumstance]:
    with app.app_context():
        return [(c.name, c.share, c.rules_out_job_ids, c.requires_job_ids)
                for c in db.session.scalars(select(Circumstance).execution_options(all_organizations=True))]


def test_stack_shows_an_empty_state_then_the_circumstance_that_breaks_it(app, client, login_as, admin, cardio):
    login_as(admin)
    page = client.get(f"/customers/{cardio['customer']}").get_data(as_text=True)
    assert f'id="circumstances-{cardio["high"]}"' in page
    assert "No circumstance yet" in page
    form = client.get(f"/customers/jobs/{cardio['high']}/circumstances/new").get_data(as_text=True)
    # The stack's interchangeable members to rule out, its optional jobs to require: checkboxes with labels.
    assert f'type="checkbox" value="{cardio["run"]}"' in form and "Run on a treadmill (group" in form
    assert f'type="checkbox" value="{cardio["towel"]}"' in form
    response = client.post(f"/customers/jobs/{cardio['high']}/circumstances/new",
                           data={"name": "back problems", "share": "20", "rules_out_job_ids": [str(cardio["run"])]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#circumstances-{cardio['high']}")
    assert _circumstances(app) == [("back problems", 0.2, [cardio["run"]], [])]
    page = client.get(f"/customers/{cardio['customer']}").get_data(as_text=True)
    assert ("Capable for 80 % of this customer&#39;s members; not for members with &#39;back problems&#39; "
            "(20 %): only &#39;Run on a treadmill&#39; of the group &#39;cardio workout&#39; is served, which is "
            "ruled out for them.") in page
    assert "Rules out: “Run on a treadmill”" in page
    assert '<span class="badge bad">Not capable</span>' in page


def test_bad_input_keeps_the_form_with_the_message_and_changes_nothing(app, client, login_as, admin, cardio):
    login_as(admin)
    client.post(f"/customers/jobs/{cardio['high']}/circumstances/new", data={"name": "back problems", "share": "70"})
    response = client.post(f"/customers/jobs/{cardio['high']}/circumstances/new",
                           data={"name": "Back Problems", "share": "40"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "A circumstance named &#39;Back Problems&#39; already exists" in text
    assert "would add up to 110 %" in text
    response = client.post(f"/customers/jobs/{cardio['high']}/circumstances/new", data={"name": "x", "share": "150"})
    assert response.status_code == 422
    assert len(_circumstances(app)) == 1


def test_edit_prefills_the_percentage_and_delete_removes_it(app, client, login_as, admin, cardio):
    login_as(admin)
    client.post(f"/customers/jobs/{cardio['high']}/circumstances/new",
                data={"name": "back problems", "share": "12.5", "rules_out_job_ids": [str(cardio["run"])]})
    with app.app_context():
        cid = db.session.scalar(select(Circumstance.id).execution_options(all_organizations=True))
    form = client.get(f"/customers/circumstances/{cid}/edit").get_data(as_text=True)
    assert 'value="12.5"' in form
    assert "checked" in form.split(f'value="{cardio["run"]}"')[0].rsplit("<input", 1)[1]
    response = client.post(f"/customers/circumstances/{cid}/edit",
                           data={"name": "back problems", "share": "", "version": "1",
                                 "requires_job_ids": [str(cardio["towel"])]})
    assert response.status_code == 302
    assert _circumstances(app) == [("back problems", None, [], [cardio["towel"]])]
    stale = client.post(f"/customers/circumstances/{cid}/edit", data={"name": "other", "version": "1"})
    assert stale.status_code == 409 and "changed this record meanwhile" in stale.get_data(as_text=True)
    assert _circumstances(app) == [("back problems", None, [], [cardio["towel"]])]
    history = client.get(f"/history/?record_type=Circumstance&record_id={cid}").get_data(as_text=True)
    assert "Makes required" in history and "“Borrow a towel”" in history
    assert client.get(f"/customers/circumstances/{cid}").headers["Location"].endswith(
        f"/customers/{cardio['customer']}#circumstances-{cardio['high']}")
    assert client.post(f"/customers/circumstances/{cid}/delete", data={"version": "2"}).status_code == 302
    assert _circumstances(app) == []


def test_deleting_the_job_says_it_deletes_its_circumstances(app, client, login_as, admin, cardio):
    login_as(admin)
    client.post(f"/customers/jobs/{cardio['high']}/circumstances/new",
                data={"name": "back problems", "rules_out_job_ids": [str(cardio["run"])]})
    high = client.get(f"/customers/jobs/{cardio['high']}/edit").get_data(as_text=True)
    assert "1 circumstance" in high
    related = client.get(f"/customers/jobs/{cardio['run']}/edit").get_data(as_text=True)
    assert "1 circumstance(s) of the stack no longer name it" in related


def test_viewers_read_but_do_not_change(client, login_as, make, org, admin, cardio):
    login_as(make.user(org, "viewer"))
    page = client.get(f"/customers/{cardio['customer']}").get_data(as_text=True)
    assert "No circumstance yet" in page and "Add a circumstance" not in page
    assert client.get(f"/customers/jobs/{cardio['high']}/circumstances/new").status_code == 403
    assert client.post(f"/customers/jobs/{cardio['high']}/circumstances/new", data={"name": "x"}).status_code == 403


def test_another_organizations_circumstance_is_not_found(app, client, login_as, make, admin, cardio):
    cid = make.circumstance(admin, cardio["high"], "x")
    login_as(make.user(make.org("Other", "other"), "admin"))
    assert client.get(f"/customers/circumstances/{cid}/edit").status_code == 404
    assert client.post(f"/customers/circumstances/{cid}/delete").status_code == 404
    assert client.get(f"/customers/circumstances/{cid}").status_code == 404


def test_dashboard_names_circumstances_without_a_capable_stack_largest_share_first(app, client, login_as, admin,
                                                                                   cardio):
    login_as(admin)
    assert "Every circumstance entered has a capable stack." in client.get("/").get_data(as_text=True)
    for name, share, job in (("back problems", "10", "run"), ("knee problems", "30", "run"),
                             ("towel lovers", "20", "towel")):
        key = "rules_out_job_ids" if job == "run" else "requires_job_ids"
        client.post(f"/customers/jobs/{cardio['high']}/circumstances/new",
                    data={"name": name, "share": share, key: [str(cardio[job])]})
    page = client.get("/").get_data(as_text=True)
    section = page.split('id="uncovered-circumstances"')[1]
    names = [n for n in ("knee problems", "towel lovers", "back problems") if n in section]
    assert names == ["knee problems", "towel lovers", "back problems"]
    assert section.index("knee problems") < section.index("towel lovers") < section.index("back problems")
    assert "No step serves &#39;Borrow a towel&#39;, which they need." in section
