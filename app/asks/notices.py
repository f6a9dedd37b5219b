"""How members hear about requests: a mail per new request, daily or weekly digests, none; and the
friendly mail when an open request's deadline has passed.

Each member chooses (`Member.request_notices`, app.models.social.NoticeChoice): "instant", "daily",
"weekly" (the default) or "off" -- `set_request_notices`, the preference page.

Who hears about a request: the active members of the groups it was posted to (membership now, and
for a digest: joined before it was posted), not its author, and only while the one visibility rule
(app.visibility.request_fields) lets them see it: an open request, neither hidden by an organizer
nor withdrawn.

Nothing twice, nothing missed: every member told about a request gets a `RequestNotice` row
(member, request; unique), written in the same transaction as the mail. A digest lists the requests
the member has no notice for -- not "everything since the last digest" -- so a request posted while
a digest run was in progress (committed after the run read the requests) is in the next digest,
and a member who switches from instant mails to a digest never gets a request twice.

- Instant: `on_request_posted` (receiver of `events.request_posted`, in the poster's transaction)
  writes one mail per member who chose "instant" (`enqueue_mail_batch`: rendered once per language)
  and their notices.
- Digests: `send_digests(now)` (`flask digests send`, cron) finds the members whose digest is due
  (app.asks.digest_rules: 07:00 network time, daily or on Mondays), claims each with a conditional
  UPDATE of `last_digest_at` (two overlapping runs: the second's UPDATE waits for the first's row
  lock, then matches nothing; SQLite: `BEGIN IMMEDIATE` makes them take turns) and, in that
  transaction, writes the mail and the notices. Nothing new: no mail, but the claim stands, so the
  next digest is due at the next slot. Only open requests posted in the last `DIGEST_LOOKBACK_DAYS`
  are listed (a member who turns digests on gets what is open now, not the archive).
- Expiry: `expire_due(now)` (receiver of `events.periodic_work`, `flask meetings send-due`): an open
  request whose deadline day is over in the network's time zone becomes "expired" (conditional
  UPDATE ... WHERE status = 'open': once, however many runs overlap), with its history entry and a
  friendly mail to the asker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, insert, or_, select, update
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from app import events
from app.asks import digest_rules
from app.auth.tokens import external_url
from app.db_locks import begin_write, locked
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.ledger.history import record_change
from app.mail.batch import BatchRecipient, enqueue_mail_batch
from app.mail.services import enqueue_mail
from app.models import Member, Membership, NetworkSettings, utcnow
from app.models.social import (
    HelpRequest,
    NoticeChoice,
    RequestNotice,
    RequestStatus,
    help_request_groups,
)
from app.visibility import Relation, request_fields

DIGEST_LOOKBACK_DAYS = 30
EXPIRE_BATCH = 500  # requests expired per run at most; the rest at the next run

CHOICE_LABELS = {
    NoticeChoice.INSTANT.value: _l("A mail for each, as it comes"),
    NoticeChoice.DAILY.value: _l("A daily overview"),
    NoticeChoice.WEEKLY.value: _l("A weekly overview"),
    NoticeChoice.OFF.value: _l("No mails"),
}
CHOICE_HELP = {
    NoticeChoice.INSTANT.value: _l("You get a mail as soon as someone asks one of your groups."),
    NoticeChoice.DAILY.value: _l("One mail in the morning (07:00) with the new requests, on days "
                                 "when there are any."),
    NoticeChoice.WEEKLY.value: _l("One mail on Monday morning (07:00) with the week's new requests, "
                                  "when there are any."),
    NoticeChoice.OFF.value: _l("You find the requests on the website under Ask the network."),
}


def network_zone() -> str:
    """The network's time zone (read only: never writes the settings row, so a run that has not
    claimed anything yet holds no write lock)."""
    settings = db.session.get(NetworkSettings, 1)
    return (settings.default_timezone if settings else None) or "Europe/Copenhagen"


def request_url(request_id: int) -> str:
    """The request's page (the asks package's `asks.show`), absolute, also outside a request."""
    try:
        return external_url("asks.show", request_id=request_id)
    except BuildError:  # the page is not there yet: the list of requests
        try:
            return external_url("asks.index")
        except BuildError:
            return current_app.config["BASE_URL"].rstrip("/") + f"/asks/{request_id}"


def notices_url() -> str:
    return external_url("asks.notices")


# --- the member's choice ---------------------------------------------------------------------------


def set_request_notices(user, choice) -> Member:
    """The member's own choice of how they hear about new requests. Commits.

    Turning a digest on (or changing daily/weekly) starts its clock now: the first digest comes at
    the next slot, with the open requests the member has not been told about yet."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    if not isinstance(choice, str) or choice not in CHOICE_LABELS:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"request_notices": [_("Please choose one of the options.")]})
    member = db.session.get(Member, user.id)
    if member.request_notices != choice:
        member.request_notices = choice
        if choice in digest_rules.DIGEST_CHOICES:
            member.last_digest_at = utcnow()
    db.session.commit()
    return member


