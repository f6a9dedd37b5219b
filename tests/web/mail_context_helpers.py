"""The context each sender really renders its mail with, for tests/web/test_mail_first_name.py.

`sent_contexts(template, recipient, group)` builds real objects (a 1-to-1, a request and its
answers, a referral, a thank-you), runs the sender code on them (the services and notifiers of
app/connections/one_to_ones.py, app/asks/services.py, app/asks/notices.py, app/ledger/notify.py)
and returns the context of every rendering of `template` addressed to `recipient`, one per variant
the sender has (a 1-to-1 ahead or past, declined, confirmed again; an offer or a named contact;
won or lost; thanks for business or for help). The recipient is always the one the mail is to;
the other party is "Karen Blixen" (named in full, as the mails name the other party).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from app.extensions import db
from app.models import Group, Member, Membership, OneToOne, utcnow
from app.models.social import HelpRecord, HelpRequest, Referral, Thanks
from tests.factories import create_member

OTHER_NAME = "Karen Blixen"


@contextmanager
def _recording(recipient: Member) -> Iterator[list[tuple[str, dict]]]:
    """Record (template, context) of every mail rendered for `recipient` while inside."""
    import app.connections.one_to_ones as one_to_ones
    import app.mail.batch as batch
    import app.mail.services as services

    real = services.render_mail
    seen: list[tuple[str, dict]] = []

    def recorder(template: str, language: str, **context):
        member = context.get("member")
        # (a batch also renders a probe with markers for name and address: not a real mail)
        if member is not None and member.email == recipient.email and "first_name" not in context:
            seen.append((template, dict(context)))
        return real(template, language, **context)

    modules = (services, batch, one_to_ones)
    for module in modules:
        module.render_mail = recorder
    try:
        yield seen
    finally:
        for module in modules:
            module.render_mail = real


def sent_contexts(template: str, recipient: Member, group: Group) -> list[dict]:
    """The contexts `template` was rendered with for `recipient` by its sender (module doc)."""
    other = create_member(name=OTHER_NAME, groups=[group])
    # a member of the group for a month (a digest lists only what was asked after they joined)
    db.session.add(Membership(member=recipient, group=group, joined_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    build, variants = _SCENARIOS[template]
    with _recording(recipient) as seen:
        build(recipient, other, group)
    contexts = [context for name, context in seen if name == template]
    assert len(contexts) == variants, f"the sender wrote {len(contexts)} {template} mails, not {variants}"
    return contexts


# --- 1-to-1s (app/connections/one_to_ones.py) -------------------------------------------------------


def _one_to_one(proposer: Member, partner: Member, *, past: bool) -> OneToOne:
    start = utcnow().replace(microsecond=0) + timedelta(days=-10 if past else 10)
    row = OneToOne(proposer_id=proposer.id, partner_id=partner.id, met_on=start.date(), starts_at=start,
                   place="Café Lykke, Bredgade 1", note="Kaffe og en snak", status="proposed",
                   created_at=start - timedelta(days=20))
    db.session.add(row)
    db.session.commit()
    return row


def _one_to_one_invite(recipient: Member, other: Member, _group: Group) -> None:
    from app.connections import one_to_ones

    for past in (False, True):  # a calendar invitation; a mail asking to confirm a past meeting
        one_to_ones._mail_invite(_one_to_one(other, recipient, past=past))
    row = _one_to_one(other, recipient, past=False)  # declined, then confirmed after all
    one_to_ones.answer(recipient, row.id, "decline")
    one_to_ones.answer(recipient, row.id, "confirm")


def _one_to_one_cancel(recipient: Member, other: Member, _group: Group) -> None:
    from app.connections import one_to_ones

    for past in (False, True):  # cancelled by the proposer: with and without the calendar copy
        one_to_ones.cancel(other, _one_to_one(other, recipient, past=past).id)
    one_to_ones.answer(recipient, _one_to_one(other, recipient, past=False).id, "decline")


def _one_to_one_answer(recipient: Member, other: Member, _group: Group) -> None:
    from app.connections import one_to_ones

    for past, reply in ((False, "confirm"), (True, "confirm"), (False, "decline")):
        one_to_ones.answer(other, _one_to_one(recipient, other, past=past).id, reply)


# --- requests (app/asks/services.py and app/asks/notices.py) ---------------------------------------


def _request(author: Member, group: Group, *, deadline: date | None = None,
             created_at: datetime | None = None) -> HelpRequest:
    request = HelpRequest(author_id=author.id, title="Revisor til et lille ApS",
                          body="Hvem kender en god revisor?", deadline=deadline, status="open",
                          groups=[group], created_at=created_at or utcnow())
    db.session.add(request)
    db.session.commit()
    return request


def _ask_answer(recipient: Member, other: Member, group: Group) -> None:
    from app.asks import services

    named = create_member(name="Bo Revisor Hansen", groups=[group])
    for data in ({"kind": "offer", "body": "Det kan jeg hjælpe med."},
                 {"kind": "referral", "referred_member_id": named.id, "private": True},
                 {"kind": "referral", "referred_name": "Lise Lund", "body": "Hun er god."}):
        request = _request(recipient, group)
        services.answer_request(other, request.id, data)


def _ask_solved(recipient: Member, other: Member, group: Group) -> None:
    from app.asks import services

    request = _request(other, group)
    services.solve(other, request.id, [recipient.id])


def _ask_new(recipient: Member, other: Member, group: Group) -> None:
    from app.asks import notices

    recipient.request_notices = "instant"
    db.session.commit()
    notices.notify_instant(_request(other, group, deadline=date.today() + timedelta(days=14)))
    db.session.commit()


def _ask_digest(recipient: Member, other: Member, group: Group) -> None:
    from app.asks import notices

    now = datetime.now(UTC)
    for choice in ("daily", "weekly"):
        recipient.request_notices = choice
        recipient.last_digest_at = None
        db.session.commit()
        _request(other, group, deadline=now.date() + timedelta(days=7), created_at=now - timedelta(hours=1))
        notices.send_digests(now)
        now += timedelta(days=8)  # the next digest is due, whichever the choice


def _ask_expired(recipient: Member, _other: Member, group: Group) -> None:
    from app.asks import notices

    _request(recipient, group, deadline=date.today() - timedelta(days=3))
    notices.expire_due(datetime.now(UTC) + timedelta(days=1))


# --- referrals and thanks (app/ledger/notify.py) ---------------------------------------------------


def _referral(giver: Member, receiver: Member, group: Group, status: str = "new") -> Referral:
    referral = Referral(giver_id=giver.id, receiver_id=receiver.id, group_id=group.id,
                        contact_name="Lise Lund", contact_company="Lund Revision ApS",
                        contact_phone="12345678", contact_email="lise@example.test",
                        about="Hun mangler en ny hjemmeside.", warmth="expects_call", status=status)
    db.session.add(referral)
    db.session.commit()
    return referral


def _referral_new(recipient: Member, other: Member, group: Group) -> None:
    from app.ledger import notify

    notify.referral_new(_referral(other, recipient, group))


def _referral_status(recipient: Member, other: Member, group: Group) -> None:
    from app.ledger import notify

    for status in ("won", "lost"):
        notify.referral_status(_referral(recipient, other, group, status))


def _thanks_new(recipient: Member, other: Member, group: Group) -> None:
    from app.ledger import notify

    referral = _referral(recipient, other, group, "won")
    help_record = HelpRecord(giver_id=recipient.id, receiver_id=other.id, group_id=group.id, kind="advice",
                             description="Gode råd om moms", given_on=date.today())
    db.session.add(help_record)
    db.session.flush()
    for thanks in (Thanks(thanker_id=other.id, thanked_id=recipient.id, group_id=group.id, kind="business",
                          referral_id=referral.id, amount_dkk=25000, message="Tusind tak!",
                          wall_by_thanker=True),
                   Thanks(thanker_id=other.id, thanked_id=recipient.id, group_id=group.id, kind="help",
                          help_id=help_record.id, message="Tak for hjælpen.")):
        db.session.add(thanks)
        db.session.commit()
        notify.thanks_new(thanks)


# template -> (what makes its sender write it to the recipient, how many mails that writes)
def _visitor_request(recipient: Member, other: Member, group: Group) -> None:
    from app.models import Role
    from app.public.visitors import VisitorData, submit_visitor_request

    group.is_public = True
    recipient.membership_in(group).role = Role.ORGANIZER.value
    db.session.commit()
    for kind in ("guest", "member"):
        submit_visitor_request(group, VisitorData(kind=kind, name="Karen Blixen", email="karen@example.test",
                                                  message="Hej"))


_SCENARIOS: dict[str, tuple[Callable[[Member, Member, Group], None], int]] = {
    "visitor_request": (_visitor_request, 2),
    "one_to_one_invite": (_one_to_one_invite, 3),
    "one_to_one_cancel": (_one_to_one_cancel, 3),
    "one_to_one_answer": (_one_to_one_answer, 3),
    "ask_answer": (_ask_answer, 3),
    "ask_solved": (_ask_solved, 1),
    "ask_new": (_ask_new, 1),
    "ask_digest": (_ask_digest, 2),
    "ask_expired": (_ask_expired, 1),
    "referral_new": (_referral_new, 1),
    "referral_status": (_referral_status, 2),
    "thanks_new": (_thanks_new, 2),
}
SENT_TEMPLATES = frozenset(_SCENARIOS)
