"""Delete an account: by the member, or by an admin on the member's request.

The member's row stays, anonymised ("Tidligere medlem"), so that other members' histories and the
groups' statistics stay whole: encounters, 1-to-1s, attendance, referrals, help and thanks keep
their counts and sums and show the member as a former member. Everything that identifies the person
goes: the profile, photo, logins and tokens, memberships, invitations, mails to and from them,
texts they wrote, contact details of other people they recorded (guests, referral contacts), and
any mention of their name, e-mail or phone elsewhere (other people's texts, histories, mails still
in the outbox) is replaced by "Tidligere medlem".

`delete_account(actor, member_id, *, confirmation)` owns the transaction. The confirmation is what
the member typed (their e-mail or "SLET"/"DELETE") or a short-lived signed token
(`confirmation_token`, the API's confirmation step).
"""

from __future__ import annotations

import email
import html
import json
import re
from collections.abc import Iterable
from email import policy
from email.utils import getaddresses

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import JSON, LargeBinary, String, Text, cast, delete, func, or_, select, update

from app.auth import permissions
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import network_default_language
from app.members.history import record_member_event
from app.models import (
    ApiToken,
    CalendarFeed,
    CheckIn,
    Competency,
    GroupInvitation,
    HelpRecord,
    HelpRequest,
    InboundMail,
    LoginAttempt,
    LoginSession,
    LoginToken,
    MeetingGuest,
    MeetingInvite,
    Member,
    MemberEvent,
    Membership,
    OneToOne,
    OutboxMessage,
    Referral,
    RequestAnswer,
    RequestNotice,
    RequestStatus,
    Rsvp,
    SeatingRule,
    SocialChange,
    Thanks,
    VisitorRequest,
    utcnow,
)
from app.models.member import member_competencies
from app.profiles.photos import delete_photo_files

CONFIRM_WORDS = frozenset({"slet", "delete"})
TOKEN_SALT = "kaffeklub privacy delete account"  # noqa: S105  (a salt, not a secret)
TOKEN_MAX_AGE_SECONDS = 300
MAX_REASON = 500
# Kinds of member events whose detail says nothing about the person (a role, a list of fields).
_NEUTRAL_DETAILS = frozenset({"role_changed", "profile_edited"})
# Columns the sweep never rewrites: hashes, tokens and ids that merely look like text.
_OPAQUE_COLUMNS = frozenset({"token_hash", "sha256", "nonce", "message_id", "prefix",
                             # derived from other columns, written again when those change
                             "search_text", "search_document", "search_name"})
# Free-text keys in a SocialChange's {field: [old, new]} written by the item's author.
_AUTHORED_TEXT_KEYS = frozenset({"title", "body", "about", "description", "message", "note", "place",
                                 "contact_name", "contact_company", "contact_phone", "contact_email",
                                 "referred_name"})


# Stored words (data, not interface text): in the network's default language when deleted.
FORMER_MEMBER = {"da": "Tidligere medlem", "en": "Former member"}
GUEST = {"da": "Gæst", "en": "Guest"}
DELETED_REQUEST = {"da": "Slettet forespørgsel", "en": "Deleted request"}


def _stored_word(words: dict[str, str]) -> str:
    return words.get(network_default_language(), words["en"])


def former_member_name() -> str:
    """What a deleted member is called: "Tidligere medlem" (or "Former member" in an English network)."""
    return _stored_word(FORMER_MEMBER)


def deleted_email(member_id: int) -> str:
    return f"deleted-{member_id}@deleted.invalid"


# --- the confirmation ---------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def confirmation_token(member: Member) -> str:
    """A token that confirms deleting this account, valid for TOKEN_MAX_AGE_SECONDS."""
    return _serializer().dumps({"member": member.id, "email": member.email})


