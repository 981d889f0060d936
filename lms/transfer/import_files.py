"""Import an exported document into an empty organization: all or nothing.

Every record is checked by the same schema that checks it in the API and the forms (one
validation per concept); references are checked across the document; only when nothing is
wrong is anything written, in bulk, in one transaction.

Each section has its reader; ``read_document`` walks them in the order of ``SECTION_READERS``,
which is also the order in which problems are listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select

from lms.admin.schemas import DRIFT_SETTINGS
from lms.customers.schemas import CustomerIn, JobIn, OutcomeIn, RatingIn, RatingOut
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.kpis.schemas import KpiIn, MeasurementIn
from lms.lean.jobs import would_create_cycle
from lms.lean.waste import classification_errors
from lms.models import Customer, Kpi, ValueStream
from lms.reviews.schemas import ActionIn, FindingIn, ReviewIn, ReviewKind, ReviewStatus
from lms.streams.schemas import StepIn, ValueStreamIn
from lms.transfer.circumstance_files import check_circumstances, read_circumstances
from lms.transfer.export_queries import (
    ACTION_FIELDS,
    CUSTOMER_FIELDS,
    FINDING_FIELDS,
    JOB_FIELDS,
    KPI_FIELDS,
    MEASUREMENT_FIELDS,
    OUTCOME_FIELDS,
    RATING_FIELDS,
    REVIEW_FIELDS,
    SCHEMA_VERSION,
    SETTINGS,
    STEP_FIELDS,
    STREAM_FIELDS,
)
from lms.validation import fields_from_validation

MAX_ERRORS = 200
MAX_RECORDED_NAMES = 1_000
SECTIONS = ("customers", "jobs", "circumstances", "outcomes", "value_streams", "kpis", "reviews")
TOP_LEVEL = {"schema_version", "exported_at", "organization", *SECTIONS}

# The keys each record may hold: the fields the export writes, plus its refs, people and parts.
CUSTOMER_KEYS = {"ref", *CUSTOMER_FIELDS, "value_stream"}
JOB_KEYS = {"ref", "customer", "parent", *JOB_FIELDS}
OUTCOME_KEYS = {"ref", "job", *OUTCOME_FIELDS, "ratings"}
RATING_KEYS = {*RATING_FIELDS, "created_by"}
STREAM_KEYS = {"ref", *STREAM_FIELDS, "customer", "job", "owner", "derived_from", "last_walked_by", "steps"}
STEP_KEYS = {"ref", *STEP_FIELDS, "job", "owner", "classified_by"}
KPI_KEYS = {"ref", *KPI_FIELDS, "value_stream", "step", "owner", "outcome_links", "measurements"}
LINK_KEYS = {"outcome", "rationale"}
MEASUREMENT_KEYS = {*MEASUREMENT_FIELDS, "entered_by"}
REVIEW_KEYS = {*REVIEW_FIELDS, "value_stream", "facilitator", "participants", "snapshot_open",
               "snapshot_close", "recorded_names", "findings", "actions"}
FINDING_KEYS = {*FINDING_FIELDS, "step", "created_by", "recorded_names"}
ACTION_KEYS = {*ACTION_FIELDS, "step", "kpi", "outcome", "owner", "recorded_names"}
# What lms itself stamps (when a step was tagged, a review opened and closed) is read here, not entered.
STEP_INPUT = tuple(name for name in STEP_FIELDS if name != "classified_at")
REVIEW_INPUT = tuple(name for name in REVIEW_FIELDS if name not in ("opened_at", "closed_at"))
RATING_INPUT = tuple(name for name in RATING_FIELDS if name != "source")
# A rating says how it was taken, as the API shows it: aggregate figures or raw responses.
RATING_SOURCES = get_args(RatingOut.model_fields["source"].annotation)


class ReviewRecord(ReviewIn):
    """A review as a document lists it: the export always writes its kind and status, so both are required."""

    kind: ReviewKind
    status: ReviewStatus


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


class _Reader:
    """Check one document record by record, remembering refs and people."""

    def __init__(self, emails: dict[str, int]) -> None:
        self.problems = _Problems()
        self.emails = emails
        self.missing_people: set[str] = set()
        self.refs: dict[str, set[int]] = {
            k: set() for k in ("customer", "job", "outcome", "stream", "step", "kpi")
        }

    def listed(self, value: Any, path: str) -> list:
        """Return the records of a list (none for null); name anything else at ``path``."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.add(path, "Expected a list.")
            return []
        return value

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

    def checked(self, schema: type[BaseModel], record: dict, fields: Iterable[str], path: str,
                refs: dict[str, str] | None = None, **values: Any) -> Any:
        """Validate a record's ``fields`` and ``refs`` (schema id -> document key) by a feature's schema."""
        refs = refs or {}
        given = {name: record[name] for name in fields if name in record}
        given |= {id_field: record.get(key) for id_field, key in refs.items()}
        return self.schema(schema, given | values, path, refs)

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

    def moment(self, record: dict, key: str, path: str) -> datetime | None:
        """Return the date and time a record holds at ``key`` (null or empty: none), else name it."""
        try:
            return _datetime(record.get(key))
        except ValueError:
            self.problems.add(f"{path}.{key}", "Expected an ISO date and time.")
            return None


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


