"""The Alembic migrations build exactly the schema the models describe, both ways."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.config import normalize_database_url
from lms.extensions import db


def test_models_match_the_migrated_schema(app):
    """Autogenerate against the migrated test database finds nothing to add."""
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                db.metadata)
    assert diff == []


@pytest.fixture()
def scratch_url(tmp_path):
    """A database of its own: a SQLite file, or a new PostgreSQL database beside the test one."""
    base = os.environ.get("LMS_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    url = make_url(normalize_database_url(base))
    name = f"lms_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_downgrade_upgrade_round_trip(scratch_url):
    from flask_migrate import downgrade, upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        upgrade()  # safe twice
        tables = set(inspect(db.engine).get_table_names())
        assert {"organizations", "users", "steps", "kpi_measurements", "audit_events"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "steps" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


# Each revision with data in it ------------------------------------------------------------------

def _revision_chain() -> list[str]:
    """The revisions from the first to the newest (one line of history; a branch fails loudly)."""
    from alembic.script import ScriptDirectory

    from lms.config import ROOT

    script = ScriptDirectory(str(ROOT / "migrations"))
    heads = script.get_heads()
    assert len(heads) == 1, f"migrations branch: heads {heads}"
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", heads[0])))]


REVISIONS = _revision_chain()
STEPS_UP = list(zip(REVISIONS, REVISIONS[1:], strict=False))


def _sample(column, parents: dict[str, dict], tag: str) -> object:
    """A value that fits ``column``: the row of the referenced table for a foreign key."""
    from datetime import date, datetime

    for fk in column.foreign_keys:
        parent = parents.get(fk.column.table.name)
        return None if parent is None else parent[fk.column.name]
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = str
    length = getattr(column.type, "length", None) or 40
    return {int: 7, float: 2.5, bool: True, str: f"{column.name}-{tag}"[:length], date: date(2026, 1, 2),
            datetime: datetime(2026, 1, 2, 3, 4, 5), dict: {"sample": 1}, list: [1]}.get(kind, "x")


def _in_dependency_order(tables) -> list:
    """Tables after those their required foreign keys point at (optional ones may stay empty)."""
    ordered, placed = [], set()
    pending = [t for t in tables if t.name != "alembic_version"]
    while pending:
        ready = [t for t in pending if all(
            fk.column.table.name in placed or fk.column.table is t
            for column in t.columns if not column.nullable for fk in column.foreign_keys)]
        assert ready, f"required foreign keys form a cycle among {[t.name for t in pending]}"
        for table in sorted(ready, key=lambda t: t.name):
            ordered.append(table)
            placed.add(table.name)
            pending.remove(table)
    return ordered


def _fill_every_table(engine, tag: str) -> dict[str, dict]:
    """Put one row in every table of the schema as it is at this revision; return the rows."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(engine)
    rows: dict[str, dict] = {}
    with engine.begin() as conn:
        for table in _in_dependency_order(meta.tables.values()):
            row = {column.name: _sample(column, rows, tag) for column in table.columns
                   if not (column.primary_key and column.autoincrement in (True, "auto")
                           and not column.foreign_keys)}
            result = conn.execute(table.insert().values(row))
            if result.inserted_primary_key:
                row.update(zip([c.name for c in table.primary_key.columns], result.inserted_primary_key,
                               strict=True))
            rows[table.name] = row
    return rows


def _rows_kept(engine, rows: dict[str, dict]) -> list[str]:
    """Name every sample row that is gone or changed in a column the table still has."""
    from sqlalchemy import MetaData, select

    meta = MetaData()
    meta.reflect(engine)
    problems = []
    with engine.connect() as conn:
        for name, row in rows.items():
            table = meta.tables.get(name)
            if table is None:
                continue  # the revision removed the table
            found = conn.execute(select(table)).mappings().all()
            kept = {k: v for k, v in row.items() if k in table.c}
            if not any(all(stored[k] == v for k, v in kept.items()) for stored in found):
                problems.append(f"{name}: {kept} not among {[dict(r) for r in found]}")
    return problems


@pytest.mark.skipif(not STEPS_UP, reason="a single revision: nothing to upgrade from yet")
@pytest.mark.parametrize("older, newer", STEPS_UP, ids=[f"{a}->{b}" for a, b in STEPS_UP])
def test_each_revision_upgrades_with_data_in_it_and_downgrades_one_step(scratch_url, older, newer):
    """Rows written at one revision survive the upgrade to the next, and the way back."""
    from flask_migrate import downgrade, upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(revision=older)
        rows = _fill_every_table(db.engine, "older")
        assert len(rows) >= 10
        upgrade(revision=newer)
        assert _rows_kept(db.engine, rows) == [], f"upgrade {older} -> {newer} lost data"
        newer_rows = _fill_every_table(db.engine, "newer")
        downgrade(revision=older)
        assert _rows_kept(db.engine, rows) == [], f"downgrade {newer} -> {older} lost data"
        assert _rows_kept(db.engine, newer_rows) == [], f"downgrade {newer} -> {older} lost data"
        upgrade(revision=newer)
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:  # migrations turn them off for a while, never for good
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
