"""Waste flags, the save rules of a step's tag, and readable durations."""

from dataclasses import replace

import pytest

from lms.lean.metrics import StepFigures, StreamFigures
from lms.lean.waste import (
    DEFECT_THRESHOLD_PCT,
    FLAG_CODES,
    WasteFlag,
    classification_errors,
    flag_step,
    flag_stream,
    format_duration,
)

ALL_WASTES = (
    "transport, inventory, motion, waiting, overproduction, overprocessing, defects, skills"
)

# A step that raises no flag and sits right at every threshold:
# it serves job 1, waits 60 s and is worked 60 s (not more), is 90 % complete and
# accurate (not below), and its 60 s cycle matches a 60 s takt (not above).
CLEAN = StepFigures(
    id=1,
    position=1,
    name="Weld frame",
    classification="necessary",
    cycle_time_s=60,
    wait_time_s=60,
    pct_complete_accurate=90,
    job_id=1,
)
TAKT_S = 60.0
DAY_S = 27_600.0


def codes(step: StepFigures, *, daily_demand: float | None = 460, takt: float | None = TAKT_S):
    """Return the flag codes of a step on a line with 460 units a day and 60 s takt."""
    flags = flag_step(step, daily_demand=daily_demand, day_s=DAY_S, takt_time_s=takt)
    return [flag.code for flag in flags]


def test_flag_codes_and_threshold() -> None:
    assert FLAG_CODES == (
        "no-customer-job",
        "waiting",
        "defects",
        "inventory",
        "over-takt",
        "contradiction",
    )
    assert DEFECT_THRESHOLD_PCT == 90.0


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, [], id="clean-step-at-every-threshold"),
        # no-customer-job
        pytest.param({"job_id": None}, ["no-customer-job"], id="no-job"),
        # waiting: strictly more waiting than processing
        pytest.param({"wait_time_s": 61}, ["waiting"], id="waits-longer-than-worked"),
        pytest.param({"wait_time_s": 60}, [], id="near-miss-waits-as-long-as-worked"),
        # 30 units / 460 a day x 27,600 s = 1,800 s of stock + 0 wait > 60 s worked
        pytest.param(
            {"wait_time_s": 0, "inventory_units": 30},
            ["waiting"],
            id="stock-in-front-of-a-process",
        ),
        # defects: %C&A below 90
        pytest.param({"pct_complete_accurate": 89.9}, ["defects"], id="pct-below-90"),
        pytest.param({"pct_complete_accurate": 90}, [], id="near-miss-pct-exactly-90"),
        pytest.param({"pct_complete_accurate": None}, [], id="pct-not-recorded"),
        # inventory: an inventory step; its 60 s wait now exceeds 0 s of processing
        pytest.param({"kind": "inventory"}, ["waiting", "inventory"], id="inventory-step"),
        pytest.param(
            {"kind": "inventory", "wait_time_s": 0},
            ["inventory"],
            id="inventory-step-without-waiting",
        ),
        # over-takt: cycle time above takt (61 s > 60 s; its 60 s wait is now below PT)
        pytest.param({"cycle_time_s": 61}, ["over-takt"], id="cycle-above-takt"),
        pytest.param({"cycle_time_s": 60}, [], id="near-miss-cycle-at-takt"),
        # an inventory step is never over takt, whatever cycle time was typed
        pytest.param(
            {"kind": "inventory", "cycle_time_s": 600, "wait_time_s": 0},
            ["inventory"],
            id="near-miss-inventory-with-cycle-time",
        ),
        # contradiction: value-adding with waste types, or waste without one
        pytest.param(
            {"classification": "value-adding", "waste_types": ("motion",)},
            ["contradiction"],
            id="value-adding-with-waste-type",
        ),
        pytest.param({"classification": "value-adding"}, [], id="near-miss-value-adding"),
        pytest.param({"classification": "waste"}, ["contradiction"], id="waste-without-type"),
        pytest.param(
            {"classification": "waste", "waste_types": ("waiting",)},
            [],
            id="near-miss-waste-with-type",
        ),
        pytest.param(
            {"classification": "necessary", "waste_types": ("overprocessing",)},
            [],
            id="near-miss-necessary-with-waste-type",
        ),
        # every flag at once comes back in FLAG_CODES order
        pytest.param(
            {
                "job_id": None,
                "kind": "inventory",
                "pct_complete_accurate": 50,
                "classification": "waste",
            },
            ["no-customer-job", "waiting", "defects", "inventory", "contradiction"],
            id="many-flags-in-order",
        ),
    ],
)
def test_flag_step(changes: dict, expected: list[str]) -> None:
    assert codes(replace(CLEAN, **changes)) == expected


