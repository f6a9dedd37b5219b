"""The compiled catalogs are used: Danish by default, English when chosen, mail in the member's language.

Needs the .mo files (`make translations`; `make test` runs it first).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField

from app.extensions import db
from app.models import OutboxMessage
from tests.factories import create_member

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"


@pytest.fixture(autouse=True)
def _compiled_catalogs():
    for language in ("da", "en"):
        folder = TRANSLATIONS / language / "LC_MESSAGES"
        mo = folder / "messages.mo"
        assert mo.exists(), f"{mo} is missing: run `make translations`"
        assert mo.stat().st_mtime >= (folder / "messages.po").stat().st_mtime, \
            f"{mo} is older than messages.po: run `make translations`"


def _page(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_login_page_is_danish_by_default(client):
    page = _page(client.get("/login"))
    assert '<html lang="da">' in page
    assert "Log ind" in page and "Send mig et login-link" in page
    assert "Send me a login link" not in page
    assert "Enter your email address" not in page


def test_login_page_is_english_once_english_is_chosen(client):
    client.post("/language", data={"lang": "en", "next": "/login"})
    page = _page(client.get("/login"))
    assert '<html lang="en">' in page
    assert "Log in" in page and "Send me a login link" in page
    assert "Log ind" not in page and "Send mig et login-link" not in page


@pytest.mark.parametrize(("language", "expected", "unexpected"), [
    ("da", "Log ud", "Log out"),
    ("en", "Log out", "Log ud"),
])
def test_a_logged_in_member_sees_their_own_language(client, login, language, expected, unexpected):
    login(create_member(language=language))
    page = _page(client.get("/"))
    assert expected in page and unexpected not in page


def test_a_bare_not_found_shows_no_english_detail(client, login):
    login(create_member(language="da"))
    response = client.get("/groups/no-such-group")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Siden findes ikke" in page
    assert "Not found" not in page


@pytest.mark.parametrize(("language", "subject_start"), [
    ("da", "Dit login-link til"),
    ("en", "Your login link for"),
])
def test_login_mail_is_written_in_the_members_language(client, language, subject_start):
    create_member(email="sprog@example.test", language=language)
    client.post("/login", data={"email": "sprog@example.test"})
    subjects = list(db.session.scalars(select(OutboxMessage.subject)))
    assert len(subjects) == 1 and subjects[0].startswith(subject_start)


class _NumberForm(FlaskForm):
    class Meta:
        csrf = False

    number = IntegerField("n")


@pytest.mark.parametrize(("language", "message"), [
    ("da", "Skriv et helt tal."),
    ("en", "Not a valid integer value."),
])
def test_wtforms_own_messages_come_from_our_catalogs(app, language, message):
    """WTForms ships no Danish; app/forms_i18n.py makes its messages use app/translations."""
    with app.test_request_context("/", method="POST", data={"number": "abc"}):
        from flask import session

        session["lang"] = language
        form = _NumberForm()
        assert not form.validate()
        assert form.number.errors == [message]
