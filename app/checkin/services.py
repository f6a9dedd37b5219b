"""Check-in use cases: the door (check in, undo, walk-ins), self check-in with the meeting's QR code,
closing a meeting (no-shows, then `events.meeting_closed`), attendance corrections afterwards, and
the automatic close on `events.periodic_work`.

Every use case that writes takes the meeting's row lock first (`app.db_locks`), so two taps on the
same person (two door tablets, a double tap, a member's phone at the same moment) queue: the first
creates the check-in, the second finds it and answers "already checked in". The unique constraints
on `check_ins` (one row per member, one per guest) stand behind the lock; an IntegrityError that
still happens is turned into the same answer.

Reading the attendance rates is in `app.checkin.rates`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from app import events
from app.auth import permissions
from app.checkin import attendees as people
from app.checkin import links, window
from app.db_locks import begin_write, lock_for_update, locked
from app.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.input_guard import int_in_range
from app.meetings.access import get_meeting, lock_meeting_to_manage, require_manage
from app.models import (
    CheckIn,
    CheckInVia,
    GuestStatus,
    Meeting,
    MeetingGuest,
    MeetingStatus,
    Member,
    Membership,
    Rsvp,
    RsvpMode,
    RsvpStatus,
    normalize_email,
    utcnow,
)
from app.validation import FieldErrors

LIMITS = {"name": 200, "email": 254, "company": 200}
SEARCH_MAX = 100
AUTO_CLOSE_BATCH = 200


# --- what callers get back -------------------------------------------------------------------------


@dataclass
class Counts:
    expected: int  # going (members, expected members, guests)
    expected_here: int  # of them, checked in
    walk_ins: int  # checked in without being expected
    no_shows: int

    @property
    def here(self) -> int:
        return self.expected_here + self.walk_ins


@dataclass
class DoorView:
    meeting: Meeting
    people: list[people.Attendee]  # after the search filter
    counts: Counts
    query: str
    is_open: bool
    opens_at: datetime
    walk_in_members: list[Member] = field(default_factory=list)  # group members not on the list
    hosts: list[Member] = field(default_factory=list)  # who may have brought a visitor

    @property
    def closed(self) -> bool:
        return self.meeting.is_closed


@dataclass
class Result:
    created: bool  # False: the person was checked in already (or, for undo, was not)
    attendee: people.Attendee | None
    counts: Counts
    checkin_id: int | None = None


def counts_of(everyone: list[people.Attendee]) -> Counts:
    going = [a for a in everyone if a.going]
    return Counts(expected=len(going), expected_here=sum(1 for a in going if a.checked_in),
                  walk_ins=sum(1 for a in everyone if a.checked_in and not a.going),
                  no_shows=sum(1 for a in going if a.no_show))


# --- rules -----------------------------------------------------------------------------------------


def door_window(meeting: Meeting) -> window.Window:
    return window.door_window(meeting.starts_at, meeting.doors_open_at, meeting.group.timezone,
                              minutes_before=current_app.config["SELF_CHECKIN_MINUTES_BEFORE"])


def self_window(meeting: Meeting) -> window.Window:
    config = current_app.config
    return window.self_window(meeting.starts_at, meeting.ends_at, meeting.doors_open_at,
                              minutes_before=config["SELF_CHECKIN_MINUTES_BEFORE"],
                              minutes_after=config["SELF_CHECKIN_MINUTES_AFTER"])


def _ensure_door_open(meeting: Meeting, now: datetime) -> None:
    if meeting.is_cancelled:
        raise Conflict(_("This meeting is cancelled; nobody can check in."))
    if meeting.is_closed:
        raise Conflict(_("This meeting is closed. Correct the attendance on its attendance page instead."))
    if not door_window(meeting).is_open(now):
        raise Conflict(_("Check-in opens on the day of the meeting."))


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value and int_in_range(value)


def meeting_to_manage(user, meeting_id) -> Meeting:
    """The meeting for reading, if the user runs its group (404 hidden, 403 not an organizer)."""
    if not _is_id(meeting_id):
        raise NotFound()
    meeting = get_meeting(user, meeting_id)
    require_manage(user, meeting.group)
    return meeting


def _lock_to_manage(user, meeting_id) -> Meeting:
    if not _is_id(meeting_id):
        raise NotFound()
    return lock_meeting_to_manage(user, meeting_id)


def _find(meeting: Meeting, key: str) -> people.Attendee | None:
    return next((a for a in people.attendees(meeting) if a.key == key), None)


def _result(meeting: Meeting, key: str, created: bool) -> Result:
    everyone = people.attendees(meeting)
    attendee = next((a for a in everyone if a.key == key), None)
    return Result(created, attendee, counts_of(everyone), attendee.checkin_id if attendee else None)


# --- reading ---------------------------------------------------------------------------------------


def search_text(raw) -> str:
    if not isinstance(raw, str):
        return ""
    text = " ".join(raw.split())[:SEARCH_MAX]
    return "".join(ch for ch in text if ch != "\x00" and not "\ud800" <= ch <= "\udfff")


_FOLD_LETTERS = str.maketrans({"æ": "a", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"})
_FOLD_PAIRS = (("aa", "a"), ("ae", "a"), ("oe", "o"))


def fold(text: str) -> str:
    """Text for searching at the door: lower case, without accents, and the Danish letters folded
    the way people type them on a phone without a Danish keyboard, so "soren", "soeren" and "Søren"
    all find Søren, and "århus" finds Aarhus. static/js/checkin.js folds the same way."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_LETTERS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_FOLD_LETTERS)
    for pair, letter in _FOLD_PAIRS:
        text = text.replace(pair, letter)
    return text


