"""Sign-ups in the lists: going/capacity on a group's meeting list (with a member's own answer), and
Mine møder (coming meetings with my answer, my past meetings page by page) -- in a bounded number
of queries, whatever the number of meetings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Rsvp
from app.rsvp import services as rsvp
from tests.factories import add_membership, create_admin, create_group, create_meeting, create_member

pytestmark = pytest.mark.usefixtures("english")

SOON = datetime.now(UTC).replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(days=10)


def _meeting(group, days: int = 0, **kwargs):
    return create_meeting(group=group, starts_at=SOON + timedelta(days=days), **kwargs)


def _members(group, n: int, prefix: str = "Medlem"):
    return [create_member(groups=[group], name=f"{prefix} {i}") for i in range(n)]


def _item(page: str, meeting) -> str:
    """The list item of one meeting."""
    match = re.search(rf'<li[^>]*>\s*<a href="/meetings/{meeting.id}".*?</li>', page, re.S)
    assert match, f"meeting {meeting.id} not in the list"
    return match.group(0)


def _seats(item: str) -> str:
    match = re.search(r"<div class=\"small\" data-seats[^>]*>(.*?)</div>", item, re.S)
    assert match, item
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


class _Statements:
    def __init__(self) -> None:
        self.count = 0

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1


# --- a group's meeting list ------------------------------------------------------------------------


def test_the_meeting_list_shows_going_over_capacity_full_and_waitlist(client, app):
    group = create_group(is_public=True)
    people = _members(group, 6)
    roomy = _meeting(group, 0, title="Plads nok", capacity=20)
    full = _meeting(group, 7, title="Fuldt hus", capacity=2)
    open_ended = _meeting(group, 14, title="Uden grænse")
    cancelled = _meeting(group, 21, title="Aflyst", capacity=5)
    for person in people[:2]:
        rsvp.answer(person, roomy.id, "yes")
    rsvp.answer(people[2], roomy.id, "yes", guests=[{"name": "Gæst Gæstesen", "email": "g@example.test"}])
    for person in people[:5]:
        rsvp.answer(person, full.id, "yes")
    rsvp.answer(people[5], full.id, "no", message="Syg")
    rsvp.answer(people[0], open_ended.id, "yes")
    rsvp.answer(people[0], cancelled.id, "yes")
    cancelled.status, cancelled.cancelled_at = "cancelled", datetime.now(UTC)
    db.session.commit()

    page = client.get(f"/groups/{group.slug}/meetings").get_data(as_text=True)
    assert _seats(_item(page, roomy)) == "4/20 going"  # three members and a guest
    assert _seats(_item(page, full)) == "Full · 3 on the waitlist"
    assert _seats(_item(page, open_ended)) == "1 going"
    assert "data-seats" not in _item(page, cancelled)
    assert 'data-going="4" data-capacity="20" data-waitlisted="0"' in _item(page, roomy)
    assert "data-my-answer" not in page  # anonymous: counts, no answers


def test_lowered_capacity_shows_how_many_are_above_it(client, app):
    group = create_group(is_public=True)
    meeting = _meeting(group, capacity=5)
    for person in _members(group, 4):
        rsvp.answer(person, meeting.id, "yes")
    meeting.capacity = 3
    db.session.commit()
    page = client.get(f"/groups/{group.slug}/meetings").get_data(as_text=True)
    assert _seats(_item(page, meeting)) == "Full · 1 above capacity"


def test_expected_group_counts_the_members_who_sent_no_afbud(client, app):
    group = create_group(is_public=True, rsvp_mode="expected")
    people = _members(group, 5)
    create_member(groups=[group], name="Passiv", active=False)  # an inactive member is not expected
    meeting = _meeting(group, capacity=10)
    rsvp.answer(people[0], meeting.id, "no", message="Ferie")
    page = client.get(f"/groups/{group.slug}/meetings").get_data(as_text=True)
    assert _seats(_item(page, meeting)) == "4/10 going"


def test_a_member_sees_their_own_answer_in_the_list(client, app, login):
    group = create_group()
    first, second, me = _members(group, 3)
    full = _meeting(group, 0, capacity=1)
    going = _meeting(group, 7, capacity=10)
    unanswered = _meeting(group, 14)
    declined = _meeting(group, 21)
    rsvp.answer(first, full.id, "yes")
    rsvp.answer(second, full.id, "yes")
    rsvp.answer(me, full.id, "yes")
    rsvp.answer(me, going.id, "yes")
    rsvp.answer(me, declined.id, "no")
    login(me)
    page = client.get(f"/groups/{group.slug}/meetings").get_data(as_text=True)
    assert 'data-rsvp-status="waitlisted"' in _item(page, full)
    assert "number 2 in line" in _item(page, full)
    assert 'data-rsvp-status="going"' in _item(page, going)
    assert 'data-rsvp-status="none"' in _item(page, unanswered) and "Not answered" in _item(page, unanswered)
    assert 'data-rsvp-status="declined"' in _item(page, declined)


def test_an_admin_outside_the_group_sees_counts_but_no_answer(client, app, login):
    group = create_group()
    meeting = _meeting(group, capacity=10)
    rsvp.answer(create_member(groups=[group]), meeting.id, "yes")
    login(create_admin())
    page = client.get(f"/groups/{group.slug}/meetings").get_data(as_text=True)
    assert _seats(_item(page, meeting)) == "1/10 going"
    assert "data-my-answer" not in page


def _list_statements(client, group) -> int:
    with _Statements() as seen:
        response = client.get(f"/groups/{group.slug}/meetings")
    assert response.status_code == 200
    return seen.count


def test_the_meeting_list_costs_the_same_queries_for_3_or_15_meetings(client, app, login):
    group = create_group(rsvp_mode="expected")
    people = _members(group, 4)
    me = people[0]
    login(me)

    def add_meetings(start: int, n: int) -> None:
        for day in range(start, start + n):
            meeting = _meeting(group, day, capacity=3)
            guest = {"name": f"Gæst {day}", "email": f"g{day}@example.test"}
            rsvp.answer(me, meeting.id, "yes", guests=[guest])
            rsvp.answer(people[1], meeting.id, "no", message="Kan ikke")
            rsvp.answer(people[2], meeting.id, "yes")  # the last seat: people[3] is expected

    add_meetings(0, 3)
    few = _list_statements(client, group)
    add_meetings(3, 12)
    many = _list_statements(client, group)
    page = client.get(f"/groups/{group.slug}/meetings").get_data(as_text=True)
    assert page.count("data-seats") == 15 and page.count("data-my-answer") == 15
    assert many == few, (few, many)
    assert few < 25, few


def test_places_in_line_cost_the_same_for_one_or_many_waitlisted_meetings(client, app, login):
    """The member waits on every meeting, behind others and with a guest further back: the page
    shows each place in line without loading each meeting's seats."""
    group = create_group(guest_limit=1)
    first, second, me = _members(group, 3)
    login(me)

    def add_full_meetings(start: int, n: int) -> list:
        made = []
        for day in range(start, start + n):
            meeting = _meeting(group, day, capacity=1)
            rsvp.answer(first, meeting.id, "yes")
            rsvp.answer(second, meeting.id, "yes")
            guest = {"name": f"Gæst {day}", "email": f"g{day}@example.test"}
            rsvp.answer(me, meeting.id, "yes", guests=[guest])
            made.append(meeting)
        return made

    meetings = add_full_meetings(0, 2)
    few = _list_statements(client, group)
    meetings += add_full_meetings(2, 10)
    many = _list_statements(client, group)
    assert many == few, (few, many)
    page = client.get(f"/groups/{group.slug}/meetings").get_data(as_text=True)
    for meeting in meetings:
        assert "number 2 in line" in _item(page, meeting)
    answers = rsvp.answers_for(me, meetings)
    for meeting in meetings:
        line = rsvp.answer_of(me, meeting)  # the whole book, as the meeting page reads it
        assert answers[meeting.id].waitlist_position == line.waitlist_position == 2
        assert answers[meeting.id].guest_positions == line.guest_positions
        assert list(answers[meeting.id].guest_positions.values()) == [3]


