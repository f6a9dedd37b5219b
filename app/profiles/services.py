"""Profile use cases: the visibility settings, the photo, the vCard and the upcoming meetings.

Each function loads what it needs, asks app.auth.viewers (the one visibility rule) and is the only
place that commits. The web pages and the JSON API call the same functions.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import permissions
from app.auth.viewers import member_fields_for, viewer_of_member
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.models import Meeting, Member, Rsvp
from app.models.meeting import MeetingStatus
from app.models.rsvp import RsvpStatus
from app.models.types import utcnow
from app.profiles import photos, vcard
from app.visibility import NEVER_PUBLIC_KINDS, PRIVACY_KINDS, Level, Viewer

UPCOMING_MEETINGS_SHOWN = 5

# The two choices of the kinds that are never public.
NEVER_PUBLIC_CHOICES = (Level.MEMBERS.value, Level.ORGANIZERS.value)
ALL_CHOICES = tuple(level.value for level in Level)


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _own_member(user) -> Member:
    if not _authenticated(user):
        raise PermissionDenied()
    member = db.session.get(Member, user.id)
    if member is None or member.is_deleted:
        raise NotFound()
    return member


# --- visibility settings -------------------------------------------------------------------------

def choices_for(kind: str) -> tuple[str, ...]:
    """The levels a member may choose for this kind of data."""
    return NEVER_PUBLIC_CHOICES if kind in NEVER_PUBLIC_KINDS else ALL_CHOICES


def visibility_levels(member: Member) -> dict[str, str]:
    """The member's level per kind (app.visibility.PRIVACY_KINDS), as plain strings."""
    return {kind: level.value for kind, level in member.privacy_levels().items()}


def set_visibility(user, data: Mapping[str, object]) -> Member:
    """Change the user's own levels; only the kinds in `data` change. A wrong kind or value is a
    ValidationFailed naming the field (nothing changes then). Commits."""
    member = _own_member(user)
    errors: dict[str, list[str]] = {}
    chosen: dict[str, str] = {}
    for kind, value in data.items():
        if kind not in PRIVACY_KINDS:
            errors.setdefault(str(kind), []).append(_("Unknown setting."))
            continue
        if not isinstance(value, str) or value not in choices_for(kind):
            errors.setdefault(kind, []).append(_("Please choose one of the options."))
            continue
        chosen[kind] = value
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), fields=errors)
    for kind, value in chosen.items():
        if kind == "meetings":
            member.share_attendance = value == Level.MEMBERS.value
        elif kind == "network":
            member.hide_network = value == Level.ORGANIZERS.value
        else:
            setattr(member, f"{kind}_visibility", value)
    db.session.commit()
    return member


# --- the photo -----------------------------------------------------------------------------------

