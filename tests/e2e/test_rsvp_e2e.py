"""Issue 9 in real Chromium: the last seat, the waitlist, afbud from a one-click link, the promotion.

A member signs up for the last seat on the meeting page, a second member lands on the waitlist,
the first sends afbud from the one-click "Afbud" link (a fresh browser, not logged in, as from a
mail program), and the second finds themselves promoted on the meeting page and in the mail that
tells them so. The outbox is delivered to a real SMTP server (tests/smtp.py) and the mail is read
there; the promoted member follows the meeting link in that mail. At desktop and phone size.

The meeting page's sign-up panel is found by its hooks: data-rsvp-panel, data-rsvp-yes,
data-rsvp-no, data-rsvp-status.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.mail.outbox import send_pending
from app.models import Meeting
from app.rsvp import links
from app.rsvp import services as svc
from tests import factories
from tests.e2e.conftest import LiveServer, new_page, serve
from tests.e2e.helpers import assert_clean, assert_fits, log_in, translated

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
URL_RE = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture
def mail_server(tmp_path, smtp_server) -> Iterator[LiveServer]:
    """The app on a free port (CSRF on), its outbox delivered to the test SMTP server."""
    with serve(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port) as server:
        yield server


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_last_seat_waitlist_afbud_by_link_and_promotion(mail_server, browser, smtp_server, size):
    server = mail_server
    with server.app_context():
        group = factories.create_group(name="Kaffeklub Herning", slug="herning")
        first_come = factories.create_member(groups=[group], name="Ole Olsen")
        anna = factories.create_member(groups=[group], name="Anna Andersen", email="anna@example.test")
        bo = factories.create_member(groups=[group], name="Bo Bech", email="bo@example.test")
        meeting = factories.create_meeting(group=group, title="Morgenmøde hos Bech", capacity=2)
        svc.answer(first_come, meeting.id, "yes")  # one of the two seats is taken: one is left
        ids = {"anna": anna.id, "bo": bo.id, "meeting": meeting.id}
    meeting_url = f"{server.url}/meetings/{ids['meeting']}"
    viewport = SIZES[size]

    # Anna takes the last seat from the meeting page.
    anna_page = new_page(browser, viewport=viewport)
    bo_page = new_page(browser, viewport=viewport)
    link_page = new_page(browser, viewport=viewport)
    try:
        log_in(server, anna_page, ids["anna"])
        anna_page.goto(meeting_url)
        panel = anna_page.locator("[data-rsvp-panel]")
        expect(panel).to_be_visible()
        expect(panel.locator("[data-rsvp-status]").first).to_have_attribute("data-rsvp-status", "none")
        yes = panel.locator("[data-rsvp-yes]")
        expect(yes).to_be_visible()
        assert_fits(anna_page)
        with anna_page.expect_navigation():
            yes.click()
        expect(panel.locator("[data-rsvp-status]").first).to_have_attribute("data-rsvp-status", "going")
        assert_fits(anna_page)
        assert_clean(anna_page)

        # Bo comes too late for a seat: the panel says the meeting is full, and he waits first in line.
        log_in(server, bo_page, ids["bo"])
        bo_page.goto(meeting_url)
        bo_panel = bo_page.locator("[data-rsvp-panel]")
        expect(bo_panel.locator("[data-rsvp-waitlist-note]")).to_be_visible()
        with bo_page.expect_navigation():
            bo_panel.locator("[data-rsvp-yes]").click()
        status = bo_panel.locator("[data-rsvp-status]").first
        expect(status).to_have_attribute("data-rsvp-status", "waitlisted")
        expect(status).to_have_text(translated(server, "On the waitlist, number %(num)d in line", num=1))
        assert_fits(bo_page)
        assert_clean(bo_page)

        # Anna cannot come after all. No mail to her carries her one-click links yet (the
        # invitations of the next issue will): make her "Afbud" link as they will, with
        # links.answer_url, and open it in a fresh browser, not logged in, as from a mail program.
        with server.app_context():
            afbud_link = links.answer_url(ids["meeting"], ids["anna"], "no")
        assert afbud_link.startswith(server.url + "/rsvp/")
        link_page.goto(afbud_link)
        button = link_page.locator("[data-one-click-button]")
        expect(button).to_have_text(translated(server, "Send afbud"))
        expect(link_page.locator("[data-rsvp-status]")).to_have_attribute("data-rsvp-status", "going")
        assert_fits(link_page)
        link_page.get_by_label(translated(server, "Message to the organizers (optional)")).fill(
            "Undskyld, jeg er syg")
        with link_page.expect_navigation():
            button.click()
        assert link_page.url.endswith("?done=1")
        expect(link_page.locator("[data-one-click-done]")).to_have_text(
            translated(server, "Thank you, your afbud is registered."))
        expect(link_page.locator("[data-rsvp-status]")).to_have_attribute("data-rsvp-status", "declined")
        expect(link_page.locator("[data-one-click-button]")).to_have_count(0)
        # Reloading the confirmation answers nothing again.
        link_page.reload()
        expect(link_page.locator("[data-one-click-done]")).to_be_visible()
        assert_clean(link_page)

        # Anna's own meeting page shows her afbud and her message.
        anna_page.reload()
        expect(panel.locator("[data-rsvp-status]").first).to_have_attribute("data-rsvp-status", "declined")
        expect(panel).to_contain_text("Undskyld, jeg er syg")

        # The outbox goes out over SMTP: Bo's mail says he has a seat.
        with server.app_context():
            result = send_pending()
        assert result.failed == 0
        mails = smtp_server.sink.to("bo@example.test")
        assert len(mails) == 1
        mail = mails[0]
        assert mail.subject == translated(server, "You have a seat: %(title)s", title="Morgenmøde hos Bech")
        text = mail.text()
        assert translated(server, "A seat became free and you have moved up from the waitlist. "
                                  "You are now signed up for:") in text
        found = URL_RE.findall(text)
        assert meeting_url in found
        no_links = [u for u in found if u.startswith(server.url + "/rsvp/") and u.endswith("/no")]
        assert len(no_links) == 1  # his own afbud link, should he not come after all
        assert no_links[0] in mail.html().replace("&amp;", "&")
        assert smtp_server.sink.to("anna@example.test") == []  # nobody mails Anna about her own afbud

        # Bo follows the meeting link in the mail and finds himself going.
        bo_page.goto(meeting_url)
        assert urlsplit(bo_page.url).path == urlsplit(meeting_url).path
        expect(bo_panel.locator("[data-rsvp-status]").first).to_have_attribute("data-rsvp-status", "going")
        expect(bo_panel.locator("[data-rsvp-no]")).to_be_visible()
        assert_fits(bo_page)
        assert_clean(bo_page)

        # His afbud link from the mail shows his answer and changes nothing by being opened.
        link_page.goto(no_links[0])
        expect(link_page.locator("[data-rsvp-status]")).to_have_attribute("data-rsvp-status", "going")
        with server.app_context():
            counts = svc.seat_counts([db.session.get(Meeting, ids["meeting"])])[ids["meeting"]]
            assert (counts.going, counts.waitlisted, counts.declined) == (2, 0, 1)
    finally:
        for page in (anna_page, bo_page, link_page):
            page.context.close()
