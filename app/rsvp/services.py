"""Sign-up use cases: answer, send afbud, bring guests or a substitute, and the organizers' moves.

The one service every channel uses (the meeting page, the one-click links in mails, the JSON API,
and next the calendar's own Accept/Decline buttons): each use case takes ids, locks the meeting row
(`app.db_locks`: `SELECT ... FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), loads the
meeting's seat holders into the pure `app.rsvp.core.Book`, applies the rule, writes the changes and
the mails (through the outbox) and commits. Two answers for the last seat therefore queue on the
meeting's lock: exactly `capacity` people are going and the rest wait in arrival order.

Seat holders are keyed ("m", member_id) for a member's own seat and ("g", guest_id) for a guest or
a substitute. In "expected unless afbud" groups, active members who have not answered hold an
expected seat that is not a row (`Book.expected`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app import events
from app.auth import permissions
from app.db_locks import begin_write, lock_for_update, locked
from app.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.input_guard import int_in_range, normalize_newlines
from app.models import (
    GuestKind,
    GuestStatus,
    InviteState,
    Meeting,
    MeetingGuest,
    MeetingInvite,
    Member,
    Membership,
    Rsvp,
    RsvpMode,
    RsvpStatus,
    normalize_email,
    utcnow,
)
from app.pagination import Page, paginate
from app.rsvp import core, links, notify
from app.validation import FieldErrors

MEMBER = "m"
GUEST = "g"

LIMITS = {"message": 1000, "name": 200, "email": 254, "company": 200}

ANSWERS = ("yes", "no")

_ROW_TO_CORE = {RsvpStatus.GOING.value: core.GOING, RsvpStatus.WAITLISTED.value: core.WAITLISTED,
                RsvpStatus.DECLINED.value: core.OUT, GuestStatus.CANCELLED.value: core.OUT}
_CORE_TO_MEMBER = {core.GOING: RsvpStatus.GOING.value, core.WAITLISTED: RsvpStatus.WAITLISTED.value,
                   core.OUT: RsvpStatus.DECLINED.value}
_CORE_TO_GUEST = {core.GOING: GuestStatus.GOING.value, core.WAITLISTED: GuestStatus.WAITLISTED.value,
                  core.OUT: GuestStatus.CANCELLED.value}


# --- what callers get back -------------------------------------------------------------------------


class _FromRsvp:
    """The afbud message and the late mark of an answer that may not exist (`self.rsvp`)."""

    rsvp: Rsvp | None

    @property
    def message(self) -> str:
        return self.rsvp.message if self.rsvp else ""

    @property
    def late(self) -> bool:
        return bool(self.rsvp and self.rsvp.late)


@dataclass
class Answer(_FromRsvp):
    """One member's answer to one meeting, as the pages and the API show it.

    `status` is "going", "waitlisted", "declined" or None (not answered). In "expected" groups a
    member who has not answered is `expected` and counts as going (`status` "going")."""

    meeting: Meeting
    member: Member
    rsvp: Rsvp | None
    status: str | None
    expected: bool = False
    waitlist_position: int | None = None
    guests: list[MeetingGuest] = field(default_factory=list)
    guest_positions: dict[int, int] = field(default_factory=dict)
    substitute: MeetingGuest | None = None

    @property
    def answered(self) -> bool:
        return self.rsvp is not None

    @property
    def answered_at(self) -> datetime | None:
        return self.rsvp.answered_at if self.rsvp else None


@dataclass
class Outcome:
    """What a use case did: the caller's answer and who moved up from the waitlist."""

    answer: Answer | None
    promoted: list[str] = field(default_factory=list)  # names, for the organizer's flash


# --- rules shared by the use cases -----------------------------------------------------------------


def mode_of(meeting: Meeting) -> str:
    return meeting.group.rsvp_mode


def is_expected_mode(meeting: Meeting) -> bool:
    return mode_of(meeting) == RsvpMode.EXPECTED.value


def deadline_passed(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.rsvp_deadline is not None and (now or utcnow()) >= meeting.rsvp_deadline


def has_started(meeting: Meeting, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= meeting.starts_at


def _ensure_open(meeting: Meeting, *, organizer: bool, now: datetime) -> None:
    """A cancelled meeting takes no answers; one that started takes none from members."""
    if meeting.is_cancelled:
        raise Conflict(_("This meeting is cancelled; it takes no sign-ups."))
    if not organizer and has_started(meeting, now):
        raise Conflict(_("This meeting has started or taken place; it takes no more sign-ups."))


def _ensure_member(user, meeting: Meeting) -> Membership:
    membership = user.membership_in(meeting.group) if getattr(user, "is_authenticated", False) else None
    if membership is None or not user.active:
        raise PermissionDenied(_("Only members of %(group)s can answer for its meetings.",
                                 group=meeting.group.name))
    return membership


def _ensure_manage(user, meeting: Meeting) -> None:
    if not permissions.can_manage_group(user, meeting.group):
        raise PermissionDenied()


def _lock_meeting(meeting_id: int) -> Meeting:
    if isinstance(meeting_id, Meeting):
        meeting_id = meeting_id.id
    if not _is_id(meeting_id):
        raise NotFound()
    begin_write()
    meeting = db.session.scalar(lock_for_update(select(Meeting).where(Meeting.id == meeting_id), of=Meeting))
    if meeting is None:
        raise NotFound()
    locked()
    return meeting


def _is_id(value) -> bool:
    """A whole number the database's id columns can hold (a bigger one would raise, not miss)."""
    return isinstance(value, int) and not isinstance(value, bool) and int_in_range(value)


def _lock_to_answer(user, meeting_id: int) -> tuple[Meeting, datetime]:
    """The meeting under its row lock, for a member's own answer: visible, the user a member of its
    group, not cancelled, not started. Returns it with the time the use case works at."""
    meeting = _lock_meeting(meeting_id)
    permissions.require_group_visible(user, meeting.group)
    _ensure_member(user, meeting)
    now = utcnow()
    _ensure_open(meeting, organizer=False, now=now)
    return meeting, now


def lock_to_manage(user, meeting_id: int, *, open_only: bool = True) -> tuple[Meeting, datetime]:
    """The meeting under its row lock, for its organizers and admins (and, with `open_only`, not
    cancelled). Returns it with the time the use case works at."""
    meeting = _lock_meeting(meeting_id)
    permissions.require_group_visible(user, meeting.group)
    _ensure_manage(user, meeting)
    now = utcnow()
    if open_only:
        _ensure_open(meeting, organizer=True, now=now)
    return meeting, now


def _group_member(meeting: Meeting, member_id: int) -> Member:
    """A member of the meeting's group, or a field error on `member`."""
    member = db.session.get(Member, member_id) if _is_id(member_id) else None
    if member is None or member.membership_in(meeting.group) is None:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"member": [_("This person is not a member of the group.")]})
    return member


def _visible_meeting(user, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id) if _is_id(meeting_id) else None
    if meeting is None:
        raise NotFound()
    permissions.require_group_visible(user, meeting.group)
    return meeting


# --- the book of one meeting -----------------------------------------------------------------------


