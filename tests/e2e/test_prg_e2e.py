"""In real Chromium: reload and Back after a form post send nothing again (POST/redirect/GET)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.auth.tokens import issue_login_link
from app.extensions import db
from app.models import ApiToken, Meeting, MeetingSeries
from tests.factories import create_group, create_organizer

pytestmark = pytest.mark.e2e

YEAR = max(2027, date.today().year + 1)


def _log_in(live_server, page) -> str:
    with live_server.app_context():
        group = create_group(name="Kaffeklub Vest", slug="kaffeklub-vest")
        organizer = create_organizer(group, name="Olga Organisator")
        link = issue_login_link(organizer)
        db.session.commit()
    page.goto(link)
    with page.expect_navigation():
        page.click("form[action*='/login/'] button[type=submit]")
    assert "/login" not in page.url
    return "kaffeklub-vest"


def _count(live_server, model) -> int:
    with live_server.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _no_resubmission_page(page) -> None:
    # Chromium's "Confirm Form Resubmission" is an error page (ERR_CACHE_MISS) without our layout.
    assert page.locator("main").count() == 1, page.content()[:500]


def test_token_reload_and_back_create_nothing_more(live_server, page):
    _log_in(live_server, page)
    page.goto(f"{live_server.url}/profile")
    page.goto(f"{live_server.url}/profile/tokens")
    page.fill("#name", "CRM sync")
    with page.expect_navigation():
        page.click("form[action='/profile/tokens'] button[type=submit]")
    assert page.url.endswith("/profile/tokens")
    assert page.locator("#new-token-value").input_value().startswith("kk_")
    assert _count(live_server, ApiToken) == 1

    page.reload()
    _no_resubmission_page(page)
    assert page.locator("#new-token-value").count() == 0  # shown once only
    assert _count(live_server, ApiToken) == 1

    page.go_back()
    _no_resubmission_page(page)
    assert _count(live_server, ApiToken) == 1


def test_back_after_creating_a_series_asks_nothing_and_creates_nothing(live_server, page):
    slug = _log_in(live_server, page)
    page.goto(f"{live_server.url}/groups/{slug}/series/new")
    page.fill("#title", "Morgenmøde")
    page.check("input[name=frequency][value=monthly_nth_weekday]")
    page.select_option("#nth", "3")
    page.select_option("#weekday", "2")
    page.fill("#starts_on", f"{YEAR}-01-01")
    page.fill("#ends_on", f"{YEAR}-03-31")
    page.fill("#start_time", "08:30")
    page.fill("#end_time", "10:00")
    with page.expect_navigation():
        page.click("button[name=action][value=preview]")
    with page.expect_navigation():
        page.click("button[name=action][value=create]")
    assert urlsplit(page.url).path == f"/groups/{slug}/meetings"
    meetings = _count(live_server, Meeting)
    assert meetings == 3 and _count(live_server, MeetingSeries) == 1

    page.go_back()
    _no_resubmission_page(page)
    page.reload()
    _no_resubmission_page(page)
    assert _count(live_server, Meeting) == meetings
    assert _count(live_server, MeetingSeries) == 1
