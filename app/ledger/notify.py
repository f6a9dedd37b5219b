"""The mails of referrals and thanks, written to the outbox inside the use case's transaction.

Only the two members of an item get mail about it, so a mail may hold what the rule shows parties
(the contact's details, the amount): `referral_new` (to the receiver, with the contact),
`referral_status` (to the giver, when the referral is won or lost), `thanks_new` (to the thanked
member, with the amount and, when the thanker chose the wall, the link to agree to it).
"""

from __future__ import annotations

from app.auth.tokens import external_url
from app.mail.services import enqueue_mail
from app.models import Referral, Thanks


def _referral_context(referral: Referral) -> dict:
    return dict(referral=referral, giver=referral.giver, receiver=referral.receiver, group=referral.group,
                page_url=external_url("ledger.referral", referral_id=referral.id))


def referral_new(referral: Referral) -> None:
    """The receiver learns of the referral, with the contact's details (they are a party)."""
    if referral.receiver.active:
        enqueue_mail(referral.receiver, "referral_new", kind="referral_new", **_referral_context(referral))


def referral_status(referral: Referral) -> None:
    """The giver learns that the referral was won or lost."""
    if referral.giver.active:
        enqueue_mail(referral.giver, "referral_status", kind="referral_status", **_referral_context(referral))


def thanks_new(thanks: Thanks) -> None:
    """The thanked member learns of the thank-you (with the amount: they are a party)."""
    from app.ledger.thanks import wall_token

    if not thanks.thanked.active:
        return
    wall_url = (external_url("ledger.wall_link", token=wall_token(thanks))
                if thanks.wall_by_thanker else "")
    enqueue_mail(thanks.thanked, "thanks_new", kind="thanks_new", thanks=thanks, thanker=thanks.thanker,
                 thanked=thanks.thanked, group=thanks.group, help=thanks.help, referral=thanks.referral,
                 wall_url=wall_url, page_url=external_url("ledger.thanks", thanks_id=thanks.id))
