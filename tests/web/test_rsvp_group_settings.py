"""A group's sign-up settings: how members answer (rsvp_mode) and how many guests each may bring
(guest_limit), on the group form, the group page and the API, with the same rules everywhere."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Group
from tests.factories import build_world, client_for
from tests.web.api_helpers import assert_problem, bearer, token_for

pytestmark = pytest.mark.usefixtures("english")


def _group_form(**overrides):
    data = {"name": "Kaffeklub Vejle", "slug": "kaffeklub-vejle", "description": "Morgenmad i Vejle",
            "timezone": "Europe/Copenhagen", "is_public": "y", "rsvp_mode": "expected", "guest_limit": "3"}
    data.update(overrides)
    return data


def _edit_form(group: Group, **overrides):
    data = {"name": group.name, "slug": group.slug, "description": group.description,
            "timezone": group.timezone, "rsvp_mode": group.rsvp_mode, "guest_limit": str(group.guest_limit)}
    data.update(overrides)
    return data


# --- the web form -----------------------------------------------------------------------------------


def test_admin_creates_an_expected_group_with_three_guests(app, login):
    world = build_world()
    client = client_for(app, login, world, "admin")
    page = client.get("/groups/new").get_data(as_text=True)
    # Both choices, each explained beside it; the default is "sign up to come", one guest.
    assert 'value="opt_in"' in page and 'value="expected"' in page
    assert "Members come when they have said yes" in page
    assert "Members come unless they send afbud" in page
    assert 'aria-describedby="rsvp_mode-0-explained"' in page
    assert _checked(page, "opt_in") and not _checked(page, "expected")
    assert 'name="guest_limit"' in page and 'value="1"' in page

    response = client.post("/groups/new", data=_group_form())
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.slug == "kaffeklub-vejle"))
    assert (group.rsvp_mode, group.guest_limit) == ("expected", 3)


def test_a_new_group_without_the_settings_gets_the_defaults(app, login):
    world = build_world()
    form = _group_form()
    del form["rsvp_mode"], form["guest_limit"]
    response = client_for(app, login, world, "admin").post("/groups/new", data=form)
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.slug == "kaffeklub-vejle"))
    assert (group.rsvp_mode, group.guest_limit) == ("opt_in", 1)


def test_organizer_changes_the_settings_and_the_group_page_shows_them(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    edit = client.get(f"/groups/{world.a.slug}/edit").get_data(as_text=True)
    assert _checked(edit, "opt_in")
    response = client.post(f"/groups/{world.a.slug}/edit", data=_edit_form(world.a, rsvp_mode="expected",
                                                                             guest_limit="0"))
    assert response.status_code == 302
    db.session.refresh(world.a)
    assert (world.a.rsvp_mode, world.a.guest_limit) == ("expected", 0)
    page = client.get(f"/groups/{world.a.slug}").get_data(as_text=True)
    assert 'data-rsvp-mode="expected"' in page
    assert "Everyone is expected: members come unless they send afbud." in page
    assert 'data-guest-limit="0"' in page and "Members only: no guests." in page
    edit = client.get(f"/groups/{world.a.slug}/edit").get_data(as_text=True)
    assert _checked(edit, "expected") and not _checked(edit, "opt_in")

    client.post(f"/groups/{world.a.slug}/edit",
                data=_edit_form(world.a, rsvp_mode="opt_in", guest_limit="10"))
    page = client.get(f"/groups/{world.a.slug}").get_data(as_text=True)
    assert "Sign up to come: members come when they have said yes." in page
    assert "A member may bring up to 10 guests to a meeting." in page


def _checked(page: str, value: str) -> bool:
    """Whether the radio with this value is checked."""
    tag = re.search(rf'<input[^>]*value="{value}"[^>]*>', page)
    return tag is not None and "checked" in tag.group(0)


def test_a_plain_member_cannot_change_the_settings(app, login):
    world = build_world()
    response = client_for(app, login, world, "member").post(
        f"/groups/{world.a.slug}/edit", data=_edit_form(world.a, rsvp_mode="expected"))
    assert response.status_code == 403
    db.session.refresh(world.a)
    assert world.a.rsvp_mode == "opt_in"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"guest_limit": "11"}, "guest_limit", "from 0 to 10"),
    ({"guest_limit": "-1"}, "guest_limit", "from 0 to 10"),
    ({"guest_limit": "tre"}, "guest_limit", "from 0 to 10"),
    ({"guest_limit": "2.5"}, "guest_limit", "from 0 to 10"),
    ({"guest_limit": ""}, "guest_limit", "from 0 to 10"),
    ({"guest_limit": "99999999999999999999999"}, "guest_limit", "too large"),  # the forms' own guard
    ({"rsvp_mode": "maybe"}, "rsvp_mode", "how members answer"),
    ({"rsvp_mode": ""}, "rsvp_mode", "how members answer"),
    ({"rsvp_mode": "expected\x00"}, "rsvp_mode", None),
    ({"guest_limit": "3\x00"}, "guest_limit", None),
])
def test_bad_settings_are_field_errors_not_500(app, login, overrides, field, message):
    world = build_world()
    response = client_for(app, login, world, "admin").post("/groups/new", data=_group_form(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    if message:
        assert message in page
    assert db.session.scalar(select(Group).where(Group.slug == "kaffeklub-vejle")) is None


# --- the API -------------------------------------------------------------------------------------------


def test_api_lists_and_shows_the_settings(client, app):
    world = build_world()
    world.b.rsvp_mode, world.b.guest_limit = "expected", 2
    db.session.commit()
    listed = {g["slug"]: g for g in client.get("/api/v1/groups").json}
    assert (listed[world.b.slug]["rsvp_mode"], listed[world.b.slug]["guest_limit"]) == ("expected", 2)
    one = client.get(f"/api/v1/groups/{world.b.slug}")
    assert one.status_code == 200
    assert one.json["rsvp_mode"] == "expected" and one.json["guest_limit"] == 2 and one.json["role"] is None
    assert_problem(client.get(f"/api/v1/groups/{world.a.slug}"), 404)  # members only
    member = client.get(f"/api/v1/groups/{world.a.slug}", headers=bearer(token_for(world.member)))
    assert member.json["role"] == "member" and member.json["rsvp_mode"] == "opt_in"


def test_api_organizer_changes_only_the_given_settings(client, app):
    world = build_world()
    headers = bearer(token_for(world.organizer))
    response = client.patch(f"/api/v1/groups/{world.a.slug}", json={"rsvp_mode": "expected"}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["rsvp_mode"] == "expected" and response.json["guest_limit"] == 1
    response = client.patch(f"/api/v1/groups/{world.a.slug}", json={"guest_limit": 4.0}, headers=headers)
    assert response.status_code == 200
    db.session.refresh(world.a)
    assert (world.a.rsvp_mode, world.a.guest_limit, world.a.name) == ("expected", 4, "Kaffeklub Aarhus")
    assert world.a.description == "Vi mødes hver fredag." and world.a.is_public is False


@pytest.mark.parametrize("role, status", [("member", 403), ("other", 404), ("outsider", 404)])
def test_api_only_organizers_and_admins_change_settings(client, app, role, status):
    world = build_world()
    response = client.patch(f"/api/v1/groups/{world.a.slug}", json={"guest_limit": 5},
                            headers=bearer(token_for(world.person(role))))
    assert_problem(response, status)
    db.session.refresh(world.a)
    assert world.a.guest_limit == 1
    admin = client.patch(f"/api/v1/groups/{world.a.slug}", json={"guest_limit": 5},
                         headers=bearer(token_for(world.admin)))
    assert admin.status_code == 200 and admin.json["guest_limit"] == 5


def test_api_anonymous_cannot_change_settings(client, app):
    world = build_world()
    response = client.patch(f"/api/v1/groups/{world.b.slug}", json={"guest_limit": 5})
    assert response.status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"guest_limit": 11}, "guest_limit"),
    ({"guest_limit": -1}, "guest_limit"),
    ({"guest_limit": "3"}, "guest_limit"),
    ({"guest_limit": 2.5}, "guest_limit"),
    ({"guest_limit": True}, "guest_limit"),
    ({"guest_limit": None}, "guest_limit"),
    ({"guest_limit": 10**30}, "guest_limit"),
    ({"rsvp_mode": "maybe"}, "rsvp_mode"),
    ({"rsvp_mode": 1}, "rsvp_mode"),
    ({"rsvp_mode": None}, "rsvp_mode"),
    ({"rsvp_mode": "expected\u0000"}, "rsvp_mode"),
    ({"name": "Kaffe\u0000klub"}, "name"),
    ({"name": "   "}, "name"),
    ({"timezone": "Europe/Vejle"}, "timezone"),
])
def test_api_bad_settings_are_422_problems_naming_the_field(client, app, body, field):
    world = build_world()
    response = client.patch(f"/api/v1/groups/{world.a.slug}?lang=en", json=body,
                            headers=bearer(token_for(world.organizer)))
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    db.session.refresh(world.a)
    assert (world.a.rsvp_mode, world.a.guest_limit, world.a.name) == ("opt_in", 1, "Kaffeklub Aarhus")


def test_api_and_web_say_the_same_about_guest_limit(client, app, login):
    world = build_world()
    api = client.patch(f"/api/v1/groups/{world.a.slug}?lang=en", json={"guest_limit": 12},
                       headers=bearer(token_for(world.organizer)))
    web = client_for(app, login, world, "organizer").post(f"/groups/{world.a.slug}/edit",
                                                          data=_edit_form(world.a, guest_limit="12"))
    message = api.json["errors"]["guest_limit"][0]
    assert message == "Please enter a number of guests from 0 to 10."
    assert message in web.get_data(as_text=True)
    api = client.patch(f"/api/v1/groups/{world.a.slug}?lang=en", json={"rsvp_mode": "x"},
                       headers=bearer(token_for(world.organizer)))
    assert api.json["errors"]["rsvp_mode"] == ["Please choose how members answer the group's meetings."]


def test_api_documents_the_settings(client, app):
    spec = client.get("/api/v1/openapi.json").json
    group = spec["components"]["schemas"]["Group"]["properties"]
    assert group["rsvp_mode"]["enum"] == ["opt_in", "expected"]
    assert (group["guest_limit"]["minimum"], group["guest_limit"]["maximum"]) == (0, 10)
    patch = spec["paths"]["/api/v1/groups/{slug}"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    fields = spec["components"]["schemas"][ref]["properties"]
    assert fields["rsvp_mode"]["enum"] == ["opt_in", "expected"]
    assert fields["guest_limit"]["type"] == "integer"
    assert (fields["guest_limit"]["minimum"], fields["guest_limit"]["maximum"]) == (0, 10)
    assert "422" in patch["responses"] and "403" in patch["responses"]


def test_the_group_page_states_the_settings_to_anyone_who_may_see_it(app, login):
    world = build_world()
    page = client_for(app, login, world, "anonymous").get(f"/groups/{world.b.slug}").get_data(as_text=True)
    assert 'data-rsvp-mode="opt_in"' in page
    assert "A member may bring 1 guest to a meeting." in page
