"""Pages of a list that grows with the network: one COUNT and one LIMIT/OFFSET query.

Web pages take ``?page=`` (out-of-range pages show the last page, junk shows the first); the API
takes ``page`` and ``per_page`` with a documented default and maximum (API_PER_PAGE_*).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request
from sqlalchemy import Select, func, select

from app.extensions import db

WEB_PER_PAGE = 25  # a page costs what the demo network's lists cost (docs/benchmarks.md)
API_PER_PAGE_DEFAULT = 25
API_PER_PAGE_MAX = 200


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    extra: dict[str, Any] = field(default_factory=dict)

    def __iter__(self):  # a Page reads like the list of its items
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the first item on this page (0 on an empty list)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0


def page_number(value: object = None) -> int:
    """?page= as a positive number; anything else is page 1."""
    if value is None:
        value = request.args.get("page", "")
    try:
        number = int(str(value).strip())
    except ValueError:
        return 1
    return number if 1 <= number <= 10**6 else 1


def paginate(statement: Select, page: int, per_page: int, *, clamp: bool = True, scalars: bool = True,
             total: int | None = None) -> Page:
    """Run `statement` for one page. clamp: a page past the end shows the last page (web); without
    it, such a page is empty (API). `statement` must have a stable ORDER BY (ties by id)."""
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(
            statement.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = max(1, page)
    if clamp:
        page = min(page, pages)
    limited = statement.limit(per_page).offset((page - 1) * per_page)
    rows = list(db.session.scalars(limited) if scalars else db.session.execute(limited))
    return Page(items=rows, page=page, per_page=per_page, total=total)


def like_pattern(term: str) -> str:
    """A LIKE pattern that finds `term` literally anywhere (%, _ and \\ escaped; use escape='\\\\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
