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
DEMO_ORGANIZER = "gitte@joergensentoemrerogsnedker.example"  # organizer of Kaffeklub Vest


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


def test_seed_demo_signups_show_both_ways_of_answering(app, client, login):
    """Vest is "expected unless afbud", Øst "sign up to come"; their coming meetings have real
    answers: afbud with messages, a guest, a substitute, a full meeting with a waitlist; the last
    past meetings have who came and a late afbud. Seeding again adds nothing."""
    from app.models import MeetingGuest, Rsvp
    from app.rsvp.services import seat_counts

    assert seed_demo()
    vest, oest = (db.session.scalar(select(Group).where(Group.slug == slug))
                  for slug in ("kaffeklub-vest", "kaffeklub-oest"))
    assert (vest.rsvp_mode, oest.rsvp_mode) == ("expected", "opt_in")
    assert vest.guest_limit >= 1 and oest.guest_limit >= 1
    now = utcnow()

    def answered_coming(group):
        query = (select(Meeting).where(Meeting.group_id == group.id, Meeting.starts_at > now)
                 .where(Meeting.id.in_(select(Rsvp.meeting_id))).order_by(Meeting.starts_at))
        return db.session.scalars(query).all()

    vest_next = answered_coming(vest)[0]
    rsvps = db.session.scalars(select(Rsvp).where(Rsvp.meeting_id == vest_next.id)).all()
    afbud = [r for r in rsvps if r.status == "declined" and r.message]
    assert len(afbud) >= 2
    guests = db.session.scalars(select(MeetingGuest).where(MeetingGuest.meeting_id == vest_next.id)).all()
    assert {g.kind for g in guests if g.status == "going"} == {"guest", "substitute"}
    counts = seat_counts([vest_next])[vest_next.id]
    assert counts.expected > 10 and counts.going == counts.expected + counts.members_going + counts.guests
    gitte = db.session.scalar(select(Member).where(Member.email == DEMO_ORGANIZER))
    assert gitte is not None and gitte.membership_in(vest).is_organizer

    full = answered_coming(oest)[0]
    counts = seat_counts([full])[full.id]
    assert counts.capacity is not None and counts.going == counts.capacity and counts.waitlisted >= 2
    waiting = db.session.scalars(select(Rsvp).where(Rsvp.meeting_id == full.id, Rsvp.status == "waitlisted")
                                 .order_by(Rsvp.queue_seq)).all()
    going_seqs = db.session.scalars(select(Rsvp.queue_seq).where(Rsvp.meeting_id == full.id,
                                                                 Rsvp.status == "going")).all()
    assert waiting and max(going_seqs) < waiting[0].queue_seq  # first come, first served

    late = db.session.scalars(select(Rsvp).where(Rsvp.late.is_(True))).all()
    assert late and all(r.status == "declined" and r.message for r in late)
    assert all(r.meeting.rsvp_deadline <= r.answered_at < r.meeting.starts_at for r in late)
    past_answers = db.session.scalar(select(func.count()).select_from(Rsvp).join(Meeting)
                                     .where(Meeting.ends_at <= now))
    assert past_answers >= 5

    # Mine møder of the organizer of Vest: her coming answer with her guest, and past meetings.
    login(gitte)
    page = client.get("/meetings").get_data(as_text=True)
    assert "data-my-guests" in page
    assert "data-my-answer" in client.get("/meetings?show=past").get_data(as_text=True)

    total = db.session.scalar(select(func.count()).select_from(Rsvp))
    assert not seed_demo()
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == total