def _token_confirms(member: Member, token: str) -> bool:
    try:
        data = _serializer().loads(token, max_age=TOKEN_MAX_AGE_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return False
    return isinstance(data, dict) and data.get("member") == member.id and data.get("email") == member.email


def is_confirmed_by_token(member: Member, confirmation) -> bool:
    """Only a valid signed token (the API's confirmation step; typed words do not count there)."""
    if not isinstance(confirmation, str) or not confirmation or len(confirmation) > 1000:
        return False
    return _token_confirms(member, confirmation.strip())


def is_confirmed(member: Member, confirmation) -> bool:
    """The member's e-mail, "SLET" or "DELETE" (any case), or a valid confirmation token."""
    if not isinstance(confirmation, str) or not confirmation or len(confirmation) > 1000:
        return False
    typed = confirmation.strip().casefold()
    if typed in CONFIRM_WORDS or typed == member.email.casefold():
        return True
    return _token_confirms(member, confirmation.strip())


# --- permissions --------------------------------------------------------------------------------------


def _authenticated(user) -> bool:
    return (user is not None and getattr(user, "is_authenticated", False)
            and not getattr(user, "is_deleted", False))


def load_deletable(actor, member_id) -> Member:
    """The member the actor may delete: themself, or anyone for an admin. NotFound otherwise
    (a member does not learn who exists); Conflict when already deleted."""
    if not _authenticated(actor) or not isinstance(member_id, int) or isinstance(member_id, bool):
        raise NotFound()
    if not (1 <= member_id <= 2**63 - 1):
        raise NotFound()
    member = db.session.get(Member, member_id)
    if member is None or (member.id != actor.id and not actor.is_admin):
        raise NotFound()
    if member.is_deleted:
        raise Conflict(_("This account has already been deleted."))
    return member


def load_for_admin(actor, member_id) -> Member:
    """The member an admin deletes on request (the admin page): NotFound for anyone but an admin,
    as for an unknown id; Conflict when already deleted."""
    if not (_authenticated(actor) and permissions.is_admin(actor)):
        raise NotFound()
    return load_deletable(actor, member_id)


def _check_not_last_admin(member: Member) -> None:
    if not member.is_admin:
        return
    others = db.session.scalar(select(func.count(Member.id)).where(
        Member.is_admin.is_(True), Member.active.is_(True), Member.deleted_at.is_(None),
        Member.id != member.id))
    if not others:
        raise Conflict(_("You are the network's only administrator. Make someone else an administrator "
                         "before you delete your account."))


def check_can_delete(actor, member_id) -> Member:
    """What delete_account checks before the confirmation: the member the actor may delete, who is
    not the network's last admin (NotFound or Conflict)."""
    member = load_deletable(actor, member_id)
    _check_not_last_admin(member)
    return member


# --- the deletion -------------------------------------------------------------------------------------


def delete_account(actor, member_id, *, confirmation, reason: str = "") -> Member:
    """Delete (anonymise) the account; committed. Raises NotFound, Conflict or ValidationFailed."""
    member = load_deletable(actor, member_id)
    if not is_confirmed(member, confirmation):
        own = getattr(actor, "id", None) == member.id
        message = (_("Type your e-mail address or SLET to confirm.") if own
                   else _("Type the member's e-mail address or SLET to confirm."))
        raise ValidationFailed(message, fields={"confirmation": [message]})
    if not isinstance(reason, str):
        reason = ""
    reason = reason.strip()[:MAX_REASON]
    by_admin = actor.id != member.id
    if by_admin and not reason:
        raise ValidationFailed(_("Say why the account is deleted (e.g. \"asked by e-mail on 3 May\")."),
                               fields={"reason": [_("This field is required.")]})
    _check_not_last_admin(member)

    terms = _identifying_terms(member)
    former = former_member_name()
    photo_key = member.photo_key
    old_email = member.email.lower()  # compared with lower(column) below

    # The audit entry: who deleted the account, and (for an admin) why; never the name. Recorded
    # while the actor is still active (a member deleting themself is their own actor).
    event = record_member_event(member, "deleted", actor=actor)
    _remove_access(member, old_email)
    _remove_memberships_and_invitations(member, old_email)
    _remove_mail(member, old_email)
    _empty_answers_and_guests(member, old_email, former)
    _strip_authored_texts(member)
    _anonymise_member(member, former)
    db.session.flush()
    _sweep_mentions(terms, former)
    _scrub_outbox(terms, former, since=member.created_at)
    event.detail = reason[:2000]  # after the sweeps, which empty the member's own history details
    db.session.commit()
    delete_photo_files(photo_key)
    return member


def _identifying_terms(member: Member) -> list[str]:
    """Name, e-mail and phone as they may appear in texts, longest first. The name only when it
    is long enough and no other member has it (a mention could not be told apart)."""
    terms = {member.email}
    name = (member.name or "").strip()
    if len(name) >= 3:
        namesake = db.session.scalar(select(Member.id).where(
            func.lower(Member.name) == name.lower(), Member.id != member.id,
            Member.deleted_at.is_(None)).limit(1))
        if namesake is None:
            terms.add(name)
    phone = (member.phone or "").strip()
    if len(phone) >= 5:
        terms.add(phone)
        digits = re.sub(r"\D", "", phone)
        if len(digits) >= 8:
            terms.add(digits)
    return sorted((t for t in terms if t), key=len, reverse=True)


def _remove_access(member: Member, old_email: str) -> None:
    for model in (LoginSession, LoginToken, ApiToken, CalendarFeed, RequestNotice):
        db.session.execute(delete(model).where(model.member_id == member.id)
                           .execution_options(synchronize_session=False))
    db.session.execute(delete(LoginAttempt).where(func.lower(LoginAttempt.email) == old_email)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(SeatingRule).where(
        or_(SeatingRule.member_a_id == member.id, SeatingRule.member_b_id == member.id))
        .execution_options(synchronize_session=False))
    db.session.execute(delete(VisitorRequest).where(func.lower(VisitorRequest.email) == old_email)
                       .execution_options(synchronize_session=False))


def _remove_memberships_and_invitations(member: Member, old_email: str) -> None:
    db.session.execute(delete(Membership).where(Membership.member_id == member.id)
                       .execution_options(synchronize_session=False))
    db.session.expire(member, ["memberships"])
    invitations = GroupInvitation.__table__
    now = utcnow()
    # Pending ones go; answered ones stay (the group's history) without the address.
    db.session.execute(delete(GroupInvitation).where(
        func.lower(GroupInvitation.email) == old_email, GroupInvitation.accepted_at.is_(None),
        GroupInvitation.declined_at.is_(None), GroupInvitation.revoked_at.is_(None),
        GroupInvitation.expires_at > now).execution_options(synchronize_session=False))
    db.session.execute(update(invitations).where(func.lower(invitations.c.email) == old_email)
                       .values(email=deleted_email(member.id), name="", company="", phone=""))


def _remove_mail(member: Member, old_email: str) -> None:
    # Mails to them (whatever their state: a pending one has nobody to go to now).
    db.session.execute(delete(OutboxMessage).where(or_(
        OutboxMessage.member_id == member.id, func.lower(OutboxMessage.recipients) == old_email))
        .execution_options(synchronize_session=False))
    # A mail to several people: only their address leaves the envelope.
    shared = db.session.execute(select(OutboxMessage.id, OutboxMessage.recipients).where(
        func.lower(OutboxMessage.recipients).contains(old_email))).all()
    outbox = OutboxMessage.__table__
    for message_id, recipients in shared:
        kept = [r for r in recipients.split(",") if r and r.strip().lower() != old_email]
        if kept:
            db.session.execute(update(outbox).where(outbox.c.id == message_id)
                               .values(recipients=",".join(kept)))
        else:
            db.session.execute(delete(outbox).where(outbox.c.id == message_id))
    db.session.execute(delete(InboundMail).where(InboundMail.member_id == member.id)
                       .execution_options(synchronize_session=False))
    # Mails from their address (the From header as given: "Name <address>"); not from an address
    # that merely contains theirs ("jbo@x.dk" is not "bo@x.dk").
    candidates = db.session.execute(select(InboundMail.id, InboundMail.sender).where(
        func.lower(InboundMail.sender).contains(old_email))).all()
    theirs = [mail_id for mail_id, sender in candidates
              if any(address.strip().lower() == old_email for _name, address in getaddresses([sender]))]
    if theirs:
        db.session.execute(delete(InboundMail).where(InboundMail.id.in_(theirs))
                           .execution_options(synchronize_session=False))


def _empty_answers_and_guests(member: Member, old_email: str, former: str) -> None:
    """Sign-ups keep their status (attendance counts); afbud messages and the personal data of
    the guests they brought go; calendar copies sent to them no longer name them."""
    db.session.execute(update(Rsvp).where(Rsvp.member_id == member.id).values(message="")
                       .execution_options(synchronize_session=False))
    guest_label = _guest_label()
    their_guests = select(MeetingGuest.id).join(Rsvp, Rsvp.id == MeetingGuest.rsvp_id).where(
        Rsvp.member_id == member.id)
    guest_ids = list(db.session.scalars(their_guests))
    guests = MeetingGuest.__table__
    if guest_ids:
        db.session.execute(update(guests).where(guests.c.id.in_(guest_ids))
                           .values(name=guest_label, email="", company=""))
        db.session.execute(update(MeetingInvite.__table__)
                           .where(MeetingInvite.__table__.c.guest_id.in_(guest_ids))
                           .values(name=guest_label, email=""))
    # Where someone else brought them as a guest (before they joined), or a check-in names them.
    db.session.execute(update(guests).where(func.lower(guests.c.email) == old_email)
                       .values(name=guest_label, email="", company=""))
    check_ins = CheckIn.__table__
    db.session.execute(update(check_ins).where(check_ins.c.brought_by_id == member.id,
                                               check_ins.c.member_id.is_(None),
                                               check_ins.c.guest_id.is_(None))
                       .values(name=guest_label, email="", company=""))
    db.session.execute(update(check_ins).where(func.lower(check_ins.c.email) == old_email)
                       .values(name=guest_label, email="", company=""))
    invites = MeetingInvite.__table__
    db.session.execute(update(invites).where(or_(invites.c.member_id == member.id,
                                                 func.lower(invites.c.email) == old_email))
                       .values(name=former, email=deleted_email(member.id)))


def _guest_label() -> str:
    return _stored_word(GUEST)


def _strip_authored_texts(member: Member) -> None:
    """Items stay (others' histories, the ledger's sums); the free texts the member wrote, and the
    contact details of other people they recorded, go."""
    now = utcnow()
    deleted_title = _stored_word(DELETED_REQUEST)
    requests = HelpRequest.__table__
    db.session.execute(update(requests).where(requests.c.author_id == member.id)
                       .values(title=deleted_title, body=""))
    db.session.execute(update(requests).where(requests.c.author_id == member.id,
                                              requests.c.status == RequestStatus.OPEN.value)
                       .values(status=RequestStatus.EXPIRED.value, closed_at=now))
    answers = RequestAnswer.__table__
    db.session.execute(update(answers).where(answers.c.author_id == member.id)
                       .values(body="", referred_name=""))
    referrals = Referral.__table__
    db.session.execute(update(referrals).where(referrals.c.giver_id == member.id)
                       .values(contact_name="", contact_company="", contact_phone="", contact_email="",
                               about=""))
    helps = HelpRecord.__table__
    db.session.execute(update(helps).where(or_(helps.c.recorded_by_id == member.id,
                                               helps.c.giver_id == member.id))
                       .values(description=""))
    thanks = Thanks.__table__
    db.session.execute(update(thanks).where(thanks.c.thanker_id == member.id).values(message=""))
    one_to_ones = OneToOne.__table__
    db.session.execute(update(one_to_ones).where(one_to_ones.c.proposer_id == member.id)
                       .values(note="", place=""))
    # The history of what they wrote: the old and new texts go, the fact of the change stays.
    for change in db.session.scalars(select(SocialChange).where(SocialChange.actor_id == member.id)):
        changes = dict(change.changes or {})
        change.changes = {key: (["", ""] if key in _AUTHORED_TEXT_KEYS else value)
                          for key, value in changes.items()}
        change.reason = ""
    events = MemberEvent.__table__
    db.session.execute(update(events).where(events.c.member_id == member.id,
                                            events.c.kind.not_in(_NEUTRAL_DETAILS))
                       .values(detail=""))


def _anonymise_member(member: Member, former: str) -> None:
    member_id = member.id
    competency_ids = list(db.session.scalars(select(member_competencies.c.competency_id).where(
        member_competencies.c.member_id == member_id)))
    member.competencies = []
    member.name = former
    member.email = deleted_email(member_id)
    for field in ("phone", "company", "title", "industry", "bio", "offers", "seeks", "website"):
        setattr(member, field, "")
    member.password_hash = None
    member.photo_key = None
    member.active = False
    member.is_admin = False
    member.deleted_at = utcnow()
    member.last_login_at = None
    member.last_digest_at = None
    member.request_notices = "off"
    for kind in ("profile", "photo", "email", "phone"):
        setattr(member, f"{kind}_visibility", "organizers")
    member.share_attendance = False
    member.hide_network = True
    db.session.flush()
    # Competencies nobody else has would say who the member was.
    if competency_ids:
        used = select(member_competencies.c.competency_id)
        db.session.execute(delete(Competency)
                           .where(Competency.id.in_(competency_ids), Competency.id.not_in(used))
                           .execution_options(synchronize_session=False))


# --- mentions elsewhere ------------------------------------------------------------------------------


def _pattern(terms: Iterable[str]) -> re.Pattern | None:
    variants = set()
    for term in terms:
        variants.add(term)
        variants.add(html.escape(term))
    if not variants:
        return None
    parts = []
    for variant in sorted(variants, key=len, reverse=True):
        piece = re.escape(variant)
        # A name or phone inside a longer word or number is someone else's.
        if variant[:1].isalnum():
            piece = r"(?<!\w)" + piece
        if variant[-1:].isalnum():
            piece += r"(?!\w)"
        parts.append(piece)
    return re.compile("|".join(parts), re.IGNORECASE)


def _scrub(value, pattern: re.Pattern, former: str):
    if isinstance(value, str):
        return pattern.sub(former, value)
    if isinstance(value, list):
        return [_scrub(item, pattern, former) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, pattern, former) for key, item in value.items()}
    return value