# --- Mine møder: coming meetings ------------------------------------------------------------------------


def test_mine_moeder_shows_my_answer_place_in_line_guests_and_substitute(client, app, login):
    group = create_group(guest_limit=2)
    other_group = create_group(name="Kaffeklub Andetsteds")
    someone = create_member(groups=[group])
    me = create_member(groups=[group], name="Mig Selv")
    full = _meeting(group, 0, title="Fuldt møde", capacity=1)
    with_guests = _meeting(group, 1, title="Møde med gæster", capacity=10)
    substitute = _meeting(group, 2, title="Møde med stedfortræder", capacity=10)
    afbud = _meeting(group, 3, title="Møde med afbud")
    quiet = _meeting(group, 4, title="Ubesvaret møde")
    foreign = _meeting(other_group, 5, title="Fremmed møde")
    rsvp.answer(someone, full.id, "yes")
    rsvp.answer(me, full.id, "yes")
    rsvp.answer(me, with_guests.id, "yes", guests=[{"name": "Gitte Gæst", "email": "gitte@example.test"},
                                                   {"name": "Kurt Gæst", "email": "kurt@example.test"}])
    rsvp.answer(me, substitute.id, "yes")
    rsvp.send_substitute(me, substitute.id, {"name": "Karl Kollega", "email": "karl@example.test",
                                             "company": "Samme Firma ApS"})
    rsvp.answer(me, afbud.id, "no", message="Kundemøde")
    login(me)

    page = client.get("/meetings").get_data(as_text=True)
    assert "Fremmed møde" not in page and foreign.title not in page
    assert 'aria-current="page" href="/meetings" data-tab="upcoming"' in page
    item = _item(page, full)
    assert 'data-rsvp-status="waitlisted"' in item and "number 1 in line" in item
    item = _item(page, with_guests)
    assert 'data-rsvp-status="going"' in item and "Your guests: Gitte Gæst, Kurt Gæst" in item
    item = _item(page, substitute)
    assert 'data-rsvp-status="declined"' in item and "Substitute: Karl Kollega" in item
    assert 'data-rsvp-status="declined"' in _item(page, afbud)
    assert 'data-rsvp-status="none"' in _item(page, quiet)
    # In the order they come.
    order = (full, with_guests, substitute, afbud, quiet)
    positions = [page.index(f'href="/meetings/{m.id}"') for m in order]
    assert positions == sorted(positions)


