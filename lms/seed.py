"""Load the demo organization from the readable files in ``seed_data/``.

``organization.yaml`` names the organization and its people; the other files hold its
content in the sections of an export document (``lms export``), linked by refs. The loader
merges them into one document, resolves relative dates ("today-14d", "today-26w",
"today-10w 08:00") against today, expands compact weekly measurement series, computes the
reviews' metrics snapshots, checks the whole document and only then creates the organization
and imports the document into it, all or nothing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from lms import tenancy
from lms.admin.services import create_organization, organization_by_slug
from lms.auth.services import create_user
from lms.config import ROOT
from lms.errors import ValidationFailed
from lms.lean.durations import metrics_in_days, working_day
from lms.lean.metrics import StepFigures, StreamFigures, compute_metrics
from lms.transfer.export_queries import SCHEMA_VERSION
from lms.transfer.import_files import SECTIONS, read_document
from lms.transfer.import_services import import_document

SEED_DIR = ROOT / "seed_data"
DEMO_PASSWORD = "lean-demo-2026"  # noqa: S105 - the published password of the demo accounts
CONTENT_FILES = ("customers.yaml", "value_streams.yaml", "kpis.yaml", "reviews.yaml")

_RELATIVE_DATE = re.compile(
    r"^today(?:\s*(?P<sign>[+-])\s*(?P<count>\d+)\s*(?P<unit>[dw]))?(?:[ T](?P<time>\d{1,2}:\d{2}))?$"
)
_STEP_FIGURES = (
    "kind", "classification", "waste_types", "cycle_time_s", "changeover_s", "uptime_pct",
    "operators", "pct_complete_accurate", "wait_time_s", "inventory_units",
)


@dataclass(frozen=True)
class SeedResult:
    slug: str
    created: bool
    emails: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


# Dates ---------------------------------------------------------------------------------


def resolve_date(text: str, today: date) -> str | None:
    """Return the ISO date (or date-time) meant by "today", "today-14d", "today+3w 08:00"; else None."""
    match = _RELATIVE_DATE.match(text.strip())
    if match is None:
        return None
    day = today
    if match["count"]:
        days = int(match["count"]) * (7 if match["unit"] == "w" else 1)
        day = today + timedelta(days=days if match["sign"] == "+" else -days)
    if match["time"]:
        hours, minutes = (int(part) for part in match["time"].split(":"))
        return f"{day.isoformat()}T{hours:02d}:{minutes:02d}:00"
    return day.isoformat()


def resolve_dates(value: Any, today: date) -> Any:
    """Replace every relative date in a loaded YAML tree by its ISO form; leave the rest as is."""
    if isinstance(value, dict):
        return {key: resolve_dates(item, today) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_dates(item, today) for item in value]
    if isinstance(value, str):
        resolved = resolve_date(value, today)
        return value if resolved is None else resolved
    if isinstance(value, date):  # YAML reads an unquoted 2026-03-01 as a date
        return value.isoformat()
    return value


# Measurement series ----------------------------------------------------------------------


def expand_series(spec: dict, today: date) -> list[dict]:
    """Return weekly measurements generated from a compact spec, the same for the same spec.

    The spec: ``start`` (oldest value), ``weeks`` + ``weekly_change_pct`` or ``phases`` (a list
    of such stretches), ``last`` (ISO date of the newest value, default today), ``noise_pct``
    and ``seed`` (each value off its trend by up to that share), ``decimals`` (default 1) and
    ``notes`` (by place in the series, 0 = oldest).
    """
    phases = spec.get("phases") or [
        {"weeks": spec["weeks"], "weekly_change_pct": spec.get("weekly_change_pct", 0)}
    ]
    changes = [float(p.get("weekly_change_pct", 0)) for p in phases for _ in range(int(p["weeks"]))]
    last = date.fromisoformat(str(spec.get("last") or today.isoformat()))
    rng = random.Random(spec.get("seed", 0))  # noqa: S311 - reproducible demo noise, not a secret
    noise = float(spec.get("noise_pct", 0)) / 100
    decimals = int(spec.get("decimals", 1))
    notes = {int(k): str(v) for k, v in (spec.get("notes") or {}).items()}
    trend = float(spec["start"])
    rows = []
    for index, change in enumerate(changes):
        if index:
            trend *= 1 + change / 100
        value = round(trend * (1 + rng.uniform(-noise, noise)), decimals)
        measured_on = last - timedelta(weeks=len(changes) - 1 - index)
        rows.append({"measured_on": measured_on.isoformat(), "value": value, "note": notes.get(index, "")})
    return rows


# Snapshots ---------------------------------------------------------------------------------


def computed_snapshot(stream: dict, changes: dict) -> dict:
    """Return a review's metrics object for ``stream`` (document form) with some step figures changed.

    Computed with lms.lean.metrics as the app takes a snapshot when a review opens or closes;
    step ids in it are the document's step refs, which the importer turns into ids.
    """
    changes = {int(ref): figures for ref, figures in (changes or {}).items()}
    steps = []
    for raw in stream.get("steps") or []:
        values = {name: raw[name] for name in _STEP_FIGURES if raw.get(name) is not None}
        values["waste_types"] = tuple(values.get("waste_types", ()))
        step = StepFigures(id=raw["ref"], position=raw["position"], name=raw["name"], job_id=raw.get("job"),
                           **values)
        steps.append(replace(step, **changes.get(raw["ref"], {})))
    metrics = compute_metrics(
        StreamFigures(stream.get("daily_demand"), stream.get("available_seconds_per_day"), tuple(steps))
    )
    snapshot = metrics.as_api_dict()
    snapshot |= metrics_in_days(snapshot, working_day(stream.get("available_seconds_per_day")))
    by_ref = {step.id: step for step in steps}
    snapshot["step_timeline"] = [
        {"position": t.position, "name": t.name, "kind": by_ref[t.step_id].kind,
         "classification": by_ref[t.step_id].classification, "processing_s": t.processing_s,
         "waiting_s": t.waiting_s, "over_takt": t.over_takt}
        for t in metrics.step_timings
    ]
    return snapshot


# The document ------------------------------------------------------------------------------


def _fill_defaults(doc: dict, today: date) -> None:
    """Fill what the files leave out: step owners, who tagged a step, who entered a value."""
    streams = {s["ref"]: s for s in doc.get("value_streams", [])}
    for stream in streams.values():
        owner = stream.get("owner")
        for step in stream.get("steps") or []:
            step.setdefault("owner", owner)
            if step.get("classification", "unclassified") != "unclassified":
                step.setdefault("classified_by", stream.get("last_walked_by") or owner)
                step.setdefault("classified_at", stream.get("last_walked_on") or today.isoformat())
    for kpi in doc.get("kpis", []):
        series = kpi.pop("series", None)
        if series is not None:
            kpi["measurements"] = [*kpi.get("measurements", []), *expand_series(series, today)]
        for measurement in kpi.get("measurements", []):
            measurement.setdefault("entered_by", kpi.get("owner"))
    for review in doc.get("reviews", []):
        stream = streams.get(review.get("value_stream"), {})
        for key in ("snapshot_open", "snapshot_close"):
            spec = review.get(key)
            if isinstance(spec, dict) and set(spec) == {"computed_from_steps"}:
                review[key] = computed_snapshot(stream, spec["computed_from_steps"])
        for finding in review.get("findings", []):
            finding.setdefault("created_by", review.get("facilitator"))


def build_document(seed_dir: Path = SEED_DIR, today: date | None = None) -> dict:
    """Merge the content files into one export document with dates resolved against ``today``."""
    today = today or date.today()
    org = _read(seed_dir / "organization.yaml")["organization"]
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "organization": {key: org[key] for key in ("name", "slug", "settings") if key in org},
    }
    for name in CONTENT_FILES:
        path = seed_dir / name
        if not path.exists():
            continue
        part = resolve_dates(_read(path), today)
        for section, records in part.items():
            if section not in SECTIONS:
                raise ValueError(f"{name}: unknown section '{section}'; use {', '.join(SECTIONS)}.")
            doc.setdefault(section, []).extend(records or [])
    _fill_defaults(doc, today)
    return doc


def _check(doc: dict, emails: list[str]) -> None:
    """Check the document as the import will, before anything is written; name every problem."""
    _, reader = read_document(doc, {email.lower(): n for n, email in enumerate(emails, start=1)})
    if reader.missing_people:
        missing = ", ".join(sorted(reader.missing_people))
        raise ValidationFailed({"people": f"Not in organization.yaml: {missing}"})


def seed_demo(seed_dir: Path = SEED_DIR, today: date | None = None) -> SeedResult:
    """Create the demo organization, its people and its content unless it already exists."""
    document = _read(seed_dir / "organization.yaml")
    org_doc = document["organization"]
    emails = [u["email"] for u in document.get("users", [])]
    existing = organization_by_slug(org_doc["slug"])
    if existing is not None:
        return SeedResult(existing.slug, False, emails)
    content = build_document(seed_dir, today)
    _check(content, emails)
    organization = create_organization(org_doc["name"], org_doc["slug"])
    for person in document.get("users", []):
        create_user(organization, email=person["email"], password=DEMO_PASSWORD,
                    role=person["role"], name=person.get("name", ""))
    tenancy.scope_to(organization.id)
    result = import_document(organization, content)
    events = seed_event_logs(today or date.today())
    return SeedResult(organization.slug, True, emails, {**result.counts, "events": events})


# Generated event logs: every current-state stream gets half a year of cases, so the measured flow
# shows real charts on a first run. The pump repair names the outcome its customers judge it by.
DEMO_CUSTOMERS = (("North Water Utility", "Utility engineers"), ("Lakeside Water", "Utility engineers"),
                  ("Hill County Water", "Municipal works"), ("Riverside Town Works", "Municipal works"))
TIME_OUTCOMES = {"Pump repair": "Minimize the time it takes to get a working pump back"}


def seed_event_logs(today: date) -> int:
    """Generate the demo streams' event logs (deterministic); return how many events were added."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.flow.synthetic_files import generate_log
    from lms.models import FlowProfile, Outcome, ValueStream

    added = 0
    current = select(ValueStream).where(ValueStream.state == "current").order_by(ValueStream.id)
    streams = list(db.session.scalars(current))
    for number, stream in enumerate(streams, start=1):
        cases = int(min(max((stream.daily_demand or 1) * 5 * 26, 120), 700))
        added += generate_log(stream, cases, today, seed=number, customers=DEMO_CUSTOMERS).added
        statement = TIME_OUTCOMES.get(stream.name)
        outcome = db.session.scalar(select(Outcome.id).where(Outcome.statement == statement).limit(1)) \
            if statement else None
        if outcome is not None:
            db.session.add(FlowProfile(value_stream_id=stream.id, organization_id=stream.organization_id,
                                       outcome_id=outcome))
    db.session.commit()
    return added