def matches(attendee: people.Attendee, words: list[str]) -> bool:
    haystack = fold(f"{attendee.name} {attendee.company}")
    return all(fold(word) in haystack for word in words)


def door_view(user, meeting_id: int, *, query: str = "", now: datetime | None = None,
              members: bool = True) -> DoorView:
    """The door page: the expected people (filtered by `query`), the counts, and (`members`) the
    group's members for the walk-in choices."""
    meeting = meeting_to_manage(user, meeting_id)
    now = now or utcnow()
    everyone = people.attendees(meeting)
    query = search_text(query)
    words = query.casefold().split()
    shown = [a for a in everyone if matches(a, words)] if words else everyone
    on_list = {a.member_id for a in everyone if a.member_id}
    members = db.session.scalars(
        select(Member).join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == meeting.group_id, Member.active.is_(True))
        .order_by(Member.name, Member.id)).all() if members else []
    door = door_window(meeting)
    return DoorView(meeting, shown, counts_of(everyone), query, door.is_open(now) and not meeting.is_cancelled
                    and not meeting.is_closed, door.opens_at,
                    walk_in_members=[m for m in members if m.id not in on_list], hosts=list(members))


def attendance_view(user, meeting_id: int) -> tuple[Meeting, list[people.Attendee], Counts]:
    """The organizers' attendance page after (or during) the meeting."""
    meeting = meeting_to_manage(user, meeting_id)
    everyone = people.attendees(meeting)
    return meeting, everyone, counts_of(everyone)


# --- checking in -----------------------------------------------------------------------------------


def _insert(checkin: CheckIn) -> bool:
    """Write the check-in; False when the person is checked in already (a race past the lock)."""
    savepoint = db.session.begin_nested()
    db.session.add(checkin)
    try:
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _clear_no_show(meeting: Meeting, attendee: people.Attendee) -> None:
    if attendee.member_id:
        db.session.execute(update(Rsvp).where(Rsvp.meeting_id == meeting.id,
                                              Rsvp.member_id == attendee.member_id).values(no_show=False))
    elif attendee.guest_id:
        db.session.execute(update(MeetingGuest).where(MeetingGuest.id == attendee.guest_id)
                           .values(no_show=False))


