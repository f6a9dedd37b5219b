"""Builders for the give-and-take tests: referrals, help, thanks, requests and answers written
straight into the database (no services), and one hand-computed fixture (`build_ledger_world`)
whose numbers the tests state by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.extensions import db
from app.ledger.ledger import months_back
from app.models import GuestStatus, Meeting, MeetingGuest, Member, Membership, Rsvp
from app.models.social import HelpRecord, HelpRequest, Referral, RequestAnswer, Thanks
from tests.factories import create_admin, create_group, create_member, create_organizer
from tests.web.connections_helpers import check_in, local_today, one_to_one, past_meeting


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def referral(giver, receiver, group, day: date, status: str = "new", **kw) -> Referral:
    row = Referral(giver_id=giver.id, receiver_id=receiver.id, group_id=group.id if group else None,
                   contact_name=kw.pop("contact_name", "Kim Kontakt"),
                   contact_phone=kw.pop("contact_phone", ""),
                   about=kw.pop("about", "Nyt tag"), warmth="may_call", status=status,
                   created_at=at(day), status_changed_at=kw.pop("changed", at(day)), **kw)
    db.session.add(row)
    db.session.commit()
    return row


def help_record(giver, receiver, group, day: date, kind: str = "advice", **kw) -> HelpRecord:
    row = HelpRecord(giver_id=giver.id, receiver_id=receiver.id, group_id=group.id if group else None,
                     kind=kind, description=kw.pop("description", "Et godt råd"), given_on=day,
                     created_at=at(day), **kw)
    db.session.add(row)
    db.session.commit()
    return row


def thanks(thanker, thanked, group, day: date, kind: str = "business", **kw) -> Thanks:
    row = Thanks(thanker_id=thanker.id, thanked_id=thanked.id, group_id=group.id if group else None,
                 kind=kind, created_at=at(day), **kw)
    db.session.add(row)
    db.session.commit()
    return row


def ask(author, groups, day: date, status: str = "open", title: str = "En bogholder", **kw) -> HelpRequest:
    row = HelpRequest(author_id=author.id, title=title, status=status, created_at=at(day), **kw)
    row.groups = list(groups)
    db.session.add(row)
    db.session.commit()
    return row


def answer(author, request, day: date, private: bool = False, **kw) -> RequestAnswer:
    row = RequestAnswer(request_id=request.id, author_id=author.id, kind=kw.pop("kind", "offer"),
                        body="Det kan jeg", private=private, created_at=at(day), **kw)
    db.session.add(row)
    db.session.commit()
    return row


def bring_guest(member, meeting: Meeting, status: str = GuestStatus.GOING.value) -> MeetingGuest:
    rsvp = Rsvp(meeting_id=meeting.id, member_id=member.id, status="going")
    db.session.add(rsvp)
    db.session.flush()
    guest = MeetingGuest(meeting_id=meeting.id, rsvp_id=rsvp.id, name="Gitte Gæst",
                         email="gitte@example.test", status=status)
    db.session.add(guest)
    db.session.commit()
    return guest


@dataclass
class LedgerWorld:
    today: date
    recent: date  # 10 days ago: in every period
    nine: date  # 9 months ago: in 12 months and all time
    old: date  # 2 years ago: all time only
    a: object
    b: object
    c: object
    anna: Member  # whose ledger (A and C)
    bo: Member  # A
    carl: Member  # A
    eve: Member  # C only
    organizer: Member  # organizer of A
    other_organizer: Member  # organizer of B only
    admin: Member
    items: dict = field(default_factory=dict)

    def person(self, role: str) -> Member | None:
        return None if role == "anonymous" else getattr(self, role)


def build_ledger_world() -> LedgerWorld:
    """The fixture whose numbers tests/web/test_ledger*.py compute by hand (see the comments)."""
    today = local_today()
    recent, nine, old = today - timedelta(days=10), months_back(today, 9), months_back(today, 24)
    a, b, c = create_group(name="Gruppe A"), create_group(name="Gruppe B"), create_group(name="Gruppe C")
    anna = create_member(groups=[a, c], name="Anna Andersen")
    bo = create_member(groups=[a], name="Bo Berg")
    carl = create_member(groups=[a], name="Carl Clausen")
    eve = create_member(groups=[c], name="Eve Eriksen")
    organizer = create_organizer(a, name="Olga Organizer")
    other_organizer = create_organizer(b, name="Otto Organizer")
    admin = create_admin(name="Ada Admin")
    for membership in db.session.query(Membership).filter(Membership.group_id == a.id):
        membership.joined_at = at(old)
    db.session.commit()
    i: dict = {}
    # Referrals.
    i["r1"] = referral(anna, bo, a, recent, "won")
    i["r2"] = referral(anna, carl, a, nine, "new")
    i["r3"] = referral(bo, anna, a, old, "contacted")
    i["r4"] = referral(anna, bo, a, recent, "new", withdrawn_at=at(recent))
    i["r5"] = referral(anna, carl, a, recent, "new", hidden_at=at(recent), hidden_reason="Spam")
    i["r6"] = referral(anna, eve, c, recent, "lost")
    # Help.
    i["h1"] = help_record(anna, bo, a, recent, "advice")
    i["h2"] = help_record(carl, anna, a, nine, "room")
    # Thanks.
    i["t1"] = thanks(bo, anna, a, recent, "business", referral_id=i["r1"].id, amount_dkk=5000,
                     message="Tusind tak for Kim!", wall_by_thanker=True, wall_by_thanked=True)
    i["t2"] = thanks(carl, anna, a, nine, "business", amount_dkk=12000, message="Privat tak",
                     wall_by_thanker=True)
    i["t3"] = thanks(anna, carl, a, nine, "help", help_id=i["h2"].id, message="Tak for lokalet")
    i["t4"] = thanks(bo, anna, a, recent, "business", amount_dkk=999, withdrawn_at=at(recent),
                     wall_by_thanker=True, wall_by_thanked=True, message="Trukket tilbage")
    # Requests and answers.
    i["q1"] = ask(anna, [a], recent, "solved", title="Et lokale til 40")
    i["q2"] = ask(anna, [a], old, "open", title="En revisor")
    i["qb"] = ask(bo, [a], recent, title="En tømrer")
    i["qc"] = ask(carl, [a], recent, title="En maler")
    i["a1"] = answer(anna, i["qb"], recent)
    i["a2"] = answer(anna, i["qc"], recent, private=True)
    # Meetings: anna hosted and attended a meeting of A, attended one of C, brought a guest to A's.
    m1 = past_meeting(a, recent)
    m1.host_member_id = anna.id
    m2 = past_meeting(c, recent)
    db.session.commit()
    check_in(m1, anna)
    check_in(m2, anna)
    bring_guest(anna, m1)
    one_to_one(anna, bo, recent)
    i["m1"], i["m2"] = m1, m2
    return LedgerWorld(today, recent, nine, old, a, b, c, anna, bo, carl, eve, organizer, other_organizer,
                       admin, i)
