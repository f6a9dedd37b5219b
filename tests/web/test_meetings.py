"""Single meetings through the web: lists, meeting page, create, edit, cancel, permissions by role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Meeting, MeetingChange
from tests.factories import MEETING_ROLES as ROLES
from tests.factories import MeetingWorld as World
from tests.factories import (
    as_role,
    create_group,
    create_meeting,
)
from tests.factories import build_meeting_world as make_world
from tests.web.meeting_helpers import MANAGE_EXPECT, READ_EXPECT, meeting_count


@pytest.fixture
def world(app) -> World:
    return make_world()


FORM = {
    "title": "Frokostmøde",
    "date": "2031-01-15",
    "start_time": "08:30",
    "end_time": "10:00",
    "doors_open_time": "08:00",
    "venue_name": "Revisorhuset",
    "venue_address": "Bredgade 12, 7400 Herning",
    "capacity": "30",
    "rsvp_deadline": "2031-01-14T12:00",
    "guests_welcome": "y",
    "agenda": "Velkommen.\n\nOplæg: https://example.com/plan?a=1&b=2.\n<script>alert(1)</script>",
}


# --- permissions, by role, for every route --------------------------------------------------------



@pytest.mark.parametrize("role", ROLES)
def test_read_pages_of_a_members_only_group_by_role(client, login, world, role):
    as_role(client, login, world, role)
    slug, mid = world.group.slug, world.meeting.id
    for url in (
        f"/groups/{slug}/meetings",
        f"/groups/{slug}/meetings?view=month&month=2031-03",
        f"/groups/{slug}/meetings/past",
        f"/meetings/{mid}",
    ):
        assert client.get(url).status_code == READ_EXPECT[role], url


@pytest.mark.parametrize("role", ROLES)
def test_public_group_meetings_are_visible_to_all_but_details_only_to_members(client, login, app, role):
    world = make_world(public=True)
    world.meeting.host_member_id = world.member.id
    db.session.commit()
    as_role(client, login, world, role)
    response = client.get(f"/meetings/{world.meeting.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Morgenmøde i marts" in page
    insider = role in ("member", "organizer", "admin")
    assert ("Mads Member" in page) is insider  # the host is a person: members only (app.visibility)
    assert ("+45 11 22 33 44" in page) is insider
    assert (f"/meetings/{world.meeting.id}/edit" in page) is (role in ("organizer", "admin"))
    listing = client.get(f"/groups/{world.group.slug}/meetings")
    assert listing.status_code == 200 and "Morgenmøde i marts" in listing.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_manage_pages_by_role(client, login, world, role):
    as_role(client, login, world, role)
    slug, mid = world.group.slug, world.meeting.id
    for url in (
        f"/groups/{slug}/meetings/new",
        f"/meetings/{mid}/edit",
        f"/meetings/{mid}/cancel",
        f"/groups/{slug}/series/new",
    ):
        response = client.get(url)
        assert response.status_code == MANAGE_EXPECT[role], url
        if role == "anonymous":
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_manage_posts_by_role_change_nothing_unless_allowed(client, login, world, role):
    as_role(client, login, world, role)
    slug, mid = world.group.slug, world.meeting.id
    allowed = role in ("organizer", "admin")
    response = client.post(f"/groups/{slug}/meetings/new", data=FORM)
    assert response.status_code == (302 if allowed else MANAGE_EXPECT[role])
    assert meeting_count() == (2 if allowed else 1)
    response = client.post(f"/meetings/{mid}/edit", data={**FORM, "date": "2031-03-05", "title": "Omdøbt"})
    assert response.status_code == (302 if allowed else MANAGE_EXPECT[role])
    assert (world.meeting.title == "Omdøbt") is allowed
    response = client.post(f"/meetings/{mid}/cancel", data={"reason": "Sygdom"})
    assert response.status_code == (302 if allowed else MANAGE_EXPECT[role])
    assert world.meeting.is_cancelled is allowed


def test_my_meetings_page_needs_login_and_lists_only_my_groups(client, login, world):
    future = create_meeting(group=world.group, title="Næste møde")
    create_meeting(group=world.other_group, title="Fremmed møde")
    assert client.get("/meetings").status_code == 302
    login(world.member)
    page = client.get("/meetings").get_data(as_text=True)
    assert future.title in page
    assert "Fremmed møde" not in page


def test_start_page_shows_my_next_meetings_across_groups(client, login, world):
    second = create_group(name="Kaffeklub Ikast")
    db.session.add(world.member.membership_in(world.group).__class__(member=world.member, group=second))
    db.session.commit()
    create_meeting(group=world.group, title="Herning-møde")
    create_meeting(group=second, title="Ikast-møde")
    create_meeting(group=world.other_group, title="Viborg-møde")
    create_meeting(
        group=world.group,
        title="Gammelt møde",
        starts_at=datetime.now(UTC) - timedelta(days=3),
    )
    login(world.member)
    page = client.get("/").get_data(as_text=True)
    assert "Herning-møde" in page and "Ikast-møde" in page
    assert "Viborg-møde" not in page and "Gammelt møde" not in page


# --- create -----------------------------------------------------------------------------------------


def test_organizer_creates_a_meeting_in_the_group_time_zone(client, login, world):
    login(world.organizer)
    response = client.post(f"/groups/{world.group.slug}/meetings/new", data=FORM)
    assert response.status_code == 302
    meeting = db.session.scalars(select(Meeting).where(Meeting.title == "Frokostmøde")).one()
    assert meeting.starts_at == datetime(2031, 1, 15, 7, 30, tzinfo=UTC)  # 08:30 CET
    assert meeting.ends_at == datetime(2031, 1, 15, 9, 0, tzinfo=UTC)
    assert meeting.doors_open_at == datetime(2031, 1, 15, 7, 0, tzinfo=UTC)
    assert meeting.rsvp_deadline == datetime(2031, 1, 14, 11, 0, tzinfo=UTC)
    assert meeting.capacity == 30 and meeting.guests_welcome and meeting.sequence == 0
    assert [c.action for c in meeting.changes] == ["created"]
    assert meeting.changes[0].member_id == world.organizer.id

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'datetime="2031-01-15T08:30+01:00"' in page
    assert "https://www.openstreetmap.org/search?query=Bredgade+12%2C+7400+Herning" in page
    # Agenda: escaped first, then linked; never raw HTML.
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="https://example.com/plan?a=1&amp;b=2" rel="nofollow noopener" target="_blank">' in page
    assert "<p>Velkommen.</p>" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_time": "08:00"}, "end_time"),
        ({"capacity": "-5"}, "capacity"),
        ({"capacity": "0"}, "capacity"),
        ({"rsvp_deadline": "2031-01-15T09:00"}, "rsvp_deadline"),
        ({"doors_open_time": "09:00"}, "doors_open_time"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"title": ""}, "title"),
        ({"date": "2031-02-30"}, "date"),
    ],
)
def test_create_with_bad_input_shows_error_next_to_field_and_creates_nothing(
    client, login, world, change, field
):
    login(world.organizer)
    response = client.post(f"/groups/{world.group.slug}/meetings/new", data={**FORM, **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert (
        f'aria-describedby="{field}-error"' in page
        or f'aria-describedby="{field}-help {field}-error"' in page
    )
    assert meeting_count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": "Morgen\x00møde"}, "title", "The field contains characters that cannot be saved."),
        ({"agenda": "Kaffe\x00"}, "agenda", "The field contains characters that cannot be saved."),
        ({"venue_name": "\x00"}, "venue_name", "The field contains characters that cannot be saved."),
        ({"host_member_id": "abc"}, "host_member_id", "Please choose a member of the group."),
        ({"host_member_id": str(2**63)}, "host_member_id", "Please choose a member of the group."),
        ({"host_member_id": str(2**31)}, "host_member_id", "Please choose a member of the group."),
        ({"capacity": str(2**31)}, "capacity", "The number is too large."),
        ({"capacity": str(2**63)}, "capacity", "The number is too large."),
        ({"rsvp_deadline": "0001-01-01T00:00"}, "rsvp_deadline", "between the years 1900 and 2200"),
        ({"date": "0001-01-01"}, "date", "between the years 1900 and 2200"),
        ({"date": "9999-12-31"}, "date", "between the years 1900 and 2200"),
    ],
)
def test_hostile_input_is_a_field_error_not_a_500(client, login, world, change, field, message):
    """Issue 6: these gave 500 (NUL on PostgreSQL, ids and numbers beyond the integer range, a
    non-numeric host, a deadline in year 1). On create and on edit; an edit changes nothing."""
    login(world.organizer)
    for url in (f"/groups/{world.group.slug}/meetings/new", f"/meetings/{world.meeting.id}/edit"):
        response = client.post(url, data={**FORM, **change})
        assert response.status_code == 422, url
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in page
        assert message in page.split(f'id="{field}-error"', 1)[1][:300]
    assert meeting_count() == 1
    assert world.meeting.title == "Morgenmøde i marts" and world.meeting.capacity is None
    assert db.session.scalar(select(func.count(MeetingChange.id))) == 0


def test_service_refuses_unstorable_text_and_numbers_for_every_caller(app, world):
    """The API calls the same service: a lone surrogate (JSON can carry one) or a NUL byte is a
    field error there too, as are numbers and dates out of range."""
    from app.errors import ValidationFailed
    from app.meetings import services

    data = {k: v for k, v in FORM.items() if k in services.MEETING_FIELDS}
    cases = {
        "title": "Morgen\ud800møde",
        "agenda": "a\x00b",
        "venue_address": "\udfff",
        "capacity": 2**63,
        "host_member_id": 10**30,
        "rsvp_deadline": "0001-01-01T00:00",
    }
    for field, value in cases.items():
        with pytest.raises(ValidationFailed) as caught:
            services.create_meeting(world.organizer, world.group, {**data, field: value})
        assert field in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        services.cancel_meeting(world.organizer, world.meeting, "Syg\x00")
    assert "reason" in caught.value.fields
    assert meeting_count() == 1 and not world.meeting.is_cancelled


def test_host_must_be_a_member_of_the_group(client, login, world):
    login(world.organizer)
    response = client.post(
        f"/groups/{world.group.slug}/meetings/new", data={**FORM, "host_member_id": str(world.outsider.id)}
    )
    assert response.status_code == 422
    assert 'id="host_member_id-error"' in response.get_data(as_text=True)
    assert meeting_count() == 1


# --- edit -----------------------------------------------------------------------------------------


def test_edit_form_is_filled_with_local_values(client, login, world):
    login(world.organizer)
    page = client.get(f"/meetings/{world.meeting.id}/edit").get_data(as_text=True)
    assert 'value="2031-03-05"' in page and 'value="08:30"' in page and 'value="10:00"' in page
    assert 'name="scope"' not in page  # not part of a series


def test_moving_a_meeting_bumps_sequence_and_logs_old_and_new(client, login, world):
    login(world.organizer)
    data = {**FORM, "date": "2031-03-05", "start_time": "09:00", "end_time": "10:30", "title": "Morgenmøde"}
    data.pop("rsvp_deadline")
    response = client.post(f"/meetings/{world.meeting.id}/edit", data=data)
    assert response.status_code == 302
    meeting = world.meeting
    assert meeting.starts_at == datetime(2031, 3, 5, 8, 0, tzinfo=UTC)
    assert meeting.sequence == 1
    change = meeting.changes[-1]
    assert change.action == "moved"
    assert change.changes["starts_at"] == ["2031-03-05T07:30:00+00:00", "2031-03-05T08:00:00+00:00"]
    assert change.member_id == world.organizer.id
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Change history" in page and "Moved" in page
    login(world.member)
    assert "Change history" not in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


def test_editing_only_the_agenda_does_not_bump_sequence(client, login, world):
    login(world.organizer)
    data = {
        "title": world.meeting.title,
        "date": "2031-03-05",
        "start_time": "08:30",
        "end_time": "10:00",
        "venue_name": world.meeting.venue_name,
        "venue_address": world.meeting.venue_address,
        "guests_welcome": "y",
        "agenda": "Ny dagsorden",
    }
    assert client.post(f"/meetings/{world.meeting.id}/edit", data=data).status_code == 302
    assert world.meeting.agenda == "Ny dagsorden"
    assert world.meeting.sequence == 0
    assert world.meeting.changes[-1].action == "updated"


def test_invalid_edit_changes_nothing(client, login, world):
    login(world.organizer)
    data = {**FORM, "date": "2031-03-05", "end_time": "07:00"}
    response = client.post(f"/meetings/{world.meeting.id}/edit", data=data)
    assert response.status_code == 422
    assert 'id="end_time-error"' in response.get_data(as_text=True)
    assert world.meeting.title == "Morgenmøde i marts"
    assert db.session.scalar(select(func.count(MeetingChange.id))) == 0


def test_cancelled_meetings_cannot_be_edited_and_past_ones_not_cancelled(client, login, world):
    login(world.organizer)
    past = create_meeting(group=world.group, starts_at=datetime.now(UTC) - timedelta(days=2))
    assert client.post(f"/meetings/{world.meeting.id}/cancel", data={"reason": "Storm"}).status_code == 302
    meeting = world.meeting
    before = meeting.title
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 302
    response = client.post(f"/meetings/{meeting.id}/edit", data={**FORM, "title": "Ændret"})
    assert response.status_code == 302
    assert meeting.title == before
    for meeting in (world.meeting, past):
        assert client.post(f"/meetings/{meeting.id}/cancel", data={}).status_code == 302
    assert not past.is_cancelled
    # A past meeting can be corrected (tests/web/test_meeting_past_and_cancelled.py).
    assert client.get(f"/meetings/{past.id}/edit").status_code == 200


def test_service_refuses_editing_a_cancelled_meeting_with_validation_error(app, world):
    from app.errors import ValidationFailed
    from app.meetings import services

    services.cancel_meeting(world.organizer, world.meeting, "")
    with pytest.raises(ValidationFailed):
        services.update_meeting(world.organizer, world.meeting, {"title": "Nyt"})


# --- cancel -----------------------------------------------------------------------------------------


def test_cancel_confirm_page_then_post(client, login, world):
    login(world.organizer)
    page = client.get(f"/meetings/{world.meeting.id}/cancel").get_data(as_text=True)
    assert 'method="post"' in page and "Yes, cancel" in page
    assert not world.meeting.is_cancelled  # a GET changes nothing
    response = client.post(f"/meetings/{world.meeting.id}/cancel", data={"reason": "Værten er syg"})
    assert response.status_code == 302
    meeting = world.meeting
    assert meeting.is_cancelled and meeting.cancel_reason == "Værten er syg"
    assert meeting.cancelled_at is not None and meeting.sequence == 1
    assert meeting.changes[-1].action == "cancelled"
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "This meeting is cancelled." in page and "Værten er syg" in page


# --- lists ----------------------------------------------------------------------------------------


def test_upcoming_and_past_lists_split_on_now(client, login, world):
    past = create_meeting(
        group=world.group, title="Sidste uge", starts_at=datetime.now(UTC) - timedelta(days=7)
    )
    login(world.member)
    upcoming = client.get(f"/groups/{world.group.slug}/meetings").get_data(as_text=True)
    assert "Morgenmøde i marts" in upcoming and past.title not in upcoming
    older = client.get(f"/groups/{world.group.slug}/meetings/past").get_data(as_text=True)
    assert past.title in older and "Morgenmøde i marts" not in older


def test_month_view_is_a_table_with_the_meeting_on_its_day(client, login, world):
    login(world.member)
    page = client.get(f"/groups/{world.group.slug}/meetings?view=month&month=2031-03").get_data(as_text=True)
    assert "<table" in page and 'scope="col"' in page
    assert "March 2031" in page
    assert f'href="/meetings/{world.meeting.id}"' in page
    empty = client.get(f"/groups/{world.group.slug}/meetings?view=month&month=2031-04").get_data(as_text=True)
    assert f'href="/meetings/{world.meeting.id}"' not in empty
    # Nonsense month falls back to the current month instead of failing.
    assert client.get(f"/groups/{world.group.slug}/meetings?view=month&month=xx").status_code == 200
