"""Industry exclusivity ("Én pr. branche"): may a group have two members of the same industry?

A group's `industry_rule` (app.models.group.IndustryRule) says what happens when a second member of
an industry joins the group:

- off: nothing.
- warn: it goes ahead, and whoever adds the person is told who already has the industry.
- block: it is refused with a message naming the industry, unless an admin overrides it with a
  reason; the override is recorded in the new member's history ("industry_override", with the
  reason), which the admins' audit log shows.

Industries are compared normalised (`normalize_industry`): case, accents, æ/ø/å, punctuation and
spacing do not matter ("Revision & regnskab" = "revision og regnskab"); there are no synonyms.

Where it is checked:

- an admin or organizer adds an existing member directly (app.groups.services.add_member_to_group),
- an admin creates a member into a group (app.members.services.create_member),
- an invited member accepts (app.groups.invitations.accept_invitation): blocked, the invitation
  stays open and the invitee is told the industry is taken (not by whom: they are not yet in the
  group). An invitation is not checked when it is *sent*: the organizer's answer must not depend on
  whom the address belongs to (see app.groups.invitations); a person new to the network has no
  industry yet.
- a member changes their own industry (`check_own_industry`): refused when the new industry is
  taken in one of their blocking groups (the message names the group), warned for "warn" groups.

The CSV import (app.members.csv_services) does not check: it writes in bulk. Organizers see the
industries that occur more than once on the group's member page (`duplicate_industries`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import permissions
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.members.history import record_member_event
from app.members.search import fold
from app.models import Group, Member, Membership
from app.models.group import IndustryRule

REASON_MAX = 500
_AND_SIGNS = str.maketrans({"&": " og ", "+": " og "})
_NOT_WORD = re.compile(r"[\W_]+")
_AND_WORDS = frozenset({"og", "and", "und"})
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def normalize_industry(value: object) -> str:
    """The industry as compared: "  Revision & Regnskab." -> "revision regnskab"; "" for none.
    Letters fold as in the directory's search (app.members.search.fold: æ->ae, no accents)."""
    text = fold(str(value or "").translate(_AND_SIGNS))
    words = [word for word in _NOT_WORD.split(text) if word and word not in _AND_WORDS]
    return " ".join(words)


@dataclass
class IndustryCheck:
    """The outcome of a check that did not refuse: the members who already have the industry."""

    group: Group
    industry: str
    rule: str
    others: list[Member] = field(default_factory=list)
    overridden: bool = False
    reason: str = ""

    @property
    def clashes(self) -> bool:
        return bool(self.others)

    def warning(self) -> str:
        """What the person who added is told ("" when there is nothing to say)."""
        if not self.others:
            return ""
        names = _names(self.others)
        if self.overridden:
            return _("%(group)s allows one member per industry. %(names)s already has the industry "
                     "%(industry)s; your override was recorded.", group=self.group.name, names=names,
                     industry=self.industry)
        return _("Note: %(names)s in %(group)s already has the industry %(industry)s.", names=names,
                 group=self.group.name, industry=self.industry)


class IndustryTaken(ValidationFailed):
    """The group blocks a second member of this industry."""


def _members_with_industry(group: Group, industry: str, *, exclude_id: int | None) -> list[Member]:
    key = normalize_industry(industry)
    if not key:
        return []
    query = (select(Member).join(Membership, Membership.member_id == Member.id)
             .where(Membership.group_id == group.id, Member.active.is_(True), Member.industry != "",
                    Member.deleted_at.is_(None))
             .order_by(Member.name, Member.id))
    if exclude_id is not None:
        query = query.where(Member.id != exclude_id)
    return [m for m in db.session.scalars(query) if normalize_industry(m.industry) == key]


def _clean_reason(reason: object) -> str:
    text = " ".join(str(reason or "").split())
    if _UNSTORABLE.search(text):
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "industry_reason": [_("The field contains characters that cannot be saved.")]})
    if not text:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "industry_reason": [_("Please give a reason for the exception.")]})
    if len(text) > REASON_MAX:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "industry_reason": [_("At most %(max)s characters.", max=REASON_MAX)]})
    return text


def blocked_message(group: Group, industry: str, others: list[Member], *, name_others: bool = True) -> str:
    if name_others:
        return _("%(group)s allows one member per industry, and %(names)s already has the industry "
                 "%(industry)s.", group=group.name, names=_names(others),
                 industry=industry)
    return _("%(group)s allows one member per industry, and the industry %(industry)s is already "
             "taken. Please contact the group's organizers.", group=group.name, industry=industry)


