"""Seating in real Chromium at phone size (390 px): the organizer makes a two-round plan, moves one
person by tapping them and then another table (the script posts the move and swaps in the new plan
and quality without a reload), sees the quality change, publishes; a member then sees "mine borde"
on the meeting page and on their phone page.

Hooks: data-generate, data-plan, .seating-table[data-round][data-table], .seating-pick[data-key],
data-q (the quality numbers), data-publish, data-published, data-my-tables-panel, data-my-tables.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Rsvp, RsvpStatus
from tests import factories
from tests.e2e.conftest import new_page, serve
from tests.e2e.helpers import assert_clean, assert_fits, log_in, translated

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
NAMES = ["Anne Andersen", "Bo Berg", "Carla Christensen", "Dan Dahl", "Eva Eriksen", "Finn Frost"]


@pytest.fixture
def server(tmp_path):
    # Bounded by iterations, so the plan does not depend on how busy the machine is.
    with serve(tmp_path, SEATING_SECONDS=60.0, SEATING_MAX_ITERATIONS=20000) as server:
        yield server


def test_plan_move_publish_and_mine_borde_on_a_phone(server, browser):
    with server.app_context():
        group = factories.create_group(name="Kaffeklub Herning", slug="herning")
        organizer = factories.create_organizer(group, name="Olga Organizer")
        member = factories.create_member(groups=[group], name="Mads Member", company="Maling ApS")
        others = [factories.create_member(groups=[group], name=name) for name in NAMES]
        meeting = factories.create_meeting(group=group, title="Morgenmøde")
        for person in [organizer, member, *others]:
            db.session.add(Rsvp(meeting_id=meeting.id, member_id=person.id, status=RsvpStatus.GOING.value,
                                queue_seq=1, message="", via="web"))
        db.session.commit()
        ids = {"organizer": organizer.id, "member": member.id, "meeting": meeting.id}
    meeting_url = f"{server.url}/meetings/{ids['meeting']}"

    page = new_page(browser, viewport=PHONE)
    log_in(server, page, ids["organizer"])
    page.goto(meeting_url)
    page.click("[data-seating-button]")
    expect(page.locator("[data-no-plan]")).to_be_visible()
    page.check("input[name=layout][value=tables]")
    page.fill("input[name=value]", "2")
    page.select_option("select[name=rounds]", "2")
    with page.expect_navigation():
        page.click("[data-generate]")
    plan = page.locator("[data-plan]")
    expect(plan.locator(".seating-round")).to_have_count(2)
    expect(plan.locator(".seating-table")).to_have_count(4)
    assert_fits(page)
    quality = page.locator("[data-quality-box]")


    def numbers() -> tuple[str, str]:
        return (quality.locator("[data-q=new_pairs]").inner_text(),
                quality.locator("[data-q=repeats]").inner_text())

    before = numbers()
    page.evaluate("window.notReloaded = true")

    # Tap the first person at table 1 of round 2, then tap table 2 of round 2.
    person = plan.locator('.seating-table[data-round="2"][data-table="1"] .seating-pick').first
    key = person.get_attribute("data-key")
    person.click()
    expect(person).to_have_attribute("aria-pressed", "true")
    plan.locator('.seating-table[data-round="2"][data-table="2"] .card-header').click()
    moved = plan.locator(f'.seating-table[data-round="2"][data-table="2"] .seating-pick[data-key="{key}"]')
    expect(moved).to_be_visible()
    # 8 people at 4 + 4 made 12 pairs in the round; at 3 + 5 they make 13: the numbers change.
    page.wait_for_function(
        "([n, r]) => { const q = document.querySelector('[data-quality-box]');"
        " return q.querySelector('[data-q=new_pairs]').innerText !== n"
        " || q.querySelector('[data-q=repeats]').innerText !== r; }", arg=list(before))
    after = numbers()
    assert int(after[0]) + int(after[1]) == int(before[0]) + int(before[1]) + 1
    assert page.evaluate("window.notReloaded === true")  # swapped in by the script, no reload

    # The keyboard's way: the small "Move" form beside a person in round 1, also without a reload.
    second = plan.locator('.seating-table[data-round="1"][data-table="1"] .seating-person').first
    second_key = second.get_attribute("data-key")
    second.locator("summary").click()
    second.locator("select[name=table]").select_option("2")
    second.locator("button[type=submit]").click()
    target = plan.locator('.seating-table[data-round="1"][data-table="2"]')
    expect(target.locator(f'.seating-pick[data-key="{second_key}"]')).to_have_count(1)
    assert page.evaluate("window.notReloaded === true")
    with server.app_context():
        from app.models import SeatingPlan

        saved = db.session.query(SeatingPlan).filter_by(meeting_id=ids["meeting"]).one()
        assert key in saved.rounds[1][1] and second_key in saved.rounds[0][1] and saved.version == 3

    # Publish (the form carries the version the move returned).
    with page.expect_navigation():
        page.click("[data-publish]")
    expect(page.locator("[data-published]")).to_be_visible()
    assert_clean(page)
    page.context.close()

    # The member on their phone: the meeting page says their tables, and so does "mine borde".
    phone = new_page(browser, viewport=PHONE)
    log_in(server, phone, ids["member"])
    phone.goto(meeting_url)
    panel = phone.locator("[data-my-tables-panel]")
    expect(panel).to_be_visible()
    round_1 = translated(server, "Round %(num)d", num=1)
    round_2 = translated(server, "Round %(num)d", num=2)
    expect(panel).to_contain_text(round_1)
    expect(panel).to_contain_text(round_2)
    with server.app_context():
        saved = db.session.query(SeatingPlan).filter_by(meeting_id=ids["meeting"]).one()
        mine = f"m{ids['member']}"
        table_no = next(i for i, t in enumerate(saved.rounds[0], start=1) if mine in t)
        companion = next(k for k in next(t for t in saved.rounds[0] if mine in t) if k != mine)
        from app.models import Member

        companion_name = db.session.get(Member, int(companion[1:])).name
    expect(panel).to_contain_text(translated(server, "Table %(num)d", num=table_no))
    expect(panel).to_contain_text(companion_name)
    phone.click(f"a[href$='/meetings/{ids['meeting']}/my-tables']")
    expect(phone.locator("[data-my-tables] > li")).to_have_count(2)
    expect(phone.locator("[data-my-tables]")).to_contain_text(companion_name)
    assert_fits(phone)
    assert_clean(phone)
    phone.context.close()
