"""Self check-in with the meeting's QR code: the signed address, the window, who may use it."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # our own response, not untrusted input
from datetime import timedelta

import pytest
import segno
from sqlalchemy import select

from app.checkin import links
from app.extensions import db
from app.models import CheckIn, CheckInVia
from tests.web.checkin_helpers import build_door


@pytest.fixture
def door(app, english):
    return build_door()


def _token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _checkins(meeting_id):
    return list(db.session.scalars(select(CheckIn).where(CheckIn.meeting_id == meeting_id)))


def test_qr_svg_is_svg_of_the_signed_address(client, login, door):
    login(door.organizer)
    page = client.get(f"/meetings/{door.meeting.id}/checkin/qr")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    url = links.checkin_url(door.meeting.id)
    assert url in html and f"/meetings/{door.meeting.id}/checkin/qr.svg" in html
    svg = client.get(f"/meetings/{door.meeting.id}/checkin/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.data)  # noqa: S314 (the app's own SVG)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # The same SVG as segno makes for that address (decoding a QR image needs more than the stdlib).
    expected = links.qr_svg(url)
    assert svg.data == expected
    assert segno.make(url, error="m").designator  # a valid symbol for the address
    assert links.read_checkin_token(_token_of(url)) == door.meeting.id


@pytest.mark.parametrize("role, status", [("outsider", 404), ("member", 403), ("admin", 200)])
def test_only_organizers_see_the_qr_code(app, login, door, role, status):
    client = app.test_client()
    login(door.person(role), test_client=client)
    assert client.get(f"/meetings/{door.meeting.id}/checkin/qr").status_code == status
    assert client.get(f"/meetings/{door.meeting.id}/checkin/qr.svg").status_code == status


def test_member_checks_in_with_the_qr_address(client, login, door):
    login(door.walker)  # in the group, did not sign up
    url = links.checkin_url(door.meeting.id)
    path = "/checkin/" + _token_of(url)
    page = client.get(path)
    assert page.status_code == 200 and "data-self-button" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    done = client.post(path)
    assert done.status_code == 303
    assert "Welcome" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert client.post(path).status_code == 303  # again: nothing new
    # The QR code scanned again:
    assert "You are already checked in." in client.get(path).get_data(as_text=True)
    rows = _checkins(door.meeting.id)
    assert len(rows) == 1 and rows[0].member_id == door.walker.id and rows[0].via == CheckInVia.SELF.value
    assert rows[0].walk_in


def test_login_first_then_back(client, door):
    path = "/checkin/" + links.checkin_token(door.meeting.id)
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"] and "next=" in response.headers["Location"]


def test_non_member_is_told_to_see_the_organizer(client, login, door):
    login(door.outsider)
    path = "/checkin/" + links.checkin_token(door.meeting.id)
    page = client.get(path)
    assert page.status_code == 403
    assert "talk to the organizer" in page.get_data(as_text=True)
    assert door.meeting.title not in page.get_data(as_text=True)
    assert client.post(path).status_code == 403
    assert _checkins(door.meeting.id) == []


def test_tampered_and_other_meetings_tokens_are_refused(client, login, door):
    login(door.member)
    token = links.checkin_token(door.meeting.id)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get("/checkin/" + tampered).status_code == 404
    assert client.post("/checkin/" + token + "x").status_code == 404
    assert client.get("/checkin/" + links.checkin_token(door.meeting.id + 1000)).status_code == 404
    from itsdangerous import URLSafeSerializer
    other_salt = URLSafeSerializer(client.application.secret_key, salt="kaffeklub.rsvp.answer.v1")
    assert client.get("/checkin/" + other_salt.dumps(door.meeting.id)).status_code == 404
    assert client.get("/checkin/" + links._serializer().dumps("1")).status_code == 404
    assert client.get("/checkin/%00").status_code in (400, 404)
    assert _checkins(door.meeting.id) == []


def test_a_token_works_only_for_its_meeting(app, client, login, door):
    from tests.factories import create_meeting

    second = create_meeting(group=door.group, starts_at=door.meeting.starts_at, ends_at=door.meeting.ends_at)
    login(door.member)
    client.post("/checkin/" + links.checkin_token(second.id))
    rows = db.session.scalars(select(CheckIn)).all()
    assert [r.meeting_id for r in rows] == [second.id]


@pytest.mark.parametrize("starts_in, length, words", [
    (timedelta(hours=3), timedelta(minutes=90), "has not opened yet"),
    (timedelta(hours=-4), timedelta(minutes=90), "is over"),
])
def test_outside_the_window(app, client, login, starts_in, length, words):
    door = build_door(starts_in=starts_in, length=length)
    login(door.member)
    path = "/checkin/" + links.checkin_token(door.meeting.id)
    assert words in client.get(path).get_data(as_text=True)
    response = client.post(path)
    assert response.status_code == 409 and words in response.get_data(as_text=True)
    assert _checkins(door.meeting.id) == []


def test_window_edges_follow_the_config(app, client, login):
    app.config["SELF_CHECKIN_MINUTES_BEFORE"] = 200
    door = build_door(starts_in=timedelta(hours=3))
    login(door.member)
    assert client.post("/checkin/" + links.checkin_token(door.meeting.id)).status_code == 303


def test_cancelled_and_closed_meetings_refuse(client, login, door):
    login(door.member)
    path = "/checkin/" + links.checkin_token(door.meeting.id)
    door.meeting.status = "cancelled"
    db.session.commit()
    assert client.post(path).status_code == 409
    door.meeting.status = "scheduled"
    from app.models import utcnow
    door.meeting.closed_at = utcnow()
    db.session.commit()
    assert "check-in is over" in client.post(path).get_data(as_text=True)
    assert _checkins(door.meeting.id) == []
