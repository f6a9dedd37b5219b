"""Calendar invitations by mail: who gets which REQUEST or CANCEL, and when.

Every calendar mail is one person's copy of one meeting (iMIP, `app.calendars.imip`): the meeting's
stable UID (`feeds.meeting_uid`), that person as the only ATTENDEE, the invitation's own reply
address (`reply_address(invite.id)`) as ORGANIZER and From. `MeetingInvite` remembers each copy
(active or cancelled, the PARTSTAT written, the SEQUENCE sent), so nobody is invited twice, updates
go only to active copies and each SEQUENCE is higher than the one before for that person.

What is sent when (docs: /tmp/docs-invites.md, merged into docs/calendars.md):

- `send_invitations` (the organizer's button and the API) and `send_due` (cron: the group's
  `invite_days_before`): a REQUEST to every active member without a copy who has not sent afbud,
  and to the going or waitlisted guests and substitutes. Members in their own language, guests in
  the network's. PARTSTAT: ACCEPTED when going, TENTATIVE when waitlisted (with a line saying so),
  NEEDS-ACTION when not answered (also for the expected members of an "expected unless afbud"
  group: RSVP=TRUE so the client shows its buttons, and the description says they are expected).
- A material change (title, time, doors-open time, place, online link) is collected on the meeting
  (`calendar_changes`, {field: [first old, latest new]}) and sent by `send_due` once
  `calendar_update_due_at` has come: the FIRST edit sets it CALENDAR_UPDATE_DELAY_MINUTES ahead and
  further edits do not push it, so an editing session of any length still sends within minutes,
  one REQUEST per person saying in words what changed.
- The meeting cancelled: a CANCEL to every active copy (the calendar CANCEL is then that person's
  cancellation mail; the sign-up package mails only people without a copy).
- A person's own sign-up changed (`events.rsvp_changed`): afbud -> CANCEL of their copy; waitlisted
  -> REQUEST TENTATIVE; a seat after the waitlist -> REQUEST ACCEPTED that carries the "you have a
  seat" message (the sign-up package skips its own mail); yes again after afbud -> REQUEST again.
  A guest added after the invitations went out gets the invitation as their confirmation.

Services (`send_invitations`, `invite_preview`, `send_due`) commit; receivers and `refresh_copy`
only write into the open transaction.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formataddr, make_msgid
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, text, update
from sqlalchemy.orm import selectinload

from app import events
from app.auth import permissions
from app.calendars import imip
from app.calendars.feeds import meeting_location, meeting_page_url, meeting_uid
from app.calendars.ical import EventData, PartyLines, build_calendar
from app.calendars.reply_address import reply_addresses
from app.db_locks import begin_write, lock_for_update, locked
from app.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.input_guard import int_in_range
from app.mail.batch import insert_outbox_rows
from app.mail.names import first_name
from app.mail.services import _message_domain, _sender_pair, render_mail
from app.models import (
    GuestKind,
    GuestStatus,
    Meeting,
    MeetingGuest,
    MeetingInvite,
    Member,
    Membership,
    NetworkSettings,
    Rsvp,
    RsvpMode,
    RsvpStatus,
    utcnow,
)
from app.models.calendar import InviteState, PartStat
from app.rsvp import links

log = logging.getLogger(__name__)

KIND_INVITE = "calendar_invite"
KIND_UPDATE = "calendar_update"
KIND_CANCEL = "calendar_cancel"

# A change of one of these is sent to the invited as an update (a new SEQUENCE). `online_url` is
# where people go for an online meeting; `title` is what their calendar shows.
MATERIAL_FIELDS = ("title", "starts_at", "ends_at", "doors_open_at", "venue_name", "venue_address",
                   "online_url")

VIA_CALENDAR = "calendar"  # rsvp_changed from a calendar REPLY: the reply handler answers itself
VIA_PROMOTION = "promotion"

ACTIVE = InviteState.ACTIVE.value
CANCELLED = InviteState.CANCELLED.value


# --- what callers get back -------------------------------------------------------------------------


@dataclass
class InviteResult:
    """What one "send invitations" did."""

    invited: int  # people who got an invitation now (members + guests)
    already: int  # people who had one already (nothing sent to them again)


@dataclass
class InvitePreview:
    to_invite: int  # would get one now
    already: int  # have one
    sent_at: datetime | None  # meeting.invitations_sent_at
    replies: dict[str, int] = field(default_factory=dict)  # PARTSTAT -> people whose copy says so
    can_send: bool = False  # the meeting takes invitations (scheduled, not started): `invitations_open`


# --- one person's copy ------------------------------------------------------------------------------


@dataclass
class _Copy:
    """A calendar mail to one person: who, in which language, and what their copy says."""

    member_id: int | None
    guest_id: int | None
    name: str
    email: str
    language: str
    partstat: str
    sequence: int
    invite_id: int | None = None
    host: str = ""  # a guest's: the member who brought them
    substitute: bool = False  # a guest who comes in the member's place

    @property
    def is_guest(self) -> bool:
        return self.guest_id is not None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and int_in_range(value)


def _partstat_for(status: str | None) -> str | None:
    """The PARTSTAT a copy should say for a member's or guest's sign-up status (None: no copy)."""
    if status in (RsvpStatus.GOING.value, GuestStatus.GOING.value):
        return PartStat.ACCEPTED.value
    if status in (RsvpStatus.WAITLISTED.value, GuestStatus.WAITLISTED.value):
        return PartStat.TENTATIVE.value
    if status is None:
        return PartStat.NEEDS_ACTION.value
    return None  # declined / cancelled


# --- texts ------------------------------------------------------------------------------------------


def _when(start: datetime, end: datetime, zone: str, language: str) -> str:
    tz = ZoneInfo(zone)
    start, end = start.astimezone(tz), end.astimezone(tz)
    text = "{date}, {start}–{end}".format(
        date=format_date(start.date(), format="full", locale=language),
        start=format_time(start.time(), format="short", locale=language),
        end=format_time(end.time(), format="short", locale=language))
    if end.date() != start.date():
        end_date = format_date(end.date(), format="full", locale=language)
        text = "{} – {}, {}".format(text.rsplit("–", 1)[0], end_date,
                                    format_time(end.time(), format="short", locale=language))
    return text


def _hours(start: datetime, end: datetime, zone: str, language: str) -> str:
    return f"{_clock(start, zone, language)}–{_clock(end, zone, language)}"


def _clock(value: datetime, zone: str, language: str) -> str:
    return format_time(value.astimezone(ZoneInfo(zone)).time(), format="short", locale=language)


def _status_line(meeting: Meeting, partstat: str, *, is_guest: bool) -> str:
    """What the copy says about the person's place (in the current locale)."""
    if partstat == PartStat.NEEDS_ACTION.value and not is_guest and _too_late_for_yes(meeting):
        return _("The sign-up deadline has passed. If you cannot come, please send afbud; if you would "
                 "like to come, please contact the organizers.")
    if partstat == PartStat.TENTATIVE.value:
        return _("You are on the waitlist: the meeting is full. We will write to you if a seat "
                 "becomes free; until then the meeting shows as tentative in your calendar.")
    if partstat == PartStat.ACCEPTED.value:
        return _("You are signed up. If you cannot come after all, please decline or send afbud.")
    if meeting.group.rsvp_mode == RsvpMode.EXPECTED.value and not is_guest:
        return _("You are expected at this meeting. If you cannot come, please decline in your "
                 "calendar or send afbud, so we know.")
    return _("Please answer with your calendar's Accept or Decline, with the links in the mail or on "
             "the meeting page.")


