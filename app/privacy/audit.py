"""The audit log: what admins and organizers did to members (MemberEvent rows whose actor is
someone other than the member), for admins only, as a page and a CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased, selectinload

from app.auth import permissions
from app.errors import PermissionDenied
from app.extensions import db
from app.i18n import network_timezone
from app.members.history import EVENT_TEXTS, describe_events
from app.models import Member, MemberEvent
from app.pagination import WEB_PER_PAGE, Page, like_pattern, paginate
from app.rsvp.organizer import write_csv

# Kinds the log can be filtered by: the history's kinds (the deletion of an account among them).
KIND_NAMES = {kind: kind for kind in EVENT_TEXTS}
KIND_LABELS = {
    "created": _l("Account created"), "added": _l("Added to a group"), "invited": _l("Invited"),
    "invitation_accepted": _l("Invitation accepted"), "invitation_declined": _l("Invitation declined"),
    "invitation_withdrawn": _l("Invitation withdrawn"), "removed": _l("Removed from a group"),
    "role_changed": _l("Role changed"), "profile_edited": _l("Profile edited"),
    "deactivated": _l("Deactivated"), "reactivated": _l("Reactivated"),
    "industry_override": _l("Industry rule overridden"), "deleted": _l("Account deleted"),
}
MAX_TERM = 200
MIN_YEAR, MAX_YEAR = 1900, 9000
CSV_LIMIT = 50_000


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""  # part of the actor's name or e-mail
    whom: str = ""  # part of the member's name or e-mail
    kind: str = ""
    since: date | None = None
    until: date | None = None


@dataclass
class AuditLine:
    id: int
    at: datetime
    actor: Member | None
    actor_is_admin: bool
    member: Member
    group_name: str
    kind: str
    text: str
    detail: str


def require_admin(user) -> None:
    if not permissions.is_admin(user):
        raise PermissionDenied()


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def _day_start(day: date) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(0), tzinfo=ZoneInfo(network_timezone())).astimezone(UTC)


def _statement(filters: AuditFilter) -> Select:
    actor = aliased(Member)
    member = aliased(Member)
    statement = (select(MemberEvent)
                 .join(actor, actor.id == MemberEvent.actor_id)
                 .join(member, member.id == MemberEvent.member_id)
                 .where(MemberEvent.actor_id != MemberEvent.member_id))
    if filters.who:
        pattern = like_pattern(filters.who[:MAX_TERM])
        statement = statement.where(actor.name.ilike(pattern, escape="\\")
                                    | actor.email.ilike(pattern, escape="\\"))
    if filters.whom:
        pattern = like_pattern(filters.whom[:MAX_TERM])
        statement = statement.where(member.name.ilike(pattern, escape="\\")
                                    | member.email.ilike(pattern, escape="\\"))
    if filters.kind in KIND_NAMES:
        statement = statement.where(MemberEvent.kind == filters.kind)
    # Days far outside any history (year 1, year 9999) limit nothing (and cannot overflow).
    if filters.since is not None and MIN_YEAR <= filters.since.year <= MAX_YEAR:
        statement = statement.where(MemberEvent.created_at >= _day_start(filters.since))
    if filters.until is not None and MIN_YEAR <= filters.until.year <= MAX_YEAR:
        end = _day_start(filters.until + timedelta(days=1))
        statement = statement.where(MemberEvent.created_at < end)
    # The member of each line in one query (actor and group are joined by the model).
    return (statement.options(selectinload(MemberEvent.member))
            .order_by(MemberEvent.created_at.desc(), MemberEvent.id.desc()))


def _lines(events: list[MemberEvent]) -> list[AuditLine]:
    texts = describe_events(events)
    return [AuditLine(id=e.id, at=e.created_at, actor=e.actor, actor_is_admin=e.actor_is_admin,
                      member=e.member, group_name=e.group.name if e.group is not None else "",
                      kind=e.kind, text=line.text, detail=e.detail)
            for e, line in zip(events, texts, strict=True)]


def audit_page(user, filters: AuditFilter, *, page: int = 1, per_page: int = WEB_PER_PAGE) -> Page:
    """One page of the log, newest first (admins only)."""
    require_admin(user)
    result = paginate(_statement(filters), page, per_page)
    result.items = _lines(result.items)
    return result


CSV_HEADERS = (_l("Time (UTC)"), _l("By"), _l("By an admin"), _l("Member"), _l("Member id"), _l("Group"),
               _l("What"), _l("Details"))


def audit_csv(user, filters: AuditFilter) -> bytes:
    """The filtered log as CSV for a spreadsheet (cells that could run as formulas escaped)."""
    require_admin(user)
    events = list(db.session.scalars(_statement(filters).limit(CSV_LIMIT)))
    rows = [[line.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), line.actor.name if line.actor else "",
             "1" if line.actor_is_admin else "0", line.member.name, str(line.member.id), line.group_name,
             kind_label(line.kind), line.detail] for line in _lines(events)]
    return write_csv([str(h) for h in CSV_HEADERS], rows)
