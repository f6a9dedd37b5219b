"""Issue 8 looks in real Chromium: the phone bar stays one row with a long network name, long words
never make a page wider than a phone, and the group form suggests its short name from the name."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.auth.tokens import issue_login_link
from app.extensions import db
from app.models import NetworkSettings
from tests import factories
from tests.e2e.conftest import new_page

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LONG_WORD = "Morgenmødeforeningsbestyrelsesformandsvalgsforberedelsesudvalget" * 2


def _log_in(page, link: str) -> None:
    page.goto(link)
    with page.expect_navigation():
        page.click("form[action*='/login/'] button[type=submit]")
    assert "/login" not in page.url


@pytest.fixture
def world(live_server):
    with live_server.app_context():
        settings = NetworkSettings.get()
        settings.name = "Erhvervsnetværket for morgenkaffe i Midt- og Vestjylland"
        group = factories.create_group(name=LONG_WORD, slug="lang", is_public=True)
        admin = factories.create_admin(name="Anna Admin", groups=[group])
        meeting = factories.create_meeting(group=group, title=LONG_WORD)
        db.session.commit()
        link = issue_login_link(admin)
        db.session.commit()
        return {"link": link, "meeting_id": meeting.id}


def test_phone_bar_is_one_row_and_long_titles_do_not_scroll_sideways(live_server, browser, world):
    page = new_page(browser, viewport=PHONE)
    try:
        _log_in(page, world["link"])
        for path in ("/", "/groups/lang", f"/meetings/{world['meeting_id']}"):
            page.goto(live_server.url + path)
            box = page.locator("nav.navbar").bounding_box()
            assert box is not None and box["height"] < 64, (path, box)
            toggler = page.locator(".navbar-toggler").bounding_box()
            brand = page.locator(".navbar-brand").bounding_box()
            assert abs(toggler["y"] - brand["y"]) < 20, (path, toggler, brand)  # same row
            width = page.evaluate("document.scrollingElement.scrollWidth")
            assert width <= 390, (path, width)
        assert page.errors == [], page.errors
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [1024, 1280, 1440, 1920])
def test_the_admins_menu_fits_every_desktop_width(live_server, browser, world, width):
    """The menu has grown (Mit netværk, Spørg netværket, Administration): with a long network name
    it must still fit in one row, or fold behind the toggler, on every screen width."""
    page = new_page(browser, viewport={"width": width, "height": 900})
    try:
        _log_in(page, world["link"])
        for path in ("/", "/groups/lang"):
            page.goto(live_server.url + path)
            width_used = page.evaluate("document.scrollingElement.scrollWidth")
            assert width_used <= width, (path, width_used)
            box = page.locator("nav.navbar").bounding_box()
            assert box is not None and box["height"] < 80, (path, box)  # one row
        assert page.errors == [], page.errors
    finally:
        page.context.close()


def test_short_name_is_suggested_while_typing_until_edited(live_server, browser, world):
    page = new_page(browser)
    try:
        _log_in(page, world["link"])
        page.goto(live_server.url + "/groups/new")
        slug = page.locator("#slug")
        example = page.locator("[data-slug-example]")
        page.locator("#name").press_sequentially("Kaffeklub Ærø Søby")
        expect(slug).to_have_value("kaffeklub-aeroe-soeby")
        expect(example).to_have_text("/groups/kaffeklub-aeroe-soeby")
        slug.fill("aeroe")
        page.locator("#name").press_sequentially(" Nord")
        expect(slug).to_have_value("aeroe")  # the person's own choice stays
        expect(example).to_have_text("/groups/aeroe")
        assert page.errors == [], page.errors  # no CSP violation: the script is a file
    finally:
        page.context.close()
