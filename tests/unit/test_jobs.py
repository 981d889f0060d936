"""Job-stack analysis on the theory's examples: capability, gaps and struggles."""

import pytest

from lms.lean.jobs import (
    RelatedJob,
    ServingStep,
    StackAnalysis,
    analyse_stack,
    capability_change,
    would_create_cycle,
)

# One step of a value stream: 10 minutes' work, no waiting, owned by user 1.
STEP = ServingStep(step_id=100, value_stream_id=1, owner_id=1, processing_s=600, waiting_s=0)


def job(
    job_id: int,
    statement: str,
    necessity: str = "required",
    *,
    group: str | None = None,
    coordination: str | None = None,
    position: int | None = None,
    steps: tuple[ServingStep, ...] = (),
    underserved: tuple[str, ...] = (),
) -> RelatedJob:
    return RelatedJob(
        job_id=job_id,
        statement=statement,
        necessity=necessity,
        interchangeable_group=group,
        coordination=coordination,
        position=position,
        serving_steps=steps,
        underserved_outcomes=underserved,
    )


def step(step_id: int, stream: int = 1, owner: int | None = 1, pt: float = 600, wait: float = 0):
    return ServingStep(step_id, stream, owner, pt, wait)


def causes(analysis: StackAnalysis) -> list[str]:
    return [s.cause for s in analysis.struggles]


# --- Improve a credit score: one required job, two optional ones -----------------------

PAY_A_BILL = 2
REDUCE_DEBT = 3
NEW_CREDIT_LINE = 4


def credit_score_stack(pay_served: bool) -> list[RelatedJob]:
    return [
        job(PAY_A_BILL, "Pay a bill", steps=(STEP,) if pay_served else ()),
        job(REDUCE_DEBT, "Reduce credit-card debt", "optional"),
        job(NEW_CREDIT_LINE, "Apply for a new line of credit", "optional"),
    ]


def test_credit_score_capable_when_paying_a_bill_is_served_whatever_the_optional_jobs() -> None:
    analysis = analyse_stack(1, "Improve a credit score", credit_score_stack(pay_served=True))
    assert analysis.capable
    assert analysis.gaps == []
    assert analysis.struggles == []
    assert [(r.job_id, r.served) for r in analysis.related] == [
        (PAY_A_BILL, True),
        (REDUCE_DEBT, False),
        (NEW_CREDIT_LINE, False),
    ]


def test_credit_score_not_capable_when_no_step_pays_the_bill() -> None:
    analysis = analyse_stack(1, "Improve a credit score", credit_score_stack(pay_served=False))
    assert not analysis.capable
    assert analysis.gaps == [PAY_A_BILL]  # optional jobs are never gaps
    (struggle,) = analysis.struggles
    assert struggle.cause == "not-capable"
    assert struggle.job_ids == [PAY_A_BILL]
    assert struggle.message == (
        "Not capable: no step serves the required job 'Pay a bill'. "
        "Make the stack for 'Improve a credit score' capable first."
    )


# --- Improve cardio conditioning: one interchangeable group ----------------------------

RUN, CYCLE, SWIM = 11, 12, 13


def cardio_stack(served: set[int]) -> list[RelatedJob]:
    names = {RUN: "Run", CYCLE: "Cycle", SWIM: "Swim for fitness"}
    return [
        job(
            job_id,
            name,
            "interchangeable",
            group="exercise",
            steps=(step(job_id),) if job_id in served else (),
        )
        for job_id, name in names.items()
    ]


@pytest.mark.parametrize("served", [{RUN}, {CYCLE}, {SWIM}, {CYCLE, SWIM}, {RUN, CYCLE, SWIM}])
def test_cardio_capable_when_any_member_of_the_group_is_served(served: set[int]) -> None:
    # Someone with back problems avoids running: cycling or swimming serves the group.
    analysis = analyse_stack(10, "Improve cardio conditioning", cardio_stack(served))
    assert analysis.capable
    assert analysis.gaps == []
    assert analysis.unserved_groups == []


