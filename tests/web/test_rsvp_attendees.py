"""The organizers' attendee page of a meeting (issue 9, "For organizers"): who may see it, the counts
in both modes, every action and its refusals, the over-capacity decision, the print view, the CSV
export, "write to these people" and the group's guest list across meetings."""

from __future__ import annotations

import csv
import email
import io
import re
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MeetingGuest, OutboxMessage, Rsvp
from app.rsvp import organizer
from app.rsvp import services as svc
from tests.factories import build_meeting_world, create_group, create_meeting, create_member, create_organizer


@pytest.fixture
def w(app):
    return build_meeting_world()


def page_url(world) -> str:
    return f"/meetings/{world.meeting.id}/attendees"


def people(n: int, group, **kwargs):
    return [create_member(groups=[group], name=f"Person {i:02d}", company=f"Firma {i}", **kwargs)
            for i in range(n)]


def set_capacity(meeting, capacity):
    meeting.capacity = capacity
    db.session.commit()


def rsvp_of(meeting, member) -> Rsvp | None:
    db.session.expire_all()
    row = db.session.scalar(select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.member_id == member.id))
    return row


def status_of(meeting, member) -> str | None:
    row = rsvp_of(meeting, member)
    return row.status if row else None


def outbox(kind_prefix: str = "") -> list[OutboxMessage]:
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [r for r in rows if r.kind.startswith(kind_prefix)]


def text_of(message: OutboxMessage) -> str:
    parsed = email.message_from_string(message.raw, policy=policy.default)
    return parsed.get_body(("plain",)).get_content()


def data_count(html: str, name: str) -> int:
    match = re.search(r'data-count="' + name + r'">\s*<div class="attendee-count-number">(\d+)', html)
    assert match, name
    return int(match.group(1))


# --- who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/print", ".csv"])
def test_member_is_refused_outsider_does_not_learn_it_exists_admin_may(app, client, login, w, suffix):
    url = page_url(w) + suffix
    assert client.get(url).status_code == 302  # anonymous: to the login page
    login(w.member)
    assert client.get(url).status_code == 403
    login(w.outsider)
    assert client.get(url).status_code == 404
    login(w.admin)
    assert client.get(url).status_code == 200
    login(w.organizer)
    assert client.get(url).status_code == 200


def test_organizer_of_another_group_is_refused(app, client, login):
    world = build_meeting_world(public=True)  # a public group: its meetings are visible to all
    login(create_organizer(world.other_group))
    assert client.get(page_url(world)).status_code == 403
    assert client.post(page_url(world) + "/add", data={"add-member_id": world.member.id}).status_code == 403
    assert status_of(world.meeting, world.member) is None
    login(create_organizer(create_group()))  # of a group that shares nothing with a private one
    private = build_meeting_world()
    assert client.get(page_url(private)).status_code == 404


def test_a_member_cannot_act_and_nothing_changes(app, client, login, w):
    login(w.member)
    response = client.post(page_url(w) + "/decline", data={"decline-member_id": w.organizer.id})
    assert response.status_code == 403
    assert status_of(w.meeting, w.organizer) is None
    response = client.post(page_url(w) + "/write", data={"audiences": "going", "subject": "x", "body": "y",
                                                          "send_id": "a" * 16})
    assert response.status_code == 403
    assert outbox() == []


def test_unknown_meeting_is_not_found(app, client, login, w):
    login(w.admin)
    assert client.get("/meetings/999999/attendees").status_code == 404
    assert client.post("/meetings/999999/attendees/add", data={"add-member_id": "1"}).status_code == 404


# --- the page and its counts ----------------------------------------------------------------------


