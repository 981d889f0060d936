"""Reads and writes of KPIs, their outcome links and measurements; every change audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms import audit, pagination, tenancy
from lms.db import utcnow
from lms.errors import ValidationFailed, VersionConflict, check_version
from lms.extensions import db
from lms.kpis import permissions
from lms.kpis.drift_queries import KpiDrift, assess_kpis
from lms.kpis.schemas import KpiIn, KpiOutcomeLinkIn, KpiPatch, MeasurementBatchIn, MeasurementIn
from lms.lean.drift import STATUSES
from lms.models import Job, Kpi, KpiMeasurement, KpiOutcomeLink, Outcome, Step, User, ValueStream
from lms.permissions import EDITORS
from lms.validation import validate

KPI_FIELDS = ("name", "unit", "direction", "target", "description", "value_stream_id", "step_id", "owner_id")
MEASUREMENT_FIELDS = ("kpi_id", "measured_on", "value", "note")
ORPHANS_SHOWN = 20


# --- who may do what ------------------------------------------------------------------------

# --- lists -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KpiFilters:
    """What the KPI list is narrowed to; ``None`` leaves a criterion open."""

    status: str | None = None
    customer_id: int | None = None
    value_stream_id: int | None = None
    owner_id: int | None = None
    outcome_id: int | None = None


@dataclass(frozen=True)
class KpiPage:
    """One page of KPIs with the drift of each."""

    page: pagination.Page
    drift: dict[int, KpiDrift]


def _filtered(filters: KpiFilters, *, links: bool = True) -> Select:
    stmt = select(Kpi).order_by(Kpi.name, Kpi.id)
    if links:
        stmt = stmt.options(selectinload(Kpi.outcome_links))
    if filters.value_stream_id is not None:
        stmt = stmt.where(Kpi.value_stream_id == filters.value_stream_id)
    if filters.owner_id is not None:
        stmt = stmt.where(Kpi.owner_id == filters.owner_id)
    if filters.outcome_id is not None:
        stmt = stmt.where(Kpi.outcome_links.any(KpiOutcomeLink.outcome_id == filters.outcome_id))
    if filters.customer_id is not None:
        of_customer = (select(KpiOutcomeLink.kpi_id)
                       .join(Outcome, Outcome.id == KpiOutcomeLink.outcome_id)
                       .join(Job, Job.id == Outcome.job_id)
                       .where(Job.customer_id == filters.customer_id))
        stmt = stmt.where(Kpi.id.in_(of_customer.scalar_subquery()))
    return stmt


def list_kpis(filters: KpiFilters, page: int, per_page: int, as_of: date | None = None, *,
              links: bool = True) -> KpiPage:
    """Return a page of KPIs with their drift; the number of queries does not grow with the page.

    ``links=False`` leaves the KPIs' outcome links unloaded (the list page does not show them).
    """
    stmt = _filtered(filters, links=links)
    if filters.status is None:
        found = pagination.paginate(stmt, page, per_page)
        return KpiPage(found, assess_kpis(found.items, as_of))
    if filters.status not in STATUSES:
        raise ValidationFailed({"status": f"Choose one of: {', '.join(STATUSES)}."})
    # The status is computed, not stored: assess every candidate (still a fixed number of
    # queries, bounded to the window), then cut the page out of the matches.
    candidates = list(db.session.scalars(stmt))
    drift = assess_kpis(candidates, as_of, whole_organization=True)
    matches = [kpi for kpi in candidates if drift[kpi.id].status == filters.status]
    items = matches[(page - 1) * per_page: page * per_page]
    return KpiPage(pagination.Page(items, len(matches), page, per_page),
                   {kpi.id: drift[kpi.id] for kpi in items})


def orphan_kpis(limit: int = ORPHANS_SHOWN) -> tuple[list[Kpi], int]:
    """Return the first KPIs that stand for no customer outcome, and how many there are."""
    orphan = ~Kpi.outcome_links.any()
    total = db.session.scalar(select(func.count(Kpi.id)).where(orphan)) or 0
    kpis = list(db.session.scalars(select(Kpi).where(orphan).order_by(Kpi.name, Kpi.id).limit(limit))) \
        if total else []
    return kpis, total


def list_measurements_stmt(kpi: Kpi) -> Select:
    """Return the statement of a KPI's measurements, newest first."""
    return (select(KpiMeasurement).where(KpiMeasurement.kpi_id == kpi.id)
            .order_by(KpiMeasurement.measured_on.desc()))