def _person_for_key(meeting: Meeting, key) -> people.Attendee:
    """The attendee `key` names, or a member of the group / a guest of this meeting who may walk in."""
    parsed = people.parse_key(key) if isinstance(key, str) else None
    if parsed is None or not int_in_range(parsed[1]):
        raise NotFound(_("That person is not on the list."))
    found = _find(meeting, key)
    if found is not None:
        return found
    kind, ident = parsed
    if kind == "m":
        member = db.session.get(Member, ident)
        if member is None or not member.active or member.membership_in(meeting.group) is None:
            raise NotFound(_("That person is not a member of the group."))
        return people.Attendee(key, people.MEMBER, member.name, member.company, member.industry, member.id,
                               None, None, None, False, False)
    if kind == "g":
        guest = db.session.get(MeetingGuest, ident)
        if guest is None or guest.meeting_id != meeting.id:
            raise NotFound(_("That person is not on the list."))
        return people.Attendee(key, people.GUEST, guest.name, guest.company, "", None, guest.id, None,
                               guest.rsvp.member_id, False, False)
    raise NotFound(_("That person is not on the list."))


def _check_in_locked(user, meeting: Meeting, attendee: people.Attendee, via: str) -> bool:
    if attendee.checked_in:
        return False
    if attendee.kind == people.VISITOR:
        raise NotFound(_("That person is not on the list."))
    created = _insert(CheckIn(meeting_id=meeting.id, member_id=attendee.member_id, guest_id=attendee.guest_id,
                              walk_in=not attendee.going, via=via,
                              checked_in_by_id=getattr(user, "id", None)))
    if created:
        _clear_no_show(meeting, attendee)
    return created


def check_in(user, meeting_id: int, key: str, *, via: str = CheckInVia.DOOR.value,
             now: datetime | None = None) -> Result:
    """Check in the person `key` ("m12" a member, also one who did not sign up; "g7" a signed-up
    guest). Checking in someone who is already here changes nothing (`created` False)."""
    meeting = _lock_to_manage(user, meeting_id)
    _ensure_door_open(meeting, now or utcnow())
    attendee = _person_for_key(meeting, key)
    created = _check_in_locked(user, meeting, attendee, via)
    result = _result(meeting, attendee.key, created)
    db.session.commit()
    return result


def undo(user, meeting_id: int, *, key: str | None = None, checkin_id: int | None = None,
         now: datetime | None = None) -> Result:
    """Take a check-in back (a tap on the wrong name). A walk-in visitor disappears with it. Undoing
    someone who is not checked in changes nothing (`created` False). After the meeting is closed
    the attendance page corrects instead."""
    meeting = _lock_to_manage(user, meeting_id)
    _ensure_door_open(meeting, now or utcnow())
    if checkin_id is not None:
        row = db.session.get(CheckIn, checkin_id) if _is_id(checkin_id) else None
        if row is None or row.meeting_id != meeting.id:
            raise NotFound(_("That check-in does not exist (it may have been undone already)."))
    else:
        parsed = people.parse_key(key) if isinstance(key, str) else None
        if parsed is None or not int_in_range(parsed[1]):
            raise NotFound(_("That person is not on the list."))
        kind, ident = parsed
        column = {"m": CheckIn.member_id, "g": CheckIn.guest_id, "v": CheckIn.id}[kind]
        row = db.session.scalar(select(CheckIn).where(CheckIn.meeting_id == meeting.id, column == ident))
    if row is None:
        result = _result(meeting, key, False)
        db.session.rollback()
        return result
    row_key = (people.member_key(row.member_id) if row.member_id else
               f"g{row.guest_id}" if row.guest_id else f"v{row.id}")
    db.session.delete(row)
    db.session.flush()
    result = _result(meeting, row_key, True)
    result.checkin_id = None
    db.session.commit()
    return result


def clean_visitor(raw, errors: FieldErrors) -> dict:
    """A walk-in guest's name (required), e-mail (optional), company and who brought them."""
    if not isinstance(raw, Mapping):
        errors.add("name", _("Please enter the name."))
        return {}
    cleaned: dict = {}
    for key in ("name", "email", "company"):
        value = raw.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.add(key, _("Please enter text."))
            continue
        value = " ".join(value.split())
        if any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in value):
            errors.add(key, _("The field contains characters that cannot be saved."))
            continue
        if len(value) > LIMITS[key]:
            errors.add(key, _("Please use at most %(num)d characters.", num=LIMITS[key]))
            continue
        cleaned[key] = value
    if "name" in cleaned and not cleaned["name"]:
        errors.add("name", _("Please enter the name."))
    if cleaned.get("email"):
        try:
            checked = validate_email(cleaned["email"], check_deliverability=False,
                                     test_environment=current_app.testing)
            cleaned["email"] = normalize_email(checked.normalized)
        except EmailNotValidError:
            errors.add("email", _("Please enter a valid e-mail address."))
    brought_by = raw.get("brought_by_id")
    if brought_by in (None, ""):
        cleaned["brought_by_id"] = None
    elif isinstance(brought_by, str) and brought_by.isdigit() and len(brought_by) < 12:
        cleaned["brought_by_id"] = int(brought_by)
    elif _is_id(brought_by):
        cleaned["brought_by_id"] = brought_by
    else:
        errors.add("brought_by_id", _("Choose a member of the group."))
    return cleaned


