"""Group use cases. Read functions check visibility on the object; writes commit here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import events
from app.auth import permissions
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.groups import industry, invitations
from app.groups.invitations import invite_to_group
from app.input_guard import DB_INT_MAX, NUMBER_RANGE_MESSAGE, int_in_range, normalize_newlines
from app.meetings.services import next_meeting
from app.meetings.zones import is_valid_timezone
from app.members.history import record_member_event
from app.members.loading import attach_competencies
from app.models import Group, GroupInvitation, Meeting, Member, Membership, Role, RsvpMode
from app.models.group import MAX_GUEST_LIMIT, MAX_INVITE_DAYS_BEFORE, RSVP_MODES, IndustryRule
from app.pagination import WEB_PER_PAGE, Page, paginate
from app.validation import FieldErrors

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paths under /groups/ that a slug must not shadow.
RESERVED_SLUGS = frozenset({"new", "edit", "members"})
ROLES = (Role.MEMBER.value, Role.ORGANIZER.value)


def list_visible_groups(user) -> list[Group]:
    """Groups the user may see: all for admins, public ones and their own for everyone else."""
    query = select(Group).order_by(Group.name)
    groups = db.session.scalars(query).all()
    return [g for g in groups if permissions.can_see_group(user, g)]


def get_group(user, slug: str) -> Group:
    """The group with this slug, or NotFound if it does not exist or is hidden from the user."""
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    return permissions.require_group_visible(user, group)


def list_group_members(user, group: Group, *, include_inactive: bool = False,
                       page: int | None = None, per_page: int = WEB_PER_PAGE,
                       clamp: bool = True) -> list[Membership] | Page:
    """The group's memberships (with members and their competencies), for its members, organizers
    and admins, ordered by name (then id). page=None: all of them; else that Page."""
    if not permissions.can_see_group_members(user, group):
        raise PermissionDenied()
    query = (
        select(Membership)
        .join(Membership.member)
        .where(Membership.group_id == group.id)
        .options(selectinload(Membership.member))
        .order_by(Member.name, Member.id)
    )
    if not include_inactive:
        query = query.where(Member.active.is_(True))
    result = paginate(query, page, per_page, clamp=clamp) if page is not None \
        else list(db.session.scalars(query).all())
    attach_competencies(m.member for m in result)
    return result


# --- pages --------------------------------------------------------------------------------------

@dataclass
class GroupOverview:
    group: Group
    organizers: list[Member]
    member_count: int
    can_see_members: bool
    can_manage: bool
    is_member: bool
    next_meeting: Meeting | None = None  # the next scheduled meeting (cancelled ones do not count)


def get_group_overview(user, slug: str) -> GroupOverview:
    """What the group page shows: the group, its organizers and how many active members it has."""
    group = get_group(user, slug)
    organizers = list(db.session.scalars(
        select(Member).join(Membership)
        .where(Membership.group_id == group.id, Membership.role == Role.ORGANIZER.value,
               Member.active.is_(True))
        .order_by(Member.name)
    ))
    member_count = db.session.scalar(
        select(func.count(Membership.id)).join(Membership.member)
        .where(Membership.group_id == group.id, Member.active.is_(True))
    ) or 0
    return GroupOverview(
        group=group,
        organizers=organizers,
        member_count=member_count,
        can_see_members=permissions.can_see_group_members(user, group),
        can_manage=permissions.can_manage_group(user, group),
        is_member=permissions.is_member_of(user, group),
        next_meeting=next_meeting(group),
    )


@dataclass
class GroupMembersPage:
    group: Group
    memberships: list[Membership]  # this page's
    can_manage: bool
    changeable: set[int]  # membership ids whose role the user may change or remove
    invitations: list[GroupInvitation]  # open invitations (for those who manage the group)
    can_add_directly: bool  # admins add people at once; organizers invite them
    page: Page | None = None
    # industries more than one member has (for those who manage a group with an industry rule)
    duplicate_industries: list[industry.DuplicateIndustry] = field(default_factory=list)
    can_override_industry: bool = False  # admins may add despite a blocking industry rule


def get_group_members_page(user, slug: str, page: int = 1) -> GroupMembersPage:
    """One page of a group's member list: 404 for a hidden group, 403 for a visible one the user
    is not in."""
    group = get_group(user, slug)
    can_manage = permissions.can_manage_group(user, group)
    result = list_group_members(user, group, include_inactive=can_manage, page=page)
    memberships = result.items
    changeable = {m.id for m in memberships if permissions.can_change_membership(user, m)}
    pending = invitations.list_pending_invitations(group) if can_manage else []
    duplicates = industry.duplicate_industries(group) if can_manage else []
    return GroupMembersPage(group=group, memberships=memberships, can_manage=can_manage,
                            changeable=changeable, invitations=pending,
                            can_add_directly=permissions.is_admin(user), page=result,
                            duplicate_industries=duplicates,
                            can_override_industry=permissions.is_admin(user)
                            and group.industry_rule == IndustryRule.BLOCK.value)


def get_group_for_edit(user, slug: str) -> Group:
    """The group, if the user may edit it (its organizers and admins)."""
    group = get_group(user, slug)
    permissions.require(permissions.can_manage_group(user, group))
    return group


def require_can_create_group(user) -> None:
    permissions.require(permissions.can_create_group(user))


# --- writing groups -----------------------------------------------------------------------------

GROUP_LIMITS = {"name": 200, "slug": 80, "description": 5000}
DEFAULT_RSVP_MODE = RsvpMode.OPT_IN.value
DEFAULT_GUEST_LIMIT = 1


def _clean_rsvp_mode(data: Mapping[str, object], current: Group | None, errors: FieldErrors) -> str:
    """"opt_in" (sign up to come) or "expected" (come unless afbud); left out: unchanged."""
    if "rsvp_mode" not in data:
        return current.rsvp_mode if current is not None else DEFAULT_RSVP_MODE
    value = data.get("rsvp_mode")
    if isinstance(value, str) and value.strip() in RSVP_MODES:
        return value.strip()
    errors.add("rsvp_mode", _("Please choose how members answer the group's meetings."))
    return DEFAULT_RSVP_MODE


def _whole_number(value: object, *, too_long: int) -> int | None:
    """A whole number, or its digits as text (what a form sends); None for anything else. More
    than 9 digits count as `too_long` (out of every range, without converting huge text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip()
        return int(digits) if len(digits) <= 9 else too_long
    return None


def _clean_guest_limit(data: Mapping[str, object], current: Group | None, errors: FieldErrors) -> int:
    """How many guests one member may bring to a meeting, 0 to MAX_GUEST_LIMIT; left out: unchanged.
    A whole number, or its digits as text (what a form sends); anything else is a field error."""
    if "guest_limit" not in data:
        return current.guest_limit if current is not None else DEFAULT_GUEST_LIMIT
    number = _whole_number(data.get("guest_limit"), too_long=MAX_GUEST_LIMIT + 1)
    if number is None or not 0 <= number <= MAX_GUEST_LIMIT:
        errors.add("guest_limit",
                   _("Please enter a number of guests from 0 to %(max)d.", max=MAX_GUEST_LIMIT))
        return DEFAULT_GUEST_LIMIT
    return number


# The calendar settings (app.calendars): invitations go out automatically `invite_days_before` days
# before each meeting (None: only when an organizer sends them), and the reminder the day before at
# `reminder_time`, local to the group (None: no reminder). The API's schema shows the same words.
# 17:00, 9:30, 17.00 (and 17:00:00, what some browsers send); seconds are dropped.
REMINDER_TIME_PATTERN = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])(?::[0-5][0-9])?$")


