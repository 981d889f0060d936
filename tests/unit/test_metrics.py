"""Value-stream figures, checked against worked examples computed by hand."""

import ast
import json
from pathlib import Path

import pytest

from lms.lean.metrics import (
    CLASSIFICATIONS,
    STEP_KINDS,
    WASTE_TYPES,
    StepFigures,
    StreamFigures,
    StreamMetrics,
    compute_metrics,
    process_cycle_efficiency,
    processing_time_s,
    rolled_pct_complete_accurate,
    takt_time_s,
    waiting_time_s,
)

LEAN_PACKAGE = Path(__file__).resolve().parents[2] / "lms" / "lean"

API_KEYS = {
    "lead_time_s",
    "lead_time_days",
    "processing_time_s",
    "value_added_time_s",
    "pce",
    "activity_ratio",
    "rolled_pct_complete_accurate",
    "takt_time_s",
    "over_takt_step_ids",
    "rework_adjusted_lead_time_s",
    "waste_time_by_type",
    "steps_by_classification",
    # additions of issue 14
    "missing",
    "missing_by_figure",
    "lead_time_known_s",
    "unconverted_inventory_units",
    "operators_needed",
    "operators_entered",
    "process_steps",
}


def no_waste() -> dict[str, float]:
    """Return the waste Pareto of a stream with no time in any waste."""
    return dict.fromkeys(WASTE_TYPES, 0.0)


def assert_figures(actual: dict, expected: dict) -> None:
    """Assert figures match: floats to rounding error, lists, tallies and None exactly."""
    assert set(actual) == set(expected)
    for key, value in expected.items():
        if isinstance(value, float):
            assert actual[key] == pytest.approx(value), key
        elif isinstance(value, dict):
            assert list(actual[key]) == list(value), key
            assert actual[key] == pytest.approx(value), key
        else:
            assert actual[key] == value, key


def stamping_line() -> StreamFigures:
    """Return a stamping -> welding -> assembly line with stock between the processes."""
    return StreamFigures(
        daily_demand=920,
        available_seconds_per_day=27_600,
        steps=(
            StepFigures(1, 1, "Stamping", cycle_time_s=1, classification="value-adding", job_id=1),
            StepFigures(
                2,
                2,
                "Coils before welding",
                kind="inventory",
                inventory_units=4_600,
                classification="waste",
                waste_types=("inventory",),
            ),
            StepFigures(3, 3, "Welding", cycle_time_s=39, classification="value-adding", job_id=1),
            StepFigures(
                4,
                4,
                "Welded parts before assembly",
                kind="inventory",
                inventory_units=1_100,
                classification="waste",
                waste_types=("inventory",),
            ),
            StepFigures(5, 5, "Assembly", cycle_time_s=46, classification="value-adding", job_id=1),
        ),
    )


def purchase_order_approval() -> StreamFigures:
    """Return an office purchase-order approval with %C&A 80 / 95 / 70 and no demand set."""
    return StreamFigures(
        daily_demand=None,
        available_seconds_per_day=None,
        steps=(
            StepFigures(
                11,
                1,
                "Enter purchase request",
                cycle_time_s=600,
                wait_time_s=1_800,
                pct_complete_accurate=80,
                classification="necessary",
                job_id=7,
            ),
            StepFigures(
                12,
                2,
                "Manager approves",
                cycle_time_s=300,
                wait_time_s=7_200,
                pct_complete_accurate=95,
                classification="waste",
                waste_types=("waiting", "overprocessing"),
            ),
            StepFigures(
                13,
                3,
                "Buyer places the order",
                cycle_time_s=900,
                wait_time_s=3_600,
                pct_complete_accurate=70,
                classification="value-adding",
                job_id=7,
            ),
        ),
    )


# --- the vocabulary -------------------------------------------------------------------


def test_vocabulary_is_the_eight_wastes_four_tags_two_kinds() -> None:
    assert WASTE_TYPES == (
        "transport",
        "inventory",
        "motion",
        "waiting",
        "overproduction",
        "overprocessing",
        "defects",
        "skills",
    )
    assert CLASSIFICATIONS == ("value-adding", "necessary", "waste", "unclassified")
    assert STEP_KINDS == ("process", "inventory")


# --- per-step figures -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        pytest.param(StepFigures(1, 1, "Weld", cycle_time_s=39), 39.0, id="process-cycle-time"),
        pytest.param(StepFigures(1, 1, "Weld"), 0.0, id="process-without-cycle-time"),
        # an inventory step processes nothing even when someone typed a cycle time
        pytest.param(
            StepFigures(1, 1, "Stock", kind="inventory", cycle_time_s=120),
            0.0,
            id="inventory-with-cycle-time",
        ),
    ],
)
def test_processing_time_s(step: StepFigures, expected: float) -> None:
    assert processing_time_s(step) == expected


