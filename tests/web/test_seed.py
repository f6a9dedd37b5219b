"""`flask seed-demo` creates a usable demo network once, with a year of meetings per group."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from dateutil import rrule
from sqlalchemy import func, select

from app.extensions import db
from app.models import Group, Meeting, MeetingSeries, Member, Membership, NetworkSettings, utcnow
from app.seed import seed_demo

CPH = ZoneInfo("Europe/Copenhagen")


def test_seed_demo_creates_network_groups_and_members_once(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data created" in result.output
    groups = db.session.scalars(select(Group).order_by(Group.slug)).all()
    assert [g.slug for g in groups] == ["kaffeklub-oest", "kaffeklub-vest"]
    assert db.session.scalar(select(func.count()).select_from(Member)) == 40
    admin = db.session.scalar(select(Member).where(Member.is_admin.is_(True)))
    assert admin is not None and admin.active
    # Every member is in at least one group, and each group has an organizer.
    for member in db.session.scalars(select(Member)):
        assert member.memberships, member.email
    for group in groups:
        memberships = db.session.scalars(select(Membership).where(Membership.group_id == group.id))
        roles = {m.role for m in memberships}
        assert "organizer" in roles
    assert NetworkSettings.get().name == "Erhvervsnetværket Midt"
    emails = db.session.scalars(select(Member.email)).all()
    assert len(set(emails)) == len(emails)

    # A year of meetings for each group, some past and some to come, none in July.
    now = utcnow()
    for group in groups:
        meetings = db.session.scalars(select(Meeting).where(Meeting.group_id == group.id)).all()
        assert len(meetings) >= 9, group.slug
        assert any(m.ends_at <= now for m in meetings) and any(m.starts_at > now for m in meetings)
        assert all(m.starts_at.astimezone(CPH).month != 7 for m in meetings)
        assert all(m.series_id is not None and m.venue_name and m.venue_address for m in meetings)
    meeting_count = db.session.scalar(select(func.count()).select_from(Meeting))

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "already has members" in again.output
    assert db.session.scalar(select(func.count()).select_from(Member)) == 40
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == meeting_count
    assert db.session.scalar(select(func.count()).select_from(MeetingSeries)) == 2


def _nth_weekdays(weekday, start: date, end: date) -> list[date]:
    rule = rrule.rrule(rrule.MONTHLY, byweekday=weekday, dtstart=datetime.combine(start, time()),
                       until=datetime.combine(end, time()))
    danish = holidays.country_holidays("DK", years=range(start.year, end.year + 1))
    return [d.date() for d in rule if d.month != 7 and d.date() not in danish]


def test_seed_demo_meetings_follow_the_groups_rules(app):
    assert seed_demo(today=date(2026, 2, 10))
    vest, oest = (db.session.scalar(select(Group).where(Group.slug == slug))
                  for slug in ("kaffeklub-vest", "kaffeklub-oest"))

    def meetings_of(group):
        query = select(Meeting).where(Meeting.group_id == group.id).order_by(Meeting.starts_at)
        return db.session.scalars(query).all()

    # October 2025 (four months back) to the end of October 2026 (eight months ahead).
    vest_meetings, oest_meetings = meetings_of(vest), meetings_of(oest)
    assert [m.series_date for m in vest_meetings] == _nth_weekdays(
        rrule.WE(3), date(2025, 10, 1), date(2026, 10, 31))
    # First Thursdays: 1 January (New Year's Day) and 2 April 2026 (Maundy Thursday) are skipped.
    expected_oest = _nth_weekdays(rrule.TH(1), date(2025, 10, 1), date(2026, 10, 31))
    assert date(2026, 1, 1) not in expected_oest and date(2026, 4, 2) not in expected_oest
    assert [m.series_date for m in oest_meetings] == expected_oest
    vest_times = {(m.starts_at.astimezone(CPH).time(), m.ends_at.astimezone(CPH).time(),
                   m.doors_open_at.astimezone(CPH).time()) for m in vest_meetings}
    assert vest_times == {(time(8, 30), time(10), time(8))}
    assert {m.starts_at.astimezone(CPH).time() for m in oest_meetings} == {time(7, 30)}

    # Hosts take turns: members of the group, their company as the venue, a Danish address.
    hosts = [m.host for m in vest_meetings]
    assert len({h.id for h in hosts}) == 4
    assert hosts[0].id == hosts[4].id and hosts[0].id != hosts[1].id
    for meeting in vest_meetings:
        assert meeting.host.membership_in(vest) is not None and not meeting.host.is_admin
        assert meeting.venue_name == meeting.host.company
        assert meeting.venue_address.split(", ")[1][:4].isdigit()  # "Bredgade 12, 7400 Herning"
    assert all(c.member.is_admin for m in vest_meetings for c in m.changes)  # created as the admin

    # Sign-up deadlines from each series' rule, in local time: Vest 2 days before at 12:00,
    # Øst the day before at 16:00.
    for meetings, days, at in ((vest_meetings, 2, time(12)), (oest_meetings, 1, time(16))):
        for meeting in meetings:
            expected = datetime.combine(meeting.series_date - timedelta(days=days), at, tzinfo=CPH)
            assert meeting.rsvp_deadline.astimezone(CPH) == expected, meeting.series_date
    assert vest_meetings[0].series.spec["rsvp_time"] == "12:00"
