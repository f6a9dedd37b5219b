"""Danish mail says "Hej Anders", not "Hej Anders Bach Møller": every mail greets by first name."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.mail.names import first_name
from app.mail.services import render_mail
from app.models import NetworkSettings
from tests.factories import create_group, create_member
from tests.web.mail_context_helpers import SENT_TEMPLATES, sent_contexts

EMAIL_DIR = Path(__file__).parents[2] / "templates" / "email"
TEMPLATES = sorted(  # the mails (partials, named _*, are parts of them)
    p.name.removesuffix(".txt") for p in EMAIL_DIR.glob("*.txt")
    if not p.name.endswith(".subject.txt") and not p.name.startswith("_")
)


@pytest.mark.parametrize(("name", "first"), [
    ("Anders Bach Møller", "Anders"), ("Cher", "Cher"), ("  Søren   Kierkegaard ", "Søren"), ("", ""),
])
def test_first_name(name, first):
    assert first_name(name) == first


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(("language", "hello"), [("da", "Hej Anders"), ("en", "Hi Anders,")])
def test_every_mail_greets_by_first_name(app, template, language, hello):
    member = create_member(name="Anders Bach Møller", language=language)
    group = create_group(name="Kaffeklub Vest")
    if template in SENT_TEMPLATES:  # rendered with what its sender gives, in each of its variants
        contexts = sent_contexts(template, member, group)
    else:
        context = {"member": member, "network": NetworkSettings.get(), "group": group, "link": "http://x/l",
                   "greeting_name": member.name, "subject": "Emne", "body": "Tekst", "minutes": 15, "days": 3}
        if template.startswith(("rsvp_", "meeting_reminder")):
            context.update(_sign_up_context(group, member))
        contexts = [context]
    for context in contexts:
        _subject, text, html = render_mail(template, language, **context)
        for part in (text, html):
            assert "Anders Bach" not in part  # the full name is nowhere in the body
        greeting = text.strip().splitlines()[0]
        assert "Anders" in greeting
        if template != "notice":  # notice says "Hello"
            assert greeting.startswith(hello)


def _sign_up_context(group, member) -> dict:
    """What the sign-up mails are rendered with (app/rsvp/notify.py): another member's afbud and guest;
    `member` (or the guest's greeting name) is the one the mail is to."""
    from datetime import UTC, datetime

    from app.extensions import db
    from app.models import MeetingGuest, Rsvp
    from tests.factories import create_meeting

    host = create_member(name="Karen Blixen")  # who sent afbud / brought the guest: named in full

    meeting = create_meeting(group=group, title="Morgenmøde",
                             starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
                             ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC))
    rsvp = Rsvp(meeting_id=meeting.id, member=host, status="declined", queue_seq=1, message="Syg")
    guest = MeetingGuest(meeting_id=meeting.id, rsvp=rsvp, kind="guest", name="Bo Gæst Hansen",
                         email="bo@example.com", company="", status="going", queue_seq=2)
    db.session.add_all([rsvp, guest])
    db.session.flush()
    return {"meeting": meeting, "tz": group.timezone, "meeting_url": "http://x/m", "yes_url": "http://x/y",
            "no_url": "http://x/n", "cancel_url": "http://x/c", "attendees_url": "http://x/a", "rsvp": rsvp,
            "sender": host, "guest": guest, "host": host, "substitute": None, "reason": "Syg vært"}