@pytest.mark.parametrize(
    ("step", "daily_demand", "day_s", "expected"),
    [
        pytest.param(StepFigures(1, 1, "Queue", wait_time_s=600), 920, 27_600, 600.0, id="wait"),
        # 4600 units / 920 a day = 5 days x 27,600 s = 138,000 s
        pytest.param(
            StepFigures(1, 1, "Coils", kind="inventory", inventory_units=4_600),
            920,
            27_600,
            138_000.0,
            id="inventory-in-working-days",
        ),
        # 300 + 100 units / 50 a day x 28,800 = 300 + 57,600
        pytest.param(
            StepFigures(1, 1, "Desk", wait_time_s=300, inventory_units=100),
            50,
            28_800,
            57_900.0,
            id="wait-plus-inventory",
        ),
        # demand but no working day: the units cannot be timed, only the wait counts
        pytest.param(
            StepFigures(1, 1, "Desk", wait_time_s=300, inventory_units=100),
            50,
            None,
            300.0,
            id="no-working-day-inventory-untimed",
        ),
        pytest.param(
            StepFigures(1, 1, "Coils", kind="inventory", inventory_units=4_600),
            None,
            27_600,
            0.0,
            id="no-demand-inventory-waits-nothing",
        ),
        pytest.param(
            StepFigures(1, 1, "Coils", kind="inventory", inventory_units=4_600),
            0,
            27_600,
            0.0,
            id="zero-demand-inventory-waits-nothing",
        ),
        pytest.param(StepFigures(1, 1, "Empty"), 920, 27_600, 0.0, id="nothing-recorded"),
    ],
)
def test_waiting_time_s(
    step: StepFigures, daily_demand: float | None, day_s: float, expected: float
) -> None:
    assert waiting_time_s(step, daily_demand, day_s) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("daily_demand", "available", "expected"),
    [
        pytest.param(920, 27_600, 30.0, id="27600-s-over-920"),
        pytest.param(460, 27_600, 60.0, id="27600-s-over-460"),
        # no available time set: no takt (it used to fall back to 86,400 / 48 = 1,800 s)
        pytest.param(48, None, None, id="no-working-day"),
        pytest.param(48, 0, None, id="zero-working-day"),
        pytest.param(None, 27_600, None, id="no-demand"),
        pytest.param(0, 27_600, None, id="zero-demand"),
        pytest.param(-3, 27_600, None, id="negative-demand"),
    ],
)
def test_takt_time_s(
    daily_demand: float | None, available: float | None, expected: float | None
) -> None:
    assert takt_time_s(daily_demand, available) == expected


@pytest.mark.parametrize(
    ("value_added", "lead", "expected"),
    [
        pytest.param(900, 14_400, 0.0625, id="900-of-14400"),
        pytest.param(0, 14_400, 0.0, id="nothing-adds-value"),
        pytest.param(0, 0, None, id="zero-lead-time"),
    ],
)
def test_process_cycle_efficiency(value_added: float, lead: float, expected: float | None) -> None:
    assert process_cycle_efficiency(value_added, lead) == expected


@pytest.mark.parametrize(
    ("pcts", "expected"),
    [
        # 0.80 x 0.95 x 0.70 = 0.532
        pytest.param((80, 95, 70), 0.532, id="office-80-95-70"),
        # steps without a %C&A are left out: 0.90 x 0.50 = 0.45
        pytest.param((90, None, 50), 0.45, id="missing-pct-left-out"),
        pytest.param((100,), 1.0, id="one-perfect-step"),
        pytest.param((None, None), None, id="none-recorded"),
        pytest.param((), None, id="no-steps"),
    ],
)
def test_rolled_pct_complete_accurate(
    pcts: tuple[float | None, ...], expected: float | None
) -> None:
    steps = [
        StepFigures(n, n, f"Step {n}", pct_complete_accurate=pct) for n, pct in enumerate(pcts)
    ]
    assert rolled_pct_complete_accurate(steps) == pytest.approx(expected)


# --- whole-stream worked examples -----------------------------------------------------

