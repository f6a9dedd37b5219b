"""Issue 8: every API error is a problem in the caller's language (?lang, Accept-Language, Danish
by default), with every field's errors at once; malformed JSON is a 400 problem, a body that is
not JSON a 415; and multi-line text is stored with \\n line endings whichever channel sent it.

The Danish expectations come from the app's catalog (the messages marshmallow and werkzeug raise
themselves are mapped to the app's msgids in app.api.i18n and app.errors).
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Meeting
from tests.factories import create_group, create_member, create_organizer
from tests.web.api_helpers import assert_problem, bearer, token_for

MEETING = {"title": "Morgenmøde", "date": "2031-01-15", "start_time": "08:30", "end_time": "10:00"}

# Every kind of mistake in one body: wrong JSON types, a bad time, an unknown field, a number too big.
MISTAKES = {"title": 5, "date": 3, "start_time": "25:99", "end_time": [], "capacity": "30",
            "guests_welcome": "ja", "venue_name": None, "bogus": 1}

EXPECTED = {
    "da": {
        "title": "Oplysningerne kunne ikke godkendes",
        "errors": {
            "title": ["Skriv en tekst."],
            "date": ["Skriv en tekst."],
            "start_time": ["Skriv et gyldigt tidspunkt (TT:MM)."],
            "end_time": ["Skriv en tekst."],
            "capacity": ["Skriv et helt tal."],
            "guests_welcome": ["Skriv true eller false."],
            "bogus": ["Ukendt felt."],
        },
    },
    "en": {
        "title": "The input could not be accepted",
        "errors": {
            "title": ["Please enter text."],
            "date": ["Please enter text."],
            "start_time": ["Please enter a valid time (HH:MM)."],
            "end_time": ["Please enter text."],
            "capacity": ["Please enter a whole number."],
            "guests_welcome": ["Please enter true or false."],
            "bogus": ["Unknown field."],
        },
    },
}

ENGLISH_LEAKS = ("Unknown field", "Not a valid", "Forbidden", "Not Found", "The browser (or proxy)",
                 "Unprocessable", "Method Not Allowed", "Unsupported Media Type", "Unauthorized")


@pytest.fixture
def org(app):
    group = create_group(slug="aarhus")
    organizer = create_organizer(group)
    db.session.commit()
    return group, organizer


def _lang(how: str, lang: str) -> tuple[str, dict[str, str]]:
    if how == "query":
        return f"?lang={lang}", {}
    if how == "header":
        return "", {"Accept-Language": lang}
    return "", {}  # default: Danish


@pytest.mark.parametrize(("how", "lang"), [("default", "da"), ("query", "da"), ("query", "en"),
                                           ("header", "en"), ("header", "da")])
def test_every_field_error_at_once_in_the_callers_language(client, org, how, lang):
    group, organizer = org
    query, headers = _lang(how, lang)
    response = client.post(f"/api/v1/groups/{group.slug}/meetings{query}", json=MISTAKES,
                           headers={**bearer(token_for(organizer)), **headers})
    body = assert_problem(response, 422)
    expected = EXPECTED[lang]
    assert body["title"] == expected["title"]
    for field, messages in expected["errors"].items():
        assert body["errors"][field] == messages, field
    assert "venue_name" not in body["errors"]  # null is "not given" for optional text
    if lang == "da":
        text = response.get_data(as_text=True)
        assert not any(leak in text for leak in ENGLISH_LEAKS), text


@pytest.mark.parametrize(("lang", "title", "detail", "message"), [
    ("da", "Ugyldig forespørgsel", "Forespørgslen kunne ikke forstås.",
     "Forespørgslens indhold er ikke gyldig JSON."),
    ("en", "Bad request", "The request could not be understood.", "The request body is not valid JSON."),
])
def test_malformed_json_is_a_translated_400_problem(client, org, lang, title, detail, message):
    group, organizer = org
    response = client.post(f"/api/v1/groups/{group.slug}/meetings?lang={lang}", data='{"title": "x",',
                           headers={**bearer(token_for(organizer)), "Content-Type": "application/json"})
    body = assert_problem(response, 400)
    assert (body["title"], body["detail"], body["errors"]) == (title, detail, {"json": [message]})
    assert "browser (or proxy)" not in response.get_data(as_text=True)


def test_a_body_that_is_not_json_is_a_415_problem_in_danish(client, org):
    group, organizer = org
    response = client.post(f"/api/v1/groups/{group.slug}/meetings", data="title=x",
                           headers={**bearer(token_for(organizer)),
                                    "Content-Type": "application/x-www-form-urlencoded"})
    body = assert_problem(response, 415)
    assert body["title"] == "Ikke-understøttet medietype"
    assert body["detail"] == "Send forespørgslens indhold som JSON (Content-Type: application/json)."
    assert db.session.query(Meeting).count() == 0


def test_403_404_405_and_401_problems_are_danish_by_default(client, app):
    public = create_group(slug="offentlig", is_public=True)
    other = create_group(slug="anden")
    outsider = create_member(groups=[other])
    db.session.commit()
    headers = bearer(token_for(outsider))

    forbidden = assert_problem(client.get(f"/api/v1/groups/{public.slug}/members", headers=headers), 403)
    assert (forbidden["title"], forbidden["detail"]) == ("Adgang nægtet",
                                                         "Du har ikke adgang til at gøre dette.")

    missing = assert_problem(client.get("/api/v1/findes-ikke", headers=headers), 404)
    assert (missing["title"], missing["detail"]) == ("Ikke fundet", "Der er intet på denne adresse.")
    missing = assert_problem(client.get("/api/v1/meetings/999999", headers=headers), 404)
    assert missing["title"] == "Ikke fundet"

    method = assert_problem(client.delete(f"/api/v1/groups/{public.slug}/meetings", headers=headers), 405)
    assert (method["title"], method["detail"]) == ("Handlingen er ikke tilladt",
                                                   "Denne metode er ikke tilladt her.")

    unauthorized = assert_problem(client.get("/api/v1/me"), 401)
    assert unauthorized["title"] == "Log ind kræves"

    english = assert_problem(client.get(f"/api/v1/groups/{public.slug}/members",
                                        headers={**headers, "Accept-Language": "en"}), 403)
    assert (english["title"], english["detail"]) == ("Access denied",
                                                     "You do not have permission to do this.")


def test_without_lang_or_accept_language_the_api_speaks_the_networks_default(client, app):
    """A network whose default language is English answers in English when the caller says nothing."""
    from app.models import NetworkSettings

    danish = assert_problem(client.get("/api/v1/findes-ikke"), 404)
    assert danish["title"] == "Ikke fundet"
    NetworkSettings.get().default_language = "en"
    db.session.commit()
    english = assert_problem(client.get("/api/v1/findes-ikke"), 404)
    assert english["title"] == "Not found"


def test_series_errors_are_all_reported_and_translated(client, org):
    group, organizer = org
    body = {"title": "", "frequency": "sometimes", "starts_on": "2031-01-01", "ends_on": "2031-13-01",
            "start_time": "08:00", "end_time": "09:00", "skip_months": ["x", 13], "interval": 2.5,
            "rotation": [{"host_member_id": "x", "extra": 1}]}
    response = client.post(f"/api/v1/groups/{group.slug}/series?lang=en", json=body,
                           headers=bearer(token_for(organizer)))
    errors = assert_problem(response, 422)["errors"]
    assert {"title", "frequency", "ends_on", "skip_months", "interval", "rotation-0-host_member_id",
            "rotation-0-extra"} <= set(errors)
    assert errors["rotation-0-extra"] == ["Unknown field."]
    assert errors["interval"] == ["Please enter a whole number."]


def test_agenda_and_cancel_reason_are_stored_with_unix_line_endings_from_web_and_api(client, login, org):
    group, organizer = org
    headers = bearer(token_for(organizer))
    created = client.post(f"/api/v1/groups/{group.slug}/meetings",
                          json={**MEETING, "agenda": "Kaffe\r\n\r\nOplæg\rSpørgsmål"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["agenda"] == "Kaffe\n\nOplæg\nSpørgsmål"

    login(organizer)
    response = client.post(f"/groups/{group.slug}/meetings/new",
                           data={**MEETING, "date": "2031-02-15",
                                 "agenda": "Kaffe\r\n\r\nOplæg\r\nSpørgsmål"})
    assert response.status_code == 302
    web = db.session.query(Meeting).filter_by(title=MEETING["title"]).order_by(Meeting.id.desc()).first()
    assert web.agenda == "Kaffe\n\nOplæg\nSpørgsmål"
    fetched = client.get(f"/api/v1/meetings/{web.id}", headers=headers).get_json()
    assert fetched["agenda"] == "Kaffe\n\nOplæg\nSpørgsmål"

    cancelled = client.post(f"/api/v1/meetings/{web.id}/cancel", json={"reason": "Sygdom\r\nNy dato følger"},
                            headers=headers)
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["cancel_reason"] == "Sygdom\nNy dato følger"


def test_bio_keeps_its_lines_with_unix_line_endings(client, login, app):
    member = create_member(name="Mads Maler")
    db.session.commit()
    login(member)
    response = client.post("/profile", data={"name": "Mads Maler", "language": "da",
                                             "bio": "Maler.\r\n\r\nTapet og facader.\r\n"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.bio == "Maler.\n\nTapet og facader."


def test_query_and_body_mistakes_come_back_together(client, org):
    group, organizer = org
    body = {"title": "Morgenmøde", "frequency": "weekly", "weekday": "onsdag", "starts_on": "2031-01-01",
            "ends_on": "2031-02-01", "start_time": "08:30", "end_time": "10:00", "bogus": 1}
    response = client.post(f"/api/v1/groups/{group.slug}/series?dry_run=kanske&lang=en", json=body,
                           headers=bearer(token_for(organizer)))
    errors = assert_problem(response, 422)["errors"]
    assert errors == {"dry_run": ["Please enter true or false."], "weekday": ["Please enter a whole number."],
                      "bogus": ["Unknown field."]}
