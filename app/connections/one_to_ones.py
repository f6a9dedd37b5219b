"""1-to-1 meetings between two members: log or propose one, confirm or decline it, cancel it.

A member logs a 1-to-1 with another member who shares a group with them (a date, optionally a
time, a place and a note). It is `proposed` until the other member (the partner) confirms or
declines it, on the website or with the signed one-click links in their mail; only confirmed
1-to-1s count as a tie (`app.connections.history`). The proposer can cancel it.

Mail (through the outbox, in the recipient's language):

- `one_to_one_invite` to the partner. For a 1-to-1 still ahead it is a calendar invitation (iMIP
  REQUEST, `app.calendars.ical` + `imip`): UID `one-to-one-<id>@<MAIL_DOMAIN or BASE_URL's host>`,
  ORGANIZER the proposer, the partner the only ATTENDEE, the time in the network's time zone (no
  time: an all-day entry, shown as free). From is the network's sender address with the proposer's
  name ("Anne Hansen via Kaffeklub") and Reply-To the proposer, so a reply or the calendar's own
  answer reaches the proposer. A 1-to-1 that already took place ("vi mødtes i tirsdags") gets a
  plain mail asking to confirm it.
- `one_to_one_answer` to the proposer when the partner confirms or declines (again).
- `one_to_one_cancel` to the partner when the proposer cancels: a calendar CANCEL (SEQUENCE one
  higher) when the invitation was a calendar one, else a plain mail.

Services check permissions on the object and commit; the web and the API call the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import formataddr, make_msgid
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.auth.tokens import external_url
from app.calendars import imip
from app.calendars.feeds import uid_domain
from app.calendars.ical import Attendee, EventData, build_calendar, clean_text, party_lines, with_parties
from app.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.i18n import network_timezone
from app.input_guard import has_unstorable, int_in_range, normalize_newlines
from app.mail.batch import insert_outbox_rows
from app.mail.services import _message_domain, _sender_pair, enqueue_mail, render_mail
from app.meetings.recurrence import local_datetime
from app.models import Member, Membership, NetworkSettings, OneToOne, OneToOneStatus, utcnow
from app.validation import FieldErrors

PROPOSED = OneToOneStatus.PROPOSED.value
CONFIRMED = OneToOneStatus.CONFIRMED.value
DECLINED = OneToOneStatus.DECLINED.value
CANCELLED = OneToOneStatus.CANCELLED.value

LIMITS = {"place": 300, "note": 2000}
MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 15, 8 * 60, 60
DAYS_BACK = 366  # a 1-to-1 may be logged up to a year after it took place
DAYS_AHEAD = 366  # and planned up to a year ahead
MAX_PER_DAY = 30  # 1-to-1s one member may log in 24 hours (each mails the partner)

KIND_INVITE = "one_to_one_invite"
KIND_ANSWER = "one_to_one_answer"
KIND_CANCEL = "one_to_one_cancel"

_LINK_SALT = "kaffeklub.connections.one_to_one.v1"
ANSWERS = ("confirm", "decline")


# --- who with whom ------------------------------------------------------------------------------------


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def shared_group_ids(a_id: int, b_id: int) -> set[int]:
    rows = db.session.execute(select(Membership.member_id, Membership.group_id).where(
        Membership.member_id.in_((a_id, b_id)))).all()
    a = {g for m, g in rows if m == a_id}
    return a & {g for m, g in rows if m == b_id}


def can_meet(user, partner: Member | None) -> bool:
    return (_authenticated(user) and partner is not None and partner.id != user.id and partner.active
            and bool(getattr(user, "active", True)) and bool(shared_group_ids(user.id, partner.id)))


# --- reading -------------------------------------------------------------------------------------------


def get_for(user, one_to_one_id) -> OneToOne:
    """The 1-to-1, for its proposer or partner only (NotFound for everybody else)."""
    if not _authenticated(user) or not _is_id(one_to_one_id):
        raise NotFound()
    row = db.session.get(OneToOne, one_to_one_id)
    if row is None or user.id not in (row.proposer_id, row.partner_id):
        raise NotFound()
    return row


@dataclass
class MyOneToOnes:
    waiting_for_me: list[OneToOne]  # proposed to me: confirm or decline
    waiting_for_them: list[OneToOne]  # I proposed, no answer yet
    upcoming: list[OneToOne]  # confirmed, ahead
    past: list[OneToOne]  # confirmed, done (newest first)
    closed: list[OneToOne]  # declined or cancelled (newest first)


def for_member(user, *, limit: int = 50) -> MyOneToOnes:
    """The user's own 1-to-1s, sorted into what the "Mit netværk" page shows."""
    if not _authenticated(user):
        raise PermissionDenied()
    rows = db.session.scalars(
        select(OneToOne).where(or_(OneToOne.proposer_id == user.id, OneToOne.partner_id == user.id))
        .options(selectinload(OneToOne.proposer), selectinload(OneToOne.partner))
        .order_by(OneToOne.met_on.desc(), OneToOne.id.desc()).limit(500)).all()
    today = local_today()
    result = MyOneToOnes([], [], [], [], [])
    for row in rows:
        if row.status == PROPOSED:
            (result.waiting_for_me if row.partner_id == user.id else result.waiting_for_them).append(row)
        elif row.status == CONFIRMED:
            (result.upcoming if row.met_on >= today else result.past).append(row)
        else:
            result.closed.append(row)
    result.upcoming.reverse()  # soonest first
    for name in ("waiting_for_me", "waiting_for_them", "upcoming", "past", "closed"):
        setattr(result, name, getattr(result, name)[:limit])
    return result