class Plan:
    """The checked document, ready to be written."""

    def __init__(self) -> None:
        self.settings: dict[str, Any] = {}
        self.customers: list[tuple[dict, dict]] = []
        self.jobs: list[tuple[dict, dict]] = []
        self.circumstances: list[tuple[dict, Any, str]] = []
        self.outcomes: list[tuple[dict, dict]] = []
        self.streams: list[tuple[dict, dict]] = []
        self.kpis: list[tuple[dict, dict]] = []
        self.reviews: list[tuple[dict, dict]] = []


def _read_header(doc: dict, r: _Reader, plan: Plan) -> None:
    """Check the top-level keys, the schema version and the organization's settings."""
    for key in sorted(set(doc) - TOP_LEVEL):
        r.problems.add(key, "Unknown field.")
    if doc.get("schema_version") != SCHEMA_VERSION:
        r.problems.add("schema_version", f"This lms reads documents of schema version {SCHEMA_VERSION}.")
    organization = doc.get("organization")
    if organization is not None and not isinstance(organization, dict):
        r.problems.add("organization", "Expected an object.")
    settings = organization.get("settings") if isinstance(organization, dict) else None
    if settings is not None and (not isinstance(settings, dict) or set(settings) - set(SETTINGS)):
        r.problems.add("organization.settings", f"Known settings: {', '.join(SETTINGS)}.")
    elif settings:
        _read_settings(settings, r)
        plan.settings = settings


def _parts(record: dict, key: str, path: str, r: _Reader, read: Callable[[Any, str, _Reader], Any]) -> list:
    """Read each part a record lists at ``key`` (ratings, steps, findings); drop what ``read`` refuses."""
    listed = r.listed(record.get(key), f"{path}.{key}")
    parts = (read(raw, f"{path}.{key}.{j}", r) for j, raw in enumerate(listed))
    return [part for part in parts if part]


def _read_customers(doc: dict, r: _Reader, plan: Plan) -> None:
    """Check each customer by the API's schema, and that no two share a name."""
    for i, raw in enumerate(r.listed(doc.get("customers"), "customers")):
        path = f"customers.{i}"
        rec = r.record(raw, path, CUSTOMER_KEYS)
        if rec and r.ref("customer", rec, path):
            parsed = r.checked(CustomerIn, rec, CUSTOMER_FIELDS, path, {"value_stream_id": "value_stream"})
            plan.customers.append((rec, {"model": parsed, "path": path}))
    names = [rec["name"] for rec, _ in plan.customers if isinstance(rec.get("name"), str)]
    for name in {n for n in names if names.count(n) > 1}:
        r.problems.add("customers", f"The customer name '{name}' is used twice.")