def _too_late_for_yes(meeting: Meeting) -> bool:
    """After the sign-up deadline a "yes" is refused (afbud is still taken, marked late)."""
    return meeting.rsvp_deadline is not None and utcnow() >= _aware(meeting.rsvp_deadline)


def _page_url(meeting: Meeting, *, is_guest: bool) -> str:
    """The meeting page, for everyone who can open it: not for guests of a members-only group."""
    return meeting_page_url(meeting) if not is_guest or meeting.group.is_public else ""


def _description(meeting: Meeting, partstat: str, *, is_guest: bool, method: str, note: str = "") -> str:
    parts = []
    if note:  # the note says what happened to their answer: it replaces the status line
        parts.append(note)
    if method == imip.CANCEL:
        if meeting.is_cancelled:
            parts.append(_("This meeting is cancelled."))
            if meeting.cancel_reason:
                parts.append(meeting.cancel_reason.strip())
    elif not note:
        parts.append(_status_line(meeting, partstat, is_guest=is_guest))
    if meeting.agenda and meeting.agenda.strip():
        parts.append(meeting.agenda.strip())
    if meeting.online_url and not is_guest:  # the online link is for members (app.visibility)
        parts.append(_("Online link: %(url)s", url=meeting.online_url))
    page = _page_url(meeting, is_guest=is_guest)
    if page:
        parts.append(_("Meeting page: %(url)s", url=page))
    return "\n\n".join(parts)


