"""Relationships for people: "Mit netværk", another member's network, suggestions, the privacy choice.

Read from `app.connections.history` (the ties) and summed up with `app.connections.strength` (the
one strength function); who sees what is `app.connections.privacy.network_visibility`. The web
pages and the JSON API call these functions, so both show the same and refuse the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import permissions
from app.connections import history, industries, one_to_ones, privacy
from app.connections.history import Relation
from app.connections.one_to_ones import local_today
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.members.loading import fellow_members
from app.models import Member, Membership

# A tie is fading when the last time the two met is this long ago, or when its strength has fallen
# below FADING_SHARE of the highest it had and it once was at least FADING_PEAK ("known").
FADING_AFTER_DAYS = 270
FADING_PEAK = 1.0
FADING_SHARE = 0.5
MAX_SUGGESTIONS = 6

# Suggestion reasons
COMPLEMENTARY = "complementary"
FADING = "fading"
SEEN_NOT_MET = "seen"


@dataclass
class Person:
    """Someone on a network page: the member and the relationship (empty when they never met)."""

    member: Member
    relation: Relation
    can_view: bool = True  # the viewer may open their profile (shares a group, or is an admin)


@dataclass
class Suggestion:
    member: Member
    reason: str  # complementary | fading | seen
    relation: Relation
    trades: tuple[str, str] | None = None  # (mine, theirs) for complementary


@dataclass
class MyNetwork:
    member: Member
    met: list[Person]  # strongest first
    never_met: list[Person]  # members of my groups I have never met, by name
    suggestions: list[Suggestion]
    one_to_ones: one_to_ones.MyOneToOnes
    today: date
    counts: Counts


@dataclass
class Counts:
    members_met: int = 0
    new_this_year: int = 0  # members first met this calendar year
    one_to_ones: int = 0  # confirmed 1-to-1s that took place


@dataclass
class MemberNetwork:
    member: Member
    visibility: str  # privacy.FULL | AGGREGATE | NONE
    tie: Relation | None  # the viewer's own tie with the member (None on one's own page)
    people: list[Person] = field(default_factory=list)  # "full": whom they have met, that the viewer may see
    not_shown: int = 0  # "full": people they met whom the viewer may not see (other groups)
    private: int = 0  # "full": people they met who hide their own network (not named; the viewer excepted)
    counts: Counts | None = None  # "full" and "aggregate"
    is_self: bool = False


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _counts(relations: Iterable[Relation], today: date) -> Counts:
    met = [r for r in relations if r.met]
    return Counts(
        members_met=len(met),
        new_this_year=sum(1 for r in met if r.first_met and r.first_met.year == today.year),
        one_to_ones=sum(r.one_to_ones for r in relations),
    )


def _members(ids: Iterable[int]) -> dict[int, Member]:
    ids = set(ids)
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))}


def _visible_ids(viewer, candidates: Iterable[int]) -> set[int] | None:
    """Which of `candidates` the viewer may see (None: everyone, for admins)."""
    if permissions.is_admin(viewer):
        return None
    mine = select(Membership.group_id).where(Membership.member_id == viewer.id)
    candidates = set(candidates)
    if not candidates:
        return set()
    seen = set(db.session.scalars(select(Membership.member_id).where(
        Membership.group_id.in_(mine), Membership.member_id.in_(candidates))))
    return seen | ({viewer.id} & candidates)


def _is_fading(relation: Relation, today: date) -> bool:
    if not relation.met or relation.last_met is None:
        return False
    if (today - relation.last_met).days > FADING_AFTER_DAYS:
        return True
    return relation.peak >= FADING_PEAK and relation.strength < FADING_SHARE * relation.peak


def _empty(other_id: int, today: date) -> Relation:
    return history.summarize(other_id, (), today=today)


def my_network(user) -> MyNetwork:
    """The user's own network page."""
    if not _authenticated(user):
        raise PermissionDenied()
    today = local_today()
    relations = history.relations(user.id, today=today)
    mates = {m.id: m for m in fellow_members(user)}
    others = _members(set(relations) - set(mates))
    everyone = {**others, **mates}
    met = [Person(everyone[i], r, can_view=i in mates or permissions.is_admin(user))
           for i, r in relations.items() if r.met and i in everyone]
    met.sort(key=lambda p: (-p.relation.strength, p.member.name.casefold()))
    never = [Person(m, relations.get(i) or _empty(i, today)) for i, m in mates.items()
             if not (relations.get(i) and relations[i].met)]
    never.sort(key=lambda p: (p.member.name.casefold(), p.member.id))
    mine = one_to_ones.for_member(user)
    return MyNetwork(member=user, met=met, never_met=never,
                     suggestions=suggestions(user, relations, mates, mine, today),
                     one_to_ones=mine, today=today, counts=_counts(relations.values(), today))