def _read_jobs(doc: dict, r: _Reader, plan: Plan) -> None:
    """Check each job by the API's schema; its customer and high-level job are checked as refs later."""
    for i, raw in enumerate(r.listed(doc.get("jobs"), "jobs")):
        path = f"jobs.{i}"
        rec = r.record(raw, path, JOB_KEYS)
        if rec and r.ref("job", rec, path):
            refs = {"customer_id": "customer", "parent_id": "parent"}
            parsed = r.checked(JobIn, rec, JOB_FIELDS, path, refs)
            plan.jobs.append((rec, {"model": parsed, "path": path}))


def _read_outcomes(doc: dict, r: _Reader, plan: Plan) -> None:
    """Check each outcome and its ratings by the API's schemas."""
    for i, raw in enumerate(r.listed(doc.get("outcomes"), "outcomes")):
        path = f"outcomes.{i}"
        rec = r.record(raw, path, OUTCOME_KEYS)
        if rec and r.ref("outcome", rec, path):
            parsed = r.checked(OutcomeIn, rec, OUTCOME_FIELDS, path, {"job_id": "job"})
            ratings = _parts(rec, "ratings", path, r, _read_rating)
            plan.outcomes.append((rec, {"model": parsed, "ratings": ratings, "path": path}))


def _read_rating(raw: Any, path: str, r: _Reader) -> tuple | None:
    """Return a rating, its checked figures and who entered it; None when it is not a record."""
    rating = r.record(raw, path, RATING_KEYS)
    if not rating:
        return None
    checked = r.schema(RatingIn, {k: rating.get(k) for k in RATING_INPUT}, path, {})
    by = r.person(rating.get("created_by"), f"{path}.created_by")
    if rating.get("source", "aggregate") not in RATING_SOURCES:
        r.problems.add(f"{path}.source", "Use aggregate or responses.")
    return rating, checked, by


def _read_streams(doc: dict, r: _Reader, plan: Plan) -> None:
    """Check each value stream and its steps by the API's schemas; positions run 1, 2, 3, …"""
    for i, raw in enumerate(r.listed(doc.get("value_streams"), "value_streams")):
        path = f"value_streams.{i}"
        rec = r.record(raw, path, STREAM_KEYS)
        if not rec or not r.ref("stream", rec, path):
            continue
        refs = {"customer_id": "customer", "job_id": "job", "derived_from_id": "derived_from"}
        parsed = r.checked(ValueStreamIn, rec, STREAM_FIELDS, path, refs)
        people = {
            "owner_id": r.person(rec.get("owner"), f"{path}.owner"),
            "last_walked_by_id": r.person(rec.get("last_walked_by"), f"{path}.last_walked_by"),
        }
        steps = _parts(rec, "steps", path, r, _read_step)
        positions = [checked.position for _, checked, _ in steps if checked is not None]
        if None in positions or sorted(positions) != list(range(1, len(positions) + 1)):
            r.problems.add(f"{path}.steps", "Number the steps' positions 1, 2, 3, … without gaps.")
        plan.streams.append((rec, {"model": parsed, "people": people, "steps": steps, "path": path}))


def _read_step(raw: Any, path: str, r: _Reader) -> tuple | None:
    """Return a step, its checked fields and its people; None when it is not a record with a ref."""
    step = r.record(raw, path, STEP_KEYS)
    if not step or not r.ref("step", step, path):
        return None
    checked = r.checked(StepIn, step, STEP_INPUT, path, {"job_id": "job"})
    if checked is not None:
        for name, message in classification_errors(
            classification=checked.classification,
            job_id=checked.job_id,
            waste_types=checked.waste_types,
        ).items():
            r.problems.add(f"{path}.{'job' if name == 'job_id' else name}", message)
    classified_at = r.moment(step, "classified_at", path)
    people = {
        "owner_id": r.person(step.get("owner"), f"{path}.owner"),
        "classified_by_id": r.person(step.get("classified_by"), f"{path}.classified_by"),
        "classified_at": classified_at,
    }
    return step, checked, people