def add_visitor(user, meeting_id: int, raw: Mapping, *, via: str = CheckInVia.DOOR.value,
                now: datetime | None = None) -> Result:
    """Check in a walk-in guest nobody signed up. A guest signed up for this meeting with the same
    e-mail address is checked in as that guest; the same visitor twice (a double tap, a reload)
    is checked in once; a member of the group is refused (check them in as a member)."""
    errors = FieldErrors()
    data = clean_visitor(raw, errors)
    meeting = _lock_to_manage(user, meeting_id)
    _ensure_door_open(meeting, now or utcnow())
    errors.raise_if_any()
    if data["brought_by_id"] is not None:
        host = db.session.get(Member, data["brought_by_id"])
        if host is None or host.membership_in(meeting.group) is None:
            errors.add("brought_by_id", _("Choose a member of the group."))
    email = data.get("email", "")
    if email:
        member = db.session.scalar(
            select(Member).join(Membership, Membership.member_id == Member.id)
            .where(Membership.group_id == meeting.group_id, Member.email == email))
        if member is not None:
            errors.add("email", _("%(name)s is a member of the group: check them in from the list.",
                                  name=member.name))
    errors.raise_if_any()
    if email:
        guest = db.session.scalar(select(MeetingGuest).where(
            MeetingGuest.meeting_id == meeting.id, MeetingGuest.email == email).order_by(MeetingGuest.id))
        if guest is not None:
            attendee = _person_for_key(meeting, f"g{guest.id}")
            created = _check_in_locked(user, meeting, attendee, via)
            result = _result(meeting, attendee.key, created)
            db.session.commit()
            return result
    same = select(CheckIn).where(CheckIn.meeting_id == meeting.id, CheckIn.member_id.is_(None),
                                 CheckIn.guest_id.is_(None), CheckIn.email == email)
    for row in db.session.scalars(same):
        if row.name.casefold() == data["name"].casefold() and (email or row.company == data["company"]):
            result = _result(meeting, f"v{row.id}", False)
            db.session.rollback()
            return result
    row = CheckIn(meeting_id=meeting.id, name=data["name"], email=email, company=data.get("company", ""),
                  brought_by_id=data["brought_by_id"], walk_in=True, via=via,
                  checked_in_by_id=getattr(user, "id", None))
    db.session.add(row)
    db.session.flush()
    result = _result(meeting, f"v{row.id}", True)
    db.session.commit()
    return result


# --- self check-in with the QR code ----------------------------------------------------------------


@dataclass
class SelfView:
    meeting: Meeting
    state: str  # ok | here | before | after | closed | cancelled | not_member
    opens_at: datetime
    closes_at: datetime


def is_checked_in(user, meeting: Meeting) -> bool:
    here = exists().where(CheckIn.meeting_id == meeting.id, CheckIn.member_id == user.id)
    return bool(db.session.scalar(select(here)))


def _self_state(user, meeting: Meeting, now: datetime) -> str:
    if meeting.is_cancelled:
        return "cancelled"
    if not permissions.is_member_of(user, meeting.group) or not user.active:
        return "not_member"
    if is_checked_in(user, meeting):
        return "here"
    if meeting.is_closed:
        return "closed"
    return {window.BEFORE: "before", window.AFTER: "after"}.get(self_window(meeting).state(now), "ok")


