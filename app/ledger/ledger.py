"""A member's give and take ("Giv og tag"): what they gave the network and what they got from it.

`member_ledger(viewer, member_id, today=...)` counts, for the last 6 months, the last 12 months and
all time:

- requests asked (and how many of them were solved) and answers given;
- referrals given and received, with counts by status (new, contacted, won, lost);
- help given and received (advice, introductions, a lent room, a solved request);
- business thanked for: thanks of kind business the member received (they brought the business)
  and gave (they got business through the network); the DKK sums ONLY when the viewer is the
  member themself -- nobody else ever gets an amount from here;
- confirmed 1-to-1s held, meetings attended (checked in) and hosted (`Meeting.host_member_id`,
  meetings that have started and were not cancelled), guests brought (guests who came or were
  going to a meeting that has started);

plus a month-by-month "given / received" series for the chart and the recent items.

Who sees what follows `app.visibility` item by item (the relation from
`app.auth.viewers.relation_to_item`): an item the viewer may not see is neither counted nor listed.
A withdrawn item counts for nobody. A hidden item counts only on the member's own ledger; it is
listed (marked hidden) for its parties, the organizers of its group and admins. Meetings, 1-to-1s
and guests count for the member and admins everywhere, for other viewers only in the groups they
share with the member.

Who may open a member's ledger at all: the member, members and organizers of a group they share,
admins (`permissions.can_view_member`); anyone else gets NotFound. Nine queries whatever the
number of items (one per kind of item), never one per item.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import and_, case, exists, or_, select, true
from sqlalchemy.orm import aliased

from app.auth import permissions
from app.auth.viewers import relation_to_item
from app.errors import NotFound
from app.extensions import db
from app.models import (
    CheckIn,
    GuestKind,
    GuestStatus,
    Meeting,
    MeetingGuest,
    MeetingStatus,
    Member,
    OneToOne,
    OneToOneStatus,
    Rsvp,
)
from app.models.social import (
    HelpRecord,
    HelpRequest,
    Referral,
    ReferralStatus,
    RequestAnswer,
    RequestStatus,
    Thanks,
    ThanksKind,
    help_request_groups,
)
from app.visibility import (
    MODERATION_FIELDS,
    Relation,
    answer_fields,
    help_fields,
    referral_fields,
    request_fields,
    thanks_fields,
)

PERIODS = ("6m", "12m", "all")
PERIOD_MONTHS = {"6m": 6, "12m": 12, "all": None}
CHART_MONTHS = 12
RECENT = 12
REFERRAL_STATUSES = tuple(s.value for s in ReferralStatus)


def months_back(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start(period: str, today: date) -> date | None:
    months = PERIOD_MONTHS[period]
    return None if months is None else months_back(today, months)


def _day(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()
    return value


@dataclass
class Counts:
    """One period's numbers. The amounts are None unless the viewer is the member."""

    requests_asked: int = 0
    requests_solved: int = 0  # of the requests asked
    answers_given: int = 0
    referrals_given: int = 0
    referrals_given_by_status: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(REFERRAL_STATUSES, 0))
    referrals_received: int = 0
    referrals_received_by_status: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(REFERRAL_STATUSES, 0))
    help_given: int = 0
    help_received: int = 0
    thanks_given: int = 0  # thank-yous the member said (business and help)
    thanks_received: int = 0  # thank-yous the member got
    business_thanked: int = 0  # business the member brought others, thanked for
    business_thanked_dkk: int | None = None
    business_received: int = 0  # business the member got through the network and thanked for
    business_received_dkk: int | None = None
    one_to_ones: int = 0
    meetings_attended: int = 0
    meetings_hosted: int = 0
    guests_brought: int = 0

    @property
    def given(self) -> int:
        return self.referrals_given + self.help_given + self.answers_given

    @property
    def received(self) -> int:
        return self.referrals_received + self.help_received


@dataclass
class Person:
    id: int
    name: str


@dataclass
class RecentItem:
    """One referral, piece of help, thank-you, request or answer as the viewer may see it."""

    type: str  # referral | help | thanks | request | answer
    id: int
    direction: str  # given | received | asked
    on: date
    other: Person | None  # the other party (None for a request)
    kind: str = ""  # help kind, thanks kind, answer kind
    status: str = ""  # referral or request status
    title: str = ""  # a request's title
    message: str | None = None  # a thank-you's message, when the viewer may read it
    amount_dkk: int | None = None  # only on the member's own ledger
    hidden: bool = False  # only shown to those who may see hidden items
    request_id: int | None = None  # the request a request or an answer belongs to