def test_opt_in_counts_names_guests_substitutes_messages_late_and_how(app, client, login, english, w):
    group, meeting = w.group, w.meeting
    set_capacity(meeting, 4)
    anna, bo, carl, dora, erik = people(5, group)
    svc.answer(w.member, meeting.id, "yes", guests=[{"name": "Gitte Gæst", "email": "gitte@example.test",
                                                     "company": "Gæste ApS"}])
    svc.answer(anna, meeting.id, "yes", via="link")
    svc.send_substitute(bo, meeting.id, {"name": "Sofie Stedfortræder", "email": "sofie@example.test",
                                         "company": "Bo's Firma"}, message="Er i Kina")
    svc.answer(carl, meeting.id, "yes")  # the fifth seat: waits
    meeting.rsvp_deadline = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    svc.answer(dora, meeting.id, "no", message="Syg i dag")  # after the deadline: late
    login(w.organizer)
    html = client.get(page_url(w)).get_data(as_text=True)
    assert 'data-rsvp-mode="opt_in"' in html and "Sign up to come" in html
    assert data_count(html, "going") == 4  # Mads, Gitte, Anna, Sofie
    assert "incl. 2 guests" in html  # Gitte and Sofie (a substitute takes a seat like a guest)
    assert data_count(html, "waitlisted") == 1
    assert data_count(html, "declined") == 2  # Bo (sent a substitute) and Dora
    assert data_count(html, "not_answered") == 2  # Erik and the organizer
    assert data_count(html, "free") == 0
    assert "Gitte Gæst</span> <span class=\"attendee-host\" data-guest-of>(guest of Mads Member)" in html
    assert "Sofie Stedfortræder</span> <span class=\"attendee-host\" data-substitute-for>" \
           "(substitute for Person 01)" in html
    assert "Syg i dag" in html and "Er i Kina" in html
    dora_row = re.search(r'data-person="m-' + str(dora.id) + r'">(.*?)</li>', html, re.S).group(1)
    assert "data-late" in dora_row
    anna_row = re.search(r'data-person="m-' + str(anna.id) + r'">(.*?)</li>', html, re.S).group(1)
    assert 'data-via="link"' in anna_row and "with the link in a mail" in anna_row
    carl_row = re.search(r'data-person="m-' + str(carl.id) + r'" data-place="1">', html)
    assert carl_row, "Carl waits as number 1"


def test_expected_mode_counts_the_expected_as_going(app, client, login, english, w):
    w.group.rsvp_mode = "expected"
    set_capacity(w.meeting, 2)
    anna, bo = people(2, w.group)
    svc.answer(anna, w.meeting.id, "no", message="Ferie")
    login(w.organizer)
    html = client.get(page_url(w)).get_data(as_text=True)
    assert 'data-rsvp-mode="expected"' in html and "Expected unless afbud" in html
    # Organizer, Mads and Bo have not answered: expected, and counted as going.
    assert data_count(html, "going") == 3
    assert "incl. 3 expected" in html
    assert data_count(html, "not_answered") == 3
    assert data_count(html, "declined") == 1
    assert html.count("data-expected") == 3
    assert "Ferie" in html
    # Three expected for two seats: an expected member can be moved to the waitlist.
    assert 'data-over-capacity="1"' in html
    response = client.post(page_url(w) + "/waitlist", data={"holder": f"m-{bo.id}"})
    assert response.status_code == 303
    assert status_of(w.meeting, bo) == "waitlisted"