def self_view(user, token: str, *, now: datetime | None = None) -> SelfView:
    """What the self check-in page says to this member (NotFound for a token not made here)."""
    meeting = db.session.get(Meeting, links.read_checkin_token(token))
    if meeting is None:
        raise NotFound()
    if not permissions.can_see_group(user, meeting.group):
        # A members-only group: the page says "not on the list" without the meeting's details.
        state = "not_member"
    else:
        state = _self_state(user, meeting, now or utcnow())
    span = self_window(meeting)
    return SelfView(meeting, state, span.opens_at, span.closes_at)


SELF_REFUSALS = {
    "cancelled": lambda: Conflict(_("This meeting is cancelled.")),
    "not_member": lambda: PermissionDenied(_("You are not on the list for this meeting. Please talk to "
                                             "the organizer at the door.")),
    "closed": lambda: Conflict(_("This meeting is closed; check-in is over.")),
    "before": lambda: Conflict(_("Check-in has not opened yet. It opens shortly before the meeting.")),
    "after": lambda: Conflict(_("Check-in for this meeting is over.")),
}


def self_check_in(user, token: str, *, now: datetime | None = None) -> bool:
    """The member checks themself in with the meeting's QR code; True when checked in now, False
    when they were already. Refused for a non-member, outside the window, for a cancelled or
    closed meeting."""
    meeting_id = links.read_checkin_token(token)
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    begin_write()
    meeting = db.session.scalar(lock_for_update(select(Meeting).where(Meeting.id == meeting_id), of=Meeting))
    if meeting is None:
        raise NotFound()
    locked()
    state = _self_state(user, meeting, now or utcnow())
    if state == "here":
        db.session.rollback()
        return False
    if state != "ok":
        raise SELF_REFUSALS[state]()
    attendee = _find(meeting, people.member_key(user.id)) or people.Attendee(
        people.member_key(user.id), people.MEMBER, user.name, user.company, user.industry, user.id,
        None, None, None, False, False)
    created = _check_in_locked(user, meeting, attendee, CheckInVia.SELF.value)
    db.session.commit()
    return created


def qr_url(user, meeting_id: int) -> tuple[Meeting, str]:
    """The meeting's self check-in address, for its organizers (the QR code encodes it)."""
    meeting = meeting_to_manage(user, meeting_id)
    return meeting, links.checkin_url(meeting.id)


# --- closing a meeting -----------------------------------------------------------------------------


def _mark_no_shows(meeting: Meeting) -> None:
    """Going people without a check-in are no-shows, the others not; when nobody checked in at all
    (check-in was not used) nobody is. In "alle forventes" groups an expected member who never
    answered gets an answer row (going, via "system") to carry it, so the rates count them."""
    used = db.session.scalar(select(exists().where(CheckIn.meeting_id == meeting.id)))
    here_members = exists().where(CheckIn.meeting_id == meeting.id, CheckIn.member_id == Rsvp.member_id)
    here_guests = exists().where(CheckIn.meeting_id == meeting.id, CheckIn.guest_id == MeetingGuest.id)
    if meeting.group.rsvp_mode == RsvpMode.EXPECTED.value and used:
        from app.rsvp.services import expected_member_ids

        for member_id in sorted(expected_member_ids(meeting)):
            db.session.add(Rsvp(meeting_id=meeting.id, member_id=member_id, status=RsvpStatus.GOING.value,
                                queue_seq=0, message="", via="system"))
        db.session.flush()
    going_rsvp = (Rsvp.meeting_id == meeting.id) & (Rsvp.status == RsvpStatus.GOING.value)
    going_guest = (MeetingGuest.meeting_id == meeting.id) & (MeetingGuest.status == GuestStatus.GOING.value)
    db.session.execute(update(Rsvp).where(Rsvp.meeting_id == meeting.id).values(no_show=False)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(MeetingGuest).where(MeetingGuest.meeting_id == meeting.id).values(no_show=False)
                       .execution_options(synchronize_session=False))
    if used:
        db.session.execute(update(Rsvp).where(going_rsvp, ~here_members).values(no_show=True)
                           .execution_options(synchronize_session=False))
        db.session.execute(update(MeetingGuest).where(going_guest, ~here_guests).values(no_show=True)
                           .execution_options(synchronize_session=False))
    db.session.expire_all()


