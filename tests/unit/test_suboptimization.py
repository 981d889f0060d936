"""The sub-optimization radar: upstream gains weighed against what the internal customer receives."""

from __future__ import annotations

from datetime import date

import pytest

from lms.lean.drift_outcomes import SatisfactionPoint, outcome_change
from lms.lean.suboptimization import (
    FigureChange,
    Handover,
    KpiMove,
    OutcomeMove,
    RadarPair,
    figure_move,
    judge_pair,
    kpi_gain,
)

MINIMUM = 0.5  # points: the organization's minimum meaningful change of satisfaction


def rated(outcome_id: int, statement: str, *waves: tuple[date, float, int | None]) -> OutcomeMove:
    points = [SatisfactionPoint(day, satisfaction, respondents) for day, satisfaction, respondents in waves]
    return OutcomeMove(outcome_id, statement, outcome_change(points, MINIMUM))


CLAIMS = KpiMove(1, "claims closed per clerk day", "claims", "better", 0.18, 10.0, 11.8)
REWORK_WORSE = rated(7, "minimize rework on incoming claims", (date(2026, 1, 5), 6.2, None),
                     (date(2026, 5, 4), 4.8, None))
REWORK_STEADY = rated(7, "minimize rework on incoming claims", (date(2026, 1, 5), 6.2, None),
                      (date(2026, 5, 4), 6.0, None))
HANDOVER_WORSE = Handover(30, "Check the claim file",
                          FigureChange("%C&A", "percent", 90.0, 81.0, True, date(2026, 2, 1)),
                          FigureChange("waiting", "duration", 7200.0, 7200.0, False))
HANDOVER_STEADY = Handover(30, "Check the claim file",
                           FigureChange("%C&A", "percent", 90.0, 90.0, True),
                           FigureChange("waiting", "duration", 7200.0, 7200.0, False))


def pair(**values) -> RadarPair:
    base = dict(customer_id=2, customer_name="Assessment", upstream_id=1, upstream_name="Intake",
                downstream_id=3, downstream_name="Claim assessment", kpis=(CLAIMS,),
                outcomes=(REWORK_WORSE,), handover=HANDOVER_WORSE, downstream_day_s=28_800.0)
    return RadarPair(**(base | values))


def test_the_worked_example_raises_an_alert_with_both_sides_figures() -> None:
    # The module's worked example: +18 % upstream; -1.4 points (6.2 -> 4.8, minimum 0.5) and
    # %C&A 90 -> 81 (-10 %, beyond the 5 % minimum) at the internal customer.
    verdict = judge_pair(pair())
    assert verdict.status == "alert"
    assert verdict.sentence == (
        "Intake improved 'claims closed per clerk day' +18 % while Assessment, its internal customer, "
        "rated 'minimize rework on incoming claims' 1.4 points lower and received 81 % complete and "
        "accurate at 'Check the claim file' (90 % at the window's start).")
    assert verdict.gains == ("'claims closed per clerk day' +18 %",)
    assert len(verdict.losses) == 2 and not verdict.missing


@pytest.mark.parametrize(
    ("values", "status", "in_sentence"),
    [
        # Only the rating fell: still an alert, the hand-over held.
        ({"handover": HANDOVER_STEADY}, "alert", "1.4 points lower."),
        # Only the hand-over got worse (90 -> 81 %): still an alert.
        ({"outcomes": (REWORK_STEADY,)}, "alert", "received 81 % complete and accurate"),
        # The upstream's KPI held steady: the customer's loss is not its gain.
        ({"kpis": (KpiMove(1, "claims closed per clerk day", "claims", "steady", 0.01, 10, 10.1),)},
         "clear", "did not improve"),
        # The upstream gained, the customer lost nothing.
        ({"outcomes": (REWORK_STEADY,), "handover": HANDOVER_STEADY}, "clear", "lost nothing it measures"),
        # A KPI that moved the worse way is no gain.
        ({"kpis": (KpiMove(1, "claims closed per clerk day", "claims", "worse", -0.2, 10, 8),)},
         "clear", "did not improve"),
        # No KPI trend and no recorded stream figures: the upstream side is absent.
        ({"kpis": (KpiMove(1, "claims closed per clerk day", "claims", None),)}, "absent",
         "Intake's own figures"),
        # No rating twice and no hand-over: the customer side is absent.
        ({"outcomes": (rated(7, "minimize rework", (date(2026, 5, 4), 4.8, None)),), "handover": None,
          "downstream_id": None}, "absent", "what Assessment receives from Intake"),
    ],
)
def test_the_verdict_weighs_both_sides(values: dict, status: str, in_sentence: str) -> None:
    verdict = judge_pair(pair(**values))
    assert verdict.status == status
    assert in_sentence in verdict.sentence