def paginate_measurements(kpi: Kpi, page: int, per_page: int) -> pagination.Page:
    """Return one page of a KPI's measurements, newest first."""
    return pagination.paginate(list_measurements_stmt(kpi), page, per_page)




# --- linking from the other side -------------------------------------------------------------

@dataclass(frozen=True)
class KpiSummary:
    """A KPI as other pages list it: name, drift status and why, and the link's rationale."""

    id: int
    name: str
    unit: str
    status: str
    reasons: list[str]
    rationale: str = ""


def _summaries(kpis: Sequence[Kpi], rationales: dict[int, str] | None = None) -> list[KpiSummary]:
    drift = assess_kpis(kpis)
    rationales = rationales or {}
    return [KpiSummary(k.id, k.name, k.unit, drift[k.id].status, drift[k.id].reasons,
                       rationales.get(k.id, "")) for k in kpis]


def kpis_for_outcome(outcome_id: int) -> list[KpiSummary]:
    """Return the KPIs that stand for an outcome, with their drift and the links' rationales."""
    rows = db.session.execute(
        select(Kpi, KpiOutcomeLink.rationale).join(KpiOutcomeLink, KpiOutcomeLink.kpi_id == Kpi.id)
        .where(KpiOutcomeLink.outcome_id == outcome_id).order_by(Kpi.name, Kpi.id)).tuples().all()
    return _summaries([kpi for kpi, _ in rows], {kpi.id: rationale for kpi, rationale in rows})


def kpis_measuring_step(step_id: int) -> list[KpiSummary]:
    """Return the KPIs that measure a step, with their drift (``measures-waste`` on a waste step)."""
    kpis = list(db.session.scalars(select(Kpi).where(Kpi.step_id == step_id).order_by(Kpi.name, Kpi.id)))
    return _summaries(kpis)


# --- KPIs ----------------------------------------------------------------------------------------

def _reference_errors(values: dict, given: Iterable[str]) -> dict[str, str]:
    """Check the stream, step and owner a KPI names; fill the stream in from the step."""
    errors: dict[str, str] = {}
    given = set(given)
    stream_id, step_id, owner_id = values["value_stream_id"], values["step_id"], values["owner_id"]
    if "value_stream_id" in given and stream_id is not None and tenancy.find(ValueStream, stream_id) is None:
        errors["value_stream_id"] = "No such value stream in your organization."
    if "owner_id" in given and owner_id is not None and tenancy.find(User, owner_id) is None:
        errors["owner_id"] = "No such user in your organization."
    if step_id is None or not given & {"step_id", "value_stream_id"}:
        return errors
    step = tenancy.find(Step, step_id)
    if step is None:
        errors["step_id"] = "No such step in your organization."
    elif stream_id is None and "value_stream_id" not in given:
        values["value_stream_id"] = step.value_stream_id
    elif stream_id is None:
        errors["value_stream_id"] = "A KPI that measures a step belongs to the step's value stream; " \
                                    "clear the step too."
    elif stream_id != step.value_stream_id and "value_stream_id" not in errors:
        field = "step_id" if "step_id" in given else "value_stream_id"
        errors[field] = "The step belongs to another value stream; choose a step of the KPI's stream."
    return errors


def _requested_links(payload: KpiIn | KpiPatch, kpi: Kpi | None) -> tuple[str, dict[int, str]] | None:
    """Return the field that named the outcomes and {outcome_id: rationale}; None when not sent."""
    if payload.outcome_links is not None:
        return "outcome_links", {link.outcome_id: link.rationale for link in payload.outcome_links}
    if payload.outcome_ids is not None:
        kept = {link.outcome_id: link.rationale for link in kpi.outcome_links} if kpi else {}
        return "outcome_ids", {oid: kept.get(oid, "") for oid in payload.outcome_ids}
    return None


def _outcome_errors(requested: tuple[str, dict[int, str]] | None) -> dict[str, str]:
    if not requested or not requested[1]:
        return {}
    field, links = requested
    known = set(db.session.scalars(select(Outcome.id).where(Outcome.id.in_(list(links)))))
    missing = [str(oid) for oid in links if oid not in known]
    if not missing:
        return {}
    return {field: f"No outcome with the id {', '.join(missing)} in your organization."}