def upload_photo(user, data: bytes) -> Member:
    """Check and store a new photo for the user (replacing any old one, whose files go). The
    refusal is a ValidationFailed on the field "photo" with the reason. Commits."""
    member = _own_member(user)
    try:
        processed = photos.process_photo(data, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
    except photos.PhotoRefused as refused:
        raise ValidationFailed(str(refused.message), fields={"photo": [str(refused.message)]}) from None
    key = photos.store_photo(processed)
    old = member.photo_key
    member.photo_key = key
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        photos.delete_photo_files(key)
        raise
    photos.delete_photo_files(old)
    return member


def remove_photo(user) -> Member:
    """Remove the user's photo (and its files). Commits."""
    member = _own_member(user)
    old = member.photo_key
    member.photo_key = None
    db.session.commit()
    photos.delete_photo_files(old)
    return member


def _shown_member(user, member_id: int) -> tuple[Member, frozenset[str]]:
    """The member and the fields the user may see; NotFound if they may see nothing of them."""
    member = db.session.get(Member, member_id)
    if member is None or member.is_deleted:
        raise NotFound()
    viewer = viewer_of_member(user, member)
    if not member.active and viewer not in (Viewer.SELF, Viewer.ADMIN, Viewer.ORGANIZER):
        raise NotFound()
    shown = member_fields_for(user, member)
    if not shown:
        raise NotFound()
    return member, shown


def photo_file(user, member_id: int, size: str) -> tuple[Path, str]:
    """The file of a member's photo in this size and its key (for the ETag), if the user may see
    the photo (anonymous visitors too, when the member made it public); NotFound otherwise."""
    if size not in photos.SIZES:
        raise NotFound()
    member, shown = _shown_member(user, member_id)
    if "photo" not in shown or not member.photo_key:
        raise NotFound()
    path = photos.photo_path(member.photo_key, size)
    if not path.is_file():
        raise NotFound()
    return path, member.photo_key


def photo_urls(member: Member, shown: frozenset[str], *, external: bool = False) -> dict[str, str] | None:
    """size -> URL of the member's photo, or None (no photo, or the viewer may not see it). The
    URL carries a version (part of the key) so a new photo is fetched at once."""
    if "photo" not in shown or not member.photo_key:
        return None
    version = member.photo_key[:8]
    return {size: url_for("profiles.photo", id=member.id, size=size, v=version, _external=external)
            for size in photos.SIZES}


# --- the vCard -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class VCard:
    filename: str
    text: str


def vcard_of(member: Member, shown: frozenset[str]) -> VCard:
    """The vCard of a member with only the fields in `shown` (member_fields_for of the viewer)."""
    fields = {name: getattr(member, attribute) for name, attribute in _VCARD_FIELDS.items()
              if name in shown or name == "name"}
    host = current_app.config.get("SERVER_NAME") or "kaffeklub"
    text = vcard.build_vcard(fields, uid=f"kaffeklub-member-{member.id}@{host}",
                             photo_url=_photo_data_uri(member, shown))
    return VCard(filename=_filename(member.name), text=text)


def _photo_data_uri(member: Member, shown: frozenset[str]) -> str | None:
    """The small photo inside the vCard (a contacts app cannot log in to fetch a URL)."""
    if "photo" not in shown or not member.photo_key:
        return None
    try:
        data = photos.photo_path(member.photo_key, "small").read_bytes()
    except (OSError, ValueError):
        return None
    return f"data:{photos.CONTENT_TYPE};base64," + base64.b64encode(data).decode("ascii")


_VCARD_FIELDS = {"name": "name", "company": "company", "title": "title", "industry": "industry",
                 "competencies": "competency_names", "bio": "bio", "website": "website",
                 "email": "email", "phone": "phone"}


def _filename(name: str) -> str:
    """An ASCII file name from the member's name ("Søren Ærø" -> "soeren-aeroe.vcf")."""
    folded = name.lower()
    for danish, plain in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        folded = folded.replace(danish, plain)
    slug = "-".join("".join(ch if ch.isascii() and ch.isalnum() else " " for ch in folded).split())
    return f"{slug[:60] or 'kontakt'}.vcf"


# --- upcoming meetings ---------------------------------------------------------------------------

def upcoming_meetings(user, member: Member, shown: frozenset[str], *,
                      limit: int = UPCOMING_MEETINGS_SHOWN) -> list[Meeting]:
    """The next meetings the member has signed up for, in the groups the user is in (admins: all),
    if the user may see "meetings"; otherwise none."""
    if "meetings" not in shown or not _authenticated(user):
        return []
    statement = (select(Meeting).join(Rsvp, Rsvp.meeting_id == Meeting.id)
                 .where(Rsvp.member_id == member.id, Rsvp.status == RsvpStatus.GOING.value,
                        Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.starts_at >= utcnow()))
    if not permissions.is_admin(user):
        mine = [m.group_id for m in user.memberships]
        if not mine:
            return []
        statement = statement.where(Meeting.group_id.in_(mine))
    return list(db.session.scalars(statement.order_by(Meeting.starts_at, Meeting.id).limit(limit)))
