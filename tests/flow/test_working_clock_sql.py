"""The working clock written in SQL gives the pure function's working seconds, in either database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, literal, select

from lms.extensions import db
from lms.flow.queries import working_clock
from lms.lean.flow import WorkingCalendar


def test_sql_clock_equals_the_python_clock(app, database):
    moments = [datetime(2026, 3, 2, 9), datetime(2026, 3, 7, 23, 59, 59), datetime(1969, 12, 31, 7, 30),
               datetime(1, 1, 1, 12), datetime(9999, 12, 31, 15), datetime(2024, 2, 29, 16, 0, 1)]
    moments += [datetime(2025, 1, 1) + timedelta(seconds=37_003 * i) for i in range(60)]
    calendars = [WorkingCalendar(28_800, 8 * 3_600), WorkingCalendar(27_600, 6 * 3_600 + 1_800),
                 WorkingCalendar(86_400, 0), WorkingCalendar(36_000, 22 * 3_600)]
    with app.app_context():
        for calendar in calendars:
            for moment in moments:
                seconds = int((moment - datetime(1970, 1, 1)).total_seconds())
                in_sql = db.session.scalar(select(working_clock(literal(seconds, BigInteger), calendar)))
                assert in_sql == calendar.clock(moment), (calendar, moment)
