"""A group's calendar settings: invitations sent automatically N days before each meeting
(`invite_days_before`, empty: only when an organizer sends them) and the reminder the day before
(`reminder_time`, empty: none), on the group form and in the API, with the same words for the same
mistake on both channels, and hostile input refused with a clear message (never a 500)."""

from __future__ import annotations

import html
import re
from datetime import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.models import Group
from tests.factories import build_world, client_for
from tests.web.api_helpers import assert_problem, bearer, token_for

LANGS = ("da", "en")


def _edit_form(group: Group, **overrides) -> dict:
    data = {"name": group.name, "slug": group.slug, "description": group.description,
            "timezone": group.timezone, "rsvp_mode": group.rsvp_mode, "guest_limit": str(group.guest_limit),
            "invite_days_before": "", "reminder_time": ""}
    data.update(overrides)
    return data


def _field_error(page: str, field: str) -> str | None:
    match = re.search(rf'id="{field}-error" class="invalid-feedback[^"]*">(.*?)</div>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def _web_error(client, lang: str, group: Group, field: str, value: str) -> str | None:
    with client.session_transaction() as session:
        session["lang"] = lang
    response = client.post(f"/groups/{group.slug}/edit", data=_edit_form(group, **{field: value}))
    assert response.status_code == 422, (field, value, response.status_code)
    return _field_error(response.get_data(as_text=True), field)


def _api_errors(client, lang: str, group: Group, headers, body: dict) -> dict:
    response = client.patch(f"/api/v1/groups/{group.slug}?lang={lang}", json=body, headers=headers)
    assert_problem(response, 422)
    return response.get_json()["errors"]


# --- the web form -----------------------------------------------------------------------------------


def test_the_form_explains_both_settings_and_saves_them(app, login, english):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    page = client.get(f"/groups/{world.a.slug}/edit").get_data(as_text=True)
    assert "Send calendar invitations automatically" in page
    assert "days before the meeting" in page
    assert "Leave it empty to send the invitations yourself" in page
    assert "Reminder the day before, at" in page and "Leave it empty for no reminder" in page
    assert 'name="reminder_time" type="time"' in page or 'type="time"' in page
    assert 'aria-describedby="invite_days_before-unit invite_days_before-help"' in page

    response = client.post(f"/groups/{world.a.slug}/edit",
                           data=_edit_form(world.a, invite_days_before="7", reminder_time="17:00"))
    assert response.status_code == 302
    db.session.refresh(world.a)
    assert (world.a.invite_days_before, world.a.reminder_time) == (7, time(17, 0))
    page = client.get(f"/groups/{world.a.slug}/edit").get_data(as_text=True)
    assert re.search(r'id="invite_days_before"[^>]*value="7"', page)
    assert re.search(r'id="reminder_time"[^>]*value="17:00"', page)
    # The group page says what members can expect.
    # (split() also splits at the narrow no-break space in "5:00 PM")
    page = " ".join(client.get(f"/groups/{world.a.slug}").get_data(as_text=True).split())
    assert "Calendar invitations go out automatically 7 days before each meeting." in page
    assert "A reminder goes to everyone coming the day before at 5:00 PM." in page

    # Emptied: back to "only by hand" and "no reminder".
    response = client.post(f"/groups/{world.a.slug}/edit", data=_edit_form(world.a))
    assert response.status_code == 302
    db.session.refresh(world.a)
    assert (world.a.invite_days_before, world.a.reminder_time) == (None, None)
    page = " ".join(client.get(f"/groups/{world.a.slug}").get_data(as_text=True).split())
    assert "Calendar invitations are sent by an organizer." in page and "No reminder the day before." in page


def test_in_danish_the_form_reads_as_an_organizer_says_it(app, client, login):
    """(Needs the Danish catalog with this work's strings, /tmp/i18n-invui/strings.po.)"""
    world = build_world()
    login(world.organizer)
    page = client.get(f"/groups/{world.a.slug}/edit").get_data(as_text=True)
    assert "Send kalenderinvitationer automatisk" in page and "dage før mødet" in page
    assert "Påmindelse dagen før, kl." in page
    assert _web_error(client, "da", world.a, "invite_days_before", "91") == (
        "Skriv et antal dage fra 0 til 90, eller lad feltet stå tomt, hvis I selv sender invitationerne.")


@pytest.mark.parametrize("typed, stored", [("0", 0), ("90", 90), (" 14 ", 14)])
def test_days_at_the_edges_are_kept(app, login, english, typed, stored):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    response = client.post(f"/groups/{world.a.slug}/edit", data=_edit_form(world.a, invite_days_before=typed))
    assert response.status_code == 302
    db.session.refresh(world.a)
    assert world.a.invite_days_before == stored


@pytest.mark.parametrize("typed, stored", [("9:30", time(9, 30)), ("17.00", time(17, 0)),
                                           ("07:05:59", time(7, 5)), ("23:59", time(23, 59)),
                                           ("00:00", time(0, 0))])
def test_times_as_people_type_them(app, login, english, typed, stored):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    response = client.post(f"/groups/{world.a.slug}/edit", data=_edit_form(world.a, reminder_time=typed))
    assert response.status_code == 302
    db.session.refresh(world.a)
    assert world.a.reminder_time == stored


def test_a_new_group_has_no_automatic_invitations_and_no_reminder(app, login, english):
    world = build_world()
    client = client_for(app, login, world, "admin")
    response = client.post("/groups/new", data={"name": "Kaffeklub Vejle", "slug": "kaffeklub-vejle",
                                                "timezone": "Europe/Copenhagen"})
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.slug == "kaffeklub-vejle"))
    assert (group.invite_days_before, group.reminder_time) == (None, None)