def other_of(row: OneToOne, user) -> Member:
    return row.partner if row.proposer_id == user.id else row.proposer


# --- time -----------------------------------------------------------------------------------------------


def zone_name() -> str:
    return network_timezone()


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(zone_name())).date()


def starts_and_ends(row: OneToOne) -> tuple[datetime, datetime] | None:
    if row.starts_at is None:
        return None
    start = row.starts_at if row.starts_at.tzinfo else row.starts_at.replace(tzinfo=UTC)
    return start, start + timedelta(minutes=row.duration_minutes or DEFAULT_MINUTES)


def invited_by_calendar(row: OneToOne) -> bool:
    """Whether the partner's invitation was a calendar one: the 1-to-1 lay ahead when it was logged."""
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return not is_past(row, created)


def has_calendar_copy(row: OneToOne) -> bool:
    """Whether the partner's calendar holds the 1-to-1 now (invited by calendar, not declined or
    cancelled since)."""
    return row.status in (PROPOSED, CONFIRMED) and invited_by_calendar(row)


def is_past(row: OneToOne, now: datetime | None = None) -> bool:
    """Whether the 1-to-1 has taken place (its end has passed; a day without a time: after the day)."""
    now = now or utcnow()
    times = starts_and_ends(row)
    if times is not None:
        return times[1] <= now
    return row.met_on < local_today(now)


# --- validation -----------------------------------------------------------------------------------------


@dataclass
class OneToOneData:
    partner_id: int
    met_on: date
    start_time: time | None
    duration_minutes: int
    place: str
    note: str


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and int_in_range(value) and value > 0


def _text(errors: FieldErrors, data: Mapping, name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, _("Please enter text."))
        return ""
    if has_unstorable(value):
        errors.add(name, _("The field contains characters that cannot be saved."))
        return ""
    value = normalize_newlines(value).strip()
    if name == "place":
        value = " ".join(value.split())
    if len(value) > LIMITS[name]:
        errors.add(name, _("Please keep it to %(max)d characters.", max=LIMITS[name]))
    return value


def clean(user, data: Mapping) -> tuple[OneToOneData, Member]:
    """Check what a form or the API sent; ValidationFailed names every wrong field."""
    errors = FieldErrors()
    partner_id = data.get("partner_id")
    partner = None
    if not _is_id(partner_id):
        errors.add("partner_id", _("Choose the member you met."))
    else:
        partner = db.session.get(Member, partner_id)
        if partner is not None and partner.id == user.id:
            errors.add("partner_id", _("Choose another member than yourself."))
        elif not can_meet(user, partner):
            errors.add("partner_id", _("You can log 1-to-1 meetings with members of your own groups only."))
    met_on = data.get("met_on")
    today = local_today()
    if not isinstance(met_on, date) or isinstance(met_on, datetime):
        errors.add("met_on", _("Please enter the date (e.g. 2026-03-12)."))
        met_on = today
    elif met_on < today - timedelta(days=DAYS_BACK):
        errors.add("met_on", _("A 1-to-1 can be logged up to a year after it took place."))
    elif met_on > today + timedelta(days=DAYS_AHEAD):
        errors.add("met_on", _("A 1-to-1 can be planned up to a year ahead."))
    start_time = data.get("start_time")
    if start_time is not None and (not isinstance(start_time, time) or start_time.tzinfo is not None):
        errors.add("start_time", _("Please enter the time as hh:mm (e.g. 08:30)."))
        start_time = None
    minutes = data.get("duration_minutes")
    if minutes is None:
        minutes = DEFAULT_MINUTES
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors.add("duration_minutes", _("Please enter a length between %(min)d and %(max)d minutes.",
                                         min=MIN_MINUTES, max=MAX_MINUTES))
        minutes = DEFAULT_MINUTES
    place = _text(errors, data, "place")
    note = _text(errors, data, "note")
    errors.raise_if_any()
    return OneToOneData(partner_id, met_on, start_time, minutes, place, note), partner


