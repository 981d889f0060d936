"""CSV and XLSX files in and out, safely: workbooks are checked before they are expanded, rows are
read streaming and stop at the limit, and exported text can never run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO, Any
from xml.etree.ElementTree import ParseError  # noqa: S405 - only the exception; parsing goes through defusedxml

from lms.errors import DomainError
from lms.kpis.measurement_files import RowError

MAX_ROWS = 200_000
MAX_CELL_CHARS = 10_000
# A workbook is a zip of XML parts. These bound what its parts may expand to before any is read:
# a 1 MB file can otherwise hold a gigabyte of text.
PART_LIMIT = 64 * 1024 * 1024
SHARED_STRINGS_LIMIT = 16 * 1024 * 1024  # loaded whole by the reader, unlike the streamed sheets
TOTAL_LIMIT = 256 * 1024 * 1024
RATIO_LIMIT = 200  # a part over 1 MB that expands more than this many times its packed size
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class TableRejected(DomainError):
    """Raise when a table has errors; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s); nothing was imported.")
        self.errors = errors


# Reading -------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """Return a cell as the text lms reads; a quote lms put before a formula-like text is dropped."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _delimiter(first_line: str) -> str:
    if "\t" in first_line:
        return "\t"  # pasted from a spreadsheet
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _csv_rows(stream: IO[bytes]) -> Iterator[list[Any]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    first_line = text.readline()
    text.seek(0)  # uploads and files are seekable; the header decides the delimiter
    yield from csv.reader(text, delimiter=_delimiter(first_line))


def check_workbook(stream: IO[bytes]) -> None:
    """Refuse a workbook whose parts would expand beyond the limits, before reading any of them."""
    with zipfile.ZipFile(stream) as archive:
        parts = archive.infolist()
    stream.seek(0)
    problem = None
    if sum(part.file_size for part in parts) > TOTAL_LIMIT:
        problem = f"its parts expand to more than {TOTAL_LIMIT // 2**20} MB"
    for part in parts:
        limit = SHARED_STRINGS_LIMIT if part.filename.lower() == "xl/sharedstrings.xml" else PART_LIMIT
        if part.file_size > limit:
            problem = f"its part {part.filename[:80]} expands to more than {limit // 2**20} MB"
        elif part.file_size > 2**20 and part.file_size > RATIO_LIMIT * max(part.compress_size, 1):
            problem = f"its part {part.filename[:80]} expands more than {RATIO_LIMIT} times"
    if problem:
        raise TableRejected([RowError(None, "file", f"This workbook is refused: {problem}. "
                                                    f"Split it, or save it as CSV.")])


def _xlsx_rows(stream: IO[bytes]) -> Iterator[list[Any]]:
    # openpyxl is imported where a workbook is read or written: `lms --help` never loads it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_workbook(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except InvalidFileException as error:
        raise ValueError(str(error)) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # trust no <dimension>: read row by row until the rows end
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


# What a damaged or disguised file raises while it is read: a refusal, never a server error.
UNREADABLE = (csv.Error, zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, ParseError,
              EOFError)


def readable_rows(filename: str, stream: IO[bytes]) -> Iterator[list[str]]:
    """Yield the file's rows as text, blank ones included, at most ``MAX_ROWS`` + 1 of them.

    A file that cannot be read, a row past the limit or a cell longer than ``MAX_CELL_CHARS``
    rejects the table with the reason; rows are read one at a time, never the whole sheet first.
    """
    xlsx = filename.lower().endswith(".xlsx")
    read = 0
    try:
        for cells in _xlsx_rows(stream) if xlsx else _csv_rows(stream):
            read += 1
            if read > MAX_ROWS + 1:
                raise TableRejected([RowError(read, "", f"Too many rows: at most {MAX_ROWS:,} at once.")])
            texts = [cell_text(value) for value in cells]
            if any(len(text) > MAX_CELL_CHARS for text in texts):
                message = f"A cell holds more than {MAX_CELL_CHARS:,} characters."
                raise TableRejected([RowError(read, "", message)])
            yield texts
    except UNREADABLE as error:
        kind = "an .xlsx workbook" if xlsx else "a CSV file"
        raise TableRejected([RowError(read + 1 if read else None, "file",
                                      f"This cannot be read as {kind}: {str(error)[:200]}")]) from None


# Writing -------------------------------------------------------------------------------


def neutralized(value: Any) -> Any:
    """Return text that a spreadsheet would run as a formula with a leading quote; else the value."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _xlsx_cell(sheet, value: Any, cell_type: type) -> Any:
    if not isinstance(value, str):
        return value
    cell = cell_type(sheet, value=value)
    cell.data_type = "s"  # text stays text: openpyxl would make "=…" a formula
    return cell


def render(header: list[str], rows: Iterable[list[Any]], fmt: str,
           notes: Iterable[list[Any]] = ()) -> bytes:
    """Write a header row and ``rows`` as CSV or XLSX bytes (XLSX: ``notes`` on a second sheet)."""
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        for title, lines in (("data", [header, *rows]), ("columns", list(notes))):
            if title == "columns" and not lines:
                continue
            sheet = workbook.create_sheet(title)
            for line in lines:
                sheet.append([_xlsx_cell(sheet, value, WriteOnlyCell) for value in line])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([neutralized(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")