def test_cardio_not_capable_when_no_member_of_the_group_is_served() -> None:
    analysis = analyse_stack(10, "Improve cardio conditioning", cardio_stack(set()))
    assert not analysis.capable
    assert analysis.gaps == [RUN, CYCLE, SWIM]
    assert analysis.unserved_groups == ["exercise"]
    (struggle,) = analysis.struggles
    assert struggle.job_ids == [RUN, CYCLE, SWIM]
    assert "interchangeable group 'exercise' ('Run', 'Cycle', 'Swim for fitness')" in (
        struggle.message
    )


def test_interchangeable_jobs_without_a_group_name_stand_in_for_each_other() -> None:
    related = [
        job(1, "Run", "interchangeable", steps=(STEP,)),
        job(2, "Swim for fitness", "interchangeable"),
    ]
    assert analyse_stack(10, "Improve cardio conditioning", related).capable


def test_not_capable_message_names_every_gap_in_stack_order() -> None:
    related = [
        job(1, "Pay a bill", position=1),
        *cardio_stack(set()),
        job(2, "Check the credit report", position=2),
    ]
    analysis = analyse_stack(1, "Get healthy and solvent", related)
    assert analysis.gaps == [1, 2, RUN, CYCLE, SWIM]  # positioned first, then by id
    assert analysis.struggles[0].message == (
        "Not capable: no step serves the 2 required jobs 'Pay a bill', 'Check the credit "
        "report'; no step serves any job of the interchangeable group 'exercise' ('Run', "
        "'Cycle', 'Swim for fitness'). Make the stack for 'Get healthy and solvent' capable first."
    )


# --- Market a webinar: the cobbled-together stack against the capable one -------------


def test_market_a_webinar_cobbled_together_stack_is_not_capable() -> None:
    served = ["Promote the event on social media", "Describe it in a blog post"]
    served += ["Notify blog subscribers by email", "Remind them a few days before"]
    related = [job(i, name, position=i, steps=(step(i),)) for i, name in enumerate(served, 1)]
    related.append(job(5, "Create a sign-up form", position=5))
    analysis = analyse_stack(20, "Market a webinar", related)
    assert not analysis.capable
    assert analysis.gaps == [5]
    assert "'Create a sign-up form'" in analysis.struggles[0].message


def test_market_a_webinar_stack_on_one_platform_is_capable() -> None:
    names = [
        "Produce a teaser video",
        "Promote on social and affiliate sites",
        "Create a landing page",
        "A/B test attendee segments",
        "Run a targeted email campaign",
        "Create a sign-up form",
        "Manage the webinar's logistics",
    ]
    related = [job(i, name, position=i, steps=(step(i),)) for i, name in enumerate(names, 1)]
    analysis = analyse_stack(20, "Market a webinar", related)
    assert analysis.capable
    assert analysis.struggles == []


def test_a_high_level_job_with_no_related_jobs_is_capable_and_says_nothing() -> None:
    analysis = analyse_stack(30, "Market a webinar", [])
    assert analysis.capable
    assert (analysis.gaps, analysis.related, analysis.struggles) == ([], [], [])


# --- Coordination ----------------------------------------------------------------------


def sequential_pair(first_wait_s: float, second_wait_s: float) -> list[RelatedJob]:
    # Receiving the bill is worked 600 s and paying it 900 s: 1500 s of work in all.
    return [
        job(1, "Receive the bill", coordination="sequential", position=1,
            steps=(step(101, pt=600, wait=first_wait_s),)),
        job(2, "Pay a bill", coordination="sequential", position=2,
            steps=(step(102, pt=900, wait=second_wait_s),)),
    ]  # fmt: skip


def test_sequential_jobs_that_wait_longer_than_they_work_are_poorly_coordinated() -> None:
    # waiting 1800 + 3600 = 5400 s (1 h 30 min) > processing 600 + 900 = 1500 s (25 min)
    analysis = analyse_stack(1, "Improve a credit score", sequential_pair(1800, 3600))
    assert analysis.capable
    (struggle,) = analysis.struggles
    assert struggle.cause == "poorly-coordinated"
    assert struggle.job_ids == [1, 2]
    assert struggle.message == (
        "Poorly coordinated: the sequential jobs 'Receive the bill', 'Pay a bill' wait "
        "1 h 30 min in total but are worked 25 min; make each hand-over to the next job seamless."
    )


