"""Administration: users, roles, tokens — admins only, within their organization."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.models import AuditEvent, User
from tests.conftest import PASSWORD, login


def test_admin_creates_a_user_who_can_sign_in(client, make, app):
    org = make.org()
    login(client, make.user(org, "admin"))
    response = client.post("/admin/users", data={
        "email": "new.person@example.test", "name": "New Person", "role": "owner",
        "password": "a fine long password"})
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(db.select(User).where(User.email == "new.person@example.test"))
        assert created.role == "owner" and created.organization_id == org.id
    other = app.test_client()
    assert other.post("/login", data={"email": "new.person@example.test",
                                      "password": "a fine long password"}).status_code == 302


def test_duplicate_email_is_a_form_error_and_nothing_is_created(client, make, app):
    org = make.org()
    admin = make.user(org, "admin")
    login(client, admin)
    response = client.post("/admin/users", data={
        "email": admin.email.upper(), "role": "viewer", "password": "a fine long password"})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


@pytest.mark.parametrize("role", ["manager", "owner", "viewer"])
def test_only_admins_reach_admin_pages(client, make, role):
    login(client, make.user(make.org(), role))
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"email": "x@example.test", "role": "admin",
                                             "password": "a fine long password"}).status_code == 403


def test_role_change_is_audited(client, make, app):
    org = make.org()
    login(client, make.user(org, "admin"))
    target = make.user(org, "viewer")
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "manager", "version": 1})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, target.id).role == "manager"
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "role"))
        assert event.before == {"role": "viewer"} and event.after == {"role": "manager"}
        assert event.record_id == target.id


def test_stale_role_change_is_refused(client, make, app):
    org = make.org()
    login(client, make.user(org, "admin"))
    target = make.user(org, "viewer")
    client.post(f"/admin/users/{target.id}/role", data={"role": "manager", "version": 1})
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "owner", "version": 1},
                           follow_redirects=True)
    assert "changed this record meanwhile" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, target.id).role == "manager"


def test_last_admin_cannot_be_demoted_or_deactivated(client, make, app):
    org = make.org()
    admin = make.user(org, "admin")
    login(client, admin)
    page = client.post(f"/admin/users/{admin.id}/role", data={"role": "viewer", "version": 1},
                       follow_redirects=True).get_data(as_text=True)
    assert "last admin" in page
    page = client.post(f"/admin/users/{admin.id}/active", data={"active": "0", "version": 1},
                       follow_redirects=True).get_data(as_text=True)
    assert "last admin" in page
    with app.app_context():
        user = db.session.get(User, admin.id)
        assert user.role == "admin" and user.active


def test_deactivation_ends_sessions_and_tokens_at_once(client, make, app):
    org = make.org()
    login(client, make.user(org, "admin"))
    target = make.user(org, "manager")
    token = make.token(target)
    victim = app.test_client()
    login(victim, target)
    assert victim.get("/").status_code == 200
    client.post(f"/admin/users/{target.id}/active", data={"active": "0", "version": 1})
    assert victim.get("/").status_code == 302
    api = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    assert app.test_client().post("/login", data={"email": target.email, "password": PASSWORD}).status_code == 422


def test_another_organizations_user_is_not_found(client, make):
    login(client, make.user(make.org("A"), "admin"))
    stranger = make.user(make.org("B"), "viewer")
    assert client.get(f"/admin/users/{stranger.id}").status_code == 404
    assert client.post(f"/admin/users/{stranger.id}/role", data={"role": "admin", "version": 1}).status_code == 404
    assert stranger.email not in client.get("/admin/users").get_data(as_text=True)


def test_token_is_shown_once_and_works_until_revoked(client, make, app):
    login(client, make.user(make.org(), "viewer"))
    page = client.post("/account/tokens", data={"name": "nightly export"}).get_data(as_text=True)
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("lms_")
    assert secret not in client.get("/account/tokens").get_data(as_text=True)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        from lms.models import ApiToken
        token_id = db.session.scalar(db.select(ApiToken.id))
    client.post(f"/account/tokens/{token_id}/revoke")
    assert api.get("/api/v1/me", headers=headers).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(client, make, app):
    org = make.org()
    owner = make.user(org, "manager")
    secret = make.token(owner)
    login(client, make.user(org, "viewer"))
    with app.app_context():
        from lms.models import ApiToken
        token_id = db.session.scalar(db.select(ApiToken.id))
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 403
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
