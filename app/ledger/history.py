"""Every change to a request, answer, referral, help record or thanks, kept as a `SocialChange`.

One way in for everyone (asks, notices, referrals, the ledger): `record_change` adds the row to the
session and does not commit (the calling service owns the transaction); `changes_of` reads an
item's history, oldest first, for the small history view parties and organizers see.

`changes` is `{field: [old, new]}` (values JSON-safe: dates and datetimes as ISO text, enums as
their values); `diff` builds it from two snapshots and leaves out what did not change.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.member import Member
from app.models.social import SOCIAL_ACTIONS, SOCIAL_ITEM_TYPES, SocialChange


def _json_safe(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed between two snapshots."""
    return {field: [_json_safe(before.get(field)), _json_safe(after.get(field))]
            for field in after if before.get(field) != after.get(field)}


def record_change(item_type: str, item_id: int, actor: Member | int | None, action: str,
                  changes: Mapping[str, Any] | None = None, reason: str = "") -> SocialChange:
    """Add one history entry for an item (flushed by the caller's commit; never commits).

    `actor` is the member who did it (or their id; None for the system, e.g. expiry). A new item
    needs its id: flush it first (`db.session.flush()`).
    """
    if item_type not in SOCIAL_ITEM_TYPES:
        raise ValueError(f"unknown item type {item_type!r}")
    if action not in SOCIAL_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    actor_id = actor.id if isinstance(actor, Member) else actor
    change = SocialChange(
        item_type=item_type, item_id=item_id, actor_id=actor_id, action=action,
        changes={str(k): _json_safe(v) for k, v in (changes or {}).items()}, reason=reason or "")
    db.session.add(change)
    return change


def changes_of(item_type: str, item_id: int) -> list[SocialChange]:
    """An item's history, oldest first (with each actor loaded)."""
    return list(db.session.scalars(
        select(SocialChange)
        .where(SocialChange.item_type == item_type, SocialChange.item_id == item_id)
        .options(selectinload(SocialChange.actor))
        .order_by(SocialChange.at, SocialChange.id)))