@dataclass
class MonthPoint:
    month: str  # YYYY-MM
    given: int
    received: int


@dataclass
class Ledger:
    member: Person
    own: bool  # the viewer is the member (amounts shown)
    today: date
    periods: dict[str, Counts]
    months: list[MonthPoint]
    recent: list[RecentItem]

    def to_dict(self) -> dict:
        """JSON-ready: dates as ISO strings, the period numbers with the given/received totals."""
        def plain(value):
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        data = plain(asdict(self))
        for key, counts in self.periods.items():
            data["periods"][key]["given"] = counts.given
            data["periods"][key]["received"] = counts.received
        return data


# --- who may see it ------------------------------------------------------------------------------


def ledger_member(viewer, member_id: int) -> Member:
    """The member whose ledger `viewer` may open, or NotFound (so nobody learns who exists)."""
    member = db.session.get(Member, member_id) if isinstance(member_id, int) else None
    if member is None or not permissions.can_view_member(viewer, member):
        raise NotFound()
    return member


def can_see_ledger(viewer, member: Member) -> bool:
    return permissions.can_view_member(viewer, member)


# --- the counting ------------------------------------------------------------------------------


class _Tally:
    """Adds an item to every period it falls in, and to the month series."""

    def __init__(self, today: date, own: bool):
        self.today = today
        self.starts = {p: period_start(p, today) for p in PERIODS}
        self.periods = {p: Counts() for p in PERIODS}
        if own:
            for counts in self.periods.values():
                counts.business_thanked_dkk = 0
                counts.business_received_dkk = 0
        first = months_back(today.replace(day=1), CHART_MONTHS - 1)
        self.months: dict[str, list[int]] = {}
        cursor = first
        while cursor <= today:
            self.months[cursor.strftime("%Y-%m")] = [0, 0]
            cursor = months_back(cursor, -1)

    def add(self, on: date, apply) -> None:
        if on > self.today:
            return
        for period, start in self.starts.items():
            if start is None or on >= start:
                apply(self.periods[period])

    def month(self, on: date, given: int = 0, received: int = 0) -> None:
        slot = self.months.get(on.strftime("%Y-%m"))
        if slot is not None and on <= self.today:
            slot[0] += given
            slot[1] += received


def _bump(name: str, by: int = 1):
    def apply(counts: Counts) -> None:
        setattr(counts, name, getattr(counts, name) + by)
    return apply