class _Seats:
    """A meeting's rows and its `core.Book`, loaded together; `apply` writes the book's moves."""

    def __init__(self, meeting: Meeting, *, members: bool = True):
        # `members`: load every seat holder's Member too (lists, mails to all); a member's own answer
        # needs only the few it touches (the caller is in the session already), one query fewer.
        options = [selectinload(Rsvp.guests), *([selectinload(Rsvp.member)] if members else [])]
        self.meeting = meeting
        self.rsvps: dict[int, Rsvp] = {
            r.member_id: r for r in db.session.scalars(
                select(Rsvp).where(Rsvp.meeting_id == meeting.id).options(*options)).all()
        }
        self.guests: dict[int, MeetingGuest] = {
            g.id: g for rsvp in self.rsvps.values() for g in rsvp.guests
        }
        holders = [core.Holder((MEMBER, r.member_id), _ROW_TO_CORE[r.status], r.queue_seq, r.forced)
                   for r in self.rsvps.values()]
        holders += [core.Holder((GUEST, g.id), _ROW_TO_CORE[g.status], g.queue_seq, g.forced)
                    for g in self.guests.values()]
        self.expected_ids = expected_member_ids(meeting) if is_expected_mode(meeting) else set()
        self.book = core.Book(meeting.capacity, holders, expected=len(self.expected_ids))
        self.promoted: list[tuple[str, int]] = []
        # Each person's status as last announced (`events.rsvp_changed`), and the mails to a person
        # that wait for `finish` (a receiver may tell them itself, e.g. in their calendar copy).
        self.announced: dict[tuple[str, int], str] = {
            (MEMBER, r.member_id): r.status for r in self.rsvps.values()}
        self.announced.update({(GUEST, g.id): g.status for g in self.guests.values()})
        self.mails: list[tuple[tuple[str, int], Callable[..., None], tuple]] = []
        self.guest_via = "guest"  # `via` of a guest's change: the member's or an organizer's doing

    def apply(self, moves: Iterable[core.Move]) -> None:
        for move in moves:
            kind, ident = move.key
            if kind == MEMBER:
                row = self.rsvps[ident]
                row.status = _CORE_TO_MEMBER[move.new]
            else:
                row = self.guests[ident]
                row.status = _CORE_TO_GUEST[move.new]
                if move.new == core.OUT and row.cancelled_at is None:
                    row.cancelled_at = utcnow()
            row.queue_seq = move.seq
            row.forced = move.forced
            if move.promoted:
                self.promoted.append(move.key)

    def new_rsvp(self, member: Member, *, via: str, actor: Member | None) -> Rsvp:
        rsvp = Rsvp(meeting_id=self.meeting.id, member_id=member.id, member=member,
                    status=RsvpStatus.DECLINED.value, queue_seq=0, message="", via=via, guests=[],
                    answered_by_id=actor.id if actor is not None and actor.id != member.id else None)
        db.session.add(rsvp)  # written at the next flush, with the status the rules give it
        self.rsvps[member.id] = rsvp
        self.book.holders[(MEMBER, member.id)] = core.Holder((MEMBER, member.id), core.OUT, 0)
        return rsvp

    def new_guest(self, rsvp: Rsvp, data: Mapping[str, str], kind: str) -> MeetingGuest:
        guest = MeetingGuest(meeting_id=self.meeting.id, rsvp=rsvp, kind=kind, name=data["name"],
                             email=data["email"], company=data.get("company", ""),
                             status=GuestStatus.CANCELLED.value, queue_seq=0)
        db.session.add(guest)
        db.session.flush()
        self.guests[guest.id] = guest
        return guest

    def join(self, key, *, force: bool = False) -> core.Move:
        # A seat freed without a promotion (e.g. the group switched from "expected" to "sign up")
        # goes to the first in line before anyone new takes it.
        self.fill()
        move = self.book.join(key, force=force)
        self.apply([move])
        return move

    def leave(self, key) -> list[core.Move]:
        moves = self.book.leave(key)
        self.apply(moves)
        return moves

    def fill(self) -> list[core.Move]:
        moves = self.book.fill()
        self.apply(moves)
        return moves

    def member_of_key(self, key) -> Member | None:
        kind, ident = key
        return self.rsvps[ident].member if kind == MEMBER else None

    def tell(self, key: tuple[str, int], send: Callable[..., None], *args) -> None:
        """A mail to the person `key` about their change, written at `finish` unless a receiver of
        `events.rsvp_changed` told them already."""
        self.mails.append((key, send, args))

    def announce(self) -> set[tuple[str, int]]:
        """Send `events.rsvp_changed` for everyone whose status changed since the last announcement;
        returns the people a receiver told itself (see app.events)."""
        told: set[tuple[str, int]] = set()
        promoted = set(self.promoted)
        changed = [((MEMBER, r.member_id), r.status, r.via) for r in self.rsvps.values()]
        changed += [((GUEST, g.id), g.status, self.guest_via) for g in self.guests.values()]
        for key, new, via in changed:
            old = self.announced.get(key)
            if old == new:
                continue
            self.announced[key] = new
            kind, ident = key
            results = events.rsvp_changed.send(
                self.meeting, member_id=ident if kind == MEMBER else None,
                guest_id=ident if kind == GUEST else None, old=old, new=new,
                via="promotion" if key in promoted else via)
            if any(result is True for _receiver, result in results):
                told.add(key)
        return told

    def finish(self) -> list[str]:
        """Announce the changes, tell the promoted (through the outbox) and write the mails that
        waited; returns the names of the promoted."""
        told = self.announce()
        names = []
        for kind, ident in self.promoted:
            if kind == MEMBER:
                rsvp = self.rsvps[ident]
                names.append(rsvp.member.name)
                if (kind, ident) not in told:
                    notify.member_promoted(self.meeting, rsvp)
            else:
                guest = self.guests[ident]
                names.append(guest.name)
                if (kind, ident) not in told:
                    notify.guest_promoted(self.meeting, guest)
        self.promoted = []
        mails, self.mails = self.mails, []
        for key, send, args in mails:
            if key not in told:
                send(*args)
        return names


def expected_member_ids(meeting: Meeting) -> set[int]:
    """Active members of the group who have not answered this meeting (expected in "expected" mode).
    Someone who joined the group after the meeting started was not expected at it."""
    answered = exists().where(and_(Rsvp.meeting_id == meeting.id, Rsvp.member_id == Membership.member_id))
    query = (select(Membership.member_id).join(Member, Member.id == Membership.member_id)
             .where(Membership.group_id == meeting.group_id, Member.active.is_(True), ~answered,
                    Membership.joined_at <= meeting.starts_at))
    return set(db.session.scalars(query).all())


# --- input ----------------------------------------------------------------------------------------


def _unstorable(text: str) -> bool:
    return any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in text)


def clean_message(raw, errors: FieldErrors, field_name: str = "message") -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        errors.add(field_name, _("Please enter text."))
        return ""
    text = normalize_newlines(raw).strip()
    if _unstorable(text):
        errors.add(field_name, _("The field contains characters that cannot be saved."))
        return ""
    if len(text) > LIMITS["message"]:
        errors.add(field_name, _("Please keep the message under %(num)d characters.", num=LIMITS["message"]))
    return text