# Stamping line: day = 27,600 s; takt = 27,600 / 920 = 30 s.
#   PT = 1 + 39 + 46 = 86 s (all value-adding)
#   waiting = 4600/920 x 27,600 + 1100/920 x 27,600 = 138,000 + 33,000 = 171,000 s
#   LT = 86 + 171,000 = 171,086 s = 171,086 / 27,600 = 6.19876... working days
#   PCE = 86 / 171,086; activity ratio the same (all PT adds value)
#   over takt: welding 39 > 30 and assembly 46 > 30; stamping 1 is not
#   waste (inventory) = 171,000 s, waste share 171,000 / 171,086
# Office approval: no working day -> no lead time in days; no demand -> no takt.
#   PT = 600 + 300 + 900 = 1,800 s; waiting = 1,800 + 7,200 + 3,600 = 12,600 s
#   LT = 14,400 s (nothing waits in inventory, so it is complete); VA = 900 s; PCE = 900 / 14,400 = 0.0625
#   activity ratio = 1,800 / 14,400 = 0.125; rolled %C&A = 0.8 x 0.95 x 0.7 = 0.532
#   rework = 0.20 x 2,400 + 0.05 x 7,500 + 0.30 x 4,500 = 480 + 375 + 1,350 = 2,205
#   rework-adjusted LT = 14,400 + 2,205 = 16,605 s
#   approval is tagged waiting and overprocessing: its 7,500 s are shared, 3,750 s each
#   waste share = 7,500 / 14,400 = 0.520833...
WORKED_EXAMPLES = [
    pytest.param(
        stamping_line(),
        {
            "lead_time_s": 171_086.0,
            "lead_time_days": 171_086 / 27_600,
            "processing_time_s": 86.0,
            "value_added_time_s": 86.0,
            "pce": 86 / 171_086,
            "activity_ratio": 86 / 171_086,
            "rolled_pct_complete_accurate": None,
            "takt_time_s": 30.0,
            "over_takt_step_ids": [3, 5],
            "rework_adjusted_lead_time_s": 171_086.0,
            "waste_time_by_type": no_waste() | {"inventory": 171_000.0},
            "steps_by_classification": {
                "value-adding": 3,
                "necessary": 0,
                "waste": 2,
                "unclassified": 0,
            },
            "untagged_count": 0,
            "waste_share": 171_000 / 171_086,
        },
        id="stamping-welding-assembly",
    ),
    pytest.param(
        purchase_order_approval(),
        {
            "lead_time_s": 14_400.0,
            "lead_time_days": None,
            "processing_time_s": 1_800.0,
            "value_added_time_s": 900.0,
            "pce": 0.0625,
            "activity_ratio": 0.125,
            "rolled_pct_complete_accurate": 0.532,
            "takt_time_s": None,
            "over_takt_step_ids": [],
            "rework_adjusted_lead_time_s": 16_605.0,
            "waste_time_by_type": no_waste() | {"waiting": 3_750.0, "overprocessing": 3_750.0},
            "steps_by_classification": {
                "value-adding": 1,
                "necessary": 1,
                "waste": 1,
                "unclassified": 0,
            },
            "untagged_count": 0,
            "waste_share": 7_500 / 14_400,
        },
        id="office-purchase-order-approval",
    ),
    # No steps: nothing is timed, so every ratio is undefined; takt still follows demand.
    pytest.param(
        StreamFigures(daily_demand=920, available_seconds_per_day=27_600, steps=()),
        {
            "lead_time_s": 0.0,
            "lead_time_days": 0.0,
            "processing_time_s": 0.0,
            "value_added_time_s": 0.0,
            "pce": None,
            "activity_ratio": None,
            "rolled_pct_complete_accurate": None,
            "takt_time_s": 30.0,
            "over_takt_step_ids": [],
            "rework_adjusted_lead_time_s": 0.0,
            "waste_time_by_type": no_waste(),
            "steps_by_classification": dict.fromkeys(CLASSIFICATIONS, 0),
            "untagged_count": 0,
            "waste_share": None,
        },
        id="no-steps",
    ),
    # Steps mapped but not yet timed: lead time 0, ratios None, both steps untagged, no day.
    pytest.param(
        StreamFigures(
            daily_demand=None,
            available_seconds_per_day=None,
            steps=(StepFigures(1, 1, "Pick"), StepFigures(2, 2, "Pack")),
        ),
        {
            "lead_time_s": 0.0,
            "lead_time_days": None,
            "processing_time_s": 0.0,
            "value_added_time_s": 0.0,
            "pce": None,
            "activity_ratio": None,
            "rolled_pct_complete_accurate": None,
            "takt_time_s": None,
            "over_takt_step_ids": [],
            "rework_adjusted_lead_time_s": 0.0,
            "waste_time_by_type": no_waste(),
            "steps_by_classification": {
                "value-adding": 0,
                "necessary": 0,
                "waste": 0,
                "unclassified": 2,
            },
            "untagged_count": 2,
            "waste_share": None,
        },
        id="zero-lead-time",
    ),
    # No demand: the 4,600 units cannot be timed, so the lead time is incomplete (100 s known:
    #   PT 40, the typed 999 s on the inventory step does not count, + wait 60) and every figure
    #   divided by it is withheld; the inventory waste's time is unknown; no takt.
    pytest.param(
        StreamFigures(
            daily_demand=None,
            available_seconds_per_day=27_600,
            steps=(
                StepFigures(1, 1, "Cut", cycle_time_s=40, wait_time_s=60),
                StepFigures(
                    2,
                    2,
                    "Stock",
                    kind="inventory",
                    cycle_time_s=999,
                    inventory_units=4_600,
                    classification="waste",
                    waste_types=("inventory",),
                ),
            ),
        ),
        {
            "lead_time_s": None,
            "lead_time_known_s": 100.0,
            "unconverted_inventory_units": 4_600.0,
            "lead_time_days": None,
            "processing_time_s": 40.0,
            "value_added_time_s": 0.0,
            "pce": None,
            "activity_ratio": None,
            "rolled_pct_complete_accurate": None,
            "takt_time_s": None,
            "over_takt_step_ids": [],
            "rework_adjusted_lead_time_s": None,
            "waste_time_by_type": no_waste() | {"inventory": None},
            "steps_by_classification": {
                "value-adding": 0,
                "necessary": 0,
                "waste": 1,
                "unclassified": 1,
            },
            "untagged_count": 1,
            "waste_share": None,
        },
        id="no-demand",
    ),
    # Missing %C&A: only the step that has one is reworked.
    #   LT = (100 + 0) + (50 + 50) = 200 s; rolled = 0.9
    #   rework = (1 - 0.9) x 100 = 10 s -> 210 s; PCE = 100 / 200 = 0.5
    pytest.param(
        StreamFigures(
            daily_demand=None,
            available_seconds_per_day=None,
            steps=(
                StepFigures(
                    1,
                    1,
                    "Check claim",
                    cycle_time_s=100,
                    pct_complete_accurate=90,
                    classification="value-adding",
                    job_id=3,
                ),
                StepFigures(
                    2, 2, "File claim", cycle_time_s=50, wait_time_s=50, classification="necessary"
                ),
            ),
        ),
        {
            "lead_time_s": 200.0,
            "lead_time_days": None,
            "processing_time_s": 150.0,
            "value_added_time_s": 100.0,
            "pce": 0.5,
            "activity_ratio": 0.75,
            "rolled_pct_complete_accurate": 0.9,
            "takt_time_s": None,
            "over_takt_step_ids": [],
            "rework_adjusted_lead_time_s": 210.0,
            "waste_time_by_type": no_waste(),
            "steps_by_classification": {
                "value-adding": 1,
                "necessary": 1,
                "waste": 0,
                "unclassified": 0,
            },
            "untagged_count": 0,
            "waste_share": 0.0,
        },
        id="missing-pct-complete-accurate",
    ),
]


