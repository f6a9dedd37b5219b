"""`page` and `per_page` for the API's lists that grow with the network.

The body stays a JSON array; the headers say where it is: `X-Total-Count` (all matches),
`X-Page`, `X-Per-Page` and a `Link` header with rel="next"/"prev" (RFC 8288). `per_page`
defaults to 25 and is at most 200: a larger value is a 422, as is a page below 1. A page past
the end is an empty array (with the total, so a client knows where the end is).
"""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from app.pagination import API_PER_PAGE_DEFAULT, API_PER_PAGE_MAX, Page

MAX_PAGE = 1_000_000

PAGINATION_DOC = (" The list comes in pages: `page` (from 1) and `per_page` "
                  f"(default {API_PER_PAGE_DEFAULT}, "
                  f"at most {API_PER_PAGE_MAX}). The headers `X-Total-Count`, `X-Page`, `X-Per-Page` and "
                  "`Link` (rel=\"next\", rel=\"prev\") tell where the page is; past the last page the "
                  "list is empty.")


class _Count(fields.Integer):
    """A whole number in a query string ("5"; "5.0" too, as JSON Schema's integer allows)."""

    def __init__(self, low: int, high: int, **kwargs) -> None:
        self.low, self.high = low, high
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        try:
            number = float(text) if "." in text else int(text)
        except (ValueError, OverflowError):
            raise ValidationError(_("Please enter a whole number.")) from None
        if isinstance(number, float):
            if not number.is_integer():
                raise ValidationError(_("Please enter a whole number."))
            number = int(number)
        if not self.low <= number <= self.high:
            raise ValidationError(_("Please enter a number from %(low)d to %(high)d.",
                                    low=self.low, high=self.high))
        return number


class PageQuerySchema(Schema):
    page = _Count(1, MAX_PAGE, load_default=1,
                  metadata={"description": "Page number, from 1", "minimum": 1, "maximum": MAX_PAGE})
    per_page = _Count(1, API_PER_PAGE_MAX, load_default=API_PER_PAGE_DEFAULT,
                      metadata={"description": f"Entries per page (default {API_PER_PAGE_DEFAULT}, "
                                               f"at most {API_PER_PAGE_MAX})",
                                "minimum": 1, "maximum": API_PER_PAGE_MAX})


def page_headers(page: Page) -> dict[str, str]:
    """The headers that place `page` in the whole list."""
    headers = {"X-Total-Count": str(page.total), "X-Page": str(page.page), "X-Per-Page": str(page.per_page)}
    links = []
    args = {k: v for k, v in request.args.items() if not k.startswith("_")}
    view_args = dict(request.view_args or {})

    def link(number: int, rel: str) -> str:
        url = url_for(request.endpoint, **{**args, **view_args, "page": number}, _external=True)
        return f'<{url}>; rel="{rel}"'

    if page.page > 1:
        links.append(link(min(page.page - 1, page.pages), "prev"))
    if page.page < page.pages:
        links.append(link(page.page + 1, "next"))
    if links:
        headers["Link"] = ", ".join(links)
    return headers


# For @blp.response(..., headers=PAGE_HEADERS_DOC): the headers in the API document.
PAGE_HEADERS_DOC = {
    "X-Total-Count": {"description": "Number of entries on all pages", "schema": {"type": "integer"}},
    "X-Page": {"description": "This page's number", "schema": {"type": "integer"}},
    "X-Per-Page": {"description": "Entries per page", "schema": {"type": "integer"}},
    "Link": {"description": 'The next and previous pages (rel="next", rel="prev"), when there are any',
             "schema": {"type": "string"}},
}