def clean_person(raw, errors: FieldErrors, prefix: str) -> dict[str, str]:
    """A guest's or substitute's name, e-mail and company; errors under `<prefix>name` etc."""
    if not isinstance(raw, Mapping):
        errors.add(prefix.rstrip("-_.") or "guests", _("Please give a name and an e-mail address."))
        return {}
    cleaned: dict[str, str] = {}
    for key in ("name", "email", "company"):
        value = raw.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.add(prefix + key, _("Please enter text."))
            continue
        value = " ".join(value.split())
        if _unstorable(value):
            errors.add(prefix + key, _("The field contains characters that cannot be saved."))
            continue
        if len(value) > LIMITS[key]:
            errors.add(prefix + key, _("Please use at most %(num)d characters.", num=LIMITS[key]))
            continue
        cleaned[key] = value
    if "name" in cleaned and not cleaned["name"]:
        errors.add(prefix + "name", _("Please enter the name."))
    if "email" in cleaned:
        if not cleaned["email"]:
            errors.add(prefix + "email", _("Please enter an e-mail address."))
        else:
            try:
                checked = validate_email(cleaned["email"], check_deliverability=False,
                                         test_environment=current_app.testing)
                cleaned["email"] = normalize_email(checked.normalized)
            except EmailNotValidError:
                errors.add(prefix + "email", _("Please enter a valid e-mail address."))
    cleaned.setdefault("company", "")
    return cleaned


def _clean_guests(raw, errors: FieldErrors) -> list[dict[str, str]] | None:
    if raw is None:
        return None
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        errors.add("guests", _("Guests must be a list of name, e-mail and company."))
        return None
    if len(raw) > 50:
        errors.add("guests", _("Too many guests."))
        return None
    people = [clean_person(item, errors, f"guests-{index}-") for index, item in enumerate(raw)]
    seen: set[str] = set()
    for index, person in enumerate(people):
        email = person.get("email")
        if email and email in seen:
            errors.add(f"guests-{index}-email", _("This guest is on the list twice."))
        if email:
            seen.add(email)
    return people


def _check_guest_limit(meeting: Meeting, count: int, errors: FieldErrors) -> None:
    limit = meeting.group.guest_limit
    if count and not meeting.guests_welcome:
        errors.add("guests", _("This meeting is for members only."))
    elif count > limit:
        if limit:
            errors.add("guests", ngettext("You can bring at most %(num)d guest to a meeting of this group.",
                                          "You can bring at most %(num)d guests to a meeting of this group.",
                                          limit))
        else:
            errors.add("guests", _("This group's meetings are for members only."))


def _refuse_second_seats(seats: _Seats, wanted: Sequence[tuple[str, str]], *, own: Rsvp | None) -> None:
    """One person holds one seat: a guest or substitute (`wanted`: (e-mail, field) pairs) may not be
    a member of the group (members answer for themselves) nor already a guest or substitute of
    someone else at this meeting. The caller's own current guests (`own`) are theirs to keep."""
    emails = {email for email, _field in wanted if email}
    if not emails:
        return
    errors = FieldErrors()
    members = dict(db.session.execute(
        select(func.lower(Member.email), Member.name).join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == seats.meeting.group_id, Member.active.is_(True),
               func.lower(Member.email).in_(emails))).tuples().all())
    taken = {g.email: g for g in seats.guests.values()
             if g.status != GuestStatus.CANCELLED.value and (own is None or g.rsvp_id != own.id)}
    for email, field_name in wanted:
        if email in members:
            errors.add(field_name, _("%(name)s is a member of the group and answers for themselves.",
                                     name=members[email]))
        elif email in taken:
            errors.add(field_name, _("%(name)s is already signed up for this meeting by %(host)s.",
                                     name=taken[email].name, host=taken[email].rsvp.member.name))
    errors.raise_if_any()


# --- reading --------------------------------------------------------------------------------------


def answer_of(user, meeting: Meeting, *, seats: _Seats | None = None) -> Answer:
    """The member's own answer (status, place in line, guests)."""
    seats = seats or _Seats(meeting)
    rsvp = seats.rsvps.get(user.id)
    positions = seats.book.positions()
    if rsvp is None:
        expected = user.id in seats.expected_ids
        return Answer(meeting, user, None, RsvpStatus.GOING.value if expected else None, expected=expected)
    guests = [g for g in rsvp.guests if g.status != GuestStatus.CANCELLED.value]
    substitute = next((g for g in guests if g.is_substitute), None)
    return Answer(
        meeting, user, rsvp, rsvp.status,
        waitlist_position=positions.get((MEMBER, user.id)),
        guests=[g for g in guests if not g.is_substitute],
        guest_positions={g.id: positions[(GUEST, g.id)] for g in guests if (GUEST, g.id) in positions},
        substitute=substitute,
    )


def my_answer(user, meeting_id: int) -> Answer:
    meeting = _visible_meeting(user, meeting_id)
    _ensure_member(user, meeting)
    return answer_of(user, meeting)


def answers_for(user, meetings: Sequence[Meeting]) -> dict[int, Answer]:
    """{meeting id: the user's answer} for a list of meetings (Mine møder), in few queries."""
    if not meetings or not getattr(user, "is_authenticated", False):
        return {}
    ids = [m.id for m in meetings]
    rsvps = {r.meeting_id: r for r in db.session.scalars(
        select(Rsvp).where(Rsvp.member_id == user.id, Rsvp.meeting_id.in_(ids))
        .options(selectinload(Rsvp.guests))).all()}
    positions = _line_positions(list(rsvps.values()))
    result = {}
    for meeting in meetings:
        rsvp = rsvps.get(meeting.id)
        if rsvp is None:
            expected = is_expected_mode(meeting) and user.membership_in(meeting.group) is not None
            result[meeting.id] = Answer(meeting, user, None, RsvpStatus.GOING.value if expected else None,
                                        expected=expected)
        else:
            guests = [g for g in rsvp.guests if g.status != GuestStatus.CANCELLED.value]
            line = positions.get(meeting.id, {})
            result[meeting.id] = Answer(meeting, user, rsvp, rsvp.status,
                                        waitlist_position=line.get((MEMBER, user.id)),
                                        guests=[g for g in guests if not g.is_substitute],
                                        guest_positions={g.id: line[(GUEST, g.id)] for g in guests
                                                         if (GUEST, g.id) in line},
                                        substitute=next((g for g in guests if g.is_substitute), None))
    return result


def _line_positions(rsvps: Sequence[Rsvp]) -> dict[int, dict[tuple[str, int], int]]:
    """{meeting id: {holder key: place in line}} for the meetings of these answers, from the waiting
    seat holders alone (the line's order is core.Book's), in two queries for any number of meetings."""
    waiting_in = [r.meeting_id for r in rsvps if r.status == RsvpStatus.WAITLISTED.value
                  or any(g.status == GuestStatus.WAITLISTED.value for g in r.guests)]
    if not waiting_in:
        return {}
    holders: dict[int, list[core.Holder]] = {meeting_id: [] for meeting_id in waiting_in}
    for meeting_id, member_id, seq in db.session.execute(
            select(Rsvp.meeting_id, Rsvp.member_id, Rsvp.queue_seq)
            .where(Rsvp.meeting_id.in_(waiting_in), Rsvp.status == RsvpStatus.WAITLISTED.value)).all():
        holders[meeting_id].append(core.Holder((MEMBER, member_id), core.WAITLISTED, seq))
    for meeting_id, guest_id, seq in db.session.execute(
            select(MeetingGuest.meeting_id, MeetingGuest.id, MeetingGuest.queue_seq)
            .where(MeetingGuest.meeting_id.in_(waiting_in),
                   MeetingGuest.status == GuestStatus.WAITLISTED.value)).all():
        holders[meeting_id].append(core.Holder((GUEST, guest_id), core.WAITLISTED, seq))
    return {meeting_id: core.Book(None, line).positions() for meeting_id, line in holders.items()}


