"""Fixtures: one app and schema per run, a clean database per test, factories and logins.

The suite runs on SQLite by default; ``LMS_TEST_DATABASE_URL`` points it at PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from lms import create_app
from lms.extensions import db
from tests.factory import PASSWORD, Factory


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        return _worker_database(url, worker)
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'lms-test.sqlite3'}"


def _worker_database(url: str, worker: str) -> str:
    """Give each pytest-xdist worker a PostgreSQL database of its own, named after the given one.

    ``scripts/pg_test_database.py`` drops them with the database they are named after.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    given = make_url(url)
    name = f"{given.database}_{worker}"
    server = given.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return given.set(database=name).render_as_string(hide_password=False)


def _reset_schema(app: Flask) -> None:
    """Drop whatever is there and build the schema through the Alembic migrations."""
    from flask_migrate import upgrade

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    instance = tmp_path_factory.mktemp("instance")
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "WTF_CSRF_ENABLED": False,
        "LMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # The content cache stays on, as in production; a test about the uncached path uses `uncached`.
        "LMS_CHART_CACHE_DIR": str(instance / "chart-cache"),
        "INSTANCE_PATH": str(instance),
    })
    _reset_schema(application)
    return application


def _empty_all_tables() -> None:
    """Delete every row, children first, and start the ids again from 1.

    Deleting, not TRUNCATE: a test leaves a few rows, and PostgreSQL's TRUNCATE of 40 tables
    replaces each table's files (270–490 ms a test here, against 30–50 ms), which was most of the
    suite's extra time on PostgreSQL.
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
    db.session.commit()


@pytest.fixture()
def database(app: Flask) -> Iterator[Flask]:
    """An empty database for the test, emptied again afterwards."""
    yield app
    from lms.content import cache, history

    with app.app_context():
        db.session.rollback()
        _empty_all_tables()
    cache.clear()
    history.clear()


@pytest.fixture()
def client(database: Flask) -> FlaskClient:
    return database.test_client()


@pytest.fixture()
def uncached(app: Flask, database: Flask) -> Iterator[Flask]:
    """The app with its content cache off, for a test about the uncached computation itself."""
    app.config["LMS_CONTENT_CACHE"] = False
    yield app
    app.config["LMS_CONTENT_CACHE"] = True


@pytest.fixture()
def make(database: Flask) -> Factory:
    return Factory(database)


def login(client: FlaskClient, user, password: str = PASSWORD):
    """Sign ``user`` in through the real form."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture()
def login_as(client: FlaskClient):
    def _login(user):
        login(client, user)
        return client
    return _login


class ApiClient:
    """Call the JSON API with a bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, **kwargs: Any):
        return self.client.open("/api/v1" + path, method=method, headers=self.headers, **kwargs)

    def get(self, path: str, **kw: Any):
        return self._call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        return self._call("POST", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any):
        return self._call("PATCH", path, json=json, **kw)

    def delete(self, path: str, **kw: Any):
        return self._call("DELETE", path, **kw)


@pytest.fixture()
def api_as(client: FlaskClient, make: Factory):
    def _api(user) -> ApiClient:
        return ApiClient(client, make.token(user))
    return _api