def test_mine_moeder_in_an_expected_group_says_i_am_expected(client, app, login):
    group = create_group(rsvp_mode="expected")
    me = create_member(groups=[group])
    meeting = _meeting(group)
    login(me)
    item = _item(client.get("/meetings").get_data(as_text=True), meeting)
    assert 'data-rsvp-status="going"' in item and "Expected (you have not sent afbud)" in item


# --- Mine møder: past meetings -------------------------------------------------------------------------


def _past(group, days_ago: int, **kwargs):
    start = datetime.now(UTC).replace(hour=7, minute=30, second=0, microsecond=0) - timedelta(days=days_ago)
    return create_meeting(group=group, starts_at=start, **kwargs)


def _answered(meeting, member, status: str, **kwargs) -> None:
    db.session.add(Rsvp(meeting_id=meeting.id, member_id=member.id, status=status, **kwargs))
    db.session.commit()


def test_past_meetings_newest_first_with_what_i_answered(client, app, login):
    group = create_group()
    me = create_member(groups=[group])
    me.memberships[0].joined_at = datetime.now(UTC) - timedelta(days=400)
    db.session.commit()
    came = _past(group, 10, title="Jeg kom")
    sent_afbud = _past(group, 40, title="Jeg meldte afbud")
    silent = _past(group, 70, title="Jeg svarede ikke")
    _answered(came, me, "going")
    _answered(sent_afbud, me, "declined", message="Syg", late=True)
    before_joining = _past(group, 500, title="Før jeg kom med")
    other = create_group()
    answered_elsewhere = _past(other, 20, title="Andet sted, men svaret")
    _answered(answered_elsewhere, me, "going")
    _past(other, 25, title="Andet sted, ikke svaret")
    _meeting(group, title="Kommende møde")
    login(me)

    page = client.get("/meetings?show=past").get_data(as_text=True)
    assert 'aria-current="page" href="/meetings?show=past" data-tab="past"' in page
    assert "Kommende møde" not in page and "Andet sted, ikke svaret" not in page
    assert f'href="/meetings/{before_joining.id}"' not in page
    order = [came, answered_elsewhere, sent_afbud, silent]
    positions = [page.index(f'href="/meetings/{m.id}"') for m in order]
    assert positions == sorted(positions)  # newest first
    assert 'data-rsvp-status="going"' in _item(page, came) and "You were signed up" in _item(page, came)
    item = _item(page, sent_afbud)
    assert 'data-rsvp-status="declined"' in item and "(after the deadline)" in item and "Syg" in item
    assert 'data-rsvp-status="none"' in _item(page, silent)