# A 90 s cycle with 30 units in front of it: 30 / 460 a day x 27,600 s = 1,800 s of waiting.
@pytest.mark.parametrize(
    ("daily_demand", "takt", "expected"),
    [
        pytest.param(460, TAKT_S, ["waiting", "over-takt"], id="demand-and-takt"),
        pytest.param(460, None, ["waiting"], id="no-takt-no-over-takt"),
        # without demand the 30 units wait nothing: 0 s does not exceed 90 s worked
        pytest.param(None, TAKT_S, ["over-takt"], id="no-demand-stock-waits-nothing"),
        pytest.param(None, None, [], id="neither"),
    ],
)
def test_flag_step_follows_demand_and_takt(
    daily_demand: float | None, takt: float | None, expected: list[str]
) -> None:
    step = replace(CLEAN, cycle_time_s=90, wait_time_s=0, inventory_units=30)
    assert codes(step, daily_demand=daily_demand, takt=takt) == expected


def test_flags_leave_the_tag_alone() -> None:
    step = replace(CLEAN, classification="value-adding", job_id=None, waste_types=("defects",))
    flags = flag_step(step, daily_demand=460, day_s=DAY_S, takt_time_s=TAKT_S)
    assert [flag.code for flag in flags] == ["no-customer-job", "contradiction"]
    assert step.classification == "value-adding"


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        pytest.param(
            replace(CLEAN, job_id=None),
            WasteFlag(
                "no-customer-job",
                "Serves no customer job: every step exists for a customer's job, "
                "so link it to the job it serves or ask why it is done.",
            ),
            id="no-customer-job",
        ),
        # 2 h wait against a 5 min cycle
        pytest.param(
            replace(CLEAN, cycle_time_s=300, wait_time_s=7_200),
            WasteFlag(
                "waiting",
                "Waits 2 h 0 min but is worked 5 min: waiting exceeds processing time.",
            ),
            id="waiting",
        ),
        pytest.param(
            replace(CLEAN, pct_complete_accurate=87.5),
            WasteFlag(
                "defects",
                "Only 87.5 % of its work is complete and accurate (below 90 %): "
                "the rest is corrected or redone downstream.",
            ),
            id="defects",
        ),
        # 2,300 units / 460 a day = 5 days of demand
        pytest.param(
            replace(CLEAN, kind="inventory", wait_time_s=0, inventory_units=2_300),
            WasteFlag(
                "inventory",
                "Holds 2,300 units, 5 days of demand: "
                "inventory lengthens the lead time and hides problems.",
            ),
            id="inventory-with-units",
        ),
        # 460 units / 460 a day = 1 day
        pytest.param(
            replace(CLEAN, kind="inventory", wait_time_s=0, inventory_units=460),
            WasteFlag(
                "inventory",
                "Holds 460 units, 1 day of demand: "
                "inventory lengthens the lead time and hides problems.",
            ),
            id="inventory-one-day",
        ),
        pytest.param(
            replace(CLEAN, kind="inventory", wait_time_s=0),
            WasteFlag(
                "inventory",
                "Stock waits here: inventory lengthens the lead time and hides problems.",
            ),
            id="inventory-uncounted",
        ),
        pytest.param(
            replace(CLEAN, cycle_time_s=90),
            WasteFlag(
                "over-takt",
                "Cycle time 1 min 30 s exceeds takt 1 min: "
                "this step cannot keep pace with customer demand. "
                "2 operators or stations in parallel would bring it within takt.",
            ),
            id="over-takt",
        ),
        pytest.param(
            replace(CLEAN, classification="value-adding", waste_types=("motion", "waiting")),
            WasteFlag(
                "contradiction",
                "Tagged value-adding yet carries waste types (motion, waiting): "
                "decide which is true.",
            ),
            id="contradiction-value-adding",
        ),
        pytest.param(
            replace(CLEAN, classification="waste"),
            WasteFlag(
                "contradiction",
                "Tagged waste but names no waste type: say which of the eight wastes it is.",
            ),
            id="contradiction-waste",
        ),
    ],
)
def test_flag_messages_give_the_reason_with_numbers(step: StepFigures, expected: WasteFlag) -> None:
    flags = flag_step(step, daily_demand=460, day_s=DAY_S, takt_time_s=TAKT_S)
    assert [flag for flag in flags if flag.code == expected.code] == [expected]