# --- use cases --------------------------------------------------------------------------------------------


def propose(user, data: Mapping) -> OneToOne:
    """Log (or propose) a 1-to-1 with another member; mails them the invitation. Commits."""
    if not _authenticated(user):
        raise PermissionDenied()
    values, partner = clean(user, data)
    _refuse_repeats(user, values)
    starts_at = None
    if values.start_time is not None:
        starts_at = local_datetime(values.met_on, values.start_time, ZoneInfo(zone_name())).astimezone(UTC)
    row = OneToOne(proposer_id=user.id, partner_id=partner.id, met_on=values.met_on, starts_at=starts_at,
                   duration_minutes=values.duration_minutes, place=values.place, note=values.note,
                   status=PROPOSED, sequence=0)
    db.session.add(row)
    db.session.flush()
    _mail_invite(row)
    db.session.commit()
    return row


def _refuse_repeats(user, values: OneToOneData) -> None:
    """No second open 1-to-1 between the same two on the same day, and at most MAX_PER_DAY logged
    by one member in 24 hours (each sends a mail: a member cannot flood another's inbox)."""
    same = db.session.scalar(select(func.count(OneToOne.id)).where(
        or_(and_(OneToOne.proposer_id == user.id, OneToOne.partner_id == values.partner_id),
            and_(OneToOne.proposer_id == values.partner_id, OneToOne.partner_id == user.id)),
        OneToOne.met_on == values.met_on, OneToOne.status.in_((PROPOSED, CONFIRMED))))
    if same:
        errors = FieldErrors()
        errors.add("met_on", _("You already have a 1-to-1 with this member on that day."))
        errors.raise_if_any()
    recent = db.session.scalar(select(func.count(OneToOne.id)).where(
        OneToOne.proposer_id == user.id, OneToOne.created_at >= utcnow() - timedelta(hours=24)))
    if recent >= MAX_PER_DAY:
        raise Conflict(_("You have logged %(num)d 1-to-1s in the last 24 hours. Please wait a little "
                         "before logging more.", num=MAX_PER_DAY))


def answer(user, one_to_one_id, reply: str) -> OneToOne:
    """The partner confirms ("confirm") or declines ("decline"); the proposer is told. Commits."""
    row = get_for(user, one_to_one_id)
    if row.partner_id != user.id:
        raise PermissionDenied(_("Only %(name)s can answer this 1-to-1.", name=row.partner.name))
    return _answer(row, reply)


def _answer(row: OneToOne, reply: str) -> OneToOne:
    if reply not in ANSWERS:
        raise NotFound()
    if row.status == CANCELLED:
        raise Conflict(_("%(name)s has cancelled this 1-to-1.", name=row.proposer.name))
    wanted = CONFIRMED if reply == "confirm" else DECLINED
    if row.status == wanted:
        return row  # already so: nothing changes, nobody is mailed again
    had_copy = has_calendar_copy(row)
    row.status = wanted
    row.responded_at = utcnow()
    if row.proposer.active:
        enqueue_mail(row.proposer, "one_to_one_answer", kind=KIND_ANSWER, **_mail_context(row, row.proposer))
    # The partner's calendar follows their answer (as a meeting's copy follows an afbud): declined
    # takes it out, confirmed after a decline puts it back. A first "confirm" needs no mail: their
    # calendar holds the event and shows their own answer.
    if not is_past(row) and row.partner.active:
        if had_copy and wanted == DECLINED:
            row.sequence = (row.sequence or 0) + 1
            _calendar_mail(row, method=imip.CANCEL, template="one_to_one_cancel", kind=KIND_CANCEL,
                           declined=True)
        elif not had_copy and wanted == CONFIRMED and invited_by_calendar(row):
            row.sequence = (row.sequence or 0) + 1
            _calendar_mail(row, method=imip.REQUEST, template="one_to_one_invite", kind=KIND_INVITE,
                           partstat="ACCEPTED", again=True, confirm_url="",
                           decline_url=link_url(row, "decline"))
    db.session.commit()
    return row


