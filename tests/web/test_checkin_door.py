"""The door's check-in page: the list, one tap to check in and to undo, walk-ins, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CheckIn, CheckInVia
from tests.web.checkin_helpers import build_door
from tests.web.form_helpers import encode

FETCH = {"X-Checkin": "fetch"}


@pytest.fixture
def door(app, english):
    return build_door()


def _checkins(meeting_id: int) -> list[CheckIn]:
    query = select(CheckIn).where(CheckIn.meeting_id == meeting_id).order_by(CheckIn.id)
    return list(db.session.scalars(query))


def test_door_page_lists_the_expected_and_counts(client, login, door):
    login(door.organizer)
    page = client.get(f"/meetings/{door.meeting.id}/checkin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("Mads Madsen", "Bodil Bager", "Gitte Gæst"):
        assert name in html
    assert "Willy Walker" in html  # in the walk-in picker, not in the list
    assert f'data-person="m{door.walker.id}"' not in html
    assert "0 of 3 have checked in" in html
    assert page.headers["Cache-Control"] == "no-store"


def test_search_without_javascript_filters_the_list(client, login, door):
    login(door.organizer)
    html = client.get(f"/meetings/{door.meeting.id}/checkin?q=bager").get_data(as_text=True)
    assert "Bodil Bager" in html
    assert f'data-person="m{door.member.id}"' not in html
    html = client.get(f"/meetings/{door.meeting.id}/checkin?q=maling mads").get_data(as_text=True)
    assert f'data-person="m{door.member.id}"' in html


def test_search_folds_danish_letters_and_accents(client, login, door):
    """People type without a Danish keyboard: "gaest", "gast" and "GÆST" all find Gitte Gæst."""
    login(door.organizer)
    for query in ("gaest", "gast", "GÆST", "gæs"):
        page = client.get(f"/meetings/{door.meeting.id}/checkin", query_string={"q": query})
        html = page.get_data(as_text=True)
        assert "Gitte Gæst" in html, query
        assert f'data-person="m{door.member.id}"' not in html
    # The rows carry the folded text the page's script filters on.
    html = client.get(f"/meetings/{door.meeting.id}/checkin").get_data(as_text=True)
    assert 'data-search="gitte gast' in html


def test_fold_matches_how_people_type_danish_names():
    from app.checkin.services import fold
    assert fold("Søren Østergård") == fold("soren ostergard") == fold("SOEREN OESTERGAARD")
    assert fold("Aarhus") == fold("Århus") and fold("Ærø") == fold("aero")
    assert fold("José") == "jose"


def test_check_in_then_undo_redirects_and_is_idempotent(client, login, door):
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}/checkin"
    key = f"m{door.member.id}"
    response = client.post(url + "/in", data={"key": key, "q": "mads"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/checkin?q=mads#p-{key}")
    again = client.post(url + "/in", data={"key": key})  # a reload, Back, a second tablet
    assert again.status_code == 303
    rows = _checkins(door.meeting.id)
    assert len(rows) == 1 and rows[0].member_id == door.member.id and rows[0].via == CheckInVia.DOOR.value
    assert rows[0].walk_in is False and rows[0].checked_in_by_id == door.organizer.id
    page = client.get(url).get_data(as_text=True)
    assert "1 of 3 have checked in" in page
    assert client.post(url + "/undo", data={"key": key}).status_code == 303
    assert client.post(url + "/undo", data={"key": key}).status_code == 303
    assert _checkins(door.meeting.id) == []


def test_fetch_tap_answers_json_with_the_counts(client, login, door):
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}/checkin"
    response = client.post(url + "/in", data={"key": f"g{door.guest.id}"}, headers=FETCH)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["created"] and body["checked_in"] and body["key"] == f"g{door.guest.id}"
    assert body["counts"]["expected_here"] == 1 and body["counts"]["text"] == "1 of 3 have checked in"
    second = client.post(url + "/in", data={"key": f"g{door.guest.id}"}, headers=FETCH).get_json()
    assert second["ok"] and not second["created"] and second["checked_in"]
    undone = client.post(url + "/undo", data={"key": f"g{door.guest.id}"}, headers=FETCH).get_json()
    assert undone["ok"] and undone["created"] and not undone["checked_in"]


def test_walk_in_member_and_new_guest(client, login, door):
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}/checkin"
    assert client.post(url + "/walk-in", data={"walkin-member_id": str(door.walker.id)}).status_code == 303
    visitor = {"visitor-name": "Vera Visitor", "visitor-email": "vera@example.test",
               "visitor-company": "Vera ApS", "visitor-brought_by_id": str(door.member.id)}
    assert client.post(url + "/visitor", data=visitor).status_code == 303
    assert client.post(url + "/visitor", data=visitor).status_code == 303  # a double tap: one visitor
    rows = _checkins(door.meeting.id)
    assert len(rows) == 2
    member_row, visitor_row = rows
    assert member_row.member_id == door.walker.id and member_row.walk_in
    assert visitor_row.name == "Vera Visitor" and visitor_row.walk_in
    assert visitor_row.brought_by_id == door.member.id
    html = client.get(url).get_data(as_text=True)
    assert "0 of 3 have checked in · 2 came without signing up" in html
    assert "walk-in, brought by Mads Madsen" in html
    # A visitor without an e-mail address is fine; a member's address is refused with a message.
    assert client.post(url + "/visitor", data={"visitor-name": "Nameless Ned"}).status_code == 303
    refused = client.post(url + "/visitor", data={"visitor-name": "X", "visitor-email": door.second.email})
    assert refused.status_code == 422
    assert "is a member of the group" in refused.get_data(as_text=True)
    blank = client.post(url + "/visitor", data={"visitor-name": "  "})
    assert blank.status_code == 422 and "Please enter the name." in blank.get_data(as_text=True)


def test_a_signed_up_guest_typed_in_as_a_visitor_is_checked_in_as_the_guest(client, login, door):
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}/checkin"
    client.post(url + "/visitor", data={"visitor-name": "Gitte", "visitor-email": "GITTE@example.test"})
    rows = _checkins(door.meeting.id)
    assert [r.guest_id for r in rows] == [door.guest.id]


def test_undo_of_a_visitor_removes_them(client, login, door):
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}/checkin"
    client.post(url + "/visitor", data={"visitor-name": "Vera Visitor"})
    visitor = _checkins(door.meeting.id)[0]
    body = client.post(url + "/undo", data={"key": f"v{visitor.id}"}, headers=FETCH).get_json()
    assert body["ok"] and body["key"] is None
    assert _checkins(door.meeting.id) == []


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("outsider", 404), ("member", 403),
                                          ("organizer", 200), ("admin", 200)])
def test_who_may_use_the_door(app, login, door, role, status):
    client = app.test_client()
    person = door.person(role)
    if person is not None:
        login(person, test_client=client)
    url = f"/meetings/{door.meeting.id}/checkin"
    assert client.get(url).status_code == status
    tap = client.post(url + "/in", data={"key": f"m{door.member.id}"})
    assert tap.status_code == (303 if status == 200 else status)
    assert len(_checkins(door.meeting.id)) == (1 if status == 200 else 0)


def test_a_cancelled_meeting_refuses(client, login, door):
    door.meeting.status = "cancelled"
    db.session.commit()
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}/checkin"
    assert "nobody can check in" in client.get(url).get_data(as_text=True)
    response = client.post(url + "/in", data={"key": f"m{door.member.id}"}, headers=FETCH)
    assert response.status_code == 409 and "cancelled" in response.get_json()["message"]
    assert _checkins(door.meeting.id) == []


def test_check_in_opens_on_the_meeting_day(app, client, login):
    door = build_door(starts_in=timedelta(days=3))
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}/checkin"
    assert "Check-in opens" in client.get(url).get_data(as_text=True)
    response = client.post(url + "/in", data={"key": f"m{door.member.id}"}, headers=FETCH)
    assert response.status_code == 409
    assert _checkins(door.meeting.id) == []


@pytest.mark.parametrize("key", ["m0", "x1", "m99999999999", "m\x00", "\ud800", "", "g1" * 50, "m-1", "v7"])
def test_hostile_keys_are_refused_without_a_500(client, login, door, key):
    login(door.organizer)
    response = client.post(f"/meetings/{door.meeting.id}/checkin/in", data=encode([("key", key)]),
                           headers={**FETCH, "Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= response.status_code < 500
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_hostile_search_and_visitor_fields(client, login, door):
    login(door.organizer)
    url = f"/meetings/{door.meeting.id}/checkin"
    assert client.get(url + "?q=%00").status_code in (200, 400)
    assert client.get(url + "?q=" + "x" * 5000).status_code == 200
    response = client.post(url + "/visitor",
                           data={"visitor-name": "A\x00B", "visitor-brought_by_id": "99999999999"})
    assert response.status_code in (400, 422)
    response = client.post(url + "/walk-in", data={"walkin-member_id": "99999999999"})
    assert response.status_code in (303, 400, 422)
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
    # Invalid UTF-8 in a body is read with replacement characters: stored, never a 500.
    response = client.post(url + "/visitor", data=encode([("visitor-name", "A\ud800B")]),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (303, 400, 422)
    assert all("\ud800" not in row.name for row in _checkins(door.meeting.id))
    assert client.get("/meetings/99999999999/checkin").status_code == 404


def test_close_button_only_once_the_meeting_has_started(client, login, door):
    """Before the start the door page offers no Close (its page would only say "not yet")."""
    login(door.organizer)
    close = f'href="/meetings/{door.meeting.id}/close"'
    assert close not in client.get(f"/meetings/{door.meeting.id}/checkin").get_data(as_text=True)
    started = build_door(starts_in=timedelta(minutes=-5))
    login(started.organizer)
    assert f'href="/meetings/{started.meeting.id}/close"' in client.get(
        f"/meetings/{started.meeting.id}/checkin").get_data(as_text=True)
