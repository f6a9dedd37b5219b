"""The sign-up panel on the meeting page (templates/rsvp/_panel.html, app/rsvp/panel.py) and the
member's posts from it (app/rsvp/routes_member.py): every state of the panel, every post with its
success, its errors and its refusals (deadline, cancelled, started, not a member, full, guest limit,
members-only meeting), in both modes of a group, in English and in Danish."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MeetingGuest, MeetingStatus, Rsvp
from app.rsvp import services as svc
from tests.factories import add_membership, build_meeting_world, create_member
from tests.web.form_helpers import page_forms


@pytest.fixture
def mw(app, english):
    """A members-only group with one meeting (March 2031) and one person per role, in English."""
    return build_meeting_world()


def _meeting(world):
    return db.session.get(type(world.meeting), world.meeting.id)


def _set(meeting, **values):
    meeting = db.session.get(type(meeting), meeting.id)
    for name, value in values.items():
        setattr(meeting, name, value)
    db.session.commit()
    return meeting


def _set_group(group, **values):
    group = db.session.get(type(group), group.id)
    for name, value in values.items():
        setattr(group, name, value)
    db.session.commit()


def _show(client, meeting):
    response = client.get(f"/meetings/{meeting.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _panel(html: str) -> str:
    start = html.index("data-rsvp-panel")
    return html[start:html.index("</section>\n<script", start)]


def _status(html: str) -> str:
    return re.search(r'data-rsvp-status="([a-z]+)"', html).group(1)


def _forms(html: str) -> dict[str, dict]:
    """The panel's forms by the last part of their action (my-answer, my-guests, ...)."""
    found = {}
    for form in page_forms(_panel(html)):
        key = urlsplit(form["action"]).path.split("/", 3)[-1]
        found.setdefault(key, form)
    return found


def _flash(client, meeting) -> str:
    return _show(client, meeting)


def _rsvp(meeting, member):
    row = db.session.scalar(select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.member_id == member.id))
    db.session.rollback()
    return row


def _post(client, meeting, path, data):
    return client.post(f"/meetings/{meeting.id}/{path}", data=data)


def _member(world, **kwargs):
    kwargs.setdefault("language", "en")
    return create_member(groups=[world.group], **kwargs)


def _going(meeting, *members):
    for member in members:
        svc.answer(member, meeting.id, "yes")


def _in(html, *texts):
    missing = [t for t in texts if t not in html]
    assert not missing, missing


# --- who sees what -----------------------------------------------------------------------------


def test_anonymous_visitor_of_a_public_group_is_asked_to_log_in(app, client, english):
    world = build_meeting_world(public=True)
    html = _show(client, world.meeting)
    panel = _panel(html)
    assert "data-rsvp-login" in panel and "Log in to sign up or send afbud." in panel
    assert not page_forms(panel) and "data-rsvp-status" not in panel


def test_a_logged_in_outsider_gets_an_explanation_and_no_form(app, client, login, english):
    world = build_meeting_world(public=True)
    login(world.outsider)
    panel = _panel(_show(client, world.meeting))
    assert "data-rsvp-not-member" in panel and "Only members of Kaffeklub Herning can sign up" in panel
    assert not page_forms(panel)
    response = _post(client, world.meeting, "my-answer", {"answer": "yes"})
    assert response.status_code == 403
    assert "Only members of Kaffeklub Herning can answer for its meetings." in response.get_data(as_text=True)
    assert _rsvp(world.meeting, world.outsider) is None


def test_an_admin_outside_the_group_sees_no_form_but_the_attendee_link(app, client, login, mw):
    login(mw.admin)
    panel = _panel(_show(client, mw.meeting))
    assert "data-rsvp-not-member" in panel and not page_forms(panel)
    if app.view_functions.get("rsvp.attendees"):
        assert f'href="/meetings/{mw.meeting.id}/attendees"' in panel


def test_a_member_of_another_members_only_group_cannot_post(app, client, login, mw):
    login(mw.outsider)
    assert client.get(f"/meetings/{mw.meeting.id}").status_code in (403, 404)
    response = _post(client, mw.meeting, "my-answer", {"answer": "yes"})
    assert response.status_code in (403, 404)
    assert _rsvp(mw.meeting, mw.outsider) is None


