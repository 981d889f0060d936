"""Reading event logs: CSV under a column mapping, XES safely and streaming, errors by row and column."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from lms.flow import log_files
from lms.flow.log_files import SKIPPED, LogEvent
from lms.kpis.measurement_files import RowError

XES = b"""<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace>
    <string key="concept:name" value="case-1"/>
    <string key="segment" value="enterprise"/>
    <event><string key="concept:name" value="Receive"/><string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2026-03-02T09:00:00.000+01:00"/><string key="org:resource" value="ana"/></event>
    <event><string key="concept:name" value="Receive"/><string key="lifecycle:transition" value="assign"/>
      <date key="time:timestamp" value="2026-03-02T09:10:00.000+01:00"/></event>
    <event><string key="concept:name" value="Receive"/><string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2026-03-02T09:30:00.000+01:00"/></event>
  </trace>
</log>"""


def _read(text: str, mapping=None) -> list:
    return list(log_files.csv_events(io.BytesIO(text.encode()), mapping))


def test_a_tracker_export_is_read_under_guessed_columns():
    # The shape of a Jira-like export: its own names, semicolons, an extra column.
    items = _read("Issue key;Status;Changed at;Assignee;Summary\nQ-1;In review;2026-03-02 09:00;ana;x\n")
    assert items == [LogEvent(2, "Q-1", "In review", datetime(2026, 3, 2, 9), "complete", "ana", "", "")]


def test_mapped_columns_and_lifecycle():
    text = "id,what,when,phase\n7,Pack,2026-03-02T10:00:00Z,START\n7,Pack,2026-03-02T11:00:00,complete\n"
    mapping = {"case_id": "id", "activity": "what", "timestamp": "when", "lifecycle": "phase"}
    items = _read(text, mapping)
    assert [(e.row, e.lifecycle, e.occurred_at.hour) for e in items] == [(2, "start", 10), (3, "complete", 11)]


@pytest.mark.parametrize(("row", "column", "words"), [
    (",Pack,2026-03-02T10:00:00,start", "case_id", "empty"),
    ("7,,2026-03-02T10:00:00,start", "activity", "empty"),
    ("7,Pack,02/03/2026,start", "timestamp", "ISO 8601"),
    ("7,Pack,2026-02-30T10:00:00,start", "timestamp", "ISO 8601"),
    ("7,Pack,2026-03-02T10:00:00,begun", "lifecycle", "start or complete"),
    ("7," + "x" * 201 + ",2026-03-02T10:00:00,start", "activity", "200"),
])
def test_a_bad_row_is_named_by_row_and_column(row, column, words):
    [error] = _read("case_id,activity,timestamp,lifecycle\n" + row + "\n")
    assert (error.row, error.column) == (2, column) and words in error.message


def test_every_problem_of_a_row_is_listed():
    errors = _read("case_id,activity,timestamp\n,,soon\n")
    assert {(e.row, e.column) for e in errors} == {(2, "case_id"), (2, "activity"), (2, "timestamp")}


def test_a_mapping_must_name_the_required_columns_once():
    errors = _read("a,b\n1,2\n", {"case_id": "a", "activity": "a", "timestamp": None})
    assert {e.column for e in errors} == {"timestamp", "case_id", "activity"}
    assert all(e.row == 1 for e in errors)


def test_not_utf8_is_an_error_not_a_crash():
    items = list(log_files.csv_events(io.BytesIO("case_id,activity,timestamp\n1,Caf\xe9,2026-03-02\n".encode("latin-1"))))
    assert isinstance(items[-1], RowError) and "UTF-8" in items[-1].message


def test_xes_traces_give_their_case_and_attributes_and_other_transitions_are_skipped():
    items = list(log_files.xes_events(io.BytesIO(XES)))
    assert items[1] is SKIPPED
    start, complete = items[0], items[2]
    assert (start.case_id, start.activity, start.lifecycle, start.resource, start.segment) == \
        ("case-1", "Receive", "start", "ana", "enterprise")
    assert start.occurred_at == datetime(2026, 3, 2, 9)  # the wall-clock time as the log shows it
    assert (complete.row, complete.lifecycle) == (3, "complete")


@pytest.mark.parametrize("attack", [
    b'<?xml version="1.0"?><!DOCTYPE log [<!ENTITY x "boom">]><log><trace>&x;</trace></log>',
    b'<?xml version="1.0"?><!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]><log>&x;</log>',
])
def test_xes_with_a_dtd_or_entities_is_refused(attack):
    [error] = list(log_files.xes_events(io.BytesIO(attack)))
    assert error.column == "file" and "DTD" in error.message


def test_xes_that_is_not_xml_or_not_a_log_is_an_error():
    assert "well-formed" in list(log_files.xes_events(io.BytesIO(b"<log><trace>")))[-1].message
    assert "not an XES log" in list(log_files.xes_events(io.BytesIO(b"<html></html>")))[0].message


def test_json_events_check_types_and_fields():
    items = list(log_files.json_events([{"case_id": "1", "activity": "A", "timestamp": "2026-03-02T09:00:00"},
                                      {"case_id": 1, "activity": "A", "timestamp": "2026-03-02"},
                                      {"case_id": "1", "activity": "A", "timestamp": "2026-03-02", "x": 1},
                                      "nope"]))
    assert isinstance(items[0], LogEvent)
    assert [(e.row, e.column) for e in items[1:]] == [(2, "case_id"), (3, "x"), (4, "event")]
