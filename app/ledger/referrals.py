"""Referrals ("henvisninger"): a member gives another member of a shared group a contact.

The giver records the contact (a name; company, phone and e-mail, at least one way to reach them
unless it is only a tip), what it is about and how warm it is. The receiver is told by mail with the
contact's details and moves it through new → contacted → won | lost (`MOVES`); the giver is told
when it is won or lost. The giver can correct it or withdraw it; organizers hide or show it
(app.ledger.services). Every change is a SocialChange.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.auth.viewers import relation_to_item
from app.errors import Conflict, PermissionDenied
from app.extensions import db
from app.ledger import notify
from app.ledger import services as common
from app.ledger.history import diff, record_change
from app.members.normalize import phone_is_valid
from app.models import HelpRequest, Member, Referral, ReferralStatus, ReferralWarmth, utcnow
from app.validation import FieldErrors, phone_message
from app.visibility import Relation

NEW, CONTACTED, WON, LOST = (s.value for s in ReferralStatus)
STATUSES = tuple(s.value for s in ReferralStatus)
WARMTHS = tuple(w.value for w in ReferralWarmth)
# The receiver's moves: forward, and between won and lost (a correction: the customer came back).
MOVES = {NEW: {CONTACTED, WON, LOST}, CONTACTED: {WON, LOST}, WON: {LOST}, LOST: {WON}}
LIMITS = {"contact_name": 200, "contact_company": 200, "contact_phone": 40, "contact_email": 254,
          "about": 4000, "reason": common.MAX_REASON}
EDITABLE = ("contact_name", "contact_company", "contact_phone", "contact_email", "about", "warmth")


@dataclass
class ReferralData:
    receiver: Member | None
    group_id: int | None
    request_id: int | None
    contact_name: str
    contact_company: str
    contact_phone: str
    contact_email: str
    about: str
    warmth: str


def _contact(errors: FieldErrors, data: Mapping) -> dict[str, str]:
    values = {
        "contact_name": common.text(errors, data, "contact_name", LIMITS["contact_name"], one_line=True,
                                    required=_("Please enter the contact's name.")),
        "contact_company": common.text(errors, data, "contact_company", LIMITS["contact_company"],
                                       one_line=True),
        "contact_phone": common.text(errors, data, "contact_phone", LIMITS["contact_phone"], one_line=True),
        "contact_email": common.text(errors, data, "contact_email", LIMITS["contact_email"], one_line=True),
        "about": common.text(errors, data, "about", LIMITS["about"],
                             required=_("Please say what it is about.")),
    }
    phone = values["contact_phone"]
    if phone and "contact_phone" not in errors and not phone_is_valid(phone):
        errors.add("contact_phone", phone_message())
    if values["contact_email"] and "contact_email" not in errors:
        try:
            values["contact_email"] = validate_email(values["contact_email"],
                                                     check_deliverability=False).normalized
        except EmailNotValidError:
            errors.add("contact_email", _("Please enter a valid e-mail address."))
    warmth = data.get("warmth")
    if warmth not in WARMTHS:
        errors.add("warmth", _("Choose how warm the contact is."))
        warmth = ReferralWarmth.TIP.value
    values["warmth"] = warmth
    if warmth != ReferralWarmth.TIP.value and not (values["contact_phone"] or values["contact_email"]):
        if "contact_phone" not in errors and "contact_email" not in errors:
            errors.add("contact_phone", _("Please give a phone number or an e-mail address, so the contact "
                                          "can be reached (or choose \"only a tip\")."))
    return values


def _request_id(errors: FieldErrors, user, data: Mapping) -> int | None:
    request_id = data.get("request_id")
    if request_id in (None, "", 0):
        return None
    request = db.session.get(HelpRequest, request_id) if common.is_id(request_id) else None
    visible = request is not None and not request.is_withdrawn and relation_to_item(
        user, parties=[request.author_id], group_ids=[g.id for g in request.groups]) is not Relation.OUTSIDER
    if not visible:
        errors.add("request_id", _("Choose a request you can see."))
        return None
    return request.id


def clean(user, data: Mapping) -> ReferralData:
    """Check a new referral from a form or the API; ValidationFailed names every wrong field."""
    errors = FieldErrors()
    receiver, group = common.choose_counterpart(errors, user, data, "receiver_id",
                                                missing=_("Choose the member you give the referral to."))
    values = _contact(errors, data)
    request_id = _request_id(errors, user, data)
    errors.raise_if_any()
    return ReferralData(receiver=receiver, group_id=group.id if group else None, request_id=request_id,
                        **values)


# --- use cases -------------------------------------------------------------------------------------


def give(user, data: Mapping) -> Referral:
    """Record a referral; the receiver is mailed the contact. Commits."""
    common.require_member(user)
    values = clean(user, data)
    common.refuse_flood(user)
    referral = Referral(giver_id=user.id, receiver_id=values.receiver.id, group_id=values.group_id,
                        request_id=values.request_id, contact_name=values.contact_name,
                        contact_company=values.contact_company, contact_phone=values.contact_phone,
                        contact_email=values.contact_email, about=values.about, warmth=values.warmth,
                        status=NEW, status_changed_at=utcnow())
    db.session.add(referral)
    db.session.flush()
    record_change(common.REFERRAL, referral.id, user, "created")
    notify.referral_new(referral)
    db.session.commit()
    return referral


def _snapshot(referral: Referral) -> dict[str, Any]:
    return {name: getattr(referral, name) for name in EDITABLE}


def correct(user, referral_id: Any, data: Mapping) -> Referral:
    """The giver corrects the contact, what it is about or the warmth. Commits."""
    referral = common.own_item(user, common.REFERRAL, referral_id, owner_id_of=lambda r: r.giver_id)
    errors = FieldErrors()
    merged = {**_snapshot(referral), **{k: v for k, v in data.items() if k in EDITABLE}}
    values = _contact(errors, merged)
    errors.raise_if_any()
    before = _snapshot(referral)
    for name in EDITABLE:
        setattr(referral, name, values[name])
    changes = diff(before, _snapshot(referral))
    if changes:
        record_change(common.REFERRAL, referral.id, user, "updated", changes)
        db.session.commit()
    return referral


def withdraw(user, referral_id: Any, reason: Any = "") -> Referral:
    """The giver withdraws the referral: nobody sees it any more (its history stays). Commits."""
    referral = common.own_item(user, common.REFERRAL, referral_id, owner_id_of=lambda r: r.giver_id)
    common.mark_withdrawn(user, common.REFERRAL, referral, common.reason_text(reason, required=False))
    db.session.commit()
    return referral


def set_status(user, referral_id: Any, status: Any) -> Referral:
    """The receiver moves the referral on (MOVES); won or lost tells the giver. Commits."""
    common.require_member(user)
    referral = common.load(common.REFERRAL, referral_id, lock=True)
    relation = common.relation_of(user, referral)
    if not common.fields_of(relation, referral):
        raise common.NotFound()
    if referral.receiver_id != user.id:
        raise PermissionDenied(_("Only %(name)s, who received the referral, can change its status.",
                                 name=referral.receiver.name))
    if status not in STATUSES:
        errors = FieldErrors()
        errors.add("status", _("Choose a status: new, contacted, won or lost."))
        errors.raise_if_any()
    if status == referral.status:
        return referral
    if status not in MOVES[referral.status]:
        raise Conflict(_("A referral that is %(old)s cannot become %(new)s.",
                         old=status_word(referral.status), new=status_word(status)))
    old = referral.status
    referral.status = status
    referral.status_changed_at = utcnow()
    record_change(common.REFERRAL, referral.id, user, "status", {"status": [old, status]})
    if status in (WON, LOST):
        notify.referral_status(referral)
    db.session.commit()
    return referral


# --- reading ---------------------------------------------------------------------------------------


def status_word(status: str) -> str:
    return {NEW: _("new"), CONTACTED: _("contacted"), WON: _("won"), LOST: _("lost")}.get(status, status)


def warmth_word(warmth: str) -> str:
    return {ReferralWarmth.EXPECTS_CALL.value: _("expects a call"),
            ReferralWarmth.MAY_CALL.value: _("may be called"),
            ReferralWarmth.TIP.value: _("only a tip")}.get(warmth, warmth)


@dataclass
class MyReferrals:
    received: list[Referral]
    given: list[Referral]


def mine(user, *, limit: int = 200) -> MyReferrals:
    """The user's own referrals, received and given, newest first (withdrawn ones left out)."""
    common.require_member(user)
    rows = db.session.scalars(
        select(Referral).where(or_(Referral.giver_id == user.id, Referral.receiver_id == user.id),
                               Referral.withdrawn_at.is_(None))
        .options(selectinload(Referral.giver), selectinload(Referral.receiver), selectinload(Referral.group))
        .order_by(Referral.created_at.desc(), Referral.id.desc()).limit(limit)).all()
    return MyReferrals(received=[r for r in rows if r.receiver_id == user.id],
                       given=[r for r in rows if r.giver_id == user.id])
