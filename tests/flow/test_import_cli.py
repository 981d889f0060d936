"""`lms import-events`: CSV and XES, all or nothing, and a re-import adds nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.cli import cli
from lms.extensions import db
from lms.models import AuditEvent, FlowActivity, FlowEvent
from tests.flow.small_log import SMALL_CSV
from tests.flow.test_parsing import XES
from tests.scenarios import quotes_stream


def _count(app, model=FlowEvent) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)).execution_options(all_organizations=True))


def test_import_twice_adds_the_events_once(app, make, api_as, tmp_path):
    admin = make.user(make.org(), "admin")
    stream_id, steps = quotes_stream(make, admin)
    log = tmp_path / "quotes.csv"
    log.write_text(SMALL_CSV)
    runner = app.test_cli_runner()
    first = runner.invoke(cli, ["import-events", str(log), "--stream", str(stream_id)])
    assert first.exit_code == 0, first.output
    assert "16 events imported; 4 new activities, 1 of them map to no step yet." in first.output
    assert "Chase customer" in first.output
    again = runner.invoke(cli, ["import-events", str(log), "--stream", str(stream_id)])
    assert again.exit_code == 0, again.output
    assert "0 events imported, 16 already in the log left out." in again.output
    assert _count(app) == 16
    with app.app_context():
        mapped = dict(db.session.execute(select(FlowActivity.name, FlowActivity.step_id)).all())
        imports = db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "import")
                                      .order_by(AuditEvent.id)).all()  # a heap has no order of its own
    assert mapped == {"Receive": steps["Receive"], "Approve": steps["Approve"], "Ship": steps["Ship"],
                      "Chase customer": None}  # matched to the steps by name
    assert len(imports) == 2 and "16 events imported" in imports[0]


def test_one_bad_row_imports_nothing_and_names_it(app, make, api_as, tmp_path):
    admin = make.user(make.org(), "admin")
    stream_id, _ = quotes_stream(make, admin)
    log = tmp_path / "bad.csv"
    log.write_text(SMALL_CSV + "D,Ship,yesterday,complete,,\n")
    result = app.test_cli_runner().invoke(cli, ["import-events", str(log), "--stream", str(stream_id)])
    assert result.exit_code != 0
    assert "Nothing was imported: 1 problem(s)." in result.output
    assert "row 18, timestamp: Not an ISO 8601 date-time" in result.output
    assert _count(app) == 0 and _count(app, FlowActivity) == 0


def test_xes_and_mapped_columns(app, make, api_as, tmp_path):
    admin = make.user(make.org(), "admin")
    stream_id, _ = quotes_stream(make, admin)
    log = tmp_path / "log.xes"
    log.write_bytes(XES)
    result = app.test_cli_runner().invoke(cli, ["import-events", str(log), "--stream", str(stream_id)])
    assert result.exit_code == 0 and "2 events imported, 1 with other transitions" in result.output
    other = tmp_path / "other.csv"
    other.write_text("ticket,state,when\nT-1,Receive,2026-03-02T09:00:00\n")
    result = app.test_cli_runner().invoke(cli, ["import-events", str(other), "--stream", str(stream_id),
                                                "--column", "timestamp=when"])
    assert result.exit_code == 0, result.output
    assert _count(app) == 3


def test_unknown_stream_and_bad_column_option(app, database, tmp_path):
    log = tmp_path / "x.csv"
    log.write_text(SMALL_CSV)
    runner = app.test_cli_runner()
    assert "No value stream with the id 999" in runner.invoke(cli, ["import-events", str(log), "--stream", "999"]).output


def test_generate_gives_each_stream_an_event_log(app, make):
    org = make.org("Generated", "gen")
    result = app.test_cli_runner().invoke(cli, ["generate", "--org", "gen", "--value-streams", "2", "--steps", "4",
                                                "--kpis", "0", "--weeks", "4", "--cases", "30",
                                                "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    assert "events" in result.output
    with app.app_context():
        per_stream = db.session.execute(select(FlowEvent.value_stream_id, func.count()).group_by(
            FlowEvent.value_stream_id).execution_options(all_organizations=True)).all()
    assert len(per_stream) == 2 and all(n > 30 for _, n in per_stream)
    assert org.slug == "gen"
