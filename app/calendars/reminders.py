"""The reminder the day before a meeting, to everyone going (run by `flask meetings send-due`).

When: a group with `reminder_time` set reminds each of its scheduled meetings on the day before the
meeting's local date, at that wall-clock time in the group's zone, so 18:00 stays 18:00 on both
sides of a summer-time change (`reminder_due_at`). A time the clocks skip on that day (02:30 when
they go forward) is read in the offset before the change, i.e. an hour later on the wall clock; a
time that occurs twice (when they go back) means the first one.

Late: a reminder whose moment has passed (the cron job was down, the meeting was created or the
reminder time set after it) goes out at the next run, unless the meeting starts within
`LATE_CUTOFF` (2 hours): by then the members are on their way, and a mail about "tomorrow's"
meeting at dawn helps nobody. Such a meeting gets no reminder.

Once: each meeting is claimed with a conditional UPDATE of `meetings.reminder_sent_at` and its
mails are written to the outbox in the same transaction, so two processes running at once send one
reminder (on PostgreSQL the second UPDATE waits for the first transaction's row lock and then finds
the meeting claimed; on SQLite `BEGIN IMMEDIATE` makes them take turns). A reminder counts for the
meeting's date: one sent before the day before the meeting's current date (it was moved to a later
day after its reminder) does not, and the meeting is reminded again for its new date.

Who: every member going (in an "expected unless afbud" group also every active member who has not
answered), and every guest and substitute going; nobody waitlisted, declined or cancelled. Each gets
one mail in their own language (guests in the network's) with the time, doors-open time, place and
map link, the online link, the agenda, who else is coming (the names of the members who share their
attendance, the others counted, guests counted), their own one-click afbud or cancel link and the
meeting page. The copies are written with `enqueue_mail_batch`: the template is rendered once per
language and each copy filled in with its personal values (the link and the "who else" line).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.lists import format_list
from flask import current_app
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.auth.tokens import external_url
from app.db_locks import begin_write, locked
from app.extensions import db
from app.mail.batch import BatchRecipient, enqueue_mail_batch
from app.models import (
    GuestStatus,
    Meeting,
    MeetingGuest,
    MeetingStatus,
    Member,
    NetworkSettings,
    Rsvp,
    RsvpStatus,
    utcnow,
)
from app.models.group import Group
from app.rsvp import links
from app.rsvp.services import expected_member_ids, is_expected_mode

TEMPLATE = "meeting_reminder"
LATE_CUTOFF = timedelta(hours=2)
# The reminder is due at most a day and a bit before the start (the day before at 23:59, plus an
# hour when the clocks go back in between): meetings starting later than this are not looked at.
LOOKAHEAD = timedelta(hours=50)
MAX_NAMES = 40  # names in "who else is coming"; the rest are counted
LINE_WIDTH = 76


# --- pure: when a reminder is due, and who else is coming -----------------------------------------


def reminder_due_at(starts_at: datetime, zone: str, reminder_time: time) -> datetime:
    """The UTC moment the reminder of a meeting starting at `starts_at` is due: the day before
    the meeting's local date, at `reminder_time` on the wall clock of `zone`."""
    tz = ZoneInfo(zone)
    local_day = starts_at.astimezone(tz).date()
    return _wall_clock(local_day - timedelta(days=1), reminder_time, tz)


def _wall_clock(day: date, at: time, tz: ZoneInfo) -> datetime:
    # fold=0: a skipped time is read in the offset before the change, a doubled one is the first.
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz).astimezone(UTC)


def counts_for_date(sent_at: datetime | None, starts_at: datetime, zone: str) -> bool:
    """Whether a reminder sent at `sent_at` was for the meeting's current date (sent on or after
    the start of the day before it)."""
    if sent_at is None:
        return False
    return sent_at >= _window_start(starts_at, zone)


def _window_start(starts_at: datetime, zone: str) -> datetime:
    tz = ZoneInfo(zone)
    return _wall_clock(starts_at.astimezone(tz).date() - timedelta(days=1), time(0, 0), tz)


def is_due(starts_at: datetime, zone: str, reminder_time: time | None, sent_at: datetime | None,
           now: datetime) -> bool:
    """The rule of the module doc: due, not yet sent for this date, and not starting too soon."""
    if reminder_time is None or counts_for_date(sent_at, starts_at, zone):
        return False
    return reminder_due_at(starts_at, zone, reminder_time) <= now and now < starts_at - LATE_CUTOFF


@dataclass
class Coming:
    """Who is going to one meeting, as the reminder tells it: the names of the members who share
    their attendance (id, name), how many members do not, and how many guests come."""

    sharing: list[tuple[int, str]]
    hidden: int
    guests: int

    def others_for(self, *, member_id: int | None, member_shares: bool) -> tuple[list[str], int, int]:
        """(names, other members, guests) without the reader (`member_id`; None for a guest). A
        guest is not a member: which members come ("meetings", app.visibility) is never public, so
        a guest gets the counts only."""
        names = [name for ident, name in self.sharing if ident != member_id]
        if member_id is None:
            names, hidden_names = [], len(names)
        else:
            hidden_names = 0
        hidden = self.hidden + hidden_names - (1 if member_id is not None and not member_shares else 0)
        guests = self.guests - (1 if member_id is None else 0)
        if len(names) > MAX_NAMES:
            hidden += len(names) - MAX_NAMES
            names = names[:MAX_NAMES]
        return names, max(hidden, 0), max(guests, 0)