@pytest.mark.parametrize(
    ("days", "wording"),
    [
        # 1 working day of 27,600 s + 1 h: 31,200 s = 1 d 1 h in the streams' working days.
        pytest.param((27_600.0, 27_600.0), "wait 1 d 1 h in total", id="one-working-day-in-d"),
        # Streams with different working days share no d: hours (31,200 s = 8 h 40 min).
        pytest.param((27_600.0, 28_800.0), "wait 8 h 40 min in total", id="different-days-in-hours"),
        # Without a working day: hours, never 24-hour days.
        pytest.param((None, None), "wait 8 h 40 min in total", id="no-working-day-in-hours"),
    ],
)
def test_the_diagnosis_writes_waits_in_the_streams_working_days(days, wording) -> None:
    related = [
        job(1, "Receive the bill", coordination="sequential",
            steps=(ServingStep(101, 1, 1, 600, 27_600, days[0]),)),
        job(2, "Pay a bill", coordination="sequential",
            steps=(ServingStep(102, 2, 1, 900, 3_600, days[1]),)),
    ]
    (struggle,) = analyse_stack(1, "Improve a credit score", related).struggles
    assert wording in struggle.message


@pytest.mark.parametrize(
    ("first_wait_s", "second_wait_s", "flagged"),
    [
        (1800, 3600, True),  # 5400 > 1500
        (1000, 501, True),  # 1501 > 1500: one second too many
        (1000, 500, False),  # 1500 = 1500: waiting no longer than work
        (0, 0, False),
    ],
)
def test_sequential_waiting_boundary(
    first_wait_s: float, second_wait_s: float, flagged: bool
) -> None:
    related = sequential_pair(first_wait_s, second_wait_s)
    analysis = analyse_stack(1, "Improve a credit score", related)
    assert (causes(analysis) == ["poorly-coordinated"]) is flagged


def test_a_step_serving_two_sequential_jobs_is_counted_once() -> None:
    # Step 101 serves both jobs: waiting 2000 vs work 600 + 900 = 1500 -> flagged;
    # counted twice it would read 4000 vs 2100, the same verdict but wrong figures.
    shared = step(101, pt=600, wait=2000)
    related = [
        job(1, "Receive the bill", coordination="sequential", steps=(shared,)),
        job(2, "Pay a bill", coordination="sequential", steps=(shared, step(102, pt=900))),
    ]
    (struggle,) = analyse_stack(1, "Improve a credit score", related).struggles
    assert "wait 33 min 20 s in total but are worked 25 min" in struggle.message


@pytest.mark.parametrize(
    ("steps", "flagged"),
    [
        ((step(1, stream=1, owner=7), step(2, stream=2, owner=7)), True),  # two streams
        ((step(1, stream=1, owner=7), step(2, stream=1, owner=8)), True),  # two owners
        ((step(1, stream=1, owner=7), step(2, stream=1, owner=7)), False),  # one team
        ((step(1, stream=1, owner=7), step(2, stream=1, owner=None)), False),  # owner unknown
        ((), False),  # unserved: a gap, not a hand-off
    ],
)
def test_co_executed_job_with_hand_offs_is_poorly_coordinated(
    steps: tuple[ServingStep, ...], flagged: bool
) -> None:
    related = [job(5, "Host the webinar", "optional", coordination="co-executed", steps=steps)]
    analysis = analyse_stack(20, "Market a webinar", related)
    assert (causes(analysis) == ["poorly-coordinated"]) is flagged


