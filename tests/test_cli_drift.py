"""``lms check-drift``: a table of every KPI's drift; exit 1 when one is diverging."""

from __future__ import annotations

from lms.cli import cli
from tests.scenarios import day, monthly, repair_hotline


def _run(app, *args):
    return app.test_cli_runner().invoke(cli, ["check-drift", *args])


def test_exit_1_and_a_table_when_a_kpi_is_diverging(make, app):
    world = repair_hotline(make)
    outcome = world.outcome_ids[0]
    diverging = world.kpi("Calls closed per hour", outcome_ids=[outcome])
    world.measure(diverging, monthly())
    world.rate(outcome, [(day(10), 6.0), (day(170), 4.0)])
    world.kpi("Forms filed per day")
    # Another organization's KPIs are not this organization's business.
    other = repair_hotline(make, "Globex")
    other.kpi("Globex secret KPI")
    result = _run(app, "--org", world.org.slug)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["KPI", "Status", "Change", "Reason"]
    row = next(line for line in lines if line.startswith("Calls closed per hour"))
    assert "diverging" in row and "+10.0 %" in row and "rose 10 % in 180 days" in row
    assert any(line.startswith("Forms filed per day") and "orphan" in line for line in lines)
    assert "Globex" not in result.output
    assert "2 KPIs of Acme" in result.output and "1 orphan, 1 diverging" in result.output


def test_exit_0_without_a_diverging_kpi_and_as_of_in_the_past(make, app):
    world = repair_hotline(make)
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(outcome_ids=[outcome])
    world.measure(kpi_id, monthly((100.0, 100.0, 100.0, 100.0, 150.0, 200.0)))
    world.rate(outcome, [(day(10), 6.0), (day(170), 4.0)])
    assert _run(app, "--org", world.org.slug).exit_code == 1
    result = _run(app, "--org", world.org.slug, "--as-of", day(120).isoformat())
    assert result.exit_code == 0, result.output
    assert "inconclusive" in result.output and day(120).isoformat() in result.output


def test_an_organization_without_kpis_exits_0(make, app):
    org = make.org("Empty")
    result = _run(app, "--org", org.slug)
    assert result.exit_code == 0 and "has no KPIs yet" in result.output


def test_unknown_organization_is_a_message_not_a_traceback(app, database):
    result = _run(app, "--org", "nope")
    assert result.exit_code not in (0, None)
    assert "No organization with the slug 'nope'" in result.stderr and not result.stdout
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an uncaught error
    bad_date = _run(app, "--org", "nope", "--as-of", "someday")
    assert bad_date.exit_code == 2 and "Traceback" not in bad_date.output


def test_the_console_command_exits_1_for_cron(make, app, tmp_path):
    """Through ``lms``'s real entry point, as cron runs it, not only through click's test runner."""
    import os
    import subprocess
    import sys

    world = repair_hotline(make)
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(outcome_ids=[outcome])
    world.measure(kpi_id, monthly())
    world.rate(outcome, [(day(10), 6.0), (day(170), 4.0)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env |= {"LMS_ENV": "development", "LMS_INSTANCE_PATH": str(tmp_path),
            "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}

    def lms(*args):
        return subprocess.run([sys.executable, "-c", "from lms.cli import main; main()", "check-drift", *args],
                              capture_output=True, text=True, env=env, timeout=120)

    diverging = lms("--org", world.org.slug)
    assert diverging.returncode == 1, diverging.stderr
    assert "diverging" in diverging.stdout
    unknown = lms("--org", "nope")
    assert unknown.returncode != 0 and "No organization with the slug 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