MY_PAST_PER_PAGE = 20


def my_past_meetings(user, page: int = 1, *, per_page: int = MY_PAST_PER_PAGE,
                     now: datetime | None = None) -> Page:
    """One page of the member's past meetings (Mine møder), newest first: the meetings that have
    ended of the groups they are in, from when they joined, and any other meeting they answered.
    `page.extra["answers"]` is {meeting id: Answer} (answers_for), so a page costs a few queries."""
    if not getattr(user, "is_authenticated", False):
        return Page(items=[], page=1, per_page=per_page, total=0, extra={"answers": {}})
    answered = exists().where(Rsvp.meeting_id == Meeting.id, Rsvp.member_id == user.id)
    in_group = exists().where(Membership.group_id == Meeting.group_id, Membership.member_id == user.id,
                              Membership.joined_at <= Meeting.starts_at)
    query = (select(Meeting).where(Meeting.ends_at <= (now or utcnow()), or_(answered, in_group))
             .options(selectinload(Meeting.group))
             .order_by(Meeting.starts_at.desc(), Meeting.id.desc()))
    result = paginate(query, page, per_page)
    result.extra["answers"] = answers_for(user, result.items)
    return result


@dataclass
class Counts:
    going: int = 0  # seats taken: members, guests and substitutes going (and the expected)
    members_going: int = 0
    guests: int = 0  # guests and substitutes going
    expected: int = 0  # not answered, expected ("expected" mode), included in going
    waitlisted: int = 0
    declined: int = 0
    not_answered: int = 0
    capacity: int | None = None
    over_by: int = 0

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.going)


def seat_counts(meetings: Sequence[Meeting]) -> dict[int, Counts]:
    """{meeting id: going and waitlisted counts} for a group's meeting list, in two queries."""
    if not meetings:
        return {}
    ids = [m.id for m in meetings]
    counts = {m.id: Counts(capacity=m.capacity) for m in meetings}
    for meeting_id, status, number in db.session.execute(
            select(Rsvp.meeting_id, Rsvp.status, func.count()).where(Rsvp.meeting_id.in_(ids))
            .group_by(Rsvp.meeting_id, Rsvp.status)).all():
        c = counts[meeting_id]
        if status == RsvpStatus.GOING.value:
            c.members_going += number
        elif status == RsvpStatus.WAITLISTED.value:
            c.waitlisted += number
        else:
            c.declined += number
    for meeting_id, status, number in db.session.execute(
            select(MeetingGuest.meeting_id, MeetingGuest.status, func.count())
            .where(MeetingGuest.meeting_id.in_(ids), MeetingGuest.status != GuestStatus.CANCELLED.value)
            .group_by(MeetingGuest.meeting_id, MeetingGuest.status)).all():
        c = counts[meeting_id]
        if status == GuestStatus.GOING.value:
            c.guests += number
        else:
            c.waitlisted += number
    expected_groups = {m.group_id for m in meetings if is_expected_mode(m)}
    active: dict[int, int] = {}
    if expected_groups:
        active = dict(db.session.execute(
            select(Membership.group_id, func.count()).join(Member, Member.id == Membership.member_id)
            .where(Membership.group_id.in_(expected_groups), Member.active.is_(True))
            .group_by(Membership.group_id)).tuples().all())
    answered_active = {}
    if expected_groups:
        answered_active = dict(db.session.execute(
            select(Rsvp.meeting_id, func.count())
            .join(Meeting, Meeting.id == Rsvp.meeting_id)
            .join(Member, Member.id == Rsvp.member_id)
            .join(Membership, and_(Membership.member_id == Rsvp.member_id,
                                   Membership.group_id == Meeting.group_id))
            .where(Rsvp.meeting_id.in_(ids), Member.active.is_(True))
            .group_by(Rsvp.meeting_id)).tuples().all())
    for meeting in meetings:
        c = counts[meeting.id]
        if meeting.group_id in expected_groups:
            c.expected = max(0, active.get(meeting.group_id, 0) - answered_active.get(meeting.id, 0))
        c.going = c.members_going + c.guests + c.expected
        if c.capacity is not None:
            c.over_by = max(0, c.going - c.capacity)
    return counts


# --- a member's own answer ---------------------------------------------------------------------------


def answer(user, meeting_id: int, reply: str, *, message=None, guests=None, via: str = "web") -> Outcome:
    """The member's own answer: "yes" (a seat or the waitlist) or "no" (afbud, with a message).

    `guests` (a list of {name, email, company}), when given, is the full list of the member's guests
    for this meeting: new ones are added (each confirmed by mail), missing ones cancelled. Members
    may change their mind until the sign-up deadline; after it they may still send afbud, which is
    recorded as late."""
    errors = FieldErrors()
    if reply not in ANSWERS:
        errors.add("answer", _("Please answer yes or no."))
    text = clean_message(message, errors)
    people = _clean_guests(guests, errors)
    errors.raise_if_any()
    meeting, now = _lock_to_answer(user, meeting_id)
    if reply == "yes":
        if people is not None:
            _check_guest_limit(meeting, len(people), errors)
            errors.raise_if_any()
        if deadline_passed(meeting, now):
            raise Conflict(_("The sign-up deadline has passed. Please contact the organizers."))
        seats = _Seats(meeting, members=False)
        if people:
            wanted = [(p.get("email", ""), f"guests-{i}-email") for i, p in enumerate(people)]
            _refuse_second_seats(seats, wanted, own=seats.rsvps.get(user.id))
        rsvp = _say_yes(seats, user, via=via, actor=user, now=now)
        if people is not None:
            _sync_guests(seats, rsvp, people)
    else:
        if people:
            errors.add("guests", _("Guests come with a member who is coming."))
            errors.raise_if_any()
        seats = _Seats(meeting, members=False)
        rsvp = _say_no(seats, user, text, via=via, actor=user, now=now,
                       late=deadline_passed(meeting, now))
    db.session.flush()
    promoted = seats.finish()
    result = Outcome(answer_of(user, meeting, seats=seats), promoted)
    db.session.commit()
    return result


def withdraw(user, meeting_id: int, *, message=None, via: str = "web") -> Outcome:
    """Take back a sign-up: the answer becomes "declined", a seat taken is freed."""
    return answer(user, meeting_id, "no", message=message, via=via)


