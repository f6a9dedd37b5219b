"""A group's standing seating rules: two members the planner keeps apart (competitors) or seats
together in the first round. Organizers of the group and admins only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.input_guard import has_unstorable
from app.meetings.access import get_group_to_manage
from app.models import Group, Member, Membership, SeatingRule, SeatingRuleKind
from app.validation import FieldErrors

MAX_NOTE = 500
KINDS = tuple(kind.value for kind in SeatingRuleKind)


@dataclass
class RuleList:
    group: Group
    rules: list[SeatingRule]
    members: list[Member]  # the group's active members, by name (for the form)


def _members(group: Group) -> list[Member]:
    rows = db.session.scalars(
        select(Member).join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == group.id, Member.active.is_(True))).all()
    return sorted(rows, key=lambda m: (m.name.casefold(), m.id))


def rule_list(user, slug: str) -> RuleList:
    group = get_group_to_manage(user, slug)
    rules = db.session.scalars(select(SeatingRule).where(SeatingRule.group_id == group.id)
                               .order_by(SeatingRule.kind, SeatingRule.id)).all()
    return RuleList(group, list(rules), _members(group))


def _member_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) < 10:
        return int(text)
    return None


def add_rule(user, slug: str, member_a: Any, member_b: Any, kind: Any, note: Any = "") -> SeatingRule:
    """Keep two members of the group apart or together; replaces an earlier rule for the same pair."""
    group = get_group_to_manage(user, slug)
    errors = FieldErrors()
    in_group = {m.id for m in _members(group)}
    a, b = _member_id(member_a), _member_id(member_b)
    if a is None or a not in in_group:
        errors.add("member_a", _("Please choose a member of the group."))
    if b is None or b not in in_group:
        errors.add("member_b", _("Please choose a member of the group."))
    if a is not None and a == b:
        errors.add("member_b", _("Please choose two different members."))
    if kind not in KINDS:
        errors.add("kind", _("Please choose apart or together."))
    note = "" if note is None else note
    if not isinstance(note, str):
        errors.add("note", _("Please enter text."))
    elif has_unstorable(note):
        errors.add("note", _("The field contains characters that cannot be saved."))
    elif len(note) > MAX_NOTE:
        errors.add("note", _("Please use at most %(n)d characters.", n=MAX_NOTE))
    errors.raise_if_any()
    low, high = sorted((a, b))
    rule = db.session.scalar(select(SeatingRule).where(
        SeatingRule.group_id == group.id, SeatingRule.member_a_id == low, SeatingRule.member_b_id == high))
    if rule is None:
        rule = SeatingRule(group_id=group.id, member_a_id=low, member_b_id=high, created_by_id=user.id)
        db.session.add(rule)
    rule.kind = kind
    rule.note = note.strip()
    db.session.commit()
    return rule


def remove_rule(user, slug: str, rule_id: int) -> None:
    group = get_group_to_manage(user, slug)
    rule = db.session.get(SeatingRule, rule_id)
    if rule is None or rule.group_id != group.id:
        raise NotFound()
    db.session.delete(rule)
    db.session.commit()
