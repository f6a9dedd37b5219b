"""Member list use cases: CSV import (upload -> preview -> all-or-nothing confirm) and CSV export.

The CSV format itself (decoding, headers, row checks, writing) is the pure app/members/csv_io.py;
this module adds what needs the database and the user: permissions, lookups, the signed
preview token, creating the members and their welcome mails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from app.auth import permissions
from app.auth.tokens import external_url, hash_token, new_token
from app.auth.viewers import member_fields_for
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db
from app.groups.invitations import invite_to_group
from app.mail.batch import BatchRecipient, enqueue_mail_batch
from app.members import csv_io
from app.members.services import (
    default_language,
    field_error,
    list_members_for_admin,
    offered_languages,
    require_member_admin,
)
from app.models import (
    Competency,
    Group,
    LoginToken,
    Member,
    MemberEvent,
    Membership,
    Role,
    normalize_email,
    utcnow,
)
from app.models.member import member_competencies

MAX_IMPORT_BYTES = 2 * 1024 * 1024
IMPORT_TOKEN_MAX_AGE = 60 * 60  # seconds between preview and confirm
_IMPORT_SALT = "kaffeklub.members.import"
# Each invitation is mailed through invite_to_group, about 10 ms apiece (see docs/benchmarks.md):
# 300 keep an organizer's confirm within about 5 s, far from the worker timeout.
MAX_IMPORT_INVITATIONS = 300
_LINK_MARKER = "kk-import-token"  # stands for each welcome link's token in one url_for result

IMPORT_MESSAGES = {
    "empty_file": _l("The file is empty."),
    "no_rows": _l("The file has a header row but no members."),
    "missing_columns": _l("The file lacks required columns: %(columns)s. "
                          "The first row must name the columns, e.g. navn;e-mail."),
    "too_many_rows": _l("The file has more than %(max)s rows. Please split it."),
    "too_many_invitations": _l("As an organizer you can send at most %(max)s invitations from one file. "
                               "Please split the list, or ask an admin to import it."),
    "unreadable": _l("The file could not be read as CSV near line %(line)s."),
    "control_characters": _l("The row contains invisible control characters (such as NUL). "
                             "Please remove them, or save the file again as CSV UTF-8."),
    "name_missing": _l("Name is missing."),
    "email_missing": _l("E-mail is missing."),
    "email_invalid": _l("“%(email)s” is not a valid e-mail address."),
    "email_duplicate": _l("%(email)s appears twice in the file (first in line %(line)s)."),
    "existing_member": _l("Already a member of the network: will be added to the group, "
                          "the profile is not changed."),
    "will_be_invited": _l("Will be invited by e-mail and join the group on accepting."),
    "already_in_group": _l("Already a member of this group: nothing changes."),
    "group_unknown": _l("Unknown group “%(group)s”, or not one of yours."),
    "too_long": _l("The field %(field)s is longer than %(max)s characters."),
    "competency_too_long": _l("The competency “%(competency)s” is longer than %(max)s characters."),
    "website_invalid": _l("“%(website)s” is not a web address (http:// or https://)."),
    "phone_invalid": _l("“%(phone)s” is not a phone number (digits, spaces and + - ( ) . only)."),
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
    created: list[int] = field(default_factory=list)  # ids of the new members
    added: list[int] = field(default_factory=list)  # ids of existing members added to a group
    invited: list[str] = field(default_factory=list)  # addresses invited (organizers' imports)


def _import_target(user, group_id: object) -> tuple[Group, list[Group]]:
    """The chosen group and all groups the user may import into (for a "groups" column)."""
    groups = require_member_admin(user)
    group = next((g for g in groups if g.id == group_id), None)
    if group is None:
        raise field_error("group_id", _("Please choose one of your groups."))
    return group, groups


def _preview(user, group: Group, groups: list[Group], text: str) -> csv_io.ImportPreview:
    """Parse and check the list against the database: one query per kind of lookup.

    Admins see every member, so an address of any member is "already a member". An organizer
    sees only the members of their own groups: every other address, a member's or not, is
    invited, and the preview answers the same way for both (no way to probe who is a member).
    """
    admin = permissions.is_admin(user)
    known = select(func.lower(Member.email))
    if not admin:
        known = known.where(Member.memberships.any(Membership.group_id.in_([g.id for g in groups])))
    existing = set(db.session.scalars(known))
    in_group = set(db.session.scalars(
        select(func.lower(Member.email)).join(Membership).where(Membership.group_id == group.id)))
    lookup: dict[str, str] = {}
    for g in groups:
        lookup[g.name.casefold()] = g.slug
        lookup[g.slug] = g.slug
    preview = csv_io.parse_members_csv(text, existing_emails=existing, emails_in_group=in_group,
                                       groups=lookup, languages=offered_languages(),
                                       test_environment=current_app.testing, invite_others=not admin)
    invitations = sum(1 + len([s for s in r.groups if s != group.slug])
                      for r in preview.rows if r.status == csv_io.RowStatus.INVITE)
    if invitations > MAX_IMPORT_INVITATIONS:
        preview.file_errors.append(csv_io.Message("too_many_invitations", {"max": MAX_IMPORT_INVITATIONS}))
    return preview


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
    plan = ImportPlan(group=group, preview=_preview(user, group, groups, text), filename=filename)
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
    preview = _preview(user, group, groups, str(payload.get("t", "")))
    if not preview.can_import:
        return ImportPlan(group=group, preview=preview, filename=str(payload.get("f", "")))

    result = ImportResult(group=group)
    targets_of = _targets(group, groups)
    try:
        _add_existing(user, preview, targets_of, result)
        if permissions.is_admin(user):
            _create_members(user, group, preview, targets_of, result)
        else:
            _invite(user, preview, targets_of, result)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise _changed_meanwhile() from error
    except Exception:
        db.session.rollback()
        raise
    return result


def _changed_meanwhile() -> Conflict:
    return Conflict(_("The members changed while you were importing. Nothing was imported; "
                      "please upload the file again."))


def _targets(group: Group, groups: list[Group]):
    """row -> the groups it goes into: the chosen one first, then those of its "groups" column."""
    by_slug = {g.slug: g for g in groups}

    def targets_of(row: csv_io.ImportRow) -> list[Group]:
        return [group] + [by_slug[s] for s in row.groups if s != group.slug]
    return targets_of


def _record_events(user, kind: str, events: list[tuple[int, Group | None]]) -> None:
    """History rows ("created", "added") for many members, in one INSERT."""
    if events:
        db.session.execute(insert(MemberEvent), [
            {"member_id": member_id, "actor_id": user.id, "actor_is_admin": permissions.is_admin(user),
             "kind": kind, "group_id": getattr(group, "id", None), "detail": ""}
            for member_id, group in events])


def _add_existing(user, preview: csv_io.ImportPreview, targets_of, result: ImportResult) -> None:
    """Put members who are already in the network (and visible to the user) into the target
    groups they are not in yet; their profiles are not changed. One query for the members, one
    for their memberships, one INSERT for the new memberships and one for their history."""
    rows = [r for r in preview.rows if r.existing]
    if not rows:
        return
    ids = dict(db.session.execute(select(func.lower(Member.email), Member.id)
                                  .where(func.lower(Member.email).in_([r.email for r in rows]))).all())
    have = set(db.session.execute(select(Membership.member_id, Membership.group_id)
                                  .where(Membership.member_id.in_(list(ids.values())))).all())
    admin = permissions.is_admin(user)
    memberships: list[dict[str, object]] = []
    events: list[tuple[int, Group | None]] = []
    for row in rows:
        member_id = ids.get(row.email)
        if member_id is None:  # deleted since the check a moment ago
            raise _changed_meanwhile()
        missing = [g for g in targets_of(row) if (member_id, g.id) not in have]
        for target in missing:
            have.add((member_id, target.id))
            if admin:
                memberships.append({"member_id": member_id, "group_id": target.id,
                                    "role": Role.MEMBER.value})
                events.append((member_id, target))
            else:
                # An organizer only sees members of their own groups, whom the invitation rules
                # add directly (and record in the member's history).
                invite_to_group(user, target, email=row.email)
        if missing:
            result.added.append(member_id)
    if memberships:
        db.session.execute(insert(Membership), memberships)
        _record_events(user, "added", events)


def _create_members(user, group: Group, preview: csv_io.ImportPreview, targets_of,
                    result: ImportResult) -> None:
    """Create the new members with their competencies, memberships, history, welcome links and
    welcome mails: a few executemany INSERTs (SQLAlchemy's insertmanyvalues), whatever the count."""
    rows = [r for r in preview.rows if r.status == csv_io.RowStatus.OK]
    if not rows:
        return
    language = default_language()
    now = utcnow()
    member_ids = list(db.session.scalars(
        insert(Member).returning(Member.id, sort_by_parameter_order=True),
        [{"email": normalize_email(r.email), "name": r.name, "phone": r.phone, "company": r.company,
          "title": r.title, "industry": r.industry, "website": r.website,
          "language": r.language or language, "created_at": now, "updated_at": now} for r in rows]))

    names = sorted({name for r in rows for name in r.competencies})
    competency_ids: dict[str, int] = {}
    if names:
        competency_ids.update(db.session.execute(
            select(Competency.name, Competency.id).where(Competency.name.in_(names))).all())
        missing = [n for n in names if n not in competency_ids]
        if missing:
            created = db.session.scalars(
                insert(Competency).returning(Competency.id, sort_by_parameter_order=True),
                [{"name": n} for n in missing])
            competency_ids.update(zip(missing, created, strict=True))
        links = [{"member_id": member_id, "competency_id": competency_ids[name]}
                 for member_id, row in zip(member_ids, rows, strict=True) for name in row.competencies]
        if links:
            db.session.execute(insert(member_competencies), links)

    placements = [(member_id, target) for member_id, row in zip(member_ids, rows, strict=True)
                  for target in targets_of(row)]
    db.session.execute(insert(Membership), [
        {"member_id": member_id, "group_id": target.id, "role": Role.MEMBER.value, "joined_at": now}
        for member_id, target in placements])
    # The same history as create_member writes: "created", then "added" per group.
    _record_events(user, "created", [(member_id, None) for member_id in member_ids])
    _record_events(user, "added", placements)

    # Welcome links (single use, WELCOME_LINK_DAYS) and the mails that carry them.
    expires = now + timedelta(days=current_app.config["WELCOME_LINK_DAYS"])
    tokens = [new_token() for _ in rows]
    db.session.execute(insert(LoginToken), [
        {"member_id": member_id, "token_hash": hash_token(token), "purpose": "welcome",
         "created_at": now, "expires_at": expires}
        for member_id, token in zip(member_ids, tokens, strict=True)])
    link_base = external_url("auth.login_with_link", token=_LINK_MARKER)
    enqueue_mail_batch("welcome", [
        BatchRecipient(member_id=member_id, name=row.name, email=normalize_email(row.email),
                       language=row.language or language,
                       values={"link": link_base.replace(_LINK_MARKER, token)})
        for member_id, row, token in zip(member_ids, rows, tokens, strict=True)],
        group=group, days=current_app.config["WELCOME_LINK_DAYS"])
    result.created = member_ids


def _invite(user, preview: csv_io.ImportPreview, targets_of, result: ImportResult) -> None:
    """An organizer's import: every address they cannot see gets an invitation per target group.

    No autoflush: each invitation's lookups need not write the previous invitations first (an
    address occurs once in a list, so no lookup can miss a pending row it would have found).
    """
    with db.session.no_autoflush:
        for row in preview.rows:
            if row.status != csv_io.RowStatus.INVITE:
                continue
            for target in targets_of(row):
                invite_to_group(user, target, email=row.email, name=row.name, company=row.company,
                                phone=row.phone)
            result.invited.append(row.email)


def export_members_csv(user, group_id: int | None = None) -> tuple[str, bytes]:
    """(filename, bytes) of the members the user administers, in the format the import reads."""
    listing = list_members_for_admin(user, group_id=group_id)
    visible_groups = {g.id for g in listing.groups}
    rows = []
    for member in listing.members:
        if member.is_deleted:  # "a former member": nothing to export
            continue
        # The one rule (app.visibility): the organizers of the member's groups and admins see every
        # kind, so this leaves everything in; a column the rule hides would be left empty. The mail
        # language is kept: the import needs it to mail the member in their language.
        shown = member_fields_for(user, member) | {"language"}
        row = {
            "name": member.name, "email": member.email, "phone": member.phone,
            "company": member.company, "title": member.title, "industry": member.industry,
            "competencies": member.competency_names, "website": member.website,
            "language": member.language,
        }
        row = {key: value if key in shown else "" for key, value in row.items()}
        row["groups"] = sorted(m.group.slug for m in member.memberships if m.group_id in visible_groups)
        rows.append(row)
    suffix = f"-{listing.group.slug}" if listing.group else ""
    filename = f"kaffeklub-members{suffix}-{date.today().isoformat()}.csv"
    return filename, csv_io.write_members_csv(rows)