def _say_yes(seats: _Seats, member: Member, *, via: str, actor: Member, now: datetime,
             force: bool = False) -> Rsvp:
    rsvp = seats.rsvps.get(member.id)
    key = (MEMBER, member.id)
    if rsvp is None:
        rsvp = seats.new_rsvp(member, via=via, actor=actor)
        if member.id in seats.expected_ids:
            seats.expected_ids.discard(member.id)
            seats.apply([seats.book.expected_confirms(key)])
        else:
            seats.join(key, force=force)
    else:
        # Someone who sent a substitute and now comes after all: the substitute steps back.
        for guest in list(rsvp.guests):
            if guest.is_substitute and guest.status != GuestStatus.CANCELLED.value:
                _cancel_guest(seats, guest, notify_guest=True)
        seats.join(key, force=force)
    if rsvp.status != RsvpStatus.DECLINED.value:
        rsvp.message = ""
        rsvp.late = False
    rsvp.via = via
    rsvp.answered_at = now
    rsvp.answered_by_id = actor.id if actor.id != member.id else None
    return rsvp


def _say_no(seats: _Seats, member: Member, text: str, *, via: str, actor: Member, now: datetime,
            late: bool, keep_substitute: bool = True) -> Rsvp:
    # A member who sent a substitute is declined already; a second "no" (from a mail's Afbud link,
    # or to change the message) keeps the substitute in their seat. Saying yes sends them home.
    rsvp = seats.rsvps.get(member.id)
    key = (MEMBER, member.id)
    was = rsvp.status if rsvp is not None else None
    if rsvp is None:
        rsvp = seats.new_rsvp(member, via=via, actor=actor)
        if member.id in seats.expected_ids:
            seats.expected_ids.discard(member.id)
            seats.apply(seats.book.expected_leaves())
    else:
        for guest in list(rsvp.guests):
            if guest.status == GuestStatus.CANCELLED.value:
                continue
            if guest.is_substitute and keep_substitute:
                continue
            _cancel_guest(seats, guest, notify_guest=True, fill=False)
        seats.leave(key)
    changed = was != RsvpStatus.DECLINED.value or rsvp.message != text
    rsvp.status = RsvpStatus.DECLINED.value
    rsvp.message = text
    rsvp.via = via
    rsvp.answered_at = now
    rsvp.answered_by_id = actor.id if actor.id != member.id else None
    if changed:
        rsvp.late = late
        if is_expected_mode(seats.meeting) and actor.id == member.id:
            notify.afbud_to_organizers(seats.meeting, rsvp)
    return rsvp


def _sync_guests(seats: _Seats, rsvp: Rsvp, people: list[dict[str, str]]) -> None:
    current = {g.email: g for g in rsvp.guests
               if g.status != GuestStatus.CANCELLED.value and not g.is_substitute}
    wanted = {p["email"]: p for p in people}
    for email, guest in current.items():
        if email not in wanted:
            _cancel_guest(seats, guest, notify_guest=True)
        else:
            guest.name = wanted[email]["name"]
            guest.company = wanted[email]["company"]
    for email, person in wanted.items():
        if email not in current:
            _add_guest(seats, rsvp, person)


def _add_guest(seats: _Seats, rsvp: Rsvp, person: Mapping[str, str], *, force: bool = False,
               kind: str = GuestKind.GUEST.value) -> MeetingGuest:
    guest = seats.new_guest(rsvp, person, kind)
    seats.join((GUEST, guest.id), force=force)
    seats.tell((GUEST, guest.id), notify.guest_confirmed, seats.meeting, guest)
    return guest


def _cancel_guest(seats: _Seats, guest: MeetingGuest, *, notify_guest: bool, fill: bool = True) -> None:
    key = (GUEST, guest.id)
    seats.apply(seats.book.leave(key, fill=fill))
    if notify_guest:
        seats.tell(key, notify.guest_cancelled, seats.meeting, guest)


def add_guest(user, meeting_id: int, person: Mapping, *, via: str = "web") -> Outcome:
    """Bring one more guest (the member says yes if they had not)."""
    errors = FieldErrors()
    cleaned = clean_person(person, errors, "")
    errors.raise_if_any()
    meeting, now = _lock_to_answer(user, meeting_id)
    if deadline_passed(meeting, now):
        raise Conflict(_("The sign-up deadline has passed. Please contact the organizers."))
    seats = _Seats(meeting)
    rsvp = seats.rsvps.get(user.id)
    present = [g for g in rsvp.guests if g.status != GuestStatus.CANCELLED.value
               and not g.is_substitute] if rsvp else []
    if any(g.email == cleaned["email"] for g in present):
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"email": [_("This guest is on the list already.")]})
    _check_guest_limit(meeting, len(present) + 1, errors)
    errors.raise_if_any()
    _refuse_second_seats(seats, [(cleaned["email"], "email")], own=rsvp)
    if rsvp is None or rsvp.status == RsvpStatus.DECLINED.value:
        rsvp = _say_yes(seats, user, via=via, actor=user, now=now)
    _add_guest(seats, rsvp, cleaned)
    db.session.flush()
    promoted = seats.finish()
    result = Outcome(answer_of(user, meeting, seats=seats), promoted)
    db.session.commit()
    return result


def remove_guest(user, guest_id: int) -> Outcome:
    """The member takes back one of their guests (or an organizer removes any guest); the seat
    goes to the first in line."""
    guest = db.session.get(MeetingGuest, guest_id) if _is_id(guest_id) else None
    if guest is None:
        raise NotFound()
    meeting = _lock_meeting(guest.meeting_id)
    permissions.require_group_visible(user, meeting.group)
    guest = db.session.get(MeetingGuest, guest_id)
    owner = guest.rsvp.member_id == getattr(user, "id", None)
    organizer = permissions.can_manage_group(user, meeting.group)
    if not owner and not organizer:
        raise NotFound()
    _ensure_open(meeting, organizer=organizer, now=utcnow())
    seats = _Seats(meeting)
    guest = seats.guests[guest.id]
    if guest.status != GuestStatus.CANCELLED.value:
        _cancel_guest(seats, guest, notify_guest=True)
    db.session.flush()
    promoted = seats.finish()
    result = Outcome(answer_of(user, meeting, seats=seats) if owner else None, promoted)
    db.session.commit()
    return result


