"""Thanks and help: "Tak for forretningen" and "Tak for hjælpen".

- `thank_for_business`: who received business records it, from a referral (the thanked member is
  its giver) or from the network in general (a member of a shared group), optionally with an amount
  in whole kroner (app.ledger.amounts) that only the two see, a message, and whether it may go on
  the group's thank-you wall (`wall_by_thanker`). The thanked member is mailed and can agree to the
  wall (`agree_to_wall`, also through the signed link in the mail).
- `thank_for_help`: help that is not business (`HelpRecord`: advice, an introduction, a lent room,
  other) recorded by who received it, with a thank-you (`Thanks` of kind help, no amount).
- `record_solved_request`: the receiver of `events.request_solved`: one HelpRecord of kind request
  per helper, never twice for the same request and helper.
- Who recorded it corrects or withdraws it; organizers hide or show it (app.ledger.services).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.errors import NotFound, PermissionDenied
from app.extensions import db
from app.i18n import network_timezone
from app.ledger import notify
from app.ledger import services as common
from app.ledger.history import diff, record_change
from app.models import HelpKind, HelpRecord, Member, Referral, Thanks, ThanksKind, utcnow
from app.validation import FieldErrors

LIMITS = {"message": 2000, "description": 4000}
# A solved request is recorded by the request_solved receiver, not by members.
HELP_KINDS = tuple(k.value for k in HelpKind if k is not HelpKind.REQUEST)
DAYS_BACK = 366 * 5
_WALL_SALT = "kaffeklub.ledger.thanks-wall.v1"


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(network_timezone())).date()


# --- business ----------------------------------------------------------------------------------------


@dataclass
class ThanksData:
    thanked: Member
    group_id: int | None
    referral_id: int | None
    amount_dkk: int | None
    message: str
    wall_by_thanker: bool


def _referral_to_thank(errors: FieldErrors, user, referral_id: Any) -> Referral | None:
    referral = db.session.get(Referral, referral_id) if common.is_id(referral_id) else None
    if referral is None or referral.is_withdrawn or referral.receiver_id != user.id:
        errors.add("referral_id", _("Choose a referral you received."))
        return None
    taken = db.session.scalar(select(Thanks.id).where(
        Thanks.referral_id == referral.id, Thanks.withdrawn_at.is_(None)).limit(1))
    if taken is not None:
        errors.add("referral_id", _("You have already said thank you for this referral; you can correct it."))
        return None
    return referral


def clean_business(user, data: Mapping) -> ThanksData:
    errors = FieldErrors()
    referral_id = data.get("referral_id")
    thanked = group_id = referral = None
    if referral_id not in (None, "", 0):
        referral = _referral_to_thank(errors, user, referral_id)
        if referral is not None:
            thanked, group_id = referral.giver, referral.group_id
            if not thanked.active:
                errors.add("referral_id", _("Choose a member of one of your groups."))
    else:
        thanked, group = common.choose_counterpart(errors, user, data, "thanked_id",
                                                   missing=_("Choose the member you thank."))
        group_id = group.id if group else None
    amount = common.amount(errors, data)
    message = common.text(errors, data, "message", LIMITS["message"])
    wall = common.flag(errors, data, "wall_by_thanker")
    errors.raise_if_any()
    return ThanksData(thanked, group_id, referral.id if referral else None, amount, message, wall)


def thank_for_business(user, data: Mapping) -> Thanks:
    """"Tak for forretningen": record business that came through the network. Commits."""
    common.require_member(user)
    values = clean_business(user, data)
    common.refuse_flood(user)
    thanks = Thanks(thanker_id=user.id, thanked_id=values.thanked.id, group_id=values.group_id,
                    kind=ThanksKind.BUSINESS.value, referral_id=values.referral_id,
                    amount_dkk=values.amount_dkk, message=values.message,
                    wall_by_thanker=values.wall_by_thanker, wall_by_thanked=False)
    db.session.add(thanks)
    db.session.flush()
    record_change(common.THANKS, thanks.id, user, "created")
    notify.thanks_new(thanks)
    db.session.commit()
    return thanks


# --- help --------------------------------------------------------------------------------------------


def _given_on(errors: FieldErrors, data: Mapping) -> date:
    today = local_today()
    value = data.get("given_on")
    if value in (None, ""):
        return today
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors.add("given_on", _("Please enter the date (e.g. 2026-03-12)."))
        return today
    if value > today:
        errors.add("given_on", _("The help cannot be in the future."))
    elif value < today - timedelta(days=DAYS_BACK):
        errors.add("given_on", _("Help can be recorded up to five years back."))
    return value


def _help_values(errors: FieldErrors, data: Mapping) -> dict[str, Any]:
    kind = data.get("kind")
    if kind not in HELP_KINDS:
        errors.add("kind", _("Choose what kind of help it was."))
        kind = HelpKind.OTHER.value
    return {"kind": kind,
            "description": common.text(errors, data, "description", LIMITS["description"],
                                       required=_("Please describe the help in a few words.")),
            "given_on": _given_on(errors, data)}


def thank_for_help(user, data: Mapping) -> Thanks:
    """"Tak for hjælpen": the user records help they received from another member (HelpRecord) and
    thanks for it (Thanks of kind help). The helper is mailed. Commits."""
    common.require_member(user)
    errors = FieldErrors()
    giver, group = common.choose_counterpart(errors, user, data, "giver_id",
                                             missing=_("Choose the member who helped you."))
    values = _help_values(errors, data)
    message = common.text(errors, data, "message", LIMITS["message"])
    wall = common.flag(errors, data, "wall_by_thanker")
    errors.raise_if_any()
    common.refuse_flood(user)
    record = HelpRecord(giver_id=giver.id, receiver_id=user.id, group_id=group.id, recorded_by_id=user.id,
                        **values)
    db.session.add(record)
    db.session.flush()
    record_change(common.HELP, record.id, user, "created")
    thanks = Thanks(thanker_id=user.id, thanked_id=giver.id, group_id=group.id, kind=ThanksKind.HELP.value,
                    help_id=record.id, message=message, wall_by_thanker=wall, wall_by_thanked=False)
    db.session.add(thanks)
    db.session.flush()
    record_change(common.THANKS, thanks.id, user, "created")
    notify.thanks_new(thanks)
    db.session.commit()
    return thanks


HELP_EDITABLE = ("kind", "description", "given_on")


def correct_help(user, help_id: Any, data: Mapping) -> HelpRecord:
    """Who recorded the help corrects its kind, description or date. Commits."""
    record = common.own_item(user, common.HELP, help_id, owner_id_of=lambda r: r.recorded_by_id)
    if record.kind == HelpKind.REQUEST.value:
        raise PermissionDenied(_("Help with a request is corrected on the request."))
    errors = FieldErrors()
    before = {name: getattr(record, name) for name in HELP_EDITABLE}
    values = _help_values(errors, {**before, **{k: v for k, v in data.items() if k in HELP_EDITABLE}})
    errors.raise_if_any()
    for name, value in values.items():
        setattr(record, name, value)
    changes = diff(before, values)
    if changes:
        record_change(common.HELP, record.id, user, "updated", changes)
        db.session.commit()
    return record


def withdraw_help(user, help_id: Any, reason: Any = "") -> HelpRecord:
    """Withdraws the help record and its thank-you. Commits."""
    record = common.own_item(user, common.HELP, help_id, owner_id_of=lambda r: r.recorded_by_id)
    why = common.reason_text(reason, required=False)
    common.mark_withdrawn(user, common.HELP, record, why)
    for thanks in db.session.scalars(select(Thanks).where(Thanks.help_id == record.id,
                                                          Thanks.withdrawn_at.is_(None))):
        common.mark_withdrawn(user, common.THANKS, thanks, why)
    db.session.commit()
    return record


# --- correcting and withdrawing a thank-you ----------------------------------------------------------

THANKS_EDITABLE = ("amount_dkk", "message", "wall_by_thanker")


def correct_thanks(user, thanks_id: Any, data: Mapping) -> Thanks:
    """The thanker corrects the amount (business only), the message or the wall choice. Commits."""
    thanks = common.own_item(user, common.THANKS, thanks_id, owner_id_of=lambda t: t.thanker_id)
    errors = FieldErrors()
    before = {name: getattr(thanks, name) for name in THANKS_EDITABLE}
    after = dict(before)
    if "amount_dkk" in data:
        if thanks.kind != ThanksKind.BUSINESS.value and data.get("amount_dkk") not in (None, ""):
            errors.add("amount_dkk", _("Thanks for help has no amount."))
        else:
            after["amount_dkk"] = common.amount(errors, data)
    if "message" in data:
        after["message"] = common.text(errors, data, "message", LIMITS["message"])
    if "wall_by_thanker" in data:
        after["wall_by_thanker"] = common.flag(errors, data, "wall_by_thanker")
    errors.raise_if_any()
    for name, value in after.items():
        setattr(thanks, name, value)
    changes = diff(before, after)
    if changes:
        record_change(common.THANKS, thanks.id, user, "updated", changes)
        db.session.commit()
    return thanks


def withdraw_thanks(user, thanks_id: Any, reason: Any = "") -> Thanks:
    thanks = common.own_item(user, common.THANKS, thanks_id, owner_id_of=lambda t: t.thanker_id)
    common.mark_withdrawn(user, common.THANKS, thanks, common.reason_text(reason, required=False))
    db.session.commit()
    return thanks


# --- the wall ----------------------------------------------------------------------------------------


def agree_to_wall(user, thanks_id: Any, agree: bool = True) -> Thanks:
    """The thanked member agrees (or no longer agrees) to show the thank-you on the wall. Commits."""
    common.require_member(user)
    thanks = common.load(common.THANKS, thanks_id, lock=True)
    if not common.visible_fields(user, thanks):
        raise NotFound()
    if thanks.thanked_id != user.id:
        raise PermissionDenied(_("Only %(name)s, who is thanked, can agree to the wall.",
                                 name=thanks.thanked.name))
    return _set_wall(thanks, user, agree)


def _set_wall(thanks: Thanks, actor: Member, agree: bool) -> Thanks:
    if thanks.wall_by_thanked != agree:
        record_change(common.THANKS, thanks.id, actor, "wall",
                      {"wall_by_thanked": [thanks.wall_by_thanked, agree]})
        thanks.wall_by_thanked = agree
        db.session.commit()
    return thanks


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_WALL_SALT)


def wall_token(thanks: Thanks) -> str:
    return _serializer().dumps([thanks.id, thanks.thanked_id])


def read_wall_token(token: str) -> Thanks:
    """The thank-you a wall link is for (NotFound for a link not made here or a thanks gone since)."""
    try:
        value = _serializer().loads(token)
    except (BadSignature, UnicodeError, ValueError, TypeError):
        raise NotFound() from None
    if not isinstance(value, list) or len(value) != 2 or not all(common.is_id(v) for v in value):
        raise NotFound()
    thanks = db.session.get(Thanks, value[0])
    if thanks is None or thanks.thanked_id != value[1] or thanks.is_withdrawn or not thanks.thanked.active:
        raise NotFound()
    return thanks


def agree_by_link(token: str) -> Thanks:
    thanks = read_wall_token(token)
    return _set_wall(thanks, thanks.thanked, True)


# --- reading -----------------------------------------------------------------------------------------


@dataclass
class MyThanks:
    received: list[Thanks]  # I was thanked
    given: list[Thanks]  # I thanked


def mine(user, *, limit: int = 200) -> MyThanks:
    common.require_member(user)
    rows = db.session.scalars(
        select(Thanks).where(or_(Thanks.thanker_id == user.id, Thanks.thanked_id == user.id),
                             Thanks.withdrawn_at.is_(None))
        .options(selectinload(Thanks.thanker), selectinload(Thanks.thanked), selectinload(Thanks.help))
        .order_by(Thanks.created_at.desc(), Thanks.id.desc()).limit(limit)).all()
    return MyThanks(received=[t for t in rows if t.thanked_id == user.id],
                    given=[t for t in rows if t.thanker_id == user.id])


def of_referral(user, referral: Referral) -> list[Thanks]:
    """The thank-you for a referral as its two members see it on the referral (nobody else: the
    amount is theirs); a withdrawn one is gone."""
    if not getattr(user, "is_authenticated", False) or user.id not in (referral.giver_id,
                                                                        referral.receiver_id):
        return []
    return list(db.session.scalars(select(Thanks).where(
        Thanks.referral_id == referral.id, Thanks.withdrawn_at.is_(None)).order_by(Thanks.id)))


def help_of_mine(user, *, limit: int = 200) -> list[HelpRecord]:
    """Help the user gave or received (solved requests included), newest first."""
    common.require_member(user)
    return list(db.session.scalars(
        select(HelpRecord).where(or_(HelpRecord.giver_id == user.id, HelpRecord.receiver_id == user.id),
                                 HelpRecord.withdrawn_at.is_(None))
        .options(selectinload(HelpRecord.giver), selectinload(HelpRecord.receiver))
        .order_by(HelpRecord.given_on.desc(), HelpRecord.id.desc()).limit(limit)))


def help_kind_word(kind: str) -> str:
    return {HelpKind.REQUEST.value: _("solved a request"), HelpKind.ADVICE.value: _("advice"),
            HelpKind.INTRODUCTION.value: _("introduction"), HelpKind.ROOM.value: _("lent a meeting room"),
            HelpKind.OTHER.value: _("other")}.get(kind, kind)


# --- the receiver of request_solved ------------------------------------------------------------------


def record_solved_request(request, helper_ids=(), actor=None, **_kwargs) -> None:
    """One HelpRecord of kind request per helper (giver: the helper, receiver: the asker, group: a group
    of the request the helper is in), with its SocialChange; a helper already recorded for the request
    is not recorded again. Runs in the sender's transaction: no commit."""
    request_group_ids = [g.id for g in request.groups]
    already = set(db.session.scalars(select(HelpRecord.giver_id).where(
        HelpRecord.request_id == request.id, HelpRecord.kind == HelpKind.REQUEST.value)))
    today = local_today()
    actor_id = actor.id if isinstance(actor, Member) else actor
    for helper_id in dict.fromkeys(helper_ids or ()):
        if not common.is_id(helper_id) or helper_id == request.author_id or helper_id in already:
            continue
        theirs = common.group_ids_of(helper_id)
        group_id = next((g for g in request_group_ids if g in theirs), None)
        if group_id is None or db.session.get(Member, helper_id) is None:
            continue
        record = HelpRecord(giver_id=helper_id, receiver_id=request.author_id, group_id=group_id,
                            kind=HelpKind.REQUEST.value, description=request.title, request_id=request.id,
                            given_on=today, recorded_by_id=actor_id)
        db.session.add(record)
        db.session.flush()
        record_change(common.HELP, record.id, actor_id, "created", {"request_id": [None, request.id]})
        already.add(helper_id)
