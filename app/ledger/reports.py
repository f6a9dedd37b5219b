"""The organizers' give-and-take report of a group: a friendly chapter report.

`group_report(user, slug, today=..., by="month")` (organizers of the group and admins):

- the group's totals per period -- the last 12 months, the last 8 quarters or the last 3 years:
  requests asked to the group and solved, answers to them, referrals given and won, help recorded,
  thank-yous and the DKK total of the business thanked for, meetings held and check-ins at them.
  Money is summed per group and period only: never an amount per member or per item.
- "giver meget, får lidt": members who in the last 12 months gave at least `GIVER_MIN` (referrals,
  help, answers) and received a third of that or less -- someone to help in return;
- "gået i stå": members (in the group for three months or more) with no check-in, answer or
  referral in the group for three months, with the day of their last one.

Withdrawn and hidden items are not counted. An item counts in its own group (`group_id`); a
request in each group it was asked in, an answer in its request's groups. A handful of grouped
queries, whatever the size of the group.

`report_csv` is the totals as CSV (UTF-8 with BOM, ";", the member export's cell escaping): one row
per period, no member and no contact details.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.auth import permissions
from app.extensions import db
from app.ledger.ledger import months_back
from app.meetings.access import get_group_to_manage
from app.models import CheckIn, Group, Meeting, MeetingStatus, Member, Membership
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

GRANULARITIES = {"month": 12, "quarter": 8, "year": 3}
CSV_PERIOD_WORDS = {"month": "maaned", "quarter": "kvartal", "year": "aar"}
GIVER_MONTHS = 12
GIVER_MIN = 3
QUIET_MONTHS = 3


@dataclass
class Totals:
    key: str  # 2026-03, 2026-K1, 2026
    start: date
    requests: int = 0
    solved: int = 0
    answers: int = 0
    referrals: int = 0
    won: int = 0
    help: int = 0
    thanks: int = 0
    business: int = 0  # thank-yous for business
    business_dkk: int = 0
    meetings: int = 0
    checkins: int = 0  # members and guests checked in at the meetings


@dataclass
class GiverRow:
    member_id: int
    name: str
    given: int
    received: int


@dataclass
class QuietRow:
    member_id: int
    name: str
    last_active: date | None  # last check-in, answer or referral in the group (None: never)


@dataclass
class Report:
    group: Group
    by: str
    today: date
    periods: list[Totals]  # oldest first
    givers: list[GiverRow] = field(default_factory=list)
    quiet: list[QuietRow] = field(default_factory=list)

    @property
    def total(self) -> Totals:
        whole = Totals("total", self.periods[0].start if self.periods else self.today)
        for p in self.periods:
            for name in ("requests", "solved", "answers", "referrals", "won", "help", "thanks", "business",
                         "business_dkk", "meetings", "checkins"):
                setattr(whole, name, getattr(whole, name) + getattr(p, name))
        return whole


def _day(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()
    return value


def _start(day: date, by: str) -> date:
    if by == "year":
        return date(day.year, 1, 1)
    if by == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return day.replace(day=1)


def _key(start: date, by: str) -> str:
    if by == "year":
        return str(start.year)
    if by == "quarter":
        return f"{start.year}-K{(start.month - 1) // 3 + 1}"
    return start.strftime("%Y-%m")


def buckets(today: date, by: str) -> list[Totals]:
    """The empty periods of a report, oldest first, the current one last."""
    step = {"month": 1, "quarter": 3, "year": 12}[by]
    current = _start(today, by)
    starts = [months_back(current, step * i) for i in range(GRANULARITIES[by] - 1, -1, -1)]
    return [Totals(_key(s, by), s) for s in starts]


def _since(dt: date) -> datetime:
    return datetime(dt.year, dt.month, dt.day, tzinfo=UTC)


def group_report(user, slug: str, *, today: date, by: str = "month") -> Report:
    """The report (NotFound for a hidden group, PermissionDenied unless organizer or admin)."""
    group = get_group_to_manage(user, slug)
    by = by if by in GRANULARITIES else "month"
    periods = buckets(today, by)
    report = Report(group, by, today, periods)
    first = periods[0].start
    index = {p.key: p for p in periods}

    def slot(value) -> Totals | None:
        day = _day(value)
        if day > today or day < first:
            return None
        return index.get(_key(_start(day, by), by))

    since = _since(first)
    in_group = help_request_groups.c.group_id == group.id
    for created_at, status in db.session.execute(
            select(HelpRequest.created_at, HelpRequest.status)
            .join(help_request_groups, help_request_groups.c.request_id == HelpRequest.id)
            .where(in_group, HelpRequest.created_at >= since, HelpRequest.withdrawn_at.is_(None),
                   HelpRequest.hidden_at.is_(None), HelpRequest.status != RequestStatus.WITHDRAWN.value)):
        if (p := slot(created_at)) is not None:
            p.requests += 1
            p.solved += status == RequestStatus.SOLVED.value
    for (created_at,) in db.session.execute(
            select(RequestAnswer.created_at)
            .join(HelpRequest, HelpRequest.id == RequestAnswer.request_id)
            .join(help_request_groups, help_request_groups.c.request_id == HelpRequest.id)
            .where(in_group, RequestAnswer.created_at >= since, RequestAnswer.withdrawn_at.is_(None),
                   RequestAnswer.hidden_at.is_(None), HelpRequest.withdrawn_at.is_(None),
                   HelpRequest.hidden_at.is_(None))):
        if (p := slot(created_at)) is not None:
            p.answers += 1
    for created_at, status, changed_at in db.session.execute(
            select(Referral.created_at, Referral.status, Referral.status_changed_at)
            .where(Referral.group_id == group.id, Referral.withdrawn_at.is_(None),
                   Referral.hidden_at.is_(None))):
        if (p := slot(created_at)) is not None:
            p.referrals += 1
        if status == ReferralStatus.WON.value and (p := slot(changed_at or created_at)) is not None:
            p.won += 1
    for (given_on,) in db.session.execute(
            select(HelpRecord.given_on)
            .where(HelpRecord.group_id == group.id, HelpRecord.given_on >= first,
                   HelpRecord.withdrawn_at.is_(None), HelpRecord.hidden_at.is_(None))):
        if (p := slot(given_on)) is not None:
            p.help += 1
    for created_at, kind, amount in db.session.execute(
            select(Thanks.created_at, Thanks.kind, Thanks.amount_dkk)
            .where(Thanks.group_id == group.id, Thanks.created_at >= since,
                   Thanks.withdrawn_at.is_(None), Thanks.hidden_at.is_(None))):
        if (p := slot(created_at)) is not None:
            p.thanks += 1
            if kind == ThanksKind.BUSINESS.value:
                p.business += 1
                p.business_dkk += int(amount or 0)
    now = datetime.now(UTC)
    checked = (select(CheckIn.meeting_id, func.count(CheckIn.id).label("n"))
               .group_by(CheckIn.meeting_id).subquery())
    for starts_at, n in db.session.execute(
            select(Meeting.starts_at, func.coalesce(checked.c.n, 0))
            .outerjoin(checked, checked.c.meeting_id == Meeting.id)
            .where(Meeting.group_id == group.id, Meeting.status != MeetingStatus.CANCELLED.value,
                   Meeting.starts_at >= since, Meeting.starts_at <= now)):
        if (p := slot(starts_at)) is not None:
            p.meetings += 1
            p.checkins += int(n or 0)

    report.givers = givers(group, today=today)
    report.quiet = quiet_members(group, today=today)
    return report


def _members(group: Group) -> dict[int, tuple[str, datetime]]:
    return {mid: (name, joined) for mid, name, joined in db.session.execute(
        select(Member.id, Member.name, Membership.joined_at)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == group.id, Member.active.is_(True)))}


def givers(group: Group, *, today: date) -> list[GiverRow]:
    """Members who gave much and received little in the group over the last 12 months."""
    since = months_back(today, GIVER_MONTHS)
    given: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    for model, on in ((Referral, Referral.created_at), (HelpRecord, HelpRecord.given_on)):
        start = _since(since) if model is Referral else since
        for giver, receiver, n in db.session.execute(
                select(model.giver_id, model.receiver_id, func.count(model.id))
                .where(model.group_id == group.id, on >= start, model.withdrawn_at.is_(None),
                       model.hidden_at.is_(None))
                .group_by(model.giver_id, model.receiver_id)):
            given[giver] += n
            received[receiver] += n
    for author, n in db.session.execute(
            select(RequestAnswer.author_id, func.count(RequestAnswer.id))
            .join(help_request_groups, help_request_groups.c.request_id == RequestAnswer.request_id)
            .where(help_request_groups.c.group_id == group.id, RequestAnswer.created_at >= _since(since),
                   RequestAnswer.withdrawn_at.is_(None), RequestAnswer.hidden_at.is_(None))
            .group_by(RequestAnswer.author_id)):
        given[author] += n
    members = _members(group)
    rows = [GiverRow(mid, members[mid][0], g, received.get(mid, 0)) for mid, g in given.items()
            if mid in members and g >= GIVER_MIN and received.get(mid, 0) * 3 <= g]
    return sorted(rows, key=lambda r: (-(r.given - r.received), r.name, r.member_id))


def quiet_members(group: Group, *, today: date) -> list[QuietRow]:
    """Members with no check-in, answer or referral in the group for three months (those who joined
    less than three months ago are left alone)."""
    since = months_back(today, QUIET_MONTHS)
    last: dict[int, date] = {}

    def note(rows) -> None:
        for mid, value in rows:
            if mid is not None and value is not None:
                day = _day(value)
                if day <= today and (mid not in last or day > last[mid]):
                    last[mid] = day

    note(db.session.execute(
        select(CheckIn.member_id, func.max(Meeting.starts_at)).join(Meeting, Meeting.id == CheckIn.meeting_id)
        .where(Meeting.group_id == group.id, CheckIn.member_id.is_not(None)).group_by(CheckIn.member_id)))
    note(db.session.execute(
        select(RequestAnswer.author_id, func.max(RequestAnswer.created_at))
        .join(help_request_groups, help_request_groups.c.request_id == RequestAnswer.request_id)
        .where(help_request_groups.c.group_id == group.id, RequestAnswer.withdrawn_at.is_(None))
        .group_by(RequestAnswer.author_id)))
    note(db.session.execute(
        select(Referral.giver_id, func.max(Referral.created_at))
        .where(Referral.group_id == group.id, Referral.withdrawn_at.is_(None)).group_by(Referral.giver_id)))
    rows = []
    for mid, (name, joined) in _members(group).items():
        if _day(joined) > since:
            continue
        active = last.get(mid)
        if active is None or active < since:
            rows.append(QuietRow(mid, name, active))
    return sorted(rows, key=lambda r: (r.last_active or date.min, r.name, r.member_id))


# --- the thank-you wall --------------------------------------------------------------------------

WALL_SIZE = 10


@dataclass
class WallItem:
    """A thank-you on the group's wall: who thanked whom, for what, the message. Never an amount."""

    id: int
    thanker_id: int
    thanker: str
    thanked_id: int
    thanked: str
    kind: str
    message: str
    on: date


