"""Transient write conflicts are run again; a client's own stale version is not."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from lms.api.routing import run_with_retries
from lms.retry import RETRIES


class _Body(BaseModel):
    version: int | None = None
    name: str | None = None


class _PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__("pg")
        self.sqlstate = sqlstate


def _flaky(failures: list[Exception]):
    calls = []

    def fn(**_kwargs):
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "done"
    return fn, calls


@pytest.mark.parametrize("error", [
    StaleDataError("row changed"),
    OperationalError("UPDATE", {}, _PgError("40001")),
    OperationalError("UPDATE", {}, _PgError("40P01")),
    OperationalError("UPDATE", {}, Exception("database is locked")),
], ids=["stale-without-version", "pg-serialization", "pg-deadlock", "sqlite-locked"])
def test_transient_conflicts_run_again(app, error):
    fn, calls = _flaky([error])
    with app.app_context():
        assert run_with_retries(fn, {"payload": _Body(name="x")}) == "done"
    assert len(calls) == 2


def test_a_stale_version_sent_by_the_client_is_not_retried(app):
    fn, calls = _flaky([StaleDataError("row changed")])
    with app.app_context(), pytest.raises(StaleDataError):
        run_with_retries(fn, {"payload": _Body(version=3)})
    assert len(calls) == 1


def test_retries_give_up_after_the_limit(app):
    fn, calls = _flaky([StaleDataError("x") for _ in range(RETRIES + 1)])
    with app.app_context(), pytest.raises(StaleDataError):
        run_with_retries(fn, {})
    assert len(calls) == RETRIES


def test_other_database_errors_are_not_retried(app):
    fn, calls = _flaky([OperationalError("SELECT", {}, Exception("no such table"))])
    with app.app_context(), pytest.raises(OperationalError):
        run_with_retries(fn, {})
    assert len(calls) == 1
