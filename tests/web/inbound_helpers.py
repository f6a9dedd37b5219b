"""Shared setup for the inbound tests: the real clients' replies (tests/data/replies/) personalised
for an invitation, two members with invitations (what the `setup` fixtures return), and one member
invited by the real send_invitations."""

from __future__ import annotations

import email
import email.encoders
import email.policy
import re
from pathlib import Path

from app.calendars.feeds import meeting_uid
from app.calendars.reply_address import reply_address
from app.extensions import db
from app.models.calendar import MeetingInvite
from tests.factories import add_membership, create_meeting, create_member, create_organizer

REPLIES = Path(__file__).parent.parent / "data" / "replies"
FIXTURE_REPLY_TO = "svar+i1.abcdefghijklmnop@kaffeklub.test"
FIXTURE_UID = "meeting-1@kaffeklub.test"
FIXTURE_ATTENDEE = "mads.member@example.test"


def personalize(raw: bytes, replacements: dict[str, str]) -> bytes:
    """The fixture with its placeholder address, UID and attendee replaced, in every header and
    part (base64 and quoted-printable parts are decoded, changed and encoded again)."""
    pairs = [(old.encode(), new.encode()) for old, new in replacements.items()]

    def swap(data: bytes) -> bytes:
        for old, new in pairs:
            data = data.replace(old, new)
        return data

    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in message.walk():
        if part.is_multipart():
            continue
        encoding = (part.get("Content-Transfer-Encoding") or "").strip().lower()
        if encoding not in ("base64", "quoted-printable"):
            continue
        payload = part.get_payload(decode=True)
        changed = swap(payload)
        if changed != payload:
            del part["Content-Transfer-Encoding"]
            part.set_payload(changed)
            (email.encoders.encode_base64 if encoding == "base64" else email.encoders.encode_quopri)(part)
    # CRLF throughout, as a message travels (smtplib sends bytes as they are).
    return re.sub(rb"\r*\n", b"\r\n", swap(message.as_bytes()))


def invite_two_members(app) -> InboundSetup:
    """Mads and Olga, members of the group of "Breakfast in March" (10 seats), each with an
    invitation row (none sent), reply tokens on: what the `setup` fixtures return."""
    app.config.update(MAIL_DOMAIN="kaffeklub.test", CALENDAR_REPLY_TOKENS=True,
                      CALENDAR_REPLY_ADDRESS="svar@kaffeklub.test")
    member = create_member(name="Mads Member", email="mads@example.test", language="en")
    other = create_member(name="Olga Other", email="olga@example.test", language="en")
    meeting = create_meeting(title="Breakfast in March", capacity=10)
    add_membership(member, meeting.group)
    add_membership(other, meeting.group)
    invite, other_invite = (MeetingInvite(meeting_id=meeting.id, member_id=person.id, email=person.email,
                                          name=person.name) for person in (member, other))
    db.session.add_all([invite, other_invite])
    db.session.commit()
    return InboundSetup(meeting, member, other, invite, other_invite)


class InboundSetup:
    def __init__(self, meeting, member, other, invite, other_invite):
        self.meeting, self.member, self.other = meeting, member, other
        self.invite, self.other_invite = invite, other_invite

    def reply(self, fixture="outlook_accepted.eml", *, invite=None, to=None, uid=None, attendee=None,
              partstat=None, method=None, extra=None) -> bytes:
        invite = invite or self.invite
        replacements = {
            FIXTURE_REPLY_TO: to or reply_address(invite.id),
            FIXTURE_UID: uid or meeting_uid(invite.meeting),
            FIXTURE_ATTENDEE: attendee or invite.email,
        }
        if partstat:
            replacements.update({f"PARTSTAT={old}": f"PARTSTAT={partstat}"
                                 for old in ("ACCEPTED", "DECLINED", "TENTATIVE")})
        if method:
            replacements.update({"METHOD:REPLY": f"METHOD:{method}", "method=REPLY": f"method={method}"})
        replacements.update(extra or {})
        return personalize((REPLIES / fixture).read_bytes(), replacements)


def invite_one_member(app):
    """A meeting ("Breakfast in April") with an organizer (Olga) and a member (Mads), both in English,
    reply tokens on, and the invitations sent: (meeting, organizer, member). The invitation is the
    member's outbox row."""
    from app.calendars import invites

    app.config.update(MAIL_DOMAIN="kaffeklub.test", CALENDAR_REPLY_TOKENS=True,
                      CALENDAR_REPLY_ADDRESS="svar@kaffeklub.test")
    meeting = create_meeting(title="Breakfast in April")
    organizer = create_organizer(meeting.group, name="Olga Organizer", language="en")
    member = create_member(name="Mads Member", email="mads@example.test", language="en")
    add_membership(member, meeting.group)
    invites.send_invitations(organizer, meeting.id)
    return meeting, organizer, member
