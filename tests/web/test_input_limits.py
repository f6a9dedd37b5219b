"""Issue 8: sane input limits, the same on the web and in the API.

- A meeting's capacity is at most MAX_CAPACITY (1000) seats: 100000000000 or 2 billion for a
  breakfast meeting is a typo, refused with a clear message on the field (web, API, series).
- A phone number is digits, spaces, + - ( ) . and an optional extension, at most 40 characters,
  trimmed: "abc <b>" is refused on the profile, the admin's and the organizer's "new member"
  forms (an invitation), the CSV import, and the API's document says the maximum.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.meetings.validation import MAX_CAPACITY
from app.members import csv_io
from app.models import GroupInvitation, Meeting, Member
from tests.factories import build_world, client_for, create_group, create_member, create_organizer
from tests.web.api_helpers import assert_problem, bearer, token_for

MEETING = {"title": "Morgenmøde", "date": "2031-01-15", "start_time": "08:30", "end_time": "10:00"}
SERIES = {"title": "Morgenmøde", "frequency": "weekly", "weekday": 2, "starts_on": "2031-01-01",
          "ends_on": "2031-02-01", "start_time": "08:30", "end_time": "10:00", "dry_run": True}
TOO_MANY = "A meeting can have at most 1000 seats (or leave it empty for no limit)."
BAD_PHONE = ("Please enter a phone number with digits, spaces and + - ( ) . only, optionally with an "
             "extension (e.g. +45 12 34 56 78 ext. 12).")


@pytest.fixture
def org(app):
    group = create_group(slug="aarhus")
    organizer = create_organizer(group)
    db.session.commit()
    return group, organizer


# --- capacity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("capacity", [MAX_CAPACITY + 1, 2_000_000_000, 100_000_000_000])
def test_api_refuses_a_capacity_beyond_the_maximum(client, org, capacity):
    group, organizer = org
    headers = bearer(token_for(organizer))
    response = client.post(f"/api/v1/groups/{group.slug}/meetings?lang=en",
                           json={**MEETING, "capacity": capacity}, headers=headers)
    errors = assert_problem(response, 422)["errors"]
    if capacity <= 2**31 - 1:
        assert errors["capacity"] == [TOO_MANY]
    else:
        assert errors["capacity"] == ["The number is too large."]
    response = client.post(f"/api/v1/groups/{group.slug}/series?lang=en",
                           json={**SERIES, "capacity": capacity}, headers=headers)
    assert "capacity" in assert_problem(response, 422)["errors"]
    assert db.session.scalar(select(Meeting.id)) is None


def test_api_accepts_the_maximum_and_patch_refuses_more(client, org):
    group, organizer = org
    headers = bearer(token_for(organizer))
    created = client.post(f"/api/v1/groups/{group.slug}/meetings",
                          json={**MEETING, "capacity": MAX_CAPACITY}, headers=headers)
    assert created.status_code == 201
    meeting_id = created.get_json()["id"]
    response = client.patch(f"/api/v1/meetings/{meeting_id}?lang=en", json={"capacity": MAX_CAPACITY + 1},
                            headers=headers)
    assert assert_problem(response, 422)["errors"]["capacity"] == [TOO_MANY]
    assert db.session.get(Meeting, meeting_id).capacity == MAX_CAPACITY


def test_web_refuses_a_capacity_beyond_the_maximum_with_the_same_message(client, login, org, english):
    group, organizer = org
    login(organizer)
    response = client.post(f"/groups/{group.slug}/meetings/new", data={**MEETING, "capacity": "100000000"})
    assert response.status_code in (200, 422)
    assert TOO_MANY in response.get_data(as_text=True)
    assert db.session.scalar(select(Meeting.id)) is None
    response = client.post(f"/groups/{group.slug}/meetings/new", data={**MEETING, "capacity": "1000"})
    assert response.status_code == 302
    assert db.session.scalar(select(Meeting.capacity)) == 1000


def test_the_document_says_the_capacity_maximum(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("MeetingInput", "MeetingPatch", "SeriesInput"):
        assert schemas[name]["properties"]["capacity"]["maximum"] == MAX_CAPACITY


# --- phone numbers ------------------------------------------------------------------------------

GOOD_PHONES = [("+45 12 34 56 78", "+45 12 34 56 78"), ("  (+45)  1234-5678 ", "(+45) 1234-5678"),
               ("12.34.56.78", "12.34.56.78"), ("+45 70 10 20 30 ext. 12", "+45 70 10 20 30 ext. 12"),
               ("", "")]
BAD_PHONES = ["abc <b>", "12", "+45 12 34 <script>", "ring til mig", "1" * 38 + "xx"]


def _profile(phone: str) -> dict[str, str]:
    return {"name": "Mads Maler", "language": "en", "phone": phone}


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_profile_refuses_a_phone_number_that_is_not_one(client, login, app, english, phone):
    member = create_member(name="Mads Maler", phone="+45 11 22 33 44")
    db.session.commit()
    login(member)
    response = client.post("/profile", data=_profile(phone))
    assert response.status_code in (200, 422)
    assert BAD_PHONE in response.get_data(as_text=True)
    db.session.refresh(member)
    assert member.phone == "+45 11 22 33 44"


@pytest.mark.parametrize(("phone", "stored"), GOOD_PHONES)
def test_profile_keeps_a_phone_number_trimmed(client, login, app, phone, stored):
    member = create_member(name="Mads Maler")
    db.session.commit()
    login(member)
    assert client.post("/profile", data=_profile(phone)).status_code == 302
    db.session.refresh(member)
    assert member.phone == stored


def _new_member(group_id: int, phone: str) -> dict[str, str]:
    return {"name": "Nina Ny", "email": "nina@example.dk", "phone": phone, "company": "Ny ApS", "title": "",
            "industry": "", "competencies": "", "bio": "", "website": "", "language": "en",
            "group_id": str(group_id), "role": "member"}


@pytest.mark.parametrize("role", ["admin", "organizer"])
def test_new_member_and_invitation_refuse_a_bad_phone_number(app, login, english, role):
    world = build_world()
    client = client_for(app, login, world, role)
    response = client.post("/admin/members/new", data=_new_member(world.a.id, "abc <b>"))
    assert response.status_code in (200, 422)
    assert BAD_PHONE in response.get_data(as_text=True)
    assert db.session.scalar(select(Member).where(Member.email == "nina@example.dk")) is None
    assert db.session.scalar(select(GroupInvitation)) is None
    response = client.post("/admin/members/new", data=_new_member(world.a.id, " +45 12 34 56 78 "))
    assert response.status_code == 302


def test_admin_edit_refuses_a_bad_phone_number(app, login, english):
    world = build_world()
    client = client_for(app, login, world, "admin")
    page = client.get(f"/admin/members/{world.member.id}/edit")
    assert page.status_code == 200
    response = client.post(f"/admin/members/{world.member.id}/edit",
                           data={"name": world.member.name, "email": world.member.email, "phone": "abc <b>",
                                 "language": "da"})
    assert BAD_PHONE in response.get_data(as_text=True)
    db.session.refresh(world.member)
    assert world.member.phone == "+45 11 22 33 44"


def test_csv_import_marks_a_bad_phone_number_on_its_row():
    data = ("navn;e-mail;telefon\nMads;mads@example.dk;abc <b>\nNina;nina@example.dk; +45 12 34 56 78 \n")
    preview = csv_io.parse_members_csv(data)
    bad, good = preview.rows
    assert [m.code for m in bad.errors] == ["phone_invalid"]
    assert bad.errors[0].params == {"phone": "abc <b>"}
    assert good.errors == [] and good.phone == "+45 12 34 56 78"
