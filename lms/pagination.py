"""Pages of a list, counted in SQL."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from lms.extensions import db
from lms.validation import whole_number

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page:
    """One page of a list: the records and where they stand in the whole."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return how many pages the whole list fills."""
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1


def paginate(stmt: Select, page: int, per_page: int, *, scalars: bool = True) -> Page:
    """Run ``stmt`` for one page; the total is counted by the database."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    bounded = stmt.limit(per_page).offset((page - 1) * per_page)
    rows = db.session.scalars(bounded) if scalars else db.session.execute(bounded)
    return Page(list(rows), total, page, per_page)


def page_args(request_args, default_per_page: int = 50) -> tuple[int, int]:
    """Read ``page`` and ``per_page`` for a web page, falling back to sane values on junk."""
    def _int(name: str, default: int) -> int:
        value = whole_number(request_args.get(name))
        return default if value is None else value
    page = max(1, _int("page", 1))
    per_page = min(MAX_PER_PAGE, max(1, _int("per_page", default_per_page)))
    return page, per_page