def _link_state(kpi: Kpi) -> dict:
    links = sorted(kpi.outcome_links, key=lambda link: link.outcome_id)
    return {"outcome_ids": [link.outcome_id for link in links],
            "rationales": {str(link.outcome_id): link.rationale for link in links}}


def _replace_links(kpi: Kpi, wanted: dict[int, str]) -> None:
    """Make the KPI's links exactly ``wanted``, audited with the outcome ids before and after."""
    before = _link_state(kpi)
    current = {link.outcome_id: link for link in kpi.outcome_links}
    for outcome_id, link in current.items():
        if outcome_id not in wanted:
            kpi.outcome_links.remove(link)
    for outcome_id, rationale in wanted.items():
        if outcome_id in current:
            current[outcome_id].rationale = rationale
        else:
            kpi.outcome_links.append(KpiOutcomeLink(outcome_id=outcome_id, rationale=rationale))
    after = _link_state(kpi)
    if before == after:
        return
    kpi.updated_at = utcnow()  # a link change is a change of the KPI: its version rises
    audit.record("link", kpi, summary=f"Outcomes of KPI {kpi.name}: {before['outcome_ids']} → "
                                      f"{after['outcome_ids']}", before=before, after=after)


def create_kpi(payload: KpiIn) -> Kpi:
    """Create a KPI with its outcome links."""
    tenancy.require(*EDITORS)
    values = payload.model_dump(include=set(KPI_FIELDS))
    requested = _requested_links(payload, None)
    given = {name for name in KPI_FIELDS if values[name] is not None}  # a null stream is filled from the step
    errors = _reference_errors(values, given) | _outcome_errors(requested)
    if errors:
        raise ValidationFailed(errors)
    kpi = Kpi(**values)
    db.session.add(kpi)
    for outcome_id, rationale in (requested[1] if requested else {}).items():
        kpi.outcome_links.append(KpiOutcomeLink(outcome_id=outcome_id, rationale=rationale))
    audit.record("create", kpi, summary=f"KPI {kpi.name} created",
                 after=audit.snapshot(kpi, KPI_FIELDS) | _link_state(kpi))
    db.session.commit()
    return kpi


def update_kpi(kpi: Kpi, payload: KpiPatch) -> Kpi:
    """Change any subset of a KPI's fields and links, refusing a stale version."""
    tenancy.require(*EDITORS)
    check_version(kpi, payload.version)
    given = payload.model_fields_set & set(KPI_FIELDS)
    values = {name: getattr(kpi, name) for name in KPI_FIELDS} | payload.model_dump(include=given)
    requested = _requested_links(payload, kpi)
    errors = _reference_errors(values, given) | _outcome_errors(requested)
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(kpi, KPI_FIELDS)
    for name in KPI_FIELDS:
        setattr(kpi, name, values[name])
    old, new = audit.changed(before, audit.snapshot(kpi, KPI_FIELDS))
    if "target" in new:
        audit.record("target", kpi, summary=f"Target of KPI {kpi.name}: {old['target']} → {new['target']}",
                     before={"target": old.pop("target")}, after={"target": new.pop("target")})
    if new:
        audit.record("update", kpi, summary=f"KPI {kpi.name} changed: {audit.field_names(sorted(new))}",
                     before=old, after=new)
    if requested is not None:
        _replace_links(kpi, requested[1])
    db.session.commit()
    return kpi


def set_link(kpi: Kpi, link: KpiOutcomeLinkIn, *, version: int | None = None) -> None:
    """Link a KPI to an outcome, or change the rationale of an existing link."""
    links = {old.outcome_id: old.rationale for old in kpi.outcome_links} | {link.outcome_id: link.rationale}
    update_kpi(kpi, validate(KpiPatch, {
        "version": version,
        "outcome_links": [{"outcome_id": oid, "rationale": text} for oid, text in links.items()]}))


def remove_link(kpi: Kpi, outcome_id: int, *, version: int | None = None) -> None:
    """Remove the link of a KPI to an outcome."""
    update_kpi(kpi, validate(KpiPatch, {
        "version": version,
        "outcome_links": [{"outcome_id": link.outcome_id, "rationale": link.rationale}
                          for link in kpi.outcome_links if link.outcome_id != outcome_id]}))


