"""Hostile values against every sign-up operation of the API, on SQLite and PostgreSQL: never a 5xx.

Each body field gets NUL bytes, lone surrogates, numbers beyond the integer columns, wrong JSON
types, oversize text; the paths get impossible ids; the bodies come malformed. Every answer must be
below 500; a refusal is problem+json, a 422 names the field, and a refused write leaves the stored
answers, guests and outbox exactly as they were.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MeetingGuest, OutboxMessage, Rsvp
from tests.factories import create_admin, create_group, create_meeting, create_member, create_organizer
from tests.web.api_helpers import bearer, token_for

PROBLEM = "application/problem+json"
HOSTILE: list[Any] = [
    "a\x00b", "\ud800", "x\udfffy", 2**31, 2**63, 10**30, -(2**63) - 1, -1, 0, "", " ", True, 1.5, 1e308,
    [], ["x"], {}, {"a": 1}, "x" * 100_000, "<script>alert(1)</script>", None,
]
PATH_NUMBERS = [str(2**31), str(2**63), str(10**30), "-1", "0", "1e3", "0x10", "%00", "a%00b", "%ED%A0%80"]
MALFORMED = [
    {"data": '{"answer": "yes"', "content_type": "application/json"},
    {"data": "answer=yes", "content_type": "application/json"},
    {"data": b'{"answer": "\xff\xfe"}', "content_type": "application/json"},
    {"data": '{"answer": "a\\u0000b"}', "content_type": "application/json"},
    {"data": '{"message": "\\ud800"}', "content_type": "application/json"},
    {"data": '{"member_id": NaN}', "content_type": "application/json"},
    {"data": '{"member_id": 1' + "0" * 5000 + "}", "content_type": "application/json"},
    {"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"},
    {"data": "[1, 2]", "content_type": "application/json"},
    {"data": '"x"', "content_type": "application/json"},
    {"data": "null", "content_type": "application/json"},
    {"data": "", "content_type": "application/json"},
    {"data": {"answer": "yes"}},
    {"data": "x", "content_type": "text/plain"},
]


class Scene:
    def __init__(self) -> None:
        self.group = create_group(name="Kaffeklub Herning", is_public=True, guest_limit=2)
        self.organizer = create_organizer(self.group, name="Olga Organizer", language="en")
        self.member = create_member(groups=[self.group], name="Mads Member", language="en")
        self.other = create_member(groups=[self.group], name="Bo Bager", language="en")
        self.admin = create_admin(name="Anna Admin", language="en")
        self.meeting = create_meeting(group=self.group, capacity=1,
                                      starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
                                      ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC))
        self.headers = {name: bearer(token_for(getattr(self, name)))
                        for name in ("organizer", "member", "other")}

    def url(self, tail: str) -> str:
        return f"/api/v1/meetings/{self.meeting.id}{tail}"


@pytest.fixture
def scene(app) -> Scene:
    return Scene()


def snapshot() -> list:
    db.session.expire_all()
    return [sorted(tuple(map(repr, row)) for row in db.session.execute(select(model.__table__)).all())
            for model in (Rsvp, MeetingGuest, OutboxMessage)]


class Checker:
    def __init__(self, client) -> None:
        self.client = client
        self.failures: list[str] = []
        self.count = 0

    def send(self, method: str, url: str, *, label: str, field: str | None = None, **kwargs):
        before = snapshot()
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
        elif status >= 400:
            if response.mimetype != PROBLEM:
                self.failures.append(f"{method} {label}: {status} as {response.mimetype}")
            elif status == 422 and field is not None:
                errors = (response.get_json(force=True) or {}).get("errors") or {}
                if not any(key == field or key.split("-")[0] == field for key in errors):
                    self.failures.append(f"{method} {label}: 422 names {sorted(errors)}, not {field!r}")
            if snapshot() != before:
                self.failures.append(f"{method} {label}: refused ({status}) but stored data changed")
        return response

    def assert_clean(self) -> None:
        assert not self.failures, f"{len(self.failures)} of {self.count} requests broke a promise:\n" + \
            "\n".join(self.failures)


def body(payload: Any) -> dict:
    return {"data": json.dumps(payload), "content_type": "application/json"}


def describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 50 else text[:47] + "..."


def test_the_members_own_answer_survives_hostile_fields(client, scene):
    check = Checker(client)
    headers = scene.headers["member"]
    base = {"answer": "yes", "message": "", "guests": [{"name": "Gitte", "email": "gitte@example.com"}]}
    for field in ("answer", "message", "guests"):
        for value in HOSTILE:
            check.send("PUT", scene.url("/rsvp"), label=f"{field}={describe(value)}", field=field,
                       headers=headers, **body({**base, field: value}))
    for field in ("name", "email", "company"):
        for value in HOSTILE:
            guest = {"name": "Gitte", "email": "gitte@example.com", field: value}
            check.send("PUT", scene.url("/rsvp"), label=f"guests-0-{field}={describe(value)}", field="guests",
                       headers=headers, **body({"answer": "yes", "guests": [guest]}))
    for field in ("name", "email", "company", "message"):
        for value in HOSTILE:
            person = {"name": "Sofie", "email": "sofie@example.com", field: value}
            check.send("PUT", scene.url("/rsvp/substitute"), label=f"substitute {field}={describe(value)}",
                       field=field, headers=scene.headers["other"], **body(person))
    for tail in ("/rsvp", "/rsvp/substitute"):
        for malformed in MALFORMED:
            check.send("PUT", scene.url(tail), label=f"{tail} {describe(malformed)}", headers=headers,
                       **malformed)
    check.assert_clean()


def test_organizer_actions_survive_hostile_fields(client, scene):
    check = Checker(client)
    headers = scene.headers["organizer"]
    client.put(scene.url("/rsvp"), headers=scene.headers["member"], json={"answer": "yes"})
    client.put(scene.url("/rsvp"), headers=scene.headers["other"], json={"answer": "yes"})  # waits
    for field in ("status", "force", "message"):
        for value in HOSTILE:
            payload = {"status": "declined", "force": False, "message": "", field: value}
            check.send("PUT", scene.url(f"/rsvps/{scene.other.id}"), label=f"{field}={describe(value)}",
                       field=field, headers=headers, **body(payload))
    for field in ("member_id", "guest_id", "force"):
        for value in HOSTILE:
            payload = {"member_id": scene.other.id, field: value} if field != "member_id" else {field: value}
            response = check.send("POST", scene.url("/waitlist/promote"), label=f"{field}={describe(value)}",
                                  headers=headers, **body(payload))
            if response is not None and response.status_code == 422:
                errors = response.get_json()["errors"]
                if not {field, "member_id", "guest_id"} & set(errors):
                    check.failures.append(f"promote {field}={describe(value)}: 422 names {sorted(errors)}")
    for tail, method in (("/rsvps/1", "PUT"), ("/waitlist/promote", "POST")):
        for malformed in MALFORMED:
            check.send(method, scene.url(tail), label=f"{tail} {describe(malformed)}", headers=headers,
                       **malformed)
    check.assert_clean()


def test_hostile_paths_are_404_never_500(client, scene):
    check = Checker(client)
    headers = scene.headers["organizer"]
    for number in PATH_NUMBERS:
        for method, url, payload in (
            ("GET", f"/api/v1/meetings/{number}/rsvp", None),
            ("PUT", f"/api/v1/meetings/{number}/rsvp", {"answer": "yes"}),
            ("DELETE", f"/api/v1/meetings/{number}/rsvp", None),
            ("PUT", f"/api/v1/meetings/{number}/rsvp/substitute", {"name": "S", "email": "s@example.com"}),
            ("GET", f"/api/v1/meetings/{number}/rsvps", None),
            ("PUT", f"/api/v1/meetings/{number}/rsvps/1", {"status": "going"}),
            ("PUT", scene.url(f"/rsvps/{number}"), {"status": "going"}),
            ("POST", f"/api/v1/meetings/{number}/waitlist/promote", {"member_id": 1}),
            ("DELETE", f"/api/v1/meetings/{number}/guests/1", None),
            ("DELETE", scene.url(f"/guests/{number}"), None),
        ):
            response = check.send(method, url, label=url, headers=headers,
                                  **(body(payload) if payload is not None else {}))
            if response is not None and response.status_code not in (400, 404):
                check.failures.append(f"{method} {url}: {response.status_code}, not 404")
    for value in ("xx", "a\x00", "\ud800", "x" * 5000):
        check.send("GET", scene.url("/rsvp"), label=f"?lang={describe(value)}", headers=headers,
                   query_string={"lang": value.encode("utf-8", "surrogatepass")})
    check.assert_clean()
