"""Member use cases: directory, profile cards, own profile, administration, CSV import and export.

Every function loads what it needs, checks permissions on the object and is the only place
that commits. Rules shared with the JSON API live here, never in the routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth import permissions
from app.auth.tokens import issue_login_link
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.mail.services import enqueue_mail
from app.members import csv_io
from app.members.normalize import (
    COMPETENCY_MAX_LENGTH,
    clean_text,
    normalize_competencies,
    normalize_language,
    normalize_website,
)
from app.models import Competency, Group, Member, Membership, NetworkSettings, Role, normalize_email

MAX_IMPORT_BYTES = 2 * 1024 * 1024
IMPORT_TOKEN_MAX_AGE = 60 * 60  # seconds between preview and confirm
_IMPORT_SALT = "kaffeklub.members.import"

PROFILE_LIMITS = {"name": 200, "phone": 40, "company": 200, "title": 200, "industry": 200, "bio": 5000}


# --- helpers ------------------------------------------------------------------------------------

def _languages() -> set[str]:
    return set(current_app.config["LANGUAGES"])


def default_language() -> str:
    """The network's default language, preselected for new members."""
    return NetworkSettings.get().default_language


def _search_terms(query: str | None) -> list[str]:
    return [t.casefold() for t in (query or "").split() if t.strip()]


def _matches(member: Member, terms: list[str], *, with_email: bool = False) -> bool:
    """Every term must appear in the name, company, title, industry or a competency.

    Done in Python rather than SQL: SQLite's LIKE only folds ASCII case, and "Ø" must find "ø".
    """
    if not terms:
        return True
    haystack = " ".join([member.name, member.company, member.title, member.industry,
                         *member.competency_names, member.email if with_email else ""]).casefold()
    return all(term in haystack for term in terms)


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


class _Competencies:
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
    values["bio"] = str(data.get("bio") or "").strip()
    if not values["name"]:
        errors.setdefault("name", []).append(_("Please enter a name."))
    for key, limit in PROFILE_LIMITS.items():
        if len(values[key]) > limit:
            errors.setdefault(key, []).append(_("At most %(max)s characters.", max=limit))

    raw_competencies = data.get("competencies") or ""
    competencies = normalize_competencies(raw_competencies if isinstance(raw_competencies, list)
                                          else str(raw_competencies))
    too_long = [c for c in competencies if len(c) > COMPETENCY_MAX_LENGTH]
    if too_long:
        errors.setdefault("competencies", []).append(
            _("A competency can be at most %(max)s characters.", max=COMPETENCY_MAX_LENGTH))
    values["competencies"] = competencies

    website = normalize_website(str(data.get("website") or ""))
    if website is None:
        errors.setdefault("website", []).append(
            _("Please enter a web address starting with http:// or https://."))
    values["website"] = website or ""

    language = normalize_language(str(data.get("language") or ""), _languages())
    if not language:
        errors.setdefault("language", []).append(_("Please choose a language."))
    values["language"] = language or ""

    if with_email:
        raw = str(data.get("email") or "").strip()
        try:
            # test_environment only admits the reserved .test domain, which the test suite uses.
            checked = validate_email(raw, check_deliverability=False, test_environment=current_app.testing)
            address = normalize_email(checked.normalized)
        except EmailNotValidError:
            errors.setdefault("email", []).append(_("Please enter a valid e-mail address."))
        else:
            if _email_taken(address, except_id=member_id):
                errors.setdefault("email", []).append(_("Another member already uses this e-mail address."))
            values["email"] = address

    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    return values


def _apply_profile(member: Member, values: Mapping[str, object], competencies: _Competencies) -> None:
    for key, value in values.items():
        if key == "competencies":
            member.competencies = competencies.rows(value)  # type: ignore[arg-type]
        else:
            setattr(member, key, value)


def _send_welcome(member: Member, group: Group | None) -> None:
    """Welcome mail with a 7-day login link, in the caller's transaction (member must be flushed)."""
    link = issue_login_link(member, purpose="welcome")
    enqueue_mail(member, "welcome", link=link, group=group)


# --- directory and profile cards ----------------------------------------------------------------

@dataclass
class Directory:
    members: list[Member]
    groups: list[Group]  # the groups one may filter by
    group: Group | None
    query: str


