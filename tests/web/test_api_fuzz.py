"""Hostile values against every /api/v1 operation, on SQLite and PostgreSQL: never a 5xx.

Each operation gets NUL bytes, lone surrogates, numbers beyond the integer columns (2^31, 2^63,
10^30), -1, the first and last representable dates, wrong JSON types, oversize text and
malformed JSON, in its path, its query string and every field of its body. Every answer must be
below 500; a refusal is problem+json, a 422 names the field; and a refused write leaves the
stored data exactly as it was.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.extensions import db
from app.meetings.validation import MAX_CAPACITY
from app.models import Meeting, MeetingChange, MeetingSeries
from tests.factories import create_admin, create_group, create_meeting, create_member, create_organizer
from tests.web.api_helpers import bearer, token_for
from tests.web.meeting_helpers import API_NEW_MEETING

PROBLEM = "application/problem+json"

BIG = [2**31, 2**63, 10**30, -(2**63) - 1]
HOSTILE: list[Any] = [
    "a\x00b",
    "\ud800",
    "x\udfffy",
    *BIG,
    -1,
    0,
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59:59",
    "99999-01-01",
    "2031-02-30",
    "25:61",
    "",
    " ",
    True,
    1.5,
    1e308,
    [],
    ["x"],
    {},
    {"a": 1},
    "x" * 100_000,
    "<script>alert(1)</script>",
    "Europe/../../etc/passwd",
]
# Values for a path or query segment (strings only).
HOSTILE_TEXT = [
    "a\x00b", "\ud800", str(2**31), str(2**63), str(10**30), "-1", "0", "0001-01-01", "9999-12-31",
    "0001-01-01T00:00", "9999-12-31T23:59:59.999999", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00-14:00",
    "99999-01-01", "2031-02-30", "", "x" * 5000, "true", "null", "1e308", "NaN",
]

MEETING = {**API_NEW_MEETING, "title": "Morgenmøde", "online_url": "https://example.org/m",
           "timezone": "Europe/Copenhagen"}
MEETING_FIELDS = [*MEETING, "host_member_id"]
SERIES = {
    "title": "Kaffeklub",
    "frequency": "monthly_nth_weekday",
    "nth": 3,
    "weekday": 2,
    "starts_on": "2031-01-01",
    "ends_on": "2031-03-31",
    "start_time": "08:30",
    "end_time": "10:00",
    "doors_open_time": "08:00",
    "skip_months": [7],
    "holiday_policy": "skip",
    "venue_name": "Erhvervshuset",
    "venue_address": "Fredhøjvej 1, 7400 Herning",
    "capacity": 40,
}
SERIES_FIELDS = [*SERIES, "interval", "day_of_month", "rrule", "timezone", "online_url", "guests_welcome",
                 "agenda", "rsvp_days_before", "rsvp_time", "rotation", "dry_run"]


# A 422 for one of a pair may name the other (give both or neither; a deadline must precede the date).
RELATED = {
    "rsvp_days_before": ("rsvp_time",),
    "rsvp_time": ("rsvp_days_before",),
    "date": ("rsvp_deadline",),
    "start_time": ("end_time", "doors_open_time", "rsvp_deadline"),
    "end_time": ("start_time",),
    "doors_open_time": ("start_time",),
    "starts_on": ("ends_on", "rule"),
    "ends_on": ("starts_on", "rule"),
}


class Scene:
    def __init__(self) -> None:
        self.group = create_group(name="Kaffeklub Herning", slug="herning", is_public=True)
        self.organizer = create_organizer(self.group, name="Olga Organizer", language="en")
        self.member = create_member(groups=[self.group], name="Mads Member", language="en")
        self.admin = create_admin(name="Anna Admin", language="en")
        self.headers = {
            "organizer": bearer(token_for(self.organizer)),
            "member": bearer(token_for(self.member)),
            "admin": bearer(token_for(self.admin)),
        }
        self.meeting = self.new_meeting()

    def new_meeting(self) -> Meeting:
        meeting = create_meeting(
            group=self.group, title="Morgenmøde",
            starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC), ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC),
        )
        db.session.commit()
        return meeting


@pytest.fixture
def scene(app) -> Scene:
    return Scene()


def snapshot() -> list:
    """Every stored meeting, series and change, as plain tuples."""
    db.session.expire_all()
    rows = []
    for model in (Meeting, MeetingSeries, MeetingChange):
        table = model.__table__
        rows.append(sorted(tuple(map(repr, row)) for row in db.session.execute(select(table)).all()))
    return rows


def describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


class Checker:
    """Sends requests, collects every broken promise, and fails once at the end with all of them."""

    def __init__(self, client) -> None:
        self.client = client
        self.failures: list[str] = []
        self.count = 0

    def send(self, method: str, url: str, *, label: str, field: str | None = None, write: bool = False,
             **kwargs) -> Any:
        before = snapshot() if write else None
        self.count += 1
        try:
            response = self.client.open(url, method=method, **kwargs)
        except Exception as error:  # noqa: BLE001 - the test client raising is a failure too
            self.failures.append(f"{method} {label}: raised {type(error).__name__}: {error}")
            db.session.rollback()
            return None
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{method} {label}: {status}")
            return response
        if status >= 400:
            if response.mimetype != PROBLEM:
                self.failures.append(f"{method} {label}: {status} as {response.mimetype}")
            elif status == 422 and field is not None:
                errors = (response.get_json(force=True) or {}).get("errors") or {}
                named = {field, *RELATED.get(field, ())}
                if not any(key in named or key.split("-")[0] in named for key in errors):
                    self.failures.append(f"{method} {label}: 422 names {sorted(errors)}, not {field!r}")
            if write and snapshot() != before:
                self.failures.append(f"{method} {label}: refused ({status}) but stored data changed")
        return response

    def assert_clean(self) -> None:
        assert not self.failures, f"{len(self.failures)} of {self.count} requests broke a promise:\n" + \
            "\n".join(self.failures)


def qs(name: str, value: str) -> str:
    """?name=value, percent-encoded as UTF-8 even for a lone surrogate (as a hostile client would)."""
    return f"?{name}={quote(value, safe='', errors='surrogatepass')}"


def json_body(payload: Any) -> dict:
    return {"data": json.dumps(payload), "content_type": "application/json"}


def malformed_bodies() -> list[tuple[str, dict]]:
    return [
        ("truncated JSON", {"data": '{"title": "x"', "content_type": "application/json"}),
        ("not JSON", {"data": "title=x", "content_type": "application/json"}),
        ("invalid UTF-8", {"data": b'{"title": "\xff\xfe"}', "content_type": "application/json"}),
        ("escaped NUL", {"data": '{"title": "a\\u0000b"}', "content_type": "application/json"}),
        ("escaped surrogate", {"data": '{"title": "\\ud800"}', "content_type": "application/json"}),
        ("NaN", {"data": '{"capacity": NaN}', "content_type": "application/json"}),
        ("huge number", {"data": '{"capacity": 1' + "0" * 5000 + "}", "content_type": "application/json"}),
        ("deep nesting", {"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}),
        ("array", json_body([1, 2])),
        ("string", json_body("x")),
        ("null", json_body(None)),
        ("number", json_body(2**63)),
        ("empty", {"data": "", "content_type": "application/json"}),
        ("form encoded", {"data": {"title": "x"}}),
        ("text/plain", {"data": "x", "content_type": "text/plain"}),
    ]


# --- reads -------------------------------------------------------------------------------------


def test_read_operations_survive_hostile_paths_and_queries(client, scene):
    check = Checker(client)
    slug, meeting_id = scene.group.slug, scene.meeting.id
    for who in (None, "member"):
        headers = scene.headers.get(who, {}) if who else {}
        for value in HOSTILE_TEXT:
            for name in ("from", "to", "lang"):
                check.send("GET", f"/api/v1/groups/{slug}/meetings{qs(name, value)}",
                           label=f"meetings?{name}={describe(value)}", field=name, headers=headers)
            check.send("GET", f"/api/v1/meetings/{meeting_id}{qs('lang', value)}",
                       label=f"meeting?lang={describe(value)}", field="lang", headers=headers)
            check.send("GET", f"/api/v1/groups{qs('x', value)}", label=f"groups?x={describe(value)}",
                       headers=headers)
        for pair in (("0001-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01"),
                     ("9999-12-31T23:59:59", None), (None, "0001-01-01T00:00")):
            query = {k: v for k, v in zip(("from", "to"), pair, strict=True) if v is not None}
            check.send("GET", f"/api/v1/groups/{slug}/meetings", label=f"meetings?{query}",
                       query_string=query, headers=headers)
    for segment in ("a%00b", "%ED%A0%80", "%FF", "x" * 5000, "..", "%2F"):
        for url in (f"/api/v1/groups/{segment}/meetings", f"/api/v1/groups/{segment}/members"):
            check.send("GET", url, label=describe(url), headers=scene.headers["member"])
    for number in (*map(str, BIG[:3]), "-1", "0", "1e3", "0x10", "%00"):
        check.send("GET", f"/api/v1/meetings/{number}", label=f"meetings/{number}",
                   headers=scene.headers["member"])
    for token in ("kk_" + "x" * 5000, "kk_\u00e6\u00f8\u00e5", "kk_a\tb", "kk_%00"):
        check.send("GET", "/api/v1/me", label=f"token {describe(token)}",
                   headers={"Authorization": f"Bearer {token}"})
    check.assert_clean()


# --- writes ------------------------------------------------------------------------------------


def test_create_meeting_survives_hostile_fields(client, scene):
    check = Checker(client)
    url = f"/api/v1/groups/{scene.group.slug}/meetings"
    for field in MEETING_FIELDS:
        for value in HOSTILE:
            check.send("POST", url, label=f"{field}={describe(value)}", field=field, write=True,
                       headers=scene.headers["organizer"], **json_body({**MEETING, field: value}))
    for label, body in malformed_bodies():
        check.send("POST", url, label=label, write=True, headers=scene.headers["organizer"], **body)
    check.assert_clean()


def test_patch_meeting_survives_hostile_fields(client, scene):
    check = Checker(client)
    for field in [*MEETING_FIELDS, "scope"]:
        for value in HOSTILE:
            response = check.send("PATCH", f"/api/v1/meetings/{scene.meeting.id}",
                                  label=f"{field}={describe(value)}", field=field, write=True,
                                  headers=scene.headers["organizer"], **json_body({field: value}))
            if response is not None and response.status_code < 400:
                scene.meeting = scene.new_meeting()  # keep a future, unchanged meeting to aim at
    for label, body in malformed_bodies():
        check.send("PATCH", f"/api/v1/meetings/{scene.meeting.id}", label=label, write=True,
                   headers=scene.headers["organizer"], **body)
    for number in (str(2**31), str(2**63), str(10**30), "-1"):
        check.send("PATCH", f"/api/v1/meetings/{number}", label=f"meetings/{number}", write=True,
                   headers=scene.headers["organizer"], **json_body({"title": "x"}))
    check.assert_clean()


def test_cancel_meeting_survives_hostile_fields(client, scene):
    check = Checker(client)
    for field in ("reason", "scope"):
        for value in HOSTILE:
            response = check.send("POST", f"/api/v1/meetings/{scene.meeting.id}/cancel",
                                  label=f"{field}={describe(value)}", field=field, write=True,
                                  headers=scene.headers["organizer"], **json_body({field: value}))
            if response is not None and response.status_code < 400:
                scene.meeting = scene.new_meeting()
    for label, body in malformed_bodies():
        response = check.send("POST", f"/api/v1/meetings/{scene.meeting.id}/cancel", label=label, write=True,
                              headers=scene.headers["organizer"], **body)
        if response is not None and response.status_code < 400:
            scene.meeting = scene.new_meeting()
    check.assert_clean()


def test_create_series_survives_hostile_fields(client, scene):
    check = Checker(client)
    url = f"/api/v1/groups/{scene.group.slug}/series"
    for field in SERIES_FIELDS:
        for value in HOSTILE:
            check.send("POST", url, label=f"{field}={describe(value)}", field=field, write=True,
                       headers=scene.headers["organizer"], **json_body({**SERIES, field: value}))
    rotation_fields = ("host_member_id", "venue_name", "venue_address")
    for field in rotation_fields:
        for value in HOSTILE:
            body = {**SERIES, "rotation": [{"host_member_id": scene.organizer.id, field: value}]}
            check.send("POST", url, label=f"rotation-0-{field}={describe(value)}", field="rotation",
                       write=True, headers=scene.headers["organizer"], **json_body(body))
    for value in HOSTILE_TEXT:
        check.send("POST", url + qs("dry_run", value), label=f"?dry_run={describe(value)}",
                   field="dry_run", write=True, headers=scene.headers["organizer"], **json_body(SERIES))
    for label, body in malformed_bodies():
        check.send("POST", url, label=label, write=True, headers=scene.headers["organizer"], **body)
    check.assert_clean()


# --- authentication comes first --------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("POST", "/api/v1/groups/herning/meetings"),
    ("PATCH", "/api/v1/meetings/{id}"),
    ("POST", "/api/v1/meetings/{id}/cancel"),
    ("POST", "/api/v1/groups/herning/series"),
])
def test_write_without_token_is_401_whatever_the_body(client, scene, method, path):
    url = path.format(id=scene.meeting.id)
    before = snapshot()
    bodies = [json_body({"title": "a\x00b", "capacity": 2**63}), json_body([1]),
              {"data": "{", "content_type": "application/json"}]
    for body in bodies:
        for query in ({}, {"lang": "xx", "dry_run": "maybe"}):
            response = client.open(url, method=method, query_string=query, **body)
            assert response.status_code == 401, (body, query, response.get_json())
            assert response.mimetype == PROBLEM
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


# --- the document tells the truth --------------------------------------------------------------


def test_the_document_marks_required_fields_and_the_bounds_the_services_enforce(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert sorted(schemas["MeetingInput"]["required"]) == ["date", "end_time", "start_time", "title"]
    assert "required" not in schemas["MeetingPatch"]
    assert sorted(schemas["SeriesInput"]["required"]) == sorted([
        "title", "frequency", "starts_on", "ends_on", "start_time", "end_time"])
    meeting = schemas["MeetingInput"]["properties"]
    assert meeting["title"]["maxLength"] == 200 and meeting["agenda"]["maxLength"] == 20000
    assert (meeting["capacity"]["minimum"], meeting["capacity"]["maximum"]) == (1, MAX_CAPACITY)
    assert meeting["host_member_id"]["maximum"] == 2**31 - 1
    assert meeting["date"]["format"] == "date"
    assert "1900-01-01 to 2200-12-31" in meeting["date"]["description"]
    assert "pattern" in meeting["start_time"]
    series = schemas["SeriesInput"]["properties"]
    assert series["frequency"]["enum"] == [
        "weekly", "every_n_weeks", "monthly_nth_weekday", "monthly_day", "rrule"]
    assert (series["weekday"]["minimum"], series["weekday"]["maximum"]) == (0, 6)
    assert series["skip_months"]["items"]["maximum"] == 12
    assert (series["rsvp_days_before"]["minimum"], series["rsvp_days_before"]["maximum"]) == (0, 60)
    path = doc["paths"]["/api/v1/meetings/{meeting_id}"]["parameters"][0]
    assert path["schema"]["maximum"] == 2**31 - 1


def test_a_body_with_only_the_required_fields_is_accepted(client, scene):
    headers = scene.headers["organizer"]
    response = client.post(f"/api/v1/groups/{scene.group.slug}/meetings", headers=headers, json={
        "title": "Kort", "date": "2031-05-07", "start_time": "08:00", "end_time": "09:00"})
    assert response.status_code == 201, response.get_json()
    response = client.post(f"/api/v1/groups/{scene.group.slug}/series", headers=headers, json={
        "title": "Kort", "frequency": "weekly", "weekday": 2, "starts_on": "2031-05-01",
        "ends_on": "2031-05-31", "start_time": "08:00", "end_time": "09:00"})
    assert response.status_code == 201, response.get_json()
    assert client.patch(f"/api/v1/meetings/{scene.meeting.id}", headers=headers,
                        json={"doors_open_time": "", "rsvp_deadline": None}).status_code == 200
    # JSON Schema's integer includes 5.0; a leap day is a date although the documented pattern omits it.
    response = client.post(f"/api/v1/groups/{scene.group.slug}/meetings", headers=headers, json={
        "title": "Skuddag", "date": "2032-02-29", "start_time": "08:00", "end_time": "09:00",
        "capacity": 5.0, "host_member_id": float(scene.organizer.id), "rsvp_deadline": "2032-02-28T12:00"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["capacity"] == 5
    response = client.post(f"/api/v1/groups/{scene.group.slug}/meetings", headers=headers, json={
        "title": "x", "date": "2031-02-29", "start_time": "08:00", "end_time": "09:00", "capacity": 5.5})
    assert response.status_code == 422 and sorted(response.get_json()["errors"]) == ["capacity", "date"]


def test_every_bad_field_is_named_at_once_in_the_callers_language(client, scene):
    before = snapshot()
    response = client.post(f"/api/v1/groups/{scene.group.slug}/meetings?lang=da",
                           headers=scene.headers["organizer"], json={
                               "title": "a\x00b", "date": "9999-12-31", "start_time": "25:00",
                               "capacity": 2**63, "host_member_id": "7", "agenda": "\ud800",
                           })
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    errors = response.get_json()["errors"]
    assert sorted(errors) == [
        "agenda", "capacity", "date", "end_time", "host_member_id", "start_time", "title"]
    assert errors["host_member_id"] == ["Skriv et helt tal."]
    assert errors["end_time"] == ["Skriv et tidspunkt."]  # the service's words, as on the web form
    assert snapshot() == before


def test_the_date_pattern_is_the_services_range_of_years():
    from app.api.meeting_schemas import DATE_PATTERN
    from app.input_guard import MAX_YEAR, MIN_YEAR

    pattern = re.compile(f"^{DATE_PATTERN}$")
    assert pattern.match(f"{MIN_YEAR}-01-01") and pattern.match(f"{MAX_YEAR}-12-31")
    assert not pattern.match(f"{MIN_YEAR - 1}-12-31") and not pattern.match(f"{MAX_YEAR + 1}-01-01")
    assert not any(pattern.match(day) for day in ("2031-13-01", "2031-00-10", "2031-01-32"))


def test_a_to_before_today_without_from_is_an_empty_window_not_an_error(client, scene):
    response = client.get(f"/api/v1/groups/{scene.group.slug}/meetings?to=2000-01-01")
    assert response.status_code == 200 and response.get_json() == []
    response = client.get(f"/api/v1/groups/{scene.group.slug}/meetings?from=2031-01-01&to=2000-01-01")
    assert response.status_code == 422 and "to" in response.get_json()["errors"]
