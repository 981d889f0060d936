"""Many measurements at once from pasted rows or a CSV file: read and checked, errors by row and column.

Nothing here writes: ``lms.transfer.measurement_services`` shows what the checked rows would do and
writes them, all or none, once the person confirms.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from lms.errors import DomainError, ValidationFailed
from lms.kpis.schemas import MAX_BATCH, MeasurementBatchIn, MeasurementIn
from lms.validation import validate

COLUMNS = ("measured_on", "value", "note")
_ALIASES = {"date": "measured_on", "day": "measured_on", "measured on": "measured_on"}


@dataclass(frozen=True)
class RowError:
    """What is wrong in one row and column of an import; row None is about the whole input."""

    row: int | None
    column: str
    message: str


class ImportRejected(DomainError):
    """Raise when an import has errors; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s); nothing was imported.")
        self.errors = errors


@dataclass
class ParsedRows:
    """Rows read from the input, each with the line it came from."""

    rows: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "\t" in first:
        return "\t"  # pasted from a spreadsheet
    return ";" if ";" in first and "," not in first else ","


def _header(cells: list[str]) -> list[str] | None:
    """Return the column names when a row is a header, else None."""
    names = [_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in cells]
    return names if names and names[0] in COLUMNS else None


def _header_errors(names: list[str]) -> list[RowError]:
    errors = [RowError(1, name or "(blank)", f"Unknown column; use {', '.join(COLUMNS)}.")
              for name in names if name not in COLUMNS]
    errors += [RowError(1, name, "This column appears twice.")
               for i, name in enumerate(names) if name in COLUMNS and name in names[:i]]
    errors += [RowError(1, name, "This column is missing from the header.")
               for name in COLUMNS[:2] if name not in names]
    return errors


def parse_rows(text: str, *, header_required: bool = False) -> ParsedRows:
    """Read ``date,value[,note]`` rows, or rows under a ``measured_on,value,note`` header."""
    parsed = ParsedRows()
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    names: list[str] | None = None
    for cells in _readable(reader, parsed):
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if names is None and not parsed.rows and not parsed.errors:
            names = _header(cells)
            if names is not None:
                parsed.errors += _header_errors(names)
                continue
            if header_required:
                parsed.errors.append(RowError(line, "measured_on", "The file needs a header row: "
                                                                   "measured_on,value,note."))
                return parsed
        if len(parsed.rows) >= MAX_BATCH:
            parsed.errors.append(RowError(line, "", f"Too many rows: at most {MAX_BATCH} at once."))
            return parsed
        parsed.rows.append(_row(cells, names, delimiter))
        parsed.lines.append(line)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(None, "", "Nothing to import: paste rows or choose a CSV file."))
    return parsed


def _readable(reader, parsed: ParsedRows):
    """Yield the reader's rows; a line CSV cannot read (e.g. a field past its size limit) is an error."""
    try:
        yield from reader
    except csv.Error as error:
        parsed.errors.append(RowError(reader.line_num, "", f"This line cannot be read as CSV: {error}."))


def _row(cells: list[str], names: list[str] | None, delimiter: str) -> dict:
    names = names or list(COLUMNS)
    if len(cells) > len(names) and names[-1] == "note":
        # An unquoted note may hold the delimiter: keep the rest of the line whole.
        cells = cells[: len(names) - 1] + [delimiter.join(cells[len(names) - 1:])]
    row = {name: cell.strip() for name, cell in zip(names, cells, strict=False) if name in COLUMNS}
    row.setdefault("note", "")
    return row


def decode(data: bytes) -> str:
    """Read an uploaded file's text: UTF-8 (with or without BOM), else Windows-1252 from Excel."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _by_row(failed: ValidationFailed, lines: list[int]) -> list[RowError]:
    """Turn ``measurements.3.value`` errors into the row and column the person sees."""
    errors = []
    for key, messages in failed.fields.items():
        parts = key.split(".")
        if len(parts) >= 3 and parts[0] == "measurements" and parts[1].isdigit():
            row, column = lines[int(parts[1])], parts[2]
        else:
            row, column = None, key
        for message in messages:
            errors.append(RowError(row, column, _same_date_message(message, lines)))
    return _sorted(errors)


def _same_date_message(message: str, lines: list[int]) -> str:
    marker = "also appears in measurements."
    if marker not in message:
        return message
    head, _, tail = message.partition(marker)
    index, _, rest = tail.partition(";")
    return f"{head}also appears in row {lines[int(index)]};{rest}" if index.isdigit() else message


def check_rows(text: str, *, header_required: bool = False) -> list[tuple[int, MeasurementIn]]:
    """Return each row's line and measurement; raise ImportRejected listing each bad row and column."""
    parsed = parse_rows(text, header_required=header_required)
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    errors: list[RowError] = []
    try:
        payload = validate(MeasurementBatchIn, {"measurements": parsed.rows})
    except ValidationFailed as failed:
        errors = _by_row(failed, parsed.lines)
    errors = _sorted(errors + _repeated_dates(parsed, {(e.row, e.column) for e in errors}))
    if errors:
        raise ImportRejected(errors)
    return list(zip(parsed.lines, payload.measurements, strict=True))


def _repeated_dates(parsed: ParsedRows, flagged: set) -> list[RowError]:
    """Name every row whose date an earlier row already has, so all problems show at once."""
    first: dict[str, int] = {}
    errors = []
    for line, row in zip(parsed.lines, parsed.rows, strict=True):
        day = row.get("measured_on", "")
        if (line, "measured_on") in flagged or not day:
            continue
        if day in first:
            errors.append(RowError(line, "measured_on", f"{day} also appears in row {first[day]}; "
                                                        "one measurement per date."))
        else:
            first[day] = line
    return errors


def _sorted(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (e.row or 0, COLUMNS.index(e.column) if e.column in COLUMNS else 9))
