"""The measured figures of a small log match the hand computation in tests/flow/small_log.py exactly."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.flow import figure_queries as flow_figure_queries
from lms.flow import log_files as flow_log_files
from lms.flow import services
from lms.models import ValueStream
from tests.flow.small_log import SMALL_LOG
from tests.scenarios import quotes_stream

DAY = 28_800


@pytest.fixture()
def measured(make, api_as):
    org = make.org()
    admin = make.user(org, "admin")
    stream_id, steps = quotes_stream(make, admin)
    ctx = make.acting_as(admin)
    stream = db.session.get(ValueStream, stream_id)
    result = services.import_events_for_actor(stream, flow_log_files.json_events(SMALL_LOG), source="test")
    assert (result.added, result.new_activities) == (16, ["Receive", "Approve", "Ship", "Chase customer"])
    assert result.unmapped == ["Chase customer"]
    flow = flow_figure_queries.compute(stream)
    yield flow, steps
    ctx.pop()


def test_lead_times_throughput_wip_and_efficiency(measured):
    flow, _ = measured
    assert (flow.cases, flow.finished, flow.events) == (3, 2, 16)
    # Finished lead times 18,000 and 32,400 s: 0.625 and 1.125 working days.
    assert flow.lead.p50 == pytest.approx(0.875, abs=1e-12)
    assert flow.lead.p85 == pytest.approx(0.625 + 0.85 * 0.5, abs=1e-12)
    assert flow.lead.p95 == pytest.approx(0.625 + 0.95 * 0.5, abs=1e-12)
    assert flow.lead_time_avg_days == pytest.approx(0.875, abs=1e-12)
    # Period Mon 2 Mar 09:00 -> Tue 10 Mar 12:30: 7 + 4 x 8 + 8 + 4.5 = 51.5 h = 185,400 s.
    assert flow.period_days == pytest.approx(185_400 / DAY, abs=1e-12)
    assert flow.throughput_per_week == pytest.approx(2 / (185_400 / DAY) * 5, abs=1e-12)
    # WIP: A 32,400 + B 18,000 + C open 4.5 h = 16,200 s over the period.
    assert flow.wip_avg == pytest.approx(66_600 / 185_400, abs=1e-12)
    # Flow efficiency: worked 7,200 (A) + 9,000 (B) of 50,400 s of lead time.
    assert flow.flow_efficiency == pytest.approx(16_200 / 50_400, abs=1e-12)
    assert flow.little.predicted_wip == pytest.approx(2 / (185_400 / DAY) * 0.875, abs=1e-12)
    assert flow.little.gap == pytest.approx(16_200 / 185_400, abs=1e-12)  # the open case C
    assert "still open" in flow.little.explanation


def test_processing_and_waiting_per_step(measured):
    flow, steps = measured
    receive, approve, ship = (flow.steps[steps[name]] for name in ("Receive", "Approve", "Ship"))
    assert (receive.cases, approve.cases, ship.cases) == (3, 3, 2)
    assert (receive.processing.p50, receive.processing.p85, receive.processing.iqr) == (1_800, 1_800, 0)
    assert receive.waiting.count == 0 and receive.waiting.p50 is None  # nothing before the first step
    assert (approve.processing.p50, approve.processing.p85) == (2_700, pytest.approx(1_800 + 0.85 * 1_800))
    assert approve.processing.count == 2  # case C has not completed it
    # Approve waits 14,400 (A), 9,000 (B) and 9,000 (C, after the unmapped chase).
    assert approve.waiting.p50 == 9_000
    assert approve.waiting.p85 == pytest.approx(9_000 + 0.7 * 5_400)
    assert approve.waiting.iqr == pytest.approx((9_000 + 0.5 * 5_400) - 9_000)
    assert (ship.processing.p50, ship.waiting.p50) == (3_600, 5_400)
    assert ship.waiting.p85 == pytest.approx(0.85 * 10_800)


def test_lead_times_per_segment_and_customer(measured):
    flow, _ = measured
    by_segment = {g.name: (g.lead.p50, g.lead.cases) for g in flow.by_segment}
    assert by_segment == {"enterprise": (1.125, 1), "small business": (0.625, 1)}
    assert [g.name for g in flow.by_customer] == ["Northwind", "Wingtip"]
