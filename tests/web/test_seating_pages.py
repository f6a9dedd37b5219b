"""The seating pages: who sees what (organizer, member, other group, admin, anonymous), the settings
form with hostile input, moves with and without JavaScript's JSON endpoint, a stale page, re-plan,
publish, the big screen, table cards, "mine borde", the meeting page's hook and the group's rules."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.seating import services
from tests.factories import create_member
from tests.web.form_helpers import encode
from tests.web.seating_helpers import build_room, going, key, plan_of


@pytest.fixture(autouse=True)
def quick(app):
    app.config["SEATING_SECONDS"] = 60.0
    app.config["SEATING_MAX_ITERATIONS"] = 20000


@pytest.fixture
def room(app, english):
    return build_room(others=6, guest=True)


def as_(client, login, room, role):
    person = room.person(role)
    if person is not None:
        login(person)
    return client


def generate(room, **settings):
    settings = settings or {"tables": 2, "rounds": 2}
    return services.generate(room.organizer, room.meeting.id, settings, seed=1).plan


FORM = "application/x-www-form-urlencoded"
PAGES = ["/meetings/{id}/seating", "/meetings/{id}/seating/screen?round=1", "/meetings/{id}/seating/cards"]


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("outsider", 404), ("member", 403),
                                          ("organizer", 200), ("admin", 200)])
@pytest.mark.parametrize("page", PAGES)
def test_organizer_pages_by_role(client, login, room, role, status, page):
    generate(room)
    response = as_(client, login, room, role).get(page.format(id=room.meeting.id))
    assert response.status_code == status
    if status == 200:
        assert "Mads Member" in response.text and "Gitte Gæst" in response.text
    if status == 302:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("outsider", 404), ("member", 403)])
@pytest.mark.parametrize("action", ["generate", "move", "move.json", "replan", "publish"])
def test_actions_refused_by_role(client, login, room, role, status, action):
    plan = generate(room)
    data = {"tables": "2", "value": "2", "version": str(plan.version), "round": "1", "table": "2",
            "key": plan.rounds[0][0][0], "published": "1"}
    url = f"/meetings/{room.meeting.id}/seating/{action}"
    client = as_(client, login, room, role)
    if action == "move.json":
        response = client.post(url, json={"round": 1, "table": 2, "key": data["key"],
                                          "version": plan.version})
    else:
        response = client.post(url, data=data)
    assert response.status_code == status
    assert plan_of(room.meeting).version == plan.version


def test_the_first_plan(client, login, room):
    login(room.organizer)
    page = client.get(f"/meetings/{room.meeting.id}/seating")
    assert page.status_code == 200 and "data-no-plan" in page.text and "Make seating plan" in page.text
    response = client.post(f"/meetings/{room.meeting.id}/seating/generate",
                           data={"layout": "table_size", "value": "3", "rounds": "2", "version": "0"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "The seating plan is ready" in page.text
    plan = plan_of(room.meeting)
    assert plan.round_count == 2 and plan.version == 1
    assert "Round 2" in page.text and "Table 3" in page.text and "New acquaintances" in page.text
    assert "Not published" in page.text
    assert "Firma 0 ApS" in page.text  # names with their company


@pytest.mark.parametrize("data, message", [
    ({"layout": "tables", "value": "0"}, "from 1 to 100 tables"),
    ({"layout": "tables", "value": "1" * 31}, "whole number"),
    ({"layout": "tables", "value": "20"}, "More tables (20) than people (9)"),
    ({"layout": "table_size", "value": "1"}, "at least 2 people"),
    ({"layout": "table_sizes", "value": "6,six"}, "list the table sizes"),
    ({"layout": "table_sizes", "value": "3,3"}, "The tables seat 6, but 9 people are coming"),
    ({"layout": "table_size", "value": ""}, "Say how many tables"),
    ({"layout": "table_size", "value": "3", "rounds": "5"}, "from 1 to 4 rounds"),
    ({"layout": "table_size", "value": "3", "rounds": "x"}, "from 1 to 4 rounds"),
    ({"layout": "table_size", "value": "3\x00"}, "cannot be saved"),
    ({"layout": "table_size", "value": "\ud800"}, "whole number"),  # arrives as U+FFFD
])
def test_settings_form_refusals(client, login, room, data, message):
    login(room.organizer)
    response = client.post(f"/meetings/{room.meeting.id}/seating/generate",
                           data=encode(list({"version": "0", **data}.items())), content_type=FORM)
    assert response.status_code == 422
    assert message in response.text
    assert plan_of(room.meeting) is None


def test_move_without_javascript(client, login, room):
    plan = generate(room)
    person = plan.rounds[1][0][0]
    login(room.organizer)
    response = client.post(f"/meetings/{room.meeting.id}/seating/move",
                           data={"key": person, "round": "2", "table": "2", "version": str(plan.version)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/seating#round-2")
    saved = plan_of(room.meeting)
    assert person in saved.rounds[1][1] and saved.version == 2


def test_a_stale_page_is_told_to_reload(client, login, room):
    plan = generate(room)
    person = plan.rounds[0][0][0]
    services.publish(room.organizer, room.meeting.id, True, version=1)  # another organizer: version 2
    login(room.organizer)
    response = client.post(f"/meetings/{room.meeting.id}/seating/move",
                           data={"key": person, "round": "1", "table": "2", "version": "1"})
    assert response.status_code == 409
    assert "The plan has been changed by someone else; load it again." in response.text
    for action, data in [("replan", {"version": "1"}), ("publish", {"version": "1", "published": "0"}),
                         ("generate", {"version": "1", "layout": "tables", "value": "2"})]:
        response = client.post(f"/meetings/{room.meeting.id}/seating/{action}", data=data)
        assert response.status_code == 409 and "load it again" in response.text
    assert plan_of(room.meeting).version == 2


@pytest.mark.parametrize("data", [
    {"round": "abc", "table": "2"}, {"round": "1", "table": "99"}, {"round": "1", "table": ""},
    {"round": "99999999999", "table": "1"}, {"round": "1", "table": "2", "key": "m999999"},
    {"round": "1", "table": "2", "key": "x\x00"},
])
def test_bad_move_forms(client, login, room, data):
    plan = generate(room)
    login(room.organizer)
    response = client.post(f"/meetings/{room.meeting.id}/seating/move",
                           data={"key": plan.rounds[0][0][0], "version": str(plan.version), **data})
    assert response.status_code in (409, 422)
    assert plan_of(room.meeting).version == plan.version


def test_move_json(client, login, room):
    plan = generate(room)
    person = plan.rounds[1][0][0]
    login(room.organizer)
    url = f"/meetings/{room.meeting.id}/seating/move.json"
    response = client.post(url, json={"key": person, "round": 2, "table": 2, "version": plan.version})
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 2 and "data-quality" in body["quality"] and "Round 2" in body["plan"]
    assert person in plan_of(room.meeting).rounds[1][1]
    # The page's old version now: 409 with the message; bad bodies: 4xx with a message, never 500.
    again = client.post(url, json={"key": person, "round": 2, "table": 1, "version": 1})
    assert again.status_code == 409 and "load it again" in again.get_json()["error"]
    for body in [None, [], {"key": person, "round": "2", "table": 1, "version": 2},
                 {"key": person, "round": 2, "table": 1}, {"key": 5, "round": 1, "table": 1, "version": 2},
                 {"key": person, "round": 2, "table": 10**30, "version": 2},
                 {"key": person, "round": 2, "table": 1, "version": "2"}]:
        response = client.post(url, json=body) if body is not None else client.post(url, data="{nope",
                                                                                     content_type="application/json")
        assert 400 <= response.status_code < 500
        assert response.get_json()["error"]


def test_replan_page_reports_moves(client, login, room):
    plan = generate(room, tables=3, rounds=2)
    late = create_member(groups=[room.group], name="Lene Late")
    going(room.meeting, late)
    login(room.organizer)
    page = client.get(f"/meetings/{room.meeting.id}/seating")
    assert "Not seated yet: Lene Late." in page.text
    assert "data-replan-now" in page.text  # the button is beside the notice, not in the folded settings
    response = client.post(f"/meetings/{room.meeting.id}/seating/replan", data={"version": str(plan.version)})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Planned again: 0 people changed table." in page.text
    assert key(late) in [k for t in plan_of(room.meeting).rounds[0] for k in t]


def test_publish_then_members_see_their_tables(client, login, room):
    plan = generate(room)
    login(room.member)
    meeting_page = client.get(f"/meetings/{room.meeting.id}")
    assert "Your tables" not in meeting_page.text and "data-seating-button" not in meeting_page.text
    mine = client.get(f"/meetings/{room.meeting.id}/my-tables")
    assert mine.status_code == 200 and "not published yet" in mine.text
    assert "Firma" not in mine.text

    login(room.organizer)
    assert "data-seating-button" in client.get(f"/meetings/{room.meeting.id}").text
    response = client.post(f"/meetings/{room.meeting.id}/seating/publish",
                           data={"version": str(plan.version), "published": "1"})
    assert response.status_code == 303
    assert plan_of(room.meeting).published_at is not None

    login(room.member)
    page = client.get(f"/meetings/{room.meeting.id}").text
    assert "Your tables" in page and "Round 1:" in page and "Round 2:" in page
    mine = client.get(f"/meetings/{room.meeting.id}/my-tables").text
    saved = plan_of(room.meeting)
    table = next(t for t in saved.rounds[0] if key(room.member) in t)
    companion = next(k for k in table if k != key(room.member))
    names = {key(m): m.name for m in room.going}
    names[f"g{room.guest.id}"] = "Gitte Gæst"
    assert names[companion] in mine and "data-my-tables" in mine


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("outsider", 404), ("member", 200),
                                          ("organizer", 200), ("admin", 200)])
def test_my_tables_by_role(client, login, room, role, status):
    generate(room)
    response = as_(client, login, room, role).get(f"/meetings/{room.meeting.id}/my-tables")
    assert response.status_code == status


def test_screen_has_one_round_a_page(client, login, room):
    generate(room, tables=2, rounds=3)
    login(room.organizer)
    screen = client.get(f"/meetings/{room.meeting.id}/seating/screen?round=2")
    assert screen.status_code == 200
    assert "<h1>Round 2</h1>" in screen.text and "Table 1" in screen.text and "Table 2" in screen.text
    assert 'aria-current="page">Round 2<' in screen.text
    plan = plan_of(room.meeting)
    names = {key(m): m.name for m in room.going} | {f"g{room.guest.id}": "Gitte Gæst"}
    assert ", ".join(names[k] for k in plan.rounds[1][0]) in screen.text
    assert client.get(f"/meetings/{room.meeting.id}/seating/screen?round=99").status_code == 200
    assert client.get(f"/meetings/{room.meeting.id}/seating/screen?round=x").status_code == 200
    cards = client.get(f"/meetings/{room.meeting.id}/seating/cards")
    assert cards.text.count('class="table-card"') == 2 and "break-after" not in cards.text


def test_no_plan_yet_screen_and_cards_are_404(client, login, room):
    login(room.organizer)
    assert client.get(f"/meetings/{room.meeting.id}/seating/screen").status_code == 404
    assert client.get(f"/meetings/{room.meeting.id}/seating/cards").status_code == 404


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("outsider", 404), ("member", 403),
                                          ("organizer", 200), ("admin", 200)])
def test_rules_page_by_role(client, login, room, role, status):
    response = as_(client, login, room, role).get(f"/groups/{room.group.slug}/seating-rules")
    assert response.status_code == status


def test_rules_page_add_and_remove(client, login, room):
    login(room.organizer)
    a, b = room.others[0], room.others[1]
    url = f"/groups/{room.group.slug}/seating-rules"
    response = client.post(url, data={"member_a": str(a.id), "member_b": str(b.id), "kind": "apart",
                                      "note": "Konkurrenter"})
    assert response.status_code == 303
    page = client.get(url).text
    assert "Konkurrenter" in page and a.name in page
    bad = client.post(url, data={"member_a": str(a.id), "member_b": str(a.id), "kind": "apart"})
    assert bad.status_code == 422 and "two different members" in bad.text
    bad = client.post(url, data=encode([("member_a", "x"), ("member_b", "\ud800"), ("kind", "??"),
                                        ("note", "a\x00")]), content_type=FORM)
    assert bad.status_code == 422
    from app.models import SeatingRule

    rule_id = db.session.query(SeatingRule).one().id
    assert client.post(f"{url}/{rule_id}/delete").status_code == 303
    assert db.session.query(SeatingRule).count() == 0
    assert client.post(f"{url}/{rule_id}/delete").status_code == 404


def test_the_seating_button_before_during_and_after_the_meeting(client, login, room):
    from datetime import UTC, datetime, timedelta

    login(room.organizer)
    meeting_url = f"/meetings/{room.meeting.id}"
    assert "data-seating-button" in client.get(meeting_url).text  # before
    now = datetime.now(UTC).replace(microsecond=0)
    room.meeting.starts_at, room.meeting.ends_at = now - timedelta(minutes=30), now + timedelta(minutes=60)
    db.session.commit()
    assert "data-seating-button" in client.get(meeting_url).text  # during
    room.meeting.starts_at, room.meeting.ends_at = now - timedelta(days=1), now - timedelta(days=1, hours=-1)
    db.session.commit()
    assert "data-seating-button" not in client.get(meeting_url).text  # after, without a plan
    generate(room)
    assert "data-seating-button" in client.get(meeting_url).text  # after, with one
    room.meeting.status = "cancelled"
    db.session.commit()
    assert "data-seating-button" not in client.get(meeting_url).text


def test_quality_box_names_the_repeated_pairs(client, login, app, english):
    from datetime import date

    from tests.web.seating_helpers import met

    room = build_room(others=2)  # four people at two tables of two
    a, b, c, d = room.going
    met(room, a, b, date(2025, 3, 1))
    met(room, a, b, date(2025, 6, 1))
    version = generate(room, tables=2, rounds=2).version
    A, B, C, D = (key(m) for m in (a, b, c, d))
    services.save(room.organizer, room.meeting.id, [[[A, B], [C, D]], [[A, B], [C, D]]], version=version)
    login(room.organizer)
    page = client.get(f"/meetings/{room.meeting.id}/seating").text
    assert '<dd data-q="new_pairs">1</dd>' in page and '<dd data-q="repeats">3</dd>' in page
    assert "2 pairs sit together in more than one round today." in page
    assert "Who sits together again (2 pairs)" in page
    assert f"{a.name} &amp; {b.name}:" in page or f"{b.name} &amp; {a.name}:" in page
    assert "last met Jun 1, 2025, 2 times" in page and "together in 2 rounds today" in page


def test_rules_page_from_a_plan_leads_back_to_it(client, login, room):
    """From the plan's rules button the rules page leads back to that plan, also after saving a rule;
    a meeting of another group, or a bad number, gives the plain page."""
    from tests.factories import create_meeting
    login(room.organizer)
    plan_url = f"/meetings/{room.meeting.id}/seating"
    assert f"/groups/{room.group.slug}/seating-rules?meeting={room.meeting.id}" in client.get(plan_url).text
    url = f"/groups/{room.group.slug}/seating-rules"
    page = client.get(url, query_string={"meeting": room.meeting.id}).text
    assert "data-rules-back" in page and f'href="{plan_url}"' in page
    a, b = room.others[0], room.others[1]
    response = client.post(url + f"?meeting={room.meeting.id}",
                           data={"member_a": str(a.id), "member_b": str(b.id), "kind": "apart"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"?meeting={room.meeting.id}")
    elsewhere = create_meeting(group=room.other_group, title="Andet møde")
    for value in (str(elsewhere.id), "²", "9" * 40, "-1", ""):
        page = client.get(url, query_string={"meeting": value})
        assert page.status_code == 200 and "data-rules-back" not in page.text
    # The app refuses a NUL byte anywhere.
    assert client.get(url, query_string={"meeting": "\x00"}).status_code == 400
