"""Danish mail says "Hej Anders", not "Hej Anders Bach Møller": every mail greets by first name."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.mail.names import first_name
from app.mail.services import render_mail
from app.models import NetworkSettings
from tests.factories import create_group, create_member

EMAIL_DIR = Path(__file__).parents[2] / "templates" / "email"
TEMPLATES = sorted(
    p.name.removesuffix(".txt") for p in EMAIL_DIR.glob("*.txt") if not p.name.endswith(".subject.txt")
)


@pytest.mark.parametrize(("name", "first"), [
    ("Anders Bach Møller", "Anders"), ("Cher", "Cher"), ("  Søren   Kierkegaard ", "Søren"), ("", ""),
])
def test_first_name(name, first):
    assert first_name(name) == first


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(("language", "hello"), [("da", "Hej Anders"), ("en", "Hi Anders,")])
def test_every_mail_greets_by_first_name(app, template, language, hello):
    member = create_member(name="Anders Bach Møller")
    group = create_group(name="Kaffeklub Vest")
    context = {"member": member, "network": NetworkSettings.get(), "group": group, "link": "http://x/l",
               "greeting_name": member.name, "subject": "Emne", "body": "Tekst", "minutes": 15, "days": 3}
    _subject, text, html = render_mail(template, language, **context)
    for part in (text, html):
        assert "Anders Bach" not in part  # the full name is nowhere in the body
    greeting = text.strip().splitlines()[0]
    assert "Anders" in greeting
    if template != "notice":  # notice says "Hello"
        assert greeting.startswith(hello)