# --- who may hear about a request ----------------------------------------------------------------


def may_be_told(request: HelpRequest, relation: Relation) -> bool:
    """The visibility rule for a mail about a request: an open one the reader may see."""
    if request.status != RequestStatus.OPEN.value:
        return False
    return bool(request_fields(relation, hidden=request.is_hidden, withdrawn=request.is_withdrawn))


def _group_ids(request_id: int) -> list[int]:
    return list(db.session.scalars(select(help_request_groups.c.group_id)
                                   .where(help_request_groups.c.request_id == request_id)))


def _relations(member_ids: list[int], group_ids: list[int]) -> dict[int, Relation]:
    """Each member's relation to an item of these groups (they are all members of one of them)."""
    relations = {member_id: Relation.MEMBER for member_id in member_ids}
    if member_ids:
        organizers = db.session.scalars(
            select(Membership.member_id).where(Membership.member_id.in_(member_ids),
                                               Membership.group_id.in_(group_ids),
                                               Membership.role == "organizer"))
        relations.update({member_id: Relation.ORGANIZER for member_id in organizers})
    return relations


def _context(request: HelpRequest) -> dict:
    zone = network_zone()
    return dict(ask=request, asker=request.author, groups=list(request.groups), tz=zone,
                ask_url=request_url(request.id), notices_url=notices_url())


# --- instant -------------------------------------------------------------------------------------


def instant_recipients(request: HelpRequest) -> list[Member]:
    """The members who get a mail of their own about this new request (module doc)."""
    group_ids = _group_ids(request.id)
    if not group_ids:
        return []
    members = list(db.session.scalars(
        select(Member).where(
            Member.active.is_(True), Member.id != request.author_id,
            Member.request_notices == NoticeChoice.INSTANT.value,
            exists().where(Membership.member_id == Member.id, Membership.group_id.in_(group_ids)),
            ~exists().where(RequestNotice.member_id == Member.id, RequestNotice.request_id == request.id))
        .order_by(Member.id)))
    relations = _relations([m.id for m in members], group_ids)
    return [m for m in members if may_be_told(request, relations[m.id])]


def notify_instant(request: HelpRequest) -> int:
    """Write the instant mails and notices of a new request (not committed); how many."""
    if request.status != RequestStatus.OPEN.value or request.is_hidden or request.is_withdrawn:
        return 0
    recipients = instant_recipients(request)
    if not recipients:
        return 0
    now = utcnow()
    enqueue_mail_batch("ask_new", [BatchRecipient(member_id=m.id, name=m.name, email=m.email,
                                                  language=m.language) for m in recipients],
                       kind="ask_new", **_context(request))
    db.session.execute(insert(RequestNotice), [
        {"member_id": m.id, "request_id": request.id, "channel": "instant", "sent_at": now}
        for m in recipients])
    return len(recipients)


def on_request_posted(request: HelpRequest, **_kwargs) -> None:
    """Receiver of `events.request_posted` (runs in the poster's transaction; never commits)."""
    notify_instant(request)


# --- digests ---------------------------------------------------------------------------------------


@dataclass
class DigestCounts:
    digests: int = 0  # mails written
    requests: int = 0  # lines in them
    nothing_new: int = 0  # members due who had nothing new (no mail)

    def as_dict(self) -> dict[str, int]:
        return {"digests": self.digests, "requests": self.requests, "nothing_new": self.nothing_new}


def digest_requests(member_id: int, now: datetime) -> list[HelpRequest]:
    """The requests a member's digest lists at `now` (module doc), oldest first."""
    zone = network_zone()
    today = now.astimezone(ZoneInfo(zone)).date()
    joined_before = (select(Membership.id)
                     .join(help_request_groups, help_request_groups.c.group_id == Membership.group_id)
                     .where(Membership.member_id == member_id,
                            help_request_groups.c.request_id == HelpRequest.id,
                            Membership.joined_at <= HelpRequest.created_at))
    requests = list(db.session.scalars(
        select(HelpRequest)
        .where(HelpRequest.status == RequestStatus.OPEN.value, HelpRequest.hidden_at.is_(None),
               HelpRequest.withdrawn_at.is_(None), HelpRequest.author_id != member_id,
               HelpRequest.created_at <= now,
               HelpRequest.created_at > now - timedelta(days=DIGEST_LOOKBACK_DAYS),
               or_(HelpRequest.deadline.is_(None), HelpRequest.deadline >= today),
               joined_before.exists(),
               ~exists().where(RequestNotice.member_id == member_id,
                               RequestNotice.request_id == HelpRequest.id))
        .options(selectinload(HelpRequest.author), selectinload(HelpRequest.groups))
        .order_by(HelpRequest.created_at, HelpRequest.id)))
    if not requests:
        return []
    group_ids = sorted({g.id for r in requests for g in r.groups})
    relation = _relations([member_id], group_ids)[member_id]
    return [r for r in requests if may_be_told(r, relation)]


