"""Read event logs as a stream of events: CSV with mapped columns, XES (IEEE 1849), or JSON objects.

Every reader yields ``LogEvent``s and ``RowError``s one by one and holds nothing else, so a log
of any length is read in flat memory. XES is parsed with defusedxml's ``iterparse`` with DTDs,
entities and external references refused (no XML bombs, no file disclosure), and each trace is
dropped once read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import IO, Any, NamedTuple

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from lms.kpis.measurement_files import RowError
from lms.models import LIFECYCLES

ROLES = ("case_id", "activity", "timestamp", "lifecycle", "resource", "customer", "segment")
REQUIRED_ROLES = ("case_id", "activity", "timestamp")
ROLE_LABELS = {"case_id": "Case id", "activity": "Activity", "timestamp": "Timestamp",
               "lifecycle": "Lifecycle (start / complete)", "resource": "Resource",
               "customer": "Customer", "segment": "Segment"}
# Header names trackers and process-mining tools use for each role, compared case-insensitively.
GUESSES: dict[str, tuple[str, ...]] = {
    "case_id": ("case_id", "case id", "case", "caseid", "case:concept:name", "ticket", "ticket id",
                "issue", "issue key", "key", "order", "order id", "trace"),
    "activity": ("activity", "concept:name", "activity name", "status", "state", "event", "task", "step"),
    "timestamp": ("timestamp", "time:timestamp", "time", "date", "datetime", "occurred_at", "created",
                  "changed at", "start time", "end time"),
    "lifecycle": ("lifecycle", "lifecycle:transition", "transition", "event type", "type"),
    "resource": ("resource", "org:resource", "assignee", "user", "performer", "agent"),
    "customer": ("customer", "client", "account", "customer id", "case:customer"),
    "segment": ("segment", "customer segment", "tier", "case:segment"),
}
LIMITS = {"case_id": 200, "activity": 200, "resource": 200, "customer": 200, "segment": 100}
# XES transitions that are neither a start nor a completion: read and left out, never an error.
OTHER_TRANSITIONS = frozenset({"schedule", "assign", "reassign", "suspend", "resume", "autoskip",
                               "manualskip", "withdraw", "ate_abort", "pi_abort", "unknown"})
XES_KEYS = {"concept:name": "activity", "time:timestamp": "timestamp", "lifecycle:transition": "lifecycle",
            "org:resource": "resource", "customer": "customer", "case:customer": "customer",
            "segment": "segment", "case:segment": "segment"}


class LogEvent(NamedTuple):
    """One event read from a log, checked, with the row (CSV line, XES event number) it came from."""

    row: int
    case_id: str
    activity: str
    occurred_at: datetime
    lifecycle: str
    resource: str = ""
    customer: str = ""
    segment: str = ""
    customer_ref: int | None = None  # an lms customer's id, given through the API


class Skipped:
    """A read event the log marks with a transition lms does not measure (``assign``, ``suspend`` …)."""


SKIPPED = Skipped()
Item = LogEvent | RowError | Skipped


def parse_timestamp(text: str) -> datetime:
    """Read an ISO 8601 timestamp; an offset is dropped and the wall-clock time kept, as the log shows it."""
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo is None else value.replace(tzinfo=None)


def check_event(row: int, fields: Mapping[str, str | None],
                customer_ref: int | None = None) -> LogEvent | Skipped | list[RowError]:
    """Check one event's fields (strings by role): the event, every problem of its row, or SKIPPED."""
    errors: list[RowError] = []
    for role in REQUIRED_ROLES:
        if not (fields.get(role) or "").strip():
            errors.append(RowError(row, role, f"{ROLE_LABELS[role]} is empty."))
    values: dict[str, str] = {}
    for role, limit in LIMITS.items():
        value = (fields.get(role) or "").strip()
        if "\x00" in value:
            errors.append(RowError(row, role, "Remove the NUL character."))
        elif len(value) > limit:
            errors.append(RowError(row, role, f"At most {limit} characters."))
        values[role] = value
    lifecycle = (fields.get("lifecycle") or "").strip().lower() or "complete"
    if lifecycle in OTHER_TRANSITIONS and not errors:
        return SKIPPED
    if lifecycle not in LIFECYCLES:
        errors.append(RowError(row, "lifecycle", "Use start or complete (empty means complete)."))
    occurred_at = None
    if (fields.get("timestamp") or "").strip():
        try:
            occurred_at = parse_timestamp(fields["timestamp"])
        except ValueError:
            errors.append(RowError(row, "timestamp", "Not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00)."))
    if errors or occurred_at is None:
        return errors
    return LogEvent(row, values["case_id"], values["activity"], occurred_at, lifecycle,
                    values["resource"], values["customer"], values["segment"], customer_ref)


