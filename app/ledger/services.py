"""Give and take between two members: what referrals, help records and thanks share.

- Who with whom: the other member must share an active group with the user; the item belongs to a
  shared group (the only one, or the one chosen when they share several).
- One validation path: `text`, `choose_counterpart` and `amount` collect messages per field in a
  `FieldErrors`, so the pages and the API show the same words for the same mistake.
- What a viewer sees of an item: `relation_of` (app.auth.viewers.relation_to_item) and the rule in
  app.visibility (`fields_of`); an item a viewer may not see is NotFound for them.
- Moderation: organizers of the item's group and admins hide or show it with a reason (`hide`,
  `show`); its history (`history_for`) shows parties and organizers every change, with the values
  of only the fields that viewer may see (an organizer never reads an amount in a history).

Use cases live in `app.ledger.referrals` (referrals) and `app.ledger.thanks` (help and thanks);
each checks permissions on the object, writes its `SocialChange` (app.ledger.history), its mail
(app.ledger.notify) and commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.viewers import relation_to_item
from app.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.input_guard import has_unstorable, int_in_range, normalize_newlines
from app.ledger import amounts
from app.ledger.history import changes_of, record_change
from app.models import Group, HelpRecord, Member, Membership, Referral, Thanks, utcnow
from app.models.social import MAX_AMOUNT_DKK
from app.validation import FieldErrors
from app.visibility import Relation, help_fields, referral_fields, thanks_fields

REFERRAL, HELP, THANKS = "referral", "help", "thanks"
# Referrals and thank-yous one member may record in 24 hours: each mails another member, so nobody
# can flood a fellow member's inbox (a busy networker gives a few a week).
MAX_PER_DAY = 50
MODELS: dict[str, type] = {REFERRAL: Referral, HELP: HelpRecord, THANKS: Thanks}
MAX_REASON = 1000

Item = Referral | HelpRecord | Thanks


def authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def require_member(user) -> None:
    if not authenticated(user) or not getattr(user, "active", True):
        raise PermissionDenied()


def refuse_flood(user) -> None:
    """Conflict when the user has recorded MAX_PER_DAY referrals and thank-yous in the last 24 hours."""
    since = utcnow() - timedelta(hours=24)
    recent = (db.session.scalar(select(func.count(Referral.id)).where(
        Referral.giver_id == user.id, Referral.created_at >= since)) or 0) + (db.session.scalar(
        select(func.count(Thanks.id)).where(Thanks.thanker_id == user.id, Thanks.created_at >= since)) or 0)
    if recent >= MAX_PER_DAY:
        raise Conflict(_("You have recorded %(num)d referrals and thanks in the last 24 hours. Please wait a "
                         "little before recording more.", num=MAX_PER_DAY))


def is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0 and int_in_range(value)


# --- who with whom -------------------------------------------------------------------------------


def group_ids_of(member_id: int) -> set[int]:
    return set(db.session.scalars(select(Membership.group_id).where(Membership.member_id == member_id)))


def shared_groups(a_id: int, b_id: int) -> list[Group]:
    shared = group_ids_of(a_id) & group_ids_of(b_id)
    if not shared:
        return []
    return list(db.session.scalars(select(Group).where(Group.id.in_(shared)).order_by(Group.name, Group.id)))


def choose_counterpart(errors: FieldErrors, user, data: Mapping, field: str, *, missing: str,
                       group_field: str = "group_id") -> tuple[Member | None, Group | None]:
    """The other member (`data[field]`) and the shared group the item belongs to."""
    member_id = data.get(field)
    if not is_id(member_id):
        errors.add(field, missing)
        return None, None
    other = db.session.get(Member, member_id)
    if other is not None and other.id == user.id:
        errors.add(field, _("Choose another member than yourself."))
        return None, None
    shared = shared_groups(user.id, other.id) if other is not None and other.active else []
    if not shared:
        errors.add(field, _("Choose a member of one of your groups."))
        return None, None
    return other, choose_group(errors, data, shared, group_field)


def choose_group(errors: FieldErrors, data: Mapping, shared: list[Group],
                 field: str = "group_id") -> Group | None:
    group_id = data.get(field)
    if group_id in (None, "", 0):
        if len(shared) == 1:
            return shared[0]
        errors.add(field, _("You share several groups: choose the group it belongs to."))
        return None
    chosen = next((g for g in shared if is_id(group_id) and g.id == group_id), None)
    if chosen is None:
        errors.add(field, _("Choose a group you both are members of."))
    return chosen


# --- text and amounts ----------------------------------------------------------------------------


def text(errors: FieldErrors, data: Mapping, name: str, limit: int, *, required: str | None = None,
         one_line: bool = False) -> str:
    """Clean text from `data[name]` (None is empty); messages for wrong types, NUL, length."""
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, _("Please enter text."))
        return ""
    if has_unstorable(value):
        errors.add(name, _("The field contains characters that cannot be saved."))
        return ""
    value = normalize_newlines(value).strip()
    if one_line:
        value = " ".join(value.split())
    if not value and required:
        errors.add(name, required)
    elif len(value) > limit:
        errors.add(name, _("Please keep it to %(max)d characters.", max=limit))
    return value


def flag(errors: FieldErrors, data: Mapping, name: str, default: bool = False) -> bool:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        errors.add(name, _("Please enter true or false."))
        return default
    return value


AMOUNT_MESSAGES = {
    amounts.NOT_A_NUMBER: lambda: _("Please enter the amount in whole kroner, e.g. 12500 or 12.500."),
    amounts.NEGATIVE: lambda: _("The amount cannot be negative."),
    amounts.FRACTION: lambda: _("Please enter whole kroner, without øre."),
    amounts.TOO_LARGE: lambda: _("The amount can be at most %(max)s kroner.",
                                 max=f"{MAX_AMOUNT_DKK:,}".replace(",", ".")),
}


def amount(errors: FieldErrors, data: Mapping, name: str = "amount_dkk") -> int | None:
    """Whole kroner (app.ledger.amounts: "12.500", "12 500 kr", 12500) or None."""
    value = data.get(name)
    if isinstance(value, str) and has_unstorable(value):
        errors.add(name, _("The field contains characters that cannot be saved."))
        return None
    try:
        return amounts.parse_amount(value, MAX_AMOUNT_DKK)
    except amounts.AmountError as error:
        errors.add(name, AMOUNT_MESSAGES[error.code]())
        return None


def reason_text(reason: Any, *, required: bool) -> str:
    errors = FieldErrors()
    value = text(errors, {"reason": reason}, "reason", MAX_REASON,
                 required=_("Please give a reason (the members concerned see it).") if required else None)
    errors.raise_if_any()
    return value


# --- what a viewer sees --------------------------------------------------------------------------


def parties_of(item: Item) -> tuple[int, int]:
    if isinstance(item, Thanks):
        return item.thanker_id, item.thanked_id
    return item.giver_id, item.receiver_id


def item_type_of(item: Item) -> str:
    return {Referral: REFERRAL, HelpRecord: HELP, Thanks: THANKS}[type(item)]


def relation_of(user, item: Item) -> Relation:
    groups = [item.group_id] if item.group_id is not None else []
    return relation_to_item(user, parties=parties_of(item), group_ids=groups)


def on_wall(item: Thanks) -> bool:
    return bool(item.wall_by_thanker and item.wall_by_thanked)


def fields_of(relation: Relation, item: Item, *, hidden: bool | None = None,
              withdrawn: bool | None = None) -> frozenset[str]:
    """The rule (app.visibility) for this item and viewer."""
    hidden = item.is_hidden if hidden is None else hidden
    withdrawn = item.is_withdrawn if withdrawn is None else withdrawn
    if isinstance(item, Referral):
        return referral_fields(relation, hidden=hidden, withdrawn=withdrawn)
    if isinstance(item, HelpRecord):
        return help_fields(relation, hidden=hidden, withdrawn=withdrawn)
    return thanks_fields(relation, on_wall=on_wall(item), hidden=hidden, withdrawn=withdrawn)


def visible_fields(user, item: Item) -> frozenset[str]:
    return fields_of(relation_of(user, item), item)


@dataclass
class Seen:
    """An item with how the viewer stands to it and the fields they may see."""

    item: Item
    relation: Relation
    fields: frozenset[str]

    @property
    def is_party(self) -> bool:
        return self.relation is Relation.PARTY

    @property
    def can_moderate(self) -> bool:
        return self.relation in (Relation.ORGANIZER, Relation.ADMIN)

    def shows(self, name: str) -> bool:
        return name in self.fields


def load(item_type: str, item_id: Any, *, lock: bool = False) -> Item:
    if not is_id(item_id):
        raise NotFound()
    query = select(MODELS[item_type]).where(MODELS[item_type].id == item_id)
    if lock:
        query = query.with_for_update()
    item = db.session.scalar(query)
    if item is None:
        raise NotFound()
    return item


def get_for(user, item_type: str, item_id: Any) -> Seen:
    """The item as `user` may see it; NotFound when the rule gives them no field of it."""
    item = load(item_type, item_id)
    relation = relation_of(user, item)
    fields = fields_of(relation, item)
    if not fields:
        raise NotFound()
    return Seen(item, relation, fields)


def own_item(user, item_type: str, item_id: Any, *, owner_id_of) -> Item:
    """The item for a change by its author (`owner_id_of(item)`): NotFound for those who may not see
    it, PermissionDenied for a viewer who may see it but is not its author, and a withdrawn item
    takes no more changes (NotFound: nobody sees it)."""
    require_member(user)
    item = load(item_type, item_id, lock=True)
    if not fields_of(relation_of(user, item), item):
        raise NotFound()
    if owner_id_of(item) != user.id:
        raise PermissionDenied(_("Only the member who recorded it can change it."))
    return item


# --- moderation ----------------------------------------------------------------------------------


def _moderated_item(user, item_type: str, item_id: Any) -> Item:
    require_member(user)
    item = load(item_type, item_id, lock=True)
    relation = relation_of(user, item)
    if relation not in (Relation.ORGANIZER, Relation.ADMIN):
        if not fields_of(relation, item):
            raise NotFound()
        raise PermissionDenied(_("Only the group's organizers can hide or show it."))
    if item.is_withdrawn:
        raise NotFound()
    return item


def hide(user, item_type: str, item_id: Any, reason: Any) -> Item:
    """An organizer of the item's group (or an admin) hides it, with a reason. Commits."""
    item = _moderated_item(user, item_type, item_id)
    why = reason_text(reason, required=True)
    if not item.is_hidden:
        item.hidden_at = utcnow()
        item.hidden_by_id = user.id
        item.hidden_reason = why
        record_change(item_type, item.id, user, "hidden", reason=why)
        db.session.commit()
    return item


