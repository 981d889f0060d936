"""The larger worlds the tests share, each built through the Factory (the lms services) or the JSON API.

* ``repair_hotline(make)``: a repair hotline and its spare-parts stream, with outcomes for KPIs to drift from.
* ``stamping_shop(make)`` and ``map_stamping_line(make, shop)``: the stamping -> welding -> assembly line.
* ``review_team(make)`` and ``review_line(make, team)``: the stamping line with all a review agenda can hold.
* ``claims_and_pump_repair(api)``: the radar and stop-doing story of the Customer First pages.
* ``quotes_office(make)``: the small stream whose event log ``tests/flow/small_log.py`` computes by hand.

Each returns a small dataclass (or dict) of the ids it made; dates count back from today.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any, NamedTuple

from lms.db import today
from tests.factory import Factory, OrgRef, UserRef
from tests.flow.small_log import SMALL_STEPS, SMALL_STREAM

# --- a team: an organization with every role ---------------------------------------------------------

NAMES = {"admin": "Ada Admin", "manager": "Max Manager", "owner": "Olga Owner", "other_owner": "Otto Other",
         "viewer": "Vera Viewer"}


@dataclass(frozen=True)
class Team:
    """An organization with every role, two process owners among them."""

    org: OrgRef
    admin: UserRef
    manager: UserRef
    owner: UserRef
    other_owner: UserRef
    viewer: UserRef

    def people(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(Team)}


def team(make: Factory, name: str = "Acme", *, named: bool = False) -> Team:
    """Create an organization with an admin, a manager, two process owners and a viewer (named if asked)."""
    org = make.org(name)
    people = {key: make.user(org, "owner" if key == "other_owner" else key, name=NAMES[key] if named else "")
              for key in NAMES}
    return Team(org, **people)


def review_team(make: Factory, name: str = "Acme") -> Team:
    """Create the team of the review tests, each person with a name."""
    return team(make, name, named=True)


# --- the repair hotline: KPIs and the outcomes they stand for -------------------------------------
# Days are counted from the start of the default 180-day window that ends today: ``day(180)`` is today,
# ``day(0)`` the excluded first day of the window.

TODAY = today()
MONTHLY = (30, 60, 90, 120, 150, 180)
RISING = (100.0, 102.0, 104.0, 106.0, 108.0, 110.0)  # +10 % over the window


def day(x: int) -> date:
    return TODAY - timedelta(days=180 - x)


def monthly(values=RISING, xs=MONTHLY) -> list[tuple[date, float]]:
    return [(day(x), v) for x, v in zip(xs, values, strict=True)]


@dataclass(frozen=True)
class RepairHotline(Team):
    """A team with a customer job of two outcomes and two value streams, and the Factory to add to them."""

    make: Factory = field(repr=False)
    customer_id: int
    job_id: int
    outcome_ids: list[int]
    stream_id: int
    step_id: int
    waste_step_id: int
    other_stream_id: int
    other_step_id: int

    def kpi(self, name: str = "Calls closed per hour", *, direction: str = "increase",
            outcome_ids=(), step_id: int | None = None, stream_id: int | None = None,
            owner_id: int | None = None, target: float | None = None, unit: str = "calls/h") -> int:
        """Define a KPI of this organization, each outcome link with the rationale 'stands for it'."""
        return self.make.kpi(self.admin, name, outcome_ids=outcome_ids, rationale="stands for it",
                             direction=direction, step_id=step_id, value_stream_id=stream_id,
                             owner_id=owner_id, target=target, unit=unit)

    def measure(self, kpi_id: int, points) -> None:
        self.make.measurements(self.admin, kpi_id, points)

    def rate(self, outcome_id: int, points) -> None:
        """Enter a wave per (date, satisfaction), each rated importance 8."""
        self.make.ratings(self.admin, outcome_id, points, importance=8.0)


def repair_hotline(make: Factory, name: str = "Acme") -> RepairHotline:
    people = team(make, name)
    admin = people.admin
    customer_id = make.customer(admin, f"{name} callers")
    job_id = make.job(admin, customer_id, "Get a broken device working again")
    outcome_ids = [make.outcome(admin, job_id, statement) for statement in (
        "Minimize the time to a correct answer", "Minimize the effort to explain the fault")]
    hotline = make.stream(admin, "Repair hotline", customer_id=customer_id, steps=[
        {"name": "Answer call", "classification": "value-adding", "job_id": job_id},
        {"name": "Re-enter ticket", "classification": "waste", "waste_types": ["overprocessing"]}])
    parts = make.stream(admin, "Spare parts", customer_id=customer_id, steps=[{"name": "Pick part"}])
    return RepairHotline(**people.people(), make=make, customer_id=customer_id, job_id=job_id,
                         outcome_ids=outcome_ids, stream_id=hotline.id, step_id=hotline.step_ids[0],
                         waste_step_id=hotline.step_ids[1], other_stream_id=parts.id,
                         other_step_id=parts.step_ids[0])


# --- the stamping line ------------------------------------------------------------------------------
# The stamping -> welding -> assembly line of the lean literature, with stock between the presses.
# Demand 920 units/day on a working day of 27,600 s (2 shifts of 8 h minus breaks): takt 30 s.

STAMPING_STREAM = {"name": "Stamped brackets", "daily_demand": 920, "available_seconds_per_day": 27_600}


def stamping_steps(job_id: int) -> list[dict[str, Any]]:
    """Return the five steps of the stamping line; the value-adding ones serve ``job_id``."""
    return [
        {"name": "Stamping", "cycle_time_s": 1, "changeover_s": 3_600, "uptime_pct": 85, "operators": 1,
         "pct_complete_accurate": 99, "classification": "value-adding", "job_id": job_id},
        {"name": "Coils before welding", "kind": "inventory", "inventory_units": 4_600,
         "classification": "waste", "waste_types": ["inventory"], "rationale": "Five days of coils"},
        {"name": "Welding", "cycle_time_s": 39, "wait_time_s": 600, "operators": 1,
         "pct_complete_accurate": 95, "classification": "value-adding", "job_id": job_id},
        {"name": "Welded parts before assembly", "kind": "inventory", "inventory_units": 1_100,
         "classification": "waste", "waste_types": ["inventory"]},
        {"name": "Assembly", "cycle_time_s": 46, "operators": 2, "pct_complete_accurate": 98,
         "classification": "value-adding", "job_id": job_id},
    ]


@dataclass(frozen=True)
class Shop(Team):
    """A team with an internal customer and the job it hires the line for."""

    customer_id: int
    job_id: int


def stamping_shop(make: Factory, name: str = "Acme") -> Shop:
    """Create the organization, its people and a customer job."""
    people = team(make, name)
    customer_id = make.customer(people.admin, f"{name} assembly plant", kind="internal")
    job_id = make.job(people.admin, customer_id, "Get welded brackets to the assembly line on time")
    return Shop(**people.people(), customer_id=customer_id, job_id=job_id)


def map_stamping_line(make: Factory, shop: Shop, owner: UserRef | None = None,
                      **stream_fields: Any) -> tuple[int, list[int]]:
    """Map the stamping line as its owner; return the stream and step ids."""
    owner = owner or shop.owner
    line = make.stream(owner, **{**STAMPING_STREAM, "owner_id": owner.id, "customer_id": shop.customer_id,
                                 "job_id": shop.job_id, **stream_fields},
                       steps=stamping_steps(shop.job_id))
    return line.id, line.step_ids


# --- the stamping line under review -------------------------------------------------------------------
# The line (takt 30 s) serves "Get welded brackets to the assembly line", the high-level job of an internal
# customer. Its stack has a served related job and a required one no step serves (a job gap); an outcome
# of the stack is underserved. The stream has an untagged step, an over-takt step and a value-adding step
# whose waste type contradicts its tag; a diverging, an orphan and a stale KPI; and an earlier, closed
# review left an action overdue.


@dataclass
class ReviewLine:
    """The ids of the stream under review and everything around it."""

    stream_id: int
    step_ids: list[int]
    untagged_step_id: int
    over_takt_step_id: int
    flagged_va_step_id: int
    head_job_id: int
    gap_job_id: int
    underserved_outcome_id: int
    diverging_kpi_id: int
    orphan_kpi_id: int
    stale_kpi_id: int
    earlier_review_id: int
    overdue_action_id: int
    extra_kpi_ids: list[int] = field(default_factory=list)


def review_line(make: Factory, team: Team, *, extra_steps: int = 0, extra_kpis: int = 0) -> ReviewLine:
    """Create the stream under review with its customer stack, KPIs and an earlier review."""
    by, on = team.admin, today()
    customer = make.customer(by, "Assembly plant", kind="internal")
    head = make.job(by, customer, "Get welded brackets to the assembly line on time")
    served = make.job(by, customer, "Receive brackets that fit the fixture", parent_id=head, position=1,
                      necessity="required")
    gap = make.job(by, customer, "Pay a bill", parent_id=head, position=2, necessity="required")
    outcome = make.outcome(by, head, "Minimize the time it takes to get brackets to the line")
    # Satisfaction fell 4.0 -> 3.0 in the window, beyond the 0.5-point minimum: the rising KPI diverges.
    make.ratings(by, outcome, [(on - timedelta(days=120), 4.0), (on - timedelta(days=20), 3.0)],
                 importance=9.0)
    steps = [
        {"name": "Stamping", "cycle_time_s": 1, "classification": "value-adding", "job_id": served},
        {"name": "Coils before welding", "kind": "inventory", "inventory_units": 4_600,
         "classification": "waste", "waste_types": ["inventory"]},
        {"name": "Welding", "cycle_time_s": 39, "wait_time_s": 600, "classification": "unclassified"},
        {"name": "Assembly", "cycle_time_s": 20, "classification": "value-adding", "job_id": served,
         "waste_types": ["waiting"]},
        {"name": "Final check", "cycle_time_s": 10, "classification": "necessary", "job_id": served},
    ] + [{"name": f"Extra step {n}", "cycle_time_s": 5, "classification": "necessary", "job_id": served}
         for n in range(extra_steps)]
    stream = make.stream(by, owner_id=team.owner.id, customer_id=customer, job_id=head, steps=steps,
                         **STAMPING_STREAM)

    def weekly_kpi(name: str, values: list[float], last_day: date, outcome_id: int | None,
                   direction: str = "increase") -> int:
        kpi = make.kpi(by, name, direction=direction, unit="units", value_stream_id=stream.id,
                       outcome_ids=[outcome_id] if outcome_id else [])
        make.measurements(by, kpi, [(last_day - timedelta(weeks=n), value)
                                    for n, value in enumerate(reversed(values))])
        return kpi

    diverging = weekly_kpi("Welds per hour", [100, 106, 112, 118, 124, 130], on, outcome)
    orphan = weekly_kpi("Press utilisation", [70, 71, 70, 72], on, None)
    stale = weekly_kpi("Scrap rate", [5, 5, 4, 4], on - timedelta(days=80), outcome, direction="decrease")
    extra = [weekly_kpi(f"Extra KPI {n}", [10, 10, 10, 10], on, outcome) for n in range(extra_kpis)]
    actions = [{"title": "Move the coil store", "owner_id": team.owner.id, "due_on": on - timedelta(days=10),
                "stage": "do"},
               {"title": "Done long ago", "due_on": on - timedelta(days=30), "stage": "done"}]
    earlier = make.review(by, stream.id, on - timedelta(days=60), kind="gemba-walk", status="closed",
                          actions=actions)
    ids = stream.step_ids
    return ReviewLine(stream.id, ids, ids[2], ids[2], ids[3], head, gap, outcome, diverging, orphan, stale,
                      earlier.id, earlier.action_ids[0], extra)


def plan_review(api, stream_id: int, **fields: Any) -> dict:
    """Plan a review through the API and return its JSON."""
    response = api.post("/reviews", json={"value_stream_id": stream_id, "held_on": str(today()), **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- Customer First: the radar and the stop-doing list ----------------------------------------------------
# Intake (upstream) serves Assessment, an internal customer that is the Claim assessment stream.
# Intake's KPI 'claims closed per clerk day' rises 10 -> 11.8 in a straight line (+18 %, no noise);
# Assessment rates 'minimize rework on incoming claims' 6.2, then 4.8 (-1.4 points, no respondent
# counts); the hand-over step 'Check the claim file' of Claim assessment goes from 90 to 81 % C&A.
# The utilities' outcome 'maximize the detail of the written repair report' is rated importance 4.3,
# satisfaction 7.8 and served by 'Write the detailed repair report' (5,400 s) in Pump repair (6 a day,
# a 27,600-s day): 1 h 30 min per unit, 162,000 s = 5 d 7 h a week.


def ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def claims_and_pump_repair(api) -> dict:
    """Build the story through the JSON API (the C&A change is read from the step's history)."""
    utilities = api.post("/customers", json={"name": "Water utilities", "kind": "external"}).get_json()
    assessment = api.post("/customers", json={"name": "Assessment", "kind": "internal"}).get_json()
    claims = api.post("/value-streams", json={"name": "Claim assessment", "customer_id": utilities["id"],
                                              "daily_demand": 8, "available_seconds_per_day": 28800})
    claims = claims.get_json()
    check = api.post(f"/value-streams/{claims['id']}/steps", json={
        "name": "Check the claim file", "cycle_time_s": 900, "pct_complete_accurate": 90,
        "wait_time_s": 7200}).get_json()
    api.patch(f"/customers/{assessment['id']}", json={"value_stream_id": claims["id"]})
    intake = api.post("/value-streams", json={"name": "Intake", "customer_id": assessment["id"],
                                              "daily_demand": 20, "available_seconds_per_day": 28800})
    intake = intake.get_json()
    job = api.post("/jobs", json={"customer_id": assessment["id"], "statement": "Assess a claim"}).get_json()
    rework = api.post("/outcomes", json={"job_id": job["id"],
                                         "statement": "minimize rework on incoming claims"}).get_json()
    for days, satisfaction in ((120, 6.2), (10, 4.8)):
        api.post(f"/outcomes/{rework['id']}/ratings", json={"rated_on": ago(days), "importance": 8.0,
                                                            "satisfaction": satisfaction})
    kpi = api.post("/kpis", json={"name": "claims closed per clerk day", "unit": "claims",
                                  "direction": "increase", "value_stream_id": intake["id"],
                                  "outcome_ids": [rework["id"]]}).get_json()
    api.post(f"/kpis/{kpi['id']}/measurements", json={"measurements": [
        {"measured_on": ago(7 * (9 - week) + 2), "value": round(10 + 0.2 * week, 1)} for week in range(10)]})
    step = api.get(f"/steps/{check['id']}").get_json()
    api.patch(f"/steps/{check['id']}", json={"pct_complete_accurate": 81, "version": step["version"]})

    report_job = api.post("/jobs", json={"customer_id": utilities["id"],
                                         "statement": "Receive a written record of the repair"}).get_json()
    detail = api.post("/outcomes", json={"job_id": report_job["id"],
                                         "statement": "Maximize the detail of the written repair report",
                                         "direction": "maximize"}).get_json()
    api.post(f"/outcomes/{detail['id']}/ratings", json={"rated_on": ago(20), "importance": 4.3,
                                                        "satisfaction": 7.8})
    pump = api.post("/value-streams", json={"name": "Pump repair", "customer_id": utilities["id"],
                                            "daily_demand": 6, "available_seconds_per_day": 27600}).get_json()
    report = api.post(f"/value-streams/{pump['id']}/steps", json={
        "name": "Write the detailed repair report", "cycle_time_s": 5400, "job_id": report_job["id"],
        "classification": "waste", "waste_types": ["overprocessing"]}).get_json()
    return {"assessment": assessment, "claims": claims, "intake": intake, "check": check, "kpi": kpi,
            "rework": rework, "detail": detail, "pump": pump, "report": report, "utilities": utilities}


RADAR_SENTENCE = (
    "Intake improved 'claims closed per clerk day' +18 % while Assessment, its internal customer, rated "
    "'minimize rework on incoming claims' 1.4 points lower and received 81 % complete and accurate at "
    "'Check the claim file' (90 % at the window's start).")
STOP_SENTENCE = ("Write the detailed repair report: 1 h 30 min per unit (5 d 7 h a week of demand) serves an "
                 "outcome rated importance 4.3, satisfaction 7.8.")


# --- the quotes office: the measured-flow tests' small stream ---------------------------------------------


class QuotesOffice(NamedTuple):
    """An organization, its admin, and the Quotes stream with its step ids by name."""

    org: OrgRef
    admin: UserRef
    stream_id: int
    steps: dict[str, int]


def quotes_stream(make: Factory, by: UserRef) -> tuple[int, dict[str, int]]:
    """Map the Quotes stream (Receive, Approve, Ship) as ``by``; return its id and the step ids by name."""
    stream = make.stream(by, steps=SMALL_STEPS, **SMALL_STREAM)
    names = [step["name"] for step in SMALL_STEPS]
    return stream.id, dict(zip(names, stream.step_ids, strict=True))


def quotes_office(make: Factory) -> QuotesOffice:
    org = make.org()
    admin = make.user(org, "admin")
    return QuotesOffice(org, admin, *quotes_stream(make, admin))