def cancel(user, one_to_one_id) -> OneToOne:
    """The proposer withdraws a proposed or confirmed 1-to-1; the partner's calendar gets a CANCEL."""
    row = get_for(user, one_to_one_id)
    if row.proposer_id != user.id:
        raise PermissionDenied(_("Only %(name)s can cancel this 1-to-1.", name=row.proposer.name))
    if row.status in (CANCELLED, DECLINED):
        return row
    had_copy = has_calendar_copy(row)
    row.status = CANCELLED
    row.responded_at = utcnow()
    row.sequence = (row.sequence or 0) + 1
    if row.partner.active:
        _mail_cancel(row, calendar=had_copy and not is_past(row))
    db.session.commit()
    return row


# --- one-click links ---------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_LINK_SALT)


def link_token(row: OneToOne) -> str:
    return _serializer().dumps([row.id, row.partner_id])


def link_url(row: OneToOne, reply: str) -> str:
    return external_url("connections.one_to_one_link", token=link_token(row), reply=reply)


def read_link(token: str) -> OneToOne:
    """The 1-to-1 a link is for (NotFound for a link not made here, or for a 1-to-1 gone since)."""
    try:
        value = _serializer().loads(token)
    except (BadSignature, UnicodeError, ValueError, TypeError):
        raise NotFound() from None
    if not isinstance(value, list) or len(value) != 2 or not all(_is_id(v) for v in value):
        raise NotFound()
    row = db.session.get(OneToOne, value[0])
    if row is None or row.partner_id != value[1] or not row.partner.active:
        raise NotFound()
    return row


def answer_by_link(token: str, reply: str) -> OneToOne:
    return _answer(read_link(token), reply)


# --- mail ---------------------------------------------------------------------------------------------------


def uid(row: OneToOne) -> str:
    return f"one-to-one-{row.id}@{uid_domain()}"


def page_url(row: OneToOne) -> str:
    return external_url("connections.one_to_one", one_to_one_id=row.id)


def when_text(row: OneToOne, language: str) -> str:
    """"torsdag den 12. marts 2026, 08.30–09.30" in the reader's language (the network's zone)."""
    day = format_date(row.met_on, format="full", locale=language)
    times = starts_and_ends(row)
    if times is None:
        return day
    zone = ZoneInfo(zone_name())
    start, end = (t.astimezone(zone) for t in times)
    return "{}, {}–{}".format(day, format_time(start.time(), format="short", locale=language),
                              format_time(end.time(), format="short", locale=language))


def _mail_context(row: OneToOne, reader: Member) -> dict:
    other = row.partner if reader.id == row.proposer_id else row.proposer
    return dict(one_to_one=row, proposer=row.proposer, partner=row.partner, other=other,
                when=when_text(row, reader.language), place=row.place, note=row.note,
                past=is_past(row), status=row.status, page_url=page_url(row))


def _sender_name(settings: NetworkSettings, proposer: Member) -> str:
    network = _sender_pair(settings)[0] or settings.name
    return f"{proposer.name} via {network}"


def _calendar(row: OneToOne, *, method: str, language: str, summary: str, description: str,
              partstat: str = "NEEDS-ACTION") -> bytes:
    """The calendar of the partner's copy: ORGANIZER the proposer, ATTENDEE the partner."""
    status = "CANCELLED" if method == imip.CANCEL else "CONFIRMED"
    body = _event_calendar(row, method=method, summary=summary, description=description, status=status)
    lines = party_lines(row.proposer.email, row.proposer.name,
                        [Attendee(row.partner.email, row.partner.name, partstat=partstat,
                                  rsvp=method == imip.REQUEST)])
    return with_parties(body, lines)


def _event_calendar(row: OneToOne, *, method: str, summary: str, description: str, status: str) -> bytes:
    """The 1-to-1 as a calendar of one event, without ORGANIZER and ATTENDEE."""
    now = utcnow()
    times = starts_and_ends(row)
    if times is None:
        return _all_day_calendar(row, method=method, summary=summary, description=description, status=status,
                                 now=now)
    return build_calendar([EventData(
        uid=uid(row), sequence=row.sequence or 0, summary=summary, start=times[0], end=times[1],
        timezone=zone_name(), dtstamp=now, description=description, location=row.place,
        url=page_url(row), status=status, created=row.created_at, last_modified=now)], method=method)


def calendar_file(user, one_to_one_id, language: str) -> tuple[OneToOne, bytes]:
    """The 1-to-1 as an .ics file for either of the two (METHOD:PUBLISH, no attendees): the proposer
    gets it into their own calendar this way; declined or cancelled ones say CANCELLED."""
    row = get_for(user, one_to_one_id)
    other = other_of(row, user)
    with force_locale(language):
        summary = _("1-to-1 with %(name)s", name=other.name)
    status = "CONFIRMED" if row.status in (PROPOSED, CONFIRMED) else "CANCELLED"
    description = "\n\n".join(part for part in (row.note, page_url(row)) if part)
    calendar = _event_calendar(row, method="PUBLISH", summary=summary, description=description, status=status)
    return row, calendar


