"""The organizers' use cases around a meeting's attendee page (beside `app.rsvp.services`).

- `write_to`: "write to these people" by status: one mail per recipient through the outbox, in each
  member's language (guests in the network's), never twice for one form (its `send_id`).
- `attendees_csv`: the attendee list as CSV for Danish Excel, with the member export's conventions
  (UTF-8 with BOM, ";", CRLF, cells that would start a formula escaped).
- `guest_list`: every guest who came (or is signed up to come) to a group's meetings: prospective
  members, newest first, one line per e-mail address.

Each checks the permission on the object (organizers of the group and admins); the seat moves
themselves (promote, to the waitlist, ...) are in `app.rsvp.services`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth import permissions
from app.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.groups.services import get_group
from app.input_guard import has_unstorable, normalize_newlines
from app.mail.batch import BatchRecipient, enqueue_mail_batch
from app.members.csv_io import _escape_cell  # the member export's CSV-injection rule, not a copy
from app.models import Group, GuestStatus, Meeting, MeetingGuest, MeetingStatus, Member, OutboxMessage, Rsvp
from app.pagination import WEB_PER_PAGE, Page, paginate
from app.rsvp import services as svc
from app.validation import FieldErrors

# --- who may ----------------------------------------------------------------------------------


def meeting_to_manage(user, meeting_id: int) -> Meeting:
    """The meeting, for its group's organizers and admins: NotFound when the group is hidden from
    the user (an outsider), PermissionDenied for a member who does not organize it."""
    meeting = db.session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
    if meeting is None:
        raise NotFound()
    permissions.require_group_visible(user, meeting.group)
    if not permissions.can_manage_group(user, meeting.group):
        raise PermissionDenied()
    return meeting


def group_to_manage(user, slug: str) -> Group:
    group = get_group(user, slug)
    if not permissions.can_manage_group(user, group):
        raise PermissionDenied()
    return group


# --- write to these people -------------------------------------------------------------------

# Who an organizer can write to, by status. "guests" are the guests and substitutes going or waiting.
AUDIENCES = ("going", "waitlisted", "declined", "not_answered", "guests")
LIMITS = {"subject": 200, "body": 5000}
SEND_ID = re.compile(r"^[0-9a-f]{16,32}$")
MESSAGE_KIND = "rsvp_message"


@dataclass
class Recipient:
    name: str
    email: str
    language: str | None  # None: the network's default (guests)
    member_id: int | None = None


def recipients(view: svc.AttendeeList, audiences: Iterable[str]) -> list[Recipient]:
    """The people of the chosen audiences on the attendee list, each address once, members with
    their language, in the list's order. Inactive members get nothing."""
    chosen = set(audiences)
    people: list[svc.Person] = []
    if "going" in chosen:
        people += [p for p in view.going if p.member is not None]
    if "waitlisted" in chosen:
        people += [p for p in view.waitlisted if p.member is not None]
    if "declined" in chosen:
        people += view.declined
    if "not_answered" in chosen:
        # In "expected" groups the members who have not answered are expected (on the going list).
        people += [p for p in view.going + view.not_answered if p.member is not None and p.rsvp is None]
    if "guests" in chosen:
        people += [p for p in view.going + view.waitlisted if p.guest is not None]
    seen: set[str] = set()
    result = []
    for person in people:
        if person.member is not None and not person.member.active:
            continue
        key = person.email.strip().lower()
        if not key or key in seen:
            continue
        seen.add(key)
        if person.member is not None:
            result.append(Recipient(person.member.name, person.member.email, person.member.language,
                                    person.member.id))
        else:
            result.append(Recipient(person.name, person.email, None))
    return result


@dataclass
class WriteResult:
    sent: int
    again: bool = False  # this form was sent before: nothing new was written


