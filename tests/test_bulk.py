"""Bulk loads refresh the planner statistics (PostgreSQL and SQLite); small ones leave them alone."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from lms.bulk import ANALYZE_AFTER_ROWS, content_models, refresh_statistics
from lms.extensions import db
from lms.models import KpiMeasurement, Step


def _statements(app, call) -> list[str]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

        def note(_conn, _cursor, statement, *_args) -> None:
            if statement.upper().startswith("ANALYZE"):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", note)
        try:
            call()
        finally:
            event.remove(engine, "before_cursor_execute", note)
    return seen


@pytest.mark.parametrize("rows, expected", [
    (None, ["ANALYZE kpi_measurements", "ANALYZE steps"]),
    (ANALYZE_AFTER_ROWS, ["ANALYZE kpi_measurements", "ANALYZE steps"]),
    (ANALYZE_AFTER_ROWS - 1, []),
    (0, []),
])
def test_only_large_loads_analyze_the_tables_they_filled(database, rows, expected):
    seen = _statements(database, lambda: refresh_statistics(KpiMeasurement, Step, rows=rows))
    assert seen == expected


def test_generation_analyzes_every_content_table_it_filled_whatever_its_size(database, make):
    from lms.cli import cli

    make.org("Bench", "bench")
    runner = database.test_cli_runner()
    seen = _statements(database, lambda: runner.invoke(cli, [
        "generate", "--org", "bench", "--value-streams", "2", "--steps", "3", "--kpis", "2", "--weeks", "5"]))
    expected = {f"ANALYZE {model.__tablename__}" for model in content_models()}
    assert set(seen) == expected
    assert {"ANALYZE kpi_measurements", "ANALYZE outcome_ratings"} <= expected


def test_an_organization_import_analyzes_every_content_table_whatever_its_size(database, make, tmp_path):
    from lms.cli import cli

    make.org("Source", "source")
    make.org("Target", "target")
    runner = database.test_cli_runner()
    generated = runner.invoke(cli, ["generate", "--org", "source", "--value-streams", "1", "--steps", "2",
                                    "--kpis", "1", "--weeks", "3"])
    assert generated.exit_code == 0, generated.output
    exported = runner.invoke(cli, ["export", "--org", "source"])
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "source.json"
    path.write_text(exported.stdout)
    results = []
    seen = _statements(database, lambda: results.append(runner.invoke(cli, ["import", str(path), "--org", "target"])))
    assert results[0].exit_code == 0, results[0].output
    expected = {f"ANALYZE {model.__tablename__}" for model in content_models()}
    assert set(seen) == expected


def test_inserted_rows_come_back_as_ids_in_order_or_not_at_all_when_not_asked(database, make):
    from sqlalchemy import select

    from lms.bulk import insert_rows
    from lms.models import Customer

    org = make.org()
    ctx = make.acting_as(make.user(org, "admin"))
    try:
        ids = insert_rows(Customer, [{"organization_id": org.id, "name": name} for name in "CAB"])
        unasked = insert_rows(Customer, [{"organization_id": org.id, "name": name} for name in "ED"], ids=False)
        db.session.commit()
        names = dict(db.session.execute(select(Customer.id, Customer.name)).all())
    finally:
        ctx.pop()
    assert [names[i] for i in ids] == ["C", "A", "B"]
    assert unasked == [] and sorted(names.values()) == ["A", "B", "C", "D", "E"]
