"""Circumstances through the API: CRUD with its rules, and the stack per circumstance with its coverage."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AuditEvent, Circumstance
from tests.api.test_customers_stack import customer, job, post, stack, streams  # noqa: F401
from tests.factory import OrgRef


@pytest.fixture()
def admin(make):
    return make.user(make.org("Acme", "acme"), "admin")


@pytest.fixture()
def api(api_as, admin):
    return api_as(admin)


@pytest.fixture()
def credit(api):
    cid = customer(api)
    high = job(api, cid, "Improve a credit score")
    return {"customer": cid, "high": high,
            "pay": job(api, cid, "Pay a bill", high, position=1),
            "debt": job(api, cid, "Reduce credit-card debt", high, necessity="optional", position=2),
            "line": job(api, cid, "Apply for a new line of credit", high, necessity="optional", position=3)}


@pytest.fixture()
def cardio(api):
    cid = customer(api, "Athlete")
    high = job(api, cid, "Improve cardio conditioning")
    group = {"necessity": "interchangeable", "interchangeable_group": "exercise"}
    return {"high": high, "run": job(api, cid, "Run for fitness", high, **group),
            "cycle": job(api, cid, "Cycle for fitness", high, **group),
            "swim": job(api, cid, "Swim for fitness", high, **group)}


def add(api, job_id, **body) -> dict:
    return post(api, f"/jobs/{job_id}/circumstances", body)


def test_credit_score_high_card_debt_breaks_the_stack_for_30_percent(api, streams, credit):  # noqa: F811
    streams.step(streams.stream(), credit["pay"], "Send payment reminder")
    high_debt = add(api, credit["high"], name="high card debt", share=0.3, requires_job_ids=[credit["debt"]])
    assert high_debt == {"id": high_debt["id"], "version": 1, "job_id": credit["high"], "name": "high card debt",
                         "description": "", "share": 0.3, "requires_job_ids": [credit["debt"]],
                         "rules_out_job_ids": [], "segment": None, "share_source": "entered",
                         "share_basis": None, "share_missing": None, "measurement": None}
    body = stack(api, credit["high"])
    assert (body["capable"], body["gaps"]) == (True, [])  # the baseline is unchanged
    # 1 − 0.3 = 0.7 of the customers have a capable stack; those with high card debt do not.
    assert body["coverage"] == 0.7
    assert body["by_circumstance"] == [{
        "circumstance_id": high_debt["id"], "name": "high card debt", "share": 0.3, "share_source": "entered",
        "share_basis": None, "share_missing": None, "capable": False, "gaps": [credit["debt"]],
        "struggles": [{"cause": "not-capable", "job_ids": [credit["debt"]],
                       "message": "Not capable for members with 'high card debt': no step serves 'Reduce "
                                  "credit-card debt', which they need. Make the stack for 'Improve a credit "
                                  "score' capable for them first."}]}]
    assert body["coverage_sentence"] == (
        "Capable for 70 % of this customer's members; not for members with 'high card debt' (30 %): no step "
        "serves 'Reduce credit-card debt', which they need.")
    streams.step(streams.stream("Debt advice"), credit["debt"], "Debt counselling")
    body = stack(api, credit["high"])
    assert (body["by_circumstance"][0]["capable"], body["coverage"]) == (True, 1.0)


def test_cardio_back_problems_not_capable_when_only_running_is_served(api, streams, cardio):  # noqa: F811
    gym = streams.stream("Gym")
    streams.step(gym, cardio["run"], "Treadmills")
    back = add(api, cardio["high"], name="back problems", share=0.2, rules_out_job_ids=[cardio["run"]])
    body = stack(api, cardio["high"])
    assert body["capable"] is True
    [for_back] = body["by_circumstance"]
    assert (for_back["circumstance_id"], for_back["capable"]) == (back["id"], False)
    assert for_back["gaps"] == [cardio["cycle"], cardio["swim"]]
    assert body["coverage"] == 0.8
    assert "only 'Run for fitness' of the group 'exercise' is served, which is ruled out for them" \
        in body["coverage_sentence"]
    streams.step(gym, cardio["cycle"], "Bikes")
    body = stack(api, cardio["high"])
    assert (body["by_circumstance"][0]["capable"], body["coverage"]) == (True, 1.0)


def test_a_stack_without_circumstances_covers_all_or_none(api, credit):
    body = stack(api, credit["high"])  # 'pay a bill' is not served
    assert (body["by_circumstance"], body["coverage"]) == ([], 0.0)
    assert body["coverage_sentence"].startswith("Capable for none of this customer's members")


def test_unknown_share_leaves_coverage_absent_with_the_reason(api, credit):
    add(api, credit["high"], name="thin credit file", requires_job_ids=[credit["line"]])
    body = stack(api, credit["high"])
    assert body["coverage"] is None
    assert body["coverage_sentence"].startswith(
        "Share of this customer's members with a capable stack unknown: the share of members with "
        "'thin credit file' is not entered")


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Circumstance.id)).execution_options(all_organizations=True))


@pytest.mark.parametrize(("body", "field"), [
    ({"requires_job_ids": ["run"]}, "requires_job_ids"),  # an interchangeable member is ruled out, not required
    ({"requires_job_ids": ["pay"]}, "requires_job_ids"),  # required for everyone already
    ({"rules_out_job_ids": ["debt"]}, "rules_out_job_ids"),  # no group member
    ({"requires_job_ids": ["high"]}, "requires_job_ids"),  # not a related job of the stack
    ({"share": 1.5}, "share"),
    ({"share": True}, "share"),
    ({"share": 0.8, "name": "second"}, "share"),  # 0.3 + 0.8 > 1
    ({"name": "HIGH CARD DEBT"}, "name"),  # the same name, ignoring case
    ({"name": ""}, "name"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_422_naming_the_field_and_changes_nothing(app, api, credit, cardio, body, field):
    add(api, credit["high"], name="high card debt", share=0.3, requires_job_ids=[credit["debt"]])
    ids = {**cardio, **credit}
    body = {"name": "x", **body}
    for key in ("requires_job_ids", "rules_out_job_ids"):
        if key in body:
            body[key] = [ids[name] for name in body[key]]
    before = _count(app)
    response = api.post(f"/jobs/{credit['high']}/circumstances", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert _count(app) == before


def test_a_related_job_has_no_circumstances(api, credit):
    response = api.post(f"/jobs/{credit['pay']}/circumstances", json={"name": "x"})
    assert response.status_code == 422
    assert "job_id" in response.get_json()["error"]["fields"]


def test_patch_checks_the_version_replaces_the_lists_and_is_audited(app, api, cardio):
    back = add(api, cardio["high"], name="back problems", share=0.2, rules_out_job_ids=[cardio["run"]])
    response = api.patch(f"/circumstances/{back['id']}",
                         json={"rules_out_job_ids": [cardio["run"], cardio["swim"]], "version": 1})
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert (changed["rules_out_job_ids"], changed["version"]) == (sorted([cardio["run"], cardio["swim"]]), 2)
    stale = api.patch(f"/circumstances/{back['id']}", json={"share": 0.1, "version": 1})
    assert stale.status_code == 409
    assert api.get(f"/circumstances/{back['id']}").get_json()["share"] == 0.2
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "Circumstance")
                                    .order_by(AuditEvent.id).execution_options(all_organizations=True)).all()
        assert [e.action for e in events] == ["create", "update"]
        assert events[1].before == {"rules_out_jobs": ["Run for fitness"]}
        assert events[1].after == {"rules_out_jobs": ["Run for fitness", "Swim for fitness"]}


def test_list_get_delete_and_the_job_cascades(app, api, credit):
    first = add(api, credit["high"], name="high card debt", share=0.3, requires_job_ids=[credit["debt"]])
    add(api, credit["high"], name="few credit lines", share=0.1, requires_job_ids=[credit["line"]])
    listed = api.get(f"/jobs/{credit['high']}/circumstances").get_json()
    assert [c["name"] for c in listed["items"]] == ["few credit lines", "high card debt"]
    assert api.delete(f"/circumstances/{first['id']}").status_code == 204
    assert api.get(f"/circumstances/{first['id']}").status_code == 404
    assert api.delete(f"/jobs/{credit['line']}").status_code == 204  # a job it names goes: the link goes
    assert api.get(f"/jobs/{credit['high']}/circumstances").get_json()["items"][0]["requires_job_ids"] == []
    assert api.delete(f"/jobs/{credit['high']}").status_code == 204
    assert _count(app) == 0


def test_roles_and_organizations(api_as, make, api, admin, credit):
    back = add(api, credit["high"], name="high card debt")
    viewer = api_as(make.user(OrgRef(admin.organization_id, "acme", "Acme"), "viewer"))
    assert viewer.get(f"/circumstances/{back['id']}").status_code == 200
    assert viewer.post(f"/jobs/{credit['high']}/circumstances", json={"name": "y"}).status_code == 403
    assert viewer.patch(f"/circumstances/{back['id']}", json={"share": 0.1}).status_code == 403
    stranger = api_as(make.user(make.org("Other", "other"), "admin", email="admin@other.example"))
    assert stranger.get(f"/circumstances/{back['id']}").status_code == 404
    assert stranger.get(f"/jobs/{credit['high']}/circumstances").status_code == 404
    assert stranger.delete(f"/circumstances/{back['id']}").status_code == 404