def _clean_text(raw, errors: FieldErrors, name: str, *, one_line: bool) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        errors.add(name, _("Please enter text."))
        return ""
    if has_unstorable(raw):
        errors.add(name, _("The field contains characters that cannot be saved."))
        return ""
    text = " ".join(raw.split()) if one_line else normalize_newlines(raw).strip()
    if not text:
        errors.add(name, _("Please write a subject.") if name == "subject" else _("Please write a message."))
    elif len(text) > LIMITS[name]:
        errors.add(name, _("Please use at most %(num)d characters.", num=LIMITS[name]))
    return text


def write_to(user, meeting_id: int, audiences: Sequence[str], subject, body, send_id) -> WriteResult:
    """One mail per recipient of the chosen audiences (see `recipients`), with the organizer's
    subject and message, through the outbox (the `notice` mail: greeting and signature in each
    recipient's language). `send_id` is the form's one-time id: the same id again (a double click,
    Back and send) writes nothing and says so. Under the meeting's lock, so two clicks queue."""
    errors = FieldErrors()
    if (not isinstance(audiences, list | tuple) or not audiences
            or any(a not in AUDIENCES for a in audiences)):
        errors.add("audiences", _("Please choose who gets the message."))
    subject = _clean_text(subject, errors, "subject", one_line=True)
    body = _clean_text(body, errors, "body", one_line=False)
    if not isinstance(send_id, str) or not SEND_ID.match(send_id):
        errors.add("send_id", _("The form had expired. Please reload the page and send again."))
    errors.raise_if_any()
    meeting, _now = svc.lock_to_manage(user, meeting_id, open_only=False)
    kind = f"{MESSAGE_KIND}:{send_id}"
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.kind == kind)) or 0
    if before:
        db.session.rollback()
        return WriteResult(before, again=True)
    people = recipients(svc.attendee_list(user, meeting.id), audiences)
    if not people:
        db.session.rollback()
        raise Conflict(_("Nobody on the list matches your choice, so nothing was sent."))
    sent = enqueue_mail_batch("notice", [
        BatchRecipient(member_id=p.member_id, name=p.name, email=p.email, language=p.language or "")
        for p in people], kind=kind, subject=subject, body=body)
    db.session.commit()
    return WriteResult(sent)


# --- CSV ---------------------------------------------------------------------------------------

CSV_HEADERS = ("status", "plads på venteliste", "navn", "virksomhed", "e-mail", "gæst af",
               "stedfortræder for", "besked", "for sent", "svaret", "via")
# The words in the file are Danish, like the member export's headers (the lists go to Danish Excel).
CSV_STATUS = {"going": "kommer", "expected": "forventet", "waitlisted": "venteliste",
              "declined": "afbud", None: "ikke svaret"}
CSV_VIA = {"web": "web", "link": "link i mail", "api": "api", "organizer": "arrangør",
           "calendar": "kalender", "system": "system"}


