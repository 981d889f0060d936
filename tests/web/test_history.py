"""The audit trail pages: filters, one record's trail, and organization scope."""

from __future__ import annotations

from lms.extensions import db
from lms.models import User


def _role_change(client, user_id, role, version):
    return client.post(f"/admin/users/{user_id}/role", data={"role": role, "version": version})


def test_history_lists_changes_newest_first_with_before_and_after(client, make, login_as):
    org = make.org()
    admin = make.user(org, "admin", name="Ada")
    target = make.user(org, "viewer")
    login_as(admin)
    _role_change(client, target.id, "manager", 1)
    page = client.get("/history/").get_data(as_text=True)
    assert "role viewer → manager" in page
    assert page.index("role viewer → manager") < page.index("created as viewer")
    assert "<td>Viewer</td>" in page and "<td>Manager</td>" in page


def test_history_filters_by_person_kind_and_date(client, make, login_as, app):
    org = make.org()
    admin = make.user(org, "admin")
    target = make.user(org, "viewer")
    login_as(admin)
    _role_change(client, target.id, "owner", 1)
    by_admin = client.get(f"/history/?actor={admin.id}&type=User").get_data(as_text=True)
    assert "role viewer → owner" in by_admin
    assert "created as viewer" not in by_admin  # made by the system, not by this admin
    nobody = client.get("/history/?type=Kpi").get_data(as_text=True)
    assert "No changes match" in nobody
    future = client.get("/history/?since=2999-01-01").get_data(as_text=True)
    assert "No changes match" in future
    junk = client.get("/history/?since=not-a-date&actor=abc&type=Nope")
    assert junk.status_code == 200


def test_record_trail_and_its_scope(client, make, login_as):
    org = make.org("A")
    admin = make.user(org, "admin")
    target = make.user(org, "viewer")
    stranger = make.user(make.org("B"), "admin")
    login_as(admin)
    _role_change(client, target.id, "manager", 1)
    trail = client.get(f"/history/User/{target.id}")
    assert trail.status_code == 200
    assert "role viewer → manager" in trail.get_data(as_text=True)
    assert client.get(f"/history/User/{stranger.id}").status_code == 404
    assert client.get("/history/Nope/1").status_code == 404
    assert stranger.email not in client.get("/history/").get_data(as_text=True)


def test_history_is_paginated(client, make, login_as, app):
    org = make.org()
    admin = make.user(org, "admin")
    for i in range(60):  # 60 changes, each recorded by the service: more than one page of history
        make.customer(admin, f"Customer {i}")
    login_as(admin)
    first = client.get("/history/").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/history/?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
    with app.app_context():
        assert db.session.get(User, admin.id) is not None


def test_history_needs_sign_in(client):
    assert client.get("/history/").status_code == 302


def test_events_link_to_their_records_pages(client, make, login_as, api_as):
    admin = make.user(make.org(), "admin")
    api = api_as(admin)
    stream = api.post("/value-streams", json={"name": "Line"}).get_json()
    step = api.post(f"/value-streams/{stream['id']}/steps", json={"name": "Cut"}).get_json()
    login_as(admin)
    page = client.get("/history/").get_data(as_text=True)
    assert f'href="/value-streams/{stream["id"]}/steps/{step["id"]}"' in page
    assert f'href="/value-streams/{stream["id"]}"' in page
    trail = client.get(f"/history/Step/{step['id']}").get_data(as_text=True)
    assert f'/value-streams/{stream["id"]}/steps/{step["id"]}' in trail


def test_history_speaks_the_pages_language(client, make, login_as, api_as):
    """Field labels and units as the pages show them, and the record named, not numbered."""
    org = make.org("Pump Works")
    admin = make.user(org, "admin")
    api = api_as(admin)
    stream = api.post("/value-streams", json={"name": "Repair"}).get_json()
    step = api.post(f"/value-streams/{stream['id']}/steps", json={"name": "Wait for parts"}).get_json()
    api.patch(f"/steps/{step['id']}", json={"wait_time_s": 57600, "classification": "waste",
                                            "waste_types": ["waiting"]})
    login_as(admin)
    page = client.get(f"/history/Step/{step['id']}").get_data(as_text=True)
    assert "<h1>History of Step “Wait for parts”</h1>" in page
    assert '<th scope="row">Waiting time</th><td>—</td><td>16 h</td>' in page
    assert '<th scope="row">Classification</th><td>Unclassified</td><td>Waste</td>' in page
    assert "wait_time_s" not in page and "{&#39;" not in page
    organization = client.get(f"/history/Organization/{org.id}")
    if organization.status_code == 200:  # the organization's own trail, when it has one
        assert "History of Organization “Pump Works”" in organization.get_data(as_text=True)


def test_a_deleted_record_keeps_the_name_it_had(client, make, login_as, api_as):
    admin = make.user(make.org(), "admin")
    api = api_as(admin)
    customer = api.post("/customers", json={"name": "Gone Ltd", "kind": "external"}).get_json()
    api.delete(f"/customers/{customer['id']}")
    login_as(admin)
    page = client.get(f"/history/Customer/{customer['id']}").get_data(as_text=True)
    assert "History of Customer “Gone Ltd”" in page
