"""Linking from the other side: an outcome's KPIs and a step's KPIs, for the other features' pages."""

from __future__ import annotations

from flask import render_template_string

from lms.kpis.services import kpis_for_outcome, kpis_measuring_step
from tests.scenarios import monthly, repair_hotline


def test_outcome_and_step_list_their_kpis_with_drift(make, app):
    world = repair_hotline(make)
    a, b = world.outcome_ids
    waste_kpi = world.kpi("Tickets re-entered", outcome_ids=[a], step_id=world.waste_step_id,
                        stream_id=world.stream_id)
    world.measure(waste_kpi, monthly())
    other = world.kpi("Hold time", outcome_ids=[b])
    ctx = make.acting_as(world.viewer)
    try:
        for_a = kpis_for_outcome(a)
        assert [(k.id, k.status, k.rationale) for k in for_a] == [(waste_kpi, "measures-waste", "stands for it")]
        assert [k.id for k in kpis_for_outcome(b)] == [other]
        measuring = kpis_measuring_step(world.waste_step_id)
        assert [(k.id, k.status) for k in measuring] == [(waste_kpi, "measures-waste")]
        assert kpis_measuring_step(world.step_id) == []
        with app.test_request_context():
            html = render_template_string(
                '{% from "kpis/_kpi_list_partial.html" import kpi_list %}{{ kpi_list(items) }}', items=measuring)
            assert f'href="/kpis/{waste_kpi}"' in html and "Measures waste" in html
            assert "measures a step tagged waste" in html and "stands for it" not in html
            html = render_template_string(
                '{% with kpi_summaries=items %}{% include "kpis/_kpi_list_partial.html" %}{% endwith %}',
                items=for_a)
            assert "Why it stands for this: stands for it" in html
            empty = render_template_string(
                '{% from "kpis/_kpi_list_partial.html" import kpi_list %}{{ kpi_list([]) }}')
            assert "No KPI stands for this yet." in empty
    finally:
        ctx.pop()


def test_another_organizations_outcome_lists_nothing(make, app):
    world = repair_hotline(make)
    other = repair_hotline(make, "Globex")
    other.kpi("Theirs", outcome_ids=[other.outcome_ids[0]])
    ctx = make.acting_as(world.viewer)
    try:
        assert kpis_for_outcome(other.outcome_ids[0]) == []
    finally:
        ctx.pop()
