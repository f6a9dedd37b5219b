"""The meetings JSON API: list, create, read, PATCH (this / following), cancel (this / rest of
series), series dry run and creation; by role, with validation errors as problem+json."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule
from flask_babel import force_locale
from openapi_spec_validator import validate
from sqlalchemy import func, select

from app.extensions import db
from app.meetings.messages import reason_label
from app.models import Meeting, MeetingSeries, utcnow
from tests.factories import MEETING_ROLES as ROLES
from tests.factories import MeetingWorld as World
from tests.factories import build_meeting_world as make_world
from tests.factories import create_meeting, create_member
from tests.web.api_helpers import assert_problem, assert_unauthorized, bearer, token_for
from tests.web.meeting_helpers import API_NEW_MEETING as NEW_MEETING
from tests.web.meeting_helpers import API_SERIES as SERIES

CPH = ZoneInfo("Europe/Copenhagen")




@pytest.fixture
def world(app) -> World:
    return make_world()


def headers_for(world: World, role: str) -> dict[str, str]:
    user = world.user(role)
    return bearer(token_for(user)) if user is not None else {}


def meeting_count() -> int:
    return db.session.scalar(select(func.count(Meeting.id)))


def series_count() -> int:
    return db.session.scalar(select(func.count(MeetingSeries.id)))


def third_wednesdays(year: int, skip=(7,)) -> list[date]:
    rule = rrule.rrule(rrule.MONTHLY, byweekday=rrule.WE(3), dtstart=datetime(year, 1, 1),
                       until=datetime(year, 12, 31))
    return [d.date() for d in rule if d.month not in skip]


def meetings_url(world: World, **query) -> str:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/groups/{world.group.slug}/meetings" + (f"?{params}" if params else "")


def create_series_via_api(client, world: World, body=None, role="organizer", query=""):
    return client.post(f"/api/v1/groups/{world.group.slug}/series{query}", json=body or SERIES,
                       headers=headers_for(world, role))


# --- reading, by role ---------------------------------------------------------------------------

READ_EXPECT = {"anonymous": 404, "outsider": 404, "member": 200, "organizer": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_list_of_a_members_only_group_by_role(client, world, role):
    response = client.get(meetings_url(world, **{"from": "2031-03-01", "to": "2031-03-31"}),
                          headers=headers_for(world, role))
    if READ_EXPECT[role] == 404:
        assert_problem(response, 404)
        return
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert [m["id"] for m in response.json] == [world.meeting.id]


@pytest.mark.parametrize("role", ROLES)
def test_get_meeting_of_a_members_only_group_by_role(client, world, role):
    response = client.get(f"/api/v1/meetings/{world.meeting.id}", headers=headers_for(world, role))
    if READ_EXPECT[role] == 404:
        assert_problem(response, 404)
    else:
        assert response.status_code == 200
        assert response.json["title"] == "Morgenmøde i marts"


def test_unknown_meeting_and_group_are_404(client, world):
    headers = headers_for(world, "admin")
    assert_problem(client.get("/api/v1/meetings/999999", headers=headers), 404)
    assert_problem(client.get("/api/v1/groups/findes-ikke/meetings", headers=headers), 404)


@pytest.mark.parametrize("role", ROLES)
def test_public_group_is_readable_by_all_but_host_and_online_link_only_for_members(client, app, role):
    world = make_world(public=True)
    world.meeting.host_member_id = world.member.id
    world.meeting.online_url = "https://meet.example/kaffe"
    db.session.commit()
    headers = headers_for(world, role)
    listing = client.get(meetings_url(world, **{"from": "2031-01-01"}), headers=headers)
    single = client.get(f"/api/v1/meetings/{world.meeting.id}", headers=headers)
    assert listing.status_code == 200 and single.status_code == 200
    assert listing.json == [single.json]
    insider = role in ("member", "organizer", "admin")
    venue = single.json["venue"]
    host = venue["host"] and {key: venue["host"][key] for key in ("id", "name")}  # + company, contact
    assert host == ({"id": world.member.id, "name": "Mads Member"} if insider else None)
    assert single.json["online_url"] == ("https://meet.example/kaffe" if insider else None)


def test_meeting_representation(client, world):
    meeting = world.meeting
    meeting.doors_open_at = datetime(2031, 3, 5, 7, 0, tzinfo=UTC)
    meeting.rsvp_deadline = datetime(2031, 3, 4, 11, 0, tzinfo=UTC)
    meeting.capacity = 25
    meeting.agenda = "Oplæg"
    meeting.host_member_id = world.member.id
    db.session.commit()
    body = client.get(f"/api/v1/meetings/{meeting.id}", headers=headers_for(world, "member")).json
    assert body == {
        "id": meeting.id,
        "group": world.group.slug,
        "series_id": None,
        "title": "Morgenmøde i marts",
        "starts_at": "2031-03-05T08:30:00+01:00",
        "ends_at": "2031-03-05T10:00:00+01:00",
        "doors_open_at": "2031-03-05T08:00:00+01:00",
        "timezone": "Europe/Copenhagen",
        "venue": {
            "name": meeting.venue_name,
            "address": "Bredgade 1, 7400 Herning",
            "map_url": "https://www.openstreetmap.org/search?query=Bredgade+1%2C+7400+Herning",
            "host": {"id": world.member.id, "name": "Mads Member", "company": world.member.company,
                     "email": world.member.email, "phone": world.member.phone or None},
        },
        "online_url": None,
        "capacity": 25,
        "rsvp_deadline": "2031-03-04T12:00:00+01:00",
        "guests_welcome": True,
        "agenda": "Oplæg",
        "status": "scheduled",
        "cancelled_at": None,
        "cancel_reason": "",
        "sequence": 0,
        "url": f"http://localhost/meetings/{meeting.id}",
    }


def test_summer_time_meetings_carry_the_summer_offset(client, world):
    summer = create_meeting(group=world.group, starts_at=datetime(2031, 6, 4, 6, 30, tzinfo=UTC))
    body = client.get(f"/api/v1/meetings/{summer.id}", headers=headers_for(world, "member")).json
    assert body["starts_at"] == "2031-06-04T08:30:00+02:00"


# --- the from/to window -------------------------------------------------------------------------

def test_list_window_with_dates_and_datetimes(client, world):
    group = world.group
    april = create_meeting(group=group, starts_at=datetime(2031, 4, 2, 6, 30, tzinfo=UTC))
    may = create_meeting(group=group, starts_at=datetime(2031, 5, 7, 6, 30, tzinfo=UTC))
    headers = headers_for(world, "member")

    def ids(**query):
        response = client.get(meetings_url(world, **query), headers=headers)
        assert response.status_code == 200, response.json
        return [m["id"] for m in response.json]

    assert ids(**{"from": "2031-01-01"}) == [world.meeting.id, april.id, may.id]
    # A date as `to` includes that whole day; a date-time is exclusive.
    assert ids(**{"from": "2031-03-05", "to": "2031-04-02"}) == [world.meeting.id, april.id]
    assert ids(**{"from": "2031-03-06", "to": "2031-04-02T08:30:00%2B02:00"}) == []
    assert ids(**{"from": "2031-04-02T08:30", "to": "2031-12-31"}) == [april.id, may.id]  # naive = local
    assert ids(**{"from": "2031-04-02T08:31"}) == [may.id]


def test_list_defaults_to_meetings_from_today(client, world):
    past = create_meeting(group=world.group, starts_at=utcnow() - timedelta(days=30))
    response = client.get(meetings_url(world), headers=headers_for(world, "member"))
    ids = [m["id"] for m in response.json]
    assert world.meeting.id in ids and past.id not in ids


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "yesterday"}, "from"),
    ({"to": "2031-13-01"}, "to"),
    ({"from": "2031-05-01", "to": "2031-04-01"}, "to"),
])
def test_list_window_errors_are_422_with_the_parameter_named(client, world, query, field):
    body = assert_problem(client.get(meetings_url(world, **query), headers=headers_for(world, "member")), 422)
    assert field in body["errors"]


# --- create -------------------------------------------------------------------------------------

CREATE_EXPECT = {"anonymous": 401, "outsider": 404, "member": 403, "organizer": 201, "admin": 201}


@pytest.mark.parametrize("role", ROLES)
def test_create_meeting_by_role(client, world, role):
    before = meeting_count()
    response = client.post(meetings_url(world), json=NEW_MEETING, headers=headers_for(world, role))
    expected = CREATE_EXPECT[role]
    if expected == 201:
        assert response.status_code == 201
        meeting = db.session.get(Meeting, response.json["id"])
        assert response.headers["Location"] == f"/api/v1/meetings/{meeting.id}"
        assert meeting.starts_at == datetime(2031, 1, 15, 7, 30, tzinfo=UTC)
        assert meeting.rsvp_deadline == datetime(2031, 1, 14, 11, 0, tzinfo=UTC)
        assert response.json["starts_at"] == "2031-01-15T08:30:00+01:00"
        assert response.json["capacity"] == 30 and response.json["venue"]["name"] == "Revisorhuset"
        assert [c.action for c in meeting.changes] == ["created"]
        assert meeting_count() == before + 1
    else:
        if expected == 401:
            assert_unauthorized(response)
        else:
            assert_problem(response, expected)
        assert meeting_count() == before


def test_outsider_gets_403_on_a_public_group(client, app):
    world = make_world(public=True)
    response = client.post(meetings_url(world), json=NEW_MEETING, headers=headers_for(world, "outsider"))
    assert_problem(response, 403)


@pytest.mark.parametrize(("change", "field"), [
    ({"end_time": "08:00"}, "end_time"),  # end before start
    ({"capacity": -5}, "capacity"),
    ({"capacity": 0}, "capacity"),
    ({"rsvp_deadline": "2031-01-15T09:00"}, "rsvp_deadline"),  # after the start
    ({"timezone": "Europe/Atlantis"}, "timezone"),
    ({"title": ""}, "title"),
    ({"date": "2031-02-30"}, "date"),
    ({"start_time": "25:00"}, "start_time"),
    ({"doors_open_time": "09:00"}, "doors_open_time"),
    ({"online_url": "javascript:alert(1)"}, "online_url"),
    ({"host_member_id": 999999}, "host_member_id"),
])
def test_create_with_invalid_values_is_422_with_field_errors_and_creates_nothing(
    client, world, change, field
):
    before = meeting_count()
    response = client.post(meetings_url(world), json={**NEW_MEETING, **change},
                           headers=headers_for(world, "organizer"))
    body = assert_problem(response, 422)
    assert list(body["errors"]) == [field], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert meeting_count() == before


def test_missing_required_fields_are_each_named(client, world):
    response = client.post(meetings_url(world), json={}, headers=headers_for(world, "organizer"))
    body = assert_problem(response, 422)
    assert {"title", "date", "start_time", "end_time"} <= set(body["errors"])


@pytest.mark.parametrize(("change", "field"), [
    ({"capacity": "many"}, "capacity"),
    ({"capacity": 2.5}, "capacity"),
    ({"title": 42}, "title"),
    ({"guests_welcome": "perhaps"}, "guests_welcome"),
    ({"colour": "blue"}, "colour"),  # unknown fields are refused, not ignored
])
def test_wrong_json_types_are_422_with_flat_field_errors(client, world, change, field):
    before = meeting_count()
    response = client.post(meetings_url(world), json={**NEW_MEETING, **change},
                           headers=headers_for(world, "organizer"))
    body = assert_problem(response, 422)
    assert field in body["errors"] and isinstance(body["errors"][field], list)
    assert meeting_count() == before


def test_malformed_json_is_400_problem(client, world):
    headers = {**headers_for(world, "organizer"), "Content-Type": "application/json"}
    response = client.post(meetings_url(world), data='{"title": "Morgen', headers=headers)
    assert_problem(response, 400)
    response = client.post(meetings_url(world), json=["not", "an", "object"], headers=headers)
    assert_problem(response, 422)
    assert meeting_count() == 1


def test_validation_messages_follow_lang_and_accept_language(client, world):
    data = {**NEW_MEETING, "timezone": "Mars/Olympus"}
    headers = headers_for(world, "organizer")
    english = client.post(meetings_url(world, lang="en"), json=data, headers=headers).json
    assert english["errors"]["timezone"] == ["Unknown time zone: Mars/Olympus"]
    accepted = client.post(meetings_url(world), json=data,
                           headers={**headers, "Accept-Language": "en-GB"}).json
    assert accepted["errors"] == english["errors"]
    assert_problem(client.post(meetings_url(world, lang="xx"), json=data, headers=headers), 422)


# --- PATCH ----------------------------------------------------------------------------------------

MANAGE_EXPECT = {"anonymous": 401, "outsider": 404, "member": 403, "organizer": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_patch_by_role(client, world, role):
    response = client.patch(f"/api/v1/meetings/{world.meeting.id}", json={"title": "Nyt navn"},
                            headers=headers_for(world, role))
    expected = MANAGE_EXPECT[role]
    if expected == 200:
        assert response.status_code == 200 and response.json["title"] == "Nyt navn"
    elif expected == 401:
        assert_unauthorized(response)
    else:
        assert_problem(response, expected)
    assert (world.meeting.title == "Nyt navn") is (expected == 200)


def test_patch_changes_only_the_given_fields(client, world):
    meeting = world.meeting
    headers = headers_for(world, "organizer")
    response = client.patch(f"/api/v1/meetings/{meeting.id}", json={"capacity": 12}, headers=headers)
    assert response.status_code == 200
    assert meeting.capacity == 12 and meeting.sequence == 0  # not a move
    assert meeting.title == "Morgenmøde i marts"
    assert meeting.starts_at == datetime(2031, 3, 5, 7, 30, tzinfo=UTC)

    response = client.patch(f"/api/v1/meetings/{meeting.id}",
                            json={"date": "2031-03-06", "start_time": "09:00", "end_time": "10:30"},
                            headers=headers)
    assert response.status_code == 200
    assert response.json["starts_at"] == "2031-03-06T09:00:00+01:00"
    assert meeting.starts_at == datetime(2031, 3, 6, 8, 0, tzinfo=UTC) and meeting.sequence == 1
    assert meeting.capacity == 12
    assert [c.action for c in meeting.changes][-2:] == ["updated", "moved"]

    # Clearing an optional field with null.
    response = client.patch(f"/api/v1/meetings/{meeting.id}", json={"capacity": None}, headers=headers)
    assert response.status_code == 200 and meeting.capacity is None


def test_invalid_patch_changes_nothing(client, world):
    meeting = world.meeting
    response = client.patch(f"/api/v1/meetings/{meeting.id}", json={"title": "X", "end_time": "07:00"},
                            headers=headers_for(world, "organizer"))
    assert assert_problem(response, 422)["errors"] == {"end_time": [response.json["errors"]["end_time"][0]]}
    assert meeting.title == "Morgenmøde i marts" and meeting.sequence == 0


def test_patch_of_cancelled_meeting_is_422_and_a_past_one_is_corrected(client, world):
    headers = headers_for(world, "organizer")
    cancelled = create_meeting(group=world.group, status="cancelled", cancelled_at=utcnow())
    body = assert_problem(client.patch(f"/api/v1/meetings/{cancelled.id}", json={"title": "Igen"},
                                       headers=headers), 422)
    assert "status" in body["errors"]
    assert cancelled.title != "Igen"
    past = create_meeting(group=world.group, starts_at=utcnow() - timedelta(days=3))
    response = client.patch(f"/api/v1/meetings/{past.id}", json={"title": "Igen"}, headers=headers)
    assert response.status_code == 200 and past.title == "Igen"


def test_patch_scope_must_be_this_or_following(client, world):
    response = client.patch(f"/api/v1/meetings/{world.meeting.id}", json={"scope": "all"},
                            headers=headers_for(world, "organizer"))
    assert "scope" in assert_problem(response, 422)["errors"]


def test_patch_following_changes_this_and_the_later_meetings_of_the_series(client, world):
    created = create_series_via_api(client, world).json["meetings"]
    assert len(created) == 11
    third = created[2]  # 2031-03-19
    response = client.patch(
        f"/api/v1/meetings/{third['id']}",
        json={"scope": "following", "start_time": "09:00", "end_time": "10:30", "capacity": 20,
              "title": "Kun dette møde"},
        headers=headers_for(world, "organizer"),
    )
    assert response.status_code == 200
    assert response.json["starts_at"] == "2031-03-19T09:00:00+01:00"
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.series_id.is_not(None)).order_by(Meeting.starts_at)).all()
    earlier, later = meetings[:2], meetings[2:]
    assert {m.starts_at.astimezone(CPH).time() for m in earlier} == {time(8, 30)}
    assert {m.capacity for m in earlier} == {40}
    # Local 09:00 in winter and in summer alike.
    assert {m.starts_at.astimezone(CPH).time() for m in later} == {time(9, 0)}
    assert {m.ends_at.astimezone(CPH).time() for m in later} == {time(10, 30)}
    assert {m.capacity for m in later} == {20}
    # The title is not a "following" field: only this meeting got it.
    assert [m.title for m in meetings].count("Kun dette møde") == 1


def test_patch_this_only_moves_one_series_meeting(client, world):
    created = create_series_via_api(client, world).json["meetings"]
    response = client.patch(f"/api/v1/meetings/{created[4]['id']}",
                            json={"scope": "this", "start_time": "09:15"},
                            headers=headers_for(world, "admin"))
    assert response.status_code == 200
    times = [db.session.get(Meeting, m["id"]).starts_at.astimezone(CPH).time() for m in created]
    assert times.count(time(9, 15)) == 1 and times.count(time(8, 30)) == 10


# --- cancel ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_cancel_by_role(client, world, role):
    response = client.post(f"/api/v1/meetings/{world.meeting.id}/cancel", json={"reason": "Sygdom"},
                           headers=headers_for(world, role))
    expected = MANAGE_EXPECT[role]
    if expected == 200:
        assert response.status_code == 200
        assert response.json["status"] == "cancelled" and response.json["cancel_reason"] == "Sygdom"
        assert response.json["cancelled_at"].endswith(("+01:00", "+02:00"))
        assert response.json["sequence"] == 1
    elif expected == 401:
        assert_unauthorized(response)
    else:
        assert_problem(response, expected)
    assert world.meeting.is_cancelled is (expected == 200)


def test_cancel_twice_is_422_and_body_is_optional(client, world):
    headers = headers_for(world, "organizer")
    assert client.post(f"/api/v1/meetings/{world.meeting.id}/cancel", headers=headers).status_code == 200
    assert world.meeting.cancel_reason == ""
    body = assert_problem(client.post(f"/api/v1/meetings/{world.meeting.id}/cancel", json={},
                                      headers=headers), 422)
    assert "status" in body["errors"]
    assert world.meeting.sequence == 1


def test_cancel_rest_of_series(client, world):
    created = create_series_via_api(client, world).json["meetings"]
    response = client.post(f"/api/v1/meetings/{created[8]['id']}/cancel",
                           json={"reason": "Vi holder pause", "scope": "rest_of_series"},
                           headers=headers_for(world, "organizer"))
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    statuses = [db.session.get(Meeting, m["id"]).status for m in created]
    assert statuses == ["scheduled"] * 8 + ["cancelled"] * 3
    assert {db.session.get(Meeting, m["id"]).cancel_reason for m in created[8:]} == {"Vi holder pause"}
    assert world.meeting.status == "scheduled"  # not part of the series


def test_cancel_only_this_meeting_of_a_series(client, world):
    created = create_series_via_api(client, world).json["meetings"]
    client.post(f"/api/v1/meetings/{created[8]['id']}/cancel", json={"scope": "this"},
                headers=headers_for(world, "organizer"))
    statuses = [db.session.get(Meeting, m["id"]).status for m in created]
    assert statuses.count("cancelled") == 1 and statuses[8] == "cancelled"


# --- series ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_series_by_role(client, world, role):
    response = create_series_via_api(client, world, role=role)
    expected = {**CREATE_EXPECT}[role]
    if expected == 201:
        assert response.status_code == 201
        assert response.json["created"] == 11 and len(response.json["meetings"]) == 11
    elif expected == 401:
        assert_unauthorized(response)
    else:
        assert_problem(response, expected)
    assert series_count() == (1 if expected == 201 else 0)
    # The dry run needs the same rights.
    dry = create_series_via_api(client, world, role=role, query="?dry_run=true")
    assert dry.status_code == (200 if expected == 201 else expected)


@pytest.mark.parametrize("where", ["query", "body"])
def test_dry_run_returns_dates_and_skipped_dates_and_creates_nothing(client, world, where):
    # First Thursday of 2032: 1 January (New Year's Day) and 6 May (Ascension Day) are holidays.
    body = {**SERIES, "weekday": 3, "nth": 1, "starts_on": "2032-01-01", "ends_on": "2032-12-31"}
    if where == "body":
        response = create_series_via_api(client, world, {**body, "dry_run": True}, query="?lang=en")
    else:
        response = create_series_via_api(client, world, body, query="?dry_run=true&lang=en")
    assert response.status_code == 200
    plan = response.json
    rule = rrule.rrule(rrule.MONTHLY, byweekday=rrule.TH(1), dtstart=datetime(2032, 1, 1),
                       until=datetime(2032, 12, 31))
    holidays = (date(2032, 1, 1), date(2032, 5, 6))
    expected = [d.date() for d in rule if d.month != 7 and d.date() not in holidays]
    assert [d["date"] for d in plan["dates"]] == [d.isoformat() for d in expected]
    assert plan["dry_run"] is True and plan["count"] == plan["new_count"] == 9
    assert plan["rule"] == "FREQ=MONTHLY;BYDAY=TH;BYSETPOS=1"
    assert plan["existing_series_id"] is None and plan["timezone"] == "Europe/Copenhagen"
    february = plan["dates"][0]
    assert february == {"date": "2032-02-05", "starts_at": "2032-02-05T08:30:00+01:00",
                        "ends_at": "2032-02-05T10:00:00+01:00", "doors_open_at": "2032-02-05T08:00:00+01:00",
                        "rsvp_deadline": None, "moved_from": None, "reason": None, "reason_text": None,
                        "holiday_name": None, "exists": False, "other_meetings": [], "will_create": True}
    assert plan["dates"][3]["starts_at"] == "2032-06-03T08:30:00+02:00"  # summer time, same wall clock
    skipped = {s["date"]: s for s in plan["skipped"]}
    assert set(skipped) == {"2032-01-01", "2032-05-06", "2032-07-01"}
    assert skipped["2032-07-01"]["reason"] == "skipped_month"
    assert skipped["2032-07-01"]["reason_text"] == "No meetings this month"
    assert skipped["2032-05-06"]["reason"] == "holiday"
    assert skipped["2032-05-06"]["reason_text"] == "Public holiday"
    assert skipped["2032-05-06"]["holiday_name"] == "Kristi himmelfartsdag"
    assert meeting_count() == 1 and series_count() == 0


def test_dry_run_reason_text_is_danish_by_default_and_follows_accept_language(client, world):
    query = "?dry_run=1"
    danish = create_series_via_api(client, world, query=query).json["skipped"]
    english = client.post(f"/api/v1/groups/{world.group.slug}/series{query}", json=SERIES,
                          headers={**headers_for(world, "organizer"), "Accept-Language": "en-US,en;q=0.8"}
                          ).json["skipped"]
    assert [s["reason"] for s in danish] == [s["reason"] for s in english] == ["skipped_month"]
    assert english[0]["reason_text"] == "No meetings this month"
    with force_locale("da"):
        assert danish[0]["reason_text"] == reason_label("skipped_month")


def test_dry_run_after_creation_marks_existing_dates(client, world):
    series_id = create_series_via_api(client, world).json["series_id"]
    plan = create_series_via_api(client, world, query="?dry_run=true").json
    assert plan["existing_series_id"] == series_id
    assert plan["new_count"] == 0 and all(d["exists"] for d in plan["dates"])


def test_create_series_is_idempotent(client, world):
    first = create_series_via_api(client, world)
    assert first.status_code == 201
    assert first.json["dry_run"] is False and first.json["created"] == 11
    dates = [datetime.fromisoformat(m["starts_at"]).date() for m in first.json["meetings"]]
    assert dates == third_wednesdays(2031)
    assert all(m["series_id"] == first.json["series_id"] for m in first.json["meetings"])
    assert {m["starts_at"][11:] for m in first.json["meetings"]} == {"08:30:00+01:00", "08:30:00+02:00"}

    again = create_series_via_api(client, world)
    assert again.status_code == 201
    assert again.json["series_id"] == first.json["series_id"] and again.json["created"] == 0
    assert again.json["meetings"] == first.json["meetings"]
    assert series_count() == 1 and meeting_count() == 12


def test_create_series_with_host_rotation(client, world):
    host = create_member(groups=[world.group], name="Hanne Host", company="Hannes Tegnestue ApS")
    body = {**SERIES, "rotation": [
        {"host_member_id": host.id, "venue_address": "Torvet 3, 7400 Herning"},
        {"venue_name": "Erhvervshuset", "venue_address": "Fredhøjvej 1, 7400 Herning"},
    ]}
    meetings = create_series_via_api(client, world, body).json["meetings"]
    assert [m["venue"]["name"] for m in meetings[:3]] == ["Hannes Tegnestue ApS", "Erhvervshuset",
                                                          "Hannes Tegnestue ApS"]
    assert {key: meetings[0]["venue"]["host"][key] for key in ("id", "name", "company")} == {
        "id": host.id, "name": "Hanne Host", "company": "Hannes Tegnestue ApS"}
    assert meetings[1]["venue"]["host"] is None


def test_host_rotation_refuses_a_host_from_outside_the_group(client, world):
    body = {**SERIES, "rotation": [{"host_member_id": world.outsider.id}]}
    response = create_series_via_api(client, world, body)
    assert list(assert_problem(response, 422)["errors"]) == ["rotation-0-host_member_id"]
    wrong_type = create_series_via_api(client, world, {**SERIES, "rotation": [{"host_member_id": "x"}]})
    assert list(assert_problem(wrong_type, 422)["errors"]) == ["rotation-0-host_member_id"]
    assert series_count() == 0 and meeting_count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"frequency": "weekly", "weekday": 2, "ends_on": "2036-12-31"}, "frequency"),  # > 200 dates
    ({"starts_on": "2031-07-01", "ends_on": "2031-07-31"}, "frequency"),  # no dates: July is skipped
    ({"end_time": "08:00"}, "end_time"),
    ({"ends_on": "2030-12-31"}, "ends_on"),
    ({"timezone": "Europe/Atlantis"}, "timezone"),
    ({"capacity": -1}, "capacity"),
    ({"frequency": "hourly"}, "frequency"),
    ({"frequency": "rrule", "rrule": "FREQ=DAILY"}, "rrule"),
    ({"skip_months": [13]}, "skip_months"),
    ({"starts_on": None}, "starts_on"),
    ({"rsvp_days_before": 61, "rsvp_time": "12:00"}, "rsvp_days_before"),
    ({"rsvp_days_before": "2", "rsvp_time": "12:00"}, "rsvp_days_before"),  # not a JSON number
    ({"rsvp_days_before": 2}, "rsvp_time"),
    ({"rsvp_days_before": 2, "rsvp_time": "noon"}, "rsvp_time"),
    ({"rsvp_days_before": 0, "rsvp_time": "09:00"}, "rsvp_time"),  # after the 08:30 start
])
@pytest.mark.parametrize("dry_run", [False, True])
def test_bad_series_input_is_422_with_field_errors_and_creates_nothing(client, world, change, field, dry_run):
    response = create_series_via_api(client, world, {**SERIES, **change, "dry_run": dry_run},
                                     query="?lang=en")
    body = assert_problem(response, 422)
    assert field in body["errors"], body
    assert series_count() == 0 and meeting_count() == 1


def test_series_deadline_rule_in_dry_run_and_creation(client, world):
    body = {**SERIES, "rsvp_days_before": 2, "rsvp_time": "12:00"}
    plan = create_series_via_api(client, world, body, query="?dry_run=true").json
    assert [d["rsvp_deadline"] for d in plan["dates"][:2]] == ["2031-01-13T12:00:00+01:00",
                                                                "2031-02-17T12:00:00+01:00"]
    assert plan["dates"][5]["rsvp_deadline"] == "2031-06-16T12:00:00+02:00"
    assert series_count() == 0

    response = create_series_via_api(client, world, body)
    assert response.status_code == 201
    meetings = response.json["meetings"]
    assert len(meetings) == 11
    for meeting in meetings:
        day = date.fromisoformat(meeting["starts_at"][:10])
        expected = datetime.combine(day - timedelta(days=2), time(12), tzinfo=CPH)
        assert datetime.fromisoformat(meeting["rsvp_deadline"]) == expected
    series = db.session.scalars(select(MeetingSeries)).one()
    assert (series.spec["rsvp_days_before"], series.spec["rsvp_time"]) == (2, "12:00")
    # Idempotent with the rule too.
    again = create_series_via_api(client, world, body)
    assert again.json["created"] == 0 and again.json["series_id"] == series.id


def test_deadline_rule_error_is_next_to_the_time_field_in_english(client, world):
    body = {**SERIES, "rsvp_days_before": 0, "rsvp_time": "09:00"}
    problem = assert_problem(create_series_via_api(client, world, body, query="?lang=en"), 422)
    assert problem["errors"] == {
        "rsvp_time": ["The sign-up deadline must be before the meeting starts (2031-01-15 at 08:30)."]
    }
    same_day = create_series_via_api(client, world, {**body, "rsvp_time": "08:00"})
    assert same_day.status_code == 201
    assert same_day.json["meetings"][0]["rsvp_deadline"] == "2031-01-15T08:00:00+01:00"


def test_patch_following_time_recomputes_deadlines_or_refuses_if_the_rule_cannot_fit(client, world):
    body = {**SERIES, "rsvp_days_before": 0, "rsvp_time": "08:00"}
    created = create_series_via_api(client, world, body).json["meetings"]
    headers = headers_for(world, "organizer")
    # 07:30 is before the rule's 08:00 on the same day: refused, nothing changes.
    response = client.patch(f"/api/v1/meetings/{created[2]['id']}",
                            json={"scope": "following", "start_time": "07:30", "end_time": "09:00"},
                            headers=headers, query_string={"lang": "en"})
    problem = assert_problem(response, 422)
    assert "rsvp_deadline" in problem["errors"]
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.series_id.is_not(None)).order_by(Meeting.starts_at)).all()
    assert {m.starts_at.astimezone(CPH).time() for m in meetings} == {time(8, 30)}

    # A later start: every following deadline is the rule's again, also one changed by hand.
    client.patch(f"/api/v1/meetings/{created[5]['id']}",
                 json={"rsvp_deadline": "2031-06-01T10:00"}, headers=headers)
    response = client.patch(f"/api/v1/meetings/{created[2]['id']}",
                            json={"scope": "following", "start_time": "09:00", "end_time": "10:30"},
                            headers=headers)
    assert response.status_code == 200
    assert response.json["rsvp_deadline"] == "2031-03-19T08:00:00+01:00"
    for meeting in meetings:
        local = meeting.starts_at.astimezone(CPH)
        assert meeting.rsvp_deadline.astimezone(CPH) == local.replace(hour=8, minute=0), local


def test_too_many_and_no_dates_say_so(client, world):
    many = create_series_via_api(client, world, {**SERIES, "frequency": "weekly", "ends_on": "2036-12-31"},
                                 query="?lang=en").json
    assert "at most 200" in many["detail"]
    july = {**SERIES, "starts_on": "2031-07-01", "ends_on": "2031-07-31"}
    none = create_series_via_api(client, world, july, query="?lang=en").json
    assert none["detail"] == "The rule gives no meetings in this date range."


# --- the OpenAPI document -----------------------------------------------------------------------

def test_openapi_document_validates_and_lists_the_meeting_paths(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    paths = spec["paths"]
    assert set(paths["/api/v1/groups/{slug}/meetings"]) >= {"get", "post"}
    assert set(paths["/api/v1/meetings/{meeting_id}"]) >= {"get", "patch"}
    assert "post" in paths["/api/v1/meetings/{meeting_id}/cancel"]
    series = paths["/api/v1/groups/{slug}/series"]["post"]
    assert {"200", "201", "401", "403", "404", "422"} <= set(series["responses"])
    assert {p["name"] for p in series["parameters"]} == {"lang", "dry_run"}
    assert {} in paths["/api/v1/groups/{slug}/meetings"]["get"]["security"]  # anonymous allowed
    assert paths["/api/v1/groups/{slug}/meetings"]["post"]["security"] == [{"bearerAuth": []}]
    listing = paths["/api/v1/groups/{slug}/meetings"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"from", "to", "lang", "page", "per_page"}
    meeting = spec["components"]["schemas"]["Meeting"]["properties"]
    assert {"starts_at", "timezone", "venue", "sequence", "url", "cancel_reason"} <= set(meeting)