def test_posting_needs_a_login(app, client, mw):
    response = _post(client, mw.meeting, "my-answer", {"answer": "yes"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_get_of_a_post_address_goes_to_the_meeting_page(app, client, login, mw):
    login(mw.member)
    for path in ("my-answer", "my-guests", "my-substitute", "my-guests/1/remove"):
        response = client.get(f"/meetings/{mw.meeting.id}/{path}")
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == f"/meetings/{mw.meeting.id}"


# --- "sign up to come" ----------------------------------------------------------------------------


def test_not_answered_member_sees_the_mode_the_seats_and_both_buttons(app, client, login, mw):
    _set(mw.meeting, capacity=20, rsvp_deadline=datetime(2031, 3, 3, 11, 0, tzinfo=UTC))
    login(mw.member)
    html = _show(client, mw.meeting)
    panel = _panel(html)
    assert 'data-rsvp-mode="opt_in"' in panel
    _in(panel, "Sign-up: you are only on the list when you say yes.", "20 seats left", "of 20.",
        "Sign-up deadline:", 'datetime="2031-03-03T12:00+01:00"', "data-rsvp-yes", "data-rsvp-no",
        "I am coming", "Send afbud")
    assert _status(panel) == "none" and "Not answered" in panel
    # A guest may be added before answering: that signs the member up too, and the form says so.
    assert "data-guest-form" in panel and "You are signed up yourself too when you add a guest." in panel
    assert "data-substitute-form" in panel


def test_yes_signs_up_and_redirects_and_a_reload_changes_nothing(app, client, login, mw):
    _set(mw.meeting, capacity=20)
    login(mw.member)
    response = _post(client, mw.meeting, "my-answer", {"answer": "yes"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/meetings/{mw.meeting.id}"
    html = _show(client, mw.meeting)
    assert "You are signed up. See you there!" in html
    panel = _panel(html)
    assert _status(panel) == "going"
    assert "data-rsvp-yes" not in panel and "data-rsvp-no" in panel and "19 seats left" in panel
    assert "data-guest-form" in panel
    # The same post again (reload, Back, a double click): still one answer, still going.
    assert _post(client, mw.meeting, "my-answer", {"answer": "yes"}).status_code == 303
    count = db.session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.meeting_id == mw.meeting.id))
    assert count == 1 and _rsvp(mw.meeting, mw.member).status == "going"
    assert "You are signed up." not in _show(client, mw.meeting).split("data-rsvp-panel")[1]


def test_afbud_with_a_message_then_yes_again(app, client, login, mw):
    login(mw.member)
    _post(client, mw.meeting, "my-answer", {"answer": "yes"})
    response = _post(client, mw.meeting, "my-answer", {"answer": "no", "message": "Jeg er på ferie."})
    assert response.status_code == 303
    html = _show(client, mw.meeting)
    assert "Your afbud is registered." in html
    panel = _panel(html)
    assert _status(panel) == "declined" and "»Jeg er på ferie.«" in panel
    assert "data-rsvp-late" not in panel and "data-rsvp-no" not in panel and "data-rsvp-yes" in panel
    # After an afbud no guest form: guests come with a member who comes.
    assert "data-guest-form" not in panel and "data-rsvp-guest-hint" in panel
    assert _post(client, mw.meeting, "my-answer", {"answer": "yes"}).status_code == 303
    assert _rsvp(mw.meeting, mw.member).status == "going"


def test_a_yes_on_a_full_meeting_goes_to_the_waitlist(app, client, login, mw):
    meeting = _set(mw.meeting, capacity=1)
    first = _member(mw, name="Frida First")
    _going(meeting, first)
    login(mw.member)
    panel = _panel(_show(client, meeting))
    _in(panel, "data-rsvp-full", "The meeting is full (1 seat).", "data-rsvp-waitlist-note",
        "you go on the waitlist, and we will send you an e-mail when you move up", "I am coming (waitlist)")
    response = _post(client, meeting, "my-answer", {"answer": "yes"})
    assert response.status_code == 303
    html = _show(client, meeting)
    assert "The meeting is full – you are number 1 on the waitlist." in html
    panel = _panel(html)
    assert _status(panel) == "waitlisted" and "number 1 in line" in panel
    assert "1 is on the waitlist." in panel and "We will send you an e-mail if a seat becomes free" in panel


def test_wrong_answer_value_is_shown_on_the_page(app, client, login, mw):
    login(mw.member)
    response = _post(client, mw.meeting, "my-answer", {"answer": "maybe"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please answer yes or no." in html and "data-rsvp-error" in html
    assert _rsvp(mw.meeting, mw.member) is None


def test_a_too_long_afbud_message_keeps_the_text(app, client, login, mw):
    login(mw.member)
    text = "Undskyld. " * 150
    response = _post(client, mw.meeting, "my-answer", {"answer": "no", "message": text})
    assert response.status_code == 422
    panel = _panel(response.get_data(as_text=True))
    assert "Please keep the message under 1000 characters." in panel and "is-invalid" in panel
    assert text.strip() in panel and "<details class=\"mb-2\" open>" in panel
    assert _rsvp(mw.meeting, mw.member) is None


# --- deadline, cancelled, started -----------------------------------------------------------------


def test_after_the_deadline_only_afbud_and_it_is_late(app, client, login, mw):
    meeting = _set(mw.meeting, rsvp_deadline=datetime.now(UTC) - timedelta(hours=1))
    _going(_set(meeting, rsvp_deadline=None), mw.member)
    meeting = _set(meeting, rsvp_deadline=datetime.now(UTC) - timedelta(hours=1))
    login(mw.member)
    panel = _panel(_show(client, meeting))
    _in(panel, 'data-rsvp-closed="deadline"', "The sign-up deadline has passed:",
        "it will be recorded as late", "Send afbud (late)")
    assert "data-rsvp-yes" not in panel and "data-guest-form" not in panel
    assert "data-substitute-form" in panel  # a member holding a seat may still pass it on
    response = _post(client, meeting, "my-answer", {"answer": "no", "message": "Syg"})
    assert response.status_code == 303
    html = _show(client, meeting)
    assert "The sign-up deadline had passed, so it is noted as late." in html
    panel = _panel(html)
    assert _status(panel) == "declined" and "data-rsvp-late" in panel and "after the deadline" in panel
    assert "data-rsvp-yes" not in panel
    # Holding nothing after the deadline, a substitute would be a new sign-up: no form.
    assert "data-substitute-form" not in panel
    row = _rsvp(meeting, mw.member)
    assert row.late and row.message == "Syg"


def test_a_yes_after_the_deadline_is_refused_on_the_page(app, client, login, mw):
    meeting = _set(mw.meeting, rsvp_deadline=datetime.now(UTC) - timedelta(hours=1))
    login(mw.member)
    response = _post(client, meeting, "my-answer", {"answer": "yes"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "The sign-up deadline has passed. Please contact the organizers." in html
    assert _rsvp(meeting, mw.member) is None
    response = _post(client, meeting, "my-guests",
                     {"guest-name": "Gitte Gæst", "guest-email": "g@example.test"})
    assert response.status_code == 409
    panel = _panel(response.get_data(as_text=True))
    assert "The sign-up deadline has passed. Please contact the organizers." in panel
    assert 'value="Gitte Gæst"' in panel and "data-guest-form" in panel


def test_a_cancelled_meeting_says_why_and_takes_no_answer(app, client, login, mw):
    meeting = _set(mw.meeting, status=MeetingStatus.CANCELLED.value)
    login(mw.member)
    panel = _panel(_show(client, meeting))
    assert 'data-rsvp-closed="cancelled"' in panel
    assert "The meeting is cancelled, so it takes no sign-ups." in panel
    assert not page_forms(panel)
    response = _post(client, meeting, "my-answer", {"answer": "yes"})
    assert response.status_code == 409
    assert "This meeting is cancelled; it takes no sign-ups." in response.get_data(as_text=True)
    assert _rsvp(meeting, mw.member) is None


def test_a_started_meeting_says_why_and_takes_no_answer(app, client, login, mw):
    now = datetime.now(UTC)
    meeting = _set(mw.meeting, starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1))
    login(mw.member)
    panel = _panel(_show(client, meeting))
    assert 'data-rsvp-closed="started"' in panel and "sign-up is closed" in panel
    assert not page_forms(panel)
    response = _post(client, meeting, "my-answer", {"answer": "no"})
    assert response.status_code == 409
    assert "This meeting has started or taken place" in response.get_data(as_text=True)
    assert _rsvp(meeting, mw.member) is None


# --- guests --------------------------------------------------------------------------------------


GUEST = {"guest-name": "Gitte Gæst", "guest-email": "gitte@example.test", "guest-company": "Gæst ApS"}


def test_add_a_guest_up_to_the_limit(app, client, login, mw):
    _set_group(mw.group, guest_limit=2)
    meeting = _set(mw.meeting, capacity=10)
    login(mw.member)
    _post(client, meeting, "my-answer", {"answer": "yes"})
    panel = _panel(_show(client, meeting))
    _in(panel, "data-guest-form", "You may bring up to 2 guests.",
        "If there is not room for everyone, you get the seat first, "
        "and your guests go on the waitlist after you.")
    response = _post(client, meeting, "my-guests", GUEST)
    assert response.status_code == 303
    html = _show(client, meeting)
    assert "Gitte Gæst is signed up as your guest" in html
    panel = _panel(html)
    assert "Gitte Gæst" in panel and "Gæst ApS" in panel and 'data-guest-status="going"' in panel
    assert "data-guest-form" in panel  # one more allowed
    _post(client, meeting, "my-guests", {**GUEST, "guest-name": "Bo Bi", "guest-email": "bo@example.test"})
    panel = _panel(_show(client, meeting))
    assert "data-guest-form" not in panel and "as many guests as the group allows" in panel
    # Over the limit anyway (an old page): refused, and what was typed stays in the form.
    response = _post(client, meeting, "my-guests",
                     {**GUEST, "guest-name": "Tre Trold", "guest-email": "t@example.test"})
    assert response.status_code == 422
    panel = _panel(response.get_data(as_text=True))
    assert "You can bring at most 2 guests" in panel
    assert 'value="Tre Trold"' in panel and 'value="t@example.test"' in panel
    assert db.session.scalar(select(func.count()).select_from(MeetingGuest)) == 2


def test_a_guest_added_before_answering_signs_the_member_up(app, client, login, mw):
    login(mw.member)
    assert _post(client, mw.meeting, "my-guests", GUEST).status_code == 303
    html = _show(client, mw.meeting)
    assert "You are signed up. See you there!" in html and "Gitte Gæst is signed up as your guest" in html
    panel = _panel(html)
    assert _status(panel) == "going" and "Gitte Gæst" in panel
    assert _rsvp(mw.meeting, mw.member).status == "going"


def test_the_same_guest_twice_is_one_guest_and_a_friendly_word(app, client, login, mw):
    _set_group(mw.group, guest_limit=3)
    login(mw.member)
    _post(client, mw.meeting, "my-answer", {"answer": "yes"})
    assert _post(client, mw.meeting, "my-guests", GUEST).status_code == 303
    response = _post(client, mw.meeting, "my-guests", {**GUEST, "guest-email": "GITTE@example.test"})
    assert response.status_code == 303
    assert "Gitte Gæst is on your guest list already." in _show(client, mw.meeting)
    assert db.session.scalar(select(func.count()).select_from(MeetingGuest)) == 1


def test_a_guest_form_with_errors_keeps_what_was_typed(app, client, login, mw):
    login(mw.member)
    _post(client, mw.meeting, "my-answer", {"answer": "yes"})
    response = _post(client, mw.meeting, "my-guests",
                     {**GUEST, "guest-email": "ikke-en-adresse"})
    assert response.status_code == 422
    panel = _panel(response.get_data(as_text=True))
    assert "Please enter a valid e-mail address." in panel and "is-invalid" in panel
    assert 'value="Gitte Gæst"' in panel and 'value="ikke-en-adresse"' in panel
    assert 'value="Gæst ApS"' in panel
    assert "<details class=\"rsvp-add-guest\" open>" in panel and "data-focus-on-load" in panel
    # The other forms are not filled in from this post.
    substitute = _forms(response.get_data(as_text=True))["my-substitute"]["fields"]
    assert substitute["substitute-name"]["value"] == ""
    response = _post(client, mw.meeting, "my-guests", {"guest-name": "", "guest-email": ""})
    assert response.status_code == 422
    panel = _panel(response.get_data(as_text=True))
    assert "Please enter the name." in panel and "Please enter an e-mail address." in panel
    assert db.session.scalar(select(func.count()).select_from(MeetingGuest)) == 0


def test_a_members_only_meeting_has_no_guest_form(app, client, login, mw):
    meeting = _set(mw.meeting, guests_welcome=False)
    login(mw.member)
    _post(client, meeting, "my-answer", {"answer": "yes"})
    panel = _panel(_show(client, meeting))
    assert "data-rsvp-members-only" in panel and "This meeting is for members only" in panel
    assert "data-guest-form" not in panel
    response = _post(client, meeting, "my-guests", GUEST)
    assert response.status_code == 422
    assert "This meeting is for members only." in response.get_data(as_text=True)


def test_a_group_without_guests_says_so(app, client, login, mw):
    _set_group(mw.group, guest_limit=0)
    login(mw.member)
    _post(client, mw.meeting, "my-answer", {"answer": "yes"})
    panel = _panel(_show(client, mw.meeting))
    assert "This group's meetings are for members only" in panel and "data-guest-form" not in panel


def test_member_first_when_one_seat_is_left(app, client, login, mw):
    meeting = _set(mw.meeting, capacity=2)
    _going(meeting, _member(mw))
    login(mw.member)
    _post(client, meeting, "my-answer", {"answer": "yes"})
    assert "You are signed up." in _show(client, meeting)
    response = _post(client, meeting, "my-guests", GUEST)
    assert response.status_code == 303
    html = _show(client, meeting)
    assert "The meeting is full – your guest Gitte Gæst is number 1 on the waitlist." in html
    assert "You are signed up." not in html  # the member was already
    panel = _panel(html)
    assert _status(panel) == "going"
    assert 'data-guest-status="waitlisted"' in panel and "number 1 in line" in panel


def test_removing_a_guest_gives_the_seat_to_the_next_in_line(app, client, login, mw):
    meeting = _set(mw.meeting, capacity=2)
    login(mw.member)
    _post(client, meeting, "my-answer", {"answer": "yes"})
    _post(client, meeting, "my-guests", GUEST)
    waiting = _member(mw, name="Willy Venter")
    _going(meeting, waiting)
    assert _rsvp(meeting, waiting).status == "waitlisted"
    guest_id = db.session.scalar(select(MeetingGuest.id))
    db.session.rollback()
    panel = _panel(_show(client, meeting))
    assert f'data-remove-guest="{guest_id}"' in panel
    response = _post(client, meeting, f"my-guests/{guest_id}/remove", {})
    assert response.status_code == 303
    html = _show(client, meeting)
    assert "Gitte Gæst is no longer on your guest list" in html
    assert "Gitte Gæst" not in _panel(html)
    assert _rsvp(meeting, waiting).status == "going"
    assert _rsvp(meeting, mw.member).status == "going"


def test_nobody_removes_a_guest_through_another_meeting_or_member(app, client, login, mw):
    login(mw.member)
    _post(client, mw.meeting, "my-answer", {"answer": "yes"})
    _post(client, mw.meeting, "my-guests", GUEST)
    guest_id = db.session.scalar(select(MeetingGuest.id))
    db.session.rollback()
    other_meeting_path = f"/meetings/{mw.meeting.id + 1000}/my-guests/{guest_id}/remove"
    assert client.post(other_meeting_path).status_code == 404
    login(_member(mw))
    assert _post(client, mw.meeting, f"my-guests/{guest_id}/remove", {}).status_code == 404
    assert _post(client, mw.meeting, "my-guests/999999/remove", {}).status_code == 404
    assert db.session.get(MeetingGuest, guest_id).status == "going"


# --- substitutes ---------------------------------------------------------------------------------


SUBSTITUTE = {"substitute-name": "Kaj Kollega", "substitute-email": "kaj@example.test",
              "substitute-company": "Mads Maling ApS", "substitute-message": "Kaj tager min plads."}


def test_a_substitute_takes_the_seat(app, client, login, mw):
    meeting = _set(mw.meeting, capacity=5)
    login(mw.member)
    _post(client, meeting, "my-answer", {"answer": "yes"})
    response = _post(client, meeting, "my-substitute", SUBSTITUTE)
    assert response.status_code == 303
    html = _show(client, meeting)
    assert "Your afbud is registered, and Kaj Kollega comes in your place" in html
    panel = _panel(html)
    assert _status(panel) == "declined"
    assert "data-rsvp-substitute" in panel and "Kaj Kollega" in panel and 'data-guest-status="going"' in panel
    assert "Send another substitute" in panel and "»Kaj tager min plads.«" in panel
    assert "4 seats left" in panel
    # Withdrawing the substitute leaves the afbud.
    sub_id = db.session.scalar(select(MeetingGuest.id))
    db.session.rollback()
    assert _post(client, meeting, f"my-guests/{sub_id}/remove", {}).status_code == 303
    html = _show(client, meeting)
    assert "Kaj Kollega no longer comes in your place. Your afbud stands." in html
    assert "data-rsvp-substitute" not in _panel(html) and _rsvp(meeting, mw.member).status == "declined"


def test_a_substitute_form_with_errors_keeps_what_was_typed(app, client, login, mw):
    login(mw.member)
    response = _post(client, mw.meeting, "my-substitute", {**SUBSTITUTE, "substitute-email": mw.member.email})
    assert response.status_code == 422
    panel = _panel(response.get_data(as_text=True))
    assert "The substitute is someone else than you." in panel and "is-invalid" in panel
    assert 'value="Kaj Kollega"' in panel and "Kaj tager min plads." in panel
    assert '<details class="rsvp-send-substitute" open>' in panel
    response = _post(client, mw.meeting, "my-substitute", {"substitute-name": "", "substitute-email": "x"})
    assert response.status_code == 422
    panel = _panel(response.get_data(as_text=True))
    assert "Please enter the name." in panel and "Please enter a valid e-mail address." in panel
    assert _rsvp(mw.meeting, mw.member) is None


def test_after_the_deadline_a_substitute_needs_a_seat_to_take(app, client, login, mw):
    meeting = _set(mw.meeting, rsvp_deadline=datetime.now(UTC) - timedelta(hours=1))
    login(mw.member)
    response = _post(client, meeting, "my-substitute", SUBSTITUTE)
    assert response.status_code == 409
    panel = _panel(response.get_data(as_text=True))
    assert "The sign-up deadline has passed. Please contact the organizers." in panel
    assert _rsvp(meeting, mw.member) is None
    _going(_set(meeting, rsvp_deadline=None), mw.member)
    meeting = _set(meeting, rsvp_deadline=datetime.now(UTC) - timedelta(hours=1))
    assert _post(client, meeting, "my-substitute", SUBSTITUTE).status_code == 303
    row = _rsvp(meeting, mw.member)
    assert row.status == "declined" and row.late
    assert "data-rsvp-late" in _panel(_show(client, meeting))


def test_a_substitute_on_a_full_meeting_waits_in_the_members_place(app, client, login, mw):
    meeting = _set(mw.meeting, capacity=1)
    _going(meeting, _member(mw))
    login(mw.member)
    _post(client, meeting, "my-answer", {"answer": "yes"})
    assert _rsvp(meeting, mw.member).status == "waitlisted"
    _post(client, meeting, "my-substitute", SUBSTITUTE)
    html = _show(client, meeting)
    assert "so Kaj Kollega is number 1 on the waitlist in your place" in html
    assert 'data-guest-status="waitlisted"' in _panel(html)


# --- "expected unless afbud" ----------------------------------------------------------------------


def test_expected_mode_member_is_expected_and_sends_afbud(app, client, login, mw):
    _set_group(mw.group, rsvp_mode="expected")
    meeting = _set(mw.meeting, capacity=10)
    login(mw.member)
    panel = _panel(_show(client, meeting))
    assert 'data-rsvp-mode="expected"' in panel
    _in(panel, "All members are expected; send afbud if you cannot come.",
        "Expected (you have not sent afbud)", "I am coming (confirm)", "data-rsvp-no",
        "Send a colleague in your place", "data-substitute-form")
    assert _status(panel) == "going"
    # The organizer and the member are expected: two seats taken.
    assert "8 seats left" in panel
    # An expected member may bring a guest without saying yes first.
    assert "data-guest-form" in panel
    response = _post(client, meeting, "my-answer", {"answer": "no", "message": "Ferie"})
    assert response.status_code == 303
    panel = _panel(_show(client, meeting))
    assert _status(panel) == "declined" and "»Ferie«" in panel and "9 seats left" in panel


def test_expected_mode_confirm_and_substitute(app, client, login, mw):
    _set_group(mw.group, rsvp_mode="expected")
    login(mw.member)
    assert _post(client, mw.meeting, "my-answer", {"answer": "yes"}).status_code == 303
    panel = _panel(_show(client, mw.meeting))
    assert _status(panel) == "going" and "Expected" not in panel and "data-rsvp-yes" not in panel
    assert _post(client, mw.meeting, "my-substitute", SUBSTITUTE).status_code == 303
    panel = _panel(_show(client, mw.meeting))
    assert _status(panel) == "declined" and "Kaj Kollega" in panel


def test_expected_mode_on_a_full_meeting_the_expected_keep_their_seat(app, client, login, mw):
    _set_group(mw.group, rsvp_mode="expected")
    meeting = _set(mw.meeting, capacity=2)  # the organizer and the member: full
    login(mw.member)
    panel = _panel(_show(client, meeting))
    assert "data-rsvp-full" in panel and "I am coming (confirm)" in panel
    assert "data-rsvp-waitlist-note" not in panel and "(waitlist)" not in panel
    assert _post(client, meeting, "my-answer", {"answer": "yes"}).status_code == 303
    assert _rsvp(meeting, mw.member).status == "going"
    # A newcomer to the group is expected too, above the capacity: nobody is dropped.
    late = _member(mw)
    login(late)
    assert _status(_panel(_show(client, meeting))) == "going"


def test_an_unlimited_meeting_counts_the_people_coming(app, client, login, mw):
    _set_group(mw.group, rsvp_mode="expected")
    login(mw.member)
    panel = _panel(_show(client, mw.meeting))
    assert "2 people are coming." in panel and "(2 of them have not answered and are expected.)" in panel


# --- languages -----------------------------------------------------------------------------------


def test_the_panel_in_danish(app, client, login):
    world = build_meeting_world()
    dansk = create_member(groups=[world.group], name="Dorte Dansk", language="da")
    meeting = _set(world.meeting, capacity=1, rsvp_deadline=datetime(2031, 3, 3, 11, 0, tzinfo=UTC))
    login(dansk)
    panel = _panel(_show(client, meeting))
    _in(panel, "Tilmelding: du kommer kun på listen, når du siger ja.", "Jeg kommer", "Meld afbud",
        "Tilmeldingsfrist:", "1 ledig plads", "Send en stedfortræder i stedet")
    assert _post(client, meeting, "my-answer", {"answer": "yes"}).status_code == 303
    html = _show(client, meeting)
    assert "Du er tilmeldt." in html
    _set_group(world.group, rsvp_mode="expected")
    add_membership(create_member(language="da"), world.group)
    panel = _panel(_show(client, meeting))
    assert "Alle medlemmer forventes; meld afbud, hvis du ikke kan komme." in panel
    assert "får du pladsen først, og dine gæster kommer på ventelisten efter dig" in panel


def test_the_panel_never_fails_in_any_state(app, client, login, mw):
    """Every combination of mode, capacity, deadline and answer renders (no 500)."""
    login(mw.member)
    for mode in ("opt_in", "expected"):
        _set_group(mw.group, rsvp_mode=mode)
        for capacity in (None, 1, 3):
            for deadline in (None, datetime.now(UTC) - timedelta(hours=1), datetime(2031, 3, 1, tzinfo=UTC)):
                meeting = _set(mw.meeting, capacity=capacity, rsvp_deadline=deadline)
                for reply in ("yes", "no"):
                    _post(client, meeting, "my-answer", {"answer": reply})
                    panel = _panel(_show(client, meeting))
                    assert _status(panel) in ("going", "waitlisted", "declined", "none")


def test_a_full_panel_has_unique_ids_and_labelled_fields(app, client, login, mw):
    """Guests, a substitute's form and a refused guest form on one page: no id twice, every field
    labelled (the forms share field names, so the guest and substitute forms carry a prefix)."""
    from html.parser import HTMLParser

    class Ids(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.fields, self.labels = [], [], set()

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if a.get("id"):
                self.ids.append(a["id"])
            if tag == "label" and a.get("for"):
                self.labels.add(a["for"])
            if tag in ("input", "textarea") and a.get("type") not in ("hidden", "submit"):
                self.fields.append(a.get("id"))

    _set_group(mw.group, guest_limit=3)
    login(mw.member)
    _post(client, mw.meeting, "my-guests", GUEST)
    _post(client, mw.meeting, "my-guests", {**GUEST, "guest-name": "Bo Bi", "guest-email": "bo@example.test"})
    response = _post(client, mw.meeting, "my-guests", {**GUEST, "guest-email": "nope"})
    assert response.status_code == 422
    parser = Ids()
    parser.feed(response.get_data(as_text=True))
    assert len(parser.ids) == len(set(parser.ids)), sorted(i for i in parser.ids if parser.ids.count(i) > 1)
    assert parser.fields and all(f in parser.labels for f in parser.fields), parser.fields
