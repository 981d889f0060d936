"""The fast path answers cached reads with one query, and never where the normal path would not."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text, update
from sqlalchemy.engine import Engine

from lms.auth.services import digest
from lms.extensions import db
from lms.models import ApiToken, User, UserSession
from tests.conftest import ApiClient, login


@pytest.fixture()
def counted(monkeypatch):
    """Return a function that runs a call and counts its credential checks and other statements."""
    from lms import fast_path

    checks: list[int] = []
    inside = [False]
    real = fast_path._version

    def checking(statement, secret):
        checks.append(1)
        inside[0] = True
        try:
            return real(statement, secret)
        finally:
            inside[0] = False

    monkeypatch.setattr(fast_path, "_version", checking)

    def count(call) -> tuple[int, int, object]:
        """(credential checks, other statements BEGIN aside, the answer) of a call."""
        checks.clear()
        others: list[str] = []

        def note(_conn, _cursor, statement, *_args) -> None:
            if not inside[0] and statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
                others.append(statement)

        event.listen(Engine, "before_cursor_execute", note)
        try:
            response = call()
        finally:
            event.remove(Engine, "before_cursor_execute", note)
        return len(checks), len(others), response

    return count


def _stream(api) -> int:
    stream = api.post("/value-streams", json={"name": "Line", "daily_demand": 10}).get_json()
    api.post(f"/value-streams/{stream['id']}/steps", json={"name": "Cut", "cycle_time_s": 100})
    return stream["id"]


def _change(app, model, *where, **values) -> None:
    with app.app_context():
        db.session.execute(update(model).where(*where).values(**values)
                           .execution_options(all_organizations=True))
        db.session.commit()


def test_a_cached_page_and_a_revalidated_chart_cost_one_check_and_nothing_else(
        caching, client, make, api_as, counted):
    admin = make.user(make.org(), "admin")
    stream_id = _stream(api_as(admin))
    login(client, admin)
    _, drawn, first = counted(lambda: client.get(f"/value-streams/{stream_id}"))
    checks, others, cached = counted(lambda: client.get(f"/value-streams/{stream_id}"))
    assert drawn > 3 and (checks, others) == (1, 0) and cached.data == first.data
    chart = client.get(f"/value-streams/{stream_id}/takt.png")
    checks, others, revalidated = counted(lambda: client.get(
        f"/value-streams/{stream_id}/takt.png", headers={"If-None-Match": chart.headers["ETag"]}))
    assert (checks, others, revalidated.status_code) == (1, 0, 304)
    assert revalidated.headers["ETag"] == chart.headers["ETag"]
    assert "default-src 'self'" in revalidated.headers["Content-Security-Policy"]


def test_a_cached_api_read_costs_one_check_and_follows_the_content(caching, client, make, counted):
    admin = make.user(make.org(), "admin")
    api = ApiClient(client, make.token(admin))
    stream_id = _stream(api)
    _, computed, first = counted(lambda: api.get(f"/value-streams/{stream_id}/metrics"))
    checks, others, cached = counted(lambda: api.get(f"/value-streams/{stream_id}/metrics"))
    assert computed > 1 and (checks, others) == (1, 0) and cached.get_json() == first.get_json()
    api.post(f"/value-streams/{stream_id}/steps", json={"name": "Weld", "cycle_time_s": 50})
    assert api.get(f"/value-streams/{stream_id}/metrics").get_json()["processing_time_s"] == 150


def test_a_session_ended_elsewhere_gets_nothing_from_the_cache(caching, client, make):
    """Another process signs the session out or deactivates the user: this one sees it at once."""
    admin = make.user(make.org(), "admin")
    login(client, admin)
    assert client.get("/customers/").status_code == 200
    assert client.get("/customers/").status_code == 200  # now cached
    _change(caching, UserSession, UserSession.user_id == admin.id, revoked_at=db.func.now())
    assert client.get("/customers/").status_code == 302


def test_a_deactivated_user_gets_nothing_from_the_cache(caching, client, make):
    manager = make.user(make.org(), "manager")
    login(client, manager)
    client.get("/customers/")
    assert client.get("/customers/").status_code == 200
    _change(caching, User, User.id == manager.id, active=False)
    assert client.get("/customers/").status_code == 302


def test_a_revoked_token_gets_nothing_from_the_cache(caching, client, make):
    admin = make.user(make.org(), "admin")
    secret = make.token(admin)
    api = ApiClient(client, secret)
    assert api.get("/customers").status_code == 200
    assert api.get("/customers").status_code == 200  # now cached
    _change(caching, ApiToken, ApiToken.token_hash == digest(secret), revoked_at=db.func.now())
    assert api.get("/customers").status_code == 401


def test_a_cookie_from_another_browser_gets_nothing_from_the_cache(caching, client, make, app):
    """Session protection: the same cookie from another user agent is not served the page."""
    admin = make.user(make.org(), "admin")
    login(client, admin)
    client.get("/customers/")
    assert client.get("/customers/").status_code == 200
    other = app.test_client()
    other.set_cookie("lms_session", client.get_cookie("lms_session").value)
    answer = other.get("/customers/", headers={"User-Agent": "another browser"})
    assert answer.status_code == 302


def test_after_a_change_a_revalidated_chart_is_checked_once_then_answered_early(
        caching, client, make, api_as, counted):
    admin = make.user(make.org(), "admin")
    api = api_as(admin)
    stream_id = _stream(api)
    login(client, admin)
    chart = f"/value-streams/{stream_id}/takt.png"
    etag = client.get(chart).headers["ETag"]
    api.post("/customers", json={"name": "Planning", "kind": "internal"})  # the chart stays the same
    _, drawn, first = counted(lambda: client.get(chart, headers={"If-None-Match": etag}))
    checks, others, again = counted(lambda: client.get(chart, headers={"If-None-Match": etag}))
    assert (first.status_code, again.status_code) == (304, 304) and drawn > 0
    assert (checks, others) == (1, 0)
    whole = client.get(chart)  # a browser without the chart still gets it drawn
    assert whole.status_code == 200 and whole.data.startswith(b"\x89PNG") and whole.headers["ETag"] == etag


def test_a_failed_check_falls_through_to_the_normal_path(caching, client, make, monkeypatch):
    """A connection that died (say, with a database restart) costs the fast path, not the answer."""
    from lms import fast_path

    admin = make.user(make.org(), "admin")
    login(client, admin)
    first = client.get("/customers/")
    with caching.app_context():
        broken = db.engine.dialect.loaded_dbapi.OperationalError

    def die(*_args):
        raise broken("server closed the connection unexpectedly")

    monkeypatch.setattr(fast_path, "_check", die)
    again = client.get("/customers/")
    assert again.status_code == 200 and again.data == first.data


def _postgresql_only(app) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("on PostgreSQL each serving thread keeps a connection for the check; SQLite has none")


def test_a_held_connection_the_database_closed_costs_one_fall_through(caching, client, make, counted):
    """After a database restart (here: the backend terminated) the page is still right, and the
    thread's next check connects again."""
    from lms import fast_path

    _postgresql_only(caching)
    admin = make.user(make.org(), "admin")
    login(client, admin)
    first = client.get("/customers/")
    assert counted(lambda: client.get("/customers/"))[:2] == (1, 0)  # the fast path, on a held connection
    held = fast_path._held.connection.info.backend_pid
    with caching.app_context():
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": held})
        db.session.commit()
    fell_through = client.get("/customers/")
    assert fell_through.status_code == 200 and fell_through.data == first.data
    checks, others, again = counted(lambda: client.get("/customers/"))
    assert (checks, others) == (1, 0) and again.data == first.data
    assert fast_path._held.connection.info.backend_pid != held


def test_a_forked_process_makes_its_own_connection(caching, monkeypatch):
    """A child process must not talk on its parent's socket: the connection is made per process."""
    from lms import fast_path

    _postgresql_only(caching)
    with caching.app_context():
        parent = fast_path._postgresql_connection(db.engine)
        assert fast_path._postgresql_connection(db.engine) is parent  # kept for this thread
        monkeypatch.setattr(fast_path.os, "getpid", lambda: -1)
        child = fast_path._postgresql_connection(db.engine)
    assert child is not parent and not parent.closed
    child.close()


def test_an_error_answer_from_the_database_falls_through_and_drops_the_connection(caching, client, make):
    """Say the check's statement no longer fits the schema: the page is still right, and the
    connection that answered with an error is not used again."""
    from lms import fast_path

    _postgresql_only(caching)
    admin = make.user(make.org(), "admin")
    login(client, admin)
    first = client.get("/customers/")
    client.get("/customers/")
    broken = fast_path._held.connection
    broken.pgconn.exec_(b"DEALLOCATE lms_session_check")  # the thread believes it is still prepared
    again = client.get("/customers/")
    assert again.status_code == 200 and again.data == first.data
    assert broken.closed and fast_path._held.connection is None