def _read_kpis(doc: dict, r: _Reader, plan: Plan) -> None:
    """Check each KPI, its outcome links and its measurements by the API's schemas."""
    for i, raw in enumerate(r.listed(doc.get("kpis"), "kpis")):
        path = f"kpis.{i}"
        rec = r.record(raw, path, KPI_KEYS)
        if not rec or not r.ref("kpi", rec, path):
            continue
        links = []
        for j, link in enumerate(r.listed(rec.get("outcome_links"), f"{path}.outcome_links")):
            link = r.record(link, f"{path}.outcome_links.{j}", LINK_KEYS)
            if link:
                links.append({"outcome_id": link.get("outcome"), "rationale": link.get("rationale", "")})
        refs = {"value_stream_id": "value_stream", "step_id": "step"}
        parsed = r.checked(KpiIn, rec, KPI_FIELDS, path, refs, outcome_links=links)
        owner = r.person(rec.get("owner"), f"{path}.owner")
        measurements = _read_measurements(rec, path, r)
        plan.kpis.append(
            (rec, {"model": parsed, "owner_id": owner, "links": links, "measurements": measurements,
                   "path": path})
        )


def _read_measurements(kpi: dict, path: str, r: _Reader) -> list[tuple]:
    """Return a KPI's checked measurements with who entered each; one a date."""
    seen: set = set()
    measurements = []
    for j, m in enumerate(r.listed(kpi.get("measurements"), f"{path}.measurements")):
        mpath = f"{path}.measurements.{j}"
        m = r.record(m, mpath, MEASUREMENT_KEYS)
        if m:
            checked = r.checked(MeasurementIn, m, MEASUREMENT_FIELDS, mpath)
            if checked is not None and checked.measured_on in seen:
                r.problems.add(f"{mpath}.measured_on", "A second measurement for the same date.")
            if checked is not None:
                seen.add(checked.measured_on)
            measurements.append((checked, r.person(m.get("entered_by"), f"{mpath}.entered_by")))
    return measurements


def _read_reviews(doc: dict, r: _Reader, plan: Plan) -> None:
    """Check each review with its findings and actions by the schemas of the reviews feature."""
    for i, raw in enumerate(r.listed(doc.get("reviews"), "reviews")):
        path = f"reviews.{i}"
        rec = r.record(raw, path, REVIEW_KEYS)
        if rec:
            plan.reviews.append((rec, _read_review(rec, path, r)))


def _read_review(rec: dict, path: str, r: _Reader) -> dict:
    """Return what the writer needs of one review: its checked fields, people, times and parts."""
    review: dict[str, Any] = {
        "model": r.checked(ReviewRecord, rec, REVIEW_INPUT, path, {"value_stream_id": "value_stream"}),
        "facilitator_id": r.person(rec.get("facilitator"), f"{path}.facilitator"),
        "recorded_names": r.recorded_names(rec, path),
    }
    for key in ("opened_at", "closed_at"):
        review[key] = r.moment(rec, key, path)
    r.points_to("stream", rec.get("value_stream"), f"{path}.value_stream")
    review["participants"] = [
        r.person(email, f"{path}.participants.{j}")
        for j, email in enumerate(r.listed(rec.get("participants"), f"{path}.participants"))
    ]
    review["findings"] = _parts(rec, "findings", path, r, _read_finding)
    review["actions"] = _parts(rec, "actions", path, r, _read_action)
    return review


def _read_finding(raw: Any, path: str, r: _Reader) -> tuple | None:
    """Return a finding, its checked fields and its author; None when it is not a record."""
    finding = r.record(raw, path, FINDING_KEYS)
    if not finding:
        return None
    # Its step is a ref of this document, checked as one (the schema's step_id is a database id).
    checked = r.checked(FindingIn, finding, FINDING_FIELDS, path)
    r.recorded_names(finding, path)
    r.points_to("step", finding.get("step"), f"{path}.step")
    return finding, checked, r.person(finding.get("created_by"), f"{path}.created_by")


def _read_action(raw: Any, path: str, r: _Reader) -> tuple | None:
    """Return an action, its checked fields and its owner; None when it is not a record."""
    action = r.record(raw, path, ACTION_KEYS)
    if not action:
        return None
    checked = r.checked(ActionIn, action, ACTION_FIELDS, path)
    r.recorded_names(action, path)
    for kind in ("step", "kpi", "outcome"):
        r.points_to(kind, action.get(kind), f"{path}.{kind}")
    return action, checked, r.person(action.get("owner"), f"{path}.owner")


