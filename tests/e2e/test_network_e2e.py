"""Who met whom, end to end in real Chromium: the organizer checks people in at the door, plans two
rounds, moves one person, closes the meeting; a member then sees the new acquaintances on their
network page (phone size) and proposes a 1-to-1 from it, which the other member confirms with
the mail's one-click link without logging in.

The pages are found by their hooks: the door's data-person / data-checkin-form, the seating page's
data-generate-form and move forms, the close page's data-close-button, and the network page's
data-met / data-never-met / data-propose.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Encounter, OneToOne, OutboxMessage, SeatingPlan
from tests import factories
from tests.e2e.conftest import new_page
from tests.e2e.helpers import assert_clean, assert_fits, log_in
from tests.web.checkin_helpers import going

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
NAMES = ["Anders And", "Bente Berg", "Carl Cirkus", "Dorte Dør", "Erik Eg", "Frida Fisk"]


def _tablemates(rounds, key):
    return {other for tables in rounds for table in tables if key in table for other in table if other != key}


def test_check_in_plan_move_close_and_see_the_new_acquaintances(browser, tmp_path):
    from tests.e2e.conftest import serve

    with serve(tmp_path, MAIL_SERVER="", DEV_MAIL_PAGE=True, SEATING_SECONDS=0.5) as server:
        with server.app_context():
            group = factories.create_group(name="Kaffeklub Herning", slug="herning")
            organizer = factories.create_organizer(group, name="Olga Organizer")
            people = [factories.create_member(groups=[group], name=name, company=f"{name.split()[1]} ApS")
                      for name in NAMES]
            start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
            meeting = factories.create_meeting(group=group, title="Morgenmøde", starts_at=start,
                                               ends_at=start + timedelta(minutes=90))
            for member in people:
                going(meeting, member)
            ids = [m.id for m in people]
            organizer_id, meeting_id = organizer.id, meeting.id

        page = new_page(browser)
        log_in(server, page, organizer_id)

        # the door: check everyone in
        page.goto(f"{server.url}/meetings/{meeting_id}")
        page.click("[data-checkin-door]")
        for member_id in ids:
            row = page.locator(f'[data-person="m{member_id}"]')
            row.locator('[data-checkin-form="in"] button').click()
            expect(row).to_have_attribute("data-checked-in", "1")

        # the seating plan: tables of 3, two rounds
        page.goto(f"{server.url}/meetings/{meeting_id}")
        page.click("[data-seating-button]")
        form = page.locator("[data-generate-form]")
        form.locator('input[name="layout"][value="table_size"]').check()
        form.locator('input[name="value"]').fill("3")
        form.locator('select[name="rounds"]').select_option("2")
        with page.expect_navigation():
            form.locator("[data-generate]").click()
        expect(page.locator('[data-round="2"][data-table]').first).to_be_visible()

        # move the first person of round 1 from table 1 to table 2: tap them, then the table
        first = page.locator('#round-1 [data-table="1"] li.seating-person').first
        moved_key = first.get_attribute("data-key")
        first.locator(".seating-pick").click()
        page.locator('#round-1 [data-table="2"] .card-header').click()
        expect(page.locator(f'#round-1 [data-table="2"] li[data-key="{moved_key}"]')).to_be_visible()
        assert_clean(page)

        # close the meeting
        page.goto(f"{server.url}/meetings/{meeting_id}")
        page.click("[data-checkin-close]")
        with page.expect_navigation():
            page.click("[data-close-button]")
        assert_clean(page)
        page.context.close()

        with server.app_context():
            plan = db.session.scalar(select(SeatingPlan).where(SeatingPlan.meeting_id == meeting_id))
            rounds = plan.rounds
            assert any(moved_key in table for table in rounds[0][1:2])  # the move was saved
            recorded = db.session.scalars(select(Encounter).where(Encounter.meeting_id == meeting_id)).all()
            assert {(e.round, e.member_a_id, e.member_b_id) for e in recorded} == {
                (number, int(a[1:]), int(b[1:])) for number, tables in enumerate(rounds, start=1)
                for table in tables for a in table for b in table if int(a[1:]) < int(b[1:])}

        # a member sees whom they sat with, and the others as "mød dem næste gang"
        anders = f"m{ids[0]}"
        mates = {int(key[1:]) for key in _tablemates(rounds, anders)}
        phone = new_page(browser, viewport=PHONE)
        log_in(server, phone, ids[0])
        phone.goto(f"{server.url}/network")
        for member_id in ids[1:]:
            hook = f'[data-met="{member_id}"]' if member_id in mates else f'[data-never-met="{member_id}"]'
            expect(phone.locator(hook)).to_have_count(1)
        assert mates, "Anders sat with somebody"
        assert_fits(phone)
        assert_clean(phone)

        # one click from "mød dem næste gang" (or, if Anders met everyone, from the people he met)
        # to a pre-filled 1-to-1 form; the partner confirms from the mail without logging in
        partner_id = next((i for i in ids[1:] if i not in mates), ids[1])
        phone.locator(f'[data-propose="{partner_id}"]').first.click()
        expect(phone.locator("#partner_id")).to_have_value(str(partner_id))
        phone.fill("#start_time", "08:30")
        with phone.expect_navigation():
            phone.click("[data-one-to-one-form] button[type=submit]")
        assert "/one-to-ones/" in phone.url
        assert_fits(phone)
        with server.app_context():
            row = db.session.scalar(select(OneToOne))
            assert (row.proposer_id, row.partner_id, row.status) == (ids[0], partner_id, "proposed")
            invite = select(OutboxMessage.raw).where(OutboxMessage.kind == "one_to_one_invite")
            invitation = db.session.scalar(invite)
            link = re.search(r"http://\S+/one-to-ones/link/[^/\s]+/confirm", invitation).group(0)

        partner = new_page(browser, viewport=PHONE)
        partner.goto(link)
        with partner.expect_navigation():
            partner.click("[data-link-button]")
        expect(partner.locator("[data-link-done]")).to_be_visible()
        assert_fits(partner)
        assert_clean(partner)
        partner.context.close()
        with server.app_context():
            assert db.session.scalar(select(OneToOne.status)) == "confirmed"
        phone.context.close()