def suggestions(user, relations: dict[int, Relation], mates: dict[int, Member],
                mine: one_to_ones.MyOneToOnes, today: date) -> list[Suggestion]:
    """Whom to meet next: members of my groups with a complementary trade I have never met, ties
    that are fading, and people I keep seeing at meetings without ever sharing a table."""
    arranged = {row.partner_id if row.proposer_id == user.id else row.proposer_id
                for row in (*mine.waiting_for_me, *mine.waiting_for_them, *mine.upcoming)}
    my_text = industries.describe(user.industry, user.title)
    out: list[Suggestion] = []
    taken: set[int] = set()

    def add(suggestion: Suggestion, limit: int) -> None:
        count = sum(1 for s in out if s.reason == suggestion.reason)
        if count < limit and suggestion.member.id not in taken and len(out) < MAX_SUGGESTIONS:
            out.append(suggestion)
            taken.add(suggestion.member.id)

    candidates = [m for i, m in sorted(mates.items(), key=lambda kv: (kv[1].name.casefold(), kv[0]))
                  if i not in arranged]
    for member in candidates:
        relation = relations.get(member.id) or _empty(member.id, today)
        if relation.met:
            continue
        pair = industries.complementary(my_text, industries.describe(member.industry, member.title))
        if pair:
            add(Suggestion(member, COMPLEMENTARY, relation, pair), 3)
    fading = [(relations[m.id], m) for m in candidates
              if m.id in relations and _is_fading(relations[m.id], today)]
    fading.sort(key=lambda rm: (-rm[0].peak, rm[1].name.casefold()))
    for relation, member in fading:
        add(Suggestion(member, FADING, relation), 2)
    seen = [(relations[m.id], m) for m in candidates
            if m.id in relations and not relations[m.id].met and relations[m.id].meetings]
    seen.sort(key=lambda rm: (-rm[0].meetings, rm[1].name.casefold()))
    for relation, member in seen:
        add(Suggestion(member, SEEN_NOT_MET, relation), 2)
    return out


def _shared_roles(viewer, member: Member) -> set[str]:
    theirs = {m.group_id for m in member.memberships}
    return {m.role for m in viewer.memberships if m.group_id in theirs}


def visible_member(viewer, member_id) -> Member:
    """The member, if the viewer may see their profile at all (NotFound otherwise, as the card)."""
    if not _authenticated(viewer):
        raise PermissionDenied()
    if not isinstance(member_id, int) or isinstance(member_id, bool) or member_id <= 0:
        raise NotFound()
    member = db.session.get(Member, member_id)
    if member is None or not permissions.can_view_member(viewer, member):
        raise NotFound()
    if not member.active and not permissions.can_manage_member(viewer, member):
        raise NotFound()
    return member


def visibility(viewer, member: Member) -> str:
    return privacy.network_visibility(viewer, member, _shared_roles(viewer, member))


def member_network(viewer, member_id, *, people: bool = True) -> MemberNetwork:
    """Another member's network as `viewer` may see it (see app.connections.privacy)."""
    member = visible_member(viewer, member_id)
    today = local_today()
    seen = visibility(viewer, member)
    is_self = viewer.id == member.id
    tie = None if is_self else history.relation(viewer.id, member.id, today=today)
    result = MemberNetwork(member=member, visibility=seen, tie=tie, is_self=is_self)
    if seen == privacy.NONE:
        return result
    relations = history.relations(member.id, today=today)
    result.counts = _counts(relations.values(), today)
    if seen == privacy.FULL and people:
        met_ids = [i for i, r in relations.items() if r.met]
        visible = _visible_ids(viewer, met_ids)
        shown = [i for i in met_ids if visible is None or i in visible]
        members = _members(shown)
        # Someone who hides their network is not named in another's list either (that would show
        # whom they met); the viewer always sees their own tie.
        private = {i for i, m in members.items() if m.hide_network and i != viewer.id}
        result.people = sorted((Person(members[i], relations[i]) for i in shown
                                if i in members and i not in private),
                               key=lambda p: (-p.relation.strength, p.member.name.casefold()))
        result.private = len(private)
        result.not_shown = len(met_ids) - len(result.people) - result.private
    return result


def set_hide_network(user, hide) -> Member:
    """The member's own choice: hide their relationships from other members. Commits."""
    if not _authenticated(user):
        raise PermissionDenied()
    if not isinstance(hide, bool):
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"hide_network": [_("Please enter true or false.")]})
    member = db.session.get(Member, user.id)
    member.hide_network = hide
    db.session.commit()
    return member