@pytest.mark.parametrize(("stream", "expected"), WORKED_EXAMPLES)
def test_compute_metrics_worked_examples(stream: StreamFigures, expected: dict) -> None:
    metrics = compute_metrics(stream)
    assert_figures({key: getattr(metrics, key) for key in expected}, expected)


# Waste Pareto: a step's time is shared equally among its waste types; a type listed twice counts once.
#   Forklift run: PT 120 + wait 480 = 600 s -> transport 300, waiting 300
#   Search for tools: PT 300 -> motion 300 ("motion" twice is one type)
#   Inspection: PT 60 + wait 240 = 300 -> overprocessing 150, defects 150
#   the bars add up to 1,200 s: the time in the three waste-tagged steps
def test_waste_pareto_shares_a_step_among_its_types() -> None:
    stream = StreamFigures(
        daily_demand=None,
        available_seconds_per_day=None,
        steps=(
            StepFigures(
                1,
                1,
                "Forklift run",
                cycle_time_s=120,
                wait_time_s=480,
                classification="waste",
                waste_types=("transport", "waiting"),
            ),
            StepFigures(
                2,
                2,
                "Search for tools",
                cycle_time_s=300,
                classification="waste",
                waste_types=("motion", "motion"),
            ),
            StepFigures(
                3,
                3,
                "Inspection",
                cycle_time_s=60,
                wait_time_s=240,
                classification="necessary",
                waste_types=("overprocessing", "defects"),
            ),
        ),
    )
    metrics = compute_metrics(stream)
    assert metrics.waste_time_by_type == no_waste() | {
        "transport": 300.0,
        "motion": 300.0,
        "waiting": 300.0,
        "overprocessing": 150.0,
        "defects": 150.0,
    }
    assert sum(metrics.waste_time_by_type.values()) == 1_200.0 == metrics.lead_time_s
    # only steps tagged waste count in the waste share: (600 + 300) / 1,200 = 0.75
    assert metrics.waste_share == pytest.approx(0.75)


