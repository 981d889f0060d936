"""Unexpected errors: an error id for the person, the stack in the log, nothing leaked."""

from __future__ import annotations

import logging

import pytest

from lms import create_app
from lms.permissions import PUBLIC, allow


@pytest.fixture()
def failing_app(app):
    broken = create_app({"TESTING": True, "SECRET_KEY": "x",
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})

    @broken.get("/explode")
    @allow(PUBLIC)
    def explode():
        raise RuntimeError("secret internals: password=hunter2")

    @broken.get("/api/v1/explode")
    @allow(PUBLIC)
    def explode_api():
        raise RuntimeError("secret internals: password=hunter2")

    return broken


@pytest.mark.parametrize("path", ["/explode", "/api/v1/explode"])
def test_server_error_shows_an_error_id_and_logs_the_stack(failing_app, caplog, path):
    caplog.set_level(logging.ERROR, logger="lms")
    response = failing_app.test_client().get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "hunter2" not in body and "Traceback" not in body
    record = next(r for r in caplog.records if "error id" in r.getMessage())
    error_id = record.args[0]
    assert error_id in body
    assert record.exc_info and "hunter2" in str(record.exc_info[1])