def invite_days_message() -> str:
    return _("Please enter a number of days from 0 to %(max)d, or leave the field empty to send the "
             "invitations yourself.", max=MAX_INVITE_DAYS_BEFORE)


def reminder_time_message() -> str:
    return _("Please enter a time of day such as 17:00, or leave the field empty for no reminder.")


def _clean_invite_days_before(data: Mapping[str, object], current: Group | None,
                              errors: FieldErrors) -> int | None:
    """0 to MAX_INVITE_DAYS_BEFORE days, or None/empty (only by hand); left out: unchanged."""
    if "invite_days_before" not in data:
        return current.invite_days_before if current is not None else None
    value = data.get("invite_days_before")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _whole_number(value, too_long=DB_INT_MAX + 1)
    if number is not None and not int_in_range(number):  # the words of the forms and the API schemas
        errors.add("invite_days_before", str(NUMBER_RANGE_MESSAGE))
        return None
    if number is None or not 0 <= number <= MAX_INVITE_DAYS_BEFORE:
        errors.add("invite_days_before", invite_days_message())
        return None
    return number


def _clean_reminder_time(data: Mapping[str, object], current: Group | None,
                         errors: FieldErrors) -> time | None:
    """A local time of day (HH:MM, also H:MM and HH.MM as Danes write it), or None/empty (no
    reminder); left out: unchanged."""
    if "reminder_time" not in data:
        return current.reminder_time if current is not None else None
    value = data.get("reminder_time")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = REMINDER_TIME_PATTERN.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        errors.add("reminder_time", reminder_time_message())
        return None
    return time(int(match.group(1)), int(match.group(2)))


