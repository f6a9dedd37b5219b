"""The sign-ups API (/api/v1/meetings/{id}/rsvp, /rsvps, /waitlist/promote, /guests/{id}): every rule
and every refusal through the API, on SQLite and PostgreSQL. The rules are app.rsvp.services' (the
same as the meeting page's); these tests check that the API reaches them, answers with problems
(RFC 9457) in the caller's language, and says what the OpenAPI document says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Meeting, MeetingGuest, OutboxMessage, Rsvp, utcnow
from tests.factories import build_meeting_world, create_group, create_meeting, create_member
from tests.web.api_helpers import assert_problem, assert_unauthorized, bearer, token_for

EN = {"Accept-Language": "en"}
UNSTORABLE = ["The field contains characters that cannot be saved."]
TEXT = ["Please enter text."]
GUEST = {"name": "A", "email": "a@example.com"}


class Scene:
    """The meeting world (members-only group, meeting on 5 March 2031) with a few more members."""

    def __init__(self, *, capacity: int | None = 2, public: bool = False) -> None:
        self.world = build_meeting_world(public=public)
        self.group = self.world.group
        self.meeting = self.world.meeting
        self.meeting.capacity = capacity
        db.session.commit()
        self.members = [self.world.member] + [
            create_member(groups=[self.group], name=f"Medlem {n}", language="en") for n in range(1, 5)]
        self._tokens: dict[int, dict[str, str]] = {}

    def headers(self, who) -> dict[str, str]:
        if who is None:
            return dict(EN)
        if who.id not in self._tokens:
            self._tokens[who.id] = {**bearer(token_for(who)), **EN}
        return self._tokens[who.id]

    @property
    def organizer(self):
        return self.world.organizer

    def url(self, tail: str = "/rsvp", meeting=None) -> str:
        return f"/api/v1/meetings/{(meeting or self.meeting).id}{tail}"


@pytest.fixture
def scene(app) -> Scene:
    return Scene()


def answer(client, scene: Scene, who, reply: str = "yes", **body):
    return client.put(scene.url(), headers=scene.headers(who), json={"answer": reply, **body})


def rows() -> dict[int, tuple]:
    db.session.expire_all()
    return {r.member_id: (r.status, r.queue_seq, r.message, r.late)
            for r in db.session.scalars(select(Rsvp)).all()}


def guests() -> list[tuple]:
    db.session.expire_all()
    return [(g.name, g.email, g.status, g.kind) for g in db.session.scalars(
        select(MeetingGuest).order_by(MeetingGuest.id)).all()]


def outbox(kind: str) -> list[str]:
    db.session.expire_all()
    return [m.recipients for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()]


# --- authentication first ---------------------------------------------------------------------------

WRITES = [
    ("PUT", "/rsvp"), ("DELETE", "/rsvp"), ("PUT", "/rsvp/substitute"), ("PUT", "/rsvps/1"),
    ("POST", "/waitlist/promote"), ("DELETE", "/guests/1"), ("GET", "/rsvp"), ("GET", "/rsvps"),
]


@pytest.mark.parametrize("method, tail", WRITES)
def test_without_a_token_every_operation_is_401_before_the_body_is_read(client, scene, method, tail):
    for body in ({"json": {"answer": "a\x00b", "member_id": 2**63, "guests": "x"}}, {"json": [1]},
                 {"data": "{", "content_type": "application/json"}):
        response = client.open(scene.url(tail), method=method, **body)
        assert_unauthorized(response)
    assert rows() == {}


def test_a_broken_token_is_401_too(client, scene):
    assert_unauthorized(client.get(scene.url(), headers={"Authorization": "Bearer kk_nonsense"}))


# --- the caller's own answer -----------------------------------------------------------------------


def test_not_answered_then_yes_then_no_with_a_message(client, scene):
    member = scene.world.member
    response = client.get(scene.url(), headers=scene.headers(member))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json == {"meeting_id": scene.meeting.id, "mode": "opt_in", "status": None,
                             "expected": False, "waitlist_position": None, "message": "", "late": False,
                             "answered_at": None, "guests": [], "substitute": None}
    yes = answer(client, scene, member)
    assert yes.status_code == 200, yes.json
    assert yes.json["status"] == "going" and yes.json["waitlist_position"] is None
    assert yes.json["answered_at"].endswith("+01:00")  # the group's offset (Copenhagen, winter)
    no = answer(client, scene, member, "no", message="  Syg i dag\r\nbeklager ")
    assert no.status_code == 200
    assert (no.json["status"], no.json["message"], no.json["late"]) == (
        "declined", "Syg i dag\nbeklager", False)
    assert client.get(scene.url(), headers=scene.headers(member)).json == no.json
    row = db.session.scalar(select(Rsvp).where(Rsvp.member_id == member.id))
    assert row.via == "api"


def test_a_full_meeting_puts_later_answers_on_the_waitlist_in_order_and_a_withdrawal_promotes_the_first(
        client, scene):
    first, second, third, fourth = scene.members[:4]
    statuses = [answer(client, scene, who).json for who in (first, second, third, fourth)]
    assert [(s["status"], s["waitlist_position"]) for s in statuses] == [
        ("going", None), ("going", None), ("waitlisted", 1), ("waitlisted", 2)]
    assert outbox("rsvp_promoted") == []
    # Saying yes again keeps one's place in line.
    assert answer(client, scene, third).json["waitlist_position"] == 1
    withdrawn = client.delete(scene.url(), headers=scene.headers(first))
    assert withdrawn.status_code == 200
    assert withdrawn.json["status"] == "declined" and withdrawn.json["waitlist_position"] is None
    assert client.get(scene.url(), headers=scene.headers(third)).json["status"] == "going"
    assert client.get(scene.url(), headers=scene.headers(fourth)).json["waitlist_position"] == 1
    assert outbox("rsvp_promoted") == [third.email]
    # Withdrawing twice changes nothing more.
    assert client.delete(scene.url(), headers=scene.headers(first)).json["status"] == "declined"
    assert outbox("rsvp_promoted") == [third.email]


def test_guests_take_their_own_seats_behind_the_member_and_are_replaced_by_the_next_list(client, scene):
    scene.group.guest_limit = 2
    db.session.commit()
    member = scene.world.member
    first = answer(client, scene, member, guests=[
        {"name": "Gitte Gæst", "email": "Gitte@Example.com", "company": "Gæst A/S"},
        {"name": "Hans Hansen", "email": "hans@example.com"}])
    assert first.status_code == 200, first.json
    assert first.json["status"] == "going"
    assert [(g["name"], g["email"], g["company"], g["status"], g["waitlist_position"], g["kind"])
            for g in first.json["guests"]] == [
        ("Gitte Gæst", "gitte@example.com", "Gæst A/S", "going", None, "guest"),
        ("Hans Hansen", "hans@example.com", "", "waitlisted", 1, "guest")]  # the member first
    assert sorted(outbox("rsvp_guest")) == ["gitte@example.com", "hans@example.com"]
    # A new list: Hans stays, Gitte is cancelled (and told), her seat goes to Hans.
    second = answer(client, scene, member, guests=[{"name": "Hans Hansen", "email": "hans@example.com"}])
    assert [(g["name"], g["status"]) for g in second.json["guests"]] == [("Hans Hansen", "going")]
    assert ("Gitte Gæst", "gitte@example.com", "cancelled", "guest") in guests()
    # Without `guests` the list stays as it is.
    assert [g["name"] for g in answer(client, scene, member).json["guests"]] == ["Hans Hansen"]
    # Afbud cancels the member's guests.
    assert answer(client, scene, member, "no").json["guests"] == []
    assert {status for _n, _e, status, _k in guests()} == {"cancelled"}


def test_guest_rules_are_the_services(client, scene):
    member = scene.world.member
    scene.group.guest_limit = 1
    db.session.commit()
    two = [{"name": "A", "email": "a@example.com"}, {"name": "B", "email": "b@example.com"}]
    problem = assert_problem(answer(client, scene, member, guests=two), 422)
    assert problem["errors"] == {"guests": ["You can bring at most 1 guest to a meeting of this group."]}
    twice = [{"name": "A", "email": "a@example.com"}, {"name": "A", "email": "A@example.com"}]
    scene.group.guest_limit = 3
    db.session.commit()
    problem = assert_problem(answer(client, scene, member, guests=twice), 422)
    assert problem["errors"] == {"guests-1-email": ["This guest is on the list twice."]}
    problem = assert_problem(answer(client, scene, member, "no", guests=two[:1]), 422)
    assert problem["errors"] == {"guests": ["Guests come with a member who is coming."]}
    problem = assert_problem(answer(client, scene, member, guests=[{"name": "A", "email": "not-an-address"}]),
                             422)
    assert problem["errors"] == {"guests-0-email": ["Please enter a valid e-mail address."]}
    scene.meeting.guests_welcome = False
    db.session.commit()
    problem = assert_problem(answer(client, scene, member, guests=two[:1]), 422)
    assert problem["errors"] == {"guests": ["This meeting is for members only."]}
    assert rows() == {} and guests() == []


@pytest.mark.parametrize("body, errors", [
    ({}, {"answer": ["Please answer yes or no."]}),
    ({"answer": "maybe"}, {"answer": ["Please answer yes or no."]}),
    ({"answer": None}, {"answer": ["Please answer yes or no."]}),
    ({"answer": 1}, {"answer": ["Please enter text."]}),
    ({"answer": "yes", "message": 5}, {"message": ["Please enter text."]}),
    ({"answer": "no", "message": "a\x00b"}, {"message": UNSTORABLE}),
    ({"answer": "no", "message": "\ud800"}, {"message": UNSTORABLE}),
    ({"answer": "no", "message": "x" * 1001},
     {"message": ["Please keep the message under 1000 characters."]}),
    ({"answer": "yes", "guests": "x"}, {"guests": ["Please enter a list."]}),
    ({"answer": "yes", "guests": [{**GUEST, "name": 1}]}, {"guests-0-name": TEXT}),
    ({"answer": "yes", "guests": [{"name": " ", "email": ""}]},
     {"guests-0-name": ["Please enter the name."], "guests-0-email": ["Please enter an e-mail address."]}),
    ({"answer": "yes", "guests": [{"email": "a@example.com"}]},
     {"guests-0-name": ["Please enter the name."]}),
    ({"answer": "yes", "guests": [{"name": "x" * 201, "email": "a@example.com"}]},
     {"guests-0-name": ["Please use at most 200 characters."]}),
    ({"answer": "yes", "guests": [{"name": "A", "email": "a@example.com", "age": 3}]},
     {"guests-0-age": ["Unknown field."]}),
    ({"answer": "yes", "colour": "red"}, {"colour": ["Unknown field."]}),
    ({"answer": "yes", "guests": [{"name": "A", "email": "a@example.com"}] * 51},
     {"guests": ["Please use at most 50 characters."]}),
])
def test_wrong_bodies_are_422_naming_every_field(client, scene, body, errors):
    response = client.put(scene.url(), headers=scene.headers(scene.world.member), json=body)
    problem = assert_problem(response, 422)
    if body.get("guests") and len(body["guests"]) == 51:
        assert list(problem["errors"]) == ["guests"]  # a list too long (the message is marshmallow's)
    else:
        assert problem["errors"] == errors
    assert rows() == {}


@pytest.mark.parametrize("body", ["[1]", '"yes"', "null", "{", '{"answer": "yes"', "1" + "0" * 5000])
def test_a_body_that_is_not_an_object_is_refused(client, scene, body):
    response = client.put(scene.url(), headers=scene.headers(scene.world.member), data=body,
                          content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    assert rows() == {}


def test_a_body_that_is_not_json_is_415(client, scene):
    response = client.put(scene.url(), headers=scene.headers(scene.world.member), data="answer=yes",
                          content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415)


def test_problems_speak_the_callers_language(client, scene):
    headers = bearer(token_for(scene.world.member))
    danish = client.put(scene.url() + "?lang=da", headers=headers, json={"answer": "yes", "colour": 1})
    english = client.put(scene.url() + "?lang=en", headers=headers, json={"answer": "yes", "colour": 1})
    assert assert_problem(danish, 422)["errors"]["colour"] != english.json["errors"]["colour"]
    assert english.json["errors"]["colour"] == ["Unknown field."]
    assert_problem(client.put(scene.url() + "?lang=xx", headers=headers, json={"answer": "yes"}), 422)


# --- which meeting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_and_impossible_meetings_are_404(client, scene, method):
    headers = scene.headers(scene.world.member)
    for meeting_id in (999_999, 2**31 - 1, 2**31, 2**63, 10**30, -1, 0):
        response = client.open(f"/api/v1/meetings/{meeting_id}/rsvp", method=method, headers=headers,
                               json={"answer": "yes"} if method == "PUT" else None)
        assert_problem(response, 404)


def test_a_meeting_of_another_group_is_404_when_members_only_and_403_when_public(client, app):
    scene = Scene()
    outsider = scene.world.outsider
    for method, tail in (("GET", "/rsvp"), ("PUT", "/rsvp"), ("DELETE", "/rsvp"), ("GET", "/rsvps"),
                         ("PUT", "/rsvp/substitute")):
        body = {"answer": "yes"} if tail == "/rsvp" else {"name": "S", "email": "s@example.com"}
        response = client.open(scene.url(tail), method=method, headers=scene.headers(outsider),
                               json=body if method == "PUT" else None)
        assert_problem(response, 404)
    public_group = create_group(name="Kaffeklub Åben", is_public=True)
    public = create_meeting(group=public_group, starts_at=datetime(2031, 4, 2, 6, 30, tzinfo=UTC))
    for method, tail in (("GET", "/rsvp"), ("PUT", "/rsvp"), ("DELETE", "/rsvp"), ("GET", "/rsvps")):
        response = client.open(scene.url(tail, public), method=method, headers=scene.headers(outsider),
                               json={"answer": "yes"} if method == "PUT" else None)
        problem = assert_problem(response, 403)
        if tail == "/rsvp" and method != "GET":
            assert problem["detail"] == "Only members of Kaffeklub Åben can answer for its meetings."
    assert rows() == {}


def test_a_cancelled_meeting_takes_no_answers(client, scene):
    scene.meeting.status = "cancelled"
    db.session.commit()
    member = scene.world.member
    for response in (answer(client, scene, member), answer(client, scene, member, "no"),
                     client.delete(scene.url(), headers=scene.headers(member)),
                     client.put(scene.url("/rsvp/substitute"), headers=scene.headers(member),
                                json={"name": "S", "email": "s@example.com"}),
                     client.put(scene.url(f"/rsvps/{member.id}"), headers=scene.headers(scene.organizer),
                                json={"status": "going"})):
        assert assert_problem(response, 409)["detail"] == "This meeting is cancelled; it takes no sign-ups."
    assert client.get(scene.url(), headers=scene.headers(member)).status_code == 200
    assert rows() == {}


def test_a_meeting_that_started_takes_no_answers_from_members_but_corrections_from_organizers(client, scene):
    scene.meeting.starts_at = utcnow() - timedelta(minutes=5)
    scene.meeting.ends_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    member = scene.world.member
    withdraw = client.delete(scene.url(), headers=scene.headers(member))
    for response in (answer(client, scene, member), withdraw):
        assert assert_problem(response, 409)["detail"] == (
            "This meeting has started or taken place; it takes no more sign-ups.")
    assert rows() == {}
    response = client.put(scene.url(f"/rsvps/{member.id}"), headers=scene.headers(scene.organizer),
                          json={"status": "going"})
    assert response.status_code == 200 and response.json["status"] == "going"


def test_after_the_deadline_members_can_send_afbud_late_but_not_sign_up(client, scene):
    member, other = scene.members[:2]
    assert answer(client, scene, member).status_code == 200
    scene.meeting.rsvp_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    problem = assert_problem(answer(client, scene, other), 409)
    assert problem["detail"] == "The sign-up deadline has passed. Please contact the organizers."
    late = client.delete(scene.url(), headers=scene.headers(member))
    assert late.status_code == 200
    assert (late.json["status"], late.json["late"]) == ("declined", True)
    assert other.id not in rows()
    # Organizers still can.
    response = client.put(scene.url(f"/rsvps/{other.id}"), headers=scene.headers(scene.organizer),
                          json={"status": "going"})
    assert response.status_code == 200 and response.json["status"] == "going"


# --- substitutes -------------------------------------------------------------------------------------


def test_a_substitute_takes_the_members_seat(client, scene):
    member, second, third = scene.members[:3]
    for who in (member, second, third):
        answer(client, scene, who)
    response = client.put(scene.url("/rsvp/substitute"), headers=scene.headers(member),
                          json={"name": "Sofie Stedfortræder", "email": "sofie@example.com",
                                "company": "Firma", "message": "Sofie kommer for mig"})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["message"]) == ("declined", "Sofie kommer for mig")
    assert body["substitute"]["name"] == "Sofie Stedfortræder"
    assert (body["substitute"]["status"], body["substitute"]["kind"]) == ("going", "substitute")
    # Nobody moved up: the substitute holds the seat.
    assert client.get(scene.url(), headers=scene.headers(third)).json["waitlist_position"] == 1
    assert outbox("rsvp_promoted") == []
    assert "sofie@example.com" in outbox("rsvp_guest")


def test_substitute_input_is_checked_and_named_as_sent(client, scene):
    member = scene.world.member
    url, headers = scene.url("/rsvp/substitute"), scene.headers(member)
    problem = assert_problem(client.put(url, headers=headers, json={"name": "S", "email": "bad"}), 422)
    assert problem["errors"] == {"email": ["Please enter a valid e-mail address."]}
    myself = {"name": "Mig", "email": member.email}
    problem = assert_problem(client.put(url, headers=headers, json=myself), 422)
    assert problem["errors"] == {"email": ["The substitute is someone else than you."]}
    problem = assert_problem(client.put(url, headers=headers, json={}), 422)
    assert problem["errors"] == {"name": ["Please enter the name."],
                                 "email": ["Please enter an e-mail address."]}
    problem = assert_problem(client.put(url, headers=headers, json={
        "name": "a\x00", "email": 3, "company": "x" * 201, "message": ["x"]}), 422)
    assert sorted(problem["errors"]) == ["company", "email", "message", "name"]
    assert rows() == {} and guests() == []


# --- expected unless afbud ----------------------------------------------------------------------------


def test_in_an_expected_group_members_are_going_until_afbud_which_the_organizers_get(client, scene):
    scene.group.rsvp_mode = "expected"
    db.session.commit()
    member = scene.world.member
    body = client.get(scene.url(), headers=scene.headers(member)).json
    assert (body["mode"], body["status"], body["expected"]) == ("expected", "going", True)
    afbud = answer(client, scene, member, "no", message="På ferie")
    assert (afbud.json["status"], afbud.json["expected"]) == ("declined", False)
    assert outbox("rsvp_afbud") == [scene.organizer.email]
    listing = client.get(scene.url("/rsvps"), headers=scene.headers(scene.members[1])).json
    assert member.name not in listing["going"] and scene.members[1].name in listing["going"]
    assert listing["mode"] == "expected"


# --- who comes ---------------------------------------------------------------------------------------


def test_a_member_sees_only_the_names_going_and_the_organizers_everything(client, scene):
    scene.group.guest_limit = 1
    db.session.commit()
    member, second, third, fourth = scene.members[:4]
    answer(client, scene, member, guests=[{"name": "Gitte Gæst", "email": "gitte@example.com"}])
    answer(client, scene, second)
    answer(client, scene, third, "no", message="Syg")
    seen = client.get(scene.url("/rsvps"), headers=scene.headers(fourth))
    assert seen.status_code == 200
    assert seen.json == {"meeting_id": scene.meeting.id, "mode": "opt_in", "full": False, "capacity": 2,
                         "going": [member.name], "others_going": 0, "guests_going": 1}
    text = seen.get_data(as_text=True)
    assert "Gitte" not in text and "@" not in text and "Syg" not in text and second.name not in text

    for who in (scene.organizer, scene.world.admin):
        full = client.get(scene.url("/rsvps"), headers=scene.headers(who))
        assert full.status_code == 200
        body = full.json
        assert body["full"] is True and body["going"] == [member.name]
        assert body["counts"] == {"capacity": 2, "going": 2, "members_going": 1, "guests": 1, "expected": 0,
                                  "waitlisted": 1, "declined": 1, "not_answered": 3, "free": 0, "over_by": 0}
        by_name = {entry["member"]["name"]: entry for entry in body["attendees"]}
        assert [e["member"]["name"] for e in body["attendees"][:3]] == [member.name, second.name, third.name]
        first = by_name[member.name]
        assert first["member"] == {"id": member.id, "name": member.name, "email": member.email,
                                   "company": member.company}
        assert first["guests"][0]["name"] == "Gitte Gæst" and first["guests"][0]["status"] == "going"
        waiting = by_name[second.name]
        assert (waiting["status"], waiting["waitlist_position"]) == ("waitlisted", 1)
        assert (by_name[third.name]["status"], by_name[third.name]["message"]) == ("declined", "Syg")
        assert by_name[fourth.name]["status"] is None and by_name[fourth.name]["answered_at"] is None
        assert by_name[scene.organizer.name]["status"] is None


def test_the_list_is_for_members_of_the_group(client, app):
    scene = Scene(public=True)
    assert_problem(client.get(scene.url("/rsvps"), headers=scene.headers(scene.world.outsider)), 403)
    member = scene.headers(scene.world.member)
    assert_problem(client.get("/api/v1/meetings/999999/rsvps", headers=member), 404)


# --- organizers --------------------------------------------------------------------------------------


def test_an_organizer_sets_answers_and_goes_above_capacity_only_on_purpose(client, scene):
    member, second, third = scene.members[:3]
    organizer = scene.headers(scene.organizer)
    answer(client, scene, member)
    answer(client, scene, second)
    full = client.put(scene.url(f"/rsvps/{third.id}"), headers=organizer, json={"status": "going"})
    assert assert_problem(full, 409)["detail"].startswith("The meeting is full.")
    assert third.id not in rows()
    forced = client.put(scene.url(f"/rsvps/{third.id}"), headers=organizer,
                        json={"status": "going", "force": True})
    assert forced.status_code == 200, forced.json
    assert forced.json["status"] == "going" and forced.json["member"]["id"] == third.id
    counts = client.get(scene.url("/rsvps"), headers=organizer).json["counts"]
    assert (counts["going"], counts["over_by"], counts["free"]) == (3, 1, 0)
    listing = client.get(scene.url("/rsvps"), headers=organizer).json
    by_id = {e["member"]["id"]: e for e in listing["attendees"]}
    assert by_id[third.id]["forced"] is True and by_id[third.id]["via"] == "organizer"
    # To the waitlist (front of the line), then declined with a message: nobody is promoted while over.
    waiting = client.put(scene.url(f"/rsvps/{member.id}"), headers=organizer, json={"status": "waitlisted"})
    assert (waiting.json["status"], waiting.json["waitlist_position"]) == ("waitlisted", 1)
    declined = client.put(scene.url(f"/rsvps/{second.id}"), headers=organizer,
                          json={"status": "declined", "message": "Ringede"})
    assert (declined.json["status"], declined.json["message"]) == ("declined", "Ringede")
    assert declined.json["promoted"] == [member.name]  # one seat of two free again: the first in line
    assert outbox("rsvp_promoted") == [member.email]


def test_organizer_action_refusals(client, scene):
    member = scene.world.member
    organizer = scene.headers(scene.organizer)
    url = scene.url(f"/rsvps/{member.id}")
    # A plain member may not.
    assert_problem(client.put(url, headers=scene.headers(scene.members[1]), json={"status": "going"}), 403)
    assert_problem(client.post(scene.url("/waitlist/promote"), headers=scene.headers(scene.members[1]),
                               json={"member_id": member.id}), 403)
    # Nobody of this group, or no such member.
    for member_id in (scene.world.outsider.id, 999_999, 2**31 - 1):
        problem = assert_problem(client.put(scene.url(f"/rsvps/{member_id}"), headers=organizer,
                                            json={"status": "going"}), 404)
        assert problem["detail"] == "This person is not a member of the group."
    for member_id in (2**31, 2**63, -1):
        assert_problem(client.put(scene.url(f"/rsvps/{member_id}"), headers=organizer,
                                  json={"status": "going"}), 404)
    for body, errors in (
        ({}, {"status": ["Please choose going, waitlisted or declined."]}),
        ({"status": "maybe"}, {"status": ["Please choose going, waitlisted or declined."]}),
        ({"status": "going", "force": "sometimes"}, {"force": ["Please enter true or false."]}),
        ({"status": "declined", "message": "a\x00b"}, {"message": UNSTORABLE}),
    ):
        assert assert_problem(client.put(url, headers=organizer, json=body), 422)["errors"] == errors
    assert rows() == {}


def test_promote_a_waiting_member_or_guest(client, scene):
    scene.group.guest_limit = 1
    db.session.commit()
    member, second, third = scene.members[:3]
    organizer = scene.headers(scene.organizer)
    promote = scene.url("/waitlist/promote")
    answer(client, scene, member)
    answer(client, scene, second, guests=[{"name": "Gitte Gæst", "email": "gitte@example.com"}])
    answer(client, scene, third)
    guest_id = db.session.scalar(select(MeetingGuest.id))
    # Full: only on purpose.
    assert assert_problem(client.post(promote, headers=organizer, json={"member_id": third.id}), 409)
    response = client.post(promote, headers=organizer, json={"member_id": third.id, "force": True})
    assert response.status_code == 200, response.json
    by_id = {e["member"]["id"]: e for e in response.json["attendees"]}
    assert by_id[third.id]["status"] == "going" and by_id[third.id]["forced"] is True
    assert response.json["counts"]["over_by"] == 1
    assert outbox("rsvp_promoted") == [third.email]
    # The member leaves: still no seat free (one was forced above the capacity), so the guest waits.
    assert client.delete(scene.url(), headers=scene.headers(member)).status_code == 200
    assert by_guest(client, scene, guest_id)["status"] == "waitlisted"
    response = client.post(promote, headers=organizer, json={"guest_id": guest_id, "force": True})
    assert response.status_code == 200
    assert by_guest(client, scene, guest_id)["status"] == "going"
    assert outbox("rsvp_promoted") == [third.email, "gitte@example.com"]
    # Someone not waiting, someone who never answered, nonsense.
    problem = assert_problem(client.post(promote, headers=organizer, json={"member_id": second.id}), 409)
    assert problem["detail"] == "Only someone on the waitlist can be moved up."
    assert_problem(client.post(promote, headers=organizer, json={"member_id": scene.members[4].id}), 404)
    assert_problem(client.post(promote, headers=organizer, json={"guest_id": 999_999}), 404)
    for body in ({}, {"member_id": second.id, "guest_id": guest_id}, {"member_id": None}):
        problem = assert_problem(client.post(promote, headers=organizer, json=body), 422)
        assert sorted(problem["errors"]) == ["guest_id", "member_id"]
    for value, message in ((2**31, "The number is too large."), (2**63, "The number is too large."),
                           (0, "Please enter a number from 1 to 2147483647."),
                           ("7", "Please enter a whole number."),
                           (1.5, "Please enter a whole number."), (True, "Please enter a whole number.")):
        problem = assert_problem(client.post(promote, headers=organizer, json={"member_id": value}), 422)
        assert problem["errors"]["member_id"] == [message], value


def by_guest(client, scene: Scene, guest_id: int) -> dict:
    listing = client.get(scene.url("/rsvps"), headers=scene.headers(scene.organizer)).json
    return next(g for e in listing["attendees"] for g in e["guests"] if g["id"] == guest_id)


def test_removing_a_guest_frees_the_seat_for_the_first_in_line(client, scene):
    scene.group.guest_limit = 1
    db.session.commit()
    member, second, third = scene.members[:3]
    answer(client, scene, member, guests=[{"name": "Gitte Gæst", "email": "gitte@example.com"}])
    answer(client, scene, second)
    answer(client, scene, third, guests=[{"name": "Hans", "email": "hans@example.com"}])
    gitte, hans = db.session.scalars(select(MeetingGuest.id).order_by(MeetingGuest.id)).all()
    # Someone else's guest, a guest of another meeting, no such guest: 404, nothing changes.
    assert_problem(client.delete(scene.url(f"/guests/{gitte}"), headers=scene.headers(second)), 404)
    other = create_meeting(group=scene.group, starts_at=datetime(2031, 4, 2, 6, 30, tzinfo=UTC))
    assert_problem(client.delete(scene.url(f"/guests/{gitte}", other), headers=scene.headers(member)), 404)
    for guest_id in (999_999, 2**31, 2**63):
        assert_problem(client.delete(scene.url(f"/guests/{guest_id}"), headers=scene.headers(member)), 404)
    assert by_guest(client, scene, gitte)["status"] == "going"
    # The member's own guest: the seat goes to the first in line (the second member).
    response = client.delete(scene.url(f"/guests/{gitte}"), headers=scene.headers(member))
    assert response.status_code == 204 and response.data == b""
    assert by_guest(client, scene, gitte)["status"] == "cancelled"
    assert client.get(scene.url(), headers=scene.headers(second)).json["status"] == "going"
    assert outbox("rsvp_promoted") == [second.email]
    # An organizer removes anyone's guest; again changes nothing.
    for _ in range(2):
        response = client.delete(scene.url(f"/guests/{hans}"), headers=scene.headers(scene.organizer))
        assert response.status_code == 204
    assert by_guest(client, scene, hans)["status"] == "cancelled"
    assert client.get(scene.url(), headers=scene.headers(third)).json["guests"] == []


# --- the document --------------------------------------------------------------------------------------


def test_the_document_describes_the_sign_up_operations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    rsvp = paths["/api/v1/meetings/{meeting_id}/rsvp"]
    assert set(rsvp) >= {"get", "put", "delete"}
    assert rsvp["put"]["tags"] == ["Sign-ups"]
    assert {"200", "401", "403", "404", "409", "415", "422"} <= set(rsvp["put"]["responses"])
    assert rsvp["put"]["responses"]["409"]["content"]["application/problem+json"]
    assert "/api/v1/meetings/{meeting_id}/rsvps/{member_id}" in paths
    assert "/api/v1/meetings/{meeting_id}/waitlist/promote" in paths
    assert "204" in paths["/api/v1/meetings/{meeting_id}/guests/{guest_id}"]["delete"]["responses"]
    schemas = doc["components"]["schemas"]
    assert schemas["RsvpInput"]["required"] == ["answer"]
    assert schemas["RsvpInput"]["properties"]["answer"]["enum"] == ["yes", "no"]
    assert schemas["RsvpInput"]["properties"]["message"]["maxLength"] == 1000
    assert sorted(schemas["PersonInput"]["required"]) == ["email", "name"]
    assert schemas["PersonInput"]["properties"]["name"]["maxLength"] == 200
    assert schemas["MemberStatusInput"]["properties"]["status"]["enum"] == ["going", "waitlisted", "declined"]
    promote = schemas["PromoteInput"]["properties"]["member_id"]
    assert (promote["minimum"], promote["maximum"]) == (1, 2**31 - 1)
    assert set(schemas["Rsvp"]["required"]) == {
        "meeting_id", "mode", "status", "expected", "waitlist_position", "message", "late", "answered_at",
        "guests", "substitute"}
    assert set(schemas["RsvpList"]["required"]) == {
        "meeting_id", "mode", "full", "capacity", "going", "others_going", "guests_going"}


def test_stored_meeting_is_untouched_by_sign_ups(client, scene):
    """Answers change rsvps, not the meeting (its SEQUENCE stays: calendars need no update)."""
    answer(client, scene, scene.world.member)
    db.session.expire_all()
    assert db.session.get(Meeting, scene.meeting.id).sequence == 0
