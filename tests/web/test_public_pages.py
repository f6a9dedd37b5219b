"""The network's public page and a public group's page as the public sees it: description, coming
meetings (venue, never the host or the online link) and the members who chose a public profile,
with only what they made public. A members-only group does not exist for the public."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import NetworkSettings
from tests.factories import create_admin, create_member
from tests.web.form_helpers import encode
from tests.web.public_helpers import build_public_world

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def pw(app):
    return build_public_world()


def test_network_page_shows_the_public_groups_and_their_next_meetings(client, pw):
    settings = NetworkSettings.get()
    settings.description = "Et netværk for nysgerrige.\n\nVi ses til morgenmad."
    db.session.commit()
    response = client.get("/about")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Et netværk for nysgerrige." in page and "Vi ses til morgenmad." in page
    assert "Kaffeklub Vejle" in page and "Tirsdagsmøde" in page and "Fjordhuset" in page
    assert "/groups/kaffeklub-vejle/visit" in page and 'href="/groups/kaffeklub-vejle"' in page
    assert "Lukket" not in page and "Hemmelig" not in page
    assert "Olga" not in page  # the host is a person, not part of the public page


@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_public_group_page_shows_listed_members_with_only_what_they_made_public(app, client, login, pw, role):
    if role == "outsider":
        login(create_member(name="Otto Udenfor", groups=[pw.private]))
    response = client.get("/groups/kaffeklub-vejle")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-public-members" in page and "data-visit-link" in page
    assert "Come as a guest / Become a member" in page
    assert "Morgenmøder hver tirsdag ved fjorden." in page
    # The meeting: time and venue, never the host or the online link.
    assert "Tirsdagsmøde" in page and "Fjordhuset" in page and "Havnen 1, 7100 Vejle" in page
    assert "meet.example.test" not in page and "+45 11 11 11 11" not in page and "olga@" not in page
    # The listed member: name, company, industry, website, e-mail (she made it public), no phone.
    assert f'data-public-member="{pw.listed.id}"' in page
    for shown in ("Lise Listet", "Lises Bogføring ApS", "Bogføring", "https://lise.example.dk",
                  "mailto:lise@example.test"):
        assert shown in page
    assert "+45 22 22 22 22" not in page
    # Nobody else: default (members only), inactive, deleted, or only in a members-only group.
    for hidden in ("Ulrik", "Ulriks VVS", "Ingrid", "Tidligere medlem", "Paula"):
        assert hidden not in page
    # An organizer who did not choose a public profile is not named to the public either.
    assert "Olga Organisator" not in page and "data-organizer-hidden" in page


def test_member_of_the_group_sees_the_ordinary_group_page(client, login, pw):
    login(pw.unlisted)
    page = client.get("/groups/kaffeklub-vejle").get_data(as_text=True)
    assert "data-public-members" not in page
    assert "Olga Organisator" in page


def test_organizer_sees_the_link_to_visitor_requests(client, login, pw):
    login(pw.organizer)
    page = client.get("/groups/kaffeklub-vejle").get_data(as_text=True)
    assert "/groups/kaffeklub-vejle/visitors" in page and "data-public-members" not in page


def test_a_member_who_makes_the_profile_public_appears_and_disappears_again(client, pw):
    assert "Ulrik Ulistet" not in client.get("/groups/kaffeklub-vejle").get_data(as_text=True)
    pw.unlisted.profile_visibility = "public"
    db.session.commit()
    page = client.get("/groups/kaffeklub-vejle").get_data(as_text=True)
    assert "Ulrik Ulistet" in page and "Ulriks VVS" in page
    assert "ulrik@example.test" not in page  # the e-mail stays members-only
    pw.unlisted.profile_visibility = "organizers"
    db.session.commit()
    assert "Ulrik Ulistet" not in client.get("/groups/kaffeklub-vejle").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/groups/lukket-klub", "/embed/groups/lukket-klub",
                                  "/groups/lukket-klub/visit", "/groups/lukket-klub/visit/sent",
                                  "/groups/ingen-klub/visit",
                                  "/embed/groups/ingen-klub"])
def test_a_members_only_group_is_not_found_by_the_public(client, pw, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Lukket" not in response.get_data(as_text=True)


def test_anonymous_home_page_leads_to_the_network_page(client, pw):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/about"' in page and "data-network-link" in page


def test_admin_writes_the_network_description_with_a_limit(client, login, pw):
    login(create_admin())
    form = {"name": "Netværk Vest", "default_timezone": "Europe/Copenhagen", "default_language": "en",
            "country": "DK", "sender_name": "", "sender_email": "post@vest.example",
            "description": "Vi er 40 virksomheder i Vestjylland.\r\n\r\nKom og se."}
    assert client.get("/admin/network").get_data(as_text=True).count('maxlength="2000"') == 1
    assert client.post("/admin/network", data=form).status_code == 302
    assert NetworkSettings.get().description == "Vi er 40 virksomheder i Vestjylland.\n\nKom og se."
    assert "Vi er 40 virksomheder" in client.get("/about").get_data(as_text=True)
    too_long = client.post("/admin/network", data={**form, "description": "x" * 2001})
    assert too_long.status_code == 200 and "at most 2000 characters" in too_long.get_data(as_text=True)
    for bad in ("a\x00b", "a\ud800b"):
        hostile = client.post("/admin/network", data=encode(list({**form, "description": bad}.items())),
                              content_type="application/x-www-form-urlencoded")
        assert hostile.status_code in (200, 302, 422)
        stored = NetworkSettings.get().description
        assert "\x00" not in stored and "\ud800" not in stored


def test_meeting_times_are_in_the_groups_zone(client, pw):
    pw.public.timezone = "America/New_York"
    db.session.commit()
    page = client.get("/about").get_data(as_text=True)
    local = pw.meeting.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert local.isoformat(timespec="minutes")[:16] in page


def test_the_photo_is_shown_only_if_the_member_made_it_public(client, pw):
    pw.listed.photo_key = "abc123"
    db.session.commit()
    photo = f"/members/{pw.listed.id}/photo/small"
    assert photo not in client.get("/groups/kaffeklub-vejle").get_data(as_text=True)
    pw.listed.photo_visibility = "public"
    db.session.commit()
    assert photo in client.get("/groups/kaffeklub-vejle").get_data(as_text=True)
    assert photo in client.get("/embed/groups/kaffeklub-vejle").get_data(as_text=True)
    [member] = client.get("/api/v1/public/groups/kaffeklub-vejle/members").get_json()
    assert member["photo_url"].endswith(f"/members/{pw.listed.id}/photo/medium")