INDUSTRY_RULES = tuple(rule.value for rule in IndustryRule)


def _clean_industry_rule(data: Mapping[str, object], current: Group | None, errors: FieldErrors) -> str:
    """"off", "warn" or "block" (app.groups.industry); left out: unchanged."""
    if "industry_rule" not in data:
        return current.industry_rule if current is not None else IndustryRule.OFF.value
    value = data.get("industry_rule")
    if isinstance(value, str) and value.strip() in INDUSTRY_RULES:
        return value.strip()
    errors.add("industry_rule", _("Please choose what happens when two members have the same industry."))
    return IndustryRule.OFF.value


def _clean_group_input(data: Mapping[str, object], *, current: Group | None = None) -> dict[str, object]:
    """Check and normalise name, slug, description, time zone, visibility, the sign-up settings
    (rsvp_mode, guest_limit) and the calendar settings (invite_days_before, reminder_time); the
    settings left out stay as they are. Raise field errors."""
    errors = FieldErrors()
    name = " ".join(str(data.get("name") or "").split())
    slug = str(data.get("slug") or "").strip()
    description = normalize_newlines(str(data.get("description") or "")).strip()
    timezone = str(data.get("timezone") or "").strip()

    if not name:
        errors.add("name", _("Please enter a name."))
    elif len(name) > GROUP_LIMITS["name"]:
        errors.add("name",
            _("The name can be at most %(max)s characters.", max=GROUP_LIMITS["name"]))

    if not slug:
        errors.add("slug", _("Please enter a short name for the address."))
    elif len(slug) > GROUP_LIMITS["slug"] or not SLUG_PATTERN.match(slug):
        errors.add("slug",
            _("Use only lowercase letters a-z, digits and hyphens (for example kaffeklub-aarhus)."))
    elif slug in RESERVED_SLUGS:
        errors.add("slug", _("This address is reserved. Please choose another."))
    else:
        query = select(Group.id).where(Group.slug == slug)
        if current is not None:
            query = query.where(Group.id != current.id)
        if db.session.scalar(query) is not None:
            errors.add("slug", _("Another group already uses this address."))

    if not is_valid_timezone(timezone):
        errors.add("timezone",
            _("Please choose a valid time zone, for example Europe/Copenhagen."))

    if len(description) > GROUP_LIMITS["description"]:
        errors.add("description",
            _("The description can be at most %(max)s characters.", max=GROUP_LIMITS["description"]))

    rsvp_mode = _clean_rsvp_mode(data, current, errors)
    guest_limit = _clean_guest_limit(data, current, errors)
    invite_days_before = _clean_invite_days_before(data, current, errors)
    reminder_time = _clean_reminder_time(data, current, errors)
    industry_rule = _clean_industry_rule(data, current, errors)

    errors.raise_if_any()
    return {"name": name, "slug": slug, "description": description, "timezone": timezone,
            "is_public": bool(data.get("is_public")), "rsvp_mode": rsvp_mode, "guest_limit": guest_limit,
            "invite_days_before": invite_days_before, "reminder_time": reminder_time,
            "industry_rule": industry_rule}