def test_missing_data_is_named() -> None:
    verdict = judge_pair(pair(kpis=(), outcomes=(), handover=None, downstream_id=None))
    assert verdict.status == "absent"
    assert verdict.missing == (
        "Intake: it has no KPI, and no figures were recorded in the window (a review's snapshot) to "
        "compare its PCE and lead time with.",
        "Assessment has no outcome to rate.",
        "Assessment names no value stream of its own, so the hand-over into it cannot be read.",
    )


def test_a_stream_figure_is_a_gain_and_waiting_a_loss() -> None:
    # PCE 0.10 -> 0.12 (+20 %, higher is better): a gain. Lead time 10 d -> 10.2 d (+2 %): steady.
    # Waiting at the hand-over 2 h -> 3 h (+50 %, lower is better): a loss.
    figures = (FigureChange("PCE", "ratio", 0.10, 0.12, True, date(2026, 2, 1)),
               FigureChange("lead time", "duration", 288_000.0, 293_760.0, False, date(2026, 2, 1)))
    handover = Handover(30, "Check the claim file", FigureChange("%C&A", "percent", 90.0, 90.0, True),
                        FigureChange("waiting", "duration", 7200.0, 10_800.0, False))
    verdict = judge_pair(pair(kpis=(), upstream_figures=figures, outcomes=(REWORK_STEADY,),
                              handover=handover, upstream_day_s=28_800.0))
    assert verdict.status == "alert"
    assert verdict.gains == ("its PCE from 10 % to 12 %",)
    assert verdict.losses == ("waited 3 h at 'Check the claim file' (2 h at the window's start)",)


@pytest.mark.parametrize(
    ("before", "after", "higher_is_better", "move"),
    [
        (90.0, 81.0, True, "worse"),  # -10 %
        (90.0, 86.0, True, "steady"),  # -4.4 %, under the 5 % minimum
        (100.0, 95.0, True, "worse"),  # exactly -5 %: the minimum counts
        (7200.0, 10_800.0, False, "worse"),  # waiting +50 %
        (0.0, 3600.0, False, "worse"),  # from nothing, any rise is a move
        (0.0, 0.0, False, "steady"),
        (None, 81.0, True, None),  # not read at the start
        (90.0, None, True, None),  # not entered now
    ],
)
def test_figure_move(before, after, higher_is_better, move) -> None:
    assert figure_move(FigureChange("x", "percent", before, after, higher_is_better), 0.05) == move


def test_a_kpi_near_zero_is_written_by_its_ends() -> None:
    assert kpi_gain(KpiMove(1, "defects", "defects", "better", None, 3.0, 0.5)) == "'defects' from 3 to 0.5 defects"


def test_a_survey_with_counts_needs_its_margin() -> None:
    # 4 respondents a wave: 4.8 -> 3.4 is inside the survey's noise (unsettled), so no loss.
    small = rated(9, "job cards complete", (date(2026, 1, 5), 4.8, 4), (date(2026, 5, 4), 3.4, 4))
    assert small.change is not None and small.change.move == "unsettled"
    verdict = judge_pair(pair(outcomes=(small,), handover=HANDOVER_STEADY))
    assert verdict.status == "clear"


def test_a_sentence_names_three_gains_and_counts_the_rest() -> None:
    kpis = tuple(KpiMove(i, f"kpi {i}", "", "better", 0.1 * i, 1, 1 + 0.1 * i) for i in range(1, 6))
    verdict = judge_pair(pair(kpis=kpis))
    assert verdict.sentence.startswith("Intake improved 'kpi 5' +50 %, 'kpi 4' +40 %, 'kpi 3' +30 % and "
                                       "2 more of its figures while Assessment")
    assert len(verdict.gains) == 5