# Stamping line: takt = 27,600 / 920 = 30 s.
#   Stamping 1 s, no wait: clean.
#   Coils 4,600 units = 5 days of demand = 138,000 s (1 d 14 h): no job, waiting, inventory.
#   Welding 39 s > 30 s: over takt.
#   Welded parts 1,100 units = 33,000 s (9 h 10 min): no job, waiting, inventory.
#   Assembly 46 s > 30 s: over takt.
STAMPING_LINE = StreamFigures(
    daily_demand=920,
    available_seconds_per_day=27_600,
    steps=(
        StepFigures(5, 5, "Assembly", cycle_time_s=46, classification="value-adding", job_id=1),
        StepFigures(1, 1, "Stamping", cycle_time_s=1, classification="value-adding", job_id=1),
        StepFigures(
            2,
            2,
            "Coils",
            kind="inventory",
            inventory_units=4_600,
            classification="waste",
            waste_types=("inventory",),
        ),
        StepFigures(3, 3, "Welding", cycle_time_s=39, classification="value-adding", job_id=1),
        StepFigures(
            4,
            4,
            "Welded parts",
            kind="inventory",
            inventory_units=1_100,
            classification="waste",
            waste_types=("inventory",),
        ),
    ),
)


def test_flag_stream_keys_every_step_by_id_in_map_order() -> None:
    flags = flag_stream(STAMPING_LINE)
    assert list(flags) == [1, 2, 3, 4, 5]
    assert {step_id: [f.code for f in step_flags] for step_id, step_flags in flags.items()} == {
        1: [],
        2: ["no-customer-job", "waiting", "inventory"],
        3: ["over-takt"],
        4: ["no-customer-job", "waiting", "inventory"],
        5: ["over-takt"],
    }


@pytest.mark.parametrize(
    ("step_id", "code", "message"),
    [
        pytest.param(
            3,
            "over-takt",
            "Cycle time 39 s exceeds takt 30 s: this step cannot keep pace with customer demand. "
            "2 operators or stations in parallel would bring it within takt.",
            id="welding-over-takt",
        ),
        pytest.param(
            2,
            "waiting",
            "Waits 1 d 14 h but is worked 0 s: waiting exceeds processing time.",
            id="coils-waiting",
        ),
        pytest.param(
            4,
            "inventory",
            "Holds 1,100 units, 1.2 days of demand: "
            "inventory lengthens the lead time and hides problems.",
            id="welded-parts-inventory",
        ),
    ],
)
def test_flag_stream_messages(step_id: int, code: str, message: str) -> None:
    flags = {flag.code: flag.message for flag in flag_stream(STAMPING_LINE)[step_id]}
    assert flags[code] == message


def test_flag_stream_without_demand_has_no_takt_and_no_stock_waiting() -> None:
    stream = replace(STAMPING_LINE, daily_demand=None)
    flags = flag_stream(stream)
    assert [f.code for f in flags[2]] == ["no-customer-job", "inventory"]
    assert flags[3] == []
    assert flags[5] == []


def test_flag_stream_gathers_unsaved_steps_under_none() -> None:
    stream = StreamFigures(
        daily_demand=None,
        available_seconds_per_day=None,
        steps=(StepFigures(None, 1, "Draft A"), StepFigures(None, 2, "Draft B")),
    )
    assert [flag.code for flag in flag_stream(stream)[None]] == [
        "no-customer-job",
        "no-customer-job",
    ]