def thanks_wall(user, group: Group, *, limit: int = WALL_SIZE) -> list[WallItem]:
    """The group's recent thanks both members agreed to show, not withdrawn or hidden, for the
    group's members and admins (empty for anyone else). One query."""
    if not permissions.can_see_group_members(user, group):
        return []
    thanker, thanked = aliased(Member), aliased(Member)
    rows = db.session.execute(
        select(Thanks.id, thanker.id, thanker.name, thanked.id, thanked.name, Thanks.kind, Thanks.message,
               Thanks.created_at)
        .join(thanker, thanker.id == Thanks.thanker_id).join(thanked, thanked.id == Thanks.thanked_id)
        .where(Thanks.group_id == group.id, Thanks.wall_by_thanker.is_(True),
               Thanks.wall_by_thanked.is_(True),
               Thanks.withdrawn_at.is_(None), Thanks.hidden_at.is_(None))
        .order_by(Thanks.created_at.desc(), Thanks.id.desc()).limit(limit))
    return [WallItem(r[0], r[1], r[2], r[3], r[4], r[5], r[6] or "", _day(r[7])) for r in rows]


# --- CSV -----------------------------------------------------------------------------------------

# The words in the file are Danish, like the other exports (they go to Danish Excel).
CSV_HEADERS = ("periode", "forespørgsler", "løst", "svar", "henvisninger", "vundet", "hjælp", "tak",
               "tak for forretningen", "forretning i kr.", "møder", "tjekket ind")


def report_csv(report: Report) -> tuple[str, bytes]:
    """(filename, bytes): a row per period and a total; sums only, no member and no contact."""
    from app.rsvp.organizer import write_csv

    def row(t: Totals, label: str) -> list[str]:
        return [label, str(t.requests), str(t.solved), str(t.answers), str(t.referrals), str(t.won),
                str(t.help), str(t.thanks), str(t.business), str(t.business_dkk), str(t.meetings),
                str(t.checkins)]

    rows = [row(p, p.key) for p in report.periods] + [row(report.total, "i alt")]
    # The file name is Danish like the headers (plain ASCII, so every browser keeps it).
    name = f"giv-og-tag-{report.group.slug}-{CSV_PERIOD_WORDS[report.by]}-{report.today.isoformat()}.csv"
    return name, write_csv(CSV_HEADERS, rows)


__all__ = ["GRANULARITIES", "Report", "Totals", "buckets", "givers", "group_report", "quiet_members",
           "report_csv", "thanks_wall"]
