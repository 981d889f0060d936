"""Faults half-way through a write: nothing partial is ever kept.

An import that fails after its first batch is in the database writes nothing; a writer process
killed between its flush and its commit leaves the tables as they were (and the database usable);
an unexpected error shows the person an error id, never a traceback, with DEBUG off.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import func, select

from lms import bulk, create_app
from lms.extensions import db
from lms.models import KpiMeasurement, Step, User, ValueStream
from lms.permissions import PUBLIC, allow
from tests.security.records import fingerprint
from tests.test_migrations import scratch_url  # noqa: F401 - a database of the test's own
from tests.web.test_tables import confirm_form


@pytest.fixture()
def crash_after_first_batch(monkeypatch):
    """Make every bulk insert write its first batch, then fail as a lost connection would."""
    real = bulk.insert_rows
    batches = []

    def insert_then_fail(model, rows, on_batch=None, *, ids=True):
        batches.append(real(model, rows[:2], on_batch, ids=ids))  # the first batch reaches the database
        raise RuntimeError("connection lost half-way through the import")

    monkeypatch.setattr(bulk, "insert_rows", insert_then_fail)
    monkeypatch.setattr("lms.transfer.import_services.insert_rows", insert_then_fail)
    return batches


def _rows(app, model, org_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)).where(model.organization_id == org_id)
                                 .execution_options(all_organizations=True))


def test_an_import_that_fails_half_way_writes_nothing(app, client, filled, make, crash_after_first_batch):
    document = client.get("/api/v1/export", headers={"Authorization": f"Bearer {filled.token}"}).get_json()
    empty = make.org("Empty")
    token = make.token(make.user(empty, "admin"))
    with app.app_context():
        before = fingerprint(empty.id)
    response = client.post("/api/v1/import", json=document, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    assert "error id" in response.get_json()["error"]["message"]
    assert crash_after_first_batch, "the import never reached its bulk insert"
    with app.app_context():
        assert fingerprint(empty.id) == before


def test_a_measurement_table_that_fails_half_way_writes_nothing(app, client, filled, crash_after_first_batch):
    from tests.conftest import login

    login(client, filled.admin)
    before = _rows(app, KpiMeasurement, filled.org.id)
    csv = "measured_on,value,note\n" + "".join(f"2025-03-{day:02d},{day},\n" for day in range(1, 29))
    preview = client.post("/transfer/measurements/import", data={
        "measurements-record_id": str(filled.ids["kpi_id"]),
        "measurements-table": (io.BytesIO(csv.encode()), "measurements.csv")})
    assert preview.status_code == 200 and _rows(app, KpiMeasurement, filled.org.id) == before
    response = client.post("/transfer/measurements/confirm",
                           data=confirm_form(preview.get_data(as_text=True), "/transfer/measurements/confirm"))
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    assert crash_after_first_batch, "the import never reached its bulk insert"
    assert _rows(app, KpiMeasurement, filled.org.id) == before


WRITER = textwrap.dedent("""
    import sys, time
    from lms import create_app, tenancy
    from lms.extensions import db
    from lms.models import User, ValueStream

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    with app.app_context():
        from lms.transfer import step_services
        tenancy.act_as(db.session.get(User, int(sys.argv[2])))
        stream = db.session.get(ValueStream, int(sys.argv[3]))

        def stop_before_commit():
            db.session.flush()
            print("flushed", flush=True)
            time.sleep(60)  # killed here, between the flush and the commit

        db.session.commit = stop_before_commit
        rows = "name,kind\\n" + "".join(f"Killed step {n},process\\n" for n in range(40))
        checked = step_services.check_steps(stream, "steps.csv", __import__("io").BytesIO(rows.encode()))
        step_services.import_steps(stream, checked, "append")
""")


def test_a_writer_killed_between_flush_and_commit_leaves_no_partial_rows(scratch_url, tmp_path):  # noqa: F811
    from flask_migrate import upgrade

    from lms import tenancy
    from lms.admin.services import create_organization
    from lms.auth.services import create_user
    from lms.streams.schemas import StepIn, ValueStreamIn
    from lms.streams.services import create_step, create_stream

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": scratch_url,
                      "LMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        org = create_organization("Killed", "killed")
        admin = create_user(org, email="admin@killed.test", password="a long passphrase", role="admin")
        tenancy.act_as(admin)
        stream = create_stream(ValueStreamIn(name="Line"))
        create_step(stream, StepIn(name="First"))
        org_id, admin_id, stream_id = org.id, admin.id, stream.id
        before = fingerprint(org_id)
        db.session.remove()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writer = subprocess.Popen([sys.executable, str(script), scratch_url, str(admin_id), str(stream_id)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        line = writer.stdout.readline()
        assert line.strip() == "flushed", writer.stderr.read()
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)
    finally:
        if writer.poll() is None:
            writer.kill()
    with app.app_context():
        deadline = time.monotonic() + 10
        while fingerprint(org_id) != before and time.monotonic() < deadline:
            db.session.remove()
            time.sleep(0.1)  # PostgreSQL notices the dead client and rolls back
        assert fingerprint(org_id) == before
        assert db.session.scalar(select(func.count(Step.id)).execution_options(all_organizations=True)) == 1
        # The dead writer holds no lock: the next write goes through at once.
        tenancy.act_as(db.session.get(User, admin_id))
        create_step(db.session.get(ValueStream, stream_id), StepIn(name="After the crash"))
        assert [s.position for s in db.session.scalars(select(Step).order_by(Step.position))] == [1, 2]
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def production_app(app, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_SECRET_KEY", "s" * 64)
    monkeypatch.setenv("LMS_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    deployed = create_app()

    @deployed.get("/explode")
    @allow(PUBLIC)
    def explode():
        raise RuntimeError("secret internals: password=hunter2")

    @deployed.get("/api/v1/explode")
    @allow(PUBLIC)
    def explode_api():
        raise RuntimeError("secret internals: password=hunter2")

    return deployed


@pytest.mark.parametrize("path", ["/explode", "/api/v1/explode"])
def test_in_production_an_error_shows_its_id_and_no_traceback(production_app, caplog, path):
    assert production_app.debug is False and production_app.testing is False
    caplog.set_level(logging.ERROR, logger="lms")
    response = production_app.test_client().get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "hunter2" not in body and "Traceback" not in body and "RuntimeError" not in body
    record = next(r for r in caplog.records if "error id" in r.getMessage())
    assert record.args[0] in body
    assert record.exc_info and "hunter2" in str(record.exc_info[1])