def send_substitute(user, meeting_id: int, person: Mapping, *, message=None, via: str = "web") -> Outcome:
    """Afbud with a stedfortræder: the member is declined and the substitute takes their seat (or
    their place in line; or, when they held neither, signs up like anyone else)."""
    errors = FieldErrors()
    cleaned = clean_person(person, errors, "substitute_")
    text = clean_message(message, errors)
    errors.raise_if_any()
    meeting, now = _lock_to_answer(user, meeting_id)
    if cleaned["email"] == normalize_email(user.email):
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"substitute_email": [_("The substitute is someone else than you.")]})
    seats = _Seats(meeting)
    rsvp = seats.rsvps.get(user.id)
    key = (MEMBER, user.id)
    previous = [g for g in (rsvp.guests if rsvp else [])
                if g.is_substitute and g.status != GuestStatus.CANCELLED.value]
    if deadline_passed(meeting, now) and not (previous or user.id in seats.expected_ids
                                              or seats.book.status_of(key) in (core.GOING, core.WAITLISTED)):
        # A substitute for a member who holds no seat and no place would be a new sign-up.
        raise Conflict(_("The sign-up deadline has passed. Please contact the organizers."))
    _refuse_second_seats(seats, [(cleaned["email"], "substitute_email")], own=rsvp)
    if rsvp is None:
        rsvp = seats.new_rsvp(user, via=via, actor=user)
        if user.id in seats.expected_ids:
            # The expected seat passes to the substitute: one expected seat fewer, one holder more.
            seats.expected_ids.discard(user.id)
            seats.book.expected -= 1
            seats.book.holders[(MEMBER, user.id)] = core.Holder((MEMBER, user.id), core.GOING,
                                                                seats.book.next_seq())
    substitute = seats.new_guest(rsvp, cleaned, GuestKind.SUBSTITUTE.value)
    if seats.book.status_of(key) in (core.GOING, core.WAITLISTED):
        moves = seats.book.take_over(key, (GUEST, substitute.id))
        seats.apply(moves)
    elif previous:
        # A new substitute takes the previous one's seat or place in line.
        seats.apply(seats.book.take_over((GUEST, previous[0].id), (GUEST, substitute.id)))
    else:
        seats.join((GUEST, substitute.id))
    for old in previous:
        if old.status != GuestStatus.CANCELLED.value:
            _cancel_guest(seats, old, notify_guest=False, fill=False)
        if old.email != substitute.email:
            seats.tell((GUEST, old.id), notify.guest_cancelled, meeting, old)
    # The member's own guests stay only if the member comes; with a substitute they go.
    for guest in list(rsvp.guests):
        if not guest.is_substitute and guest.status != GuestStatus.CANCELLED.value:
            _cancel_guest(seats, guest, notify_guest=True, fill=False)
    seats.fill()
    late = deadline_passed(meeting, now)
    rsvp.status = RsvpStatus.DECLINED.value
    rsvp.message = text
    rsvp.via = via
    rsvp.answered_at = now
    rsvp.answered_by_id = None
    rsvp.late = late
    seats.tell((GUEST, substitute.id), notify.guest_confirmed, meeting, substitute)
    if is_expected_mode(meeting):
        notify.afbud_to_organizers(meeting, rsvp, substitute=substitute)
    db.session.flush()
    promoted = seats.finish()
    result = Outcome(answer_of(user, meeting, seats=seats), promoted)
    db.session.commit()
    return result


# --- a guest's own link ----------------------------------------------------------------------------


def cancel_guest_seat(guest_id: int, *, via: str = "link") -> MeetingGuest:
    """A guest (or substitute) cancels through their own link (or, `via` "calendar", by declining
    their calendar invitation). Refused once the meeting started."""
    guest = db.session.get(MeetingGuest, guest_id) if _is_id(guest_id) else None
    if guest is None:
        raise NotFound()
    meeting = _lock_meeting(guest.meeting_id)
    _ensure_open(meeting, organizer=False, now=utcnow())
    seats = _Seats(meeting)
    seats.guest_via = via
    guest = seats.guests[guest_id]
    if guest.status != GuestStatus.CANCELLED.value:
        _cancel_guest(seats, guest, notify_guest=False)
        notify.guest_cancelled_by_guest(meeting, guest)
    db.session.flush()
    seats.finish()
    db.session.commit()
    return guest


# --- organizers --------------------------------------------------------------------------------------


def set_member_status(user, meeting_id: int, member_id: int, status: str, *, force: bool = False,
                      message=None) -> Outcome:
    """An organizer sets a member's answer: "going" (with `force` above the capacity), "waitlisted"
    (moved to the front of the line) or "declined". Works after the deadline and after the start
    (a correction), not for a cancelled meeting."""
    errors = FieldErrors()
    if status not in ("going", "waitlisted", "declined"):
        errors.add("status", _("Please choose going, waitlisted or declined."))
    text = clean_message(message, errors)
    errors.raise_if_any()
    meeting, now = lock_to_manage(user, meeting_id)
    member = _group_member(meeting, member_id)
    seats = _Seats(meeting)
    key = (MEMBER, member.id)
    if status == "going":
        current = seats.book.status_of(key)
        if current == core.WAITLISTED:
            _organizer_promote(seats, key, force)
        elif current != core.GOING:
            if not force and seats.book.free == 0 and member.id not in seats.expected_ids:
                raise Conflict(_("The meeting is full. Tick \"above capacity\" to give %(name)s a "
                                 "seat anyway.", name=member.name))
            rsvp = _say_yes(seats, member, via="organizer", actor=user, now=now, force=force)
            rsvp.via = "organizer"
    elif status == "waitlisted":
        if seats.book.status_of(key) == core.WAITLISTED:
            pass
        else:
            _ensure_no_free_seat(seats, member.name, holds_seat=seats.book.status_of(key) == core.GOING
                                 or member.id in seats.expected_ids)
            if seats.book.status_of(key) != core.GOING:
                rsvp = _say_yes(seats, member, via="organizer", actor=user, now=now)
            if seats.book.status_of(key) == core.GOING:
                seats.apply(seats.book.to_waitlist(key))
            if member.id in seats.rsvps:
                seats.rsvps[member.id].via = "organizer"
    else:
        rsvp = _say_no(seats, member, text, via="organizer", actor=user, now=now, late=False)
    db.session.flush()
    promoted = seats.finish()
    result = Outcome(answer_of(member, meeting, seats=seats), promoted)
    db.session.commit()
    return result


def _ensure_no_free_seat(seats: _Seats, name: str, *, holds_seat: bool) -> None:
    """Nobody waits while a seat is free: moving someone to the waitlist only makes sense when the
    meeting is over its capacity (after a forced seat or a lowered capacity), else the first in
    line, who would be them, gets the seat at once."""
    free = seats.book.over_by == 0 if holds_seat else seats.book.free != 0
    if free:
        raise Conflict(_("There is a free seat, so %(name)s would have it at once. Lower the capacity "
                         "first if fewer are to come.", name=name))


def _organizer_promote(seats: _Seats, key, force: bool) -> None:
    try:
        seats.apply([seats.book.promote(key, force=force)])
    except core.SeatError:
        raise Conflict(_("The meeting is full. Tick \"above capacity\" to give a seat anyway.")) from None


def promote(user, meeting_id: int, holder: tuple[str, int], *, force: bool = False) -> Outcome:
    """An organizer gives a waiting member or guest a seat, out of line."""
    return _organizer_move(user, meeting_id, holder, "promote", force=force)


def move_to_waitlist(user, meeting_id: int, holder: tuple[str, int]) -> Outcome:
    """An organizer moves someone going to the front of the waitlist."""
    return _organizer_move(user, meeting_id, holder, "waitlist")


def move_in_line(user, meeting_id: int, holder: tuple[str, int], place: int) -> Outcome:
    """An organizer moves a waiting member or guest to `place` in the line (1 = first)."""
    return _organizer_move(user, meeting_id, holder, "line", place=place)