def test_co_executed_message_counts_streams_and_owners() -> None:
    steps = (step(1, stream=1, owner=7), step(2, stream=2, owner=8), step(3, stream=2, owner=9))
    related = [job(5, "Host the webinar", coordination="co-executed", steps=steps)]
    (struggle,) = analyse_stack(20, "Market a webinar", related).struggles
    assert struggle.job_ids == [5]
    assert struggle.message == (
        "Poorly coordinated: the co-executed job 'Host the webinar' passes between "
        "2 value streams and 3 owners; reduce or automate each hand-off."
    )


def test_concurrent_jobs_served_from_several_streams_could_be_one_service() -> None:
    related = [
        job(1, "Promote on social sites", coordination="concurrent", steps=(step(1, stream=1),)),
        job(2, "Promote on affiliate sites", coordination="concurrent", steps=(step(2, stream=2),)),
    ]
    (struggle,) = analyse_stack(20, "Market a webinar", related).struggles
    assert struggle.cause == "poorly-coordinated"
    assert struggle.job_ids == [1, 2]
    assert struggle.message.endswith(
        "are served by 2 value streams; they could be consolidated into one service."
    )


def test_concurrent_jobs_served_from_one_stream_are_coordinated() -> None:
    related = [
        job(1, "Promote on social sites", coordination="concurrent", steps=(step(1, stream=3),)),
        job(2, "Promote on affiliate sites", coordination="concurrent", steps=(step(2, stream=3),)),
    ]
    assert analyse_stack(20, "Market a webinar", related).struggles == []


# --- Execution and the order of struggles -----------------------------------------------


def test_related_job_with_underserved_outcomes_is_poorly_executed() -> None:
    related = [job(2, "Pay a bill", steps=(STEP,), underserved=("a bill is paid on time",))]
    (struggle,) = analyse_stack(1, "Improve a credit score", related).struggles
    assert struggle.cause == "poorly-executed"
    assert struggle.job_ids == [2]
    assert struggle.message == (
        "Poorly executed: 'Pay a bill' has 1 underserved success outcome "
        "('a bill is paid on time'); execute this job better."
    )


def test_struggles_come_in_the_order_they_are_fixed_in() -> None:
    related = [
        job(1, "Pay a bill", coordination="co-executed", position=1,
            steps=(step(1, stream=1), step(2, stream=2)),
            underserved=("a bill is paid on time",)),
        job(2, "Check the credit report", position=2),
    ]  # fmt: skip
    analysis = analyse_stack(1, "Improve a credit score", related)
    assert causes(analysis) == ["not-capable", "poorly-coordinated", "poorly-executed"]
    assert [s.job_ids for s in analysis.struggles] == [[2], [1], [1]]


def test_related_jobs_are_listed_by_position_then_id_unpositioned_last() -> None:
    related = [
        job(9, "Unplaced late", "optional"),
        job(3, "Second", "optional", position=2),
        job(4, "Unplaced early", "optional"),
        job(8, "First", "optional", position=1),
    ]
    analysis = analyse_stack(1, "Any job", related)
    assert [r.job_id for r in analysis.related] == [8, 3, 4, 9]


def test_as_api_dict() -> None:
    related = [
        job(2, "Pay a bill", position=1, steps=(step(7), step(5), step(7))),
        job(3, "Reduce credit-card debt", "optional", group=None, position=2),
    ]
    assert analyse_stack(1, "Improve a credit score", related).as_api_dict() == {
        "job_id": 1,
        "capable": True,
        "gaps": [],
        "related": [
            {"job_id": 2, "necessity": "required", "interchangeable_group": None,
             "served_by_step_ids": [5, 7]},
            {"job_id": 3, "necessity": "optional", "interchangeable_group": None,
             "served_by_step_ids": []},
        ],
        "struggles": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"), [("necessity", "essential"), ("coordination", "parallel")]
)
def test_unknown_necessity_or_coordination_is_rejected(field: str, value: str) -> None:
    values = {"necessity": "required", "coordination": None} | {field: value}
    bad = job(2, "Pay a bill", values["necessity"], coordination=values["coordination"])
    with pytest.raises(ValueError, match=value):
        analyse_stack(1, "Improve a credit score", [bad])