def check_industry(actor, group: Group, industry: str, *, override: bool = False, reason: str = "",
                   member: Member | None = None, field_name: str = "email",
                   name_others: bool = True) -> IndustryCheck:
    """Whether a member of `industry` may join `group` now (member: the person, left out of the
    comparison). Returns the IndustryCheck (warn: its `warning()` for the one who adds); raises
    IndustryTaken when the group blocks it, unless an admin overrides with a reason (organizers
    cannot: PermissionDenied). Records nothing: see `record_override`."""
    industry = " ".join(str(industry or "").split())
    rule = group.industry_rule or IndustryRule.OFF.value
    result = IndustryCheck(group=group, industry=industry, rule=rule)
    if rule == IndustryRule.OFF.value or not normalize_industry(industry):
        return result
    result.others = _members_with_industry(group, industry, exclude_id=getattr(member, "id", None))
    if not result.others or rule == IndustryRule.WARN.value:
        return result
    if not override:
        message = blocked_message(group, industry, result.others, name_others=name_others)
        raise IndustryTaken(message, fields={field_name: [message]} if field_name else None)
    if not permissions.is_admin(actor):
        raise PermissionDenied(_("Only an admin can make an exception to the group's industry rule."))
    result.reason = _clean_reason(reason)
    result.overridden = True
    return result


def record_override(member: Member, check: IndustryCheck | None, actor) -> None:
    """The override in the member's history: the industry and the reason (not committed). Who else
    has the industry changes with time; the group's member page shows it."""
    if check is None or not check.overridden:
        return
    record_member_event(member, "industry_override", actor=actor, group=check.group,
                        detail=f"{check.industry}: {check.reason}")


def _names(members: list[Member]) -> str:
    """"Anna, Bo og Carl" in the reader's language."""
    return format_list([m.name for m in members], locale=str(get_locale() or "da"))


def check_own_industry(member: Member, industry: str) -> list[IndustryCheck]:
    """A member changes their own industry: IndustryTaken (naming the group) if a group of theirs
    with the rule "block" already has it; else the checks of their "warn" groups that clash (their
    warning() for the member). Call it before saving; nothing is written."""
    if normalize_industry(industry) == normalize_industry(member.industry):
        return []
    warnings = []
    for membership in member.memberships:
        group = membership.group
        if group.industry_rule == IndustryRule.BLOCK.value:
            others = _members_with_industry(group, industry, exclude_id=member.id)
            if others:
                message = _("%(group)s allows one member per industry, and the industry %(industry)s "
                            "is already taken there. Please choose another industry or talk to the "
                            "group's organizers.", group=group.name, industry=" ".join(industry.split()))
                raise IndustryTaken(message, fields={"industry": [message]})
        elif group.industry_rule == IndustryRule.WARN.value:
            check = check_industry(member, group, industry, member=member)
            if check.clashes:
                warnings.append(check)
    return warnings


def attach_warning(obj, check: IndustryCheck | None) -> None:
    """Hand a check's warning to the page with the Membership or Member just made (a plain
    attribute, not stored): `warning_of(obj)`."""
    obj.industry_warning = check.warning() if check is not None else ""


def warning_of(obj) -> str:
    return getattr(obj, "industry_warning", "") or ""


@dataclass
class DuplicateIndustry:
    industry: str  # as the first member wrote it
    members: list[Member]


def duplicate_industries(group: Group) -> list[DuplicateIndustry]:
    """The industries that more than one active member of the group has (for its organizers)."""
    rows = db.session.scalars(
        select(Member).join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == group.id, Member.active.is_(True), Member.industry != "",
               Member.deleted_at.is_(None))
        .order_by(Member.name, Member.id))
    by_key: dict[str, list[Member]] = {}
    for member in rows:
        key = normalize_industry(member.industry)
        if key:
            by_key.setdefault(key, []).append(member)
    return sorted((DuplicateIndustry(members[0].industry, members) for members in by_key.values()
                   if len(members) > 1), key=lambda d: normalize_industry(d.industry))


def require_can_see_duplicates(user, group: Group) -> None:
    permissions.require(permissions.can_manage_group(user, group))
