"""Member use cases: directory, profile cards, own profile and administration.

Every function loads what it needs, checks permissions on the object and is the only place
that commits. Rules shared with the JSON API live here, never in the routes. CSV import and
export are in app/members/csv_services.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import events
from app.auth import permissions
from app.auth.sessions import revoke_all_access
from app.auth.tokens import issue_login_link
from app.auth.viewers import member_fields_for, viewer_of_member
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.groups import industry
from app.groups.invitations import check_invitation_input, invite_to_group
from app.input_guard import normalize_newlines
from app.mail.services import enqueue_mail
from app.members import search as member_search
from app.members.history import describe_events, last_deactivation, member_events, record_member_event
from app.members.loading import attach_competencies
from app.members.normalize import (
    COMPETENCY_MAX_LENGTH,
    clean_text,
    normalize_competencies,
    normalize_language,
    normalize_phone,
    normalize_website,
    phone_is_valid,
)
from app.models import (
    Competency,
    Group,
    GroupInvitation,
    Meeting,
    Member,
    Membership,
    NetworkSettings,
    Role,
    normalize_email,
)
from app.models.member import member_competencies
from app.pagination import WEB_PER_PAGE, Page, like_pattern, paginate
from app.profiles import services as profile_services
from app.validation import FieldErrors, phone_message
from app.visibility import Level, member_fields

PROFILE_LIMITS = {"name": 200, "phone": 40, "company": 200, "title": 200, "industry": 200, "bio": 5000}
# "What I offer" and "what I'm looking for": changed only when the caller's data has them (the
# admin's and the invitation's forms may leave them out; they are kept then).
OPTIONAL_TEXT_LIMITS = {"offers": 2000, "seeks": 2000}
COMPETENCIES_MAX_LENGTH = 2000  # the whole field; each competency at most COMPETENCY_MAX_LENGTH
WEBSITE_MAX_LENGTH = 300


# --- helpers ------------------------------------------------------------------------------------

def offered_languages() -> set[str]:
    """The language codes a member may choose."""
    return set(current_app.config["LANGUAGES"])


def default_language() -> str:
    """The network's default language, preselected for new members."""
    return NetworkSettings.current().default_language


def field_error(name: str, message: str) -> ValidationFailed:
    """The error for one form field that the service rejected."""
    return ValidationFailed(_("Please correct the marked fields."), fields={name: [message]})


SEARCH_MAX_TERMS = 10  # more words than this are ignored: each one is a condition in SQL
SEARCH_MAX_TERM_LENGTH = 100


def _search_terms(query: str | None) -> list[str]:
    """Words of the query, lower-cased the way members.search_text and competency names are
    (at most SEARCH_MAX_TERMS of them, each cut to SEARCH_MAX_TERM_LENGTH characters)."""
    words = [t.lower()[:SEARCH_MAX_TERM_LENGTH] for t in (query or "").split() if t.strip()]
    return words[:SEARCH_MAX_TERMS]


def _search_condition(terms: list[str], *, with_email: bool = False):
    """Every term must appear in the name, company, title, industry or a competency (admins: or
    the e-mail address). In SQL against members.search_text, which holds those fields lower-cased
    by Python, so "Ø" finds "ø" on SQLite too; %, _ and \\ in a term are literal."""
    conditions = []
    for term in terms:
        pattern = like_pattern(term)
        # An uncorrelated IN (evaluated once), not EXISTS per member row.
        tagged = (select(member_competencies.c.member_id)
                  .join(Competency, Competency.id == member_competencies.c.competency_id)
                  .where(Competency.name.like(pattern, escape="\\")))
        alternatives = [Member.search_text.like(pattern, escape="\\"), Member.id.in_(tagged)]
        if with_email:
            alternatives.append(Member.email.like(pattern, escape="\\"))
        conditions.append(or_(*alternatives))
    return and_(true(), *conditions)


def manageable_groups(user) -> list[Group]:
    """Groups whose members the user administers: all for admins, organized ones for organizers."""
    query = select(Group).order_by(Group.name)
    if not permissions.is_admin(user):
        ids = permissions.organized_group_ids(user)
        if not ids:
            return []
        query = query.where(Group.id.in_(ids))
    return list(db.session.scalars(query))