def test_members_cannot_change_the_settings(app, login, english):
    world = build_world()
    client = client_for(app, login, world, "member")
    response = client.post(f"/groups/{world.a.slug}/edit", data=_edit_form(world.a, invite_days_before="3"))
    assert response.status_code == 403
    db.session.refresh(world.a)
    assert world.a.invite_days_before is None


# --- the same words on the web and in the API --------------------------------------------------------

# (name, field, what the form sends, what the API sends)
MISTAKES = [
    ("days negative", "invite_days_before", "-1", -1),
    ("days beyond 90", "invite_days_before", "91", 91),
    ("days huge", "invite_days_before", "99999999999999999999", 99999999999999999999),
    ("days beyond a database number", "invite_days_before", "3000000000", 3000000000),
    ("time 25:00", "reminder_time", "25:00", "25:00"),
    ("time 17:60", "reminder_time", "17:60", "17:60"),
    ("time words", "reminder_time", "efter frokost", "efter frokost"),
    ("time with a NUL", "reminder_time", "17:00\x00", "17:00\x00"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, field, web, api", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_the_same_mistake_reads_the_same_on_the_web_and_in_the_api(app, client, login, lang, name, field,
                                                                   web, api):
    world = build_world()
    login(world.organizer)
    on_web = _web_error(client, lang, world.a, field, web)
    on_api = _api_errors(client, lang, world.a, bearer(token_for(world.organizer)), {field: api})
    assert on_web, name
    assert [on_web] == on_api[field], name


def test_the_messages_say_what_to_do(app, client, login, english):
    world = build_world()
    login(world.organizer)
    days = _web_error(client, "en", world.a, "invite_days_before", "365")
    assert days == ("Please enter a number of days from 0 to 90, or leave the field empty to send the "
                    "invitations yourself.")
    clock = _web_error(client, "en", world.a, "reminder_time", "25:00")
    assert clock == "Please enter a time of day such as 17:00, or leave the field empty for no reminder."


def test_both_mistakes_at_once_and_nothing_saved(app, client, login, english):
    world = build_world()
    login(world.organizer)
    response = client.post(f"/groups/{world.a.slug}/edit",
                           data=_edit_form(world.a, invite_days_before="abc", reminder_time="25:00"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _field_error(page, "invite_days_before") and _field_error(page, "reminder_time")
    errors = _api_errors(client, "en", world.a, bearer(token_for(world.organizer)),
                         {"invite_days_before": 100, "reminder_time": "24:00"})
    assert set(errors) == {"invite_days_before", "reminder_time"}
    db.session.refresh(world.a)
    assert (world.a.invite_days_before, world.a.reminder_time) == (None, None)


# --- the API -------------------------------------------------------------------------------------------


def test_api_reads_and_changes_the_settings(app, client, english):
    world = build_world()
    headers = bearer(token_for(world.organizer))
    body = client.get(f"/api/v1/groups/{world.a.slug}", headers=headers).get_json()
    assert body["invite_days_before"] is None and body["reminder_time"] is None

    response = client.patch(f"/api/v1/groups/{world.a.slug}", headers=headers,
                            json={"invite_days_before": 7, "reminder_time": "9.30"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["invite_days_before"] == 7
    assert response.get_json()["reminder_time"] == "09:30"
    db.session.refresh(world.a)
    assert (world.a.invite_days_before, world.a.reminder_time) == (7, time(9, 30))

    # Another field alone leaves them as they are.
    response = client.patch(f"/api/v1/groups/{world.a.slug}", headers=headers, json={"guest_limit": 2})
    assert response.get_json()["invite_days_before"] == 7
    assert response.get_json()["reminder_time"] == "09:30"

    # null (and "" for the time) switch them off.
    response = client.patch(f"/api/v1/groups/{world.a.slug}", headers=headers,
                            json={"invite_days_before": None, "reminder_time": ""})
    assert response.status_code == 200
    assert response.get_json()["invite_days_before"] is None
    assert response.get_json()["reminder_time"] is None
    listed = client.get("/api/v1/groups", headers=headers).get_json()
    assert {"invite_days_before": None, "reminder_time": None}.items() <= listed[0].items()


def test_api_wrong_json_types_are_field_errors(app, client, english):
    world = build_world()
    headers = bearer(token_for(world.organizer))
    for body in ({"invite_days_before": "7"}, {"invite_days_before": 7.5}, {"invite_days_before": True},
                 {"invite_days_before": [7]}, {"reminder_time": 1700}, {"reminder_time": {"h": 17}},
                 {"invite_days_before": 1e308}):
        response = client.patch(f"/api/v1/groups/{world.a.slug}", headers=headers, json=body)
        problem = assert_problem(response, 422)
        assert set(problem["errors"]) == set(body), body
    db.session.refresh(world.a)
    assert (world.a.invite_days_before, world.a.reminder_time) == (None, None)


def test_api_members_may_not_change_the_settings(app, client, english):
    world = build_world()
    response = client.patch(f"/api/v1/groups/{world.a.slug}", headers=bearer(token_for(world.member)),
                            json={"invite_days_before": 3})
    assert_problem(response, 403)
    response = client.patch(f"/api/v1/groups/{world.a.slug}", json={"invite_days_before": 3})
    assert response.status_code == 401


# --- a little fuzzing -----------------------------------------------------------------------------------

_texts = st.one_of(st.text(max_size=12), st.from_regex(r"-?[0-9]{1,25}", fullmatch=True),
                   st.sampled_from(["24:00", "23:60", "1e3", "0x10", "٣", "１７:００", "17:00\n",
                                    "17:00\x00"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=_texts, clock=_texts)
def test_any_text_in_the_form_is_saved_or_refused_on_its_field(app, client, login, english, days, clock):
    world = build_world() if not db.session.scalar(select(Group.id).limit(1)) else None
    group = db.session.scalar(select(Group).where(Group.slug == "kaffeklub-aarhus"))
    organizer = world.organizer if world else None
    if organizer is not None:
        login(organizer)
    response = client.post(f"/groups/{group.slug}/edit",
                           data=_edit_form(group, invite_days_before=days, reminder_time=clock))
    assert response.status_code in (302, 400, 422), response.status_code
    if response.status_code == 422:
        page = response.get_data(as_text=True)
        assert _field_error(page, "invite_days_before") or _field_error(page, "reminder_time")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["invite_days_before", "reminder_time"]),
                            st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                                      st.text(max_size=10)), min_size=1))
def test_any_json_is_saved_or_refused_on_its_field(app, client, english, body):
    group = db.session.scalar(select(Group).where(Group.slug == "kaffeklub-aarhus"))
    if group is None:
        world = build_world()
        group = world.a
        client.application.config["_fuzz_token"] = token_for(world.organizer)
    headers = bearer(client.application.config["_fuzz_token"])
    response = client.patch(f"/api/v1/groups/{group.slug}", headers=headers, json=body)
    assert response.status_code in (200, 422), (body, response.status_code, response.get_data(as_text=True))
    if response.status_code == 422:
        assert set(response.get_json()["errors"]) <= set(body)
    else:
        answer = response.get_json()
        assert answer["invite_days_before"] is None or 0 <= answer["invite_days_before"] <= 90
        assert answer["reminder_time"] is None or re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]",
                                                               answer["reminder_time"])
