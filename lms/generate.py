"""Fill an organization with deterministic synthetic data of any size, in bulk.

Rows go in through bulk INSERT statements (one statement per table and batch), never one ORM
object per row, so the benchmark organization (200 streams × 40 steps, 1,000 KPIs × 260 weeks)
loads in seconds. The same seed and as-of date give the same organization.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from lms import audit
from lms.auth.services import hash_password
from lms.bulk import content_models, insert_rows, refresh_statistics
from lms.extensions import db
from lms.lean.metrics import WASTE_TYPES, StepFigures, StreamFigures, compute_metrics
from lms.models import (
    Action,
    Circumstance,
    Customer,
    Finding,
    Job,
    Kpi,
    KpiMeasurement,
    KpiOutcomeLink,
    Organization,
    Outcome,
    OutcomeRating,
    Review,
    Step,
    User,
    ValueStream,
    circumstance_required_jobs,
    circumstance_ruled_out_jobs,
)

VERBS = [
    "Assess",
    "Repair",
    "Approve",
    "Ship",
    "Diagnose",
    "Plan",
    "Invoice",
    "Order",
    "Test",
    "Schedule",
    "Inspect",
    "Calibrate",
    "Restore",
    "Quote",
    "Deliver",
    "Verify",
]
OBJECTS = [
    "a pump",
    "a purchase order",
    "a spare part",
    "a work order",
    "a customer claim",
    "a gearbox",
    "an invoice",
    "a field unit",
    "a service contract",
    "a compressor",
]
STEP_NAMES = [
    "Receive",
    "Inspect",
    "Diagnose",
    "Quote",
    "Approve",
    "Order parts",
    "Disassemble",
    "Clean",
    "Repair",
    "Reassemble",
    "Test",
    "Paint",
    "Pack",
    "Ship",
    "Invoice",
    "File",
]
KPI_NAMES = ["throughput", "first-time-right", "cost per unit", "on-time rate", "backlog"]
# The segments of the generated event logs' customers (lms.flow.synthetic_files.CUSTOMERS), with the share
# of respondents each gives a survey wave: ratings and events name the same groups.
SEGMENTS = (("enterprise", 0.5), ("mid-market", 0.3), ("small business", 0.2))
MEASURED_SEGMENT = "small business"  # the segment generated circumstances are measured from
OUTCOME_STEMS = [
    "Minimize the time it takes to",
    "Minimize the likelihood of errors when you",
    "Maximize the certainty that you can",
    "Minimize the cost to",
]


@dataclass(frozen=True)
class GenerationSize:
    """How much to make."""

    value_streams: int = 10
    steps: int = 12
    kpis: int = 30
    weeks: int = 52
    outcomes: int | None = None  # default: 10 per value stream
    reviews: int | None = None  # default: 2.5 per value stream
    seed: int = 1
    as_of: date | None = None
    cases: int = 0  # generated event-log cases per stream (half a year up to as_of)


@dataclass(frozen=True)
class GenerationReport:
    counts: dict[str, int]


Progress = Callable[[str, int], None]


class _Generator:
    def __init__(self, org: Organization, size: GenerationSize, progress: Progress) -> None:
        self.org, self.size, self.progress = org, size, progress
        self.rng = random.Random(size.seed)  # noqa: S311 - synthetic data, not secrets
        self.as_of = size.as_of or date.today()
        self.base = {"organization_id": org.id}
        self.counts: dict[str, int] = {}

    def _add(self, model: type, rows: list[dict], label: str, *, ids: bool = True) -> list[int]:
        new_ids = insert_rows(model, [{**self.base, **row} for row in rows],
                              lambda n: self.progress(label, n), ids=ids)
        self.counts[label] = self.counts.get(label, 0) + len(rows)
        return new_ids

    def people(self) -> list[int]:
        existing = list(db.session.scalars(select(User.id).where(User.organization_id == self.org.id)))
        password = hash_password(f"generated-{self.size.seed}-{self.org.slug}")
        rows = [
            {
                "email": f"gen{self.size.seed}-{role}{i}@{self.org.slug}.example",
                "name": f"{role.title()} {i}",
                "password_hash": password,
                "role": role,
            }
            for role, n in (("manager", 2), ("owner", 10), ("viewer", 4))
            for i in range(1, n + 1)
        ]
        taken = set(db.session.scalars(select(User.email).where(User.email.in_([r["email"] for r in rows]))))
        rows = [r for r in rows if r["email"] not in taken]
        return existing + self._add(User, rows, "users")

    def customers_and_jobs(self) -> tuple[list[int], dict[int, list[int]]]:
        n_customers = max(2, self.size.value_streams // 10)
        customers = self._add(
            Customer,
            [
                {
                    "name": f"{'Internal' if i % 2 else 'External'} customer {i + 1} (s{self.size.seed})",
                    "kind": "internal" if i % 2 else "external",
                    "description": "Synthetic customer for benchmarks and demos.",
                }
                for i in range(n_customers)
            ],
            "customers",
        )
        n_high = max(1, self.size.value_streams // 2)
        highs = self._add(
            Job,
            [
                {
                    "customer_id": customers[i % n_customers],
                    "statement": self._statement(),
                    "necessity": "required",
                    "dimension": "functional",
                }
                for i in range(n_high)
            ],
            "jobs",
        )
        related_rows, parents = [], []
        for i, high in enumerate(highs):
            for position in range(1, self.rng.randint(3, 6) + 1):
                necessity = self.rng.choices(["required", "optional", "interchangeable"], [6, 2, 2])[0]
                related_rows.append(
                    {
                        "customer_id": customers[i % n_customers],
                        "parent_id": high,
                        "statement": self._statement(),
                        "necessity": necessity,
                        "interchangeable_group": "alternatives" if necessity == "interchangeable" else None,
                        "coordination": self.rng.choice(["sequential", "concurrent", "co-executed"]),
                        "position": position,
                        "dimension": "functional",
                    }
                )
                parents.append(high)
        related = self._add(Job, related_rows, "jobs")
        self.necessity = {job: row["necessity"] for job, row in zip(related, related_rows, strict=True)}
        stacks: dict[int, list[int]] = {h: [] for h in highs}
        for job, parent in zip(related, parents, strict=True):
            stacks[parent].append(job)
        return customers, stacks

    def circumstances(self, stacks: dict[int, list[int]]) -> None:
        """Give stacks with optional or interchangeable jobs a circumstance that requires or rules one out.

        A random generator of its own, so the rest of the organization is the same with or without them.
        In every other stack the members needing more are the small businesses, their share measured
        from that segment's ratings (and events); elsewhere the share is entered.
        """
        rng = random.Random(self.size.seed + 18)  # noqa: S311 - synthetic data, not secrets
        rows, links = [], []
        for number, (high, related) in enumerate(stacks.items()):
            for necessity, name, kind in (("optional", "needing more", "requires"),
                                          ("interchangeable", "unable to use one option", "rules_out")):
                members = [j for j in related if self.necessity.get(j) == necessity]
                if members:
                    share = round(rng.uniform(0.05, 0.3), 2)
                    measured = kind == "requires" and number % 2 == 0
                    rows.append({"job_id": high, "name": name, "description": "Synthetic circumstance.",
                                 "share": None if measured else share,
                                 "segment": MEASURED_SEGMENT if measured else None})
                    links.append((kind, rng.choice(members)))
        ids = self._add(Circumstance, rows, "circumstances")
        for table, kind in ((circumstance_required_jobs, "requires"),
                            (circumstance_ruled_out_jobs, "rules_out")):
            pairs = [{"circumstance_id": cid, "job_id": job} for cid, (k, job) in zip(ids, links, strict=True)
                     if k == kind]
            if pairs:
                db.session.execute(table.insert(), pairs)

    def _statement(self) -> str:
        return f"{self.rng.choice(VERBS)} {self.rng.choice(OBJECTS)}"

    def outcomes(self, stacks: dict[int, list[int]]) -> list[int]:
        jobs = [j for high, related in stacks.items() for j in (high, *related)]
        total = self.size.outcomes if self.size.outcomes is not None else 10 * self.size.value_streams
        ids = self._add(
            Outcome,
            [
                {
                    "job_id": jobs[i % len(jobs)],
                    "statement": f"{self.rng.choice(OUTCOME_STEMS)} {self._statement().lower()}",
                    "direction": "minimize" if i % 3 else "maximize",
                }
                for i in range(total)
            ],
            "outcomes",
        )
        ratings = []
        # Segments draw from a generator of their own: the main one draws as without them.
        by_segment = random.Random(self.size.seed + 19)  # noqa: S311 - synthetic data, not secrets
        for outcome in ids:
            importance = self.rng.uniform(4, 9.8)
            satisfaction = self.rng.uniform(2, 9)
            offsets = _segment_offsets(by_segment) if by_segment.random() < 0.5 else None
            for wave in range(3):
                wave_row = {
                    "outcome_id": outcome,
                    "respondents": self.rng.randint(20, 300),
                    "rated_on": self.as_of - timedelta(days=90 * (2 - wave) + 5),
                    "importance": round(min(10, importance + self.rng.uniform(-0.4, 0.4)), 1),
                    "satisfaction": round(max(0, min(10, satisfaction + self.rng.uniform(-1, 1))), 1),
                    "source": "aggregate",
                    "segment": None,
                }
                ratings.extend(_split_by_segment(wave_row, offsets, by_segment) if offsets else [wave_row])
        self._add(OutcomeRating, ratings, "ratings", ids=False)
        return ids

    def streams(
        self, customers: list[int], stacks: dict[int, list[int]], people: list[int]
    ) -> tuple[list[int], dict[int, list[int]], dict[int, dict]]:
        highs = list(stacks)
        stream_rows = []
        for i in range(self.size.value_streams):
            high = highs[i % len(highs)]
            stream_rows.append(
                {
                    "name": f"Stream {i + 1}: {self._statement().lower()}",
                    "customer_id": customers[i % len(customers)],
                    "job_id": high,
                    "owner_id": self.rng.choice(people),
                    "state": "current",
                    "daily_demand": float(self.rng.randint(5, 400)),
                    "available_seconds_per_day": 27_600.0,
                    "last_walked_on": self.as_of - timedelta(days=self.rng.randint(0, 200)),
                }
            )
        stream_ids = self._add(ValueStream, stream_rows, "value streams")
        step_rows, figures = [], {}
        for stream, row in zip(stream_ids, stream_rows, strict=True):
            figures[stream] = []
            for position in range(1, self.size.steps + 1):
                step = self._step(row, stacks[row["job_id"]], position)
                step_rows.append({**step, "value_stream_id": stream})
        step_ids = self._add(Step, step_rows, "steps")
        steps_by_stream: dict[int, list[int]] = {s: [] for s in stream_ids}
        for step_id, row in zip(step_ids, step_rows, strict=True):
            steps_by_stream[row["value_stream_id"]].append(step_id)
            figures[row["value_stream_id"]].append(
                StepFigures(
                    id=step_id,
                    position=row["position"],
                    name=row["name"],
                    kind=row["kind"],
                    classification=row["classification"],
                    waste_types=tuple(row["waste_types"]),
                    cycle_time_s=row["cycle_time_s"],
                    pct_complete_accurate=row["pct_complete_accurate"],
                    wait_time_s=row["wait_time_s"],
                    inventory_units=row["inventory_units"],
                    job_id=row["job_id"],
                )
            )
        snapshots = {
            s: compute_metrics(
                StreamFigures(r["daily_demand"], r["available_seconds_per_day"], tuple(figures[s]))
            ).as_api_dict()
            for s, r in zip(stream_ids, stream_rows, strict=True)
        }
        return stream_ids, steps_by_stream, snapshots

    def _step(self, stream: dict, related: list[int], position: int) -> dict:
        inventory = position % 4 == 0
        job = self.rng.choice(related) if related and self.rng.random() < 0.8 else None
        classification = self.rng.choices(
            ["value-adding", "necessary", "waste", "unclassified"], [4, 3, 2, 1]
        )[0]
        if classification == "value-adding" and job is None:
            classification = "necessary"
        wastes = self.rng.sample(WASTE_TYPES, self.rng.randint(1, 2)) if classification == "waste" else []
        return {
            "position": position,
            "name": f"{self.rng.choice(STEP_NAMES)} {position}",
            "kind": "inventory" if inventory else "process",
            "job_id": job,
            "classification": "waste" if inventory and classification != "unclassified" else classification,
            "waste_types": ["inventory"] if inventory and classification != "unclassified" else wastes,
            "cycle_time_s": None if inventory else float(self.rng.randint(5, 600)),
            "changeover_s": None if inventory else float(self.rng.choice([0, 60, 600, 1800])),
            "uptime_pct": None if inventory else float(self.rng.randint(80, 100)),
            "operators": None if inventory else self.rng.randint(1, 3),
            "pct_complete_accurate": None if inventory else float(self.rng.randint(70, 100)),
            "wait_time_s": float(self.rng.randint(0, 7200)),
            "inventory_units": float(self.rng.randint(10, 900)) if inventory else None,
            "owner_id": stream["owner_id"],
            "rationale": "",
        }

    def kpis(
        self, outcomes: list[int], streams: list[int], steps: dict[int, list[int]], people: list[int]
    ) -> list[int]:
        rows, plans = [], []
        for i in range(self.size.kpis):
            stream = streams[i % len(streams)]
            direction = "increase" if i % 2 else "decrease"
            rows.append(
                {
                    "name": f"KPI {i + 1}: {self.rng.choice(KPI_NAMES)}",
                    "unit": self.rng.choice(["units/day", "%", "EUR", "h"]),
                    "direction": direction,
                    "target": float(self.rng.randint(50, 150)),
                    "value_stream_id": stream,
                    "step_id": self.rng.choice(steps[stream]) if self.rng.random() < 0.5 else None,
                    "owner_id": self.rng.choice(people),
                    "description": "",
                }
            )
            plans.append(self.rng.uniform(-0.004, 0.004))
        ids = self._add(Kpi, rows, "KPIs")
        links = []
        for i, kpi in enumerate(ids):
            if i % 10 == 0 or not outcomes:
                continue  # one KPI in ten is an orphan, as in real organizations
            for outcome in self.rng.sample(outcomes, min(len(outcomes), self.rng.randint(1, 2))):
                links.append({"kpi_id": kpi, "outcome_id": outcome, "rationale": "Synthetic link."})
        self._add(KpiOutcomeLink, links, "KPI links", ids=False)
        measurements = []
        start = self.as_of - timedelta(weeks=self.size.weeks - 1)
        for kpi, slope in zip(ids, plans, strict=True):
            level = self.rng.uniform(50, 150)
            for week in range(self.size.weeks):
                value = level * (1 + slope * week) + self.rng.gauss(0, level * 0.02)
                measurements.append(
                    {
                        "kpi_id": kpi,
                        "measured_on": start + timedelta(weeks=week),
                        "value": round(value, 3),
                        "note": "",
                    }
                )
        self._add(KpiMeasurement, measurements, "measurements", ids=False)
        return ids

    def reviews(
        self,
        streams: list[int],
        steps: dict[int, list[int]],
        snapshots: dict[int, dict],
        kpis: list[int],
        people: list[int],
    ) -> None:
        total = self.size.reviews if self.size.reviews is not None else int(2.5 * len(streams))
        rows = []
        for i in range(total):
            stream = streams[i % len(streams)]
            status = self.rng.choices(["closed", "open", "planned"], [5, 2, 1])[0]
            held = self.as_of - timedelta(days=self.rng.randint(0, 360) if status != "planned" else -14)
            rows.append(
                {
                    "value_stream_id": stream,
                    "kind": self.rng.choice(["kaizen-event", "periodic-review", "gemba-walk"]),
                    "held_on": held,
                    "facilitator_id": self.rng.choice(people),
                    "status": status,
                    "notes": "",
                    "snapshot_open": snapshots[stream] if status != "planned" else None,
                    "snapshot_close": snapshots[stream] if status == "closed" else None,
                }
            )
        review_ids = self._add(Review, rows, "reviews")
        findings, actions = [], []
        for review, row in zip(review_ids, rows, strict=True):
            stream_steps = steps[row["value_stream_id"]]
            for _ in range(self.rng.randint(1, 3)):
                findings.append(
                    {
                        "review_id": review,
                        "text": f"Observed {self.rng.choice(WASTE_TYPES)} at the step.",
                        "step_id": self.rng.choice(stream_steps),
                        "waste_type": self.rng.choice(WASTE_TYPES),
                    }
                )
            for n in range(self.rng.randint(2, 4)):
                actions.append(
                    {
                        "review_id": review,
                        "title": f"Countermeasure {n + 1}",
                        "step_id": self.rng.choice(stream_steps),
                        "kpi_id": self.rng.choice(kpis) if kpis else None,
                        "owner_id": self.rng.choice(people),
                        "due_on": row["held_on"] + timedelta(days=self.rng.randint(7, 60)),
                        "stage": self.rng.choice(["plan", "do", "check", "act", "done"]),
                        "expected_effect": "Shorter lead time.",
                        "observed_result": "",
                    }
                )
        self._add(Finding, findings, "findings", ids=False)
        self._add(Action, actions, "actions", ids=False)


def _segment_offsets(rng: random.Random) -> dict[str, tuple[float, float]]:
    """Draw how far each segment's importance and satisfaction of an outcome lie from the wave's.

    Now and then small businesses are underserved where the others are not: more important to
    them, far less satisfied (the segment call-outs have something to find).
    """
    offsets = {name: (rng.uniform(-0.5, 0.5), rng.uniform(-0.8, 0.8)) for name, _ in SEGMENTS}
    if rng.random() < 0.25:
        offsets[MEASURED_SEGMENT] = (rng.uniform(0.8, 1.5), rng.uniform(-4.0, -2.5))
    return offsets


def _split_by_segment(wave: dict, offsets: dict[str, tuple[float, float]], rng: random.Random) -> list[dict]:
    """Split one survey wave into a rating per segment: its share of the respondents, its own figures."""
    rows = []
    for name, weight in SEGMENTS:
        importance, satisfaction = offsets[name]
        rows.append({**wave, "segment": name,
                     "respondents": max(5, round(wave["respondents"] * weight * rng.uniform(0.8, 1.2))),
                     "importance": round(max(0, min(10, wave["importance"] + importance)), 1),
                     "satisfaction": round(max(0, min(10, wave["satisfaction"] + satisfaction)), 1)})
    return rows


def _event_logs(gen: _Generator, streams: list[int]) -> None:
    """Give each stream a generated event log of ``size.cases`` cases (see lms.flow.synthetic_files)."""
    from lms.flow.synthetic_files import generate_log

    if gen.size.cases <= 0:
        return
    for number, stream_id in enumerate(streams):
        stream = db.session.get(ValueStream, stream_id)
        added = generate_log(stream, gen.size.cases, gen.as_of, seed=gen.size.seed + number).added
        gen.counts["events"] = gen.counts.get("events", 0) + added
        gen.progress("events", added)


def generate(org: Organization, size: GenerationSize, progress: Progress | None = None) -> GenerationReport:
    """Fill ``org`` with synthetic data of ``size`` and commit it in one transaction."""
    gen = _Generator(org, size, progress or (lambda _label, _n: None))
    people = gen.people()
    customers, stacks = gen.customers_and_jobs()
    gen.circumstances(stacks)
    outcomes = gen.outcomes(stacks)
    streams, steps, snapshots = gen.streams(customers, stacks, people)
    kpis = gen.kpis(outcomes, streams, steps, people)
    gen.reviews(streams, steps, snapshots, kpis, people)
    _event_logs(gen, streams)
    audit.record(
        "generate",
        org,
        summary=f"Synthetic data generated (seed {size.seed}): {describe(gen.counts)}",
        after={"counts": gen.counts},
    )
    db.session.commit()
    refresh_statistics(*content_models())
    return GenerationReport(gen.counts)


def expected_rows(size: GenerationSize) -> int:
    """Estimate how many rows a generation writes, for the progress bar."""
    streams = size.value_streams
    outcomes = size.outcomes if size.outcomes is not None else 10 * streams
    reviews = size.reviews if size.reviews is not None else int(2.5 * streams)
    events = streams * size.cases * size.steps * 2
    return (streams * size.steps + size.kpis * (size.weeks + 2) + outcomes * 7 + reviews * 6 + streams * 3
            + 20 + events)


def describe(counts: dict[str, Any]) -> str:
    """Say what was made, in one line."""
    return ", ".join(f"{n:,} {label}" for label, n in counts.items())
