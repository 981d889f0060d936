"""Malicious and broken uploads: refused with the reason, never a 500, nothing written.

Covers the step and measurement tables (CSV and XLSX), the KPI page's measurement import and the
whole-organization JSON import.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tests.security.test_api_bodies import ATTACK


def _zip(**members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


FILES = {
    "not a zip.xlsx": b"not a workbook at all",
    "empty.xlsx": b"",
    "zip without a workbook.xlsx": _zip(**{"hello.txt": "x"}),
    "broken workbook.xlsx": _zip(**{"[Content_Types].xml": "<Types", "xl/workbook.xml": "<<<"}),
    "nul.csv": b"measured_on,value,note\n2025-01-01,1,a\x00b\n",
    "utf-16.csv": "measured_on,value\n2025-01-01,1\n".encode("utf-16"),
    "field past the csv limit.csv": b"measured_on,value,note\n2025-01-01,1," + b"x" * 300_000 + b"\n",
    "nan.csv": b"measured_on,value\n2025-01-01,nan\n2025-01-02,inf\n",
    "out of range.csv": b"measured_on,value\n2025-01-01,1e400\n99999-01-01,1\n",
    "binary.csv": bytes(range(256)) * 4,
}
TABLES = [("measurements", "kpi_id"), ("steps", "stream_id")]


def _post_table(client, filled, table: str, record: str, name: str, data: bytes):
    return client.post(f"/transfer/{table}/import", data={
        f"{table}-record_id": str(filled.ids[record]), f"{table}-table": (io.BytesIO(data), name)})


@pytest.mark.parametrize("table, record", TABLES, ids=[t for t, _ in TABLES])
def test_broken_and_disguised_tables_are_refused_with_the_reason(client, filled, snapshot, table, record):
    login(client, filled.admin)
    before = snapshot(filled.org.id)
    answers = {name: _post_table(client, filled, table, record, name, data) for name, data in FILES.items()}
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(FILES, 422)
    assert "cannot be read as an .xlsx workbook" in answers["not a zip.xlsx"].get_data(as_text=True)
    assert snapshot(filled.org.id) == before


@pytest.mark.parametrize("table, record", TABLES, ids=[t for t, _ in TABLES])
def test_random_bytes_as_a_table_never_break_the_import(client, filled, snapshot, table, record):
    login(client, filled.admin)

    @settings(ATTACK, max_examples=20)
    @given(data=st.binary(max_size=2000), name=st.sampled_from(["t.csv", "t.xlsx", "t.txt"]))
    def attack(data: bytes, name: str) -> None:
        before = snapshot(filled.org.id)
        response = _post_table(client, filled, table, record, name, data)
        assert response.status_code in (302, 422), response.status_code
        if response.status_code == 422:
            assert snapshot(filled.org.id) == before

    attack()


def test_the_kpi_page_import_refuses_unreadable_lines(client, filled, snapshot):
    login(client, filled.admin)
    before = snapshot(filled.org.id)
    for data in FILES.values():
        response = client.post(f"/kpis/{filled.ids['kpi_id']}/measurements/import",
                               data={"rows": "", "file": (io.BytesIO(data), "m.csv")})
        assert response.status_code == 422
    assert snapshot(filled.org.id) == before


@pytest.mark.parametrize("data", [b"[" * 100_000, b"\xff\xfe", b"{}", b"null", b'{"schema_version": 99}'],
                         ids=["deep", "not utf-8", "empty", "null", "future version"])
def test_a_broken_json_import_is_refused_and_writes_nothing(client, make, snapshot, data):
    org = make.org("Empty")
    login(client, make.user(org, "admin"))
    before = snapshot(org.id)
    response = client.post("/transfer/import", data={"document": (io.BytesIO(data), "lms.json")})
    assert response.status_code == 422
    assert snapshot(org.id) == before


def _workbook(rows_xml: str, shared_strings: str | None = None) -> bytes:
    """A real workbook from openpyxl, its sheet's rows (and dimension) replaced by ``rows_xml``."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["measured_on", "value"])
    packed = io.BytesIO()
    book.save(packed)
    source, out = zipfile.ZipFile(io.BytesIO(packed.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                head, _, rest = text.partition("<sheetData>")
                _, _, tail = rest.partition("</sheetData>")
                head = re.sub(r"<dimension[^>]*/>", "", head)
                data = (head + "<sheetData>" + rows_xml + "</sheetData>" + tail).encode()
            target.writestr(item.filename, data)
        if shared_strings is not None:
            target.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def test_spreadsheet_bombs_are_refused_at_once_with_the_reason(client, filled, snapshot):
    """A cell that expands to 20 MB, and 250,000 empty rows without a dimension: refused with the reason.

    How fast the refusal is belongs to the benchmark, not here (a timed test fails on a busy machine).
    """
    login(client, filled.admin)
    before = snapshot(filled.org.id)
    huge_cell = _workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                          '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                          "<si><t>" + "x" * 20_000_000 + "</t></si></sst>")
    endless = _workbook('<row r="1"><c r="A1" t="inlineStr"><is><t>measured_on</t></is></c>'
                        '<c r="B1" t="inlineStr"><is><t>value</t></is></c></row>'
                        + "".join(f'<row r="{n}"/>' for n in range(2, 250_002)))
    assert len(huge_cell) < 200_000 and len(endless) < 1_000_000
    answers = {}
    for name, data in (("huge cell.xlsx", huge_cell), ("endless.xlsx", endless)):
        answers[name] = _post_table(client, filled, "measurements", "kpi_id", name, data)
    assert answers["huge cell.xlsx"].status_code == 422
    assert "expands to more than 16 MB" in answers["huge cell.xlsx"].get_data(as_text=True)
    assert answers["endless.xlsx"].status_code == 422
    assert "Too many rows" in answers["endless.xlsx"].get_data(as_text=True)
    assert snapshot(filled.org.id) == before


def test_a_cell_longer_than_the_limit_is_refused(client, filled, snapshot):
    login(client, filled.admin)
    before = snapshot(filled.org.id)
    data = b"measured_on,value,note\n2025-01-01,1," + b"x" * 20_000 + b"\n"
    answer = _post_table(client, filled, "measurements", "kpi_id", "long.csv", data)
    assert answer.status_code == 422 and "more than 10,000 characters" in answer.get_data(as_text=True)
    assert snapshot(filled.org.id) == before