def test_flag_stream_of_an_empty_map() -> None:
    assert flag_stream(StreamFigures(None, None, ())) == {}


@pytest.mark.parametrize(
    ("classification", "job_id", "waste_types", "expected"),
    [
        pytest.param("value-adding", 7, (), {}, id="value-adding-serving-a-job"),
        pytest.param(
            "value-adding",
            None,
            (),
            {"job_id": "A value-adding step must serve a customer job."},
            id="value-adding-without-job",
        ),
        pytest.param("necessary", None, (), {}, id="necessary-without-job"),
        pytest.param("waste", None, ("waiting", "motion"), {}, id="waste-with-types"),
        # a contradiction is advice, not a save error
        pytest.param("waste", None, (), {}, id="waste-without-type-may-be-saved"),
        pytest.param("value-adding", 7, ("motion",), {}, id="value-adding-with-type-may-be-saved"),
        pytest.param("unclassified", None, (), {}, id="unclassified"),
        pytest.param(
            "valuable",
            None,
            (),
            {
                "classification": "Unknown classification: valuable. "
                "Use one of: value-adding, necessary, waste, unclassified."
            },
            id="unknown-classification",
        ),
        pytest.param(
            "waste",
            None,
            ("waiting", "muri"),
            {"waste_types": f"Unknown waste type: muri. Use one of: {ALL_WASTES}."},
            id="unknown-waste-type",
        ),
        pytest.param(
            "waste",
            None,
            ("muda", "mura", "muda"),
            {"waste_types": f"Unknown waste types: muda, mura. Use one of: {ALL_WASTES}."},
            id="unknown-waste-types",
        ),
        pytest.param(
            "value-adding",
            None,
            ("Waiting",),
            {
                "job_id": "A value-adding step must serve a customer job.",
                "waste_types": f"Unknown waste type: Waiting. Use one of: {ALL_WASTES}.",
            },
            id="two-rules-broken",
        ),
    ],
)
def test_classification_errors(
    classification: str, job_id: int | None, waste_types: tuple[str, ...], expected: dict
) -> None:
    errors = classification_errors(
        classification=classification, job_id=job_id, waste_types=waste_types
    )
    assert errors == expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0, "0 s", id="nothing"),
        pytest.param(0.5, "0.5 s", id="half-a-second"),
        pytest.param(1, "1 s", id="one-second"),
        pytest.param(45, "45 s", id="seconds"),
        pytest.param(59.94, "59.9 s", id="just-under-a-minute"),
        pytest.param(59.97, "1 min", id="rounds-up-to-a-minute"),
        pytest.param(60, "1 min", id="one-minute"),
        pytest.param(90, "1 min 30 s", id="minute-and-seconds"),
        pytest.param(90.5, "1 min 31 s", id="half-second-rounds-up"),
        pytest.param(300, "5 min", id="minutes"),
        pytest.param(3_599.6, "1 h 0 min", id="rounds-up-to-an-hour"),
        pytest.param(7_200, "2 h 0 min", id="hours"),
        pytest.param(7_500, "2 h 5 min", id="hours-and-minutes"),
        # 7,530 s = 125.5 min -> 126 min
        pytest.param(7_530, "2 h 6 min", id="half-minute-rounds-up"),
        pytest.param(86_399, "1 d 0 h", id="rounds-up-to-a-day"),
        pytest.param(86_400, "1 d 0 h", id="one-day"),
        # 138,000 s = 38.3 h -> 1 d 14 h
        pytest.param(138_000, "1 d 14 h", id="day-and-hours"),
        # 3 x 86,400 + 4 x 3,600 = 273,600
        pytest.param(273_600, "3 d 4 h", id="days-and-hours"),
        pytest.param(-90, "-1 min 30 s", id="negative"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("change, expected", [
    pytest.param(0.0044, "+0.44 pp", id="under a point, two significant digits"),
    pytest.param(-0.055, "−5.5 pp", id="a fall of five and a half points"),
    pytest.param(0.0, "0 pp", id="no change"),
    pytest.param(float("inf"), "out of range", id="beyond a float"),
])
def test_format_points_writes_share_changes_in_percentage_points(change, expected):
    from lms.lean.waste import format_points

    assert format_points(change) == expected
