"""Filters and globals the templates share."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app
from flask_login import current_user

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


def register_template_helpers(app: Flask) -> None:
    """Make the shared filters and globals available to every template."""
    app.jinja_env.globals["nav_items"] = _nav_items
    app.jinja_env.filters["day"] = _format_date
    app.jinja_env.filters["number"] = _format_number
    app.jinja_env.filters["pct"] = _format_pct