def search_directory(user, query: str = "", group_slug: str | None = None) -> Directory:
    """Active members of the groups the user is in (admins: everyone), filtered by text and group."""
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

    statement = select(Member).where(Member.active.is_(True)).order_by(Member.name)
    if group is not None:
        statement = statement.where(Member.memberships.any(Membership.group_id == group.id))
    elif not permissions.is_admin(user):
        ids = [g.id for g in groups]
        if not ids:
            return Directory(members=[], groups=groups, group=None, query=query)
        statement = statement.where(Member.memberships.any(Membership.group_id.in_(ids)))
    terms = _search_terms(query)
    members = [m for m in db.session.scalars(statement) if _matches(m, terms)]
    return Directory(members=members, groups=groups, group=group, query=query)


@dataclass
class MemberCard:
    member: Member
    memberships: list[Membership]  # the member's groups the viewer may know about
    can_edit: bool
    is_self: bool


def get_member_card(user, member_id: int) -> MemberCard:
    """A member's profile card; NotFound unless the viewer shares a group with them (or is admin)."""
    member = _member_or_404(member_id)
    if not permissions.can_view_member(user, member):
        raise NotFound()
    if not member.active and not permissions.can_manage_member(user, member):
        raise NotFound()
    if permissions.is_admin(user):
        memberships = list(member.memberships)
    else:
        mine = {m.group_id for m in user.memberships}
        memberships = [m for m in member.memberships if m.group_id in mine]
    memberships.sort(key=lambda m: m.group.name)
    return MemberCard(member=member, memberships=memberships,
                      can_edit=permissions.can_edit_member(user, member), is_self=user.id == member.id)


def update_own_profile(user, data: Mapping[str, object]) -> Member:
    """Change one's own name, contact details, competencies, bio, website and language (not e-mail)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    member = _member_or_404(user.id)
    values = _clean_profile(data)
    _apply_profile(member, values, _Competencies())
    db.session.commit()
    return member


# --- administration -----------------------------------------------------------------------------

@dataclass
class AdminList:
    members: list[Member]
    groups: list[Group]
    group: Group | None
    query: str
    status: str
    total: int
    active_count: int
    inactive_count: int


def list_members_for_admin(user, query: str = "", group_id: int | None = None,
                           status: str = "all") -> AdminList:
    """All members (admins) or the members of the organizer's groups, active and deactivated."""
    permissions.require(permissions.can_administer_members(user))
    groups = manageable_groups(user)
    group = None
    if group_id:
        group = next((g for g in groups if g.id == group_id), None)
        if group is None:
            raise NotFound()
    statement = select(Member).order_by(Member.name)
    if group is not None:
        statement = statement.where(Member.memberships.any(Membership.group_id == group.id))
    elif not permissions.is_admin(user):
        statement = statement.where(Member.memberships.any(Membership.group_id.in_([g.id for g in groups])))
    in_scope = list(db.session.scalars(statement))
    active_count = sum(1 for m in in_scope if m.active)
    terms = _search_terms(query)
    members = [m for m in in_scope if _matches(m, terms, with_email=True)]
    if status == "active":
        members = [m for m in members if m.active]
    elif status == "inactive":
        members = [m for m in members if not m.active]
    else:
        status = "all"
    return AdminList(members=members, groups=groups, group=group, query=query, status=status,
                     total=len(in_scope), active_count=active_count,
                     inactive_count=len(in_scope) - active_count)


def require_member_admin(user) -> list[Group]:
    """The groups the user may put new members in; PermissionDenied if none and not admin."""
    permissions.require(permissions.can_administer_members(user))
    return manageable_groups(user)


def create_member(user, data: Mapping[str, object]) -> Member:
    """Create a member, put them in a group and send the welcome mail, all in one transaction.

    data: profile fields, "email", "group_id" (required for organizers), "role", "is_admin" (admins).
    """
    groups = require_member_admin(user)
    values = _clean_profile(data, with_email=True)
    group_id = data.get("group_id") or None
    group = next((g for g in groups if g.id == group_id), None)
    if (group_id and group is None) or (group is None and not permissions.is_admin(user)):
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"group_id": [_("Please choose one of your groups.")]})
    role = str(data.get("role") or Role.MEMBER.value)
    if role not in (Role.MEMBER.value, Role.ORGANIZER.value):
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Unknown role.")]})

    competencies = _Competencies()
    member = Member(email=values["email"], name=values["name"],
                    is_admin=bool(data.get("is_admin")) and permissions.is_admin(user))
    _apply_profile(member, values, competencies)
    db.session.add(member)
    if group is not None:
        db.session.add(Membership(member=member, group=group, role=role))
    try:
        db.session.flush()  # the welcome token needs member.id
        _send_welcome(member, group)
        db.session.commit()
    except IntegrityError as error:  # the e-mail was taken between the check and the insert
        db.session.rollback()
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"email": [_("Another member already uses this e-mail address.")]}
                               ) from error
    return member


