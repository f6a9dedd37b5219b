"""One path for validation: the same mistake gets the same words on the web form and in the API.

A table of mistakes per use case. For each: the web form's error next to the field, and (where an
API operation exists) the API problem's error for that field, in Danish and in English. Where no
API operation exists, the web's words are compared with the service's own (the home of the rule).
"""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale

from app.errors import ValidationFailed
from app.extensions import db
from tests.factories import build_meeting_world as make_world
from tests.factories import create_admin, create_member
from tests.web.api_helpers import bearer, token_for
from tests.web.meeting_helpers import API_NEW_MEETING as NEW_MEETING
from tests.web.meeting_helpers import API_SERIES, WEB_SERIES

LANGS = ("da", "en")


def field_errors(page: str, field_id: str) -> str | None:
    pattern = rf'id="{re.escape(field_id)}-error" class="invalid-feedback[^"]*">(.*?)</div>'
    match = re.search(pattern, page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def web_post(client, lang: str, url: str, data: dict, status: int = 422) -> str:
    with client.session_transaction() as session:
        session["lang"] = lang
    response = client.post(url, data=data)
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def api_errors(client, lang: str, method: str, url: str, body: dict, headers) -> dict:
    sep = "&" if "?" in url else "?"
    response = client.open(f"{url}{sep}lang={lang}", method=method, json=body, headers=headers)
    assert response.status_code == 422, (response.status_code, response.get_json())
    return response.get_json()["errors"]


def _web_meeting(**changes) -> dict:
    data = {k: ("y" if v is True else str(v)) for k, v in NEW_MEETING.items()}
    data.update(changes)
    return data


def _api_meeting(**changes) -> dict:
    body = dict(NEW_MEETING)
    for key, value in changes.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    return body


# (name, web changes, API changes (... = left out), field)
MEETING_MISTAKES = [
    ("title missing", {"title": ""}, {"title": ...}, "title"),
    ("title blank", {"title": "   "}, {"title": "   "}, "title"),
    ("title too long", {"title": "x" * 201}, {"title": "x" * 201}, "title"),
    ("date missing", {"date": ""}, {"date": ...}, "date"),
    ("date not a day", {"date": "2031-02-30"}, {"date": "2031-02-30"}, "date"),
    ("start missing", {"start_time": ""}, {"start_time": ...}, "start_time"),
    ("start not a time", {"start_time": "25:00"}, {"start_time": "25:00"}, "start_time"),
    ("end before start", {"end_time": "07:00"}, {"end_time": "07:00"}, "end_time"),
    ("capacity zero", {"capacity": "0"}, {"capacity": 0}, "capacity"),
    ("capacity beyond a whole number column", {"capacity": "3000000000"}, {"capacity": 3000000000},
     "capacity"),
    ("venue too long", {"venue_name": "v" * 201}, {"venue_name": "v" * 201}, "venue_name"),
    ("address too long", {"venue_address": "a" * 501}, {"venue_address": "a" * 501}, "venue_address"),
    ("online link not http", {"online_url": "ftp://x.dk"}, {"online_url": "ftp://x.dk"}, "online_url"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, web, api, field", MEETING_MISTAKES, ids=[m[0] for m in MEETING_MISTAKES])
def test_meeting_create_same_words_on_web_and_api(app, client, login, lang, name, web, api, field):
    world = make_world()
    headers = bearer(token_for(world.organizer))
    login(world.organizer)
    page = web_post(client, lang, f"/groups/{world.group.slug}/meetings/new", _web_meeting(**web))
    on_web = field_errors(page, field)
    on_api = api_errors(client, lang, "POST", f"/api/v1/groups/{world.group.slug}/meetings",
                        _api_meeting(**api), headers)
    assert on_web is not None, name
    assert [on_web] == on_api[field], name


def test_missing_title_is_the_same_danish_sentence_everywhere(app, client, login):
    world = make_world()
    headers = bearer(token_for(world.organizer))
    login(world.organizer)
    page = web_post(client, "da", f"/groups/{world.group.slug}/meetings/new", _web_meeting(title=""))
    with app.test_request_context(), force_locale("da"):
        from flask_babel import gettext

        danish = gettext("Please enter a title.")
    assert danish != "Please enter a title."  # the catalog has it
    assert field_errors(page, "title") == danish
    errors = api_errors(client, "da", "POST", f"/api/v1/groups/{world.group.slug}/meetings",
                        _api_meeting(title=...), headers)
    assert errors["title"] == [danish]


@pytest.mark.parametrize("lang", LANGS)
def test_every_field_at_once_on_both_channels(app, client, login, lang):
    world = make_world()
    headers = bearer(token_for(world.organizer))
    login(world.organizer)
    page = web_post(client, lang, f"/groups/{world.group.slug}/meetings/new",
                    _web_meeting(title="", date="2031-02-30", capacity="0", venue_name="v" * 201))
    on_api = api_errors(client, lang, "POST", f"/api/v1/groups/{world.group.slug}/meetings",
                        _api_meeting(title=..., date="2031-02-30", capacity=0, venue_name="v" * 201), headers)
    for field in ("title", "date", "capacity", "venue_name"):
        assert [field_errors(page, field)] == on_api[field], field


EDIT_MISTAKES = [
    ("title empty", {"title": ""}, {"title": ""}, "title"),
    ("title null", {"title": ""}, {"title": None}, "title"),
    ("capacity zero", {"capacity": "0"}, {"capacity": 0}, "capacity"),
    ("agenda too long", {"agenda": "a" * 20001}, {"agenda": "a" * 20001}, "agenda"),
    ("end before start", {"end_time": "07:00"}, {"end_time": "07:00"}, "end_time"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, web, api, field", EDIT_MISTAKES, ids=[m[0] for m in EDIT_MISTAKES])
def test_meeting_edit_same_words_on_web_and_api(app, client, login, lang, name, web, api, field):
    world = make_world()
    headers = bearer(token_for(world.organizer))
    login(world.organizer)
    data = _web_meeting(date="2031-03-05", **web)
    page = web_post(client, lang, f"/meetings/{world.meeting.id}/edit", data)
    on_api = api_errors(client, lang, "PATCH", f"/api/v1/meetings/{world.meeting.id}", api, headers)
    assert [field_errors(page, field)] == on_api[field], name


SERIES_MISTAKES = [
    ("title missing", {"title": ""}, {"title": ...}, "title"),
    ("title too long", {"title": "x" * 201}, {"title": "x" * 201}, "title"),
    ("starts_on missing", {"starts_on": ""}, {"starts_on": ...}, "starts_on"),
    ("ends_on not a day", {"ends_on": "2031-13-01"}, {"ends_on": "2031-13-01"}, "ends_on"),
    ("end_time missing", {"end_time": ""}, {"end_time": ...}, "end_time"),
    ("frequency unknown", {"frequency": "daily"}, {"frequency": "daily"}, "frequency"),
    ("holiday policy unknown", {"holiday_policy": "maybe"}, {"holiday_policy": "maybe"}, "holiday_policy"),
    ("capacity zero", {"capacity": "0"}, {"capacity": 0}, "capacity"),
    ("interval zero", {"frequency": "every_n_weeks", "interval": "0"},
     {"frequency": "every_n_weeks", "interval": 0}, "interval"),
    ("day of month 32", {"frequency": "monthly_day", "day_of_month": "32"},
     {"frequency": "monthly_day", "day_of_month": 32}, "day_of_month"),
    ("rsvp days 61", {"rsvp_days_before": "61", "rsvp_time": "12:00"},
     {"rsvp_days_before": 61, "rsvp_time": "12:00"}, "rsvp_days_before"),
    ("rsvp time without days", {"rsvp_days_before": "", "rsvp_time": "12:00"},
     {"rsvp_time": "12:00"}, "rsvp_days_before"),
    ("rsvp time not a time", {"rsvp_days_before": "1", "rsvp_time": "12:99"},
     {"rsvp_days_before": 1, "rsvp_time": "12:99"}, "rsvp_time"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, web, api, field", SERIES_MISTAKES, ids=[m[0] for m in SERIES_MISTAKES])
def test_series_same_words_on_web_and_api(app, client, login, lang, name, web, api, field):
    world = make_world()
    headers = bearer(token_for(world.organizer))
    login(world.organizer)
    page = web_post(client, lang, f"/groups/{world.group.slug}/series/new",
                    {**WEB_SERIES, **web, "action": "preview"})
    body = {k: v for k, v in {**API_SERIES, **api}.items() if v is not ...}
    on_api = api_errors(client, lang, "POST", f"/api/v1/groups/{world.group.slug}/series?dry_run=true",
                        body, headers)
    assert [field_errors(page, field)] == on_api[field], name


@pytest.mark.parametrize("lang", LANGS)
def test_series_unknown_month_same_words_on_web_and_api(app, client, login, lang):
    world = make_world()
    headers = bearer(token_for(world.organizer))
    login(world.organizer)
    page = web_post(client, lang, f"/groups/{world.group.slug}/series/new",
                    {**WEB_SERIES, "skip_months": ["13"], "action": "preview"})
    on_api = api_errors(client, lang, "POST", f"/api/v1/groups/{world.group.slug}/series?dry_run=true",
                        {**API_SERIES, "skip_months": [13]}, headers)
    assert [field_errors(page, "skip_months")] == on_api["skip_months"]


# --- web-only use cases: the form shows the service's own words ---------------------------------


def service_errors(app, lang: str, call) -> dict[str, list[str]]:
    with force_locale(lang):
        try:
            call()
        except ValidationFailed as error:
            db.session.rollback()
            return error.fields
    raise AssertionError("the service accepted it")


GROUP = {"name": "Kaffeklub Ikast", "slug": "kaffeklub-ikast", "description": "",
         "timezone": "Europe/Copenhagen"}
GROUP_MISTAKES = [
    ("name missing", {"name": ""}, "name"),
    ("name too long", {"name": "n" * 201}, "name"),
    ("slug missing", {"slug": "", "name": ""}, "slug"),  # a name alone suggests the slug
    ("slug too long", {"slug": "s" * 81}, "slug"),
    ("slug with capitals", {"slug": "Kaffe"}, "slug"),
    ("time zone missing", {"timezone": ""}, "timezone"),
    ("description too long", {"description": "d" * 5001}, "description"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, changes, field", GROUP_MISTAKES, ids=[m[0] for m in GROUP_MISTAKES])
def test_group_create_and_edit_show_the_services_words(app, client, login, lang, name, changes, field):
    from app.groups import services

    admin = login(create_admin(name="Anna Admin"))
    data = {**GROUP, **changes}
    page = web_post(client, lang, "/groups/new", data)
    expected = service_errors(app, lang, lambda: services.create_group(admin, data))
    assert field_errors(page, field) == " ".join(expected[field]), name
    world = make_world()
    page = web_post(client, lang, f"/groups/{world.group.slug}/edit", data)
    assert field_errors(page, field) == " ".join(expected[field]), name


PROFILE = {"name": "Mads Maler", "phone": "", "company": "", "title": "", "industry": "",
           "competencies": "", "bio": "", "website": "", "language": "en"}
PROFILE_MISTAKES = [
    ("name missing", {"name": ""}, "name"),
    ("name too long", {"name": "n" * 201}, "name"),
    ("phone too long", {"phone": "1" * 41}, "phone"),
    ("bio too long", {"bio": "b" * 5001}, "bio"),
    ("competencies too long", {"competencies": "c" * 2001}, "competencies"),
    ("website too long", {"website": "https://x.dk/" + "w" * 300}, "website"),
    ("website not http", {"website": "ftp://x.dk"}, "website"),
    ("language unknown", {"language": "de"}, "language"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, changes, field", PROFILE_MISTAKES, ids=[m[0] for m in PROFILE_MISTAKES])
def test_profile_edit_shows_the_services_words(app, client, login, lang, name, changes, field):
    from app.members import services

    member = login(create_member(name="Mads Member"))
    data = {**PROFILE, **changes}
    page = web_post(client, lang, "/profile", data)
    expected = service_errors(app, lang, lambda: services.update_own_profile(member, data))
    assert field_errors(page, field) == " ".join(expected[field]), name


MEMBER_MISTAKES = [
    ("email missing", {"email": ""}, "email"),
    ("email invalid", {"email": "ikke-en-adresse"}, "email"),
    ("name missing", {"name": ""}, "name"),
    ("role unknown", {"role": "boss"}, "role"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, changes, field", MEMBER_MISTAKES, ids=[m[0] for m in MEMBER_MISTAKES])
def test_member_create_shows_the_services_words(app, client, login, lang, name, changes, field):
    from app.members import services

    admin = login(create_admin(name="Anna Admin"))
    data = {**PROFILE, "email": "ny@example.test", "group_id": "0", "role": "member", **changes}
    page = web_post(client, lang, "/admin/members/new", data)
    expected = service_errors(app, lang, lambda: services.create_member(admin, {**data, "group_id": 0}))
    assert field_errors(page, field) == " ".join(expected[field]), name


@pytest.mark.parametrize("role", ["admin", "organizer"])
def test_member_create_shows_every_field_at_once(app, client, login, role):
    from app.members import services

    world = make_world()
    user = login(world.admin if role == "admin" else world.organizer)
    group_id = str(world.group.id)
    data = {**PROFILE, "email": "ikke-en-adresse", "name": "", "group_id": group_id, "role": "boss",
            "phone": "1" * 41}
    page = web_post(client, "en", "/admin/members/new", data)
    as_service = {**data, "group_id": int(group_id)}
    expected = service_errors(app, "en", lambda: services.create_member(user, as_service))
    assert set(expected) >= {"email", "name", "role", "phone"}
    for field in ("email", "name", "role", "phone"):
        assert field_errors(page, field) == " ".join(expected[field]), field


SETTINGS = {"name": "Kaffeklub", "default_timezone": "Europe/Copenhagen", "default_language": "da",
            "country": "DK", "sender_name": "Kaffeklub", "sender_email": "post@example.test"}
SETTINGS_MISTAKES = [
    ("name missing", {"name": ""}, "name"),
    ("name too long", {"name": "n" * 201}, "name"),
    ("zone unknown", {"default_timezone": "Mars/Olympus"}, "default_timezone"),
    ("country too long", {"country": "DKK"}, "country"),
    ("sender name too long", {"sender_name": "s" * 201}, "sender_name"),
    ("sender address invalid", {"sender_email": "post"}, "sender_email"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, changes, field", SETTINGS_MISTAKES, ids=[m[0] for m in SETTINGS_MISTAKES])
def test_network_settings_show_the_services_words(app, client, login, lang, name, changes, field):
    from app.settings import services

    admin = login(create_admin(name="Anna Admin"))
    data = {**SETTINGS, **changes}
    page = web_post(client, lang, "/admin/network", data, status=200)  # the settings page answers 200
    expected = service_errors(
        app, lang, lambda: services.update_settings(admin, services.NetworkSettingsData(**data)))
    assert field_errors(page, field) == " ".join(expected[field]), name


PASSWORD_MISTAKES = [
    ("too short", {"new_password": "kort", "confirm_password": "kort"}, "new_password"),
    ("not the same", {"new_password": "et langt kodeord 1", "confirm_password": "et andet"},
     "confirm_password"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, data, field", PASSWORD_MISTAKES, ids=[m[0] for m in PASSWORD_MISTAKES])
def test_password_shows_the_services_words(app, client, login, lang, name, data, field):
    from app.auth import services

    member = login(create_member(name="Mads Member"))
    page = web_post(client, lang, "/profile/password", data)
    expected = service_errors(app, lang, lambda: services.change_password(
        member, current_password=None, new_password=data["new_password"],
        confirm_password=data["confirm_password"], fresh=True))
    assert field_errors(page, field) == " ".join(expected[field]), name


TOKEN_MISTAKES = [("name missing", ""), ("name blank", "   "), ("name too long", "t" * 101)]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, value", TOKEN_MISTAKES, ids=[m[0] for m in TOKEN_MISTAKES])
def test_token_name_shows_the_services_words(app, client, login, lang, name, value):
    from app.tokens import services

    member = login(create_member(name="Mads Member"))
    page = web_post(client, lang, "/profile/tokens", {"name": value})
    expected = service_errors(app, lang, lambda: services.create_token(member, value))
    assert field_errors(page, "name") == " ".join(expected["name"]), name
