"""Helpers the browser tests share: logging a member in, the Danish text, and the page checks."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from app.auth.tokens import issue_login_link
from app.extensions import db
from app.models import Member


def translated(server, msgid: str, **values) -> str:
    """`msgid` as the Danish pages show it."""
    with server.app.test_request_context("/"), force_locale("da"):
        return _(msgid, **values)


def log_in(server, page, member_id: int) -> None:
    """Log the member in on `page` through a login link, as from the mail."""
    with server.app_context():
        link = issue_login_link(db.session.get(Member, member_id))
        db.session.commit()
    page.goto(link)
    with page.expect_navigation():
        page.click("form[action*='/login/'] button[type=submit]")
    assert "/login" not in page.url


def assert_fits(page) -> None:
    """Nothing scrolls sideways (at 390 px a wide table, panel or button row would)."""
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def assert_clean(page) -> None:
    """The page has settled without a script error."""
    page.wait_for_load_state("networkidle")
    assert page.errors == [], page.errors
