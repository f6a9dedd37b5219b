"""Check-in in real Chromium at phone size: the organizer checks in two people by searching, undoes
one, adds a walk-in guest; a member checks themself in with the QR code's address.

The door page is found by its hooks: data-checkin-search, data-person (with data-checked-in),
data-checkin-form="in"/"undo", data-checkin-counts; the self check-in page by data-self-button and
data-self-done.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.checkin import links
from app.extensions import db
from app.models import CheckIn, CheckInVia
from tests import factories
from tests.e2e.conftest import new_page
from tests.e2e.helpers import assert_clean, assert_fits, log_in, translated
from tests.web.checkin_helpers import going

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_door_check_in_undo_walk_in_and_self_check_in(live_server, browser):
    server = live_server
    with server.app_context():
        group = factories.create_group(name="Kaffeklub Herning", slug="herning")
        organizer = factories.create_organizer(group, name="Olga Organizer")
        anders = factories.create_member(groups=[group], name="Anders And", company="Andeby ApS")
        bente = factories.create_member(groups=[group], name="Bente Berg", company="Bjerget A/S")
        carl = factories.create_member(groups=[group], name="Carl Cirkus", company="Manegen")
        dorte = factories.create_member(groups=[group], name="Dorte Dør", company="Døren")
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)
        meeting = factories.create_meeting(group=group, title="Morgenmøde", starts_at=start,
                                           ends_at=start + timedelta(minutes=90))
        for member in (anders, bente, carl):
            going(meeting, member)
        ids = {"organizer": organizer.id, "anders": anders.id, "bente": bente.id, "dorte": dorte.id,
               "meeting": meeting.id}
        qr_url = links.checkin_url(meeting.id)
    assert qr_url.startswith(server.url)

    page = new_page(browser, viewport=PHONE)
    log_in(server, page, ids["organizer"])
    page.goto(f"{server.url}/meetings/{ids['meeting']}")
    page.click("[data-checkin-door]")
    expect(page.locator("[data-checkin-counts]")).to_have_text(
        translated(server, "%(here)d of %(expected)d have checked in", here=0, expected=3))
    page.evaluate("window.__sameDocument = true")  # gone if a tap reloaded the page

    def row(member_key):
        return page.locator(f'[data-person="{member_key}"]')

    search = page.locator("[data-checkin-search]")
    search.fill("bente")
    expect(row(f"m{ids['anders']}")).to_be_hidden()
    expect(row(f"m{ids['bente']}")).to_be_visible()
    row(f"m{ids['bente']}").locator('[data-checkin-form="in"] button').click()
    expect(row(f"m{ids['bente']}")).to_have_attribute("data-checked-in", "1")

    search.fill("andeby")
    row(f"m{ids['anders']}").locator('[data-checkin-form="in"] button').click()
    expect(row(f"m{ids['anders']}")).to_have_attribute("data-checked-in", "1")
    expect(page.locator("[data-checkin-counts]")).to_have_text(
        translated(server, "%(here)d of %(expected)d have checked in", here=2, expected=3))
    row(f"m{ids['anders']}").locator('[data-checkin-form="undo"] button').click()
    expect(row(f"m{ids['anders']}")).to_have_attribute("data-checked-in", "0")
    expect(page.locator("[data-checkin-counts]")).to_have_text(
        translated(server, "%(here)d of %(expected)d have checked in", here=1, expected=3))
    assert page.evaluate("window.__sameDocument === true")
    assert_fits(page)
    assert_clean(page)

    # A walk-in guest nobody signed up: the plain form, answered by a redirect back to the list.
    page.fill("#visitor-name", "Vera Visitor")
    page.fill("#visitor-company", "Vera ApS")
    with page.expect_navigation():
        page.click("#walk-in-guest button[type=submit]")
    visitor_row = page.locator('[data-person^="v"]', has_text="Vera Visitor")
    expect(visitor_row).to_have_attribute("data-checked-in", "1")
    page.reload()  # reload after the redirect: nothing is sent again
    expect(page.locator('[data-person^="v"]')).to_have_count(1)
    assert_fits(page)
    assert_clean(page)
    page.context.close()

    # Dorte scans the QR code at the door: log in first, then the page with one big button.
    phone = new_page(browser, viewport=PHONE)
    phone.goto(qr_url)
    assert "/login" in phone.url
    log_in(server, phone, ids["dorte"])
    phone.goto(qr_url)
    with phone.expect_navigation():
        phone.click("[data-self-button]")
    expect(phone.locator("[data-self-done]")).to_be_visible()
    assert_fits(phone)
    assert_clean(phone)
    phone.context.close()

    with server.app_context():
        rows = db.session.scalars(select(CheckIn).where(CheckIn.meeting_id == ids["meeting"])).all()
        by_member = {r.member_id: r for r in rows if r.member_id}
        assert set(by_member) == {ids["bente"], ids["dorte"]}
        assert by_member[ids["dorte"]].via == CheckInVia.SELF.value and by_member[ids["dorte"]].walk_in
        assert [r.name for r in rows if r.member_id is None] == ["Vera Visitor"]


def test_the_door_works_without_javascript(live_server, browser):
    server = live_server
    with server.app_context():
        group = factories.create_group(name="Kaffeklub Herning", slug="herning")
        organizer = factories.create_organizer(group, name="Olga Organizer")
        bente = factories.create_member(groups=[group], name="Bente Berg", company="Bjerget A/S")
        carl = factories.create_member(groups=[group], name="Carl Cirkus", company="Manegen")
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)
        meeting = factories.create_meeting(group=group, title="Morgenmøde", starts_at=start,
                                           ends_at=start + timedelta(minutes=90))
        for member in (bente, carl):
            going(meeting, member)
        ids = {"organizer": organizer.id, "bente": bente.id, "carl": carl.id, "meeting": meeting.id}

    page = new_page(browser, viewport=PHONE, java_script_enabled=False)
    log_in(server, page, ids["organizer"])
    page.goto(f"{server.url}/meetings/{ids['meeting']}/checkin")
    page.fill("[data-checkin-search]", "bente")
    with page.expect_navigation():
        page.press("[data-checkin-search]", "Enter")
    expect(page.locator("[data-person]")).to_have_count(1)
    with page.expect_navigation():
        page.click(f'[data-person="m{ids["bente"]}"] [data-checkin-form="in"] button')
    expect(page.locator(f'[data-person="m{ids["bente"]}"]')).to_have_attribute("data-checked-in", "1")
    assert "q=bente" in page.url
    page.go_back()  # Back and reload after the redirect send nothing again
    page.reload()
    page.go_forward()
    with server.app_context():
        rows = db.session.scalars(select(CheckIn)).all()
        assert [(r.meeting_id, r.member_id) for r in rows] == [(ids["meeting"], ids["bente"])]
    assert_fits(page)
    page.context.close()
