"""Write an event log into a stream, all or nothing, in flat memory.

Events arrive one by one from a reader (``lms.flow.log_files``) and leave in batches: SQLite takes
each batch as one ``INSERT OR IGNORE`` executed many times; PostgreSQL copies them into a
temporary table (COPY) and moves them with one ``INSERT … ON CONFLICT DO NOTHING`` at the end.
The unique index on (stream, case, time, activity, lifecycle) makes a re-import add nothing
twice. After the first bad row nothing more is written; reading goes on to report up to
``MAX_ERRORS`` problems, then the transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from lms import content
from lms.extensions import db
from lms.flow.log_files import Item, LogEvent
from lms.kpis.measurement_files import RowError
from lms.models import Customer, FlowActivity, FlowEvent, Step, ValueStream

BATCH = 10_000
SQLITE_CACHE_KIB = 2000  # for the length of a load: flat, whatever the log's size
MAX_ERRORS = 100
COLUMNS = ("organization_id", "value_stream_id", "case_id", "activity_id", "occurred_at", "at_s", "lifecycle",
           "resource", "customer", "customer_id", "segment")
EPOCH = datetime(1970, 1, 1)
SECOND = timedelta(seconds=1)  # (moment - EPOCH) // SECOND: whole seconds, floored, as an int
_UNKNOWN = object()
Progress = Callable[[int], None]
_NAMES = ", ".join(COLUMNS)
# Fixed table and column names, values only as parameters or COPY rows.
SQLITE_INSERT = f"INSERT OR IGNORE INTO flow_events ({_NAMES}) VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608  # nosec B608
PG_STAGE = ("CREATE TEMPORARY TABLE IF NOT EXISTS flow_events_load (LIKE flow_events INCLUDING DEFAULTS) "
            "ON COMMIT DROP")
PG_EMPTY_STAGE = "TRUNCATE flow_events_load"  # a second log in the same transaction (the demo's streams)
PG_COPY = f"COPY flow_events_load ({_NAMES}) FROM STDIN"
PG_MOVE = f"INSERT INTO flow_events ({_NAMES}) SELECT {_NAMES} FROM flow_events_load ON CONFLICT DO NOTHING"  # noqa: S608  # nosec B608


@dataclass
class LoadSummary:
    """What an import read and wrote."""

    read: int = 0
    added: int = 0
    skipped: int = 0  # events with a transition lms does not measure (XES ``assign``, ``suspend`` …)
    new_activities: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Events already in the log (a re-import), or repeated within the file."""
        return self.read - self.added