def close_meeting(user, meeting_id: int, *, now: datetime | None = None) -> bool:
    """Close a meeting that has started: mark the no-shows, record who closed it, send
    `events.meeting_closed` (encounters are recorded there). False when it was closed already."""
    meeting = _lock_to_manage(user, meeting_id)
    now = now or utcnow()
    if meeting.is_cancelled:
        raise Conflict(_("This meeting is cancelled; there is nothing to close."))
    if now < meeting.starts_at:
        raise Conflict(_("The meeting has not started yet; close it when it is over."))
    if meeting.is_closed:
        db.session.rollback()
        return False
    _mark_no_shows(meeting)
    meeting = db.session.get(Meeting, meeting.id)
    meeting.closed_at = now
    meeting.closed_by_id = user.id
    db.session.flush()
    events.meeting_closed.send(meeting, actor=user)
    db.session.commit()
    return True


def correct(user, meeting_id: int, key: str, *, came: bool) -> Result:
    """After the meeting is closed: mark someone as came (a check-in `via=correction`) or as a
    no-show (the check-in goes; a walk-in visitor disappears), then send `meeting_closed` again."""
    meeting = _lock_to_manage(user, meeting_id)
    if not meeting.is_closed:
        raise Conflict(_("The meeting is not closed yet: use the check-in page."))
    if meeting.is_cancelled:
        raise Conflict(_("This meeting is cancelled."))
    attendee = _person_for_key(meeting, key)
    changed = False
    if came:
        changed = _check_in_locked(user, meeting, attendee, CheckInVia.CORRECTION.value)
    else:
        if attendee.checkin_id is not None:
            db.session.delete(db.session.get(CheckIn, attendee.checkin_id))
            changed = True
        if attendee.going and not attendee.no_show:
            if attendee.member_id:
                rsvp = db.session.scalar(select(Rsvp).where(Rsvp.meeting_id == meeting.id,
                                                            Rsvp.member_id == attendee.member_id))
                if rsvp is None:  # an expected member without an answer row
                    rsvp = Rsvp(meeting_id=meeting.id, member_id=attendee.member_id,
                                status=RsvpStatus.GOING.value, queue_seq=0, message="", via="system")
                    db.session.add(rsvp)
                rsvp.no_show = True
            elif attendee.guest_id:
                db.session.get(MeetingGuest, attendee.guest_id).no_show = True
            changed = True
        db.session.flush()
    result = _result(meeting, attendee.key, changed)
    if changed:
        meeting = db.session.get(Meeting, meeting.id)
        events.meeting_closed.send(meeting, actor=user)
    db.session.commit()
    return result


def auto_close(now: datetime | None = None) -> int:
    """Close the meetings that ended MEETING_AUTO_CLOSE_HOURS ago and are not closed (nor cancelled).

    Each meeting is claimed with one conditional UPDATE (`closed_at IS NULL`) in its own
    transaction: of two overlapping runs, the second's UPDATE waits for the first's row lock and then
    matches nothing, so a meeting is closed (and `meeting_closed` sent) once."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["MEETING_AUTO_CLOSE_HOURS"])
    due = db.session.scalars(
        select(Meeting.id).where(Meeting.closed_at.is_(None), Meeting.ends_at <= cutoff,
                                 Meeting.status == MeetingStatus.SCHEDULED.value)
        .order_by(Meeting.ends_at, Meeting.id).limit(AUTO_CLOSE_BATCH)).all()
    db.session.rollback()
    closed = 0
    for meeting_id in due:
        begin_write()
        claimed = db.session.execute(
            update(Meeting).where(Meeting.id == meeting_id, Meeting.closed_at.is_(None),
                                  Meeting.status == MeetingStatus.SCHEDULED.value)
            .values(closed_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            db.session.rollback()
            continue
        locked()
        meeting = db.session.get(Meeting, meeting_id)
        db.session.refresh(meeting)
        _mark_no_shows(meeting)
        meeting = db.session.get(Meeting, meeting_id)
        events.meeting_closed.send(meeting, actor=None)
        db.session.commit()
        closed += 1
    return closed


def on_periodic_work(sender, now: datetime | None = None, **_kwargs) -> dict[str, int]:
    """Receiver of `events.periodic_work`."""
    return {"meetings_closed": auto_close(now)}


def connect_receivers() -> None:
    events.periodic_work.connect(on_periodic_work)