def _emit(result: LogEvent | Skipped | list[RowError]) -> Iterator[Item]:
    """Yield a checked event, or each problem of its row."""
    if isinstance(result, list):
        yield from result
    else:
        yield result


# CSV ------------------------------------------------------------------------------------


def guess_mapping(headers: Iterable[str]) -> dict[str, str | None]:
    """Map each role to the header that most likely holds it (None when no header fits)."""
    names = list(headers)
    folded = [name.strip().lower() for name in names]
    mapping: dict[str, str | None] = {}
    taken: set[int] = set()
    for role in ROLES:
        mapping[role] = None
        for guess in GUESSES[role]:
            index = next((i for i, name in enumerate(folded) if name == guess and i not in taken), None)
            if index is not None:
                mapping[role] = names[index]
                taken.add(index)
                break
    return mapping


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def open_csv(stream: IO[bytes]) -> tuple[list[str], Any, io.TextIOWrapper]:
    """Open a CSV upload: its header, a reader over the other rows, and the text layer to detach."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    first = text.readline()
    delimiter = _delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter), [])
    return [name.strip() for name in header], csv.reader(text, delimiter=delimiter), text


def csv_preview(stream: IO[bytes], rows: int = 8) -> tuple[list[str], list[list[str]]]:
    """Return the header and the first rows of a CSV log, for the column-mapping page."""
    header, reader, text = open_csv(stream)
    sample: list[list[str]] = []
    try:
        for cells in reader:
            if len(sample) >= rows:
                break
            sample.append(cells)
    except (UnicodeDecodeError, csv.Error):
        pass
    text.detach()  # leave the caller's file open
    return header, sample


def mapping_errors(header: list[str], mapping: Mapping[str, str | None]) -> list[RowError]:
    """Check a column mapping against a header: required roles mapped, each column used once."""
    errors = [RowError(1, role, f"Choose the column that holds the {ROLE_LABELS[role].lower()}.")
              for role in REQUIRED_ROLES if not mapping.get(role)]
    errors += [RowError(1, role, f"There is no column {column!r} in the file.")
               for role, column in mapping.items() if column and column not in header]
    used = [column for column in mapping.values() if column]
    errors += [RowError(1, role, f"The column {column!r} is chosen for two roles.")
               for role, column in mapping.items() if column and used.count(column) > 1]
    return errors


def csv_events(stream: IO[bytes], mapping: Mapping[str, str | None] | None = None) -> Iterator[Item]:
    """Read a CSV log row by row under ``mapping`` (role -> header; guessed from the header when None)."""
    try:
        header, reader, text = open_csv(stream)
    except UnicodeDecodeError:
        yield RowError(1, "file", "The file is not UTF-8 text.")
        return
    try:
        yield from _csv_rows(header, reader, mapping)
    finally:
        text.detach()  # leave the caller's file open


def _csv_rows(header: list[str], reader: Any, mapping: Mapping[str, str | None] | None) -> Iterator[Item]:
    """Check the mapping, then read and check each row under it."""
    mapping = dict(mapping or guess_mapping(header))
    errors = mapping_errors(header, mapping)
    if errors:
        yield from errors
        return
    index = {role: header.index(column) for role, column in mapping.items() if column}
    try:
        yield from _checked_rows(index, len(header), reader)
    except UnicodeDecodeError:
        yield RowError(reader.line_num + 2, "file", "This line is not UTF-8 text.")
    except csv.Error as error:
        yield RowError(reader.line_num + 1, "file", f"The CSV cannot be read here: {error}.")


# A lifecycle cell as written (stripped) -> the lifecycle it means; anything else takes the full check.
_LIFECYCLE_CELLS = {"": "complete", "start": "start", "complete": "complete", "Start": "start",
                    "Complete": "complete", "START": "start", "COMPLETE": "complete"}


def _checked_rows(index: Mapping[str, int], width: int, reader: Any) -> Iterator[Item]:
    """Yield each row's event, or its problems; the common row (every field plainly right) fast.

    A million-row log spends most of its reading time here: the common row is checked inline
    (the checks of ``check_event``, without a dictionary or a call per row); any other row goes
    to ``check_event``, which says what is wrong. A role without a column reads the empty cell
    appended to every row.
    """
    case_i, activity_i, time_i = index["case_id"], index["activity"], index["timestamp"]
    life_i, resource_i, customer_i, segment_i = (index.get(role, width) for role in
                                                 ("lifecycle", "resource", "customer", "segment"))
    lifecycles = _LIFECYCLE_CELLS
    resource_limit, customer_limit, segment_limit = LIMITS["resource"], LIMITS["customer"], LIMITS["segment"]
    fromisoformat = datetime.fromisoformat
    event = LogEvent
    for cells in reader:
        line = reader.line_num + 1  # the header was read before the reader began
        if len(cells) < width:
            if not any(cell.strip() for cell in cells):
                continue
            cells = cells + [""] * (width - len(cells))
        cells.append("")
        case_id, activity = cells[case_i].strip(), cells[activity_i].strip()
        resource, customer = cells[resource_i].strip(), cells[customer_i].strip()
        segment = cells[segment_i].strip()
        lifecycle = lifecycles.get(cells[life_i].strip())
        if lifecycle is not None and case_id and activity and len(case_id) <= 200 and len(activity) <= 200 \
                and len(resource) <= resource_limit and len(customer) <= customer_limit \
                and len(segment) <= segment_limit and "\x00" not in "".join(cells):
            try:
                moment = fromisoformat(cells[time_i].strip())
            except ValueError:
                pass
            else:
                if moment.tzinfo is not None:
                    moment = moment.replace(tzinfo=None)
                yield event(line, case_id, activity, moment, lifecycle, resource, customer, segment)
                continue
        yield from _emit(check_event(line, {role: cells[i] for role, i in index.items()}))


# XES ------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attributes(element) -> dict[str, str]:
    """Return an XES element's own attributes (its direct children with key/value) by role."""
    values = {}
    for child in element:
        key = child.get("key")
        if key in XES_KEYS and child.get("value") is not None:
            values[XES_KEYS[key]] = child.get("value")
    return values