def _like_any(column, terms: Iterable[str]):
    conditions = []
    for term in terms:
        # JSON is stored with non-ASCII letters escaped ("S\u00f8ren"), HTML with entities.
        variants = {term, term.lower(), term.upper(), term.title(), html.escape(term), json.dumps(term)[1:-1]}
        for variant in variants:
            escaped = variant.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(column.ilike(f"%{escaped}%", escape="\\"))
    return or_(*conditions)


def _sweep_mentions(terms: list[str], former: str) -> None:
    """Replace the member's name, e-mail and phone in every text and JSON column of every table
    (other members' texts, histories, invitations, meeting changes ...) by "Former member"."""
    pattern = _pattern(terms)
    if pattern is None:
        return
    db.session.flush()
    for table in db.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if not keys:
            continue
        for column in table.columns:
            if column.name in _OPAQUE_COLUMNS or column.primary_key or column.foreign_keys:
                continue
            if table.name == "outbox_messages" and column.name == "raw":
                continue  # MIME: rewritten part by part in _scrub_outbox
            kind = column.type
            if isinstance(kind, LargeBinary):
                continue
            is_json = isinstance(kind, JSON)
            if not is_json and not isinstance(kind, String | Text):
                continue
            searched = cast(column, Text) if is_json else column
            rows = db.session.execute(select(*keys, column).where(_like_any(searched, terms))).all()
            for row in rows:
                value = row[-1]
                new = _scrub(value, pattern, former)
                if new == value:
                    continue
                if not is_json and column.type.length:
                    new = new[:column.type.length]
                if table is Member.__table__:
                    # Through the model, so the search columns derived from it are written again.
                    setattr(db.session.get(Member, row[0]), column.key, new)
                    continue
                where = [key == row[i] for i, key in enumerate(keys)]
                db.session.execute(update(table).where(*where).values({column.name: new}))
    db.session.flush()
    db.session.expire_all()


