"""What a visitor reads on a public group's page and the network page, found walking them in a
browser: hidden organizers are counted, not listed as "an organizer, an organizer"; the public page
lists the coming meetings once (no separate "next meeting" card) and never tells a visitor to "talk
to an organizer" next to the visitor form; the network page has words even before the admin wrote
its description; the form's answer to a POST does not ask the browser to send it again on Back."""

from __future__ import annotations

import re
import time

import pytest

from app.extensions import db
from app.mail.outbox import send_pending
from app.models import NetworkSettings
from app.public.visitors import issue_form_token
from tests.factories import create_organizer
from tests.web.public_helpers import build_public_world

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def pw(app):
    return build_public_world()


def _organizers(page: str) -> str:
    return page.split("<dt class=\"col-sm-3\">Organizers</dt>", 1)[1].split("</dd>", 1)[0]


def test_hidden_organizers_are_counted_for_the_public(client, pw):
    create_organizer(pw.public, name="Oskar Organisator")
    page = client.get("/groups/kaffeklub-vejle").get_data(as_text=True)
    organizers = _organizers(page)
    assert "2 organizers" in organizers and "an organizer" not in organizers
    assert "Olga" not in organizers and "Oskar" not in organizers


def test_a_public_organizer_is_named_and_the_others_counted(client, pw):
    pw.organizer.profile_visibility = "public"
    create_organizer(pw.public, name="Oskar Organisator")
    db.session.commit()
    organizers = _organizers(client.get("/groups/kaffeklub-vejle").get_data(as_text=True))
    assert "Olga Organisator" in organizers and "and 1 more organizer" in organizers
    assert "Oskar" not in organizers


def test_members_still_see_every_organizer_by_name(client, login, pw):
    create_organizer(pw.public, name="Oskar Organisator")
    login(pw.unlisted)
    organizers = _organizers(client.get("/groups/kaffeklub-vejle").get_data(as_text=True))
    assert "Olga Organisator" in organizers and "Oskar Organisator" in organizers


def test_public_page_lists_meetings_once_and_points_to_the_visitor_form(client, login, pw):
    page = client.get("/groups/kaffeklub-vejle").get_data(as_text=True)
    assert "data-next-meeting" not in page and page.count("Tirsdagsmøde") == 1
    assert "talk to one of the organizers" not in page and "data-visit-link" in page
    # A member of the group keeps the next-meeting card.
    login(pw.unlisted)
    assert "data-next-meeting" in client.get("/groups/kaffeklub-vejle").get_data(as_text=True)


def test_network_page_has_words_before_the_admin_writes_a_description(client, pw):
    settings = NetworkSettings.get()
    settings.description = ""
    db.session.commit()
    page = client.get("/about").get_data(as_text=True)
    assert "A business network built on curiosity" in page


def test_visit_form_error_page_keeps_back_from_resending(client, pw):
    page = client.get("/groups/kaffeklub-vejle/visit").get_data(as_text=True)
    assert "post-result.js" not in page and "How we handle your data" in page
    token = issue_form_token(pw.public, issued_at=time.time() - 30)
    data = {"kind": "guest", "name": "", "email": "nej", "form_token": token, "homepage": ""}
    response = client.post("/groups/kaffeklub-vejle/visit", data=data)
    assert response.status_code == 422
    assert "post-result.js" in response.get_data(as_text=True)


def test_the_visitor_mail_names_the_meeting_time_with_at(client, pw, smtp_server):
    create_organizer(pw.public, name="Eve Organizer", email="eve@example.test", language="en")
    token = issue_form_token(pw.public, issued_at=time.time() - 30)
    data = {"kind": "guest", "name": "Gitte Gæst", "email": "gitte@firma.example", "form_token": token,
            "meeting_id": str(pw.meeting.id), "homepage": ""}
    assert client.post("/groups/kaffeklub-vejle/visit", data=data).status_code == 303
    assert send_pending().sent == 2
    [english] = smtp_server.sink.to("eve@example.test")
    text = english.text()
    assert "Meeting: Tirsdagsmøde, " in text and re.search(r"2026 at \d{1,2}[:.]\d\d", text), text
