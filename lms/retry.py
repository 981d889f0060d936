"""Transient database conflicts: recognise them, run the work again, and say "busy" if they last.

PostgreSQL answers a serialization failure (40001) or a deadlock (40P01) when two transactions
collide; SQLite says "database is locked" when a writer outwaits the busy timeout. Both mean the
same: nothing was written, and the same work run again will most likely succeed. ``run_again`` is
the one loop that does so: the API's writing operations go through it
(``lms.api.routing.run_with_retries``), and every writing page view is wrapped in ``retrying``.
A conflict that outlasts the retries answers 503 with a message to try again, never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, has_request_context, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from lms.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRIES = 3
# PostgreSQL: serialization failure and deadlock; both mean "run the transaction again".
RETRYABLE_PGCODES = {"40001", "40P01"}
BUSY_MESSAGE = "The database was busy with other changes; nothing was saved. Please try again."


def is_transient(exc: BaseException) -> bool:
    """Tell whether a database error means "collided with another writer: run it again"."""
    if not isinstance(exc, DBAPIError):
        return False
    original = getattr(exc, "orig", None)
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return code in RETRYABLE_PGCODES or "database is locked" in str(exc)


def run_again(call: Callable[[], T], retryable: Callable[[Exception], bool] = is_transient) -> T:
    """Run ``call`` (at most ``RETRIES`` times in all), rolling back after each failed write.

    A database error ``retryable`` accepts runs it again; any other, or the last, is raised.
    """
    for attempt in range(1, RETRIES + 1):
        try:
            return call()
        except (StaleDataError, DBAPIError) as exc:
            db.session.rollback()
            if attempt == RETRIES or not retryable(exc):
                raise
            where = request.endpoint if has_request_context() else "a write"
            log.info("running %s again after a transient conflict (%s)", where, type(exc).__name__)
    raise AssertionError("unreachable")


def retrying(view: Callable) -> Callable:
    """Run a writing view again after a transient conflict."""

    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return view(*args, **kwargs)
        return run_again(lambda: view(*args, **kwargs))

    return run


def wrap_page_views(app: Flask) -> None:
    """Wrap every view but the API's (which retries per operation) and static files."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static" and not endpoint.startswith("api."):
            app.view_functions[endpoint] = retrying(view)
