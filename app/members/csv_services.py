"""Member list use cases: CSV import (upload -> preview -> all-or-nothing confirm) and CSV export.

The CSV format itself (decoding, headers, row checks, writing) is the pure app/members/csv_io.py;
this module adds what needs the database and the user: permissions, lookups, the signed
preview token, creating the members and their welcome mails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db
from app.members import csv_io
from app.members.services import (
    CompetencyRows,
    default_language,
    field_error,
    list_members_for_admin,
    offered_languages,
    require_member_admin,
    send_welcome,
)
from app.models import Group, Member, Membership, Role, normalize_email

MAX_IMPORT_BYTES = 2 * 1024 * 1024
IMPORT_TOKEN_MAX_AGE = 60 * 60  # seconds between preview and confirm
_IMPORT_SALT = "kaffeklub.members.import"

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


def _import_target(user, group_id: object) -> tuple[Group, list[Group]]:
    """The chosen group and all groups the user may import into (for a "groups" column)."""
    groups = require_member_admin(user)
    group = next((g for g in groups if g.id == group_id), None)
    if group is None:
        raise field_error("group_id", _("Please choose one of your groups."))
    return group, groups


def _preview(group: Group, groups: list[Group], text: str) -> csv_io.ImportPreview:
    existing = set(db.session.scalars(select(func.lower(Member.email))))
    in_group = set(db.session.scalars(
        select(func.lower(Member.email)).join(Membership).where(Membership.group_id == group.id)))
    lookup: dict[str, str] = {}
    for g in groups:
        lookup[g.name.casefold()] = g.slug
        lookup[g.slug] = g.slug
    return csv_io.parse_members_csv(text, existing_emails=existing, emails_in_group=in_group,
                                    groups=lookup, languages=offered_languages(),
                                    test_environment=current_app.testing)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_IMPORT_SALT)


def preview_import(user, group_id: object, data: bytes, filename: str = "") -> ImportPlan:
    """Read an uploaded member list and show what importing it into the group would do.

    The decoded text travels to the confirm step as a signed token (itsdangerous, app secret,
    compressed): the browser carries it, nobody can alter it, and no server storage is needed.
    """
    group, groups = _import_target(user, group_id)
    if not data:
        raise field_error("file", _("Please choose a CSV file."))
    if len(data) > MAX_IMPORT_BYTES:
        raise field_error("file", _("The file is larger than %(max)s MB. Please split it.",
                                    max=MAX_IMPORT_BYTES // (1024 * 1024)))
    text, encoding = csv_io.decode_bytes(data)
    plan = ImportPlan(group=group, preview=_preview(group, groups, text), filename=filename)
    plan.preview.encoding = encoding
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
    group, groups = _import_target(user, payload.get("g"))
    preview = _preview(group, groups, str(payload.get("t", "")))
    if not preview.can_import:
        return ImportPlan(group=group, preview=preview, filename=str(payload.get("f", "")))

    groups_by_slug = {g.slug: g for g in groups}
    existing = {m.email: m for m in db.session.scalars(
        select(Member).where(Member.email.in_([r.email for r in preview.rows if r.existing])))}
    language = default_language()
    competencies = CompetencyRows()
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
                            website=row.website, language=row.language or language)
            member.competencies = competencies.rows(row.competencies)
            db.session.add(member)
            for target in targets:
                db.session.add(Membership(member=member, group=target, role=Role.MEMBER.value))
            new_members.append(member)
        db.session.flush()  # ids for the welcome tokens
        for member in new_members:
            send_welcome(member, group)
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