def xes_events(stream: IO[bytes]) -> Iterator[Item]:
    """Read an XES log trace by trace; trace attributes (case name, customer, segment) reach its events."""
    number = 0
    root = None
    try:
        for kind, element in iterparse(stream, events=("start", "end"), forbid_dtd=True,
                                       forbid_entities=True, forbid_external=True):
            if root is None:
                root = element
                if _local(element.tag) != "log":
                    yield RowError(None, "file", "This is not an XES log (the root element is not <log>).")
                    return
            if kind != "end" or _local(element.tag) != "trace":
                continue
            trace = _attributes(element)
            case_id = trace.get("activity", "")  # a trace's concept:name is its case id
            shared = {role: trace[role] for role in ("customer", "segment") if role in trace}
            for child in element:
                if _local(child.tag) != "event":
                    continue
                number += 1
                yield from _emit(check_event(number, {**shared, **_attributes(child), "case_id": case_id}))
            root.clear()  # drop the trace read: memory stays flat
    except DefusedXmlException:
        yield RowError(None, "file", "The XES file declares a DTD or entities; lms does not read those.")
    except SyntaxError as error:  # ParseError
        yield RowError(None, "file", f"The XES file is not well-formed XML: {error}.")


# JSON -----------------------------------------------------------------------------------


def json_events(items: Iterable[Any]) -> Iterator[Item]:
    """Read events given as JSON objects (the API); ``row`` is the 1-based position in the list."""
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield RowError(number, "event", "Each event must be an object.")
            continue
        unknown = set(item) - set(ROLES) - {"customer_id"}
        if unknown:
            yield RowError(number, sorted(unknown)[0], "Unknown field.")
            continue
        fields = {role: item.get(role) for role in ROLES}
        wrong = [role for role, value in fields.items() if value is not None and not isinstance(value, str)]
        customer_ref = item.get("customer_id")
        if customer_ref is not None and (isinstance(customer_ref, bool) or not isinstance(customer_ref, int)):
            wrong.append("customer_id")
        if wrong:
            yield RowError(number, wrong[0], "Must be a string." if wrong[0] != "customer_id" else
                           "Must be the id of a customer of your organization.")
            continue
        yield from _emit(check_event(number, fields, customer_ref))
