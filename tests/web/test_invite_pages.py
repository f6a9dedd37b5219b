"""The organizers' "Send invitations" on the meeting page: the button and status line, the confirm
page (who gets what), the POST (PRG, nothing sent twice on reload, Back or a second post, CSRF), and
who may do it (organizers and admins; members 403, outsiders 404)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MeetingInvite, OutboxMessage, utcnow
from app.models.meeting import MeetingStatus
from tests.factories import add_membership, build_meeting_world, create_meeting, create_member

pytestmark = pytest.mark.usefixtures("english")


def _invitations() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id))
                             .where(OutboxMessage.kind == "calendar_invite"))


def _invites() -> int:
    return db.session.scalar(select(func.count(MeetingInvite.id)))


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def world(app):
    world = build_meeting_world()
    create_member(groups=[world.group], name="Karen Kofoed", language="en")
    create_member(groups=[world.group], name="Søren Sørensen", language="da")
    return world  # organizer, member, Karen and Søren: four in the group


def test_organizer_sees_the_button_and_the_confirm_page_says_who_gets_what(client, login, world):
    login(world.organizer)
    page = _text(client.get(f"/meetings/{world.meeting.id}"))
    assert 'data-invitations-button' in page and ">Send invitations</a>" in page
    assert f'href="/meetings/{world.meeting.id}/invitations"' in page
    assert "data-invitations-status" not in page  # nothing sent yet

    confirm = client.get(f"/meetings/{world.meeting.id}/invitations")
    assert confirm.status_code == 200
    text = _text(confirm)
    assert "4 people get an invitation with answer buttons for their calendar." in text
    assert "already have one" not in text
    assert "Outlook, Google Calendar, Apple Calendar and Thunderbird" in text
    assert ">Send 4 invitations</button>" in text
    assert 'name="csrf_token"' in text
    assert _invitations() == 0  # looking sends nothing


def test_sending_redirects_to_the_meeting_with_a_flash_and_the_status_line(client, login, world):
    login(world.organizer)
    response = client.post(f"/meetings/{world.meeting.id}/invitations")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/meetings/{world.meeting.id}")
    assert _invitations() == 4 and _invites() == 4

    page = _text(client.get(f"/meetings/{world.meeting.id}"))
    assert "Invitations sent to 4 people." in page
    assert "data-invitations-button" not in page  # everyone has one: nothing to send
    status = re.search(r'data-invitations-status>(.*?)</p>', page).group(1)
    assert "Invitations sent" in status and "4 have one" in status and "0 have answered" in status
    assert "Details" in status

    details = _text(client.get(f"/meetings/{world.meeting.id}/invitations"))
    assert "All 4 people already have an invitation, so there is nobody to send to." in details
    assert "<form method=\"post\"" not in details.split("data-invitations-page")[1]
    assert "4 people have an invitation" in details and "4 have not answered yet" in details


def test_reload_back_and_a_second_post_send_nothing_again(client, login, world):
    login(world.organizer)
    first = client.post(f"/meetings/{world.meeting.id}/invitations")
    assert first.status_code == 303
    client.get(first.headers["Location"])  # the flash is shown once
    again = client.post(f"/meetings/{world.meeting.id}/invitations")  # Back + resubmit, or a reload
    assert again.status_code == 303
    assert _invitations() == 4 and _invites() == 4
    page = _text(client.get(again.headers["Location"]))
    assert "Everyone already has an invitation, so nothing was sent again." in page
    assert "Invitations sent to" not in page


@pytest.mark.parametrize(("mode", "counted"), [("expected", True), ("opt_in", False)])
def test_in_an_expected_group_no_answer_yet_counts_as_going(client, login, world, mode, counted):
    world.group.rsvp_mode = mode
    db.session.commit()
    login(world.organizer)
    client.post(f"/meetings/{world.meeting.id}/invitations")
    page = _text(client.get(f"/meetings/{world.meeting.id}/invitations"))
    assert "have not answered yet" in page
    assert ("have not answered yet (counted as going)" in page) is counted


def test_a_new_member_gets_the_button_for_new_members(client, login, world):
    login(world.organizer)
    client.post(f"/meetings/{world.meeting.id}/invitations")
    create_member(groups=[world.group], name="Nina Ny", language="en")
    page = _text(client.get(f"/meetings/{world.meeting.id}"))
    assert ">Send invitations to new members</a>" in page
    confirm = _text(client.get(f"/meetings/{world.meeting.id}/invitations"))
    assert "1 person gets an invitation" in confirm
    assert "4 already have one and get nothing again." in confirm
    assert ">Send 1 invitation</button>" in confirm
    response = client.post(f"/meetings/{world.meeting.id}/invitations")
    assert response.status_code == 303
    assert _invitations() == 5
    assert "Invitation sent to 1 person." in _text(client.get(response.headers["Location"]))


def test_an_admin_outside_the_group_may_send(client, login, world):
    login(world.admin)
    assert "data-invitations-button" in _text(client.get(f"/meetings/{world.meeting.id}"))
    assert client.post(f"/meetings/{world.meeting.id}/invitations").status_code == 303
    assert _invitations() == 4


@pytest.mark.parametrize("role, status", [("member", 403), ("outsider", 404)])
def test_members_and_outsiders_get_no_button_and_no_page(client, login, world, role, status):
    login(getattr(world, role))
    page = client.get(f"/meetings/{world.meeting.id}")
    assert "data-invitations" not in page.get_data(as_text=True)
    assert client.get(f"/meetings/{world.meeting.id}/invitations").status_code == status
    assert client.post(f"/meetings/{world.meeting.id}/invitations").status_code == status
    assert _invitations() == 0


def test_anonymous_is_sent_to_log_in(client, world):
    for response in (client.get(f"/meetings/{world.meeting.id}/invitations"),
                     client.post(f"/meetings/{world.meeting.id}/invitations")):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _invitations() == 0


def test_unknown_and_huge_meeting_ids_are_404(client, login, world):
    login(world.admin)
    assert client.get("/meetings/999999/invitations").status_code == 404
    assert client.get("/meetings/99999999999999999999/invitations").status_code == 404
    # (werkzeug answers a POST to an id beyond the database's range 405, as on every meeting path)
    assert client.post("/meetings/99999999999999999999/invitations").status_code in (404, 405)


def test_a_cancelled_meeting_has_no_button_and_refuses_to_send(client, login, world):
    login(world.organizer)
    world.meeting.status = MeetingStatus.CANCELLED.value
    db.session.commit()
    page = _text(client.get(f"/meetings/{world.meeting.id}"))
    assert "data-invitations-button" not in page
    confirm = _text(client.get(f"/meetings/{world.meeting.id}/invitations"))
    assert "This meeting is cancelled, so no invitations are sent for it." in confirm
    assert "<button" not in confirm.split("data-invitations-page")[1]
    refused = client.post(f"/meetings/{world.meeting.id}/invitations")
    assert refused.status_code == 409
    assert "data-invitations-error" in refused.get_data(as_text=True)
    assert _invitations() == 0


def test_a_past_meeting_has_no_button_and_refuses_to_send(client, login, world):
    login(world.organizer)
    past = create_meeting(group=world.group, starts_at=utcnow() - timedelta(days=2))
    page = _text(client.get(f"/meetings/{past.id}"))
    assert "data-invitations-button" not in page
    confirm = _text(client.get(f"/meetings/{past.id}/invitations"))
    assert "has started or taken place, so no invitations are sent for it." in confirm
    refused = client.post(f"/meetings/{past.id}/invitations")
    assert refused.status_code == 409
    text = _text(refused)
    assert "invitations can no longer be sent" in text
    assert _invitations() == 0


def test_a_meeting_under_way_offers_no_button(client, login, world):
    login(world.organizer)
    now = utcnow()
    running = create_meeting(group=world.group, starts_at=now - timedelta(minutes=10),
                             ends_at=now + timedelta(minutes=50))
    page = _text(client.get(f"/meetings/{running.id}"))
    assert "data-attendees-button" in page and "data-invitations-button" not in page
    assert client.post(f"/meetings/{running.id}/invitations").status_code == 409


def test_guests_signed_up_are_counted_and_invited(client, login, world):
    from app.rsvp import services as rsvp

    rsvp.answer(world.member, world.meeting.id, "yes",
                guests=[{"name": "Gitte Gæst", "email": "gitte@example.test"}])
    login(world.organizer)
    confirm = _text(client.get(f"/meetings/{world.meeting.id}/invitations"))
    assert "5 people get an invitation" in confirm
    client.post(f"/meetings/{world.meeting.id}/invitations")
    assert _invitations() == 5
    recipients = set(db.session.scalars(select(OutboxMessage.recipients).where(
        OutboxMessage.kind == "calendar_invite")))
    assert "gitte@example.test" in recipients


def test_csrf_token_is_required(app, login, world):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login(world.organizer, test_client=client)
    assert client.post(f"/meetings/{world.meeting.id}/invitations").status_code == 400
    forged = client.post(f"/meetings/{world.meeting.id}/invitations", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert _invitations() == 0
    page = client.get(f"/meetings/{world.meeting.id}/invitations").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/meetings/{world.meeting.id}/invitations", data={"csrf_token": token})
    assert response.status_code == 303
    assert _invitations() == 4


def test_a_member_who_sent_afbud_is_not_invited(client, login, world):
    from app.rsvp import services as rsvp

    rsvp.answer(world.member, world.meeting.id, "no")
    login(world.organizer)
    assert "3 people get an invitation" in _text(client.get(f"/meetings/{world.meeting.id}/invitations"))


def test_the_organizers_of_one_group_cannot_send_for_another(client, login, world):
    other_meeting = create_meeting(group=world.other_group)
    add_membership(world.organizer, world.other_group)  # a plain member there
    login(world.organizer)
    assert client.get(f"/meetings/{other_meeting.id}/invitations").status_code == 403
    assert client.post(f"/meetings/{other_meeting.id}/invitations").status_code == 403


def test_the_confirm_page_says_when_the_group_would_send_them_by_itself(client, login, world):
    world.group.invite_days_before = 7
    db.session.commit()
    login(world.organizer)
    confirm = _text(client.get(f"/meetings/{world.meeting.id}/invitations"))
    assert ("The group sends them automatically 7 days before the meeting, on February 26, 2031. "
            "You can send them now instead.") in confirm
    client.post(f"/meetings/{world.meeting.id}/invitations")
    assert "data-invitations-automatic" not in _text(client.get(f"/meetings/{world.meeting.id}/invitations"))


def test_in_danish_an_organizer_reads_what_happens(client, login, world):
    """(Needs the Danish catalog with this work's strings, /tmp/i18n-invui/strings.po.)"""
    with client.session_transaction() as session:
        session["lang"] = "da"
    login(world.organizer)
    page = _text(client.get(f"/meetings/{world.meeting.id}"))
    assert ">Send invitationer</a>" in page
    confirm = _text(client.get(f"/meetings/{world.meeting.id}/invitations"))
    assert "4 personer får en invitation med svarknapper til deres kalender." in confirm
    assert ">Send 4 invitationer</button>" in confirm
    response = client.post(f"/meetings/{world.meeting.id}/invitations")
    page = _text(client.get(response.headers["Location"]))
    assert "Invitationerne er sendt til 4 personer. De ligger i indbakken om få minutter." in page
    assert re.search(r"Invitationer sendt \d+\. \w+\.? kl\. \d\d\.\d\d", page)  # this year: no year
    assert "4 har fået en" in page and "0 har svaret" in page


def test_the_sent_time_leaves_out_this_year(app, world):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from app.calendars.routes_invites import sent_when

    with app.test_request_context(), force_locale("en"):
        assert sent_when(datetime(2025, 12, 3, 8, 12, tzinfo=UTC), "Europe/Copenhagen") == \
            "Invitations sent Dec 3, 2025 at 9:12\u202fAM"
        now = utcnow()
        assert str(now.year) not in sent_when(now, "Europe/Copenhagen")
    with app.test_request_context(), force_locale("da"):
        assert "3. dec. 2025" in sent_when(datetime(2025, 12, 3, 8, 12, tzinfo=UTC), "Europe/Copenhagen")


def _post_form(client, url: str, **changes):
    from tests.web.form_helpers import encode, page_forms, valid_pairs, with_value

    html = client.get(url).get_data(as_text=True)
    (form,) = [f for f in page_forms(html) if f["action"] in ("", url)]  # the page's own form
    pairs = valid_pairs(form["fields"])
    for name, value in changes.items():
        pairs = with_value(pairs, name, value)
    return client.post(url, data=encode(pairs), content_type="application/x-www-form-urlencoded")


def test_after_an_edit_and_a_cancellation_the_organizer_is_told_what_the_invited_get(client, login, world,
                                                                                     english):
    login(world.organizer)
    meeting_url = f"/meetings/{world.meeting.id}"
    response = _post_form(client, f"{meeting_url}/edit", venue_name="Hal 3")
    page = _text(client.get(response.headers["Location"]))
    assert "The meeting was updated." in page and "updated calendar invitation" not in page  # none sent yet

    client.post(f"{meeting_url}/invitations")
    response = _post_form(client, f"{meeting_url}/edit", venue_name="Hal 4")
    page = _text(client.get(response.headers["Location"]))
    assert "Everyone invited gets an updated calendar invitation in a few minutes" in page

    response = _post_form(client, f"{meeting_url}/cancel", reason="Sygdom")
    page = _text(client.get(response.headers["Location"]))
    assert "The meeting was cancelled." in page
    assert "gets a cancellation that takes the meeting out of their calendar" in page
