"""Shared setup for the inbound tests: one member invited by the real send_invitations."""

from __future__ import annotations

from tests.factories import add_membership, create_meeting, create_member, create_organizer


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