# --- Cycles in the job tree -------------------------------------------------------------

# 1 is high-level; 2 and 5 are its children; 3 is 2's child; 4 stands alone.
PARENT_OF: dict[int, int | None] = {1: None, 2: 1, 3: 2, 4: None, 5: 1}


@pytest.mark.parametrize(
    ("job_id", "new_parent_id", "expected"),
    [
        (1, 1, True),  # itself
        (1, 2, True),  # its child
        (1, 3, True),  # its grandchild
        (2, 3, True),  # its child, one level down
        (1, 4, False),  # an unrelated job
        (3, 5, False),  # a cousin
        (3, 1, False),  # its grandparent: a move up the tree
        (2, None, False),  # becoming high-level
        (1, 99, False),  # a job the map does not know has no descendants here
    ],
)
def test_would_create_cycle(job_id: int, new_parent_id: int | None, expected: bool) -> None:
    assert would_create_cycle(job_id, new_parent_id, PARENT_OF) is expected


def test_would_create_cycle_terminates_on_a_map_that_already_loops() -> None:
    looping: dict[int, int | None] = {7: 8, 8: 7}
    assert would_create_cycle(1, 7, looping) is False


# --- What a plan would change: the same stack served today and as a future state serves it ------

WEBINAR = [(27, "Promote the event"), (28, "Describe the webinar"), (29, "Create a sign-up form")]


def _webinar(served: set[int], optional: frozenset[int] = frozenset()) -> StackAnalysis:
    return analyse_stack(26, "Market a webinar", [
        job(job_id, statement, "optional" if job_id in optional else "required",
            steps=(step(job_id * 10),) if job_id in served else ())
        for job_id, statement in WEBINAR])


@pytest.mark.parametrize(("today", "planned", "expected"), [
    # The demo's case: one step of the plan serves the missing sign-up form.
    ({27, 28}, {27, 28, 29}, (False, True, [29], [])),
    # The plan drops the step that served the blog post: capable today, not after.
    ({27, 28, 29}, {27, 29}, (True, False, [], [28])),
    # Closes one gap, opens another: still not capable.
    ({27, 28}, {27, 29}, (False, False, [29], [28])),
    # Closes one of two gaps, in stack order: still not capable.
    ({27}, {27, 29}, (False, False, [29], [])),
])
def test_capability_change_names_the_gaps_a_plan_closes_and_opens(today, planned, expected) -> None:
    change = capability_change(_webinar(today), _webinar(planned))
    assert change is not None
    assert (change.capable_before, change.capable_after, change.gaps_closed, change.gaps_opened) == expected
    assert change.job_id == 26


@pytest.mark.parametrize(("today", "planned"), [
    ({27, 28, 29}, {27, 28, 29}),  # nothing changes
    ({27, 28}, {27, 28}),  # the same gap either way
])
def test_capability_change_is_none_when_no_gap_moves(today, planned) -> None:
    assert capability_change(_webinar(today), _webinar(planned)) is None


def test_serving_an_optional_job_changes_no_capability() -> None:
    optional = frozenset({29})
    assert capability_change(_webinar({27, 28}, optional), _webinar({27, 28, 29}, optional)) is None


def test_capability_change_refuses_two_different_stacks() -> None:
    with pytest.raises(ValueError, match="two different stacks"):
        capability_change(_webinar(set()), analyse_stack(1, "Improve a credit score", []))


def test_a_serving_step_may_stand_for_several_steps_of_one_stream_and_owner() -> None:
    one_by_one = (step(5, wait=100, pt=10), step(7, wait=50, pt=20))
    added_up = (ServingStep(5, 1, 1, 30, 150, also_step_ids=(7,)),)
    seq = [job(2, "Send", coordination="sequential", steps=one_by_one)]
    grouped = [job(2, "Send", coordination="sequential", steps=added_up)]
    assert analyse_stack(1, "Bill", seq) == analyse_stack(1, "Bill", grouped)
    assert analyse_stack(1, "Bill", grouped).related[0].served_by_step_ids == [5, 7]