def _local(value: datetime | None, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if value else ""


def csv_row(person: svc.Person, tz: str) -> list[str]:
    guest = person.guest
    host = person.brought_by.name if person.brought_by is not None else ""
    substitute = guest is not None and guest.is_substitute
    status = "expected" if person.expected else person.status
    return [
        CSV_STATUS.get(status, status or ""),
        str(person.waitlist_position or ""),
        person.name,
        person.company or "",
        person.email,
        host if guest is not None and not substitute else "",
        host if substitute else "",
        person.message,
        "ja" if person.late else "",
        _local(person.answered_at, tz),
        CSV_VIA.get(person.rsvp.via, person.rsvp.via) if person.rsvp is not None else "",
    ]


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 with BOM, ";" and CRLF, every cell escaped as the member export does."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_escape_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def attendees_csv(user, meeting_id: int) -> tuple[str, bytes]:
    """(filename, bytes): everyone on the attendee list, going first, then the waitlist in line
    order, afbud and not answered."""
    view = svc.attendee_list(user, meeting_id)
    meeting = view.meeting
    tz = meeting.group.timezone
    rows = [csv_row(p, tz) for p in view.going + view.waitlisted + view.declined + view.not_answered]
    day = meeting.starts_at.astimezone(ZoneInfo(tz)).date().isoformat()
    return f"deltagere-{meeting.group.slug}-{day}.csv", write_csv(CSV_HEADERS, rows)


# --- the guest list across meetings -------------------------------------------------------------


@dataclass
class GuestVisit:
    meeting: Meeting
    host: Member
    substitute: bool


@dataclass
class GuestEntry:
    """One guest (by e-mail address) and the group's meetings they came to, newest first."""

    email: str
    name: str
    company: str
    visits: list[GuestVisit] = field(default_factory=list)
    member: Member | None = None  # a member of the network by now

    @property
    def times(self) -> int:
        return len(self.visits)

    @property
    def last(self) -> Meeting:
        return self.visits[0].meeting


def _guest_rows(group: Group):
    """Guests and substitutes with a seat at a meeting of the group that was not cancelled."""
    return (select(MeetingGuest).join(Meeting, Meeting.id == MeetingGuest.meeting_id)
            .where(Meeting.group_id == group.id, Meeting.status != MeetingStatus.CANCELLED.value,
                   MeetingGuest.status == GuestStatus.GOING.value))


def _entries(group: Group, emails: Sequence[str]) -> list[GuestEntry]:
    rows = db.session.scalars(
        _guest_rows(group).where(func.lower(MeetingGuest.email).in_(emails))
        .options(selectinload(MeetingGuest.meeting),
                 selectinload(MeetingGuest.rsvp).selectinload(Rsvp.member))
        .order_by(Meeting.starts_at.desc(), MeetingGuest.id.desc())).all()
    entries: dict[str, GuestEntry] = {}
    for guest in rows:
        key = guest.email.lower()
        entry = entries.get(key)
        if entry is None:  # the newest visit gives the name and company
            entry = entries[key] = GuestEntry(guest.email, guest.name, guest.company)
        if all(v.meeting.id != guest.meeting_id for v in entry.visits):
            entry.visits.append(GuestVisit(guest.meeting, guest.rsvp.member, guest.is_substitute))
    members = {m.email.lower(): m for m in db.session.scalars(
        select(Member).where(func.lower(Member.email).in_(emails))).all()}
    for key, entry in entries.items():
        entry.member = members.get(key)
    return [entries[e] for e in emails if e in entries]


@dataclass
class GuestList:
    group: Group
    page: Page  # of GuestEntry


def guest_list(user, slug: str, *, page: int = 1, per_page: int = WEB_PER_PAGE) -> GuestList:
    """The group's guests across its meetings (prospective members), the latest visit first."""
    group = group_to_manage(user, slug)
    rows = _guest_rows(group).subquery()
    meetings = select(Meeting.id, Meeting.starts_at).subquery()
    email = func.lower(rows.c.email)
    last = func.max(meetings.c.starts_at)
    statement = (select(email.label("email"), last.label("last"))
                 .join(meetings, meetings.c.id == rows.c.meeting_id)
                 .group_by(email).order_by(last.desc(), email))
    result = paginate(statement, page, per_page, scalars=False)
    emails = [row.email for row in result.items]
    result.items = _entries(group, emails)
    return GuestList(group, result)


def guest_list_csv(user, slug: str) -> tuple[str, bytes]:
    group = group_to_manage(user, slug)
    tz = group.timezone
    rows_sub = _guest_rows(group).subquery()
    emails = list(db.session.scalars(select(func.lower(rows_sub.c.email)).distinct()).all())
    entries = sorted(_entries(group, emails), key=lambda e: e.email)
    entries.sort(key=lambda e: e.last.starts_at, reverse=True)  # as the page: newest visit first
    headers = ("navn", "e-mail", "virksomhed", "antal gange", "seneste møde", "møder", "inviteret af",
               "medlem nu")
    data = []
    for entry in entries:
        data.append([
            entry.name, entry.email, entry.company, str(entry.times),
            _local(entry.last.starts_at, tz)[:10],
            ", ".join(_local(v.meeting.starts_at, tz)[:10] for v in entry.visits),
            ", ".join(dict.fromkeys(v.host.name for v in entry.visits)),
            "ja" if entry.member is not None else "",
        ])
    return f"gaester-{group.slug}.csv", write_csv(headers, data)