def due_members(now: datetime) -> list[tuple[int, str]]:
    """(member id, choice) of the active members whose digest is due at `now`."""
    zone = network_zone()
    rows = db.session.execute(
        select(Member.id, Member.request_notices, Member.last_digest_at)
        .where(Member.active.is_(True), Member.request_notices.in_(digest_rules.DIGEST_CHOICES))
        .order_by(Member.id)).all()
    return [(member_id, choice) for member_id, choice, last in rows
            if digest_rules.is_due(choice, last, now, zone)]


def send_digests(now: datetime | None = None) -> DigestCounts:
    """Write the digests due at `now` to the outbox, one committed transaction per member.
    Safe when two runs overlap: each member is claimed once per slot."""
    now = now or utcnow()
    zone = network_zone()
    due = due_members(now)
    db.session.rollback()  # end the read; each member gets their own transaction
    counts = DigestCounts()
    for member_id, choice in due:
        slot = digest_rules.current_slot(choice, now, zone)
        try:
            listed = _digest_one(member_id, choice, slot, now)
        except Exception:  # one member's broken digest must not keep the others' back
            current_app.logger.exception("Digest of member %s failed; tried again at the next run", member_id)
            continue
        if listed is None:
            continue  # another run had it
        if listed:
            counts.digests += 1
            counts.requests += listed
        else:
            counts.nothing_new += 1
    return counts


def _digest_one(member_id: int, choice: str, slot: datetime, now: datetime) -> int | None:
    """Claim one member's digest for this slot and write it; the number of requests listed, or
    None when another run had claimed it (or the member changed their choice meanwhile)."""
    try:
        begin_write()
        claimed = db.session.execute(
            update(Member)
            .where(Member.id == member_id, Member.active.is_(True), Member.request_notices == choice,
                   or_(Member.last_digest_at.is_(None), Member.last_digest_at < slot))
            .values(last_digest_at=now, updated_at=Member.updated_at)  # not a change of the profile
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            db.session.rollback()
            return None
        locked()  # (tests: hold the claim here, so that a second run can be made to overlap)
        requests = digest_requests(member_id, now)
        if requests:
            member = db.session.get(Member, member_id)
            enqueue_mail(member, "ask_digest", kind="ask_digest", asks=requests, choice=choice,
                         ask_urls={r.id: request_url(r.id) for r in requests}, tz=network_zone(),
                         notices_url=notices_url())
            db.session.execute(insert(RequestNotice), [
                {"member_id": member_id, "request_id": r.id, "channel": "digest", "sent_at": now}
                for r in requests])
        db.session.commit()
        return len(requests)
    except BaseException:
        db.session.rollback()
        raise


# --- expiry ----------------------------------------------------------------------------------------


def expire_due(now: datetime | None = None) -> dict[str, int]:
    """Close the open requests whose deadline day is over in the network's time zone: status
    expired, closed_at, a history entry and a friendly mail to the asker; one transaction each.
    Returns {"requests_expired": n}."""
    now = now or utcnow()
    today = now.astimezone(ZoneInfo(network_zone())).date()
    due = list(db.session.scalars(
        select(HelpRequest.id).where(HelpRequest.status == RequestStatus.OPEN.value,
                                     HelpRequest.deadline.is_not(None), HelpRequest.deadline < today)
        .order_by(HelpRequest.deadline, HelpRequest.id).limit(EXPIRE_BATCH)))
    db.session.rollback()
    expired = 0
    for request_id in due:
        try:
            expired += _expire_one(request_id, today, now)
        except Exception:
            current_app.logger.exception("Expiring request %s failed; tried again at the next run",
                                         request_id)
    return {"requests_expired": expired}


def _expire_one(request_id: int, today, now: datetime) -> int:
    try:
        begin_write()
        claimed = db.session.execute(
            update(HelpRequest)
            .where(HelpRequest.id == request_id, HelpRequest.status == RequestStatus.OPEN.value,
                   HelpRequest.deadline < today)
            .values(status=RequestStatus.EXPIRED.value, closed_at=now, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            db.session.rollback()
            return 0
        locked()
        request = db.session.get(HelpRequest, request_id, populate_existing=True)
        record_change("request", request.id, None, "expired",
                      {"status": [RequestStatus.OPEN.value, RequestStatus.EXPIRED.value]})
        if request.author.active:
            enqueue_mail(request.author, "ask_expired", kind="ask_expired", **_context(request))
        db.session.commit()
        return 1
    except BaseException:
        db.session.rollback()
        raise


def on_periodic_work(sender, now: datetime | None = None, **_kwargs) -> dict[str, int]:
    """Receiver of `events.periodic_work` (`flask meetings send-due`)."""
    return expire_due(now)


def connect_receivers() -> None:
    events.request_posted.connect(on_request_posted)
    events.periodic_work.connect(on_periodic_work)
