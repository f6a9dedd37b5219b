"""Closing a meeting: no-shows, meeting_closed, corrections, the automatic close, attendance rates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import events
from app.checkin import links, rates, services
from app.extensions import db
from app.models import CheckIn, CheckInVia, Meeting, MeetingGuest, Rsvp, utcnow
from tests.factories import create_member
from tests.web.checkin_helpers import build_door, going

STARTED = timedelta(minutes=-30)


@pytest.fixture
def door(app, english):
    return build_door(starts_in=STARTED)


@pytest.fixture
def closed_signals():
    seen = []

    def receiver(meeting, actor=None, **_kw):
        seen.append((meeting.id, getattr(actor, "id", None), meeting.closed_at is not None))

    with events.meeting_closed.connected_to(receiver):
        yield seen


def _rsvp(meeting, member):
    return db.session.scalar(select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.member_id == member.id))


def test_close_marks_no_shows_and_sends_meeting_closed(client, login, door, closed_signals):
    login(door.organizer)
    client.post(f"/meetings/{door.meeting.id}/checkin/in", data={"key": f"m{door.member.id}"})
    page = client.get(f"/meetings/{door.meeting.id}/close")
    assert page.status_code == 200
    words = "2 people who were going but did not check in are marked as no-shows"
    assert words in page.get_data(as_text=True)
    response = client.post(f"/meetings/{door.meeting.id}/close")
    assert response.status_code == 303 and response.headers["Location"].endswith("/attendance")
    db.session.expire_all()
    meeting = db.session.get(Meeting, door.meeting.id)
    assert meeting.closed_at is not None and meeting.closed_by_id == door.organizer.id
    assert _rsvp(meeting, door.member).no_show is False
    assert _rsvp(meeting, door.second).no_show is True
    assert db.session.get(MeetingGuest, door.guest.id).no_show is True
    assert closed_signals == [(meeting.id, door.organizer.id, True)]
    assert client.post(f"/meetings/{door.meeting.id}/close").status_code == 303  # closed already
    assert len(closed_signals) == 1
    html = client.get(f"/meetings/{door.meeting.id}/attendance").get_data(as_text=True)
    assert "no-show" in html and "Bodil Bager" in html


def test_nobody_is_a_no_show_when_check_in_was_not_used(client, login, door, closed_signals):
    login(door.organizer)
    assert client.post(f"/meetings/{door.meeting.id}/close").status_code == 303
    assert _rsvp(door.meeting, door.second).no_show is False
    assert len(closed_signals) == 1


def test_close_refused_before_the_start_and_when_cancelled(app, client, login, closed_signals):
    door = build_door(starts_in=timedelta(hours=2))
    login(door.organizer)
    assert client.post(f"/meetings/{door.meeting.id}/close").status_code == 409
    door.meeting.status = "cancelled"
    db.session.commit()
    assert client.post(f"/meetings/{door.meeting.id}/close").status_code == 409
    assert db.session.get(Meeting, door.meeting.id).closed_at is None and closed_signals == []


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("outsider", 404), ("member", 403),
                                          ("admin", 303)])
def test_who_may_close(app, login, door, role, status):
    client = app.test_client()
    if door.person(role):
        login(door.person(role), test_client=client)
    assert client.post(f"/meetings/{door.meeting.id}/close").status_code == status
    assert (db.session.get(Meeting, door.meeting.id).closed_at is not None) == (status == 303)
    page = client.get(f"/meetings/{door.meeting.id}/attendance")
    assert page.status_code == (200 if status == 303 else status)


def test_corrections_after_close_resend_meeting_closed(client, login, door, closed_signals):
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}"
    client.post(url + "/checkin/in", data={"key": f"m{door.member.id}"})
    client.post(url + "/close")
    # The door refuses once closed; the attendance page corrects.
    assert client.post(url + "/checkin/in", data={"key": f"m{door.second.id}"},
                       headers={"X-Checkin": "fetch"}).status_code == 409
    came = client.post(url + "/attendance/correct", data={"key": f"m{door.second.id}", "came": "1"})
    assert came.status_code == 303
    row = db.session.scalar(select(CheckIn).where(CheckIn.member_id == door.second.id))
    assert row.via == CheckInVia.CORRECTION.value
    assert _rsvp(door.meeting, door.second).no_show is False
    client.post(url + "/attendance/correct", data={"key": f"m{door.member.id}", "came": "0"})
    assert db.session.scalar(select(CheckIn).where(CheckIn.member_id == door.member.id)) is None
    assert _rsvp(door.meeting, door.member).no_show is True
    assert len(closed_signals) == 3
    # Correcting before the close is refused (the door is for that).
    other = build_door(starts_in=STARTED)
    login(other.organizer)
    refused = client.post(f"/meetings/{other.meeting.id}/attendance/correct",
                          data={"key": f"m{other.member.id}", "came": "1"})
    assert refused.status_code == 303
    assert db.session.scalar(select(CheckIn).where(CheckIn.meeting_id == other.meeting.id)) is None


def test_auto_close_closes_once(app, english, closed_signals):
    old = build_door(starts_in=timedelta(hours=-20))
    recent = build_door(starts_in=timedelta(hours=-3))
    db.session.add(CheckIn(meeting_id=old.meeting.id, member_id=old.member.id, via="door"))
    db.session.commit()
    now = utcnow()
    counts = [r for _f, r in events.periodic_work.send(None, now=now) if r and "meetings_closed" in r]
    assert counts == [{"meetings_closed": 1}]
    assert services.auto_close(now) == 0
    db.session.expire_all()
    assert db.session.get(Meeting, old.meeting.id).closed_at is not None
    assert db.session.get(Meeting, old.meeting.id).closed_by_id is None
    assert db.session.get(Meeting, recent.meeting.id).closed_at is None
    assert _rsvp(old.meeting, old.second).no_show is True
    assert closed_signals == [(old.meeting.id, None, True)]


def test_expected_groups_count_unanswered_members(app, english, client, login):
    door = build_door(starts_in=STARTED, group_kwargs={"rsvp_mode": "expected"})
    login(door.organizer)
    html = client.get(f"/meetings/{door.meeting.id}/checkin").get_data(as_text=True)
    assert "Willy Walker" in html and f'data-person="m{door.walker.id}"' in html
    client.post(f"/meetings/{door.meeting.id}/checkin/in", data={"key": f"m{door.member.id}"})
    client.post(f"/meetings/{door.meeting.id}/close")
    walker = _rsvp(door.meeting, door.walker)
    assert walker is not None and walker.status == "going" and walker.no_show and walker.via == "system"


def test_attendance_rates(app, english, client, login):
    door = build_door(starts_in=STARTED)
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}"
    client.post(url + "/checkin/in", data={"key": f"m{door.member.id}"})
    client.post(url + "/checkin/in", data={"key": f"g{door.guest.id}"})
    client.post(url + "/checkin/walk-in", data={"walkin-member_id": str(door.walker.id)})
    client.post(url + "/close")
    member_rate = rates.member_rate(door.member, door.member)
    assert (member_rate.going, member_rate.came, member_rate.rate) == (1, 1, 100)
    second_rate = rates.member_rate(door.organizer, door.second)
    assert (second_rate.going, second_rate.came, second_rate.no_shows, second_rate.rate) == (1, 0, 1, 0)
    assert rates.member_rate(door.organizer, door.walker).walk_ins == 1
    assert rates.member_rate(door.member, door.second) is None  # another member: not theirs to see
    assert rates.member_rate(door.outsider, door.second) is None
    group = rates.group_rate(door.organizer, door.group)
    [row] = group.meetings
    assert (row.expected, row.came, row.no_shows, row.walk_ins, row.rate) == (3, 2, 1, 1, 67)
    assert rates.group_rate(door.member, door.group) is None
    # The pages show them to those who may see them.
    page = client.get(f"/groups/{door.group.slug}").get_data(as_text=True)
    assert "data-group-attendance" in page and "67%" in page
    page = client.get(f"/members/{door.second.id}").get_data(as_text=True)
    assert 'data-member-attendance="0"' in page
    login(door.member)
    assert 'data-member-attendance="100"' in client.get(f"/members/{door.member.id}").get_data(as_text=True)
    assert "data-member-attendance" not in client.get(f"/members/{door.second.id}").get_data(as_text=True)
    assert "data-group-attendance" not in client.get(f"/groups/{door.group.slug}").get_data(as_text=True)


def test_group_rates_take_a_fixed_number_of_queries(app, english):
    from sqlalchemy import event

    doors = [build_door(starts_in=STARTED - timedelta(days=i)) for i in range(3)]
    group = doors[0].group
    for door in doors[1:]:
        door.meeting.group_id = group.id
    db.session.commit()
    for door in doors:
        extra = create_member(groups=[group])
        going(door.meeting, extra)
        db.session.add(CheckIn(meeting_id=door.meeting.id, member_id=door.member.id, via="door"))
        door.meeting.closed_at = utcnow()
    db.session.commit()
    meetings = list(db.session.scalars(select(Meeting).where(Meeting.group_id == group.id)))
    statements = []
    listener = lambda *args, **kwargs: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = rates.meeting_rates(meetings)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(result) == 3 and len(statements) <= 4


def test_meeting_panel_for_organizers_only(client, login, door):
    login(door.organizer)
    html = client.get(f"/meetings/{door.meeting.id}").get_data(as_text=True)
    assert "data-checkin-panel" in html and "data-checkin-door" in html and "data-checkin-close" in html
    login(door.member)
    html = client.get(f"/meetings/{door.meeting.id}").get_data(as_text=True)
    assert "data-checkin-panel" not in html
    assert "Scan the QR code at the door" in html  # the meeting started 30 minutes ago
    client.post("/checkin/" + links.checkin_token(door.meeting.id))
    assert "You are checked in." in client.get(f"/meetings/{door.meeting.id}").get_data(as_text=True)
    login(door.outsider)
    assert client.get(f"/meetings/{door.meeting.id}").status_code == 404


def test_close_page_before_the_start_leads_back(app, english, client, login):
    """The door page's Close button before the meeting starts: the page says so and leads back."""
    early = build_door(starts_in=timedelta(minutes=20))
    login(early.organizer)
    html = client.get(f"/meetings/{early.meeting.id}/close").get_data(as_text=True)
    assert "The meeting has not started yet" in html and "data-close-button" not in html
    assert "data-close-back" in html
    assert f'href="/meetings/{early.meeting.id}/checkin"' in html
    assert f'href="/meetings/{early.meeting.id}"' in html
