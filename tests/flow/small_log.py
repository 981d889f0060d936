"""A small event log computed by hand, and the stream it measures (``scenarios.quotes_office`` maps it).

The stream works 8 h a weekday from 08:00 (28,800 s). Steps: Receive, Approve, Ship.

Case A (enterprise, Northwind): Receive Mon 2 Mar 09:00-09:30, Approve 13:30-14:00, Ship Tue 09:00-10:00.
  processing 1,800 / 1,800 / 3,600 s; waiting Approve 4 h = 14,400 s, Ship 2 h Mon + 1 h Tue = 10,800 s;
  lead time Mon 09:00 -> Tue 10:00 = 7 h + 2 h = 32,400 s = 1.125 d.
Case B (small business, Wingtip): Receive Fri 6 Mar 15:00-15:30, Approve Mon 9 Mar 10:00-11:00,
  Ship 11:00-12:00. processing 1,800 / 3,600 / 3,600; waiting Approve 0.5 h + 2 h = 9,000, Ship 0;
  lead time Fri 15:00 -> Mon 12:00 = 1 h + 4 h = 18,000 s = 0.625 d.
Case C (open): Receive Tue 10 Mar 08:00-08:30, "Chase customer" (maps to no step) completes 10:00,
  Approve starts 12:30 (waiting 2.5 h = 9,000 after the chase), no completion yet.
"""

from __future__ import annotations

SMALL_STREAM = {"name": "Quotes", "daily_demand": 4, "available_seconds_per_day": 28_800}
SMALL_STEPS = [
    {"name": "Receive", "cycle_time_s": 1_800},
    {"name": "Approve", "cycle_time_s": 1_800, "wait_time_s": 28_800},
    {"name": "Ship", "cycle_time_s": 3_600, "wait_time_s": 3_600},
]


def _case(case_id: str, customer: str, segment: str, rows: list[tuple[str, str, str]]) -> list[dict]:
    return [{"case_id": case_id, "activity": activity, "timestamp": at, "lifecycle": lifecycle,
             "customer": customer, "segment": segment} for activity, lifecycle, at in rows]


SMALL_LOG = (
    _case("A", "Northwind", "enterprise", [
        ("Receive", "start", "2026-03-02T09:00:00"), ("Receive", "complete", "2026-03-02T09:30:00"),
        ("Approve", "start", "2026-03-02T13:30:00"), ("Approve", "complete", "2026-03-02T14:00:00"),
        ("Ship", "start", "2026-03-03T09:00:00"), ("Ship", "complete", "2026-03-03T10:00:00")])
    + _case("B", "Wingtip", "small business", [
        ("Receive", "start", "2026-03-06T15:00:00"), ("Receive", "complete", "2026-03-06T15:30:00"),
        ("Approve", "start", "2026-03-09T10:00:00"), ("Approve", "complete", "2026-03-09T11:00:00"),
        ("Ship", "start", "2026-03-09T11:00:00"), ("Ship", "complete", "2026-03-09T12:00:00")])
    + _case("C", "Northwind", "enterprise", [
        ("Receive", "start", "2026-03-10T08:00:00"), ("Receive", "complete", "2026-03-10T08:30:00"),
        ("Chase customer", "complete", "2026-03-10T10:00:00"), ("Approve", "start", "2026-03-10T12:30:00")])
)

SMALL_CSV = "case_id,activity,timestamp,lifecycle,customer,segment\n" + "".join(
    f"{e['case_id']},{e['activity']},{e['timestamp']},{e['lifecycle']},{e['customer']},{e['segment']}\n"
    for e in SMALL_LOG)