def _scrub_outbox(terms: list[str], former: str, *, since) -> None:
    """Mails to others that mention the member (an afbud notice, a referral, a reminder's list):
    each text part and the subject are rewritten, so a pending one can still go out."""
    pattern = _pattern(terms)
    if pattern is None:
        return
    query = (select(OutboxMessage.id, OutboxMessage.raw).where(OutboxMessage.created_at >= since)
             .execution_options(yield_per=200))
    changed: dict[int, str] = {}
    for message_id, raw in db.session.execute(query):
        new = _scrub_mime(raw or "", pattern, former)
        if new is not None:
            changed[message_id] = new
    for message_id, raw in changed.items():
        db.session.execute(update(OutboxMessage.__table__).where(OutboxMessage.__table__.c.id == message_id)
                           .values(raw=raw))


def _scrub_mime(raw: str, pattern: re.Pattern, former: str) -> str | None:
    """The message with every mention replaced, or None when it mentions nobody we look for."""
    try:
        message = email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=policy.default)
    except Exception:  # noqa: BLE001  (an unparsable body: only a plain replacement is safe)
        new = pattern.sub(former, raw)
        return new if new != raw else None
    touched = False
    for name in ("Subject", "To", "Cc", "Reply-To"):
        if message[name] is not None:
            value = str(message[name])
            new = pattern.sub(former, value)
            if new != value:
                message.replace_header(name, new)
                touched = True
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        try:
            text = part.get_content()
        except (LookupError, ValueError):
            continue
        new = pattern.sub(former, text)
        if new != text:
            del part["Content-Transfer-Encoding"]
            part.set_payload(new, "utf-8")
            touched = True
    if not touched:
        return None
    return message.as_bytes().decode("utf-8", "surrogateescape")