def test_step_timings_follow_map_order_with_over_takt() -> None:
    shuffled = stamping_line()
    shuffled = StreamFigures(
        shuffled.daily_demand, shuffled.available_seconds_per_day, shuffled.steps[::-1]
    )
    timings = compute_metrics(shuffled).step_timings
    assert [(t.step_id, t.processing_s, t.waiting_s, t.over_takt) for t in timings] == [
        (1, 1.0, 0.0, False),
        (2, 0.0, 138_000.0, False),
        (3, 39.0, 0.0, True),
        (4, 0.0, 33_000.0, False),
        (5, 46.0, 0.0, True),
    ]
    assert timings[1].lead_time_s == 138_000.0


@pytest.mark.parametrize(
    ("step", "over_takt"),
    [
        # takt 30 s from 920 a day in 27,600 s
        pytest.param(StepFigures(9, 1, "Press", cycle_time_s=30.5), True, id="just-over"),
        pytest.param(StepFigures(9, 1, "Press", cycle_time_s=30), False, id="at-takt"),
        pytest.param(StepFigures(9, 1, "Press"), False, id="no-cycle-time"),
        pytest.param(
            StepFigures(9, 1, "Stock", kind="inventory", cycle_time_s=99),
            False,
            id="inventory-step",
        ),
    ],
)
def test_over_takt(step: StepFigures, over_takt: bool) -> None:
    metrics = compute_metrics(StreamFigures(920, 27_600, (step,)))
    assert metrics.step_timings[0].over_takt is over_takt
    assert metrics.over_takt_step_ids == ([9] if over_takt else [])


def test_unknown_classification_counts_as_untagged() -> None:
    stream = StreamFigures(None, None, (StepFigures(1, 1, "Odd", classification="muda"),))
    metrics = compute_metrics(stream)
    assert metrics.steps_by_classification["unclassified"] == 1
    assert metrics.untagged_count == 1


def test_step_without_id_is_timed_but_not_listed_over_takt() -> None:
    stream = StreamFigures(920, 27_600, (StepFigures(None, 1, "Draft", cycle_time_s=45),))
    metrics = compute_metrics(stream)
    assert metrics.step_timings[0].over_takt is True
    assert metrics.over_takt_step_ids == []


# --- the API shape --------------------------------------------------------------------


@pytest.mark.parametrize(("stream", "expected"), WORKED_EXAMPLES)
def test_as_api_dict_has_exactly_the_api_keys_and_is_json(
    stream: StreamFigures, expected: dict
) -> None:
    metrics = compute_metrics(stream)
    api = metrics.as_api_dict()
    assert set(api) == API_KEYS
    assert json.loads(json.dumps(api)) == api
    shared = API_KEYS & set(expected)
    assert_figures({key: api[key] for key in shared}, {key: expected[key] for key in shared})


def test_as_api_dict_copies_the_collections() -> None:
    metrics: StreamMetrics = compute_metrics(stamping_line())
    api = metrics.as_api_dict()
    api["over_takt_step_ids"].append(99)
    api["waste_time_by_type"]["inventory"] = 0.0
    assert metrics.over_takt_step_ids == [3, 5]
    assert metrics.waste_time_by_type["inventory"] == 171_000.0


# --- the domain stays pure ------------------------------------------------------------

FRAMEWORKS = ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_wtf", "wtforms")


def imported_roots(path: Path) -> set[str]:
    """Return the top-level packages a module imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_lean_package_imports_no_framework() -> None:
    modules = sorted(LEAN_PACKAGE.glob("*.py"))
    assert {"metrics.py", "waste.py"} <= {module.name for module in modules}
    offenders = {
        module.name: sorted(imported_roots(module) & set(FRAMEWORKS)) for module in modules
    }
    assert {name: roots for name, roots in offenders.items() if roots} == {}