def _member_or_404(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound()
    return member


class CompetencyRows:
    """Competency rows by name: existing rows are reused, new ones created once per transaction."""

    def __init__(self) -> None:
        self._cache: dict[str, Competency] = {}

    def rows(self, names: Iterable[str]) -> list[Competency]:
        names = list(names)
        missing = [n for n in names if n not in self._cache]
        if missing:
            for row in db.session.scalars(select(Competency).where(Competency.name.in_(missing))):
                self._cache[row.name] = row
            for name in missing:
                if name not in self._cache:
                    row = Competency(name=name)
                    db.session.add(row)
                    self._cache[name] = row
        return [self._cache[n] for n in names]


def _email_taken(address: str, *, except_id: int | None = None) -> bool:
    query = select(Member.id).where(func.lower(Member.email) == address)
    if except_id is not None:
        query = query.where(Member.id != except_id)
    return db.session.scalar(query) is not None


def _clean_profile(data: Mapping[str, object], *, with_email: bool = False,
                   member_id: int | None = None) -> dict[str, object]:
    """Validate and normalise profile fields; raise ValidationFailed with field errors."""
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    for key in ("name", "phone", "company", "title", "industry"):
        values[key] = clean_text(str(data.get(key) or ""))
    values["bio"] = normalize_newlines(str(data.get("bio") or "")).strip()
    for key, limit in OPTIONAL_TEXT_LIMITS.items():
        if key in data:
            values[key] = normalize_newlines(str(data.get(key) or "")).strip()
            if len(values[key]) > limit:
                errors.setdefault(key, []).append(_("At most %(max)s characters.", max=limit))
    if not values["name"]:
        errors.setdefault("name", []).append(_("Please enter a name."))
    values["phone"] = normalize_phone(str(values["phone"]))
    if len(values["phone"]) <= PROFILE_LIMITS["phone"] and not phone_is_valid(values["phone"]):
        errors.setdefault("phone", []).append(phone_message())
    for key, limit in PROFILE_LIMITS.items():
        if len(values[key]) > limit:
            errors.setdefault(key, []).append(_("At most %(max)s characters.", max=limit))

    raw_competencies = data.get("competencies") or ""
    if isinstance(raw_competencies, str) and len(raw_competencies) > COMPETENCIES_MAX_LENGTH:
        errors.setdefault("competencies", []).append(
            _("At most %(max)s characters.", max=COMPETENCIES_MAX_LENGTH))
    competencies = normalize_competencies(raw_competencies if isinstance(raw_competencies, list)
                                          else str(raw_competencies))
    too_long = [c for c in competencies if len(c) > COMPETENCY_MAX_LENGTH]
    if too_long:
        errors.setdefault("competencies", []).append(
            _("A competency can be at most %(max)s characters.", max=COMPETENCY_MAX_LENGTH))
    values["competencies"] = competencies

    raw_website = str(data.get("website") or "")
    website = normalize_website(raw_website)
    if max(len(raw_website.strip()), len(website or "")) > WEBSITE_MAX_LENGTH:
        errors.setdefault("website", []).append(_("At most %(max)s characters.", max=WEBSITE_MAX_LENGTH))
    elif website is None:
        errors.setdefault("website", []).append(
            _("Please enter a web address starting with http:// or https://."))
    values["website"] = website or ""

    language = normalize_language(str(data.get("language") or ""), offered_languages())
    if not language:
        errors.setdefault("language", []).append(_("Please choose a language."))
    values["language"] = language or ""

    if with_email:
        raw = str(data.get("email") or "").strip()
        if not raw:
            errors.setdefault("email", []).append(_("Please enter an e-mail address."))
        else:
            try:
                # test_environment only admits the reserved .test domain, which the test suite uses.
                checked = validate_email(raw, check_deliverability=False,
                                         test_environment=current_app.testing)
                address = normalize_email(checked.normalized)
            except EmailNotValidError:
                errors.setdefault("email", []).append(_("Please enter a valid e-mail address."))
            else:
                if _email_taken(address, except_id=member_id):
                    errors.setdefault("email", []).append(
                        _("Another member already uses this e-mail address."))
                values["email"] = address

    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    return values


def _apply_profile(member: Member, values: Mapping[str, object], competencies: CompetencyRows) -> None:
    for key, value in values.items():
        if key == "competencies":
            member.competencies = competencies.rows(value)  # type: ignore[arg-type]
        else:
            setattr(member, key, value)


def send_welcome(member: Member, group: Group | None) -> None:
    """Welcome mail with a 7-day login link, in the caller's transaction (member must be flushed)."""
    link = issue_login_link(member, purpose="welcome")
    enqueue_mail(member, "welcome", link=link, group=group, days=current_app.config["WELCOME_LINK_DAYS"])


# --- directory and profile cards ----------------------------------------------------------------

@dataclass
class Directory:
    members: list[Member]  # the members on this page (best match first when there is a query)
    groups: list[Group]  # the groups one may filter by
    group: Group | None
    query: str
    page: Page | None = None
    # member id -> the fields the query matched, best first (app.members.search.FIELD_WEIGHTS
    # names; only fields the searcher may see); None without a query.
    matches: dict[int, list[str]] | None = None
    # member id -> the fields of that member on this page the user may see (app.auth.viewers,
    # organizers of a shared group included)
    shown: dict[int, frozenset[str]] | None = None
    # True when nobody matched every word, and these members match some of them ("ny hjemmeside")
    partial: bool = False


def search_directory(user, query: str = "", group_slug: str | None = None, *, page: int = 1,
                     per_page: int = WEB_PER_PAGE, clamp: bool = True) -> Directory:
    """Active members of the groups the user is in (admins: everyone), one page at a time, with
    their competencies loaded. Without a query ordered by name, then id; with one, best match first
    (app.members.search: Danish letters folded, compounds, typos), found only by the fields the
    user may see of each member (app.visibility)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    if permissions.is_admin(user):
        groups = list(db.session.scalars(select(Group).order_by(Group.name)))
    else:
        groups = sorted((m.group for m in user.memberships), key=lambda g: g.name)
    group = None
    if group_slug:
        group = next((g for g in groups if g.slug == group_slug), None)
        if group is None:
            raise NotFound()

    statement = select(Member).where(Member.active.is_(True), Member.deleted_at.is_(None))
    if group is not None:
        statement = statement.where(Member.memberships.any(Membership.group_id == group.id))
    elif not permissions.is_admin(user):
        ids = [g.id for g in groups]
        if not ids:
            empty = Page(items=[], page=1, per_page=per_page, total=0)
            return Directory(members=[], groups=groups, group=None, query=query, page=empty)
        statement = statement.where(Member.memberships.any(Membership.group_id.in_(ids)))
    terms = member_search.parse_query(query)
    organizing = _organizing_group_of(user)
    if not terms:
        result = paginate(statement.order_by(Member.name, Member.id), page, per_page, clamp=clamp)
        attach_competencies(result.items)
        return Directory(members=result.items, groups=groups, group=group, query=query, page=result,
                         shown=_shown(user, result.items, organizing))

    partial = False
    if len(terms) == 1:
        ranked = _ranked_members(user, statement, terms, organizing)
    else:
        ranked = _ranked_pass(statement, terms, _searchable_fields(user, organizing), typos=False)
        if not ranked:  # a typo, or a word nobody has ("hvem kan lave en ny hjemmeside")
            ranked, partial = _ranked_by_any_word(user, statement, terms, organizing)
    total = len(ranked)
    page = max(1, page)
    if clamp:
        page = min(page, max(1, -(-total // per_page)))
    chosen = ranked[(page - 1) * per_page:page * per_page]
    by_id = {m.id: m for m in db.session.scalars(select(Member).where(
        Member.id.in_([member_id for member_id, _ in chosen])))} if chosen else {}
    members = [by_id[member_id] for member_id, _ in chosen if member_id in by_id]
    attach_competencies(members)
    return Directory(members=members, groups=groups, group=group, query=query,
                     page=Page(items=members, page=page, per_page=per_page, total=total),
                     matches={member_id: fields for member_id, fields in chosen},
                     shown=_shown(user, members, organizing), partial=partial and bool(ranked))


def _organizing_group_of(user) -> Callable[[int], Group | None]:
    """member id -> a group the (non-admin) user organizes and the member is in, or None: there the
    user sees the member as their organizer (one query, only for organizers)."""
    organized = set() if permissions.is_admin(user) else permissions.organized_group_ids(user)
    if not organized:
        return lambda member_id: None
    groups = {m.group_id: m.group for m in user.memberships}
    where = dict(db.session.execute(select(Membership.member_id, Membership.group_id)
                                    .where(Membership.group_id.in_(organized))).all())
    return lambda member_id: groups.get(where[member_id]) if member_id in where else None


def _shown(user, members: list[Member], organizing) -> dict[int, frozenset[str]]:
    return {m.id: member_fields_for(user, m, group=organizing(m.id), shares_group=True) for m in members}


def _ranked_members(user, scope, terms: list[member_search.Term], organizing) -> list[tuple[int, list[str]]]:
    """(member id, matched fields) of every member in `scope` the query finds, best first: the words
    as typed (whole, beginning, inside a compound, stem); only when that finds nobody, with typos."""
    fields_for = _searchable_fields(user, organizing)
    for typos in (False, True):
        if typos and not any(t.typo_patterns for t in terms):
            break
        ranked = _ranked_pass(scope, terms, fields_for, typos=typos)
        if ranked:
            return ranked
    return []


def _ranked_by_any_word(user, scope, terms: list[member_search.Term],
                        organizing) -> tuple[list[tuple[int, list[str]]], bool]:
    """When no member matches every word as typed: each word on its own (as typed, else with
    typos), the members matching more words first, then by how well they rank for each word; and
    whether nobody matched every word (then the page says these match only some)."""
    hits: dict[int, tuple[int, int, list[str]]] = {}
    for term in terms:
        for position, (member_id, fields) in enumerate(_ranked_members(user, scope, [term], organizing)):
            words, positions, matched = hits.get(member_id, (0, 0, []))
            matched = matched + [f for f in fields if f not in matched]
            hits[member_id] = (words + 1, positions + position, matched)
    order = sorted(hits.items(), key=lambda item: (-item[1][0], item[1][1], item[0]))
    partial = not order or order[0][1][0] < len(terms)
    return [(member_id, matched) for member_id, (_words, _positions, matched) in order], partial


def _ranked_pass(scope, terms: list[member_search.Term], fields_for, *, typos: bool):
    """The database narrows down (each term: the member's document or one of their competencies
    contains one of the term's patterns; a trigram index on PostgreSQL); the pure core ranks."""
    candidate_ids = scope.with_only_columns(Member.id)
    for term in terms:
        if len(term.text) == 1 and not term.literal:  # one letter: the beginning of a name's word
            candidate_ids = candidate_ids.where(or_(*(
                Member.name.like(pattern + letter + "%") for letter in member_search.initials(term.text)
                for pattern in ("", "% ", "%-"))))
            continue
        patterns = [like_pattern(p) for p in term.candidate_patterns(typos)]
        tagged = (select(member_competencies.c.member_id)
                  .join(Competency, Competency.id == member_competencies.c.competency_id)
                  .where(or_(*(Competency.search_name.like(p, escape="\\") for p in patterns))))
        candidate_ids = candidate_ids.where(or_(
            *(Member.search_document.like(p, escape="\\") for p in patterns), Member.id.in_(tagged)))
    rows = db.session.execute(
        select(Member.id, Member.name, Member.search_document, Member.profile_visibility)
        .where(Member.id.in_(candidate_ids))).all()
    if not rows:
        return []
    competencies: dict[int, list[str]] = {}
    for member_id, name in db.session.execute(
            select(member_competencies.c.member_id, Competency.search_name)
            .join(Competency, Competency.id == member_competencies.c.competency_id)
            .where(member_competencies.c.member_id.in_([row.id for row in rows]))):
        competencies.setdefault(member_id, []).append(name)
    matcher = member_search.Matcher(terms, typos=typos)
    matcher.prepare([row.search_document for row in rows] + [c for cs in competencies.values() for c in cs])
    scored = []
    for row in rows:
        tags = competencies.get(row.id, ())
        if typos and not matcher.may_match("\n".join((row.search_document, *tags))):
            continue
        result = matcher.score(member_search.split_document(row.search_document), tags, fields_for(row))
        if result is not None:
            scored.append((-result[0], row.name, row.id, result[1]))
    scored.sort()
    return [(member_id, fields) for _, _, member_id, fields in scored]


def _searchable_fields(user, organizing) -> Callable[[object], frozenset[str]]:
    """row -> the fields of that member (a row with id and profile_visibility, in the user's
    scope) the user may see, by the one rule (app.auth.viewers, app.visibility): a member who
    shows their profile to organizers only is found by the other members by name alone."""
    cache: dict[tuple[bool, int | None, str], frozenset[str]] = {}

    def fields_of(row) -> frozenset[str]:
        group = organizing(row.id)
        key = (row.id == user.id, group.id if group is not None else None, row.profile_visibility)
        if key not in cache:
            viewer = viewer_of_member(user, row, group=group, shares_group=True)
            cache[key] = member_fields(viewer, {"profile": Level(row.profile_visibility)})
        return cache[key]
    return fields_of


@dataclass
class MemberCard:
    member: Member
    memberships: list[Membership]  # the member's groups the viewer may know about
    can_edit: bool
    is_self: bool
    shown: frozenset[str] = frozenset()  # the fields the viewer may see (app.auth.viewers)
    meetings: list[Meeting] = field(default_factory=list)  # upcoming, if "meetings" is shown
    photo_urls: dict[str, str] | None = None  # size -> URL, if there is a photo the viewer may see


def get_member_card(user, member_id: int) -> MemberCard:
    """A member's profile card; NotFound unless the viewer shares a group with them (or is admin).
    Carries only what the member lets this viewer see (member_fields_for)."""
    member = _member_or_404(member_id)
    if member.is_deleted or not permissions.can_view_member(user, member):
        raise NotFound()
    if not member.active and not permissions.can_manage_member(user, member):
        raise NotFound()
    if permissions.is_admin(user):
        memberships = list(member.memberships)
    else:
        mine = {m.group_id for m in user.memberships}
        memberships = [m for m in member.memberships if m.group_id in mine]
    memberships.sort(key=lambda m: m.group.name)
    shown = member_fields_for(user, member)
    if "groups" not in shown:
        memberships = []
    return MemberCard(member=member, memberships=memberships,
                      can_edit=permissions.can_edit_member(user, member), is_self=user.id == member.id,
                      shown=shown, meetings=profile_services.upcoming_meetings(user, member, shown),
                      photo_urls=profile_services.photo_urls(member, shown))


def update_own_profile(user, data: Mapping[str, object]) -> Member:
    """Change one's own name, contact details, competencies, bio, website and language (not e-mail),
    and (when `data` has it) `share_attendance`: whether the others coming see one's name.
    A new industry obeys the industry rule of the member's groups (app.groups.industry)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    member = _member_or_404(user.id)
    values = _clean_profile(data)
    # Optional: a caller that does not offer the choice leaves it as it is.
    share = data.get("share_attendance")
    if "share_attendance" in data and not isinstance(share, bool):
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"share_attendance": [_("Choose yes or no.")]})
    # The industry rule of the member's groups: IndustryTaken (a field error on "industry", naming
    # the group) for a "block" group where the industry is taken; the "warn" groups' warnings go to
    # the page as `member.industry_warnings` (a plain attribute, not stored).
    warnings = industry.check_own_industry(member, str(values["industry"]))
    _apply_profile(member, values, CompetencyRows())
    if isinstance(share, bool):
        member.share_attendance = share
    db.session.commit()
    member.industry_warnings = [check.warning() for check in warnings]
    return member


# --- administration -----------------------------------------------------------------------------

@dataclass
class AdminList:
    members: list[Member]  # the members on this page (all of them when no page was asked for)
    groups: list[Group]
    group: Group | None
    query: str
    status: str
    total: int
    active_count: int
    inactive_count: int
    editable: set[int]  # ids of the listed members whose account the user may edit
    page: Page | None = None


def list_members_for_admin(user, query: str = "", group_id: int | None = None,
                           status: str = "all", *, page: int | None = None,
                           per_page: int = WEB_PER_PAGE) -> AdminList:
    """All members (admins) or the members of the organizer's groups, active and deactivated.

    page=None lists every match (the CSV export); otherwise one page, ordered by name then id.
    Memberships (with their groups) and competencies are loaded for the listed members only."""
    permissions.require(permissions.can_administer_members(user))
    groups = manageable_groups(user)
    group = None
    if group_id:
        group = next((g for g in groups if g.id == group_id), None)
        if group is None:
            raise NotFound()
    scope = select(Member)
    if group is not None:
        scope = scope.where(Member.memberships.any(Membership.group_id == group.id))
    elif not permissions.is_admin(user):
        scope = scope.where(Member.memberships.any(Membership.group_id.in_([g.id for g in groups])))
    in_scope = scope.subquery()
    counts = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((in_scope.c.active.is_(True), 1), else_=0)), 0))).one()
    total, active_count = int(counts[0]), int(counts[1])

    statement = scope.where(_search_condition(_search_terms(query), with_email=True))
    if status == "active":
        statement = statement.where(Member.active.is_(True))
    elif status == "inactive":
        statement = statement.where(Member.active.is_(False))
    else:
        status = "all"
    statement = statement.order_by(Member.name, Member.id).options(selectinload(Member.memberships))
    if page is None:
        members = list(db.session.scalars(statement))
        result = None
    else:
        result = paginate(statement, page, per_page)
        members = result.items
    attach_competencies(members)
    return AdminList(members=members, groups=groups, group=group, query=query, status=status,
                     total=total, active_count=active_count, inactive_count=total - active_count,
                     editable={m.id for m in members if permissions.can_edit_member(user, m)},
                     page=result)


def require_member_admin(user) -> list[Group]:
    """The groups the user may put new members in; PermissionDenied if none and not admin."""
    permissions.require(permissions.can_administer_members(user))
    return manageable_groups(user)


def create_member(user, data: Mapping[str, object]) -> Member | GroupInvitation | Membership:
    """Create a member, put them in a group and send the welcome mail, all in one transaction.

    data: profile fields, "email", "group_id" (required for organizers), "role", "is_admin" (admins).
    For an organizer this becomes an invitation to the chosen group (see invite_to_group), and
    an address that belongs to a member answers exactly like a new one.
    """
    groups = require_member_admin(user)
    admin = permissions.is_admin(user)
    group_id = data.get("group_id") or None
    group = next((g for g in groups if g.id == group_id), None)
    errors = FieldErrors()  # every field's mistakes at once
    if (group_id and group is None) or (group is None and not admin):
        errors.add("group_id", _("Please choose one of your groups."))
    role = str(data.get("role") or Role.MEMBER.value)
    if role not in (Role.MEMBER.value, Role.ORGANIZER.value):
        errors.add("role", _("Unknown role."))
    if not admin:
        if not clean_text(str(data.get("name") or "")):
            errors.add("name", _("Please enter a name."))
        details = {key: str(data.get(key) or "") for key in ("email", "name", "company", "phone")}
        check_invitation_input(errors, role=role, **details)
        errors.raise_if_any()
        result = invite_to_group(user, group, role=role, **details)
        if isinstance(result, Membership):  # someone from another of the organizer's groups
            try:
                check = industry.check_industry(user, group, result.member.industry, member=result.member)
            except ValidationFailed:
                db.session.rollback()
                raise
            industry.attach_warning(result, check)
        try:
            db.session.commit()
        except IntegrityError as error:
            db.session.rollback()
            raise field_error("email", _("This person is already in the group.")) from error
        return result

    try:
        values = _clean_profile(data, with_email=True)
    except ValidationFailed as error:
        if not error.fields:
            raise
        for name, messages in error.fields.items():
            for message in messages:
                errors.add(name, message)
    errors.raise_if_any()
    check = None
    if group is not None:  # the group's industry rule (app.groups.industry); admins may override
        check = industry.check_industry(user, group, str(values.get("industry") or ""),
                                        field_name="industry",
                                        override=bool(data.get("override_industry")),
                                        reason=str(data.get("industry_reason") or ""))
    competencies = CompetencyRows()
    member = Member(email=values["email"], name=values["name"], is_admin=bool(data.get("is_admin")))
    _apply_profile(member, values, competencies)
    db.session.add(member)
    record_member_event(member, "created", actor=user)
    if group is not None:
        db.session.add(Membership(member=member, group=group, role=role))
        record_member_event(member, "added", actor=user, group=group)
        industry.record_override(member, check, user)
        industry.attach_warning(member, check)
    try:
        db.session.flush()  # the welcome token needs member.id
        send_welcome(member, group)
        db.session.commit()
    except IntegrityError as error:  # the e-mail was taken between the check and the insert
        db.session.rollback()
        raise field_error("email", _("Another member already uses this e-mail address.")) from error
    return member


def _member_for_change(user, member_id: int, allowed: Callable[[object, Member], bool]) -> Member:
    member = _member_or_404(member_id)
    if not allowed(user, member):
        # Hide members the user cannot even see; refuse the ones they can.
        raise PermissionDenied() if permissions.can_view_member(user, member) else NotFound()
    return member


def get_member_for_edit(user, member_id: int) -> Member:
    """The member, if the user may edit them; PermissionDenied or (if not even visible) NotFound."""
    return _member_for_change(user, member_id, permissions.can_edit_member)


def update_member(user, member_id: int, data: Mapping[str, object]) -> Member:
    """Edit a member's profile; admins can also change the e-mail address and the admin flag."""
    member = get_member_for_edit(user, member_id)
    admin = permissions.is_admin(user)
    values = _clean_profile(data, with_email=admin, member_id=member.id)
    if admin:
        make_admin = bool(data.get("is_admin"))
        if member.id == user.id and not make_admin:
            raise field_error("is_admin", _("You cannot remove your own admin rights."))
    else:
        make_admin = member.is_admin
    changed = _changed_fields(member, values, make_admin)
    member.is_admin = make_admin
    _apply_profile(member, values, CompetencyRows())
    if changed and member.id != user.id:
        record_member_event(member, "profile_edited", actor=user, detail=",".join(changed))
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise field_error("email", _("Another member already uses this e-mail address.")) from error
    return member


def _changed_fields(member: Member, values: Mapping[str, object], make_admin: bool) -> list[str]:
    """Names of the profile fields an edit changes (for the member's history; no values)."""
    changed = []
    for key, value in values.items():
        current = member.competency_names if key == "competencies" else getattr(member, key)
        if current != value:
            changed.append(key)
    if make_admin != member.is_admin:
        changed.append("is_admin")
    return changed


def _deactivated_by_admin(member: Member) -> bool:
    """Whether the member's last deactivation was an admin's (or is not on record: then only an
    admin may undo it, to be safe)."""
    event = last_deactivation(member)
    return event is None or event.actor_is_admin


def can_reactivate(user, member: Member) -> bool:
    return permissions.can_reactivate_member(user, member, deactivated_by_admin=_deactivated_by_admin(member))


def deactivate_member(user, member_id: int) -> Member:
    """Switch a member off: they can no longer log in and disappear from directories."""
    member = _member_for_change(user, member_id, permissions.can_deactivate_member)
    if member.active:
        member.active = False
        record_member_event(member, "deactivated", actor=user)
        revoke_all_access(member)  # logins, API tokens, unused login links: none come back
        db.session.flush()
        events.member_left.send(member, group_ids=[m.group_id for m in member.memberships])
    db.session.commit()
    return member


def reactivate_member(user, member_id: int) -> Member:
    """Let a deactivated member log in again; what an admin switched off only an admin switches on."""
    member = _member_for_change(user, member_id, can_reactivate)
    if not member.active:
        member.active = True
        record_member_event(member, "reactivated", actor=user)
    db.session.commit()
    return member


# --- history ------------------------------------------------------------------------------------

def member_history(user, member: Member, *, limit: int | None = None):
    """The member's history as readable lines: for admins, for organizers who may edit the member
    and for the member themselves."""
    if not (user.id == member.id or permissions.can_edit_member(user, member)):
        raise PermissionDenied()
    return describe_events(member_events(member, limit=limit))