def _organizer_move(user, meeting_id: int, holder, action: str, *, force: bool = False,
                    place: int = 1) -> Outcome:
    kind, ident = _holder_key(holder)
    meeting, _now = lock_to_manage(user, meeting_id)
    seats = _Seats(meeting)
    key = (kind, ident)
    status = seats.book.status_of(key)
    if status is None:
        raise NotFound()
    if action == "promote":
        if status != core.WAITLISTED:
            raise Conflict(_("Only someone on the waitlist can be moved up."))
        _organizer_promote(seats, key, force)
    elif action == "waitlist":
        if status != core.GOING:
            raise Conflict(_("Only someone who is going can be moved to the waitlist."))
        name = seats.rsvps[ident].member.name if kind == MEMBER else seats.guests[ident].name
        _ensure_no_free_seat(seats, name, holds_seat=True)
        seats.apply(seats.book.to_waitlist(key))
    else:
        if status != core.WAITLISTED:
            raise Conflict(_("Only someone on the waitlist has a place in line."))
        seats.apply(seats.book.move_in_line(key, place))
    if kind == MEMBER:
        seats.rsvps[ident].via = "organizer"
        seats.rsvps[ident].answered_by_id = user.id
    db.session.flush()
    promoted = seats.finish()
    db.session.commit()
    return Outcome(None, promoted)


def _holder_key(holder) -> tuple[str, int]:
    if (isinstance(holder, tuple | list) and len(holder) == 2 and holder[0] in (MEMBER, GUEST)
            and isinstance(holder[1], int) and not isinstance(holder[1], bool)):
        return holder[0], holder[1]
    raise NotFound()


def add_guest_for(user, meeting_id: int, member_id: int, person: Mapping, *, force: bool = False) -> Outcome:
    """An organizer adds a guest for a member (over the group's guest limit if need be)."""
    errors = FieldErrors()
    cleaned = clean_person(person, errors, "")
    errors.raise_if_any()
    meeting, now = lock_to_manage(user, meeting_id)
    member = _group_member(meeting, member_id)
    seats = _Seats(meeting)
    rsvp = seats.rsvps.get(member.id)
    if rsvp is not None and any(g.email == cleaned["email"] and not g.is_substitute
                                and g.status != GuestStatus.CANCELLED.value for g in rsvp.guests):
        # A second seat for the same guest (a double click, two organizers at once) is refused.
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"email": [_("This guest is on the list already.")]})
    _refuse_second_seats(seats, [(cleaned["email"], "email")], own=rsvp)
    if rsvp is None or rsvp.status == RsvpStatus.DECLINED.value:
        rsvp = _say_yes(seats, member, via="organizer", actor=user, now=now, force=force)
    _add_guest(seats, rsvp, cleaned, force=force)
    db.session.flush()
    promoted = seats.finish()
    db.session.commit()
    return Outcome(answer_of(member, meeting, seats=seats), promoted)


# --- receivers (connected in init_app) ----------------------------------------------------------------


def on_seat_freed(meeting: Meeting, **_extra) -> None:
    """A seat became free (sent by the meetings package when the capacity grows): move the line up."""
    seats = _Seats(meeting)
    seats.fill()
    db.session.flush()
    seats.finish()


def on_meeting_changed(meeting: Meeting, fields=None, **_extra) -> None:
    if fields and "capacity" in fields:
        old, new = fields["capacity"]
        if new is None or (old is not None and new > old):
            events.seat_freed.send(meeting)


def on_meeting_cancelled(meeting: Meeting, reason: str = "", **_extra) -> None:
    """Tell everyone going or waiting (members, guests, substitutes) that the meeting is off.
    People who hold an active calendar invitation for it are left out: their calendar CANCEL
    (app.calendars.invites, sent to active copies only) is their cancellation mail, with the same
    reason."""
    seats = _Seats(meeting)
    copies = db.session.execute(select(MeetingInvite.member_id, MeetingInvite.guest_id)
                                .where(MeetingInvite.meeting_id == meeting.id,
                                       MeetingInvite.state == InviteState.ACTIVE.value)).all()
    members_with_copy = {member_id for member_id, _guest in copies if member_id is not None}
    guests_with_copy = {guest_id for _member, guest_id in copies if guest_id is not None}
    for rsvp in seats.rsvps.values():
        if (rsvp.status in (RsvpStatus.GOING.value, RsvpStatus.WAITLISTED.value)
                and rsvp.member_id not in members_with_copy):
            notify.meeting_cancelled(meeting, rsvp.member, reason)
    for member_id in sorted(seats.expected_ids - members_with_copy):
        member = db.session.get(Member, member_id)
        if member is not None:
            notify.meeting_cancelled(meeting, member, reason)
    for guest in seats.guests.values():
        if guest.status != GuestStatus.CANCELLED.value and guest.id not in guests_with_copy:
            notify.guest_meeting_cancelled(meeting, guest, reason)


def on_member_left(member: Member, group_ids=(), **_extra) -> None:
    """A member removed from groups or deactivated gives up their seats and places in line at those
    groups' coming meetings (their guests and substitute too), and the waitlists move up."""
    if not group_ids:
        return
    now = utcnow()
    # The member's own answers, and (in "expected" groups, where their expected seat goes away
    # with them) every coming meeting with someone waiting.
    answered = exists().where(and_(Rsvp.meeting_id == Meeting.id, Rsvp.member_id == member.id))
    waiting = (exists().where(and_(Rsvp.meeting_id == Meeting.id,
                                   Rsvp.status == RsvpStatus.WAITLISTED.value))
               | exists().where(and_(MeetingGuest.meeting_id == Meeting.id,
                                     MeetingGuest.status == GuestStatus.WAITLISTED.value)))
    meeting_ids = list(db.session.scalars(
        select(Meeting.id).where(Meeting.group_id.in_(list(group_ids)), Meeting.starts_at > now,
                                 Meeting.status != "cancelled", answered | waiting)).all())
    if not meeting_ids:
        return
    begin_write()
    meetings = db.session.scalars(lock_for_update(
        select(Meeting).where(Meeting.id.in_(meeting_ids)).order_by(Meeting.id), of=Meeting)).all()
    for meeting in meetings:
        seats = _Seats(meeting)
        rsvp = seats.rsvps.get(member.id)
        if rsvp is not None:
            for guest in list(rsvp.guests):
                if guest.status != GuestStatus.CANCELLED.value:
                    _cancel_guest(seats, guest, notify_guest=True, fill=False)
            if seats.book.status_of((MEMBER, member.id)) != core.OUT:
                seats.apply(seats.book.leave((MEMBER, member.id), fill=False))
                rsvp.via = "system"
                rsvp.answered_at = now
        seats.fill()
        db.session.flush()
        seats.finish()


def on_group_changed(group, fields=None, **_extra) -> None:
    """A group switched how members answer: from "expected" to "sign up to come" the expected seats
    are free, so each coming meeting's waitlist moves up into them (from "sign up" to "expected"
    the members not yet answered take seats, and organizers see who is over on the attendee page)."""
    if not fields or "rsvp_mode" not in fields:
        return
    begin_write()
    meetings = db.session.scalars(lock_for_update(
        select(Meeting).where(Meeting.group_id == group.id, Meeting.starts_at > utcnow(),
                              Meeting.status != "cancelled").order_by(Meeting.id), of=Meeting)).all()
    for meeting in meetings:
        seats = _Seats(meeting)
        seats.fill()
        db.session.flush()
        seats.finish()


def connect_receivers() -> None:
    events.group_changed.connect(on_group_changed)
    events.member_left.connect(on_member_left)
    events.seat_freed.connect(on_seat_freed)
    events.meeting_changed.connect(on_meeting_changed)
    events.meeting_cancelled.connect(on_meeting_cancelled)


# --- one-click links -----------------------------------------------------------------------------------


