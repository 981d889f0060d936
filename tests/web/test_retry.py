"""A transient database conflict is run again; one that lasts answers 503, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lms.extensions import db
from lms.models import Customer
from lms.retry import RETRIES, is_transient
from tests.conftest import ApiClient, login


class _Driver(Exception):
    """What psycopg raises for a serialization failure: an error with a SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"could not serialize access (SQLSTATE {sqlstate})")
        self.sqlstate = sqlstate


@pytest.fixture()
def collide():
    """Make the next ``n`` commits fail as if another transaction had collided with them."""
    state = {"left": 0}

    def fail(_session) -> None:
        if state["left"] > 0:
            state["left"] -= 1
            raise OperationalError("COMMIT", {}, _Driver("40001"))

    event.listen(Session, "before_commit", fail)

    def arm(times: int) -> None:
        state["left"] = times

    yield arm
    event.remove(Session, "before_commit", fail)


def _customers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Customer.id)).execution_options(all_organizations=True))


@pytest.mark.parametrize("error, transient", [
    (OperationalError("UPDATE", {}, _Driver("40001")), True),
    (OperationalError("UPDATE", {}, _Driver("40P01")), True),
    (OperationalError("UPDATE", {}, Exception("database is locked")), True),
    (OperationalError("SELECT", {}, Exception("no such table: customers")), False),
    (ValueError("database is locked"), False),
], ids=["serialization", "deadlock", "sqlite-locked", "other-db-error", "not-a-db-error"])
def test_which_errors_are_transient(error, transient):
    assert is_transient(error) is transient


def test_a_form_post_that_collides_once_is_run_again_and_saved_once(client, make, collide, app):
    login(client, make.user(make.org(), "admin"))
    before = _customers(app)
    collide(1)
    response = client.post("/customers/new", data={"name": "Billing team", "kind": "internal"})
    assert response.status_code == 302
    assert _customers(app) == before + 1


def test_a_form_post_that_keeps_colliding_answers_503_and_saves_nothing(client, make, collide, app):
    login(client, make.user(make.org(), "admin"))
    before = _customers(app)
    collide(RETRIES)
    response = client.post("/customers/new", data={"name": "Billing team", "kind": "internal"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert "nothing was saved" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert _customers(app) == before


def test_an_api_write_that_keeps_colliding_answers_503_json(client, make, collide, app):
    api = ApiClient(client, make.token(make.user(make.org(), "admin")))
    before = _customers(app)
    collide(RETRIES)
    response = api.post("/customers", json={"name": "Billing team", "kind": "internal"})
    assert response.status_code == 503
    assert "try again" in response.get_json()["error"]["message"].lower()
    assert _customers(app) == before
    collide(1)
    assert api.post("/customers", json={"name": "Billing team", "kind": "internal"}).status_code == 201
    assert _customers(app) == before + 1
