"""Capability per circumstance and coverage, on the theory's credit-score and cardio examples."""

import pytest

from lms.lean.circumstances import (
    CircumstanceEffect,
    analyse_circumstance,
    coverage,
    effect_errors,
    percent,
    shares_error,
)
from lms.lean.jobs import RelatedJob, ServingStep

STEP = ServingStep(step_id=100, value_stream_id=1, owner_id=1, processing_s=600, waiting_s=0)

PAY_A_BILL, REDUCE_DEBT, NEW_CREDIT_LINE = 2, 3, 4
RUN, CYCLE, SWIM = 12, 13, 14


def job(job_id, statement, necessity="required", group=None, served=False, position=None) -> RelatedJob:
    return RelatedJob(job_id=job_id, statement=statement, necessity=necessity, interchangeable_group=group,
                      coordination=None, position=position, serving_steps=(STEP,) if served else ())


def credit_score(*, debt_served=False, pay_served=True) -> list[RelatedJob]:
    return [job(PAY_A_BILL, "Pay a bill", served=pay_served, position=1),
            job(REDUCE_DEBT, "Reduce credit-card debt", "optional", served=debt_served, position=2),
            job(NEW_CREDIT_LINE, "Apply for a new line of credit", "optional", position=3)]


def cardio(*served: int) -> list[RelatedJob]:
    return [job(RUN, "Run for fitness", "interchangeable", "cardio", RUN in served),
            job(CYCLE, "Cycle for fitness", "interchangeable", "cardio", CYCLE in served),
            job(SWIM, "Swim for fitness", "interchangeable", "cardio", SWIM in served)]


HIGH_DEBT = CircumstanceEffect(1, "high card debt", 0.3, requires_job_ids=(REDUCE_DEBT,))
BACK_PROBLEMS = CircumstanceEffect(2, "back problems", 0.2, rules_out_job_ids=(RUN,))


# Each case: the stack, the circumstance, then capable and gaps for the baseline and for the circumstance.
# Credit score: 'pay a bill' is served, 'reduce debt' optional and unserved. The baseline needs only
# 'pay a bill' (capable); high card debt makes 'reduce debt' required too, and no step serves it (a gap).
# Cardio: any one served member serves the group. Only running served: the baseline is capable;
# back problems rule running out, leaving cycle and swim, neither served: both are the gaps.
@pytest.mark.parametrize(("related", "effect", "baseline", "in_circumstance"), [
    (credit_score(), HIGH_DEBT, (True, []), (False, [REDUCE_DEBT])),
    (credit_score(debt_served=True), HIGH_DEBT, (True, []), (True, [])),
    (credit_score(pay_served=False), HIGH_DEBT, (False, [PAY_A_BILL]), (False, [PAY_A_BILL, REDUCE_DEBT])),
    (cardio(RUN), BACK_PROBLEMS, (True, []), (False, [CYCLE, SWIM])),
    (cardio(RUN, CYCLE), BACK_PROBLEMS, (True, []), (True, [])),
    (cardio(SWIM), BACK_PROBLEMS, (True, []), (True, [])),
    (cardio(), BACK_PROBLEMS, (False, [RUN, CYCLE, SWIM]), (False, [CYCLE, SWIM])),
    # Ruling out every member leaves the group empty: a gap naming the members it ruled out.
    (cardio(RUN, CYCLE, SWIM), CircumstanceEffect(3, "no sport", 0.1, rules_out_job_ids=(RUN, CYCLE, SWIM)),
     (True, []), (False, [RUN, CYCLE, SWIM])),
    # Effects on jobs outside the stack change nothing.
    (cardio(RUN), CircumstanceEffect(4, "stale", 0.1, (99,), (98,)), (True, []), (True, [])),
])
def test_capability_per_circumstance(related, effect, baseline, in_circumstance):
    base = analyse_circumstance(1, "High-level job", related)
    for_them = analyse_circumstance(1, "High-level job", related, effect)
    assert (base.capable, base.gaps) == baseline
    assert (for_them.capable, for_them.gaps) == in_circumstance
    causes = [s.cause for s in for_them.analysis.struggles]
    assert ("not-capable" in causes) is (not for_them.capable)
    # Without the diagnosis (lists of many stacks): the same capability, gaps and reason, no struggles.
    quick = analyse_circumstance(1, "High-level job", related, effect, diagnose=False)
    assert (quick.capable, quick.gaps, quick.reason, quick.analysis.struggles) == (
        for_them.capable, for_them.gaps, for_them.reason, [])


def test_reasons_name_what_breaks_the_stack():
    debt = analyse_circumstance(1, "Improve a credit score", credit_score(), HIGH_DEBT)
    assert debt.reason == "no step serves 'Reduce credit-card debt', which they need"
    assert debt.analysis.struggles[0].message == (
        "Not capable for members with 'high card debt': no step serves 'Reduce credit-card debt', which "
        "they need. Make the stack for 'Improve a credit score' capable for them first.")
    back = analyse_circumstance(1, "Improve cardio conditioning", cardio(RUN), BACK_PROBLEMS)
    assert back.reason == "only 'Run for fitness' of the group 'cardio' is served, which is ruled out for them"
    nothing = analyse_circumstance(1, "Improve cardio conditioning", cardio(RUN),
                                   CircumstanceEffect(3, "no sport", 0.1, rules_out_job_ids=(RUN, CYCLE, SWIM)))
    assert nothing.reason == "every job of the interchangeable group 'cardio' is ruled out for them"
    assert nothing.ruled_out_groups == ["cardio"]
    baseline = analyse_circumstance(1, "Improve a credit score", credit_score(pay_served=False))
    assert baseline.reason == "no step serves the required job 'Pay a bill'"