class LinkInvalid(DomainError):
    """A one-click link that cannot be used; `reason` picks the page's words."""

    status = 410

    def __init__(self, reason: str, meeting: Meeting | None = None, status: int = 410):
        super().__init__(reason)
        self.reason = reason
        self.meeting = meeting
        self.status = status


@dataclass
class LinkView:
    meeting: Meeting
    member: Member
    answer: Answer
    deadline_passed: bool


def _link_target(token: str) -> tuple[Meeting, Member]:
    """The meeting and member of a link, or LinkInvalid: not ours (404), the meeting started or is
    cancelled (410), the member is no longer in the group (403)."""
    try:
        meeting_id, member_id = links.read_answer_token(token)
    except NotFound:
        raise LinkInvalid("invalid", status=404) from None
    meeting = db.session.get(Meeting, meeting_id)
    member = db.session.get(Member, member_id)
    if meeting is None or member is None:
        raise LinkInvalid("invalid", status=404)
    if not member.active or member.membership_in(meeting.group) is None:
        raise LinkInvalid("not_member", meeting, status=403)
    if meeting.is_cancelled:
        raise LinkInvalid("cancelled", meeting)
    if has_started(meeting):
        raise LinkInvalid("expired", meeting)
    return meeting, member


def link_view(token: str) -> LinkView:
    meeting, member = _link_target(token)
    return LinkView(meeting, member, answer_of(member, meeting), deadline_passed(meeting))


def answer_by_link(token: str, reply: str, *, message=None) -> Outcome:
    """The POST of a one-click page: the member's answer, with the same rules as the web."""
    meeting, member = _link_target(token)
    return answer(member, meeting.id, reply, message=message, via="link")


def guest_for_link(guest_id: int) -> MeetingGuest:
    guest = db.session.get(MeetingGuest, guest_id) if _is_id(guest_id) else None
    if guest is None:
        raise NotFound()
    return guest


# --- the attendee list ---------------------------------------------------------------------------------


@dataclass
class Person(_FromRsvp):
    """One line of the attendee list: a member or a guest/substitute, with their status."""

    key: tuple[str, int]
    name: str
    company: str
    email: str
    status: str | None  # going, waitlisted, declined, cancelled, or None (not answered)
    member: Member | None = None
    rsvp: Rsvp | None = None
    guest: MeetingGuest | None = None
    brought_by: Member | None = None
    waitlist_position: int | None = None
    expected: bool = False
    forced: bool = False

    @property
    def is_guest(self) -> bool:
        return self.guest is not None

    @property
    def answered_at(self) -> datetime | None:
        if self.rsvp is not None:
            return self.rsvp.answered_at
        return self.guest.created_at if self.guest is not None else None


@dataclass
class AttendeeList:
    meeting: Meeting
    mode: str
    counts: Counts
    going: list[Person]
    waitlisted: list[Person]
    declined: list[Person]
    not_answered: list[Person]
    cancelled_guests: list[Person]

    @property
    def everyone(self) -> list[Person]:
        return self.going + self.waitlisted + self.declined + self.not_answered


def attendee_list(user, meeting_id: int) -> AttendeeList:
    """Everyone and their answer, for the group's organizers and admins."""
    meeting = _visible_meeting(user, meeting_id)
    _ensure_manage(user, meeting)
    seats = _Seats(meeting)
    positions = seats.book.positions()
    members = {m.id: m for m in db.session.scalars(
        select(Member).join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == meeting.group_id)).all()}
    going, waiting, declined, not_answered, cancelled = [], [], [], [], []
    for rsvp in seats.rsvps.values():
        person = Person((MEMBER, rsvp.member_id), rsvp.member.name, rsvp.member.company, rsvp.member.email,
                        rsvp.status, member=rsvp.member, rsvp=rsvp, forced=rsvp.forced,
                        waitlist_position=positions.get((MEMBER, rsvp.member_id)))
        {"going": going, "waitlisted": waiting, "declined": declined}[rsvp.status].append(person)
    for guest in seats.guests.values():
        person = Person((GUEST, guest.id), guest.name, guest.company, guest.email, guest.status,
                        guest=guest, brought_by=guest.rsvp.member, forced=guest.forced,
                        waitlist_position=positions.get((GUEST, guest.id)))
        {"going": going, "waitlisted": waiting, "cancelled": cancelled}[guest.status].append(person)
    for member in members.values():
        if member.id in seats.rsvps or not member.active:
            continue
        expected = member.id in seats.expected_ids
        person = Person((MEMBER, member.id), member.name, member.company, member.email,
                        "going" if expected else None, member=member, expected=expected)
        (going if expected else not_answered).append(person)
    by_name = lambda p: (p.name.casefold(), p.key)  # noqa: E731
    waiting.sort(key=lambda p: p.waitlist_position or 0)
    counts = Counts(
        going=seats.book.going,
        members_going=sum(1 for r in seats.rsvps.values() if r.status == RsvpStatus.GOING.value),
        guests=sum(1 for g in seats.guests.values() if g.status == GuestStatus.GOING.value),
        expected=len(seats.expected_ids), waitlisted=len(waiting), declined=len(declined),
        not_answered=len(not_answered), capacity=meeting.capacity, over_by=seats.book.over_by,
    )  # from the rows already loaded, the same numbers seat_counts gives a list of meetings
    return AttendeeList(meeting, mode_of(meeting), counts, sorted(going, key=by_name), waiting,
                        sorted(declined, key=by_name), sorted(not_answered, key=by_name),
                        sorted(cancelled, key=by_name))


@dataclass
class GoingList:
    """Who comes, as every member of the group may see it: the names of the members going (the
    expected included) who share their attendance, how many others come without being named, and
    how many guests come, without their names."""

    meeting: Meeting
    mode: str
    names: list[str]
    guests_going: int
    capacity: int | None
    others_going: int = 0  # members going who chose not to be named (Member.share_attendance)


def going_names(user, meeting_id: int) -> GoingList:
    """"Hvem kommer" for the group's members (and its organizers and admins). A member's name is a
    profile field every member of the group may see (app.visibility), but a member may choose not
    to be named in these lists (`share_attendance`, their profile): they are counted instead,
    except for the organizers and for themself. Contact details, afbud messages and guests' names
    are for the organizers (`attendee_list`)."""
    meeting = _visible_meeting(user, meeting_id)
    organizer = permissions.can_manage_group(user, meeting.group)
    if not organizer:
        _ensure_member(user, meeting)
    going_ids = list(db.session.scalars(
        select(Rsvp.member_id).where(Rsvp.meeting_id == meeting.id, Rsvp.status == RsvpStatus.GOING.value)))
    if is_expected_mode(meeting):
        going_ids += expected_member_ids(meeting)
    rows = db.session.execute(
        select(Member.id, Member.name, Member.share_attendance).where(Member.id.in_(going_ids))).all() \
        if going_ids else []
    names = [name for member_id, name, shared in rows if shared or organizer or member_id == user.id]
    guests = db.session.scalar(
        select(func.count(MeetingGuest.id))
        .where(MeetingGuest.meeting_id == meeting.id, MeetingGuest.status == GuestStatus.GOING.value))
    return GoingList(meeting, mode_of(meeting), sorted(names, key=str.casefold), guests or 0,
                     meeting.capacity, others_going=len(rows) - len(names))