def _ref(value: Any) -> int | None:
    """Return a reference that is a whole number, else None (``points_to`` names any other)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _listed_records(value: Any) -> list[tuple[int, dict]]:
    """Return the records of a list with their places in it; the reader has named anything else."""
    if not isinstance(value, list):
        return []
    return [(j, item) for j, item in enumerate(value) if isinstance(item, dict)]


def _check_customers(r: _Reader, plan: Plan) -> None:
    for rec, p in plan.customers:
        r.points_to("stream", rec.get("value_stream"), f"{p['path']}.value_stream")


def _check_jobs(r: _Reader, plan: Plan) -> None:
    """Check each job's customer and high-level job: the same customer, and no job its own ancestor."""
    customer_of = {rec["ref"]: rec.get("customer") for rec, _ in plan.jobs}
    parent_of = {rec["ref"]: _ref(rec.get("parent")) for rec, _ in plan.jobs}
    for rec, p in plan.jobs:
        path = p["path"]
        r.points_to("customer", rec.get("customer"), f"{path}.customer")
        r.points_to("job", rec.get("parent"), f"{path}.parent")
        parent = _ref(rec.get("parent"))
        if parent is not None and parent in customer_of and customer_of[parent] != rec.get("customer"):
            r.problems.add(
                f"{path}.parent", "A related job belongs to the same customer as its high-level job."
            )
        others = {k: v for k, v in parent_of.items() if k != rec["ref"]}
        if parent is not None and would_create_cycle(rec["ref"], parent, others):
            r.problems.add(f"{path}.parent", "A job cannot be its own ancestor.")


def _check_outcomes(r: _Reader, plan: Plan) -> None:
    for rec, p in plan.outcomes:
        r.points_to("job", rec.get("job"), f"{p['path']}.job")


def _check_streams(r: _Reader, plan: Plan) -> None:
    for rec, p in plan.streams:
        for key, kind in (("customer", "customer"), ("job", "job"), ("derived_from", "stream")):
            r.points_to(kind, rec.get(key), f"{p['path']}.{key}")
        for j, step in _listed_records(rec.get("steps")):
            r.points_to("job", step.get("job"), f"{p['path']}.steps.{j}.job")


def _check_kpis(r: _Reader, plan: Plan) -> None:
    """Check each KPI's stream, step (one of the stream's) and linked outcomes."""
    stream_steps = {rec["ref"]: {step["ref"] for step, _, _ in p["steps"]} for rec, p in plan.streams}
    for rec, p in plan.kpis:
        path = p["path"]
        r.points_to("stream", rec.get("value_stream"), f"{path}.value_stream")
        r.points_to("step", rec.get("step"), f"{path}.step")
        stream, step = _ref(rec.get("value_stream")), _ref(rec.get("step"))
        if stream is not None and step is not None and step not in stream_steps.get(stream, set()):
            r.problems.add(f"{path}.step", "The step must belong to the KPI's value stream.")
        for j, link in _listed_records(rec.get("outcome_links")):
            r.points_to("outcome", link.get("outcome"), f"{path}.outcome_links.{j}.outcome")


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


# Each section's reader, in the order the sections are read and their problems listed; the
# references between records are checked when every section has been read.
SECTION_READERS = (
    _read_header,
    _read_customers,
    _read_jobs,
    _read_outcomes,
    read_circumstances,
    _read_streams,
    _read_kpis,
    _read_reviews,
)
REFERENCE_CHECKS = (_check_customers, _check_jobs, _check_outcomes, _check_streams, _check_kpis,
                    check_circumstances)


def read_document(doc: Any, emails: dict[str, int]) -> tuple[Plan, _Reader]:
    """Check a whole document; raise ValidationFailed naming every bad field by its path."""
    r, plan = _Reader(emails), Plan()
    if not isinstance(doc, dict):
        raise ValidationFailed({"body": "Expected the JSON object of an lms export."})
    for read in SECTION_READERS:
        read(doc, r, plan)
    for check in REFERENCE_CHECKS:
        check(r, plan)
    r.problems.raise_if_any()
    return plan, r
