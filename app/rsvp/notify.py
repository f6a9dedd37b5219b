"""The mails the sign-up rules send, written to the outbox inside the use case's transaction.

Each function renders one template of `templates/email/rsvp_*` in the recipient's language (a
member's own, the network's default for guests) with the meeting, the links the recipient needs
and the group's time zone.
"""

from __future__ import annotations

from sqlalchemy import select

from app.auth.tokens import external_url
from app.extensions import db
from app.mail.services import enqueue_mail
from app.models import Meeting, MeetingGuest, Member, Membership, Role, Rsvp
from app.rsvp import links


def _meeting_context(meeting: Meeting) -> dict:
    return dict(meeting=meeting, group=meeting.group, tz=meeting.group.timezone,
                meeting_url=external_url("meetings.show", meeting_id=meeting.id))


def _member_links(meeting: Meeting, member: Member) -> dict:
    return dict(yes_url=links.answer_url(meeting.id, member.id, "yes"),
                no_url=links.answer_url(meeting.id, member.id, "no"))


def member_promoted(meeting: Meeting, rsvp: Rsvp) -> None:
    """A seat freed up and the member moved up from the waitlist."""
    enqueue_mail(rsvp.member, "rsvp_promoted", kind="rsvp_promoted",
                 **_meeting_context(meeting), **_member_links(meeting, rsvp.member))


def _guest_context(meeting: Meeting, guest: MeetingGuest) -> dict:
    return dict(guest=guest, host=guest.rsvp.member, greeting_name=guest.name,
                cancel_url=links.guest_url(guest.id), **_meeting_context(meeting))


def guest_confirmed(meeting: Meeting, guest: MeetingGuest) -> None:
    """A guest or substitute was signed up: their own confirmation with their cancel link."""
    enqueue_mail(guest.email, "rsvp_guest_confirmed", kind="rsvp_guest", **_guest_context(meeting, guest))


def guest_promoted(meeting: Meeting, guest: MeetingGuest) -> None:
    enqueue_mail(guest.email, "rsvp_guest_promoted", kind="rsvp_promoted", **_guest_context(meeting, guest))


def guest_cancelled(meeting: Meeting, guest: MeetingGuest) -> None:
    """The member (or an organizer) took the guest's seat back."""
    enqueue_mail(guest.email, "rsvp_guest_cancelled", kind="rsvp_guest", **_guest_context(meeting, guest))


def guest_cancelled_by_guest(meeting: Meeting, guest: MeetingGuest) -> None:
    """The guest cancelled through their own link: the member who brought them is told."""
    enqueue_mail(guest.rsvp.member, "rsvp_guest_left", kind="rsvp_guest", **_guest_context(meeting, guest))


def organizers_of(meeting: Meeting) -> list[Member]:
    query = (select(Member).join(Membership, Membership.member_id == Member.id)
             .where(Membership.group_id == meeting.group_id, Membership.role == Role.ORGANIZER.value,
                    Member.active.is_(True))
             .order_by(Member.id))
    return list(db.session.scalars(query).all())


def afbud_to_organizers(meeting: Meeting, rsvp: Rsvp, *, substitute: MeetingGuest | None = None) -> None:
    """In "expected" groups the organizers get each afbud as it arrives."""
    attendees_url = external_url("rsvp.attendees", meeting_id=meeting.id)
    for organizer in organizers_of(meeting):
        if organizer.id == rsvp.member_id:
            continue
        enqueue_mail(organizer, "rsvp_afbud", kind="rsvp_afbud", rsvp=rsvp, sender=rsvp.member,
                     substitute=substitute, attendees_url=attendees_url, **_meeting_context(meeting))


def meeting_cancelled(meeting: Meeting, member: Member, reason: str) -> None:
    enqueue_mail(member, "rsvp_meeting_cancelled", kind="rsvp_cancelled", reason=reason,
                 **_meeting_context(meeting))


def guest_meeting_cancelled(meeting: Meeting, guest: MeetingGuest, reason: str) -> None:
    enqueue_mail(guest.email, "rsvp_meeting_cancelled", kind="rsvp_cancelled", reason=reason,
                 greeting_name=guest.name, **_meeting_context(meeting))
