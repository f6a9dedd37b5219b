"""Take in one message sent to the reply address and apply the calendar REPLY it carries.

`ingest(raw)` is the one entry for `flask mail ingest`, `flask mail receive` and `flask mail fetch`.
It always keeps the message (an `InboundMail` row: the raw bytes up to INBOUND_KEEP_BYTES, what was
done and why), logs the outcome, commits, and never raises for bad input:

1. The same bytes again (sha256) are a duplicate: nothing is done and nothing stored again (the
   returned row is not saved; it names the first copy). A message with the Message-ID of one
   applied before (the same reply delivered twice by two routes) is kept with outcome "duplicate"
   (only an applied one counts: a message refused before may be fixed and taken in again, and a
   refused forgery cannot block the real reply). Only a message whose handling failed (outcome
   "error") is handled again when the same bytes come again, RETRY_AFTER after the last attempt
   (an MTA that retries after a crash, or an admin feeding the downloaded .eml back in).
2. The message must be a well-formed iMIP REPLY (`app.inbound.parse`); an automatic reply
   (out-of-office, delivery report) is ignored, and nothing is ever sent back for one.
3. Matching, with CALENDAR_REPLY_TOKENS on (the default): the reply token in the envelope recipient
   or in Delivered-To/X-Original-To/To/Cc names the `MeetingInvite`; its meeting's UID must be the
   REPLY's UID and its address one of the REPLY's ATTENDEEs. So a REPLY proves it answers an
   invitation we sent, and someone who knows only a member's address and the meeting's UID cannot
   make one. With the tokens off, the UID and the ATTENDEE alone find the invitation: anyone who
   knows both can forge such a reply (the setting's price; see config.py).
4. Applying, with exactly the web's rules (`app.rsvp.services`): a member's ACCEPTED is `answer(...,
   "yes", via="calendar")` (a seat, or the waitlist when full), DECLINED is `answer(..., "no")` with
   the COMMENT as the afbud message. TENTATIVE is only recorded on the invitation (its PARTSTAT and
   reply time): it neither takes nor gives up a seat, since "maybe" is not an answer the sign-up
   rules know. A guest's or substitute's DECLINED cancels their seat like their own cancel link;
   their ACCEPTED confirms the seat they have. The rules' refusals (deadline passed, meeting
   cancelled or started, no longer a member) are outcomes, not errors.
5. When the outcome differs from what was asked (accepted but waitlisted, too late, cancelled) the
   person gets a short mail with their calendar copy as it really is
   (`app.calendars.invites.refresh_copy` with a note), never for an automatic message.
6. A message without a calendar part that came to an invitation's reply address with a VALID
   token (the member pressed plain "Reply" and wrote "I'll be 10 minutes late") is forwarded to the
   group's active organizers (`_forward`): one outbox mail each, in their language, naming who the
   invitation went to (not the unverified From), the meeting and the message's text (at most
   parse.FORWARD_TEXT_LIMIT characters, never the attachments). The row keeps outcome "ignored", its
   detail says so, and its `partstat` is FORWARDED (the marker the limit counts). Never forwarded:
   automatic replies and auto-generated mail, a Message-ID forwarded before, a From that is one of
   our own addresses (loop guard), an empty text, and more than FORWARDS_PER_DAY per invitation
   in 24 hours.

A RECURRENCE-ID: our invitations are single events, so a reply for "one occurrence" is applied
only when the occurrence is the meeting itself (its start); any other is ignored.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.calendars import reply_address
from app.calendars.feeds import meeting_uid
from app.errors import Conflict, DomainError, NotFound, PermissionDenied
from app.extensions import db
from app.inbound import parse
from app.inbound.parse import message_text
from app.models import GuestStatus, Meeting, NetworkSettings, RsvpStatus, utcnow
from app.models.calendar import InboundMail, InboundOutcome, InviteState, MeetingInvite, PartStat

log = logging.getLogger("app.inbound")

SOURCES = ("ingest", "receive", "fetch")
ANSWERED = (PartStat.ACCEPTED.value, PartStat.DECLINED.value, PartStat.TENTATIVE.value)
RETRY_AFTER = timedelta(minutes=5)  # a message that failed is handled again when it comes again after this
MESSAGE_LIMIT = 1000  # the afbud message's limit in app.rsvp.services.LIMITS
_UID = re.compile(r"^meeting-(\d{1,10})@")
FORWARDED = "X-FORWARDED"  # InboundMail.partstat of a message forwarded to the organizers
FORWARDS_PER_DAY = 3  # forwards per invitation in 24 hours (a mail loop or a chatty thread)
_SYSTEM_LOCALS = ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply")


@dataclass
class _Result:
    outcome: str
    detail: str
    code: str  # for the log, in English
    invite: MeetingInvite | None = None
    partstat: str = ""
    note: str = ""  # when set: tell the person (refresh_copy) in their language


def ingest(raw: bytes, *, source: str = "ingest", envelope_recipients: Sequence[str] = (),
           total_size: int | None = None) -> InboundMail:
    """Keep one message and apply the REPLY it carries (see the module's doc). Commits.

    `envelope_recipients`: the RCPT TO addresses (SMTP/LMTP) or the MTA's recipient, trusted before
    the headers. `total_size`: the size of the whole message when `raw` is only its start (an IMAP
    fetch of a message over INBOUND_MAX_BYTES)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = bytes(raw or b"")
    config = current_app.config
    size = max(len(raw), total_size or 0)
    digest = hashlib.sha256(raw).hexdigest()
    db.session.rollback()  # start clean: nothing of the caller's half-done work is ours to commit

    first = db.session.scalar(select(InboundMail).where(InboundMail.sha256 == digest))
    if first is not None and not _claim_retry(first, source):
        return _duplicate_of(first, digest, source)

    max_bytes = int(config.get("INBOUND_MAX_BYTES") or 0) or None
    parsed = parse.parse_message(raw, max_bytes=max_bytes)
    if max_bytes and size > max_bytes and parsed.problem != parse.TOO_LARGE:
        parsed.problem, parsed.problem_detail = parse.TOO_LARGE, f"{size} bytes"
    envelope = [parse.clean_text(a, 320).strip().strip("<>").lower() for a in envelope_recipients or ()]
    envelope = [a for a in envelope if "@" in a]
    addresses = envelope + [a for a in parsed.recipients if a not in envelope]  # the envelope first
    keep = max(0, int(config.get("INBOUND_KEEP_BYTES") or 0))
    if first is not None:  # a retry of one whose handling failed: the same row, handled again
        mail_id = first.id
        mail = db.session.get(InboundMail, mail_id)
    else:
        mail = InboundMail(
            source=_source(source),
            sha256=digest,
            message_id=parsed.message_id[:500],
            sender=parsed.sender[:320],
            recipient=_reply_recipient(addresses)[:320],
            subject=parsed.subject[:500],
            size=size,
            raw=raw[:keep],
            truncated=len(raw) > keep or size > len(raw),
            outcome=InboundOutcome.ERROR.value,
            detail=_detail("interrupted"),
            partstat=_first_partstat(parsed),
        )
        db.session.add(mail)
        try:
            db.session.commit()  # claim the bytes first: a second copy arriving now is a duplicate
        except IntegrityError:
            db.session.rollback()
            first = db.session.scalar(select(InboundMail).where(InboundMail.sha256 == digest))
            if first is not None:
                return _duplicate_of(first, digest, source)
            raise
        mail_id = mail.id

    try:
        result = _handle(mail, parsed, addresses, raw)
    except Exception:  # noqa: BLE001 -- our failure: logged, and the message stays for the admin
        log.exception("inbound mail #%s: error while handling", mail_id)
        db.session.rollback()
        result = _Result(InboundOutcome.ERROR.value, _detail("error"), "error")
    mail = db.session.get(InboundMail, mail_id)
    _finish(mail, result)
    try:
        db.session.commit()
    except SQLAlchemyError:
        log.exception("inbound mail #%s: could not record the outcome", mail_id)
        db.session.rollback()
        mail = db.session.get(InboundMail, mail_id)
        _finish(mail, _Result(InboundOutcome.ERROR.value, _detail("error"), "error", result.invite,
                              result.partstat))
        db.session.commit()
    log.info("inbound mail #%s (%s) from %r: %s -- %s", mail.id, mail.source, mail.sender, mail.outcome,
             result.code)
    return mail


def _source(source: str) -> str:
    return source if source in SOURCES else "ingest"


def _claim_retry(first: InboundMail, source: str) -> bool:
    """A message whose handling failed (outcome "error": a crash, the database gone mid-way, a bug)
    is handled again when it comes in again, once RETRY_AFTER has passed since the last attempt
    (so a copy arriving while the first is still being handled stays a duplicate). The claim is one
    conditional UPDATE: of two processes retrying at once, one wins."""
    if first.outcome != InboundOutcome.ERROR.value:
        return False
    now = utcnow()
    claimed = db.session.execute(
        update(InboundMail)
        .where(InboundMail.id == first.id, InboundMail.outcome == InboundOutcome.ERROR.value,
               InboundMail.received_at <= now - RETRY_AFTER)
        .values(received_at=now, detail=_detail("interrupted"),
                source=_source(source))
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if claimed:
        log.info("inbound mail #%s: handling it again after an error", first.id)
    return bool(claimed)


def _duplicate_of(first: InboundMail, digest: str, source: str) -> InboundMail:
    log.info("inbound mail: duplicate of #%s (%s), nothing done", first.id, source)
    copy = InboundMail(source=_source(source), sha256=digest,
                       message_id=first.message_id, sender=first.sender, recipient=first.recipient,
                       subject=first.subject, size=first.size, raw=b"", truncated=False,
                       outcome=InboundOutcome.DUPLICATE.value,
                       detail=_detail("duplicate", number=first.id), partstat=first.partstat,
                       member_id=first.member_id, meeting_id=first.meeting_id, invite_id=first.invite_id)
    copy.received_at = utcnow()
    return copy  # not added to the session: the first copy is the record


def _finish(mail: InboundMail, result: _Result) -> None:
    mail.outcome = result.outcome
    mail.detail = result.detail
    if result.partstat:
        mail.partstat = result.partstat[:20]
    invite = result.invite
    if invite is not None:
        mail.invite_id = invite.id
        mail.meeting_id = invite.meeting_id
        mail.member_id = invite.member_id


def _first_partstat(parsed: parse.ParsedMail) -> str:
    return parsed.attendees[0].partstat[:20] if parsed.attendees else ""


def _reply_recipient(addresses: Sequence[str]) -> str:
    """The address with a reply token it came to, else the first recipient."""
    return next((a for a in addresses if reply_address.token_in(a)), addresses[0] if addresses else "")


# --- the words for the admin page --------------------------------------------------------------------


def _detail(code: str, **params) -> str:
    """The admin's explanation, in the network's language (the admin page shows it as written)."""
    with force_locale(NetworkSettings.get().default_language):
        return _explain(code, **params)


def _explain(code: str, **params) -> str:  # noqa: C901 -- one sentence per outcome
    texts = {
        "interrupted": lambda: _("Handling of this message was interrupted; nothing is known to have "
                                 "changed."),
        "error": lambda: _("An error occurred while handling this message; see the server log."),
        "duplicate": lambda: _("The same message came in before (#%(number)s); nothing was done again.",
                               **params),
        "duplicate_id": lambda: _("A message with the same Message-ID came in before (#%(number)s); nothing "
                                  "was done again.", **params),
        "too_large": lambda: _("The message is too large (%(size)s bytes); it was not read.", **params),
        "unreadable": lambda: _("The message could not be read (broken MIME)."),
        "no_calendar": lambda: _("The message has no calendar reply in it."),
        "forwarded": lambda: ngettext(
            "The message has no calendar reply in it; its text was forwarded to %(num)d organizer.",
            "The message has no calendar reply in it; its text was forwarded to %(num)d organizers.",
            params["count"]),
        "no_organizer": lambda: _("The message has no calendar reply in it; it was not forwarded, as the "
                                  "group has no active organizer."),
        "forward_limit": lambda: _("The message has no calendar reply in it; it was not forwarded, as "
                                   "%(count)s messages about this invitation were forwarded in the last "
                                   "24 hours.", **params),
        "forwarded_before": lambda: _("The message has no calendar reply in it; a message with the same "
                                      "Message-ID was forwarded to the organizers before (#%(number)s).",
                                      **params),
        "malformed_calendar": lambda: _("The calendar in the message is malformed."),
        "not_reply": lambda: _("The calendar is a %(method)s, not a reply; nothing was done.", **params),
        "no_event": lambda: _("The calendar reply names no event."),
        "several_uids": lambda: _("The calendar reply names several events; nothing was done."),
        "no_attendee": lambda: _("The calendar reply names no attendee."),
        "parts_disagree": lambda: _("The message's calendar parts say different things; nothing was done."),
        "auto_reply": lambda: _("An automatic reply (%(why)s); ignored and not answered.", **params),
        "no_token": lambda: _("The message was not sent to an invitation's reply address; replies "
                              "without a token are not accepted."),
        "bad_token": lambda: _("The reply address's token is not valid (altered or not ours)."),
        "several_tokens": lambda: _("The message was sent to several invitations' reply addresses."),
        "not_invited": lambda: _("No invitation matches this reply."),
        "unknown_uid": lambda: _("The event (UID %(uid)s) is not the meeting of this invitation.", **params),
        "wrong_attendee": lambda: _("The reply is for %(address)s, but the invitation went to someone else.",
                                    **params),
        "no_answer": lambda: _("The reply's answer (%(partstat)s) is not accept, tentative or decline; "
                               "nothing was done.", **params),
        "occurrence": lambda: _("The reply is for one occurrence of a recurring event; our invitations "
                                "are single events, so nothing was done."),
        "going": lambda: _("%(name)s is going to %(meeting)s.", **params),
        "waitlisted": lambda: _("%(name)s asked for a seat at %(meeting)s and is on the waitlist; they "
                                "were told by mail.", **params),
        "declined": lambda: _("%(name)s sent afbud for %(meeting)s.", **params),
        "tentative": lambda: _("%(name)s answered »maybe« to %(meeting)s; noted on the invitation, no seat "
                               "taken or given up.", **params),
        "guest_going": lambda: _("%(name)s (guest) confirmed their seat at %(meeting)s.", **params),
        "guest_waitlisted": lambda: _("%(name)s (guest) confirmed; they are on the waitlist for "
                                      "%(meeting)s and were told by mail.", **params),
        "guest_declined": lambda: _("%(name)s (guest) cancelled their seat at %(meeting)s.", **params),
        "guest_gone": lambda: _("%(name)s (guest) accepted, but their seat at %(meeting)s was cancelled; "
                                "they were told by mail.", **params),
        "refused": lambda: _("%(name)s's answer to %(meeting)s was not recorded: %(reason)s", **params),
        "refused_told": lambda: _("%(name)s's answer to %(meeting)s was not recorded: %(reason)s They were "
                                  "told by mail.", **params),
    }
    return texts[code]()


# --- handling -------------------------------------------------------------------------------------


def _handle(mail: InboundMail, parsed: parse.ParsedMail, addresses: list[str], raw: bytes = b"") -> _Result:
    """`addresses`: the envelope recipients, then the headers' (parse.ParsedMail.recipients)."""
    ignored, rejected = InboundOutcome.IGNORED.value, InboundOutcome.REJECTED.value
    if parsed.problem == parse.TOO_LARGE:
        return _Result(rejected, _detail("too_large", size=mail.size), "too large")
    if parsed.auto_reply:
        return _Result(ignored, _detail("auto_reply", why=parsed.auto_reply),
                       "auto-reply: " + parsed.auto_reply)
    earlier = _earlier_with_message_id(mail, InboundMail.outcome == InboundOutcome.APPLIED.value)
    if earlier is not None:
        return _Result(InboundOutcome.DUPLICATE.value, _detail("duplicate_id", number=earlier),
                       f"same Message-ID as #{earlier}")
    if parsed.problem:
        code = parsed.problem
        outcome = ignored if code in (parse.NO_CALENDAR, parse.NOT_REPLY) else rejected
        params = {"method": parsed.method or "?"} if code == parse.NOT_REPLY else {}
        if code == parse.NO_CALENDAR:
            forwarded = _forward(mail, parsed, addresses, raw)
            if forwarded is not None:
                return forwarded
        return _Result(outcome, _detail(code, **params), f"{code}: {parsed.problem_detail}")

    found = _find_invite(parsed, addresses)
    if isinstance(found, _Result):
        return found
    invite, attendee = found
    partstat = attendee.partstat
    if partstat not in ANSWERED:
        return _Result(ignored, _detail("no_answer", partstat=partstat[:40]), f"PARTSTAT {partstat}",
                       invite, partstat)
    if parsed.recurrence_id is not None and not _is_the_meeting(parsed.recurrence_id, invite.meeting):
        return _Result(ignored, _detail("occurrence"), "RECURRENCE-ID of another occurrence", invite,
                       partstat)
    comment = attendee.comment or parsed.comment
    result = _apply(invite, partstat, comment)
    if result.note and not parsed.auto_generated and not _tell(result.invite, result.note):
        result.code += "; the mail to them could not be written"
    return result


def _earlier_with_message_id(mail: InboundMail, condition) -> int | None:
    """The id of the first other message with this one's Message-ID that meets `condition`."""
    if not mail.message_id:
        return None
    return db.session.scalar(
        select(InboundMail.id).where(InboundMail.message_id == mail.message_id, InboundMail.id != mail.id,
                                     condition).order_by(InboundMail.id).limit(1))


def _find_invite(parsed: parse.ParsedMail, addresses: list[str]):
    """(invite, the ATTENDEE that is its address) or a rejection."""
    rejected = InboundOutcome.REJECTED.value
    if current_app.config.get("CALENDAR_REPLY_TOKENS", True):
        with_token = [a for a in addresses if reply_address.token_in(a)]
        ids = {i for i in (reply_address.invite_id_for(a) for a in with_token) if i is not None}
        if not with_token:
            return _Result(rejected, _detail("no_token"), "no reply token")
        if not ids:
            return _Result(rejected, _detail("bad_token"), "bad token")
        if len(ids) > 1:
            return _Result(rejected, _detail("several_tokens"), "several tokens")
        invite = db.session.get(MeetingInvite, ids.pop())
        if invite is None:
            return _Result(rejected, _detail("not_invited"), "the token's invitation is gone")
        if parsed.uid != meeting_uid(invite.meeting):
            return _Result(rejected, _detail("unknown_uid", uid=parsed.uid[:200]), "UID does not match",
                           invite, _first_partstat(parsed))
        attendee = next((a for a in parsed.attendees if a.address == invite.email.lower()), None)
        if attendee is None:
            return _Result(rejected, _detail("wrong_attendee", address=parsed.attendees[0].address[:254]),
                           "ATTENDEE does not match", invite, _first_partstat(parsed))
        return invite, attendee
    # Without tokens: the UID names the meeting, an ATTENDEE the invitation (forgeable; see above).
    match = _UID.match(parsed.uid)
    meeting = db.session.get(Meeting, int(match.group(1))) if match else None
    if meeting is None or meeting_uid(meeting) != parsed.uid:
        return _Result(rejected, _detail("unknown_uid", uid=parsed.uid[:200]), "unknown UID")
    invites = {i.email.lower(): i for i in db.session.scalars(
        select(MeetingInvite).where(MeetingInvite.meeting_id == meeting.id)).all()}
    pairs = [(invites[a.address], a) for a in parsed.attendees if a.address in invites]
    if len(pairs) != 1:
        return _Result(rejected, _detail("not_invited"), f"{len(pairs)} invitations match the attendees")
    return pairs[0]


def _is_the_meeting(recurrence_id, meeting: Meeting) -> bool:
    """A RECURRENCE-ID naming the meeting's own start (some clients send one for a single event)."""
    if not isinstance(recurrence_id, datetime) or recurrence_id.tzinfo is None:
        return False
    start = meeting.starts_at if meeting.starts_at.tzinfo else meeting.starts_at.replace(tzinfo=UTC)
    return recurrence_id == start


def _apply(invite: MeetingInvite, partstat: str, comment: str) -> _Result:
    if invite.member_id is not None:
        return _apply_member(invite, partstat, comment)
    return _apply_guest(invite, partstat)


def _names(invite: MeetingInvite) -> dict[str, str]:
    return {"name": invite.name or invite.email, "meeting": invite.meeting.title}


def _record(invite: MeetingInvite, partstat: str) -> None:
    invite.partstat = partstat
    invite.replied_at = utcnow()


def _clean_comment(text: str) -> str:
    text = parse.clean_text(text, 20_000).replace("\r\n", "\n").replace("\r", "\n").strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1].rstrip() + "…"
    return text


def _apply_member(invite: MeetingInvite, partstat: str, comment: str) -> _Result:
    from app.rsvp import services as rsvp

    applied = InboundOutcome.APPLIED.value
    invite_id = invite.id
    names = _names(invite)
    if partstat == PartStat.TENTATIVE.value:
        _record(invite, partstat)
        return _Result(applied, _detail("tentative", **names), "tentative recorded", invite, partstat)
    member = invite.member
    reply = "yes" if partstat == PartStat.ACCEPTED.value else "no"
    # Recorded before the answer, so the answer's commit carries it (nothing half-applied).
    _record(invite, partstat)
    if reply == "yes" and invite.state == InviteState.CANCELLED.value:
        # A yes from a copy we had cancelled (afbud on the web, then Accept in the calendar): the
        # event is in their calendar again, so later updates and a cancellation must reach it.
        invite.state = InviteState.ACTIVE.value
    try:
        outcome = rsvp.answer(member, invite.meeting_id, reply, via="calendar",
                              message=_clean_comment(comment) if reply == "no" else None)
    except (Conflict, PermissionDenied, NotFound, DomainError) as refusal:
        db.session.rollback()
        invite = db.session.get(MeetingInvite, invite_id)
        reason = str(refusal.message)
        tell = reply == "yes" and not isinstance(refusal, NotFound)
        note = _refusal_note(invite, refusal) if tell else ""
        code = "refused_told" if note else "refused"
        return _Result(InboundOutcome.REJECTED.value, _detail(code, reason=reason, **names),
                       f"refused by the rules: {reason}", invite, partstat, note)
    invite = db.session.get(MeetingInvite, invite_id)
    status = outcome.answer.status if outcome.answer else None
    if reply == "no":
        return _Result(applied, _detail("declined", **names), "afbud", invite, partstat)
    if status == RsvpStatus.WAITLISTED.value:
        position = outcome.answer.waitlist_position
        note = _in_language(invite, lambda: _(
            "You asked for a seat at %(meeting)s, but it is full: you are number %(position)s on the "
            "waitlist. We will write to you if a seat becomes free.",
            meeting=invite.meeting.title, position=position or "?"))
        return _Result(applied, _detail("waitlisted", **names), "accepted, waitlisted", invite, partstat,
                       note)
    return _Result(applied, _detail("going", **names), "accepted, going", invite, partstat)


def _refusal_note(invite: MeetingInvite, refusal: DomainError) -> str:
    meeting = invite.meeting
    from app.rsvp import services as rsvp

    def words() -> str:
        if meeting.is_cancelled:
            return _("%(meeting)s is cancelled, so your answer from the calendar was not recorded.",
                     meeting=meeting.title)
        if rsvp.has_started(meeting):
            return _("%(meeting)s has already taken place, so your answer from the calendar was not "
                     "recorded.", meeting=meeting.title)
        if isinstance(refusal, PermissionDenied):
            return _("You are no longer a member of %(group)s, so your answer to %(meeting)s was not "
                     "recorded.", group=meeting.group.name, meeting=meeting.title)
        if rsvp.deadline_passed(meeting):
            return _("The sign-up deadline for %(meeting)s has passed, so your answer from the calendar "
                     "was not recorded. Please contact the organizers.", meeting=meeting.title)
        return _("Your answer to %(meeting)s from the calendar could not be recorded: %(reason)s",
                 meeting=meeting.title, reason=refusal.message)

    return _in_language(invite, words)


def _apply_guest(invite: MeetingInvite, partstat: str) -> _Result:
    from app.rsvp import services as rsvp

    applied = InboundOutcome.APPLIED.value
    names = _names(invite)
    invite_id = invite.id
    guest = invite.guest
    if partstat == PartStat.TENTATIVE.value:
        _record(invite, partstat)
        return _Result(applied, _detail("tentative", **names), "guest tentative recorded", invite, partstat)
    if partstat == PartStat.DECLINED.value:
        _record(invite, partstat)
        try:
            rsvp.cancel_guest_seat(guest.id, via="calendar")
        except DomainError as refusal:
            db.session.rollback()
            invite = db.session.get(MeetingInvite, invite_id)
            return _Result(InboundOutcome.REJECTED.value,
                           _detail("refused", reason=refusal.message, **names),
                           f"guest cancel refused: {refusal.message}", invite, partstat)
        invite = db.session.get(MeetingInvite, invite_id)
        return _Result(applied, _detail("guest_declined", **names), "guest cancelled", invite, partstat)
    # ACCEPTED: a guest's seat is the member's to give; accepting confirms what they have.
    meeting = invite.meeting
    if meeting.is_cancelled or rsvp.has_started(meeting):
        refusal = Conflict(_("This meeting is cancelled; it takes no sign-ups.") if meeting.is_cancelled
                           else _("This meeting has started or taken place; it takes no more sign-ups."))
        note = _refusal_note(invite, refusal)
        return _Result(InboundOutcome.REJECTED.value,
                       _detail("refused_told", reason=refusal.message, **names),
                       "guest accept for a closed meeting", invite, partstat, note)
    _record(invite, partstat)
    if guest.status == GuestStatus.GOING.value:
        return _Result(applied, _detail("guest_going", **names), "guest confirmed", invite, partstat)
    if guest.status == GuestStatus.WAITLISTED.value:
        note = _in_language(invite, lambda: _(
            "Thank you. %(meeting)s is full, so you are on the waitlist; we will write to you if a seat "
            "becomes free.", meeting=meeting.title))
        return _Result(applied, _detail("guest_waitlisted", **names), "guest accepted, waitlisted", invite,
                       partstat, note)
    note = _in_language(invite, lambda: _(
        "Your seat at %(meeting)s was cancelled, so your acceptance could not be recorded. Please contact "
        "%(host)s, who invited you.", meeting=meeting.title, host=guest.rsvp.member.name))
    return _Result(InboundOutcome.REJECTED.value, _detail("guest_gone", **names), "guest seat cancelled",
                   invite, partstat, note)


# --- a plain reply, forwarded to the organizers ----------------------------------------------------


def _forward(mail: InboundMail, parsed: parse.ParsedMail, addresses: list[str], raw: bytes) -> _Result | None:
    """Forward a message without a calendar part to the group's organizers (see the module's doc, 6).
    None when it is not one to forward (the caller records it as "no calendar"); a _Result when it
    was forwarded or held back by the duplicate check or the daily limit."""
    if parsed.auto_reply or parsed.auto_generated:
        return None  # never answered, never passed on: mail loops
    if not current_app.config.get("CALENDAR_REPLY_TOKENS", True):
        return None
    ids = {reply_address.invite_id_for(a) for a in addresses if reply_address.token_in(a)}
    if len(ids) != 1 or None in ids:
        return None  # no token, a bad one, or several invitations: nobody to tell
    invite = db.session.get(MeetingInvite, ids.pop())
    if invite is None or _from_ourselves(parsed.sender_address, invite):
        return None
    text = message_text(raw)
    if not text:
        return None
    ignored = InboundOutcome.IGNORED.value
    earlier = _earlier_with_message_id(mail, InboundMail.partstat == FORWARDED)
    if earlier is not None:
        return _Result(ignored, _detail("forwarded_before", number=earlier),
                       f"not forwarded: same Message-ID as #{earlier}", invite)
    # One forward at a time per invitation (PostgreSQL; SQLite writes one at a time anyway), so two
    # messages arriving together cannot both slip under the limit.
    db.session.execute(select(MeetingInvite.id).where(MeetingInvite.id == invite.id).with_for_update())
    recent = db.session.scalar(
        select(func.count(InboundMail.id)).where(InboundMail.invite_id == invite.id,
                                                 InboundMail.partstat == FORWARDED,
                                                 InboundMail.received_at >= utcnow() - timedelta(days=1)))
    if recent >= FORWARDS_PER_DAY:
        return _Result(ignored, _detail("forward_limit", count=recent),
                       f"not forwarded: {recent} forwards in 24 hours", invite)
    from app.auth.tokens import external_url
    from app.mail.services import enqueue_mail
    from app.rsvp.notify import organizers_of

    meeting = invite.meeting
    guest = invite.guest
    writer = (invite.name or invite.email).strip()
    organizers = [o for o in organizers_of(meeting) if o.id != invite.member_id]
    if not organizers:
        return _Result(ignored, _detail("no_organizer"), "not forwarded: no active organizer", invite)
    sender = parse.clean_text(parsed.sender, 320).strip()
    context = dict(
        meeting=meeting, group=meeting.group, tz=meeting.group.timezone,
        attendees_url=external_url("rsvp.attendees", meeting_id=meeting.id),
        writer_name=writer, writer_email=invite.email,
        host_name=guest.rsvp.member.name if guest is not None and guest.rsvp is not None else "",
        sent_from=sender if parsed.sender_address and parsed.sender_address != invite.email.lower() else "",
        original_subject=parse.clean_text(parsed.subject, 300).strip(), message_text=text)
    for organizer in organizers:
        enqueue_mail(organizer, "inbound_forward", kind="inbound_forward", **context)
    return _Result(ignored, _detail("forwarded", count=len(organizers)),
                   f"no calendar; forwarded to {len(organizers)} organizers", invite, FORWARDED)


def _from_ourselves(sender: str, invite: MeetingInvite) -> bool:
    """The loop guard: a From that is our own (a reply address, the base address, the network's
    sender), a mail system's, or none at all is never forwarded."""
    from app.mail.services import _sender_pair

    sender = (sender or "").strip().lower()
    if "@" not in sender:
        return True
    local, domain = sender.rsplit("@", 1)
    if local.split("+", 1)[0] in _SYSTEM_LOCALS:
        return True
    ours = {reply_address.base_address().lower(), _sender_pair(NetworkSettings.get())[1].lower(),
            reply_address.reply_address(invite.id).lower()}
    plain = f"{local.split('+', 1)[0]}@{domain}"
    return sender in ours or plain in ours or reply_address.invite_id_for(sender) is not None


def _language(invite: MeetingInvite) -> str:
    if invite.member is not None and invite.member.language:
        return invite.member.language
    return NetworkSettings.get().default_language


def _in_language(invite: MeetingInvite, words) -> str:
    with force_locale(_language(invite)):
        return words()


def _tell(invite: MeetingInvite | None, note: str) -> bool:
    """The person's calendar copy as it is now, with `note` leading the mail (outbox, committed by
    the caller with the inbound row). False (logged) when it could not be written: the answer
    stands either way."""
    if invite is None or not note:
        return True
    from app.calendars import invites

    try:
        invites.refresh_copy(invite, note=note)
    except Exception:  # noqa: BLE001
        log.exception("inbound mail: could not write the calendar copy for invitation #%s", invite.id)
        db.session.rollback()
        return False
    return True


__all__ = ["ingest", "message_text"]