def _all_day_calendar(row: OneToOne, *, method: str, summary: str, description: str, status: str,
                      now: datetime) -> bytes:
    """A calendar with one all-day event (DTSTART;VALUE=DATE) shown as free: a 1-to-1 without a time."""
    cal = Calendar()
    cal.add("prodid", "-//Kaffeklub//Kaffeklub//DA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", uid(row))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", row.sequence or 0)
    event.add("dtstart", row.met_on)
    event.add("dtend", row.met_on + timedelta(days=1))
    event.add("summary", clean_text(summary))
    if description:
        event.add("description", clean_text(description))
    if row.place:
        event.add("location", clean_text(row.place))
    event.add("url", page_url(row))
    event.add("status", status)
    event.add("transp", "TRANSPARENT")
    cal.add_component(event)
    return cal.to_ical()


def _description(row: OneToOne, language: str, *, cancelled: bool, declined: bool = False) -> str:
    with force_locale(language):
        parts = []
        if declined:
            parts.append(_("You declined the 1-to-1, so it is removed from your calendar."))
        elif cancelled:
            parts.append(_("%(name)s has cancelled the 1-to-1.", name=row.proposer.name))
        else:
            parts.append(_("A 1-to-1 with %(name)s, logged in %(network)s.", name=row.proposer.name,
                           network=NetworkSettings.get().name))
        if row.note:
            parts.append(row.note)
        parts.append(_("Confirm or decline: %(url)s", url=page_url(row)) if not cancelled else page_url(row))
        return "\n\n".join(parts)


def _summary(row: OneToOne, language: str) -> str:
    with force_locale(language):
        return _("1-to-1 with %(name)s", name=row.proposer.name)


def _calendar_mail(row: OneToOne, *, method: str, template: str, kind: str, partstat: str = "NEEDS-ACTION",
                   **context) -> None:
    partner = row.partner
    language = partner.language
    settings = NetworkSettings.get()
    sender = _sender_pair(settings)
    now = utcnow()
    subject, text, html = render_mail(template, language, member=partner, network=settings,
                                      calendar=True, **_mail_context(row, partner), **context)
    calendar = _calendar(row, method=method, language=language, summary=_summary(row, language),
                         description=_description(row, language, cancelled=method == imip.CANCEL,
                                                  declined=bool(context.get("declined"))),
                         partstat=partstat)
    message_id = make_msgid(domain=_message_domain(sender[1]))
    raw = imip.build_message(imip.CalendarMail(
        method=method, sender_name=_sender_name(settings, row.proposer), sender_email=sender[1],
        to_name=partner.name, to_email=partner.email, subject=subject, text=text, html=html,
        calendar=calendar, message_id=message_id, date=now))
    raw = _with_reply_to(raw, row.proposer)
    insert_outbox_rows([{"message_id": message_id, "kind": kind, "sender": formataddr(sender),
                         "recipients": partner.email, "subject": subject, "raw": raw,
                         "member_id": partner.id}])


def _with_reply_to(raw: str, proposer: Member) -> str:
    """The message with a Reply-To header naming the proposer (before the To header)."""
    header = f"Reply-To: {imip.address_header(proposer.name, proposer.email)}\r\n"
    head, sep, body = raw.partition("\r\n\r\n")
    lines = head.split("\r\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("To: ")), len(lines))
    lines.insert(at, header.rstrip("\r\n"))
    return "\r\n".join(lines) + sep + body


def _mail_invite(row: OneToOne) -> None:
    links = {"confirm_url": link_url(row, "confirm"), "decline_url": link_url(row, "decline")}
    if is_past(row):
        enqueue_mail(row.partner, "one_to_one_invite", kind=KIND_INVITE, calendar=False,
                     **_mail_context(row, row.partner), **links)
    else:
        _calendar_mail(row, method=imip.REQUEST, template="one_to_one_invite", kind=KIND_INVITE, **links)


def _mail_cancel(row: OneToOne, *, calendar: bool) -> None:
    if calendar:
        _calendar_mail(row, method=imip.CANCEL, template="one_to_one_cancel", kind=KIND_CANCEL)
    else:
        enqueue_mail(row.partner, "one_to_one_cancel", kind=KIND_CANCEL, calendar=False,
                     **_mail_context(row, row.partner))
