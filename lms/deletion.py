"""What deleting a value stream or a KPI reaches, said in the confirmation before it happens.

The database cascades a stream to its steps and reviews (with their findings and actions) and a
KPI to its measurements and outcome links; it unlinks what pointed at them. A closed review keeps
the names it recorded when it closed, so deleting a KPI does not rewrite a closed review's actions.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select

from lms.extensions import db
from lms.models import (
    Action,
    Customer,
    Finding,
    Kpi,
    KpiMeasurement,
    KpiOutcomeLink,
    Review,
    Step,
    ValueStream,
)


def _count(model, *where: ColumnElement[bool]) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _phrase(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _sentence(removed: list[str], unlinked: list[tuple[int, str]]) -> str:
    text = "This deletes " + (", ".join(removed) if removed else "nothing else") + "."
    parts = [phrase for count, phrase in unlinked if count]
    if not parts:
        return text
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{text} It unlinks {listed}."


def stream_reach(stream: ValueStream) -> str:
    """Say what deleting a value stream removes and unlinks."""
    step_ids = select(Step.id).where(Step.value_stream_id == stream.id)
    review_ids = select(Review.id).where(Review.value_stream_id == stream.id)
    steps = _count(Step, Step.value_stream_id == stream.id)
    reviews = _count(Review, Review.id.in_(review_ids))
    closed = _count(Review, Review.id.in_(review_ids), Review.status == "closed")
    findings = _count(Finding, Finding.review_id.in_(review_ids))
    actions = _count(Action, Action.review_id.in_(review_ids))
    kpis = _count(Kpi, or_(Kpi.value_stream_id == stream.id, Kpi.step_id.in_(step_ids)))
    futures = _count(ValueStream, ValueStream.derived_from_id == stream.id)
    customers = _count(Customer, Customer.value_stream_id == stream.id)
    removed = [_phrase(steps, "step")]
    if reviews:
        removed.append(f"{_phrase(reviews, 'review')} ({closed} closed) with their "
                       f"{_phrase(findings, 'finding')} and {_phrase(actions, 'action')}")
    return _sentence(removed, [
        (kpis, f"{_phrase(kpis, 'KPI')} (measurements stay)"),
        (futures, _phrase(futures, "future state")),
        (customers, f"{_phrase(customers, 'internal customer')} that {'is' if customers == 1 else 'are'} "
                    "this stream"),
    ])


def kpi_reach(kpi: Kpi) -> str:
    """Say what deleting a KPI removes and unlinks."""
    measurements = _count(KpiMeasurement, KpiMeasurement.kpi_id == kpi.id)
    links = _count(KpiOutcomeLink, KpiOutcomeLink.kpi_id == kpi.id)
    actions = _count(Action, Action.kpi_id == kpi.id)
    closed = _count(Action, Action.kpi_id == kpi.id, Action.review_id.in_(
        select(Review.id).where(Review.status == "closed")))
    kept = f" ({closed} of closed reviews, which keep the KPI's name as recorded)" if closed else ""
    return _sentence([_phrase(measurements, "measurement"), _phrase(links, "link to an outcome",
                                                                    "links to outcomes")],
                     [(actions, f"{_phrase(actions, 'review action')}{kept}")])