def normalized(name: str) -> str:
    """Fold a step or activity name for matching: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


class _Writer:
    """Resolve activities and customers, and send events to the database in batches."""

    def __init__(self, stream: ValueStream) -> None:
        self.stream = stream
        self.base = (stream.organization_id, stream.id)
        rows = db.session.execute(select(FlowActivity.name, FlowActivity.id)
                                  .where(FlowActivity.value_stream_id == stream.id))
        self.activities: dict[str, int] = {name: activity_id for name, activity_id in rows}
        steps = select(Step.name, Step.id).where(Step.value_stream_id == stream.id)
        # The first step of a name wins when two share it: later positions are overwritten by earlier.
        self.steps = {normalized(name): step_id for name, step_id in
                      db.session.execute(steps.order_by(Step.position.desc()))}
        self.customers = {normalized(name): customer_id for name, customer_id in db.session.execute(
            select(Customer.name, Customer.id).order_by(Customer.id.desc()))}
        self.customer_ids = set(self.customers.values())
        self.customer_by_text: dict[str, int | None] = {"": None}
        self.new_activities: list[str] = []
        self.batch: list[tuple] = []
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        if self.postgres:
            db.session.execute(text(PG_STAGE))
            db.session.execute(text(PG_EMPTY_STAGE))

    def activity_id(self, name: str) -> int:
        """Return the id of the stream's activity ``name``, adding it (matched to a step by name) if new."""
        activity_id = self.activities.get(name)
        if activity_id is None:
            activity = FlowActivity(organization_id=self.stream.organization_id,
                                    value_stream_id=self.stream.id, name=name,
                                    step_id=self.steps.get(normalized(name)))
            db.session.add(activity)
            db.session.flush([activity])
            activity_id = self.activities[name] = activity.id
            self.new_activities.append(name)
        return activity_id

    def customer_id(self, event: LogEvent) -> int | None:
        """Link an event to the lms customer it names (by id through the API, else by name)."""
        if event.customer_ref is not None:
            return event.customer_ref if event.customer_ref in self.customer_ids else None
        text = event.customer
        if text not in self.customer_by_text:  # a log names few customers: look each up once
            self.customer_by_text[text] = self.customers.get(normalized(text))
        return self.customer_by_text[text]

    def add(self, event: LogEvent) -> None:
        """Queue one event; send the batch when it is full.

        SQLite gets the timestamp in SQLAlchemy's own text form (to the microsecond), so one moment
        is always the same text and the unique index sees a repeated event as one. The common
        event (a known activity, a customer named before, no customer id) takes no call.
        """
        (_, case_id, activity, occurred_at, lifecycle, resource, customer, segment, customer_ref) = event
        activity_id = self.activities.get(activity) or self.activity_id(activity)
        customer_id = self.customer_by_text.get(customer, _UNKNOWN) if customer_ref is None else _UNKNOWN
        if customer_id is _UNKNOWN:
            customer_id = self.customer_id(event)
        moment = occurred_at if self.postgres else occurred_at.isoformat(" ", "microseconds")
        at_s = (occurred_at - EPOCH) // SECOND
        self.batch.append((*self.base, case_id, activity_id, moment, at_s, lifecycle, resource, customer,
                           customer_id, segment))
        if len(self.batch) >= BATCH:
            self.send()

    def send(self) -> None:
        """Write the queued events."""
        if not self.batch:
            return
        # Written beside the session: say so, or a value cached with reads= naming the log outlives it.
        content.note_write({FlowEvent.__tablename__}, self.base[0])
        connection = db.session.connection()
        if self.postgres:
            cursor = connection.connection.driver_connection.cursor()
            with cursor.copy(PG_COPY) as copy:
                for row in self.batch:
                    copy.write_row(row)
        else:
            connection.exec_driver_sql(SQLITE_INSERT, self.batch)
        self.batch = []

    def finish(self) -> None:
        """Write what is left; on PostgreSQL move the copied events into the log, skipping those it has."""
        self.send()
        if self.postgres:
            db.session.execute(text(PG_MOVE))


def count_events(stream: ValueStream) -> int:
    """Return how many events the stream's log holds."""
    stmt = select(func.count(FlowEvent.id)).where(FlowEvent.value_stream_id == stream.id)
    return db.session.scalar(stmt) or 0


def load(stream: ValueStream, items: Iterable[Item], progress: Progress | None = None) -> LoadSummary:
    """Write the events of ``items`` into the stream's log; on any problem write nothing and list them.

    The caller owns the transaction: it commits when ``summary.errors`` is empty, else rolls back.
    """
    summary = LoadSummary()
    before = count_events(stream)
    writer = _Writer(stream)
    _read(writer, items, summary, progress)
    if summary.errors:
        return summary
    writer.finish()
    summary.read -= summary.skipped
    summary.added = count_events(stream) - before
    summary.new_activities = writer.new_activities
    if progress is not None:
        progress(summary.read + summary.skipped)
    return summary


def _read(writer: _Writer, items: Iterable[Item], summary: LoadSummary, progress: Progress | None) -> None:
    """Pass the events to the writer, counting them; collect the problems instead once there are any."""
    add, errors = writer.add, summary.errors
    read = skipped = 0
    for item in items:
        if item.__class__ is LogEvent:  # the common item first: one test, no isinstance chain
            read += 1
            if not errors:
                add(item)
        elif isinstance(item, RowError):
            errors.append(item)
            if len(errors) >= MAX_ERRORS:
                break
            continue
        else:
            read += 1
            skipped += 1
        if progress is not None and read % BATCH == 0:
            progress(read)
    summary.read, summary.skipped = read, skipped