def test_going_above_capacity_asks_the_organizer_to_choose_and_drops_nobody(app, client, login, english, w):
    set_capacity(w.meeting, 4)
    members = people(4, w.group)
    for member in members:
        svc.answer(member, w.meeting.id, "yes")
    set_capacity(w.meeting, 2)  # lowered after the sign-ups
    login(w.organizer)
    html = client.get(page_url(w)).get_data(as_text=True)
    assert 'data-over-capacity="2"' in html
    assert "2 more people are going than there are seats." in html
    assert "choose who moves to the waitlist" in html
    assert all(status_of(w.meeting, m) == "going" for m in members)  # nobody dropped
    going_section = html.split('id="going"')[1].split('id="waitlist"')[0]
    assert going_section.count("/attendees/waitlist") == 4  # a button for each
    for member in members[:2]:
        response = client.post(page_url(w) + "/waitlist", data={"holder": f"m-{member.id}"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(page_url(w) + "#waitlist")
    html = client.get(page_url(w)).get_data(as_text=True)
    assert "data-over-capacity" not in html
    assert data_count(html, "going") == 2 and data_count(html, "waitlisted") == 2
    assert "moved to the waitlist" in html  # the flash


# --- the actions ---------------------------------------------------------------------------------


def test_add_a_member_as_going_and_above_capacity_only_on_purpose(app, client, login, english, w):
    set_capacity(w.meeting, 1)
    anna, bo = people(2, w.group)
    login(w.organizer)
    response = client.post(page_url(w) + "/add", data={"add-member_id": anna.id})
    assert response.status_code == 303
    assert "Person 00 is now going." in client.get(response.headers["Location"]).get_data(as_text=True)
    row = rsvp_of(w.meeting, anna)
    assert row.status == "going" and row.via == "organizer" and row.answered_by_id == w.organizer.id
    # Full now: the page warns and offers the check box; without it the member is refused.
    html = client.get(page_url(w)).get_data(as_text=True)
    assert 'name="add-force"' in html and "The meeting is full." in html
    response = client.post(page_url(w) + "/add", data={"add-member_id": bo.id})
    assert response.status_code == 409
    assert "above capacity" in response.get_data(as_text=True)
    assert status_of(w.meeting, bo) is None
    response = client.post(page_url(w) + "/add", data={"add-member_id": bo.id, "add-force": "y"})
    assert response.status_code == 303
    row = rsvp_of(w.meeting, bo)
    assert row.status == "going" and row.forced
    html = client.get(page_url(w)).get_data(as_text=True)
    assert "got a seat above the capacity" in html
    assert 'data-over-capacity="1"' in html and "data-forced" in html


def test_add_refuses_a_non_member_and_an_empty_choice(app, client, login, english, w):
    login(w.organizer)
    response = client.post(page_url(w) + "/add", data={"add-member_id": w.outsider.id})
    assert response.status_code == 422
    assert "not a member of the group" in response.get_data(as_text=True)
    response = client.post(page_url(w) + "/add", data={"add-member_id": ""})
    assert response.status_code == 422
    assert "Please choose a member." in response.get_data(as_text=True)
    assert status_of(w.meeting, w.outsider) is None


def test_promote_into_a_free_seat_or_above_capacity_with_a_warning(app, client, login, english, w):
    set_capacity(w.meeting, 1)
    anna, bo = people(2, w.group)
    svc.answer(anna, w.meeting.id, "yes")
    svc.answer(bo, w.meeting.id, "yes")
    assert status_of(w.meeting, bo) == "waitlisted"
    login(w.organizer)
    html = client.get(page_url(w)).get_data(as_text=True)
    assert "Seat above capacity" in html and "The meeting is full: a seat given now is above" in html
    response = client.post(page_url(w) + "/promote", data={"holder": f"m-{bo.id}"})
    assert response.status_code == 409
    assert "above capacity" in response.get_data(as_text=True)
    assert status_of(w.meeting, bo) == "waitlisted"
    response = client.post(page_url(w) + "/promote", data={"holder": f"m-{bo.id}", "force": "y"})
    assert response.status_code == 303
    assert rsvp_of(w.meeting, bo).forced
    # Into a free seat (the capacity raised here without the edit form, which would fill it).
    carl = create_member(groups=[w.group], name="Carl")
    svc.answer(carl, w.meeting.id, "yes")
    assert status_of(w.meeting, carl) == "waitlisted"
    set_capacity(w.meeting, 3)
    assert "Give a seat" in client.get(page_url(w)).get_data(as_text=True)
    response = client.post(page_url(w) + "/promote", data={"holder": f"m-{carl.id}"})
    assert response.status_code == 303
    assert status_of(w.meeting, carl) == "going" and not rsvp_of(w.meeting, carl).forced
    # Someone who is not waiting cannot be promoted.
    response = client.post(page_url(w) + "/promote", data={"holder": f"m-{carl.id}"})
    assert response.status_code == 409
    assert "Only someone on the waitlist" in response.get_data(as_text=True)


def test_move_up_and_down_in_line(app, client, login, english, w):
    set_capacity(w.meeting, 1)
    first, a, b, c = people(4, w.group)
    for member in (first, a, b, c):
        svc.answer(member, w.meeting.id, "yes")
    login(w.organizer)

    def line():
        view = svc.attendee_list(w.organizer, w.meeting.id)
        names = [p.name for p in view.waitlisted]
        db.session.rollback()
        return names

    assert line() == ["Person 01", "Person 02", "Person 03"]
    html = client.get(page_url(w)).get_data(as_text=True)
    assert "Move Person 03 up" in html and "Move Person 01 down" in html
    assert "Move Person 01 up" not in html and "Move Person 03 down" not in html
    response = client.post(page_url(w) + "/line", data={"holder": f"m-{c.id}", "place": "2"})
    assert response.status_code == 303
    assert line() == ["Person 01", "Person 03", "Person 02"]
    assert "Person 03 is now number 2 on the waitlist." in client.get(page_url(w)).get_data(as_text=True)
    response = client.post(page_url(w) + "/line", data={"holder": f"m-{a.id}", "place": "3"})
    assert response.status_code == 303
    assert line() == ["Person 03", "Person 02", "Person 01"]
    # Not waiting, a junk holder, no place: refused, the line unchanged.
    for data in ({"holder": f"m-{first.id}", "place": "1"}, {"holder": "x-1", "place": "1"},
                 {"holder": f"m-{a.id}"}):
        response = client.post(page_url(w) + "/line", data=data)
        assert response.status_code in (409, 422), data
    assert line() == ["Person 03", "Person 02", "Person 01"]


def test_register_afbud_on_a_members_behalf_with_a_message(app, client, login, english, w):
    set_capacity(w.meeting, 1)
    anna, bo = people(2, w.group)
    svc.answer(anna, w.meeting.id, "yes", guests=[{"name": "G", "email": "g@example.test"}])
    svc.answer(bo, w.meeting.id, "yes")
    login(w.organizer)
    response = client.post(page_url(w) + "/decline", data={"decline-member_id": anna.id,
                                                           "decline-message": "Ringede: syg"})
    assert response.status_code == 303
    row = rsvp_of(w.meeting, anna)
    assert row.status == "declined" and row.message == "Ringede: syg" and row.via == "organizer"
    assert status_of(w.meeting, bo) == "going"  # moved up into the freed seat
    html = client.get(page_url(w)).get_data(as_text=True)
    assert "Afbud registered for Person 00." in html and "Moved up from the waitlist: Person 01." in html
    assert "Ringede: syg" in html and "by Olga Organizer (organizer)" in html
    assert any(m.recipients == "g@example.test" for m in outbox("rsvp_guest"))  # the guest is told
    response = client.post(page_url(w) + "/decline", data={"decline-member_id": bo.id,
                                                           "decline-message": "x" * 1001})
    assert response.status_code == 422
    assert "under 1000 characters" in response.get_data(as_text=True)
    assert status_of(w.meeting, bo) == "going"


def test_add_and_remove_a_guest(app, client, login, english, w):
    set_capacity(w.meeting, 2)
    svc.answer(w.member, w.meeting.id, "yes")
    login(w.organizer)
    response = client.post(page_url(w) + "/guest", data={
        "guest-member_id": w.member.id, "guest-name": "Karen Kunde", "guest-email": "karen@example.test",
        "guest-company": "Kunde A/S"})
    assert response.status_code == 303
    guest = db.session.scalar(select(MeetingGuest).where(MeetingGuest.email == "karen@example.test"))
    assert guest.status == "going" and guest.rsvp.member_id == w.member.id
    assert any(m.recipients == "karen@example.test" for m in outbox("rsvp_guest"))  # her confirmation
    html = client.get(page_url(w)).get_data(as_text=True)
    assert "Karen Kunde was added as the guest of Mads Member." in html
    # Full now: a second guest waits unless the organizer ticks the box.
    response = client.post(page_url(w) + "/guest", data={
        "guest-member_id": w.member.id, "guest-name": "Lars", "guest-email": "lars@example.test"})
    assert response.status_code == 303
    assert "is on the waitlist" in client.get(page_url(w)).get_data(as_text=True)
    # A bad address: the form shows the error next to the field, nothing is added.
    response = client.post(page_url(w) + "/guest", data={
        "guest-member_id": w.member.id, "guest-name": "Nils", "guest-email": "not an address"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Please enter a valid e-mail address." in body and 'id="guest-email-error"' in body
    assert 'href="#add-guest"' in body.split("data-action-error")[1].split("</div>")[0]  # far down on a phone
    # Remove Karen: she is told, and Lars takes her seat.
    response = client.post(page_url(w) + "/remove-guest", data={"holder": f"g-{guest.id}"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(MeetingGuest, guest.id).status == "cancelled"
    lars = db.session.scalar(select(MeetingGuest).where(MeetingGuest.email == "lars@example.test"))
    assert lars.status == "going"
    html = client.get(page_url(w)).get_data(as_text=True)
    assert "Karen Kunde was removed" in html and "Moved up from the waitlist: Lars." in html
    # Removing again (a stale page) or a member as a guest: a clear refusal, not a 500.
    response = client.post(page_url(w) + "/remove-guest", data={"holder": f"g-{guest.id}"})
    assert response.status_code == 409
    assert "no longer on the list" in response.get_data(as_text=True)
    response = client.post(page_url(w) + "/remove-guest", data={"holder": f"m-{w.member.id}"})
    assert response.status_code == 409
    assert status_of(w.meeting, w.member) == "going"


def test_guest_on_the_waitlist_is_moved_to_the_waitlist_and_back(app, client, login, english, w):
    set_capacity(w.meeting, 3)
    svc.answer(w.member, w.meeting.id, "yes", guests=[{"name": "Hans", "email": "hans@example.test"}])
    guest = db.session.scalar(select(MeetingGuest).where(MeetingGuest.email == "hans@example.test"))
    login(w.organizer)
    html = client.get(page_url(w)).get_data(as_text=True)
    assert "/attendees/waitlist" not in html  # with free seats nobody need wait
    response = client.post(page_url(w) + "/waitlist", data={"holder": f"g-{guest.id}"})
    assert response.status_code == 409
    assert "There is a free seat" in response.get_data(as_text=True)
    set_capacity(w.meeting, 1)
    response = client.post(page_url(w) + "/waitlist", data={"holder": f"g-{guest.id}"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(MeetingGuest, guest.id).status == "waitlisted"
    html = client.get(page_url(w)).get_data(as_text=True)
    assert f'data-person="g-{guest.id}" data-place="1"' in html
    response = client.post(page_url(w) + "/promote", data={"holder": f"g-{guest.id}", "force": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(MeetingGuest, guest.id).status == "going"


def test_a_cancelled_meeting_shows_the_list_and_takes_no_changes(app, client, login, english, w):
    svc.answer(w.member, w.meeting.id, "yes")
    w.meeting.status = "cancelled"
    db.session.commit()
    login(w.organizer)
    html = client.get(page_url(w)).get_data(as_text=True)
    assert "This meeting is cancelled." in html
    assert "/attendees/add" not in html and "/attendees/waitlist" not in html
    response = client.post(page_url(w) + "/decline", data={"decline-member_id": w.member.id})
    assert response.status_code == 409
    assert "cancelled" in response.get_data(as_text=True)
    assert status_of(w.meeting, w.member) == "going"


def test_hostile_holders_and_ids_are_clear_answers(app, client, login, w):
    login(w.organizer)
    for data in ({"holder": "m-99999999999999"}, {"holder": "g-0"}, {"holder": "\x00"}, {},
                 {"holder": "m-" + "9" * 9}):
        for action in ("waitlist", "promote", "line", "remove-guest"):
            response = client.post(page_url(w) + "/" + action, data=data)
            assert 400 <= response.status_code < 500, (action, data, response.status_code)
    for value in ("abc", str(2**40), "-1", ""):
        response = client.post(page_url(w) + "/add", data={"add-member_id": value})
        assert response.status_code == 422, value


# --- the print view ----------------------------------------------------------------------------------


def test_print_view_is_one_complete_page_for_the_door(app, client, login, english, w):
    set_capacity(w.meeting, 3)
    svc.answer(w.member, w.meeting.id, "yes", guests=[{"name": "Gitte Gæst", "email": "gitte@example.test",
                                                     "company": "Gæste ApS"}])
    anna, bo = people(2, w.group)
    svc.answer(anna, w.meeting.id, "yes")
    svc.answer(bo, w.meeting.id, "yes")  # waits
    login(w.organizer)
    response = client.get(page_url(w) + "/print")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert '<html lang="en">' in html and "<title>" in html and html.rstrip().endswith("</html>")
    assert "<nav" not in html and "navbar" not in html and "<form" not in html  # no navigation, no buttons
    css = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    sheet = client.get(css).get_data(as_text=True)
    assert "@page" in sheet and "A4" in sheet and "@media print" in sheet
    table = html.split("data-door-list")[1].split("</table>")[0]
    assert table.count('class="door-box"') >= 3 + 3  # a box per person, and blank rows for walk-ins
    for name in ("Mads Member", "Gitte Gæst", "Person 00"):
        assert name in table
    assert "guest of Mads Member" in table and "Gæste ApS" in table
    assert "Person 01" not in table and "Person 01" in html.split("data-door-waitlist")[1]
    assert "Going: 3" in html and "incl. 1 guest" in html and "Waitlist: 1" in html


# --- CSV ----------------------------------------------------------------------------------------------


def test_csv_round_trip(app, client, login, english, w):
    set_capacity(w.meeting, 2)
    evil = create_member(groups=[w.group], name='=HYPERLINK("http://x.test","klik")', company="+45 Ærø ÅÆØ")
    svc.answer(w.member, w.meeting.id, "yes", guests=[{"name": "Søren Gæst", "email": "soren@example.test",
                                                     "company": "-Minus; A/S"}])
    svc.answer(evil, w.meeting.id, "yes")  # waits
    anna = people(1, w.group)[0]
    svc.send_substitute(anna, w.meeting.id, {"name": "Åge Afløser", "email": "aage@example.test"},
                        message="Tandlæge; \"akut\"")
    login(w.organizer)
    response = client.get(page_url(w) + ".csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('.csv"')
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header == list(organizer.CSV_HEADERS)
    by_name = {row[2]: dict(zip(header, row, strict=True)) for row in body}
    assert by_name["Søren Gæst"]["gæst af"] == "Mads Member"
    assert by_name["Søren Gæst"]["virksomhed"] == "'-Minus; A/S"  # a leading "-" is escaped
    assert by_name["Søren Gæst"]["status"] == "kommer"
    assert by_name["Mads Member"]["via"] == "web" and by_name["Mads Member"]["svaret"]
    evil_row = by_name["'" + evil.name]  # the formula is text, not a formula
    assert evil_row["status"] == "venteliste" and evil_row["plads på venteliste"] == "1"
    assert evil_row["virksomhed"] == "'+45 Ærø ÅÆØ"  # a leading "+" stays bare only in phone numbers
    assert by_name["Åge Afløser"]["stedfortræder for"] == "Person 00"
    assert by_name["Person 00"]["status"] == "afbud"
    assert by_name["Person 00"]["besked"] == 'Tandlæge; "akut"'
    assert by_name["Olga Organizer"]["status"] == "ikke svaret"
    assert all(not cell.startswith(("=", "@")) for row in body for cell in row)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", by_name["Mads Member"]["svaret"])


def test_csv_marks_late_afbud(app, client, login, w):
    w.meeting.rsvp_deadline = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()
    svc.answer(w.member, w.meeting.id, "no", message="Forsinket")
    login(w.admin)
    text = client.get(page_url(w) + ".csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    mads = next(r for r in rows if r["navn"] == "Mads Member")
    assert mads["for sent"] == "ja" and mads["besked"] == "Forsinket" and mads["status"] == "afbud"


# --- write to these people ----------------------------------------------------------------------------


def write(client, w, audiences, *, subject="Husk kaffen", body="Vi ses kl. 8.\n\nHilsen Olga", send_id=None):
    send_id = send_id or "0123456789abcdef"
    return client.post(page_url(w) + "/write", data={"audiences": audiences, "subject": subject,
                                                     "body": body, "send_id": send_id})


def test_write_to_people_by_status_in_their_language(app, client, login, w):
    set_capacity(w.meeting, 2)
    dansk = create_member(groups=[w.group], name="Dorte Dansk", language="da")
    svc.answer(w.member, w.meeting.id, "yes",
               guests=[{"name": "Gunnar Gæst", "email": "gunnar@example.test"}])
    svc.answer(dansk, w.meeting.id, "yes")  # waits
    anna = create_member(groups=[w.group], name="Anna Afbud", language="en")
    svc.answer(anna, w.meeting.id, "no")
    login(w.organizer)

    response = write(client, w, ["going", "waitlisted"], send_id="1" * 16)
    assert response.status_code == 303
    sent = outbox("rsvp_message")
    assert sorted(m.recipients for m in sent) == sorted([w.member.email, dansk.email])
    by_to = {m.recipients: m for m in sent}
    assert by_to[w.member.email].subject == "Husk kaffen"
    assert text_of(by_to[w.member.email]).startswith("Hello Mads,")  # English member
    assert text_of(by_to[dansk.email]).startswith("Hej Dorte")  # Danish member
    assert "Vi ses kl. 8." in text_of(by_to[dansk.email])
    flash_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sendt til 2 personer." in flash_page or "Sent to 2 people." in flash_page

    # A reload of the page sends nothing (PRG); the same form posted again (double click, Back) neither.
    client.get(page_url(w))
    response = write(client, w, ["going", "waitlisted"], send_id="1" * 16)
    assert response.status_code == 303
    assert len(outbox("rsvp_message")) == 2
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "allerede sendt" in again or "sent already" in again

    # Guests at their own address, afbud and not answered by status.
    write(client, w, ["guests"], send_id="2" * 16)
    assert [m.recipients for m in outbox(f"rsvp_message:{'2' * 16}")] == ["gunnar@example.test"]
    write(client, w, ["declined"], send_id="3" * 16)
    assert [m.recipients for m in outbox(f"rsvp_message:{'3' * 16}")] == [anna.email]
    write(client, w, ["not_answered"], send_id="4" * 16)
    assert [m.recipients for m in outbox(f"rsvp_message:{'4' * 16}")] == [w.organizer.email]
    # Everyone at once: each address once.
    write(client, w, list(organizer.AUDIENCES), send_id="5" * 16)
    assert len(outbox(f"rsvp_message:{'5' * 16}")) == 5


def test_each_new_form_gets_its_own_send_id(app, client, login, w):
    login(w.organizer)
    first = re.search(r'name="send_id" type="hidden" value="([0-9a-f]+)"',
                      client.get(page_url(w)).get_data(as_text=True)).group(1)
    second = re.search(r'name="send_id" type="hidden" value="([0-9a-f]+)"',
                       client.get(page_url(w)).get_data(as_text=True)).group(1)
    assert first != second and organizer.SEND_ID.match(first)


def test_write_errors_are_shown_and_nothing_is_sent(app, client, login, english, w):
    login(w.organizer)
    response = write(client, w, [], subject="", body="")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Please choose who gets the message." in body and "Please write a subject." in body
    assert "Please write a message." in body
    response = write(client, w, ["going"])  # nobody is going yet
    assert response.status_code == 409
    assert "Nobody on the list matches" in response.get_data(as_text=True)
    response = write(client, w, ["everyone"])
    assert response.status_code == 422
    response = write(client, w, ["going"], send_id="not-hex")
    assert response.status_code == 422
    assert "reload the page" in response.get_data(as_text=True)
    assert outbox() == []


def test_write_to_a_large_list_goes_through_the_batch(app, client, login, w):
    w.group.rsvp_mode = "expected"
    db.session.commit()
    people(30, w.group)
    login(w.organizer)
    response = write(client, w, ["going"], send_id="a" * 16)
    assert response.status_code == 303
    sent = outbox("rsvp_message")
    assert len(sent) == 32 and len({m.recipients for m in sent}) == 32
    assert all(m.member_id for m in sent)


# --- the guest list across meetings ------------------------------------------------------------------


def test_guest_list_across_meetings(app, client, login, english, w):
    older = create_meeting(group=w.group, title="Gammelt møde",
                           starts_at=datetime.now(UTC) + timedelta(days=2))
    cancelled = create_meeting(group=w.group, title="Aflyst", starts_at=datetime.now(UTC) + timedelta(days=3))
    other_group_meeting = create_meeting(group=w.other_group)
    anna = people(1, w.group)[0]
    svc.answer(w.member, older.id, "yes", guests=[{"name": "Gert Gæst", "email": "gert@example.test",
                                                  "company": "Gert ApS"}])
    svc.answer(anna, w.meeting.id, "yes", guests=[{"name": "Gert G. Gæst", "email": "GERT@example.test",
                                                  "company": "Gert & Co"}])
    svc.answer(w.member, w.meeting.id, "yes", guests=[{"name": "Ny Gæst", "email": "ny@example.test"}])
    svc.answer(anna, cancelled.id, "yes", guests=[{"name": "Aflyst Gæst", "email": "aflyst@example.test"}])
    cancelled.status = "cancelled"
    outsider_member = create_member(groups=[w.other_group])
    svc.answer(outsider_member, other_group_meeting.id, "yes",
               guests=[{"name": "Fremmed", "email": "fremmed@example.test"}])
    db.session.commit()
    create_member(groups=[w.group], email="ny@example.test", name="Ny Medlem")  # became a member

    login(w.member)
    assert client.get(f"/groups/{w.group.slug}/guests").status_code == 403
    login(w.outsider)
    assert client.get(f"/groups/{w.group.slug}/guests").status_code == 404
    login(w.organizer)
    html = client.get(f"/groups/{w.group.slug}/guests").get_data(as_text=True)
    order = re.findall(r'data-guest="([^"]+)"', html)
    # Newest visit first; nobody from a cancelled meeting or another group.
    assert order == ["gert@example.test", "ny@example.test"]
    gert = html.split('data-guest="gert@example.test"')[1].split("</li>\n  </ul>")[0]
    assert "Gert G. Gæst" in gert and "Gert &amp; Co" in gert  # the latest name and company
    assert 'data-times="2"' in gert and "2 times" in gert
    assert "guest of Person 00" in gert and "guest of Mads Member" in gert
    assert "data-now-member" in html.split('data-guest="ny@example.test"')[1]
    assert "Fremmed" not in html and "Aflyst Gæst" not in html

    text = client.get(f"/groups/{w.group.slug}/guests.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert [r["e-mail"] for r in rows] == ["gert@example.test", "ny@example.test"]
    assert rows[0]["antal gange"] == "2" and rows[1]["medlem nu"] == "ja"


def test_guest_list_pages(app, w):
    for i in range(5):
        meeting = create_meeting(group=w.group, starts_at=datetime.now(UTC) + timedelta(days=10 + i))
        svc.answer(w.member, meeting.id, "yes", guests=[{"name": f"Gæst {i}", "email": f"g{i}@example.test"}])
    listing = organizer.guest_list(w.organizer, w.group.slug, page=1, per_page=2)
    assert listing.page.total == 5 and listing.page.pages == 3
    assert [e.name for e in listing.page.items] == ["Gæst 4", "Gæst 3"]
    last = organizer.guest_list(w.organizer, w.group.slug, page=3, per_page=2)
    assert [e.name for e in last.page.items] == ["Gæst 0"]


def test_group_page_links_organizers_to_the_guest_list(app, client, login, w):
    login(w.organizer)
    assert "data-guest-list-link" in client.get(f"/groups/{w.group.slug}").get_data(as_text=True)
    login(w.member)
    assert "data-guest-list-link" not in client.get(f"/groups/{w.group.slug}").get_data(as_text=True)


def test_the_page_has_no_id_twice_and_every_field_labelled(app, client, login, w):
    set_capacity(w.meeting, 1)
    anna, bo = people(2, w.group)
    svc.answer(anna, w.meeting.id, "yes", guests=[{"name": "G", "email": "g@example.test"}])
    svc.answer(bo, w.meeting.id, "yes")
    login(w.organizer)
    for data in (None, {"guest-member_id": "", "guest-email": "x"}):  # the page, and a refused form
        if data is None:
            html = client.get(page_url(w)).get_data(as_text=True)
        else:
            html = client.post(page_url(w) + "/guest", data=data).get_data(as_text=True)
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
        labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', html))
        fields = re.findall(r'<(?:input|select|textarea)\b([^>]*)>', html)
        for attrs in fields:
            if re.search(r'type="(hidden|submit)"', attrs):
                continue
            field_id = re.search(r'\sid="([^"]+)"', attrs)
            assert field_id and field_id.group(1) in labelled, attrs