def show(user, item_type: str, item_id: Any, reason: Any = "") -> Item:
    """Shows a hidden item again (the reason is optional). Commits."""
    item = _moderated_item(user, item_type, item_id)
    why = reason_text(reason, required=False)
    if item.is_hidden:
        item.hidden_at = None
        item.hidden_by_id = None
        item.hidden_reason = ""
        record_change(item_type, item.id, user, "shown", reason=why)
        db.session.commit()
    return item


def mark_withdrawn(user, item_type: str, item: Item, reason: str) -> None:
    item.withdrawn_at = utcnow()
    record_change(item_type, item.id, user, "withdrawn", reason=reason)


# --- history -------------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    at: datetime
    actor: Member | None
    action: str
    changes: dict[str, list[Any]]  # only the fields the viewer may see
    reason: str


def history_for(user, item_type: str, item_id: Any) -> tuple[Item, list[HistoryEntry]]:
    """An item's history for its parties, the organizers of its group and admins (also of a withdrawn
    item, for organizers and admins). Values of fields the viewer may not see are left out."""
    if item_type not in MODELS:
        raise NotFound()
    item = load(item_type, item_id)
    relation = relation_of(user, item)
    if relation in (Relation.ORGANIZER, Relation.ADMIN):
        fields = fields_of(relation, item, withdrawn=False)
    elif relation is Relation.PARTY and not item.is_withdrawn:
        fields = fields_of(relation, item)
    else:
        raise NotFound()
    entries = []
    for change in changes_of(item_type, item.id):
        shown = {k: v for k, v in (change.changes or {}).items() if _field_name(k) in fields}
        entries.append(HistoryEntry(change.at, change.actor, change.action, shown, change.reason))
    return item, entries


def _field_name(key: str) -> str:
    """History keys use the model's column names; the rule names people without `_id`."""
    return {"giver_id": "giver", "receiver_id": "receiver", "thanked_id": "thanked",
            "thanker_id": "thanker", "group_id": "group"}.get(key, key)