def get_member_for_edit(user, member_id: int) -> Member:
    member = _member_or_404(member_id)
    if not permissions.can_edit_member(user, member):
        # Hide members the user cannot even see; refuse the ones they can.
        if permissions.can_view_member(user, member):
            raise PermissionDenied()
        raise NotFound()
    return member


def update_member(user, member_id: int, data: Mapping[str, object]) -> Member:
    """Edit a member's profile; admins can also change the e-mail address and the admin flag."""
    member = get_member_for_edit(user, member_id)
    admin = permissions.is_admin(user)
    values = _clean_profile(data, with_email=admin, member_id=member.id)
    if admin:
        make_admin = bool(data.get("is_admin"))
        if member.id == user.id and not make_admin:
            raise ValidationFailed(_("Please correct the marked fields."),
                                   fields={"is_admin": [_("You cannot remove your own admin rights.")]})
        member.is_admin = make_admin
    _apply_profile(member, values, _Competencies())
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"email": [_("Another member already uses this e-mail address.")]}
                               ) from error
    return member


def _set_active(user, member_id: int, active: bool) -> Member:
    member = _member_or_404(member_id)
    if not permissions.can_deactivate_member(user, member):
        if permissions.can_view_member(user, member):
            raise PermissionDenied()
        raise NotFound()
    member.active = active
    db.session.commit()
    return member


def deactivate_member(user, member_id: int) -> Member:
    """Switch a member off: they can no longer log in and disappear from directories."""
    return _set_active(user, member_id, False)


def reactivate_member(user, member_id: int) -> Member:
    """Let a deactivated member log in again."""
    return _set_active(user, member_id, True)


# --- CSV import ---------------------------------------------------------------------------------

IMPORT_MESSAGES = {
    "empty_file": _l("The file is empty."),
    "no_rows": _l("The file has a header row but no members."),
    "missing_columns": _l("The file lacks required columns: %(columns)s. "
                          "The first row must name the columns, e.g. navn;e-mail."),
    "too_many_rows": _l("The file has more than %(max)s rows. Please split it."),
    "unreadable": _l("The file could not be read as CSV near line %(line)s."),
    "name_missing": _l("Name is missing."),
    "email_missing": _l("E-mail is missing."),
    "email_invalid": _l("“%(email)s” is not a valid e-mail address."),
    "email_duplicate": _l("%(email)s appears twice in the file (first in line %(line)s)."),
    "existing_member": _l("Already a member of the network: will be added to the group, "
                          "the profile is not changed."),
    "already_in_group": _l("Already a member of this group: nothing changes."),
    "group_unknown": _l("Unknown group “%(group)s”, or not one of yours."),
    "too_long": _l("The field %(field)s is longer than %(max)s characters."),
    "competency_too_long": _l("The competency “%(competency)s” is longer than %(max)s characters."),
    "website_invalid": _l("“%(website)s” is not a web address (http:// or https://)."),
    "language_invalid": _l("Unknown language “%(language)s” (use %(allowed)s)."),
}


def describe_import_message(message: csv_io.Message) -> str:
    """The translated text of a CSV import message."""
    template = IMPORT_MESSAGES.get(message.code)
    if template is None:
        return message.code
    return str(template) % message.params if message.params else str(template)


@dataclass
class ImportPlan:
    group: Group
    preview: csv_io.ImportPreview
    token: str = ""  # signed upload, only when the preview can be imported
    filename: str = ""


@dataclass
class ImportResult:
    group: Group
    created: list[Member] = field(default_factory=list)
    added: list[Member] = field(default_factory=list)  # existing members added to a group


def _import_group(user, group_id: object) -> Group:
    groups = require_member_admin(user)
    group = next((g for g in groups if g.id == group_id), None)
    if group is None:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"group_id": [_("Please choose one of your groups.")]})
    return group


def _preview(user, group: Group, data: bytes | str) -> csv_io.ImportPreview:
    existing = set(db.session.scalars(select(func.lower(Member.email))))
    in_group = set(db.session.scalars(
        select(func.lower(Member.email)).join(Membership).where(Membership.group_id == group.id)))
    lookup: dict[str, str] = {}
    for g in manageable_groups(user):
        lookup[g.name.casefold()] = g.slug
        lookup[g.slug] = g.slug
    return csv_io.parse_members_csv(data, existing_emails=existing, emails_in_group=in_group,
                                    groups=lookup, languages=_languages(),
                                    test_environment=current_app.testing)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_IMPORT_SALT)