def _commit_group(group: Group) -> None:
    try:
        db.session.commit()
    except IntegrityError as error:  # a concurrent request took the slug between check and commit
        db.session.rollback()
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"slug": [_("Another group already uses this address.")]}) from error


def create_group(user, data: Mapping[str, object]) -> Group:
    """Found a new group (admins only)."""
    require_can_create_group(user)
    values = _clean_group_input(data)
    group = Group(**values)
    db.session.add(group)
    _commit_group(group)
    return group


def update_group(user, slug: str, data: Mapping[str, object]) -> Group:
    """Change a group's name, address, description, time zone, visibility, sign-up and calendar
    settings and its industry rule."""
    group = get_group_for_edit(user, slug)
    values = _clean_group_input(data, current=group)
    changed = {key: [getattr(group, key), value] for key, value in values.items()
               if getattr(group, key) != value}
    for key, value in values.items():
        setattr(group, key, value)
    if "rsvp_mode" in changed:
        db.session.flush()
        events.group_changed.send(group, fields=changed)  # e.g. expected seats freed for the line
    _commit_group(group)
    return group


# --- memberships --------------------------------------------------------------------------------

def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Unknown role.")]})
    return role


@dataclass
class Added:
    """What adding someone to a group did: a Membership or an invitation, and for a direct add
    into a group with an industry rule, the warning for the one who added ("" if none)."""

    result: GroupInvitation | Membership
    warning: str = ""


def add_member_to_group(user, slug: str, email: str, role: str = Role.MEMBER.value, *,
                        name: str = "", override_industry: bool = False,
                        industry_reason: str = "") -> Added:
    """Bring a person into the group by e-mail: admins add directly, organizers invite (see
    app/groups/invitations.py for who is added at once and why). A direct add is checked against
    the group's industry rule (app.groups.industry): blocked unless an admin overrides with a reason."""
    group = get_group_for_edit(user, slug)
    result = invite_to_group(user, group, email=email, name=name, role=role)
    warning = ""
    if isinstance(result, Membership):
        member = result.member
        try:
            check = industry.check_industry(user, group, member.industry, member=member,
                                            override=override_industry, reason=industry_reason)
        except (ValidationFailed, PermissionDenied):
            db.session.rollback()
            raise
        industry.record_override(member, check, user)
        warning = check.warning()
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(_("This person is already in the group.")) from error
    return Added(result, warning)


def withdraw_invitation(user, slug: str, invitation_id: int) -> GroupInvitation:
    """Take back an open invitation to the group."""
    group = get_group_for_edit(user, slug)
    return invitations.withdraw_invitation(user, group, invitation_id)


def _membership_for_change(user, slug: str, membership_id: int) -> Membership:
    group = get_group_for_edit(user, slug)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.group_id != group.id:
        raise NotFound()
    permissions.require(permissions.can_change_membership(user, membership))
    return membership


def change_member_role(user, slug: str, membership_id: int, role: str) -> Membership:
    """Make a group member an organizer, or an organizer a member."""
    membership = _membership_for_change(user, slug, membership_id)
    role = _check_role(role)
    if role != membership.role:
        membership.role = role
        record_member_event(membership.member, "role_changed", actor=user, group=membership.group,
                            detail=role)
    db.session.commit()
    return membership


def remove_member_from_group(user, slug: str, membership_id: int) -> Member:
    """Take a member out of the group (their profile and other groups stay)."""
    membership = _membership_for_change(user, slug, membership_id)
    member = membership.member
    record_member_event(member, "removed", actor=user, group=membership.group)
    group_id = membership.group_id
    db.session.delete(membership)
    db.session.flush()
    events.member_left.send(member, group_ids=[group_id])  # their seats at coming meetings go
    db.session.commit()
    return member
