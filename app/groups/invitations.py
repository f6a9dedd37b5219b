"""Group invitations: how an organizer brings a person into a group with that person's consent.

An organizer manages the memberships of their own groups, never a person's account. Adding
someone who is not yet in one of the organizer's groups would hand the organizer that person's
contact details (and, before, their account), so it becomes an invitation: the person gets a
mail, and only when they accept are they in the group. The organizer's answer is the same
whether or not the address belongs to a member, so the forms cannot be used to find out who is
in the network. Admins (who see everyone anyway) and organizers adding someone from another
group they run add directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.auth import permissions
from app.auth.tokens import external_url, hash_token, new_token
from app.errors import DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.groups import industry
from app.mail.services import enqueue_mail
from app.members.history import record_member_event
from app.members.normalize import clean_text, phone_is_valid
from app.models import (
    Group,
    GroupInvitation,
    Member,
    Membership,
    NetworkSettings,
    Role,
    normalize_email,
    utcnow,
)
from app.validation import FieldErrors, phone_message

DEFAULT_INVITATION_DAYS = 14
_MAX_TOKEN_LENGTH = 128
LIMITS = {"name": 200, "company": 200, "phone": 40}
ROLES = (Role.MEMBER.value, Role.ORGANIZER.value)


class InvitationInvalid(DomainError):
    """An invitation link that is unknown, already answered, withdrawn, replaced or expired."""

    title = "This invitation cannot be used"

    def __init__(self, reason: str):
        super().__init__(self.title)
        self.reason = reason
        self.status = 404 if reason == "unknown" else 410


def invitation_days() -> int:
    return int(current_app.config.get("GROUP_INVITATION_DAYS", DEFAULT_INVITATION_DAYS))


# Text no database column can hold (PostgreSQL refuses NUL; nobody takes a lone surrogate).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_error(field: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the marked fields."),
                            fields={field: [_("The field contains characters that cannot be saved.")]})


def _check_address(raw: str, errors: FieldErrors) -> str:
    text = str(raw or "")
    if _UNSTORABLE.search(text):
        errors.add("email", _("The field contains characters that cannot be saved."))
        return ""
    if not text.strip():
        errors.add("email", _("Please enter an e-mail address."))
        return ""
    try:
        # test_environment admits the reserved .test domain, which the test suite uses.
        checked = validate_email(text.strip(), check_deliverability=False,
                                 test_environment=current_app.testing)
    except EmailNotValidError:
        errors.add("email", _("Please enter a valid e-mail address."))
        return ""
    address = normalize_email(checked.normalized)
    if len(address) > 254:
        errors.add("email", _("Please enter a valid e-mail address."))
        return ""
    return address


def _check_details(errors: FieldErrors, **values: str) -> dict[str, str]:
    cleaned = {key: clean_text(str(value or "")) for key, value in values.items()}
    for key, value in cleaned.items():
        if _UNSTORABLE.search(value):
            errors.add(key, _("The field contains characters that cannot be saved."))
        elif len(value) > LIMITS[key]:
            errors.add(key, _("At most %(max)s characters.", max=LIMITS[key]))
        elif key == "phone" and not phone_is_valid(value):
            errors.add(key, phone_message())
    return cleaned


def check_invitation_input(errors: FieldErrors, *, email: str, name: str = "", company: str = "",
                           phone: str = "", role: str = Role.MEMBER.value) -> None:
    """Add every mistake in an invitation's input to `errors` (for callers that check more fields
    and report them all at once, e.g. the organizer's "new member" form); invite_to_group checks
    the same."""
    _check_role(role, errors)
    _check_address(email, errors)
    _check_details(errors, name=name, company=company, phone=phone)


def _check_role(role: str, errors: FieldErrors | None = None) -> str:
    if role not in ROLES:
        if errors is None:
            raise ValidationFailed(_("Unknown role."), fields={"role": [_("Unknown role.")]})
        errors.add("role", _("Unknown role."))
    return role


def _open_invitations(group: Group, address: str) -> list[GroupInvitation]:
    return list(db.session.scalars(select(GroupInvitation).where(
        GroupInvitation.group_id == group.id, GroupInvitation.email == address,
        GroupInvitation.accepted_at.is_(None), GroupInvitation.declined_at.is_(None),
        GroupInvitation.revoked_at.is_(None))))


def invite_to_group(actor, group: Group, *, email: str, name: str = "", company: str = "",
                    phone: str = "", role: str = Role.MEMBER.value) -> GroupInvitation | Membership:
    """Bring a person into the group: directly if the actor may, otherwise by a mailed invitation.

    Returns the new Membership (admins; organizers adding someone already in another group they
    run) or the GroupInvitation (everyone else, whether or not the address belongs to a member).
    Nothing is committed: the caller commits, together with the mail in the outbox.
    """
    permissions.require(permissions.can_manage_group(actor, group))
    errors = FieldErrors()  # every field's mistakes at once
    role = _check_role(role, errors)
    address = _check_address(email, errors)
    details = _check_details(errors, name=name, company=company, phone=phone)
    errors.raise_if_any()
    member = db.session.scalar(select(Member).where(Member.email == address))

    if member is not None and permissions.can_add_directly(actor, member):
        if member.membership_in(group) is not None:
            message = _("%(name)s is already in this group.", name=member.name)
            raise ValidationFailed(message, fields={"email": [message]})
        for old in _open_invitations(group, address):
            old.revoked_at, old.revoked_by_id = utcnow(), actor.id
        membership = Membership(member=member, group=group, role=role)
        db.session.add(membership)
        record_member_event(member, "added", actor=actor, group=group,
                            detail=role if role != Role.MEMBER.value else "")
        return membership

    # From here on the answer is the same whatever the address is (a member of this group was
    # handled above: the organizer sees them already, so "already in this group" tells nothing).
    now = utcnow()
    for old in _open_invitations(group, address):  # a new invitation replaces an open one
        old.revoked_at, old.revoked_by_id = now, actor.id
    token = new_token()
    invitation = GroupInvitation(group=group, email=address, role=role, invited_by_id=actor.id,
                                 token_hash=hash_token(token), created_at=now,
                                 expires_at=now + timedelta(days=invitation_days()), **details)
    db.session.add(invitation)
    link = external_url("groups.invitation", token=token)
    context = dict(invitation=invitation, group=group, inviter_name=actor.name, link=link,
                   days=invitation_days(), kind="group_invitation")
    if member is None:
        enqueue_mail(address, "group_invitation", greeting_name=details["name"], **context)
    elif member.active:
        enqueue_mail(member, "group_invitation", greeting_name=member.name, **context)
        record_member_event(member, "invited", actor=actor, group=group)
    # A deactivated member gets no mail (an admin or organizer switched them off); the organizer's
    # answer is the same, and the invitation simply expires.
    return invitation


# --- the invitee's side ---------------------------------------------------------------------------

def _has_newer_invitation(row: GroupInvitation) -> bool:
    """Whether a later invitation to the same address and group replaced this one (re-sent)."""
    return db.session.scalar(
        select(GroupInvitation.id).where(GroupInvitation.group_id == row.group_id,
                                         GroupInvitation.email == row.email,
                                         GroupInvitation.id > row.id).limit(1)) is not None


def find_invitation(token: str) -> GroupInvitation:
    """The open invitation behind a link, or InvitationInvalid saying why not. Changes nothing."""
    row = None
    if token and len(token) <= _MAX_TOKEN_LENGTH and not _UNSTORABLE.search(token):
        row = db.session.scalar(
            select(GroupInvitation).where(GroupInvitation.token_hash == hash_token(token)))
    if row is None:
        raise InvitationInvalid("unknown")
    if row.accepted_at is not None:
        raise InvitationInvalid("accepted")
    if row.declined_at is not None:
        raise InvitationInvalid("declined")
    if row.revoked_at is not None:
        raise InvitationInvalid("replaced" if _has_newer_invitation(row) else "withdrawn")
    if row.expires_at <= utcnow():
        raise InvitationInvalid("expired")
    member = _member_for(row)
    if member is not None and not member.active:
        raise InvitationInvalid("inactive")
    return row


def _member_for(invitation: GroupInvitation) -> Member | None:
    return db.session.scalar(select(Member).where(Member.email == invitation.email))


@dataclass
class InvitationView:
    invitation: GroupInvitation
    group: Group
    member: Member | None  # the existing member with this address; None: accepting creates one
    inviter_name: str


def get_invitation_view(token: str) -> InvitationView:
    """What the page behind the link shows (GET; mail scanners open links, so nothing changes)."""
    invitation = find_invitation(token)
    inviter = invitation.invited_by
    return InvitationView(invitation=invitation, group=invitation.group, member=_member_for(invitation),
                          inviter_name=inviter.name if inviter is not None else "")


def _answer(invitation: GroupInvitation, column: str) -> None:
    """Mark the invitation answered, once: the conditional UPDATE lets exactly one request win."""
    now = utcnow()
    result = db.session.execute(
        update(GroupInvitation)
        .where(GroupInvitation.id == invitation.id, GroupInvitation.accepted_at.is_(None),
               GroupInvitation.declined_at.is_(None), GroupInvitation.revoked_at.is_(None),
               GroupInvitation.expires_at > now)
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise InvitationInvalid("accepted" if column == "accepted_at" else "declined")


def accept_invitation(token: str, *, name: str = "", language: str | None = None) -> Member:
    """Join the group; a person new to the network gets an account from the invitation.

    Returns the member, who may now be logged in (the link came to their mailbox, as a login
    link does). name: the invitee's own spelling, used only for a new account.
    """
    invitation = find_invitation(token)
    member = _member_for(invitation)
    new_name = clean_text(str(name or "")) or invitation.name
    if _UNSTORABLE.search(new_name):
        raise _unstorable_error("name")
    if member is None:
        if not new_name:
            raise ValidationFailed(_("Please correct the marked fields."),
                                   fields={"name": [_("Please enter a name.")]})
        if len(new_name) > LIMITS["name"]:
            raise ValidationFailed(_("Please correct the marked fields."),
                                   fields={"name": [_("At most %(max)s characters.", max=LIMITS["name"])]})
    group = invitation.group
    if member is not None and member.membership_in(group) is None:
        # The group's industry rule (app.groups.industry): blocked, the invitation stays open and
        # the invitee learns that the industry is taken, not by whom (they are not in the group yet).
        industry.check_industry(member, group, member.industry, member=member, field_name="",
                                name_others=False)
    _answer(invitation, "accepted_at")
    inviter = invitation.invited_by
    if member is None:
        if language not in current_app.config["LANGUAGES"]:
            language = NetworkSettings.current().default_language
        member = Member(email=invitation.email, name=new_name, company=invitation.company,
                        phone=invitation.phone, language=language)
        db.session.add(member)
        event = record_member_event(member, "invited", actor=inviter, group=group)
        event.created_at = invitation.created_at
    if member.membership_in(group) is None:
        db.session.add(Membership(member=member, group=group, role=invitation.role))
    record_member_event(member, "invitation_accepted", actor=member, group=group)
    member.last_login_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError as error:  # the same address became a member at this very moment
        db.session.rollback()
        raise InvitationInvalid("accepted") from error
    return member


def decline_invitation(token: str) -> GroupInvitation:
    """Say no thanks: nothing about the person reaches the group."""
    invitation = find_invitation(token)
    _answer(invitation, "declined_at")
    member = _member_for(invitation)
    if member is not None:
        record_member_event(member, "invitation_declined", actor=member, group=invitation.group)
    db.session.commit()
    return invitation


# --- the organizer's side -------------------------------------------------------------------------

def list_pending_invitations(group: Group) -> list[GroupInvitation]:
    """Open, unexpired invitations to the group, newest first (for its organizers and admins)."""
    return list(db.session.scalars(
        select(GroupInvitation).where(
            GroupInvitation.group_id == group.id, GroupInvitation.accepted_at.is_(None),
            GroupInvitation.declined_at.is_(None), GroupInvitation.revoked_at.is_(None),
            GroupInvitation.expires_at > utcnow())
        .order_by(GroupInvitation.created_at.desc(), GroupInvitation.id.desc())))


def withdraw_invitation(actor, group: Group, invitation_id: int) -> GroupInvitation:
    """Take back an open invitation; its link stops working."""
    permissions.require(permissions.can_manage_group(actor, group))
    invitation = db.session.get(GroupInvitation, invitation_id)
    if invitation is None or invitation.group_id != group.id:
        raise NotFound()
    now = utcnow()
    result = db.session.execute(
        update(GroupInvitation)
        .where(GroupInvitation.id == invitation.id, GroupInvitation.accepted_at.is_(None),
               GroupInvitation.declined_at.is_(None), GroupInvitation.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        member = _member_for(invitation)
        if member is not None and member.active:
            record_member_event(member, "invitation_withdrawn", actor=actor, group=group)
    db.session.commit()
    return invitation