def test_seed_demo_has_a_living_network(app, client, login):
    """The past meetings have check-ins, no-shows, published seating plans of two rounds (Vest) or
    one (Øst), and are closed, so who sat with whom is recorded; there are 1-to-1s, newcomers and a
    member who hides their network. The organizer's network page and the demo member's "Mit
    netværk" show it. Seeding again adds nothing."""
    from app.connections import stats
    from app.models import CheckIn, Encounter, OneToOne, Rsvp, SeatingPlan
    from app.seed import DEMO_MEMBER_EMAIL

    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    assert seed_demo()
    now = utcnow()
    vest, oest = (db.session.scalar(select(Group).where(Group.slug == slug))
                  for slug in ("kaffeklub-vest", "kaffeklub-oest"))
    for group, rounds in ((vest, 2), (oest, 1)):
        past = db.session.scalars(select(Meeting).where(Meeting.group_id == group.id, Meeting.ends_at <= now)
                                  .order_by(Meeting.starts_at)).all()
        assert past and all(m.is_closed for m in past), group.slug
        coming = db.session.scalars(select(Meeting).where(Meeting.group_id == group.id,
                                                          Meeting.starts_at > now)).all()
        assert coming and not any(m.is_closed for m in coming)
        plans = db.session.scalars(select(SeatingPlan).join(Meeting)
                                   .where(Meeting.group_id == group.id)).all()
        assert plans and {p.round_count for p in plans} == {rounds} and all(p.published_at for p in plans)
        last = past[-1]
        assert count(CheckIn, CheckIn.meeting_id == last.id) >= 8
        assert count(Encounter, Encounter.meeting_id == last.id) >= 10
        network = stats.group_network(group)
        assert 0.2 < network.all_measures.share_met < 0.95
        assert network.last_meeting.new_pairs > 0 and network.newcomer_rows
    assert count(Rsvp, Rsvp.no_show.is_(True)) >= 4
    assert count(OneToOne, OneToOne.status == "confirmed") >= 6
    assert count(Member, Member.hide_network.is_(True)) == 1

    gitte = db.session.scalar(select(Member).where(Member.email == DEMO_ORGANIZER))
    login(gitte)
    page = client.get("/groups/kaffeklub-vest/network")
    assert page.status_code == 200 and 'data-hidden-count="1"' in page.get_data(as_text=True)
    assert "data-network-summary" in client.get("/groups/kaffeklub-vest").get_data(as_text=True)
    maja = db.session.scalar(select(Member).where(Member.email == DEMO_MEMBER_EMAIL))
    assert maja is not None
    assert count(Encounter, (Encounter.member_a_id == maja.id) | (Encounter.member_b_id == maja.id)) >= 5
    login(maja)
    assert client.get("/network").status_code == 200

    counts = [count(model) for model in (Encounter, CheckIn, SeatingPlan, OneToOne)]
    assert not seed_demo()
    assert [count(model) for model in (Encounter, CheckIn, SeatingPlan, OneToOne)] == counts


def test_seed_demo_has_requests_referrals_help_and_thanks(app):
    """Both groups ask the network (open, solved with helpers, expired, raised at the next meeting,
    a private answer); referrals in every status; help records; thanks for help and business, one
    with an amount between the demo member and another member on the wall with both's consent, one
    without consent. Every item has its "created" history entry. A digest run lists the open ones.
    Seeding again adds nothing."""
    from app.asks.notices import send_digests
    from app.models import HelpRecord, HelpRequest, Referral, RequestAnswer, SocialChange, Thanks
    from app.seed import DEMO_MEMBER_EMAIL

    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    assert seed_demo()
    requests = db.session.scalars(select(HelpRequest)).all()
    assert {g.slug for r in requests for g in r.groups} == {"kaffeklub-vest", "kaffeklub-oest"}
    assert {"open", "solved", "expired"} <= {r.status for r in requests}
    raised = [r for r in requests if r.raise_at_meeting_id]
    assert raised and all(r.raise_at_meeting.starts_at > utcnow() for r in raised)
    assert raised[0].raise_at_meeting.group_id == raised[0].groups[0].id
    assert count(RequestAnswer, RequestAnswer.private.is_(True)) >= 1
    assert count(RequestAnswer, RequestAnswer.kind == "referral",
                 RequestAnswer.referred_member_id.is_not(None))
    solved = next(r for r in requests if r.status == "solved")
    helpers = db.session.scalars(select(HelpRecord).where(HelpRecord.request_id == solved.id)).all()
    assert helpers and all(h.kind == "request" and h.receiver_id == solved.author_id for h in helpers)
    expired = next(r for r in requests if r.status == "expired")
    assert expired.closed_at is not None and expired.deadline < utcnow().date()

    assert {r.status for r in db.session.scalars(select(Referral))} == {"new", "contacted", "won", "lost"}
    assert count(HelpRecord, HelpRecord.kind != "request") >= 2
    maja = db.session.scalar(select(Member).where(Member.email == DEMO_MEMBER_EMAIL))
    business = db.session.scalars(select(Thanks).where(Thanks.kind == "business")).all()
    with_maja = [t for t in business if maja.id in (t.thanker_id, t.thanked_id)]
    assert with_maja and with_maja[0].amount_dkk
    assert with_maja[0].wall_by_thanker and with_maja[0].wall_by_thanked
    assert any(t.amount_dkk and not (t.wall_by_thanker and t.wall_by_thanked) for t in business)
    for thanks in business:  # between two members of its group
        group = db.session.get(Group, thanks.group_id)
        assert thanks.thanker.membership_in(group) and thanks.thanked.membership_in(group)

    for item_type, model in (("request", HelpRequest), ("answer", RequestAnswer), ("referral", Referral),
                             ("help", HelpRecord), ("thanks", Thanks)):
        ids = set(db.session.scalars(select(model.id)))
        created = set(db.session.scalars(select(SocialChange.item_id).where(
            SocialChange.item_type == item_type, SocialChange.action == "created")))
        assert ids and ids == created, item_type

    counts = send_digests()
    assert counts.digests >= 5
    totals = [count(model) for model in (HelpRequest, RequestAnswer, Referral, HelpRecord, Thanks)]
    assert not seed_demo()
    assert [count(model) for model in (HelpRequest, RequestAnswer, Referral, HelpRecord, Thanks)] == totals