def _parse_value(value):
    if isinstance(value, str):
        try:
            return _aware(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def change_lines(meeting: Meeting, changes: dict, language: str, *, is_guest: bool = False) -> list[str]:
    """What changed, in words (in the current locale): times in the group's zone."""
    zone = meeting.group.timezone
    lines = []
    if "starts_at" in changes or "ends_at" in changes:
        old_start = _parse_value(changes.get("starts_at", [meeting.starts_at])[0]) or meeting.starts_at
        old_end = _parse_value(changes.get("ends_at", [meeting.ends_at])[0]) or meeting.ends_at
        tz = ZoneInfo(zone)
        same_day = (old_start.astimezone(tz).date() == meeting.starts_at.astimezone(tz).date()
                    == old_end.astimezone(tz).date() == meeting.ends_at.astimezone(tz).date())
        if same_day:  # "from 08.30-10.00 to 09.00-10.30 on Thursday 3 December 2026"
            lines.append(_("The time has moved from %(old)s to %(new)s on %(date)s.",
                           old=_hours(old_start, old_end, zone, language),
                           new=_hours(meeting.starts_at, meeting.ends_at, zone, language),
                           date=format_date(meeting.starts_at.astimezone(tz).date(), format="full",
                                            locale=language)))
        else:
            lines.append(_("The time has moved from %(old)s to %(new)s.",
                           old=_when(old_start, old_end, zone, language),
                           new=_when(meeting.starts_at, meeting.ends_at, zone, language)))
    if "doors_open_at" in changes:
        old = _parse_value(changes["doors_open_at"][0])
        if meeting.doors_open_at is None:
            lines.append(_("There is no separate doors-open time any more."))
        elif old is None:
            lines.append(_("Doors open at %(time)s.", time=_clock(meeting.doors_open_at, zone, language)))
        else:
            lines.append(_("Doors open at %(new)s instead of %(old)s.",
                           new=_clock(meeting.doors_open_at, zone, language),
                           old=_clock(old, zone, language)))
    if "venue_name" in changes or "venue_address" in changes:
        old_name = changes.get("venue_name", [meeting.venue_name])[0] or ""
        old_address = changes.get("venue_address", [meeting.venue_address])[0] or ""
        old = ", ".join(p.strip() for p in (old_name, old_address) if p and p.strip())
        new = meeting_location(meeting)
        if old and new:
            lines.append(_("The place has changed from %(old)s to %(new)s.", old=old, new=new))
        elif new:
            lines.append(_("The place is now %(new)s.", new=new))
        else:
            lines.append(_("The place (%(old)s) has been removed; see the meeting page.", old=old))
    if "online_url" in changes and not is_guest:
        if meeting.online_url:
            lines.append(_("The online link is now %(url)s", url=meeting.online_url))
        else:
            lines.append(_("The meeting no longer has an online link."))
    if "title" in changes:
        lines.append(_("The title has changed from »%(old)s« to »%(new)s«.",
                       old=changes["title"][0] or "", new=meeting.title))
    return lines


# --- building and writing the mails -----------------------------------------------------------------


@dataclass
class _Shared:
    """What every copy written in one go shares: the network, sender, time."""

    settings: NetworkSettings
    sender_name: str
    envelope: str
    domain: str
    now: datetime

    @classmethod
    def load(cls, now: datetime | None = None) -> _Shared:
        settings = NetworkSettings.get()
        pair = _sender_pair(settings)
        return cls(settings, pair[0] or settings.name, formataddr(pair), _message_domain(pair[1]),
                   now or utcnow())


_TEMPLATES = {imip.REQUEST: "calendar_invite", imip.CANCEL: "calendar_cancel"}
_PERSONAL_KEYS = ("yes_url", "no_url", "cancel_url", "host")




class OneClickLinks(links.MeetingLinks):
    """A meeting's one-click links (`links.MeetingLinks`) as the personal values of a copy."""

    def values(self, copy: _Copy, method: str) -> dict[str, str]:
        if method == imip.CANCEL:
            return {}
        if copy.is_guest:
            return {"cancel_url": self.guest(copy.guest_id), "host": copy.host}
        token = links.answer_token(self.meeting_id, copy.member_id)
        return {"yes_url": self.answer(copy.member_id, "yes", token),
                "no_url": self.answer(copy.member_id, "no", token)}


def _write(meeting: Meeting, copies: Sequence[_Copy], *, method: str, kind: str, template: str | None = None,
           note: str = "", occasion: str = "", changes: dict | None = None,
           shared: _Shared | None = None) -> int:
    """Write one calendar mail per copy (each with `invite_id` set) into the outbox; returns how many.

    Copies are grouped by what their message shares (language, PARTSTAT, guest or member,
    SEQUENCE); each group's texts and calendar are built once (`imip.MailTemplate`) and filled in
    per person. Rows go in with one executemany INSERT, in the caller's transaction."""
    if not copies:
        return 0
    shared = shared or _Shared.load()
    template = template or _TEMPLATES[method]
    groups: dict[tuple, list[_Copy]] = {}
    for copy in copies:
        key = (copy.language, copy.partstat, copy.is_guest, copy.substitute, copy.sequence)
        groups.setdefault(key, []).append(copy)
    rows = []
    one_click = OneClickLinks(meeting.id)
    organizers = reply_addresses()
    parties: dict[str, PartyLines] = {}
    for (language, partstat, is_guest, substitute, sequence), members in groups.items():
        if partstat not in parties:
            parties[partstat] = PartyLines(shared.sender_name, partstat.upper(), rsvp=method == imip.REQUEST)
        mail = _template(meeting, language=language, partstat=partstat, is_guest=is_guest,
                         substitute=substitute, sequence=sequence,
                         method=method, template=template, note=note, occasion=occasion, changes=changes,
                         shared=shared)
        checked = False
        for copy in members:
            person = _personal(copy, shared, one_click, organizers(copy.invite_id), parties[partstat], method)
            if not checked:
                # The first copy of each group is also built the slow way (the whole MIME tree by
                # the email package); should the quick fill ever differ (a header folded
                # differently), every copy of the group is built the slow way. (The templates print
                # the personal values unfiltered, so their markers survive rendering; the tests
                # check each copy's greeting and links.)
                if not mail.matches(person):
                    log.warning("calendar mail: quick fill differs for %s; building each copy", template)
                    mail.fill = mail.slow  # type: ignore[method-assign]
                checked = True
            rows.append({"message_id": person.message_id, "kind": kind, "sender": shared.envelope,
                         "recipients": copy.email, "subject": mail.subject, "raw": mail.fill(person),
                         "member_id": copy.member_id})
    insert_outbox_rows(rows)
    return len(rows)


def _personal(copy: _Copy, shared: _Shared, one_click: OneClickLinks, organizer: str, parties: PartyLines,
              method: str) -> imip.Personal:
    lines = parties(organizer, copy.name, copy.email)
    values = {"name": copy.name, "first_name": first_name(copy.name), "host": copy.host,
              **one_click.values(copy, method)}
    return imip.Personal(to_name=copy.name, to_email=copy.email, sender_email=organizer,
                         message_id=make_msgid(domain=shared.domain), party_lines=lines, values=values)


def _template(meeting: Meeting, *, language: str, partstat: str, is_guest: bool, substitute: bool,
              sequence: int, method: str,
              template: str, note: str, occasion: str, changes: dict | None,
              shared: _Shared) -> imip.MailTemplate:
    tag = secrets.token_hex(5)
    markers = {key: f"KKMARK{tag}{key.replace('_', '')}X"
               for key in ("name", "first_name", *_PERSONAL_KEYS)}

    def marker_first_name(name: str | None) -> str:
        return markers["first_name"] if name == markers["name"] else first_name(name)

    zone = meeting.group.timezone
    with force_locale(language):
        description = _description(meeting, partstat, is_guest=is_guest, method=method, note=note)
        status_line = "" if note else _status_line(meeting, partstat, is_guest=is_guest)
        lines = change_lines(meeting, changes, language, is_guest=is_guest) if changes else []
    event = EventData(
        uid=meeting_uid(meeting), sequence=sequence, summary=meeting.title,
        start=_aware(meeting.starts_at), end=_aware(meeting.ends_at), timezone=zone, dtstamp=shared.now,
        description=description, location=meeting_location(meeting),
        url=_page_url(meeting, is_guest=is_guest) or None,
        status="CANCELLED" if method == imip.CANCEL else "CONFIRMED",
        created=_aware(meeting.created_at), last_modified=_aware(meeting.updated_at),
    )
    calendar = build_calendar([event], method=method)
    member = None if is_guest else Member(name=markers["name"], email="x@marker.invalid", language=language)
    open_for_answers = not meeting.is_cancelled and utcnow() < _aware(meeting.starts_at)
    context = dict(
        member=member, greeting_name=None if not is_guest else markers["name"],
        network=shared.settings, first_name=marker_first_name,
        title=meeting.title, group_name=meeting.group.name,
        when=_when(_aware(meeting.starts_at), _aware(meeting.ends_at), zone, language),
        # the subject's short date ("ons. 16. december", "Wed, December 16"): which meeting, at a glance
        day=format_skeleton("MMMMEEEEd", _aware(meeting.starts_at).astimezone(ZoneInfo(zone)).date(),
                            locale=language),
        where=meeting_location(meeting),
        doors=_clock(meeting.doors_open_at, zone, language) if meeting.doors_open_at else "",
        online_url="" if is_guest else meeting.online_url,
        meeting_url=_page_url(meeting, is_guest=is_guest), status_line=status_line, partstat=partstat,
        note=note, occasion=occasion,
        changes=lines, reason=(meeting.cancel_reason or "") if meeting.is_cancelled else "",
        meeting_cancelled=meeting.is_cancelled, is_guest=is_guest, substitute=substitute,
        host=markers["host"] if is_guest else "",
        # "I am coming" only to people who have not said yes (the going and the waitlisted have),
        # and not after the sign-up deadline; afbud is always offered while the meeting is ahead.
        yes_url=markers["yes_url"] if (open_for_answers and not is_guest and method == imip.REQUEST
                                       and partstat == PartStat.NEEDS_ACTION.value
                                       and not _too_late_for_yes(meeting)) else "",
        no_url=markers["no_url"] if open_for_answers and not is_guest and method == imip.REQUEST else "",
        cancel_url=markers["cancel_url"] if open_for_answers and is_guest and method == imip.REQUEST else "",
    )
    subject, text, html = render_mail(template, language, **context)
    return imip.MailTemplate(method=method, sender_name=shared.sender_name, subject=subject, text=text,
                             html=html, calendar=calendar, date=shared.now, markers=markers)


# --- invitations ------------------------------------------------------------------------------------


def _uninvited(meeting: Meeting, default_language: str) -> list[_Copy]:
    """Active members of the group and going/waitlisted guests of the meeting who hold no copy yet
    (members who sent afbud get none: they said they are not coming)."""
    invited_member = exists().where(MeetingInvite.meeting_id == meeting.id,
                                    MeetingInvite.member_id == Member.id)
    rows = db.session.execute(
        select(Member.id, Member.name, Member.email, Member.language, Rsvp.status)
        .join(Membership, and_(Membership.member_id == Member.id, Membership.group_id == meeting.group_id))
        .outerjoin(Rsvp, and_(Rsvp.member_id == Member.id, Rsvp.meeting_id == meeting.id))
        .where(Member.active.is_(True), ~invited_member)
        .order_by(Member.id)).all()
    copies = []
    for member_id, name, email, language, status in rows:
        partstat = _partstat_for(status)
        if partstat is not None:
            copies.append(_Copy(member_id, None, name, email, language or default_language, partstat,
                                meeting.sequence or 0))
    invited_guest = exists().where(MeetingInvite.meeting_id == meeting.id,
                                   MeetingInvite.guest_id == MeetingGuest.id)
    guests = db.session.execute(
        select(MeetingGuest.id, MeetingGuest.name, MeetingGuest.email, MeetingGuest.status, MeetingGuest.kind,
               Member.name)
        .join(Rsvp, Rsvp.id == MeetingGuest.rsvp_id).join(Member, Member.id == Rsvp.member_id)
        .where(MeetingGuest.meeting_id == meeting.id,
               MeetingGuest.status.in_([GuestStatus.GOING.value, GuestStatus.WAITLISTED.value]),
               ~invited_guest)
        .order_by(MeetingGuest.id)).all()
    for guest_id, name, email, status, kind, host in guests:
        copies.append(_Copy(None, guest_id, name, email, default_language, _partstat_for(status),
                            meeting.sequence or 0, host=host, substitute=kind == GuestKind.SUBSTITUTE.value))
    return copies


def _member_wants_copy(meeting_id) -> tuple:
    """SQL conditions on `Member`: holds no copy of the meeting and has not sent afbud for it
    (`meeting_id`: a value, or `Meeting.id` in a query over meetings). With an active membership
    of the group, that is who `_uninvited` invites."""
    return (~exists().where(MeetingInvite.meeting_id == meeting_id, MeetingInvite.member_id == Member.id),
            ~exists().where(Rsvp.meeting_id == meeting_id, Rsvp.member_id == Member.id,
                            Rsvp.status == RsvpStatus.DECLINED.value))


def _count_uninvited(meeting: Meeting) -> int:
    """How many `_uninvited` would return, counted in SQL (the meeting page shows it)."""
    members = db.session.scalar(
        select(func.count(Member.id))
        .join(Membership, and_(Membership.member_id == Member.id, Membership.group_id == meeting.group_id))
        .where(Member.active.is_(True), *_member_wants_copy(meeting.id))) or 0
    guests = db.session.scalar(
        select(func.count(MeetingGuest.id))
        .where(MeetingGuest.meeting_id == meeting.id,
               MeetingGuest.status.in_([GuestStatus.GOING.value, GuestStatus.WAITLISTED.value]),
               ~exists().where(MeetingInvite.meeting_id == meeting.id,
                               MeetingInvite.guest_id == MeetingGuest.id))) or 0
    return members + guests


# One INSERT for any number of invitations on PostgreSQL: the values as one array per column.
_INSERT_INVITES_UNNEST = text("""
    INSERT INTO meeting_invites (meeting_id, member_id, guest_id, email, name, state, partstat,
                                 sequence_sent, created_at, last_sent_at)
    SELECT :meeting_id, t.member_id, t.guest_id, t.email, t.name, :state, t.partstat, t.sequence_sent,
           :now, :now
    FROM unnest(CAST(:member_ids AS integer[]), CAST(:guest_ids AS integer[]),
                CAST(:emails AS varchar[]), CAST(:names AS varchar[]), CAST(:partstats AS varchar[]),
                CAST(:sequences AS integer[])) AS t(member_id, guest_id, email, name, partstat, sequence_sent)
    RETURNING id, member_id, guest_id
""").bindparams(bindparam("now", type_=MeetingInvite.__table__.c.created_at.type))


def _create_invites(meeting: Meeting, copies: Sequence[_Copy], now: datetime) -> None:
    """Insert the MeetingInvite rows and set each copy's `invite_id`: on PostgreSQL with one
    INSERT ... SELECT FROM unnest(one array per column) (500 rows: ~10 ms, as a VALUES list of
    5,000 parameters ~30 ms), elsewhere with one executemany."""
    members = {c.member_id: c for c in copies if c.member_id is not None}
    guests = {c.guest_id: c for c in copies if c.guest_id is not None}
    if db.session.get_bind().dialect.name == "postgresql":
        result = db.session.execute(_INSERT_INVITES_UNNEST, {
            "meeting_id": meeting.id, "state": ACTIVE, "now": now,
            "member_ids": [c.member_id for c in copies], "guest_ids": [c.guest_id for c in copies],
            "emails": [c.email for c in copies], "names": [c.name[:200] for c in copies],
            "partstats": [c.partstat for c in copies], "sequences": [c.sequence for c in copies]})
    else:
        rows = [{"meeting_id": meeting.id, "member_id": c.member_id, "guest_id": c.guest_id,
                 "email": c.email, "name": c.name[:200], "state": ACTIVE, "partstat": c.partstat,
                 "sequence_sent": c.sequence, "created_at": now, "last_sent_at": now} for c in copies]
        result = db.session.execute(insert(MeetingInvite).returning(
            MeetingInvite.id, MeetingInvite.member_id, MeetingInvite.guest_id), rows)
    # the RETURNING rows are matched on the member or guest id (their order is the database's)
    for invite_id, member_id, guest_id in result.all():
        (members[member_id] if member_id is not None else guests[guest_id]).invite_id = invite_id


def _invite_all(meeting: Meeting, now: datetime) -> int:
    """Invite everyone who should hold a copy and does not (the meeting is locked by the caller)."""
    settings = NetworkSettings.get()
    copies = _uninvited(meeting, settings.default_language)
    if copies:
        _create_invites(meeting, copies, now)
        _write(meeting, copies, method=imip.REQUEST, kind=KIND_INVITE, shared=_Shared.load(now))
    if meeting.invitations_sent_at is None:
        meeting.invitations_sent_at = now
    return len(copies)


def _count_invites(meeting_id: int) -> int:
    return db.session.scalar(select(func.count(MeetingInvite.id))
                             .where(MeetingInvite.meeting_id == meeting_id)) or 0


def _meeting_to_manage(user, meeting_id: int, *, lock: bool) -> Meeting:
    if not _is_id(meeting_id):
        raise NotFound()
    if lock:
        begin_write()
        meeting = db.session.scalar(lock_for_update(select(Meeting).where(Meeting.id == meeting_id),
                                                    of=Meeting))
    else:
        meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    permissions.require_group_visible(user, meeting.group)
    if not permissions.can_manage_group(user, meeting.group):
        raise PermissionDenied()
    if lock:
        locked()
    return meeting


def invitations_open(meeting: Meeting, now: datetime | None = None) -> bool:
    """Invitations go out for a scheduled meeting that has not started (`send_invitations` refuses
    others with the reason; pages and the API show or hide the button by this)."""
    return not meeting.is_cancelled and (now or utcnow()) < _aware(meeting.starts_at)


def _ensure_can_invite(meeting: Meeting, now: datetime) -> None:
    if meeting.is_cancelled:
        raise Conflict(_("This meeting is cancelled; invitations can no longer be sent."))
    if now >= _aware(meeting.starts_at):
        raise Conflict(_("This meeting has started or taken place; invitations can no longer be sent."))


def invite_preview(user, meeting_id: int) -> InvitePreview:
    """How many would get an invitation now, how many have one, and what their copies say
    (organizers and admins of the meeting's group; else PermissionDenied/NotFound)."""
    meeting = _meeting_to_manage(user, meeting_id, lock=False)
    to_invite = _count_uninvited(meeting)
    replies = dict(db.session.execute(
        select(MeetingInvite.partstat, func.count()).where(MeetingInvite.meeting_id == meeting.id,
                                                           MeetingInvite.state == ACTIVE)
        .group_by(MeetingInvite.partstat)).tuples().all())
    cancelled = db.session.scalar(select(func.count()).select_from(MeetingInvite).where(
        MeetingInvite.meeting_id == meeting.id, MeetingInvite.state == CANCELLED)) or 0
    if cancelled:
        replies[PartStat.DECLINED.value] = replies.get(PartStat.DECLINED.value, 0) + cancelled
    return InvitePreview(to_invite=to_invite, already=_count_invites(meeting.id),
                         sent_at=meeting.invitations_sent_at, replies=replies,
                         can_send=invitations_open(meeting))


def send_invitations(user, meeting_id: int) -> InviteResult:
    """Send the invitations of a meeting (organizers/admins); commits. Only people without a copy
    get one, so pressing it again invites just the members who joined since. Conflict for a
    cancelled or past meeting."""
    meeting = _meeting_to_manage(user, meeting_id, lock=True)
    now = utcnow()
    _ensure_can_invite(meeting, now)
    already = _count_invites(meeting.id)
    invited = _invite_all(meeting, now)
    db.session.commit()
    return InviteResult(invited=invited, already=already)


__all__ = [
    "InvitePreview", "InviteResult", "connect_receivers", "invite_preview", "refresh_copy",
    "send_due", "send_invitations",
]


# --- copies of people who hold one ------------------------------------------------------------------


def _next_sequence(invite: MeetingInvite, meeting: Meeting) -> int:
    """Higher than what this person last got, and at least the meeting's own SEQUENCE."""
    return max((invite.sequence_sent or 0) + 1, meeting.sequence or 0)


def _copy_of(invite: MeetingInvite, meeting: Meeting, partstat: str, language: str) -> _Copy:
    copy = _Copy(invite.member_id, invite.guest_id, invite.name or invite.email, invite.email, language,
                 partstat, _next_sequence(invite, meeting), invite_id=invite.id)
    if invite.guest is not None:
        copy.host = invite.guest.rsvp.member.name
        copy.substitute = invite.guest.is_substitute
    return copy


def _languages(invites: Sequence[MeetingInvite]) -> dict[int, str]:
    """{invite id: language}: a member's own, the network's for guests."""
    default = NetworkSettings.get().default_language
    member_ids = {i.member_id for i in invites if i.member_id is not None}
    by_member = {}
    if member_ids:
        by_member = dict(db.session.execute(select(Member.id, Member.language)
                                            .where(Member.id.in_(member_ids))).tuples().all())
    return {i.id: (by_member.get(i.member_id) or default) if i.member_id is not None else default
            for i in invites}


def _resend(meeting: Meeting, invites: Sequence[MeetingInvite], *,
            partstats: dict[int, str | None] | None = None, kind: str, template: str | None = None,
            note: str = "", occasion: str = "", changes: dict | None = None,
            now: datetime | None = None, languages: dict[int, str] | None = None) -> int:
    """Send each invite's holder a new version of their copy: a REQUEST with `partstats[invite.id]`
    (their current PARTSTAT when not given) or, when that is None or the meeting is cancelled, a
    CANCEL; then record what was sent. Returns how many mails were written. `languages`: the
    callers' `_languages(invites)` when they looked them up already."""
    if not invites:
        return 0
    now = now or utcnow()
    shared = _Shared.load(now)
    languages = languages or _languages(invites)
    requests: list[_Copy] = []
    cancels: list[_Copy] = []
    for invite in invites:
        partstat = invite.partstat if partstats is None else partstats.get(invite.id, invite.partstat)
        if partstat is None or meeting.is_cancelled:
            # Their copy goes; the ATTENDEE says DECLINED when it is they who are not coming.
            said = invite.partstat if meeting.is_cancelled else PartStat.DECLINED.value
            cancels.append(_copy_of(invite, meeting, said, languages[invite.id]))
        else:
            requests.append(_copy_of(invite, meeting, partstat, languages[invite.id]))
    count = _write(meeting, requests, method=imip.REQUEST, kind=kind, template=template, note=note,
                   occasion=occasion, changes=changes, shared=shared)
    count += _write(meeting, cancels, method=imip.CANCEL, kind=KIND_CANCEL, note=note, shared=shared)
    values = [{"id": c.invite_id, "state": ACTIVE, "partstat": c.partstat, "sequence_sent": c.sequence,
               "last_sent_at": now} for c in requests]
    values += [{"id": c.invite_id, "state": CANCELLED, "partstat": c.partstat, "sequence_sent": c.sequence,
                "last_sent_at": now} for c in cancels]
    db.session.execute(update(MeetingInvite), values)  # executemany by primary key
    for invite in invites:  # objects the caller holds see what was written
        if invite in db.session:
            db.session.expire(invite, ["state", "partstat", "sequence_sent", "last_sent_at"])
    return count


def _wanted_partstat(invite: MeetingInvite, meeting: Meeting) -> str | None:
    """What this person's copy should say now (None: it should be cancelled)."""
    if meeting.is_cancelled:
        return None
    if invite.guest_id is not None:
        guest = db.session.get(MeetingGuest, invite.guest_id)
        return _partstat_for(guest.status) if guest is not None else None
    member = db.session.get(Member, invite.member_id)
    if member is None or not member.active or member.membership_in(meeting.group) is None:
        return None
    status = db.session.scalar(select(Rsvp.status).where(Rsvp.meeting_id == meeting.id,
                                                         Rsvp.member_id == member.id))
    return _partstat_for(status)


def refresh_copy(invite: MeetingInvite, *, note: str = "") -> None:
    """Write to the outbox (not committed) this person's calendar copy as it should be now: a
    REQUEST (ACCEPTED when going, TENTATIVE when waitlisted, NEEDS-ACTION when not answered) or a
    CANCEL when they are not coming or the meeting is cancelled, with a higher SEQUENCE; `note`
    (in the person's language) leads the mail's text."""
    meeting = invite.meeting
    wanted = _wanted_partstat(invite, meeting)
    _resend(meeting, [invite], partstats={invite.id: wanted},
            kind=KIND_UPDATE if wanted is not None else KIND_CANCEL, note=note, occasion="updated")


# --- automatic sending (cron) -----------------------------------------------------------------------


def _due_invitation_ids(now: datetime) -> list[int]:
    """Meetings of groups with automatic invitations that start within the group's days and have
    people who should get one: nobody invited yet, or an active member without a copy who has not
    sent afbud (joined since)."""
    from app.models import Group

    member_without_copy = exists().where(
        Membership.group_id == Meeting.group_id, Membership.member_id == Member.id, Member.active.is_(True),
        *_member_wants_copy(Meeting.id))
    rows = db.session.execute(
        select(Meeting.id, Meeting.starts_at, Group.invite_days_before, Group.timezone)
        .join(Group, Group.id == Meeting.group_id)
        .where(Group.invite_days_before.is_not(None), Meeting.status == "scheduled",
               Meeting.starts_at > now, Meeting.starts_at <= now + timedelta(days=366),
               or_(Meeting.invitations_sent_at.is_(None), member_without_copy))
        .order_by(Meeting.starts_at, Meeting.id)).all()
    return [meeting_id for meeting_id, starts_at, days, zone in rows
            if invitations_due(_aware(starts_at), days, zone, now)]


def invitations_due(starts_at: datetime, days_before: int, zone: str, now: datetime) -> bool:
    """Whether a meeting's automatic invitations are due: from the start of the day `days_before`
    days before the meeting's local date, on the group's wall clock (0: on the meeting's own day,
    before it starts)."""
    tz = ZoneInfo(zone)
    first_day = starts_at.astimezone(tz).date() - timedelta(days=days_before)
    return now.astimezone(tz).date() >= first_day


def _locked_meeting(meeting_id: int) -> Meeting | None:
    begin_write()
    meeting = db.session.scalar(lock_for_update(select(Meeting).where(Meeting.id == meeting_id),
                                                of=Meeting))
    locked()
    return meeting


def _due_invitations(meeting_id: int, now: datetime) -> int:
    meeting = _locked_meeting(meeting_id)
    if (meeting is None or meeting.is_cancelled or _aware(meeting.starts_at) <= now
            or meeting.group.invite_days_before is None
            or not invitations_due(_aware(meeting.starts_at), meeting.group.invite_days_before,
                                   meeting.group.timezone, now)):
        return 0
    return _invite_all(meeting, now)


def _due_update(meeting_id: int, now: datetime) -> int:
    """Send a meeting's coalesced update if it is (still) due; the row lock makes it once."""
    meeting = _locked_meeting(meeting_id)
    due = meeting.calendar_update_due_at if meeting is not None else None
    if due is None or _aware(due) > now:
        return 0
    changes = meeting.calendar_changes or {}
    meeting.calendar_update_due_at = None
    meeting.calendar_changes = None
    if not changes or meeting.is_cancelled or _aware(meeting.starts_at) <= now:
        return 0  # nothing left to tell, or too late to matter
    changed_at = _aware(meeting.updated_at)
    # A copy sent after the meeting's last change (an invitation, a waitlist copy) has the new
    # details already: no update for it.
    # Nor for people who declined in their calendar (their copy stays, marked declined): the
    # update goes to everyone invited who has not declined.
    invites = [i for i in _active_invites(meeting)
               if _aware(i.last_sent_at) < changed_at and i.partstat != PartStat.DECLINED.value]
    return _resend(meeting, invites, kind=KIND_UPDATE, template="calendar_update", changes=changes, now=now)


def _each(meeting_ids: Iterable[int], work, now: datetime) -> int:
    """Run `work(meeting_id, now)` in one transaction per meeting; a failing meeting is logged and
    the others still go out."""
    total = 0
    for meeting_id in meeting_ids:
        try:
            total += work(meeting_id, now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("calendar mail for meeting %s failed", meeting_id)
    return total


def send_due(now: datetime | None = None) -> dict[str, int]:
    """The automatic invitations (groups with `invite_days_before`) and the coalesced updates whose
    time has come; commits per meeting. Safe when two processes run it at once: each meeting is
    handled under its row lock and re-checked there, so the second finds nothing left to do."""
    now = now or utcnow()
    invitation_ids = _due_invitation_ids(now)
    update_ids = list(db.session.scalars(
        select(Meeting.id).where(Meeting.calendar_update_due_at.is_not(None),
                                 Meeting.calendar_update_due_at <= now).order_by(Meeting.id)).all())
    db.session.rollback()  # end the read; each meeting gets its own writing transaction
    return {"invitations": _each(invitation_ids, _due_invitations, now),
            "updates": _each(update_ids, _due_update, now)}


# --- receivers --------------------------------------------------------------------------------------


def _active_invites(meeting: Meeting) -> list[MeetingInvite]:
    # The guests' hosts with them: `_copy_of` names each guest's host (else three queries a guest).
    return list(db.session.scalars(select(MeetingInvite).where(MeetingInvite.meeting_id == meeting.id,
                                                               MeetingInvite.state == ACTIVE)
                                   .options(selectinload(MeetingInvite.guest).selectinload(MeetingGuest.rsvp)
                                            .selectinload(Rsvp.member))
                                   .order_by(MeetingInvite.id)).all())


def on_meeting_changed(meeting: Meeting, fields=None, **_extra) -> None:
    """Collect a material change for the coalesced update (sent by `send_due`)."""
    material = {name: value for name, value in (fields or {}).items() if name in MATERIAL_FIELDS}
    if not material or meeting.invitations_sent_at is None or meeting.is_cancelled:
        return
    now = utcnow()
    if _aware(meeting.ends_at) <= now:
        return  # a correction of a meeting that took place: no calendar mail
    if not db.session.scalar(select(exists().where(MeetingInvite.meeting_id == meeting.id,
                                                   MeetingInvite.state == ACTIVE))):
        return
    merged = {name: list(value) for name, value in (meeting.calendar_changes or {}).items()}
    for name, (old, new) in material.items():
        first_old = merged[name][0] if name in merged else old
        if first_old == new:
            merged.pop(name, None)  # back to what the invited have
        else:
            merged[name] = [first_old, new]
    if merged:
        meeting.calendar_changes = merged
        if meeting.calendar_update_due_at is None:
            delay = current_app.config.get("CALENDAR_UPDATE_DELAY_MINUTES", 5)
            meeting.calendar_update_due_at = now + timedelta(minutes=delay)
    else:
        meeting.calendar_changes = None
        meeting.calendar_update_due_at = None


def on_meeting_cancelled(meeting: Meeting, reason: str = "", **_extra) -> None:
    """A CANCEL to everyone holding an active copy (it is their cancellation mail, with the reason)."""
    meeting.calendar_update_due_at = None
    meeting.calendar_changes = None
    invites = _active_invites(meeting)
    _resend(meeting, invites, partstats={i.id: None for i in invites}, kind=KIND_CANCEL)


def _member_note(meeting: Meeting, wanted: str | None, invite: MeetingInvite, via: str,
                 language: str) -> tuple[str, str]:
    """(note, occasion) for a member's or guest's changed copy, in their language."""
    with force_locale(language):
        if wanted is None:
            if invite.guest_id is not None:
                return _("Your seat at this meeting has been cancelled."), ""
            if via == "system":
                return _("You no longer take part in %(group)s, so the meeting is removed from your "
                         "calendar.", group=meeting.group.name), ""
            if via == "organizer":
                return _("An organizer has registered that you cannot come."), ""
            return _("You have sent afbud, so the meeting is removed from your calendar."), ""
        if via == VIA_PROMOTION:
            return _("A seat became free and you have moved up from the waitlist. You are now signed up."), \
                "promoted"
        if wanted == PartStat.TENTATIVE.value:
            return "", "waitlisted"  # the subject and the status line say it
        if invite.state == CANCELLED:
            return _("You are signed up again."), "updated"
        return _("You are signed up."), "updated"


def on_rsvp_changed(meeting: Meeting, member_id: int | None = None, guest_id: int | None = None,
                    old: str | None = None, new: str | None = None, via: str = "", **_extra) -> bool | None:
    """Keep a person's calendar copy in step with their sign-up (not for replies from the calendar:
    the reply handler answers those itself). Returns True when the calendar mail told them."""
    if via == VIA_CALENDAR or meeting.is_cancelled or meeting.invitations_sent_at is None:
        return None
    now = utcnow()
    if now >= _aware(meeting.starts_at):
        return None  # an organizer's correction after the start: no calendar mail
    wanted = _partstat_for(new)
    query = select(MeetingInvite).where(MeetingInvite.meeting_id == meeting.id)
    query = query.where(MeetingInvite.member_id == member_id) if member_id is not None else \
        query.where(MeetingInvite.guest_id == guest_id)
    invite = db.session.scalar(query)
    if invite is None:
        if wanted is None:
            return None
        # Not invited yet (a new guest, a member who had sent afbud before the invitations went
        # out, or joined since): the invitation now, as their confirmation.
        copy = _new_copy(meeting, member_id, guest_id, wanted)
        if copy is None:
            return None
        _create_invites(meeting, [copy], now)
        note, occasion = "", ""
        if via == VIA_PROMOTION:
            note, occasion = _member_note(meeting, wanted, MeetingInvite(state=ACTIVE), via, copy.language)
        _write(meeting, [copy], method=imip.REQUEST, kind=KIND_INVITE, note=note, occasion=occasion)
        return True
    if wanted is None:
        if invite.state == CANCELLED:
            return None
    elif invite.state == ACTIVE and invite.partstat == wanted:
        return None  # the copy says this already
    elif (invite.state == ACTIVE and wanted == PartStat.ACCEPTED.value
          and invite.partstat == PartStat.NEEDS_ACTION.value):
        # A "yes" to an invitation that asked for one: their calendar needs no new copy (it is the
        # same event; their client shows their own answer), so no mail. The row records the answer
        # (the organizer's counts; the next copy we send says ACCEPTED).
        invite.partstat = wanted
        return None
    languages = _languages([invite])
    note, occasion = _member_note(meeting, wanted, invite, via, languages[invite.id])
    _resend(meeting, [invite], partstats={invite.id: wanted},
            kind=KIND_UPDATE if wanted is not None else KIND_CANCEL, note=note, occasion=occasion, now=now,
            languages=languages)
    return True


def _new_copy(meeting: Meeting, member_id: int | None, guest_id: int | None, partstat: str) -> _Copy | None:
    default = NetworkSettings.get().default_language
    if guest_id is not None:
        guest = db.session.get(MeetingGuest, guest_id)
        if guest is None:
            return None
        return _Copy(None, guest.id, guest.name, guest.email, default, partstat, meeting.sequence or 0,
                     host=guest.rsvp.member.name, substitute=guest.is_substitute)
    member = db.session.get(Member, member_id)
    if member is None or not member.active:
        return None
    return _Copy(member.id, None, member.name, member.email, member.language or default, partstat,
                 meeting.sequence or 0)


def on_member_left(member: Member, group_ids=(), **_extra) -> None:
    """A member who left a group gets a CANCEL for their copies of its coming meetings (those they
    had answered are cancelled through `rsvp_changed` already; this covers the unanswered ones)."""
    if not group_ids:
        return
    now = utcnow()
    invites = db.session.scalars(
        select(MeetingInvite).join(Meeting, Meeting.id == MeetingInvite.meeting_id)
        .where(MeetingInvite.member_id == member.id, MeetingInvite.state == ACTIVE,
               Meeting.group_id.in_(list(group_ids)), Meeting.starts_at > now,
               Meeting.status == "scheduled")
        .order_by(MeetingInvite.meeting_id)).all()
    languages = _languages(invites)  # one query (they are all this member's)
    for invite in invites:
        meeting = invite.meeting
        note, _occasion = _member_note(meeting, None, invite, "system", languages[invite.id])
        _resend(meeting, [invite], partstats={invite.id: None}, kind=KIND_CANCEL, note=note, now=now,
                languages=languages)


def connect_receivers() -> None:
    """Connect the receivers of the meeting and sign-up signals."""
    events.meeting_changed.connect(on_meeting_changed)
    events.meeting_cancelled.connect(on_meeting_cancelled)
    events.rsvp_changed.connect(on_rsvp_changed)
    events.member_left.connect(on_member_left)