def delete_kpi(kpi: Kpi, *, version: int | None = None) -> None:
    """Delete a KPI with its links and measurements."""
    tenancy.require(*EDITORS)
    check_version(kpi, version)
    audit.record("delete", kpi, summary=f"KPI {kpi.name} deleted",
                 before=audit.snapshot(kpi, KPI_FIELDS) | _link_state(kpi))
    db.session.delete(kpi)
    db.session.commit()


# --- measurements ------------------------------------------------------------------------------

def _duplicate_dates(items: Sequence[MeasurementIn]) -> dict[str, str]:
    first: dict[date, int] = {}
    errors = {}
    for index, item in enumerate(items):
        if item.measured_on in first:
            errors[f"measurements.{index}.measured_on"] = (
                f"{item.measured_on.isoformat()} also appears in measurements.{first[item.measured_on]}; "
                "one measurement per date.")
        else:
            first[item.measured_on] = index
    return errors


def _upsert(kpi: Kpi, items: Sequence[MeasurementIn], user: User) -> list[KpiMeasurement]:
    """Write each measurement, updating the one already there for its date; audit each change."""
    days = [item.measured_on for item in items]
    existing = {m.measured_on: m for m in db.session.scalars(
        select(KpiMeasurement).where(KpiMeasurement.kpi_id == kpi.id,
                                     KpiMeasurement.measured_on >= min(days),
                                     KpiMeasurement.measured_on <= max(days)))}
    written, created = [], []
    for item in items:
        measurement = existing.get(item.measured_on)
        if measurement is None:
            measurement = KpiMeasurement(kpi_id=kpi.id, measured_on=item.measured_on, value=item.value,
                                         note=item.note, entered_by_id=user.id)
            db.session.add(measurement)
            created.append(measurement)
        elif (measurement.value, measurement.note) != (item.value, item.note):
            before = audit.snapshot(measurement, MEASUREMENT_FIELDS)
            measurement.value, measurement.note, measurement.entered_by_id = item.value, item.note, user.id
            audit.record("update", measurement,
                         summary=f"{kpi.name} on {item.measured_on.isoformat()}: "
                                 f"{before['value']} → {item.value}",
                         before=before, after=audit.snapshot(measurement, MEASUREMENT_FIELDS))
        written.append(measurement)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise VersionConflict("Someone entered a measurement for the same date meanwhile. "
                              "Reload and try again.") from None
    for measurement in created:
        audit.record("create", measurement,
                     summary=f"{kpi.name} on {measurement.measured_on.isoformat()}: {measurement.value}",
                     after=audit.snapshot(measurement, MEASUREMENT_FIELDS))
    return written


def record_measurement(kpi: Kpi, payload: MeasurementIn) -> KpiMeasurement:
    """Enter one measurement; a second one for the same date updates the first."""
    user = permissions.require_measurer(kpi)
    [measurement] = _upsert(kpi, [payload], user)
    db.session.commit()
    return measurement


def record_measurements(kpi: Kpi, payload: MeasurementBatchIn) -> list[KpiMeasurement]:
    """Enter many measurements at once: all of them, or none when one date repeats."""
    user = permissions.require_measurer(kpi)
    errors = _duplicate_dates(payload.measurements)
    if errors:
        raise ValidationFailed(errors)
    written = _upsert(kpi, payload.measurements, user)
    db.session.commit()
    return written


def delete_measurement(kpi: Kpi, measurement_id: int) -> None:
    """Delete one measurement of a KPI (a mistyped date, say)."""
    permissions.require_measurer(kpi)
    measurement = db.session.scalar(select(KpiMeasurement).where(
        KpiMeasurement.id == measurement_id, KpiMeasurement.kpi_id == kpi.id))
    if measurement is None:
        raise ValidationFailed({"measurement": "No such measurement of this KPI."})
    audit.record("delete", measurement,
                 summary=f"{kpi.name} on {measurement.measured_on.isoformat()} deleted",
                 before=audit.snapshot(measurement, MEASUREMENT_FIELDS))
    db.session.delete(measurement)
    db.session.commit()
