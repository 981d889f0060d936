"""Import an exported document into an empty organization: all or nothing.

Every record is checked by the same schema that checks it in the API and the forms (one
validation per concept); references are checked across the document; only when nothing is
wrong is anything written, in bulk, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import func, select

from lms.admin.services import DRIFT_SETTINGS
from lms.customers.schemas import CustomerIn, JobIn, OutcomeIn, RatingIn
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.kpis.schemas import KpiIn, MeasurementIn
from lms.lean.jobs import would_create_cycle
from lms.lean.metrics import WASTE_TYPES
from lms.lean.waste import classification_errors
from lms.models import (
    ACTION_STAGES,
    REVIEW_KINDS,
    REVIEW_STATUSES,
    Customer,
    Kpi,
    ValueStream,
)
from lms.schema_types import Checked
from lms.streams.schemas import StepIn, ValueStreamIn
from lms.transfer.circumstance_import import check_circumstances, read_circumstances
from lms.transfer.document import SCHEMA_VERSION, SETTINGS
from lms.validation import fields_from_validation

MAX_ERRORS = 200
MAX_RECORDED_NAMES = 1_000
SECTIONS = ("customers", "jobs", "circumstances", "outcomes", "value_streams", "kpis", "reviews")
TOP_LEVEL = {"schema_version", "exported_at", "organization", *SECTIONS}


class _ReviewRecord(Checked):
    model_config = {"extra": "forbid"}
    kind: str = Field(json_schema_extra={"enum": list(REVIEW_KINDS)})
    held_on: date
    status: str
    notes: str = Field(default="", max_length=20_000)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in REVIEW_KINDS:
            raise ValueError(f"Use one of: {', '.join(REVIEW_KINDS)}.")
        return value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in REVIEW_STATUSES:
            raise ValueError(f"Use one of: {', '.join(REVIEW_STATUSES)}.")
        return value


class _FindingRecord(Checked):
    model_config = {"extra": "forbid"}
    text: str = Field(min_length=1, max_length=20_000)
    waste_type: str | None = None


class _ActionRecord(Checked):
    model_config = {"extra": "forbid"}
    title: str = Field(min_length=1, max_length=300)
    due_on: date | None = None
    stage: str = "plan"
    expected_effect: str = Field(default="", max_length=20_000)
    observed_result: str = Field(default="", max_length=20_000)


@dataclass
class ImportResult:
    """What an import made, and which references to people it had to leave empty."""

    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class _Problems:
    """Collect what is wrong, by the path of the field in the document."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        if len(self.fields) < MAX_ERRORS:
            self.fields.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields, "The document has errors; nothing was imported.")