def member_ledger(viewer, member_id: int, *, today: date) -> Ledger:
    """The member's give and take as `viewer` may see it (NotFound when they may not see it)."""
    member = ledger_member(viewer, member_id)
    own = viewer.id == member.id
    admin = permissions.is_admin(viewer)
    tally = _Tally(today, own)
    recent: list[RecentItem] = []

    def visible(fields: frozenset[str], hidden: bool) -> tuple[bool, bool]:
        """(listed, counted) for an item whose fields for the viewer are `fields`."""
        listed = bool(fields)
        return listed, listed and (own or not hidden)

    def relation(parties, group_ids) -> Relation:
        return relation_to_item(viewer, parties=parties, group_ids=group_ids)

    Other = aliased(Member)

    # Requests asked, with their groups (two queries).
    rows = db.session.execute(
        select(HelpRequest.id, HelpRequest.created_at, HelpRequest.status, HelpRequest.hidden_at,
               HelpRequest.title)
        .where(HelpRequest.author_id == member.id, HelpRequest.withdrawn_at.is_(None),
               HelpRequest.status != RequestStatus.WITHDRAWN.value)).all()
    groups_of: dict[int, list[int]] = defaultdict(list)
    asked_ids = [r.id for r in rows]
    answers = db.session.execute(
        select(RequestAnswer.id, RequestAnswer.request_id, RequestAnswer.created_at, RequestAnswer.kind,
               RequestAnswer.private, RequestAnswer.hidden_at, HelpRequest.author_id, HelpRequest.hidden_at,
               Other.id, Other.name)
        .join(HelpRequest, HelpRequest.id == RequestAnswer.request_id)
        .join(Other, Other.id == HelpRequest.author_id)
        .where(RequestAnswer.author_id == member.id, RequestAnswer.withdrawn_at.is_(None),
               HelpRequest.withdrawn_at.is_(None))).all()
    request_ids = set(asked_ids) | {a.request_id for a in answers}
    if request_ids:
        for request_id, group_id in db.session.execute(
                select(help_request_groups.c.request_id, help_request_groups.c.group_id)
                .where(help_request_groups.c.request_id.in_(request_ids))):
            groups_of[request_id].append(group_id)
    for r in rows:
        hidden = r.hidden_at is not None
        fields = request_fields(relation([member.id], groups_of[r.id]), hidden=hidden)
        listed, counted = visible(fields, hidden)
        on = _day(r.created_at)
        if counted:
            tally.add(on, _bump("requests_asked"))
            if r.status == RequestStatus.SOLVED.value:
                tally.add(on, _bump("requests_solved"))
        if listed:
            recent.append(RecentItem("request", r.id, "asked", on, None, status=r.status, title=r.title,
                                     hidden=hidden and bool(fields & MODERATION_FIELDS), request_id=r.id))
    for a in answers:
        hidden = a.hidden_at is not None or a[7] is not None
        fields = answer_fields(relation([member.id, a.author_id], groups_of[a.request_id]),
                               private=a.private, hidden=hidden)
        listed, counted = visible(fields, hidden)
        on = _day(a.created_at)
        if counted:
            tally.add(on, _bump("answers_given"))
            tally.month(on, given=1)
        if listed:
            recent.append(RecentItem("answer", a.id, "given", on, Person(a[8], a[9]), kind=a.kind,
                                     hidden=hidden and bool(fields & MODERATION_FIELDS),
                                     request_id=a.request_id))

    # Referrals given and received.
    for r in db.session.execute(
            select(Referral.id, Referral.giver_id, Referral.receiver_id, Referral.group_id, Referral.status,
                   Referral.created_at, Referral.hidden_at, Other.id, Other.name)
            .join(Other, Other.id == _other(Referral.giver_id, Referral.receiver_id, member.id))
            .where(or_(Referral.giver_id == member.id, Referral.receiver_id == member.id),
                   Referral.withdrawn_at.is_(None))):
        hidden = r.hidden_at is not None
        fields = referral_fields(relation([r.giver_id, r.receiver_id], _ids(r.group_id)), hidden=hidden)
        listed, counted = visible(fields, hidden)
        on = _day(r.created_at)
        given = r.giver_id == member.id
        if counted:
            side = "given" if given else "received"
            status = r.status

            def apply(counts: Counts, side=side, status=status) -> None:
                setattr(counts, f"referrals_{side}", getattr(counts, f"referrals_{side}") + 1)
                by = getattr(counts, f"referrals_{side}_by_status")
                by[status] = by.get(status, 0) + 1

            tally.add(on, apply)
            tally.month(on, given=int(given), received=int(not given))
        if listed:
            recent.append(RecentItem("referral", r.id, "given" if given else "received", on,
                                     Person(r[7], r[8]), status=r.status,
                                     hidden=hidden and bool(fields & MODERATION_FIELDS)))

    # Help given and received.
    for h in db.session.execute(
            select(HelpRecord.id, HelpRecord.giver_id, HelpRecord.receiver_id, HelpRecord.group_id,
                   HelpRecord.kind, HelpRecord.given_on, HelpRecord.hidden_at, Other.id, Other.name)
            .join(Other, Other.id == _other(HelpRecord.giver_id, HelpRecord.receiver_id, member.id))
            .where(or_(HelpRecord.giver_id == member.id, HelpRecord.receiver_id == member.id),
                   HelpRecord.withdrawn_at.is_(None))):
        hidden = h.hidden_at is not None
        fields = help_fields(relation([h.giver_id, h.receiver_id], _ids(h.group_id)), hidden=hidden)
        listed, counted = visible(fields, hidden)
        given = h.giver_id == member.id
        if counted:
            tally.add(h.given_on, _bump("help_given" if given else "help_received"))
            tally.month(h.given_on, given=int(given), received=int(not given))
        if listed:
            recent.append(RecentItem("help", h.id, "given" if given else "received", h.given_on,
                                     Person(h[7], h[8]), kind=h.kind,
                                     hidden=hidden and bool(fields & MODERATION_FIELDS)))

    # Thanks said and received; amounts only for the member.
    for t in db.session.execute(
            select(Thanks.id, Thanks.thanker_id, Thanks.thanked_id, Thanks.group_id, Thanks.kind,
                   Thanks.created_at, Thanks.hidden_at, Thanks.message, Thanks.amount_dkk,
                   Thanks.wall_by_thanker, Thanks.wall_by_thanked, Other.id, Other.name)
            .join(Other, Other.id == _other(Thanks.thanker_id, Thanks.thanked_id, member.id))
            .where(or_(Thanks.thanker_id == member.id, Thanks.thanked_id == member.id),
                   Thanks.withdrawn_at.is_(None))):
        hidden = t.hidden_at is not None
        fields = thanks_fields(relation([t.thanker_id, t.thanked_id], _ids(t.group_id)),
                               on_wall=bool(t.wall_by_thanker and t.wall_by_thanked), hidden=hidden)
        listed, counted = visible(fields, hidden)
        on = _day(t.created_at)
        thanked = t.thanked_id == member.id  # the member gave (business or help) and is thanked
        business = t.kind == ThanksKind.BUSINESS.value
        amount = int(t.amount_dkk or 0)
        if counted:
            def apply(counts: Counts, thanked=thanked, business=business, amount=amount) -> None:
                if thanked:
                    counts.thanks_received += 1
                else:
                    counts.thanks_given += 1
                if business:
                    side = "thanked" if thanked else "received"
                    setattr(counts, f"business_{side}", getattr(counts, f"business_{side}") + 1)
                    if own:
                        key = f"business_{side}_dkk"
                        setattr(counts, key, getattr(counts, key) + amount)

            tally.add(on, apply)
        if listed:
            recent.append(RecentItem(
                "thanks", t.id, "received" if thanked else "given", on, Person(t[11], t[12]), kind=t.kind,
                message=t.message if "message" in fields else None,
                amount_dkk=t.amount_dkk if own and "amount_dkk" in fields else None,
                hidden=hidden and bool(fields & MODERATION_FIELDS)))

    # Meetings, 1-to-1s and guests: everywhere for the member and admins, else in shared groups.
    scope = None if own or admin else {m.group_id for m in viewer.memberships}
    now = datetime.now(UTC)

    def in_scope(column):
        return column.in_(scope) if scope is not None else true()

    for (met_on,) in db.session.execute(
            select(OneToOne.met_on).where(
                or_(OneToOne.proposer_id == member.id, OneToOne.partner_id == member.id),
                OneToOne.status == OneToOneStatus.CONFIRMED.value)):
        tally.add(met_on, _bump("one_to_ones"))
    live = and_(Meeting.status != MeetingStatus.CANCELLED.value, in_scope(Meeting.group_id))
    for _meeting_id, starts_at in db.session.execute(
            select(Meeting.id, Meeting.starts_at).join(CheckIn, CheckIn.meeting_id == Meeting.id)
            .where(CheckIn.member_id == member.id, live).distinct()):
        tally.add(_day(starts_at), _bump("meetings_attended"))
    for (starts_at,) in db.session.execute(
            select(Meeting.starts_at)
            .where(Meeting.host_member_id == member.id, Meeting.starts_at <= now, live)):
        tally.add(_day(starts_at), _bump("meetings_hosted"))
    came = exists().where(CheckIn.guest_id == MeetingGuest.id)
    for (starts_at,) in db.session.execute(
            select(Meeting.starts_at).select_from(MeetingGuest)
            .join(Rsvp, Rsvp.id == MeetingGuest.rsvp_id).join(Meeting, Meeting.id == MeetingGuest.meeting_id)
            .where(Rsvp.member_id == member.id, MeetingGuest.kind == GuestKind.GUEST.value, live,
                   or_(came, and_(MeetingGuest.status == GuestStatus.GOING.value,
                                  Meeting.starts_at <= now)))):
        tally.add(_day(starts_at), _bump("guests_brought"))

    recent.sort(key=lambda item: (item.on, item.type, item.id), reverse=True)
    return Ledger(
        member=Person(member.id, member.name),
        own=own,
        today=today,
        periods=tally.periods,
        months=[MonthPoint(month, given, received) for month, (given, received) in tally.months.items()],
        recent=[item for item in recent if item.on <= today][:RECENT],
    )


def _other(a_column, b_column, member_id: int):
    """The column holding the other party of a two-member item."""
    return case((a_column == member_id, b_column), else_=a_column)


def _ids(group_id: int | None) -> list[int]:
    return [] if group_id is None else [group_id]


def summary(viewer, member: Member, *, today: date) -> Ledger | None:
    """The ledger for the profile card, or None when the viewer may not see it."""
    if not can_see_ledger(viewer, member):
        return None
    return member_ledger(viewer, member.id, today=today)


__all__ = ["PERIODS", "Counts", "Ledger", "MonthPoint", "Person", "RecentItem", "can_see_ledger",
           "ledger_member", "member_ledger", "months_back", "period_start", "summary"]
