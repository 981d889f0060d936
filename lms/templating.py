"""Filters and globals the templates share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

from lms.lean.durations import format_day, format_duration, working_day

NAV = [
    ("dashboard.index", "Dashboard"),
    ("streams.index", "Value streams"),
    ("customers.index", "Customers & jobs"),
    ("kpis.index", "KPIs"),
    ("reviews.index", "Reviews"),
    ("history.index", "History"),
    ("transfer.index", "Import / export"),
]


def _nav_items() -> list[tuple[str, str]]:
    """Return the navigation entries whose feature is mounted in this app."""
    endpoints = current_app.view_functions
    items = [(endpoint, label) for endpoint, label in NAV if endpoint in endpoints]
    if current_user.is_authenticated and current_user.role == "admin":
        items.append(("admin.users", "Admin"))
    return items


def _format_date(value: date | datetime | None, fmt: str = "%Y-%m-%d") -> str:
    return value.strftime(fmt) if value else "—"


def _format_number(value: float | None, digits: int | None = None) -> str:
    """Format a figure: whole numbers plainly, else one decimal; ``digits`` fixes the decimals."""
    if value is None:
        return "—"
    if digits is None:
        digits = 0 if float(value).is_integer() else 1
    return f"{value:,.{digits}f}"


def _format_pct(ratio: float | None, digits: int = 1) -> str:
    return "—" if ratio is None else f"{ratio * 100:.{digits}f} %"


def context_day(context: Context) -> float | None:
    """Return the working day of the page's stream (its ``stream`` variable), or None without one.

    A page may name the day itself with a ``day_s`` variable (e.g. a page about several streams).
    """
    if "day_s" in context:
        return context["day_s"]
    stream: Any = context.get("stream")
    return working_day(getattr(stream, "available_seconds_per_day", None))


class _PageDay:
    """The default day of ``duration``: the page's own (``context_day``)."""


PAGE_DAY = _PageDay()


@pass_context
def _duration(context: Context, seconds: float, day_s: float | None | _PageDay = PAGE_DAY) -> str:
    """Write a duration in the page's working days (see ``context_day``), or in those of ``day_s``."""
    return format_duration(seconds, context_day(context) if isinstance(day_s, _PageDay) else day_s)


@pass_context
def _day_note(context: Context) -> str:
    """Say once what a day is on the page's stream: "1 d = one working day of 7 h 30 min"."""
    return format_day(context_day(context))


def register_template_helpers(app: Flask) -> None:
    """Make the shared filters and globals available to every template."""
    app.jinja_env.globals["nav_items"] = _nav_items
    app.jinja_env.globals["duration"] = _duration
    app.jinja_env.globals["day_note"] = _day_note
    app.jinja_env.globals["working_day"] = working_day
    app.jinja_env.filters["day"] = _format_date
    app.jinja_env.filters["number"] = _format_number
    app.jinja_env.filters["pct"] = _format_pct
