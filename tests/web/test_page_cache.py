"""Repeated page views come from the content-versioned cache, never across sessions, never stale."""

from __future__ import annotations

from sqlalchemy import event

from lms.extensions import db
from tests.conftest import login


def _count(app, call) -> tuple[int, object]:
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen), response


def test_a_repeated_view_is_served_from_the_cache_until_the_content_changes(caching, client, make, api_as):
    admin = make.user(make.org(), "admin")
    api = api_as(admin)
    api.post("/customers", json={"name": "Utilities", "kind": "external"})
    login(client, admin)
    first, page = _count(caching, lambda: client.get("/customers/"))
    again, same = _count(caching, lambda: client.get("/customers/"))
    assert again < first and same.data == page.data
    api.post("/customers", json={"name": "Planning", "kind": "internal"})
    _, fresh = _count(caching, lambda: client.get("/customers/"))
    assert "Planning" in fresh.get_data(as_text=True)


def test_sessions_never_share_cached_pages(caching, client, make, app):
    org = make.org()
    admin, viewer = make.user(org, "admin"), make.user(org, "viewer")
    login(client, admin)
    assert "Add a user" in client.get("/admin/users").get_data(as_text=True)
    other = app.test_client()
    login(other, viewer)
    assert other.get("/admin/users").status_code == 403
    mine, theirs = client.get("/").get_data(as_text=True), other.get("/").get_data(as_text=True)
    assert 'role-badge">admin' in mine and 'role-badge">viewer' in theirs


def test_pages_with_a_flash_are_not_cached(caching, client, make):
    admin = make.user(make.org(), "admin")
    login(client, admin)
    client.post("/account/tokens", data={"name": "x"})  # no flash, but shows the secret once
    client.post("/admin/users", data={"email": "new@example.test", "role": "viewer",
                                      "password": "a fine long password"})
    shown = client.get("/admin/users").get_data(as_text=True)
    assert "Account new@example.test created" in shown
    assert "Account new@example.test created" not in client.get("/admin/users").get_data(as_text=True)


def test_signing_out_ends_cached_views_too(caching, client, make, app):
    admin = make.user(make.org(), "admin")
    login(client, admin)
    assert client.get("/").status_code == 200
    stolen = client.get_cookie("lms_session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("lms_session", stolen)
    assert thief.get("/").status_code == 302


def test_charts_from_the_cache_keep_their_etag(caching, client, make, api_as):
    admin = make.user(make.org(), "admin")
    stream = api_as(admin).post("/value-streams", json={"name": "Line"}).get_json()
    login(client, admin)
    first = client.get(f"/value-streams/{stream['id']}/takt.png")
    cached = client.get(f"/value-streams/{stream['id']}/takt.png")
    assert cached.data == first.data and cached.headers["ETag"] == first.headers["ETag"]
    revalidated = client.get(f"/value-streams/{stream['id']}/takt.png",
                             headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304