def preview_import(user, group_id: object, data: bytes, filename: str = "") -> ImportPlan:
    """Read an uploaded member list and show what importing it into the group would do.

    The decoded text travels to the confirm step as a signed token (itsdangerous, app secret,
    compressed): the browser carries it, nobody can alter it, and no server storage is needed.
    """
    group = _import_group(user, group_id)
    if not data:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"file": [_("Please choose a CSV file.")]})
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"file": [_("The file is larger than %(max)s MB. Please split it.",
                                                  max=MAX_IMPORT_BYTES // (1024 * 1024))]})
    text, _encoding = csv_io.decode_bytes(data)
    plan = ImportPlan(group=group, preview=_preview(user, group, text), filename=filename)
    plan.preview.encoding = _encoding
    if plan.preview.can_import:
        plan.token = _serializer().dumps({"u": user.id, "g": group.id, "t": text, "f": filename})
    return plan


def confirm_import(user, token: str) -> ImportResult | ImportPlan:
    """Import a previewed list all-or-nothing. Returns an ImportPlan (nothing imported) when the
    list no longer validates, e.g. because someone created one of the members meanwhile."""
    try:
        payload = _serializer().loads(token, max_age=IMPORT_TOKEN_MAX_AGE)
    except SignatureExpired as error:
        raise ValidationFailed(_("The preview is too old. Please upload the file again.")) from error
    except BadSignature as error:
        raise ValidationFailed(
            _("The import could not be confirmed. Please upload the file again.")) from error
    if not isinstance(payload, dict) or payload.get("u") != user.id:
        raise PermissionDenied()
    group = _import_group(user, payload.get("g"))
    preview = _preview(user, group, str(payload.get("t", "")))
    if not preview.can_import:
        return ImportPlan(group=group, preview=preview, filename=str(payload.get("f", "")))

    groups_by_slug = {g.slug: g for g in manageable_groups(user)}
    existing = {m.email: m for m in db.session.scalars(
        select(Member).where(Member.email.in_([r.email for r in preview.rows if r.existing])))}
    default_language = NetworkSettings.get().default_language
    competencies = _Competencies()
    result = ImportResult(group=group)
    new_members: list[Member] = []
    try:
        for row in preview.rows:
            targets = [group] + [groups_by_slug[s] for s in row.groups if s != group.slug]
            if row.existing:
                member = existing[row.email]
                added = False
                for target in targets:
                    if member.membership_in(target) is None:
                        db.session.add(Membership(member=member, group=target, role=Role.MEMBER.value))
                        added = True
                if added:
                    result.added.append(member)
                continue
            member = Member(email=normalize_email(row.email), name=row.name, phone=row.phone,
                            company=row.company, title=row.title, industry=row.industry,
                            website=row.website, language=row.language or default_language)
            member.competencies = competencies.rows(row.competencies)
            db.session.add(member)
            for target in targets:
                db.session.add(Membership(member=member, group=target, role=Role.MEMBER.value))
            new_members.append(member)
        db.session.flush()  # ids for the welcome tokens
        for member in new_members:
            _send_welcome(member, group)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(_("The members changed while you were importing. Nothing was imported; "
                         "please upload the file again.")) from error
    except Exception:
        db.session.rollback()
        raise
    result.created = new_members
    return result


# --- CSV export ---------------------------------------------------------------------------------

def export_members_csv(user, group_id: int | None = None) -> tuple[str, bytes]:
    """(filename, bytes) of the members the user administers, in the format the import reads."""
    listing = list_members_for_admin(user, group_id=group_id)
    visible_groups = {g.id for g in listing.groups}
    rows = []
    for member in listing.members:
        rows.append({
            "name": member.name, "email": member.email, "phone": member.phone,
            "company": member.company, "title": member.title, "industry": member.industry,
            "competencies": member.competency_names, "website": member.website,
            "language": member.language,
            "groups": sorted(m.group.slug for m in member.memberships if m.group_id in visible_groups),
        })
    suffix = f"-{listing.group.slug}" if listing.group else ""
    filename = f"kaffeklub-members{suffix}-{date.today().isoformat()}.csv"
    return filename, csv_io.write_members_csv(rows)