def coming_line(names: list[str], others: int, guests: int) -> str:
    """"Also coming: Anna, Bo, 4 others and 2 guests." in the current language, wrapped to mail
    lines (a line end is a space in the HTML part)."""
    parts = list(names)
    if others:
        parts.append(ngettext("%(num)d other", "%(num)d others", others) if names
                     else ngettext("%(num)d member", "%(num)d members", others))
    if guests:
        parts.append(ngettext("%(num)d guest", "%(num)d guests", guests))
    if not parts:
        text = _("Nobody else has signed up yet.")
    else:
        text = _("Also coming: %(people)s.", people=format_list(parts, locale=str(get_locale())))
    # CRLF: the message is stored with SMTP line ends, and the batch fills the value in as it is.
    return "\r\n".join(textwrap.wrap(text, LINE_WIDTH, break_long_words=False, break_on_hyphens=False))


# --- the use case ---------------------------------------------------------------------------------


def send_due_reminders(now: datetime | None = None) -> int:
    """Write the reminders that are due (module doc) to the outbox, one committed transaction per
    meeting; returns how many mails were written. Safe when two processes run it at once."""
    now = now or utcnow()
    candidates = db.session.execute(
        select(Meeting.id, Meeting.starts_at, Meeting.reminder_sent_at, Group.timezone, Group.reminder_time)
        .join(Group, Group.id == Meeting.group_id)
        .where(Group.reminder_time.is_not(None), Meeting.status == MeetingStatus.SCHEDULED.value,
               Meeting.starts_at > now + LATE_CUTOFF, Meeting.starts_at <= now + LOOKAHEAD)
        .order_by(Meeting.starts_at, Meeting.id)).all()
    db.session.rollback()  # end the read; each meeting gets its own transaction
    written = 0
    for meeting_id, starts_at, sent_at, zone, reminder_time in candidates:
        if not is_due(starts_at, zone, reminder_time, sent_at, now):
            continue
        try:
            written += _remind(meeting_id, starts_at, zone, now)
        except Exception:  # one broken meeting must not keep the others' reminders back
            current_app.logger.exception("Reminder of meeting %s failed; tried again at the next run",
                                         meeting_id)
    return written


def _remind(meeting_id: int, starts_at: datetime, zone: str, now: datetime) -> int:
    """Claim one meeting and write its reminders, in one transaction; 0 if another run had it."""
    try:
        begin_write()
        claimed = db.session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id, Meeting.status == MeetingStatus.SCHEDULED.value,
                   Meeting.starts_at == starts_at,  # not moved since we looked
                   or_(Meeting.reminder_sent_at.is_(None),
                       Meeting.reminder_sent_at < _window_start(starts_at, zone)))
            .values(reminder_sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            db.session.rollback()
            return 0
        locked()  # (tests: hold the claim here, so that a second run can be made to overlap)
        meeting = db.session.get(Meeting, meeting_id, populate_existing=True)
        written = write_reminders(meeting)
        db.session.commit()
        return written
    except BaseException:
        db.session.rollback()
        raise


@dataclass
class _Going:
    members: list[Member]
    guests: list[MeetingGuest]
    coming: Coming


def _going(meeting: Meeting) -> _Going:
    members = list(db.session.scalars(
        select(Member).join(Rsvp, Rsvp.member_id == Member.id)
        .where(Rsvp.meeting_id == meeting.id, Rsvp.status == RsvpStatus.GOING.value,
               Member.active.is_(True))).all())
    if is_expected_mode(meeting):
        expected = expected_member_ids(meeting)
        if expected:
            members += db.session.scalars(select(Member).where(Member.id.in_(expected))).all()
    members.sort(key=lambda m: (m.name.casefold(), m.id))
    guests = list(db.session.scalars(
        select(MeetingGuest).where(MeetingGuest.meeting_id == meeting.id,
                                   MeetingGuest.status == GuestStatus.GOING.value)
        .order_by(MeetingGuest.id)).all())
    sharing = [(m.id, m.name) for m in members if m.share_attendance]
    return _Going(members, guests, Coming(sharing, len(members) - len(sharing), len(guests)))


def write_reminders(meeting: Meeting) -> int:
    """Write the reminder of `meeting` to everyone going (not committed); returns how many."""
    going = _going(meeting)
    one_click = links.MeetingLinks(meeting.id)  # the afbud links without a request context per person
    default_language = NetworkSettings.get().default_language
    context = dict(meeting=meeting, group=meeting.group, tz=meeting.group.timezone,
                   meeting_url=external_url("meetings.show", meeting_id=meeting.id))

    def coming_in(language: str, **reader) -> str:
        with force_locale(language):
            return coming_line(*going.coming.others_for(**reader))

    members = [BatchRecipient(member_id=m.id, name=m.name, email=m.email, language=m.language,
                              values={"afbud_url": one_click.answer(m.id, "no"),
                                      "coming": coming_in(m.language or default_language, member_id=m.id,
                                                          member_shares=m.share_attendance)})
               for m in going.members]
    guests = [BatchRecipient(member_id=None, name=g.name, email=g.email, language=default_language,
                             values={"afbud_url": one_click.guest(g.id),
                                     "coming": coming_in(default_language, member_id=None,
                                                         member_shares=False)})
              for g in going.guests]
    written = enqueue_mail_batch(TEMPLATE, members, kind=TEMPLATE, is_guest=False, **context)
    written += enqueue_mail_batch(TEMPLATE, guests, kind=TEMPLATE, is_guest=True, **context)
    return written
