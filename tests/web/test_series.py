"""Meeting series through the web: preview, create (idempotent), DST, edit-following, cancel-rest,
host rotation, validation, permissions by role."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule
from sqlalchemy import func, select

from app.extensions import db
from app.models import Meeting, MeetingSeries, Venue
from tests.factories import MEETING_ROLES as ROLES
from tests.factories import as_role, create_member
from tests.factories import build_meeting_world as make_world
from tests.web.meeting_helpers import MANAGE_EXPECT, meeting_count
from tests.web.meeting_helpers import WEB_SERIES as SERIES

CPH = ZoneInfo("Europe/Copenhagen")



@pytest.fixture
def world(app):
    return make_world()


def series_meetings() -> list[Meeting]:
    query = select(Meeting).where(Meeting.series_id.is_not(None)).order_by(Meeting.starts_at)
    return list(db.session.scalars(query).all())


def preview(client, slug, data):
    return client.post(f"/groups/{slug}/series/new", data={**data, "action": "preview"})


def confirm_token(page: str) -> str:
    import re

    return re.search(r'name="confirm" type="hidden" value="([0-9a-f]+)"', page).group(1)


def create(client, slug, data):
    """Preview, then press "Create N meetings" with the token the preview gave."""
    page = preview(client, slug, data).get_data(as_text=True)
    return client.post(
        f"/groups/{slug}/series/new", data={**data, "action": "create", "confirm": confirm_token(page)}
    )


def expected_third_wednesdays(year: int, skip_months=(7,)) -> list[date]:
    rule = rrule.rrule(
        rrule.MONTHLY, byweekday=rrule.WE(3), dtstart=datetime(year, 1, 1), until=datetime(year, 12, 31)
    )
    return [d.date() for d in rule if d.month not in skip_months]


# --- preview and create -------------------------------------------------------------------------


def test_preview_shows_dates_and_skipped_ones_and_creates_nothing(client, login, world):
    login(world.organizer)
    response = preview(client, world.group.slug, SERIES)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    expected = expected_third_wednesdays(2031)
    assert len(expected) == 11
    for day in expected:
        assert f'datetime="{day.isoformat()}T08:30' in page
    assert "2031-07-16" in page and "No meetings this month" in page  # the skipped July date and why
    assert "Create 11 meetings" in page
    assert meeting_count() == 1 and db.session.scalar(select(func.count(MeetingSeries.id))) == 0


def test_preview_shows_holidays_skipped_with_their_name(client, login, world):
    login(world.organizer)
    data = {
        **SERIES,
        "frequency": "weekly",
        "weekday": "3",
        "starts_on": "2031-05-01",
        "ends_on": "2031-05-31",
        "skip_months": [],
    }
    page = preview(client, world.group.slug, data).get_data(as_text=True)
    assert "Public holiday" in page and "Kristi himmelfartsdag" in page
    assert "Create 4 meetings" in page  # 1, 8, 15, 29 May; 22 May is Ascension Day
    data["holiday_policy"] = "move"
    page = preview(client, world.group.slug, data).get_data(as_text=True)
    assert "Create 5 meetings" in page and "2031-05-23T08:30" in page  # moved to Friday


def test_create_series_makes_one_meeting_per_date_and_is_idempotent(client, login, world):
    login(world.organizer)
    response = create(client, world.group.slug, SERIES)
    assert response.status_code == 302
    meetings = series_meetings()
    assert [m.series_date for m in meetings] == expected_third_wednesdays(2031)
    assert all(m.starts_at.astimezone(CPH).time() == time(8, 30) for m in meetings)
    assert all(m.doors_open_at.astimezone(CPH).time() == time(8, 0) for m in meetings)
    assert all(m.capacity == 40 and m.venue_name == "Erhvervshuset" for m in meetings)
    assert all([c.action for c in m.changes] == ["created"] for m in meetings)
    series = db.session.scalars(select(MeetingSeries)).one()
    assert series.rule == "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3" and series.skip_months == [7]

    # The same creation again (e.g. a double-submitted form) adds nothing.
    again = create(client, world.group.slug, SERIES)
    assert again.status_code == 302
    assert len(series_meetings()) == 11
    assert db.session.scalar(select(func.count(MeetingSeries.id))) == 1
    page = preview(client, world.group.slug, SERIES).get_data(as_text=True)
    assert "All these meetings exist already." in page


def test_create_without_a_matching_preview_only_previews(client, login, world):
    login(world.organizer)
    page = preview(client, world.group.slug, SERIES).get_data(as_text=True)
    changed = {**SERIES, "start_time": "08:15", "action": "create", "confirm": confirm_token(page)}
    response = client.post(f"/groups/{world.group.slug}/series/new", data=changed)
    assert response.status_code == 200
    assert "Create 11 meetings" in response.get_data(as_text=True)
    assert series_meetings() == []


def test_series_keeps_local_time_across_daylight_saving_changes(client, login, world):
    login(world.organizer)
    data = {
        **SERIES,
        "frequency": "weekly",
        "weekday": "2",
        "starts_on": "2031-03-01",
        "ends_on": "2031-04-09",
        "skip_months": [],
    }
    assert create(client, world.group.slug, data).status_code == 302
    meetings = series_meetings()
    before = [m for m in meetings if m.series_date < date(2031, 3, 30)]
    after = [m for m in meetings if m.series_date > date(2031, 3, 30)]
    assert before and after
    assert {m.starts_at.time() for m in before} == {time(7, 30)}  # CET, UTC+1
    assert {m.starts_at.time() for m in after} == {time(6, 30)}  # CEST, UTC+2
    page = client.get(f"/groups/{world.group.slug}/meetings").get_data(as_text=True)
    assert 'datetime="2031-03-26T08:30+01:00"' in page
    assert 'datetime="2031-04-02T08:30+02:00"' in page


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": "2030-12-01"}, "ends_on"),
        ({"end_time": "08:00"}, "end_time"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"capacity": "-3"}, "capacity"),
        ({"doors_open_time": "09:00"}, "doors_open_time"),
        ({"frequency": "rrule", "rrule": "FREQ=DAILY"}, "rrule"),  # 365 dates > 200
        ({"frequency": "rrule", "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule"),
        ({"frequency": "rrule", "rrule": "FREQ=MONTHLY;BYMONTH=7"}, "rrule"),  # only July, skipped
        ({"frequency": "rrule", "rrule": "FREQ=MINUTELY"}, "rrule"),
        ({"frequency": "monthly_day", "day_of_month": "40"}, "day_of_month"),
        ({"frequency": "every_n_weeks", "interval": "0"}, "interval"),
        # Sign-up deadline rule: 0-60 days, both fields or neither, before each meeting's start.
        ({"rsvp_days_before": "61", "rsvp_time": "12:00"}, "rsvp_days_before"),
        ({"rsvp_days_before": "-1", "rsvp_time": "12:00"}, "rsvp_days_before"),
        ({"rsvp_days_before": "2", "rsvp_time": ""}, "rsvp_time"),
        ({"rsvp_days_before": "", "rsvp_time": "12:00"}, "rsvp_days_before"),
        ({"rsvp_days_before": "0", "rsvp_time": "09:00"}, "rsvp_time"),  # after the 08:30 start
        ({"rsvp_days_before": "0", "rsvp_time": "08:30"}, "rsvp_time"),  # at the start is too late
    ],
)
def test_bad_series_input_shows_error_next_to_field_and_creates_nothing(client, login, world, change, field):
    login(world.organizer)
    for action in ("preview", "create"):
        response = client.post(
            f"/groups/{world.group.slug}/series/new",
            data={**SERIES, **change, "action": action, "confirm": "x"},
        )
        assert response.status_code == 422, change
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in page, change
    assert series_meetings() == [] and db.session.scalar(select(func.count(MeetingSeries.id))) == 0


def test_too_many_dates_message_names_the_limit(client, login, world):
    login(world.organizer)
    data = {**SERIES, "frequency": "rrule", "rrule": "FREQ=DAILY", "skip_months": []}
    page = preview(client, world.group.slug, data).get_data(as_text=True)
    assert "at most 200" in page


# --- sign-up deadline rule ------------------------------------------------------------------------


def local_deadline(meeting: Meeting) -> datetime:
    return meeting.rsvp_deadline.astimezone(CPH)


def test_series_with_a_deadline_rule_previews_and_creates_a_deadline_per_meeting(client, login, world):
    login(world.organizer)
    data = {**SERIES, "rsvp_days_before": "2", "rsvp_time": "12:00"}
    response = preview(client, world.group.slug, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sign-up deadline" in page
    # Third Wednesday of January 2031 is the 15th: the deadline is Monday the 13th at 12:00.
    assert 'datetime="2031-01-13T12:00+01:00"' in page
    assert 'datetime="2031-06-16T12:00+02:00"' in page  # summer time: same wall clock
    assert meeting_count() == 1

    assert create(client, world.group.slug, data).status_code == 302
    meetings = series_meetings()
    assert len(meetings) == 11
    for meeting in meetings:
        expected = datetime.combine(meeting.series_date - timedelta(days=2), time(12), tzinfo=CPH)
        assert meeting.rsvp_deadline == expected.astimezone(UTC)
        assert meeting.rsvp_deadline < meeting.starts_at
    series = db.session.scalars(select(MeetingSeries)).one()
    assert series.spec["rsvp_days_before"] == 2 and series.spec["rsvp_time"] == "12:00"
    # The meeting page shows it, and the same series again creates nothing new.
    shown = client.get(f"/meetings/{meetings[0].id}").get_data(as_text=True)
    assert 'datetime="2031-01-13T12:00+01:00"' in shown
    assert create(client, world.group.slug, data).status_code == 302
    assert len(series_meetings()) == 11


def test_series_without_a_deadline_rule_leaves_deadlines_empty(client, login, world):
    login(world.organizer)
    assert "Sign-up deadline</th>" not in preview(client, world.group.slug, SERIES).get_data(as_text=True)
    assert create(client, world.group.slug, SERIES).status_code == 302
    assert all(m.rsvp_deadline is None for m in series_meetings())
    series = db.session.scalars(select(MeetingSeries)).one()
    assert "rsvp_days_before" not in series.spec


def test_deadline_rule_counts_local_days_across_the_march_clock_change(client, login, world):
    # Summer time starts on Sunday 30 March 2031. Mondays at 08:30, sign-up 2 days before at 12:00:
    # the Saturday deadline of the Monday after the change is 12:00 winter time (11:00 UTC), while
    # that meeting itself is in summer time (06:30 UTC).
    login(world.organizer)
    data = {
        **SERIES,
        "frequency": "weekly",
        "weekday": "0",
        "starts_on": "2031-03-17",
        "ends_on": "2031-04-08",
        "skip_months": [],
        "rsvp_days_before": "2",
        "rsvp_time": "12:00",
    }
    page = preview(client, world.group.slug, data).get_data(as_text=True)
    assert 'datetime="2031-03-29T12:00+01:00"' in page and 'datetime="2031-04-05T12:00+02:00"' in page
    assert create(client, world.group.slug, data).status_code == 302
    deadlines = {m.series_date: m.rsvp_deadline for m in series_meetings()}
    assert deadlines == {
        date(2031, 3, 17): datetime(2031, 3, 15, 11, tzinfo=UTC),
        date(2031, 3, 24): datetime(2031, 3, 22, 11, tzinfo=UTC),
        date(2031, 3, 31): datetime(2031, 3, 29, 11, tzinfo=UTC),  # Saturday before the change: CET
        date(2031, 4, 7): datetime(2031, 4, 5, 10, tzinfo=UTC),  # CEST
    }
    monday = next(m for m in series_meetings() if m.series_date == date(2031, 3, 31))
    assert monday.starts_at == datetime(2031, 3, 31, 6, 30, tzinfo=UTC)


def test_deadline_after_the_start_is_an_error_next_to_the_time_field(client, login, world):
    login(world.organizer)
    data = {**SERIES, "rsvp_days_before": "0", "rsvp_time": "09:00"}
    response = preview(client, world.group.slug, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = page.split('id="rsvp_time-error"', 1)[1].split("</div>", 1)[0]
    assert "The sign-up deadline must be before the meeting starts (2031-01-15 at 08:30)." in error
    assert 'aria-describedby="rsvp_time-error"' in page
    assert "Create 11 meetings" not in page
    # The same day before the start is fine.
    ok = preview(client, world.group.slug, {**data, "rsvp_time": "08:00"})
    assert ok.status_code == 200 and 'datetime="2031-01-15T08:00+01:00"' in ok.get_data(as_text=True)
    assert series_meetings() == []


def make_series_with_rule(client, login, world, days="1", at="16:00") -> list[Meeting]:
    login(world.organizer)
    data = {**SERIES, "rsvp_days_before": days, "rsvp_time": at}
    assert create(client, world.group.slug, data).status_code == 302
    return series_meetings()


def edit_following(client, meeting: Meeting, **changes):
    local = meeting.starts_at.astimezone(CPH)
    data = {
        "title": meeting.title,
        "date": local.date().isoformat(),
        "start_time": local.strftime("%H:%M"),
        "end_time": meeting.ends_at.astimezone(CPH).strftime("%H:%M"),
        "doors_open_time": "",
        "venue_name": meeting.venue_name,
        "venue_address": meeting.venue_address,
        "capacity": str(meeting.capacity or ""),
        "rsvp_deadline": local_deadline(meeting).strftime("%Y-%m-%dT%H:%M") if meeting.rsvp_deadline else "",
        "guests_welcome": "y",
        "scope": "following",
        **changes,
    }
    return client.post(f"/meetings/{meeting.id}/edit", data=data)


def test_following_time_change_recomputes_deadlines_from_the_series_rule(client, login, world):
    meetings = make_series_with_rule(client, login, world)
    # One later meeting got its own deadline, another none at all.
    meetings[6].rsvp_deadline = datetime(2031, 8, 1, 10, tzinfo=UTC)
    meetings[7].rsvp_deadline = None
    db.session.commit()
    response = edit_following(client, meetings[3], start_time="09:00", end_time="10:30")
    assert response.status_code == 302
    meetings = series_meetings()
    for meeting in meetings:
        expected = datetime.combine(meeting.series_date - timedelta(days=1), time(16), tzinfo=CPH)
        assert meeting.rsvp_deadline == expected.astimezone(UTC), meeting.series_date
    assert {m.starts_at.astimezone(CPH).time() for m in meetings[3:]} == {time(9)}


def test_following_change_without_a_time_change_keeps_single_deadlines(client, login, world):
    meetings = make_series_with_rule(client, login, world)
    own = datetime(2031, 8, 1, 10, tzinfo=UTC)
    meetings[6].rsvp_deadline = own
    db.session.commit()
    assert edit_following(client, meetings[3], capacity="12").status_code == 302
    meetings = series_meetings()
    assert meetings[6].rsvp_deadline == own and {m.capacity for m in meetings[3:]} == {12}


def test_following_time_change_that_the_rule_cannot_fit_changes_nothing(client, login, world):
    # Sign up by 07:00 on the day; moving the meetings to 06:45 would put every deadline after the start.
    meetings = make_series_with_rule(client, login, world, days="0", at="07:00")
    before = [(m.starts_at, m.rsvp_deadline) for m in meetings]
    response = edit_following(client, meetings[3], start_time="06:45", rsvp_deadline="2031-04-16T06:30")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="rsvp_deadline-error"' in page and "2031-05-21" in page  # the next meeting does not fit
    assert [(m.starts_at, m.rsvp_deadline) for m in series_meetings()] == before


# --- edit following / cancel rest ------------------------------------------------------------------


def make_series(client, login, world) -> list[Meeting]:
    login(world.organizer)
    assert create(client, world.group.slug, SERIES).status_code == 302
    return series_meetings()


def test_edit_this_and_all_following(client, login, world):
    meetings = make_series(client, login, world)
    target = meetings[3]  # 2031-04-16
    data = {
        "title": "Flyttet møde",
        "date": "2031-04-16",
        "start_time": "09:00",
        "end_time": "10:30",
        "doors_open_time": "08:45",
        "venue_name": "Nyt sted",
        "venue_address": "Østergade 2, Herning",
        "capacity": "25",
        "guests_welcome": "y",
        "agenda": "",
        "scope": "following",
    }
    page = client.get(f"/meetings/{target.id}/edit").get_data(as_text=True)
    assert 'name="scope"' in page and "This and all following meetings" in page
    assert client.post(f"/meetings/{target.id}/edit", data=data).status_code == 302
    meetings = series_meetings()
    earlier, later = meetings[:3], meetings[3:]
    assert all(
        m.starts_at.astimezone(CPH).time() == time(8, 30) and m.venue_name == "Erhvervshuset" for m in earlier
    )
    assert all(m.starts_at.astimezone(CPH).time() == time(9, 0) for m in later)
    assert all(m.venue_name == "Nyt sted" and m.capacity == 25 and m.sequence == 1 for m in later)
    # The title is changed on this meeting only; the dates stay on their own days.
    assert later[0].title == "Flyttet møde" and all(m.title == "Kaffeklub" for m in later[1:])
    assert [m.series_date for m in later] == [m.starts_at.astimezone(CPH).date() for m in later]


def test_edit_this_meeting_only_leaves_the_others(client, login, world):
    meetings = make_series(client, login, world)
    target = meetings[2]
    data = {
        "title": "Kaffeklub",
        "date": "2031-03-19",
        "start_time": "07:00",
        "end_time": "08:00",
        "venue_name": "Andet sted",
        "guests_welcome": "y",
        "scope": "this",
    }
    assert client.post(f"/meetings/{target.id}/edit", data=data).status_code == 302
    meetings = series_meetings()
    assert meetings[2].venue_name == "Andet sted"
    assert [m.venue_name for m in meetings].count("Andet sted") == 1


def test_cancel_rest_of_series(client, login, world):
    meetings = make_series(client, login, world)
    target = meetings[5]
    page = client.get(f"/meetings/{target.id}/cancel").get_data(as_text=True)
    assert "This and the rest of the series" in page
    response = client.post(f"/meetings/{target.id}/cancel", data={"scope": "following", "reason": "Pause"})
    assert response.status_code == 302
    meetings = series_meetings()
    assert [m.is_cancelled for m in meetings] == [False] * 5 + [True] * 6
    assert all(m.cancel_reason == "Pause" and m.sequence == 1 for m in meetings[5:])


def test_cancel_only_this_meeting_of_a_series(client, login, world):
    meetings = make_series(client, login, world)
    client.post(f"/meetings/{meetings[1].id}/cancel", data={"scope": "this"})
    assert [m.is_cancelled for m in series_meetings()].count(True) == 1


# --- host rotation ---------------------------------------------------------------------------------


def test_host_rotation_when_creating_the_series(client, login, world):
    other_host = create_member(groups=[world.group], name="Hanne Host", company="Hanne ApS")
    data = {
        **SERIES,
        "rotation-0-host_member_id": str(world.member.id),
        "rotation-0-venue_name": "Mads' kontor",
        "rotation-0-venue_address": "Vestergade 3, Herning",
        "rotation-1-host_member_id": str(other_host.id),
    }
    login(world.organizer)
    assert create(client, world.group.slug, data).status_code == 302
    meetings = series_meetings()
    assert [m.host_member_id for m in meetings[:4]] == [world.member.id, other_host.id] * 2
    assert [m.venue_name for m in meetings[:2]] == ["Mads' kontor", "Hanne ApS"]
    assert meetings[0].venue_address == "Vestergade 3, Herning"
    venues = db.session.scalars(select(Venue).where(Venue.group_id == world.group.id)).all()
    assert {v.name for v in venues} == {"Mads' kontor", "Hanne ApS"}


def test_assign_hosts_in_turn_to_an_existing_series(client, login, world):
    meetings = make_series(client, login, world)
    series_id = meetings[0].series_id
    data = {
        "rotation-0-host_member_id": str(world.organizer.id),
        "rotation-0-venue_name": "A",
        "rotation-1-venue_name": "B",
        "rotation-2-venue_name": "C",
        "from_date": "2031-05-01",
    }
    response = client.post(f"/series/{series_id}/hosts", data=data)
    assert response.status_code == 302
    meetings = series_meetings()
    assert [m.venue_name for m in meetings] == ["Erhvervshuset"] * 4 + ["A", "B", "C", "A", "B", "C", "A"]
    assert meetings[4].host_member_id == world.organizer.id and meetings[5].host_member_id is None
    assert meetings[4].sequence == 1 and meetings[4].changes[-1].action == "moved"


def test_host_rotation_refuses_a_host_from_outside_the_group(client, login, world):
    meetings = make_series(client, login, world)
    response = client.post(
        f"/series/{meetings[0].series_id}/hosts", data={"rotation-0-host_member_id": str(world.outsider.id)}
    )
    assert response.status_code == 422
    assert 'id="rotation-0-host_member_id-error"' in response.get_data(as_text=True)
    assert all(m.host_member_id is None for m in series_meetings())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "Kaffe\x00klub"}, "title"),
        ({"agenda": "\x00"}, "agenda"),
        ({"capacity": str(2**31)}, "capacity"),
        ({"day_of_month": str(2**63), "frequency": "monthly_day"}, "day_of_month"),
        ({"interval": str(10**30), "frequency": "every_n_weeks"}, "interval"),
        ({"starts_on": "0001-01-01"}, "starts_on"),
        ({"ends_on": "9999-12-31"}, "ends_on"),
        ({"rotation-0-host_member_id": "abc"}, "rotation-0-host_member_id"),
        ({"rotation-0-host_member_id": str(2**63)}, "rotation-0-host_member_id"),
        ({"rotation-0-venue_name": "a\x00b"}, "rotation-0-venue_name"),
    ],
)
def test_hostile_series_input_is_a_field_error_not_a_500(client, login, world, change, field):
    """Issue 6: a non-numeric host choice, numbers beyond the integer range, NUL bytes and far dates
    gave 500s; now each is an error next to its field and nothing is created."""
    login(world.organizer)
    response = preview(client, world.group.slug, {**SERIES, **change})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert series_meetings() == []


@pytest.mark.parametrize(
    "data",
    [
        {"rotation-0-host_member_id": "abc"},
        {"rotation-0-host_member_id": str(2**31)},
        {"rotation-0-venue_name": "Kontor\x00et"},
        {"rotation-0-venue_name": "Kontoret", "from_date": "0001-01-01"},
    ],
)
def test_host_rotation_refuses_hostile_input_and_changes_nothing(client, login, world, data):
    meetings = make_series(client, login, world)
    response = client.post(f"/series/{meetings[0].series_id}/hosts", data=data)
    assert response.status_code == 422
    assert "-error" in response.get_data(as_text=True)
    assert all(m.host_member_id is None and m.venue_name == "Erhvervshuset" for m in series_meetings())


# --- permissions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_series_routes_by_role(client, login, app, role):
    world = make_world()
    organizer_client = app.test_client()
    login(world.organizer, test_client=organizer_client)
    assert create(organizer_client, world.group.slug, SERIES).status_code == 302
    meetings = series_meetings()
    series_id = meetings[0].series_id
    as_role(client, login, world, role)
    allowed = role in ("organizer", "admin")

    assert client.get(f"/groups/{world.group.slug}/series/new").status_code == MANAGE_EXPECT[role]
    response = preview(client, world.group.slug, SERIES)
    assert response.status_code == (200 if allowed else MANAGE_EXPECT[role])
    response = (
        create(client, world.group.slug, {**SERIES, "title": "Anden serie", "weekday": "3"})  # Thursdays
        if allowed
        else client.post(
            f"/groups/{world.group.slug}/series/new",
            data={**SERIES, "title": "Anden serie", "action": "create"},
        )
    )
    assert response.status_code == (302 if allowed else MANAGE_EXPECT[role])
    assert len(series_meetings()) == (22 if allowed else 11)

    assert client.get(f"/series/{series_id}/hosts").status_code == MANAGE_EXPECT[role]
    response = client.post(f"/series/{series_id}/hosts", data={"rotation-0-venue_name": "Z"})
    assert response.status_code == (302 if allowed else MANAGE_EXPECT[role])
    assert (meetings[0].venue_name == "Z") is allowed

    response = client.post(f"/meetings/{meetings[0].id}/cancel", data={"scope": "following"})
    assert response.status_code == (302 if allowed else MANAGE_EXPECT[role])
    assert meetings[-1].is_cancelled is allowed


def test_series_pages_of_unknown_ids_are_404(client, login, world):
    login(world.admin)
    assert client.get("/series/9999/hosts").status_code == 404
    assert client.get("/meetings/9999").status_code == 404
    assert client.get("/groups/no-such-group/series/new").status_code == 404


def test_past_meetings_of_a_series_are_left_alone_by_following_changes(app, world):
    from app.meetings import services

    past_start = datetime.now(UTC) - timedelta(days=10)
    data = services.SeriesData(
        title="Ugentlig",
        frequency="weekly",
        weekday=past_start.astimezone(CPH).weekday(),
        starts_on=(past_start - timedelta(days=1)).astimezone(CPH).date(),
        ends_on=(past_start + timedelta(days=30)).astimezone(CPH).date(),
        start_time=time(8, 30),
        end_time=time(10),
        holiday_policy="ignore",
    )
    _series, created = services.create_series(world.organizer, world.group, data, record_past=True)
    coming = [m for m in created if m.ends_at > datetime.now(UTC)]
    past = [m for m in created if m.ends_at <= datetime.now(UTC)]
    assert past and coming
    services.cancel_rest_of_series(world.organizer, coming[0], "")
    assert all(m.is_cancelled for m in coming) and not any(m.is_cancelled for m in past)