def _as_list(problems: _Problems, value: Any, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(path, "Expected a list.")
        return []
    return value


class _Reader:
    """Check one document record by record, remembering refs and people."""

    def __init__(self, emails: dict[str, int]) -> None:
        self.problems = _Problems()
        self.emails = emails
        self.missing_people: set[str] = set()
        self.refs: dict[str, set[int]] = {
            k: set() for k in ("customer", "job", "outcome", "stream", "step", "kpi")
        }

    def record(self, value: Any, path: str, allowed: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.problems.add(path, "Expected an object.")
            return None
        for key in sorted(set(value) - allowed):
            self.problems.add(f"{path}.{key}", "Unknown field.")
        return value

    def ref(self, kind: str, record: dict, path: str) -> int | None:
        ref = record.get("ref")
        if not isinstance(ref, int) or isinstance(ref, bool) or ref < 1:
            self.problems.add(f"{path}.ref", "Give each record a positive whole-number ref.")
            return None
        if ref in self.refs[kind]:
            self.problems.add(f"{path}.ref", f"The {kind} ref {ref} is used twice.")
        self.refs[kind].add(ref)
        return ref

    def schema(self, schema: type[BaseModel], values: dict, path: str, rename: dict[str, str]) -> Any:
        try:
            return schema.model_validate(values)
        except (ValidationError, ValueError) as exc:
            fields = fields_from_validation(exc) if isinstance(exc, ValidationError) else {"": [str(exc)]}
            for name, messages in fields.items():
                head, _, rest = name.partition(".")
                key = rename.get(head, head)
                for message in messages:
                    self.problems.add(".".join(p for p in (path, key, rest) if p), message)
            return None

    def person(self, email: Any, path: str) -> int | None:
        if email in (None, ""):
            return None
        if not isinstance(email, str):
            self.problems.add(path, "Expected an email address or null.")
            return None
        user_id = self.emails.get(email.strip().lower())
        if user_id is None:
            self.missing_people.add(email)
        return user_id

    def recorded_names(self, record: dict, path: str) -> dict | None:
        """Return a closed review's recorded names (optional: older documents have none), if well formed."""
        names = record.get("recorded_names")
        if names is None:
            return None
        if not isinstance(names, dict) or len(names) > MAX_RECORDED_NAMES or not all(
            isinstance(key, str) and len(key) <= 100 and _a_name(value) for key, value in names.items()
        ):
            self.problems.add(f"{path}.recorded_names", "Expected null or an object of names: each a text, "
                                                        "null or a list of texts.")
            return None
        return names

    def points_to(self, kind: str, ref: Any, path: str) -> None:
        if ref is None:
            return
        if not isinstance(ref, int) or isinstance(ref, bool):
            self.problems.add(path, f"Expected the whole-number ref of a {kind}, or null.")
        elif ref not in self.refs[kind]:
            self.problems.add(path, f"No {kind} with ref {ref} in this document.")


def _a_name(value: Any) -> bool:
    """Tell whether a recorded name is a text, null or a list of texts (a review's participants)."""
    if isinstance(value, list):
        return len(value) <= MAX_RECORDED_NAMES and all(_a_name(item) and item is not None for item in value)
    return value is None or (isinstance(value, str) and len(value) <= 20_000)


def _datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return datetime.fromisoformat(str(value).removesuffix("Z"))


def ensure_empty() -> None:
    for model, what in ((ValueStream, "value streams"), (Customer, "customers"), (Kpi, "KPIs")):
        if db.session.scalar(select(func.count(model.id))):
            raise ValidationFailed(
                {
                    "organization": f"The organization already has {what}; "
                    "import only into an organization without content."
                }
            )


class _Plan:
    """The checked document, ready to be written."""

    def __init__(self) -> None:
        self.customers: list[tuple[dict, dict]] = []
        self.jobs: list[tuple[dict, dict]] = []
        self.circumstances: list[tuple[dict, Any]] = []
        self.outcomes: list[tuple[dict, dict]] = []
        self.streams: list[tuple[dict, dict]] = []
        self.kpis: list[tuple[dict, dict]] = []
        self.reviews: list[tuple[dict, dict]] = []


def _read_customers_jobs_outcomes(doc: dict, r: _Reader, plan: _Plan) -> None:
    for i, raw in enumerate(_as_list(r.problems, doc.get("customers"), "customers")):
        path = f"customers.{i}"
        rec = r.record(raw, path, {"ref", "name", "kind", "description", "value_stream"})
        if rec and r.ref("customer", rec, path):
            parsed = r.schema(
                CustomerIn,
                {k: rec.get(k) for k in ("name", "kind", "description") if k in rec}
                | {"value_stream_id": rec.get("value_stream")},
                path,
                {"value_stream_id": "value_stream"},
            )
            plan.customers.append((rec, {"model": parsed}))
    names = [rec["name"] for rec, _ in plan.customers if isinstance(rec.get("name"), str)]
    for name in {n for n in names if names.count(n) > 1}:
        r.problems.add("customers", f"The customer name '{name}' is used twice.")
    for i, raw in enumerate(_as_list(r.problems, doc.get("jobs"), "jobs")):
        path = f"jobs.{i}"
        keys = {
            "ref",
            "customer",
            "parent",
            "statement",
            "necessity",
            "interchangeable_group",
            "coordination",
            "position",
            "dimension",
            "circumstance",
        }
        rec = r.record(raw, path, keys)
        if rec and r.ref("job", rec, path):
            values = {k: rec[k] for k in keys - {"ref", "customer", "parent"} if k in rec}
            parsed = r.schema(
                JobIn,
                values | {"customer_id": rec.get("customer"), "parent_id": rec.get("parent")},
                path,
                {"customer_id": "customer", "parent_id": "parent"},
            )
            plan.jobs.append((rec, {"model": parsed}))
    for i, raw in enumerate(_as_list(r.problems, doc.get("outcomes"), "outcomes")):
        path = f"outcomes.{i}"
        rec = r.record(raw, path, {"ref", "job", "statement", "direction", "ratings"})
        if rec and r.ref("outcome", rec, path):
            parsed = r.schema(
                OutcomeIn,
                {k: rec[k] for k in ("statement", "direction") if k in rec} | {"job_id": rec.get("job")},
                path,
                {"job_id": "job"},
            )
            ratings = []
            for j, rating in enumerate(_as_list(r.problems, rec.get("ratings"), f"{path}.ratings")):
                rpath = f"{path}.ratings.{j}"
                rating = r.record(
                    rating,
                    rpath,
                    {
                        "rated_on",
                        "importance",
                        "satisfaction",
                        "respondents",
                        "segment",
                        "source",
                        "created_by",
                    },
                )
                if rating:
                    checked = r.schema(
                        RatingIn,
                        {
                            k: rating.get(k)
                            for k in ("rated_on", "importance", "satisfaction", "respondents", "segment")
                        },
                        rpath,
                        {},
                    )
                    by = r.person(rating.get("created_by"), f"{rpath}.created_by")
                    if rating.get("source", "aggregate") not in ("aggregate", "responses"):
                        r.problems.add(f"{rpath}.source", "Use aggregate or responses.")
                    ratings.append((rating, checked, by))
            plan.outcomes.append((rec, {"model": parsed, "ratings": ratings}))


def _read_streams(doc: dict, r: _Reader, plan: _Plan) -> None:
    stream_keys = {
        "ref",
        "name",
        "description",
        "customer",
        "job",
        "owner",
        "daily_demand",
        "available_seconds_per_day",
        "state",
        "derived_from",
        "last_walked_on",
        "last_walked_by",
        "steps",
    }
    step_keys = {
        "ref",
        "position",
        "name",
        "kind",
        "job",
        "classification",
        "waste_types",
        "cycle_time_s",
        "changeover_s",
        "uptime_pct",
        "operators",
        "pct_complete_accurate",
        "wait_time_s",
        "inventory_units",
        "owner",
        "rationale",
        "classified_by",
        "classified_at",
    }
    for i, raw in enumerate(_as_list(r.problems, doc.get("value_streams"), "value_streams")):
        path = f"value_streams.{i}"
        rec = r.record(raw, path, stream_keys)
        if not rec or not r.ref("stream", rec, path):
            continue
        values = {
            k: rec[k]
            for k in (
                "name",
                "description",
                "daily_demand",
                "available_seconds_per_day",
                "state",
                "last_walked_on",
            )
            if k in rec
        }
        parsed = r.schema(
            ValueStreamIn,
            values
            | {
                "customer_id": rec.get("customer"),
                "job_id": rec.get("job"),
                "derived_from_id": rec.get("derived_from"),
            },
            path,
            {"customer_id": "customer", "job_id": "job", "derived_from_id": "derived_from"},
        )
        people = {
            "owner_id": r.person(rec.get("owner"), f"{path}.owner"),
            "last_walked_by_id": r.person(rec.get("last_walked_by"), f"{path}.last_walked_by"),
        }
        positions, steps = [], []
        for j, raw_step in enumerate(_as_list(r.problems, rec.get("steps"), f"{path}.steps")):
            spath = f"{path}.steps.{j}"
            step = r.record(raw_step, spath, step_keys)
            if not step or not r.ref("step", step, spath):
                continue
            values = {
                k: step[k]
                for k in step_keys - {"ref", "job", "owner", "classified_by", "classified_at"}
                if k in step
            }
            checked = r.schema(StepIn, values | {"job_id": step.get("job")}, spath, {"job_id": "job"})
            if checked is not None:
                for name, message in classification_errors(
                    classification=checked.classification,
                    job_id=checked.job_id,
                    waste_types=checked.waste_types,
                ).items():
                    r.problems.add(f"{spath}.{'job' if name == 'job_id' else name}", message)
                positions.append(checked.position)
            classified_at = None
            try:
                classified_at = _datetime(step.get("classified_at"))
            except ValueError:
                r.problems.add(f"{spath}.classified_at", "Expected an ISO date and time.")
            steps.append(
                (
                    step,
                    checked,
                    {
                        "owner_id": r.person(step.get("owner"), f"{spath}.owner"),
                        "classified_by_id": r.person(step.get("classified_by"), f"{spath}.classified_by"),
                        "classified_at": classified_at,
                    },
                )
            )
        if None in positions or sorted(positions) != list(range(1, len(positions) + 1)):
            r.problems.add(f"{path}.steps", "Number the steps' positions 1, 2, 3, … without gaps.")
        plan.streams.append((rec, {"model": parsed, "people": people, "steps": steps}))


def _read_kpis(doc: dict, r: _Reader, plan: _Plan) -> None:
    keys = {
        "ref",
        "name",
        "unit",
        "direction",
        "target",
        "description",
        "value_stream",
        "step",
        "owner",
        "outcome_links",
        "measurements",
    }
    for i, raw in enumerate(_as_list(r.problems, doc.get("kpis"), "kpis")):
        path = f"kpis.{i}"
        rec = r.record(raw, path, keys)
        if not rec or not r.ref("kpi", rec, path):
            continue
        links = []
        for j, link in enumerate(_as_list(r.problems, rec.get("outcome_links"), f"{path}.outcome_links")):
            link = r.record(link, f"{path}.outcome_links.{j}", {"outcome", "rationale"})
            if link:
                links.append({"outcome_id": link.get("outcome"), "rationale": link.get("rationale", "")})
        parsed = r.schema(
            KpiIn,
            {k: rec[k] for k in ("name", "unit", "direction", "target", "description") if k in rec}
            | {
                "value_stream_id": rec.get("value_stream"),
                "step_id": rec.get("step"),
                "outcome_links": links,
            },
            path,
            {"value_stream_id": "value_stream", "step_id": "step"},
        )
        owner = r.person(rec.get("owner"), f"{path}.owner")
        seen: set = set()
        measurements = []
        for j, m in enumerate(_as_list(r.problems, rec.get("measurements"), f"{path}.measurements")):
            mpath = f"{path}.measurements.{j}"
            m = r.record(m, mpath, {"measured_on", "value", "note", "entered_by"})
            if m:
                checked = r.schema(
                    MeasurementIn, {k: m[k] for k in ("measured_on", "value", "note") if k in m}, mpath, {}
                )
                if checked is not None and checked.measured_on in seen:
                    r.problems.add(f"{mpath}.measured_on", "A second measurement for the same date.")
                if checked is not None:
                    seen.add(checked.measured_on)
                measurements.append((checked, r.person(m.get("entered_by"), f"{mpath}.entered_by")))
        plan.kpis.append(
            (rec, {"model": parsed, "owner_id": owner, "links": links, "measurements": measurements})
        )


def _read_reviews(doc: dict, r: _Reader, plan: _Plan) -> None:
    keys = {
        "value_stream",
        "kind",
        "held_on",
        "facilitator",
        "status",
        "notes",
        "opened_at",
        "closed_at",
        "participants",
        "snapshot_open",
        "snapshot_close",
        "recorded_names",
        "findings",
        "actions",
    }
    for i, raw in enumerate(_as_list(r.problems, doc.get("reviews"), "reviews")):
        path = f"reviews.{i}"
        rec = r.record(raw, path, keys)
        if not rec:
            continue
        parsed = r.schema(
            _ReviewRecord, {k: rec[k] for k in ("kind", "held_on", "status", "notes") if k in rec}, path, {}
        )
        extra = {
            "facilitator_id": r.person(rec.get("facilitator"), f"{path}.facilitator"),
            "findings": [],
            "actions": [],
            "participants": [],
            "recorded_names": r.recorded_names(rec, path),
        }
        for key in ("opened_at", "closed_at"):
            try:
                extra[key] = _datetime(rec.get(key))
            except ValueError:
                r.problems.add(f"{path}.{key}", "Expected an ISO date and time.")
        r.points_to("stream", rec.get("value_stream"), f"{path}.value_stream")
        if rec.get("value_stream") is None:
            r.problems.add(f"{path}.value_stream", "A review belongs to a value stream.")
        for j, email in enumerate(_as_list(r.problems, rec.get("participants"), f"{path}.participants")):
            extra["participants"].append(r.person(email, f"{path}.participants.{j}"))
        for j, finding in enumerate(_as_list(r.problems, rec.get("findings"), f"{path}.findings")):
            fpath = f"{path}.findings.{j}"
            finding = r.record(finding, fpath, {"text", "step", "waste_type", "created_by", "recorded_names"})
            if finding:
                checked = r.schema(
                    _FindingRecord, {k: finding[k] for k in ("text", "waste_type") if k in finding}, fpath, {}
                )
                r.recorded_names(finding, fpath)
                if finding.get("waste_type") not in (None, *WASTE_TYPES):
                    r.problems.add(f"{fpath}.waste_type", "Unknown waste type.")
                r.points_to("step", finding.get("step"), f"{fpath}.step")
                extra["findings"].append(
                    (finding, checked, r.person(finding.get("created_by"), f"{fpath}.created_by"))
                )
        for j, action in enumerate(_as_list(r.problems, rec.get("actions"), f"{path}.actions")):
            apath = f"{path}.actions.{j}"
            action = r.record(
                action,
                apath,
                {
                    "title",
                    "step",
                    "kpi",
                    "outcome",
                    "owner",
                    "due_on",
                    "stage",
                    "expected_effect",
                    "observed_result",
                    "recorded_names",
                },
            )
            if action:
                checked = r.schema(
                    _ActionRecord,
                    {
                        k: action[k]
                        for k in ("title", "due_on", "stage", "expected_effect", "observed_result")
                        if k in action
                    },
                    apath,
                    {},
                )
                r.recorded_names(action, apath)
                if action.get("stage", "plan") not in ACTION_STAGES:
                    r.problems.add(f"{apath}.stage", f"Use one of: {', '.join(ACTION_STAGES)}.")
                for kind, key in (("step", "step"), ("kpi", "kpi"), ("outcome", "outcome")):
                    r.points_to(kind, action.get(key), f"{apath}.{key}")
                extra["actions"].append((action, checked, r.person(action.get("owner"), f"{apath}.owner")))
        extra["model"] = parsed
        plan.reviews.append((rec, extra))


def _check_references(r: _Reader, plan: _Plan) -> None:
    customer_of = {rec["ref"]: rec.get("customer") for rec, _ in plan.jobs}
    parent_of = {rec["ref"]: rec.get("parent") for rec, _ in plan.jobs}
    for i, (rec, _) in enumerate(plan.customers):
        r.points_to("stream", rec.get("value_stream"), f"customers.{i}.value_stream")
    for i, (rec, _) in enumerate(plan.jobs):
        r.points_to("customer", rec.get("customer"), f"jobs.{i}.customer")
        parent = rec.get("parent")
        r.points_to("job", parent, f"jobs.{i}.parent")
        if parent is not None and parent in customer_of and customer_of[parent] != rec.get("customer"):
            r.problems.add(
                f"jobs.{i}.parent", "A related job belongs to the same customer as its high-level job."
            )
        others = {k: v for k, v in parent_of.items() if k != rec["ref"]}
        if parent is not None and would_create_cycle(rec["ref"], parent, others):
            r.problems.add(f"jobs.{i}.parent", "A job cannot be its own ancestor.")
    for i, (rec, _) in enumerate(plan.outcomes):
        r.points_to("job", rec.get("job"), f"outcomes.{i}.job")
    stream_steps: dict[int, set] = {}
    for i, (rec, _) in enumerate(plan.streams):
        for key, kind in (("customer", "customer"), ("job", "job"), ("derived_from", "stream")):
            r.points_to(kind, rec.get(key), f"value_streams.{i}.{key}")
        steps = [s for s in rec.get("steps") or [] if isinstance(s, dict)]
        stream_steps[rec["ref"]] = {s.get("ref") for s in steps}
        for j, step in enumerate(steps):
            r.points_to("job", step.get("job"), f"value_streams.{i}.steps.{j}.job")
    for i, (rec, _) in enumerate(plan.kpis):
        r.points_to("stream", rec.get("value_stream"), f"kpis.{i}.value_stream")
        r.points_to("step", rec.get("step"), f"kpis.{i}.step")
        stream, step = rec.get("value_stream"), rec.get("step")
        if stream is not None and step is not None and step not in stream_steps.get(stream, set()):
            r.problems.add(f"kpis.{i}.step", "The step must belong to the KPI's value stream.")
        for j, link in enumerate(x for x in rec.get("outcome_links") or [] if isinstance(x, dict)):
            r.points_to("outcome", link.get("outcome"), f"kpis.{i}.outcome_links.{j}.outcome")


# The lowest and highest value of each organization setting a document may carry.
SETTING_RANGES: dict[str, tuple[float, float]] = {
    "map_stale_days": (1, 3_650),
    **{name: (low, high) for name, (_, low, high) in DRIFT_SETTINGS.items()},
    "underserved_threshold": (0, 20),
    "high_opportunity_threshold": (0, 20),
    "extreme_opportunity_threshold": (0, 20),
}


def _read_settings(settings: dict[str, Any], r: _Reader) -> None:
    """Check each setting's value: a number in its range, a whole number of days."""
    for name, value in settings.items():
        low, high = SETTING_RANGES[name]
        whole = name.endswith("_days")
        if (isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high
                or (whole and value != int(value))):
            kind = "a whole number" if whole else "a number"
            r.problems.add(f"organization.settings.{name}", f"Expected {kind} from {low:g} to {high:g}.")


def read_document(doc: Any, emails: dict[str, int]) -> tuple[_Plan, _Reader]:
    """Check a whole document; raise ValidationFailed naming every bad field by its path."""
    r, plan = _Reader(emails), _Plan()
    if not isinstance(doc, dict):
        raise ValidationFailed({"body": "Expected the JSON object of an lms export."})
    for key in sorted(set(doc) - TOP_LEVEL):
        r.problems.add(key, "Unknown field.")
    if doc.get("schema_version") != SCHEMA_VERSION:
        r.problems.add("schema_version", f"This lms reads documents of schema version {SCHEMA_VERSION}.")
    settings = (
        (doc.get("organization") or {}).get("settings") if isinstance(doc.get("organization"), dict) else None
    )
    if settings is not None and (not isinstance(settings, dict) or set(settings) - set(SETTINGS)):
        r.problems.add("organization.settings", f"Known settings: {', '.join(SETTINGS)}.")
    elif settings:
        _read_settings(settings, r)
    _read_customers_jobs_outcomes(doc, r, plan)
    read_circumstances(doc, r, plan, _as_list)
    _read_streams(doc, r, plan)
    _read_kpis(doc, r, plan)
    _read_reviews(doc, r, plan)
    _check_references(r, plan)
    check_circumstances(r, plan)
    r.problems.raise_if_any()
    return plan, r