def _coverage(related, *effects):
    base = analyse_circumstance(1, "Job", related)
    return coverage(base, [analyse_circumstance(1, "Job", related, e) for e in effects])


# Coverage = baseline share (1 − Σ shares) if the baseline is capable + the shares of capable circumstances.
@pytest.mark.parametrize(("related", "effects", "share", "sentence"), [
    # 1 − 0.3 = 0.7 capable baseline; high card debt not capable → 0.7.
    (credit_score(), [HIGH_DEBT], 0.7,
     "Capable for 70 % of this customer's members; not for members with 'high card debt' (30 %): "
     "no step serves 'Reduce credit-card debt', which they need."),
    # 1 − 0.2 = 0.8; back problems not capable when only running is served → 0.8.
    (cardio(RUN), [BACK_PROBLEMS], 0.8,
     "Capable for 80 % of this customer's members; not for members with 'back problems' (20 %): "
     "only 'Run for fitness' of the group 'cardio' is served, which is ruled out for them."),
    # Cycling served too: 0.8 + 0.2 = 1.
    (cardio(RUN, CYCLE), [BACK_PROBLEMS], 1.0, "Capable for 100 % of this customer's members."),
    # No circumstance: all or nothing.
    (cardio(RUN), [], 1.0, "Capable for 100 % of this customer's members."),
    (cardio(), [], 0.0, "Capable for none of this customer's members; not for members without a special "
                        "circumstance (100 %): no step serves any job of the interchangeable group 'cardio'."),
    # Baseline not capable (0.7 lost) but nothing a circumstance does can fix a required gap → 0.
    (credit_score(pay_served=False, debt_served=True), [HIGH_DEBT], 0.0,
     "Capable for none of this customer's members; not for members without a special circumstance (70 %): "
     "no step serves the required job 'Pay a bill'; not for members with 'high card debt' (30 %): "
     "no step serves the required job 'Pay a bill'."),
    # Shares add up to 1: no baseline customers, so the baseline's own capability does not count.
    (cardio(RUN), [CircumstanceEffect(5, "runners", 1.0)], 1.0, "Capable for 100 % of this customer's members."),
    # A share not entered: coverage absent, with the reason; the broken circumstances are still named.
    (credit_score(), [HIGH_DEBT, CircumstanceEffect(6, "thin credit file", None, (NEW_CREDIT_LINE,))], None,
     "Share of this customer's members with a capable stack unknown: the share of members with "
     "'thin credit file' is not entered; not for members with 'high card debt' (30 %): no step serves "
     "'Reduce credit-card debt', which they need; not for members with 'thin credit file' (share not "
     "entered): no step serves 'Apply for a new line of credit', which they need."),
])
def test_coverage(related, effects, share, sentence):
    result = _coverage(related, *effects)
    assert result.share == share
    assert result.sentence == sentence
    assert (result.missing == "") is (share is not None)


def test_combination_of_both_examples_in_one_stack():
    # Pay a bill served, reduce debt optional unserved; running served, cycling not.
    # High card debt 25 % (not capable: reduce debt unserved), back problems 15 % (not capable: only
    # running), young savers 10 % (no effect: capable). Baseline 1 − 0.5 = 0.5, capable.
    # Coverage = 0.5 + 0.1 = 0.6.
    related = [*credit_score(), *cardio(RUN)[:2]]
    effects = [CircumstanceEffect(1, "high card debt", 0.25, (REDUCE_DEBT,)),
               CircumstanceEffect(2, "back problems", 0.15, rules_out_job_ids=(RUN,)),
               CircumstanceEffect(3, "young savers", 0.1)]
    results = [analyse_circumstance(1, "Job", related, e) for e in effects]
    assert [(r.capable, r.gaps) for r in results] == [(False, [REDUCE_DEBT]), (False, [CYCLE]), (True, [])]
    result = coverage(analyse_circumstance(1, "Job", related), results)
    assert result.share == 0.6
    assert result.sentence.startswith("Capable for 60 % of this customer's members; not for members with "
                                      "'high card debt' (25 %)")
    assert "not for members with 'back problems' (15 %)" in result.sentence
    assert "young savers" not in result.sentence


@pytest.mark.parametrize(("shares", "error"), [
    ([0.6, 0.4], None),
    ([0.5, None, 0.2], None),
    ([], None),
    ([0.6, 0.5], "The shares of this job's circumstances would add up to 110 %; together they can be at most "
                 "100 % of its customers."),
])
def test_shares_at_most_all_customers(shares, error):
    assert shares_error(shares) == error


@pytest.mark.parametrize(("share", "text"), [(0.8, "80 %"), (0.125, "12.5 %"), (1.0, "100 %"), (0.0, "0 %")])
def test_percent(share, text):
    assert percent(share) == text


STACK = {j.job_id: j for j in [*credit_score(), *cardio()]}


@pytest.mark.parametrize(("requires", "rules_out", "errors"), [
    ([REDUCE_DEBT], [RUN], {}),
    ([77], [], {"requires_job_ids": ["No job with id 77 in your organization is a related job of 'Job'."]}),
    ([PAY_A_BILL], [], {"requires_job_ids": ["'Pay a bill' is required for every customer already."]}),
    ([RUN], [], {"requires_job_ids": ["'Run for fitness' is a member of the interchangeable group 'cardio'; "
                                      "rule out the other members instead."]}),
    ([], [REDUCE_DEBT], {"rules_out_job_ids": ["'Reduce credit-card debt' is no member of an interchangeable "
                                               "group; only such members can be ruled out."]}),
    ([], [78], {"rules_out_job_ids": ["No job with id 78 in your organization is a related job of 'Job'."]}),
])
def test_effect_errors(requires, rules_out, errors):
    assert effect_errors("Job", STACK, requires, rules_out) == errors
