"""Requests that once answered 500 after the work was done, or were read more loosely than meant."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from lms.extensions import db
from lms.models import LoginAttempt
from tests.conftest import PASSWORD, login


@pytest.mark.parametrize("target", ["/kpis/\r\nSet-Cookie: x=1", "/kpis/\n", "/\tkpis", "/kpis/\x7f"])
def test_a_redirect_target_with_control_characters_goes_to_the_dashboard(client, make, app, target):
    user = make.user(make.org())
    signed_in = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    token = make.token(user)
    with app.app_context():
        from lms.models import ApiToken

        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.prefix == token[:10]))
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data={"next": target})
    assert revoked.status_code == 302 and revoked.headers["Location"] == "/"


def test_a_json_import_with_a_number_too_long_to_read_is_refused(client, make, snapshot):
    org = make.org()
    login(client, make.user(org, "admin"))
    before = snapshot(org.id)
    document = b'{"schema_version": ' + b"9" * 5000 + b"}"
    response = client.post("/transfer/import", data={"document": (io.BytesIO(document), "lms.json")})
    assert response.status_code == 422 and "not a JSON file lms can read" in response.get_data(as_text=True)
    assert snapshot(org.id) == before


@pytest.mark.parametrize("raw", ["-27988872150451253248", "27988872150451253248", "٣", "+3", "1_000", " 3"])
def test_query_integers_are_ascii_and_in_range(client, make, api_as, raw):
    api = api_as(make.user(make.org()))
    response = api.get("/kpis", query_string={"customer_id": raw})
    assert response.status_code == 422
    assert "customer_id" in response.get_json()["error"]["fields"]


def test_ids_in_paths_are_ascii_digits_only(client, make, api_as):
    api = api_as(make.user(make.org()))
    stream = api.post("/value-streams", json={"name": "Line"}).get_json()
    assert api.get(f"/value-streams/{stream['id']}").status_code == 200
    arabic = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in str(stream["id"]))
    assert api.get(f"/value-streams/{arabic}").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/health", "/login", "/api/v1/customers"])
def test_405_says_which_methods_the_address_takes(client, path):
    response = client.put(path)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_init_db_creates_a_missing_instance_folder(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from lms.cli import cli

    instance = tmp_path / "not" / "there" / "yet"
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_SECRET_KEY", "s" * 64)
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["init-db"])
    assert result.exit_code == 0, result.output
    assert (instance / "lms.sqlite3").exists()


def test_an_owner_cannot_attach_a_future_state_to_a_stream_not_theirs(make, api_as, app):
    org = make.org()
    manager, owner = api_as(make.user(org, "manager")), make.user(org, "owner")
    theirs = manager.post("/value-streams", json={"name": "Not yours"}).get_json()
    mine = api_as(owner).post("/value-streams", json={"name": "Mine"}).get_json()
    attach = {"name": "Sneaky future", "state": "future", "derived_from_id": theirs["id"]}
    assert api_as(owner).post("/value-streams", json=attach).status_code == 403
    assert api_as(owner).patch(f"/value-streams/{mine['id']}",
                               json={"state": "future", "derived_from_id": theirs["id"]}).status_code == 403
    own_future = api_as(owner).post("/value-streams", json={**attach, "derived_from_id": mine["id"]})
    assert own_future.status_code == 201
    assert manager.get("/value-streams", query_string={"state": "future"}).get_json()["total"] == 1


def test_a_bad_token_is_refused_401_even_when_its_failure_cannot_be_counted(client, app, monkeypatch, caplog):
    def locked():
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", locked)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer lms_not_a_real_token"})
    monkeypatch.undo()
    assert response.status_code == 401
    assert "could not count a failed sign-in or token check" in caplog.text
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginAttempt.id))) == 0
