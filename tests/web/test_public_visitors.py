""""Kom som gæst / bliv medlem": a visitor's request reaches the organizers through the outbox, in
each organizer's language; spam (a filled honeypot, a form posted sooner than a person could, a
forged token) gets the same confirmation but nothing is stored or sent; a stale form is shown again;
a rate limit per address; hostile input is a form error, never a 500. Organizers see the requests
and mark them handled."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mail.outbox import send_pending
from app.models import OutboxMessage, VisitorRequest
from app.public.visitors import issue_form_token
from tests.factories import create_admin, create_member, create_organizer
from tests.web.form_helpers import encode
from tests.web.public_helpers import build_public_world

pytestmark = pytest.mark.usefixtures("english")

VISIT = "/groups/kaffeklub-vejle/visit"


@pytest.fixture
def pw(app):
    return build_public_world()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _aged_token(pw, seconds: float = 30) -> str:
    """The token a form shown `seconds` ago carried (instead of waiting that long)."""
    return issue_form_token(pw.public, issued_at=time.time() - seconds)


def _form(pw, **overrides) -> dict:
    data = {"kind": "guest", "name": "Gitte Gæst", "email": "gitte@firma.example", "phone": "+45 33 33 33 33",
            "company": "Gittes Grafik", "meeting_id": str(pw.meeting.id),
            "message": "Jeg vil gerne høre om jeres netværk.\nMvh Gitte", "form_token": _aged_token(pw),
            "homepage": ""}
    data.update(overrides)
    return data


def test_the_form_has_a_hidden_honeypot_and_a_fresh_time_token(client, pw):
    page = client.get(VISIT).get_data(as_text=True)
    assert 'class="kk-hp" aria-hidden="true"' in page
    honeypot = re.search(r'<input[^>]*name="homepage"[^>]*>', page).group(0)
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    assert re.search(r'name="form_token"[^>]*value="[^"]+"', page)
    assert "Tirsdagsmøde" in page  # the coming meetings to choose from
    assert 'maxlength="2000"' in page


def test_a_real_request_is_stored_mailed_to_each_organizer_in_their_language_and_confirmed(
        app, client, pw, smtp_server):
    english_organizer = create_organizer(pw.public, name="Eve Organizer", email="eve@example.test",
                                         language="en")
    response = client.post(VISIT, data=_form(pw))
    assert response.status_code == 303 and response.headers["Location"].endswith("/visit/sent")
    confirmation = client.get(response.headers["Location"])
    assert "Thank you for your request" in confirmation.get_data(as_text=True)
    [stored] = db.session.scalars(select(VisitorRequest)).all()
    assert (stored.name, stored.email, stored.kind, stored.meeting_id) == (
        "Gitte Gæst", "gitte@firma.example", "guest", pw.meeting.id)
    assert stored.message == "Jeg vil gerne høre om jeres netværk.\nMvh Gitte"
    # Reloading the confirmation sends nothing again (post/redirect/get).
    client.get(response.headers["Location"])
    assert _count(VisitorRequest) == 1 and _count(OutboxMessage) == 2

    result = send_pending()
    assert result.sent == 2
    [danish] = smtp_server.sink.to(pw.organizer.email)
    [english] = smtp_server.sink.to(english_organizer.email)
    assert danish.text().startswith("Hej Olga")
    assert "Gitte Gæst" in danish.subject and "gæst" in danish.subject.lower()
    assert "gitte@firma.example" in danish.text() and "Tirsdagsmøde" in danish.text()
    assert "/groups/kaffeklub-vejle/visitors" in danish.text()
    assert english.text().startswith("Hi Eve,")
    assert "gitte@firma.example" in danish.message["Reply-To"]  # Reply answers the visitor
    assert english.subject == "Gitte Gæst would like to come to Kaffeklub Vejle as a guest"
    assert "Jeg vil gerne høre om jeres netværk." in english.html()
    assert not smtp_server.sink.to(pw.listed.email)  # members who are not organizers get nothing


def test_a_membership_request_needs_no_meeting(client, pw):
    response = client.post(VISIT, data=_form(pw, kind="member", meeting_id=""))
    assert response.status_code == 303
    [stored] = db.session.scalars(select(VisitorRequest)).all()
    assert stored.kind == "member" and stored.meeting_id is None
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    assert mail.recipients == pw.organizer.email


@pytest.mark.parametrize("spam", ["honeypot", "no_token", "forged_token", "other_groups_token",
                                  "honeypot_and_bad_fields"])
def test_spam_gets_the_same_confirmation_but_nothing_is_stored_or_sent(client, pw, spam):
    overrides = {
        "honeypot": {"homepage": "http://cheap-pills.example"},
        "no_token": {"form_token": ""},
        "forged_token": {"form_token": _aged_token(pw)[:-3] + "abc"},
        "other_groups_token": {"form_token": issue_form_token(pw.private, issued_at=time.time() - 60)},
        "honeypot_and_bad_fields": {"homepage": "x", "email": "nope", "name": ""},
    }[spam]
    response = client.post(VISIT, data=_form(pw, **overrides))
    assert response.status_code == 303 and response.headers["Location"].endswith("/visit/sent")
    assert "Thank you for your request" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _count(VisitorRequest) == 0 and _count(OutboxMessage) == 0


def test_a_post_sooner_than_a_person_types_stores_nothing_and_shows_the_form_again(client, pw):
    page = client.get(VISIT).get_data(as_text=True)
    token = re.search(r'name="form_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(VISIT, data=_form(pw, form_token=token))
    again = response.get_data(as_text=True)
    # A bot learns little; a person with autofill sees what they wrote and sends it once more.
    assert response.status_code == 422 and "data-visit-notice" in again and "Gitte Gæst" in again
    assert _count(VisitorRequest) == 0 and _count(OutboxMessage) == 0


def test_sending_the_same_request_twice_reaches_the_organizers_once(client, pw):
    first = client.post(VISIT, data=_form(pw))
    second = client.post(VISIT, data=_form(pw, email="GITTE@firma.example"))  # Back, and send again
    assert first.status_code == second.status_code == 303
    assert _count(VisitorRequest) == 1 and _count(OutboxMessage) == 1
    other_kind = client.post(VISIT, data=_form(pw, kind="member", meeting_id=""))
    assert other_kind.status_code == 303 and _count(VisitorRequest) == 2


def test_a_form_left_open_over_a_day_is_shown_again_with_a_fresh_token(client, pw):
    stale = issue_form_token(pw.public, issued_at=time.time() - 2 * 24 * 3600)
    response = client.post(VISIT, data=_form(pw, form_token=stale))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "data-visit-notice" in page
    assert "Gitte Gæst" in page  # what they typed is kept
    assert stale not in page
    assert _count(VisitorRequest) == 0


def test_mistakes_are_shown_next_to_the_fields(client, pw):
    response = client.post(VISIT, data=_form(pw, name="  ", email="ikke-en-adresse", phone="abc",
                                             message="x" * 2001, kind="spion"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Please enter your name.", "Enter a valid email address.", "Use at most 2000 characters.",
                    "Please choose whether", "Please enter a phone number"):
        assert message in page, message
    no_meeting = client.post(VISIT, data=_form(pw, meeting_id="999999"))
    assert no_meeting.status_code == 422
    assert "Please choose one of the coming meetings." in no_meeting.get_data(as_text=True)
    assert _count(VisitorRequest) == 0


def test_a_meeting_of_another_group_cannot_be_chosen(client, pw):
    response = client.post(VISIT, data=_form(pw, meeting_id=str(pw.private_meeting.id)))
    assert response.status_code == 422 and _count(VisitorRequest) == 0


@pytest.mark.parametrize("field, value", [
    ("name", "Gitte\x00"), ("message", "hej \ud800"), ("email", "gitte\x00@firma.example"),
    ("meeting_id", "99999999999999999999999"), ("meeting_id", "-1"), ("meeting_id", "\x00"),
    ("kind", "\ud800"), ("phone", "+45" + "9" * 5000), ("company", "<script>alert(1)</script>"),
    ("form_token", "\x00" * 600), ("homepage", "\ud800"),
])
def test_hostile_input_is_never_a_500(client, pw, field, value):
    body = encode(list(_form(pw, **{field: value}).items()))
    response = client.post(VISIT, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 303, 422), response.status_code
    for stored in db.session.scalars(select(VisitorRequest)):
        assert "\x00" not in stored.name + stored.message + stored.email


def test_script_in_a_request_is_shown_as_text_to_the_organizer(client, login, pw):
    client.post(VISIT, data=_form(pw, company="<script>alert(1)</script>"))
    login(pw.organizer)
    page = client.get("/groups/kaffeklub-vejle/visitors").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_posts_are_rate_limited_per_address(app, client, pw):
    app.config["VISITOR_RATE_LIMIT_PER_IP"] = "2 per minute"
    for n in range(2):
        assert client.post(VISIT, data=_form(pw, email=f"v{n}@firma.example"),
                           environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 303
    limited = client.post(VISIT, data=_form(pw, email="v2@firma.example"),
                          environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert limited.status_code == 429
    assert "Too many attempts" in limited.get_data(as_text=True)
    assert client.post(VISIT, data=_form(pw, email="v3@firma.example"),
                       environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 303
    assert client.get(VISIT, environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200  # showing is free
    assert _count(VisitorRequest) == 3


def test_organizers_see_the_requests_with_the_retention_and_mark_them_handled(app, client, login, pw):
    app.config["VISITOR_REQUEST_RETENTION_DAYS"] = 90
    client.post(VISIT, data=_form(pw))
    [stored] = db.session.scalars(select(VisitorRequest)).all()
    login(pw.organizer)
    page = client.get("/groups/kaffeklub-vejle/visitors").get_data(as_text=True)
    assert "Gitte Gæst" in page and "gitte@firma.example" in page and "kept for 90 days" in page
    assert "data-handled" not in page
    response = client.post(f"/groups/kaffeklub-vejle/visitors/{stored.id}/handled")
    assert response.status_code == 302
    db.session.refresh(stored)
    assert stored.handled_at is not None and stored.handled_by_id == pw.organizer.id
    assert "data-handled" in client.get("/groups/kaffeklub-vejle/visitors").get_data(as_text=True)


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("member", 403), ("other_organizer", 403),
                                            ("admin", 200)])
def test_only_the_groups_organizers_and_admins_see_the_requests(client, login, pw, role, expected):
    client.post(VISIT, data=_form(pw))
    [stored] = db.session.scalars(select(VisitorRequest)).all()
    if role == "member":
        login(pw.listed)
    elif role == "other_organizer":
        login(create_organizer(pw.private))
    elif role == "admin":
        login(create_admin())
    assert client.get("/groups/kaffeklub-vejle/visitors").status_code == expected
    handled = client.post(f"/groups/kaffeklub-vejle/visitors/{stored.id}/handled")
    db.session.refresh(stored)
    assert (stored.handled_at is not None) == (role == "admin")
    assert handled.status_code == (302 if role in ("anonymous", "admin") else expected)


def test_a_request_of_another_group_cannot_be_marked_through_mine(client, login, pw):
    client.post(VISIT, data=_form(pw))
    [stored] = db.session.scalars(select(VisitorRequest)).all()
    other = create_member(name="Anden Arrangør")
    pw.private.is_public = True
    db.session.commit()
    from app.models import Membership
    db.session.add(Membership(member=other, group=pw.private, role="organizer"))
    db.session.commit()
    login(other)
    assert client.post(f"/groups/lukket-klub/visitors/{stored.id}/handled").status_code == 404
    db.session.refresh(stored)
    assert stored.handled_at is None