def test_past_meetings_come_in_pages(client, app, login):
    group = create_group()
    me = create_member(groups=[group])
    me.memberships[0].joined_at = datetime.now(UTC) - timedelta(days=400)
    db.session.commit()
    meetings = [_past(group, 2 + i, title=f"Fortid {i:02d}") for i in range(rsvp.MY_PAST_PER_PAGE + 3)]
    login(me)
    first = client.get("/meetings?show=past").get_data(as_text=True)
    assert first.count("data-my-answer") == rsvp.MY_PAST_PER_PAGE
    assert "Fortid 00" in first and f"Fortid {rsvp.MY_PAST_PER_PAGE - 1:02d}" in first
    assert "Fortid 22" not in first
    assert 'href="/meetings?show=past&amp;page=2"' in first
    second = client.get("/meetings?show=past&page=2").get_data(as_text=True)
    assert second.count("data-my-answer") == 3 and "Fortid 22" in second and "Fortid 00" not in second
    assert client.get("/meetings?show=past&page=99").get_data(as_text=True).count("data-my-answer") == 3
    assert client.get("/meetings?show=past&page=x").status_code == 200
    assert len(meetings) == 23


def test_mine_moeder_costs_the_same_queries_for_few_or_many_meetings(client, app, login):
    group = create_group(rsvp_mode="expected")
    second = create_group()
    me = create_member(groups=[group])
    add_membership(me, second)
    for membership in me.memberships:
        membership.joined_at = datetime.now(UTC) - timedelta(days=400)
    db.session.commit()
    login(me)

    def add(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            coming = _meeting(group if i % 2 else second, i, capacity=10)
            rsvp.answer(me, coming.id, "yes", guests=[{"name": f"Gæst {i}", "email": f"g{i}@example.test"}])
            past = _past(group if i % 2 else second, 2 + i)
            _answered(past, me, "declined" if i % 3 else "going")

    def cost(url: str) -> int:
        with _Statements() as seen:
            assert client.get(url).status_code == 200
        return seen.count

    add(2, 0)
    few = cost("/meetings"), cost("/meetings?show=past")
    add(12, 2)
    many = cost("/meetings"), cost("/meetings?show=past")
    assert many == few, (few, many)


def test_mine_moeder_needs_a_login(client, app):
    assert client.get("/meetings?show=past").status_code == 302


# --- the meeting form ------------------------------------------------------------------------------------


def test_the_edit_form_says_a_lower_capacity_moves_nobody(client, app, login):
    from tests.factories import create_organizer

    group = create_group()
    meeting = _meeting(group, capacity=20)
    login(create_organizer(group))
    edit = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    help_text = re.search(r'id="capacity-help"[^>]*>(.*?)</div>', edit, re.S).group(1)
    assert "Leave empty for no limit." in help_text
    assert "Nobody loses their seat; you choose on the attendee list who moves to the waitlist." in help_text
    new = client.get(f"/groups/{group.slug}/meetings/new").get_data(as_text=True)
    assert "Nobody loses their seat" not in new  # nobody is going yet


def test_members_who_do_not_share_their_attendance_are_counted_not_named(app, client):
    """The profile's "Vis mit navn for de andre, der kommer": other members see a count, the
    member themself and the organizers still see the name."""
    from app.extensions import db as _db
    from app.rsvp import services as _rsvp
    from tests.factories import create_group as _group
    from tests.factories import create_meeting as _meeting
    from tests.factories import create_member as _member
    from tests.factories import create_organizer as _organizer

    group = _group(name="Deling")
    organizer = _organizer(group, name="Olga Organizer")
    shy = _member(groups=[group], name="Sofie Stille")
    open_ = _member(groups=[group], name="Aage Åben")
    meeting = _meeting(group=group)
    shy.share_attendance = False
    _db.session.commit()
    for person in (shy, open_):
        _rsvp.answer(person, meeting.id, "yes")
    seen_by_other = _rsvp.going_names(open_, meeting.id)
    assert seen_by_other.names == ["Aage Åben"] and seen_by_other.others_going == 1
    assert _rsvp.going_names(shy, meeting.id).names == ["Aage Åben", "Sofie Stille"]
    by_organizer = _rsvp.going_names(organizer, meeting.id)
    assert by_organizer.names == ["Aage Åben", "Sofie Stille"] and by_organizer.others_going == 0
