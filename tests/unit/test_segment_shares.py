"""A circumstance's share measured from its segment: which count gives it, its basis, and why it is absent."""

from datetime import date

import pytest

from lms.lean.circumstances import CircumstanceEffect, analyse_circumstance, coverage
from lms.lean.jobs import RelatedJob, ServingStep
from lms.lean.segment_shares import CaseCount, RespondentCount, measure_share

OCT = date(2026, 10, 1)
MAY, NOV = date(2026, 5, 4), date(2026, 11, 27)

# Each case: (respondent count, case count) -> (share, source, basis or missing reason).
CASES = {
    # The example: 38 of 120 respondents = 0.316667 (31.7 %); no event log.
    "respondents alone": (
        RespondentCount(38, 120, 2, OCT), None,
        (0.316667, "ratings", "38 of 120 respondents (31.7 %) on 2 outcomes, ratings up to 2026-10-01")),
    # 410 of 1,200 cases = 0.341667; the events win, and the basis names the ratings' figure too.
    "cases before respondents": (
        RespondentCount(38, 120, 2, OCT), CaseCount(410, 1200, MAY, NOV),
        (0.341667, "events", "410 of 1,200 cases (34.2 %), events 2026-05-04 to 2026-11-27; the ratings: "
                             "38 of 120 respondents (31.7 %) on 2 outcomes, ratings up to 2026-10-01")),
    # The log names no case of the segment: the ratings measure it.
    "a log that does not name the segment": (
        RespondentCount(30, 150, 1, OCT, left_out=1), CaseCount(0, 900),
        (0.2, "ratings", "30 of 150 respondents (20 %) on 1 outcome, ratings up to 2026-10-01; 1 left out "
                         "without a respondent count")),
    # Nothing rated, no log: absent, with both reasons.
    "neither": (
        None, None,
        (None, None, "no rating of the job's outcomes names 'New customers', and the customer's value "
                     "streams have no event log")),
    # Its only ratings have no respondent count, and the log names other segments.
    "uncounted ratings and another segment's cases": (
        RespondentCount(0, 0, 0, None, left_out=2), CaseCount(0, 40),
        (None, None, "the newest ratings naming 'New customers' on the job's outcomes have no respondent "
                     "count, and no case in the event logs of the customer's value streams names "
                     "'New customers'")),
}


@pytest.mark.parametrize("respondents, cases, expected", CASES.values(), ids=CASES.keys())
def test_measure_share(respondents, cases, expected):
    measured = measure_share("New customers", respondents, cases)
    share, source, words = expected
    assert (measured.share, measured.source) == (share, source)
    assert (measured.basis if share is not None else measured.missing) == words
    assert (measured.missing if share is not None else measured.basis) == ""


STEP = ServingStep(step_id=100, value_stream_id=1, owner_id=1, processing_s=600, waiting_s=0)
RELATED = [RelatedJob(2, "Book a technician visit", "required", None, None, None, serving_steps=(STEP,)),
           RelatedJob(3, "Learn whom to call", "optional", None, None, None)]


def _analysis(effect: CircumstanceEffect | None):
    return analyse_circumstance(1, "Restore the water supply", RELATED, effect)


def test_coverage_names_a_measured_share_with_its_basis():
    basis = "30 of 150 respondents (20 %) on 1 outcome, ratings up to 2026-10-01"
    first_repair = _analysis(CircumstanceEffect(7, "a first repair", 0.2, (3,), (), "measured", basis))
    result = coverage(_analysis(None), [first_repair])
    assert result.share == 0.8
    assert result.sentence == (
        "Capable for 80 % of this customer's members; not for members with 'a first repair' (20 %, measured): "
        "no step serves 'Learn whom to call', which they need; the share of 'a first repair' is measured: "
        f"{basis}.")


def test_coverage_is_absent_with_the_reason_when_a_measured_share_is_not():
    why = "no rating of the job's outcomes names 'X', and the customer's value streams have no event log"
    unmeasured = _analysis(CircumstanceEffect(7, "a first repair", None, (3,), (), "measured", why))
    result = coverage(_analysis(None), [unmeasured])
    assert result.share is None
    assert result.missing == f"the share of members with 'a first repair' is not measured: {why}"
    assert "(share not measured)" in result.sentence


def test_coverage_refuses_measured_shares_adding_up_to_more_than_all():
    effects = [CircumstanceEffect(i, f"group {i}", 0.6, (), (), "measured", "counted") for i in (1, 2)]
    result = coverage(_analysis(None), [_analysis(e) for e in effects])
    assert result.share is None and "add up to 120 %" in result.missing
