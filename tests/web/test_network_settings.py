"""Network settings: admins only; validated field by field; used as defaults for language and zone."""

import pytest

from app.models import NetworkSettings
from tests.factories import create_admin, create_group, create_member, create_organizer

VALID = {"name": "Netværk Syd", "default_timezone": "Europe/Copenhagen", "default_language": "en",
         "country": "dk", "sender_name": "Netværk Syd", "sender_email": "post@netvaerk-syd.example"}


@pytest.mark.parametrize("role", ["anonymous", "member", "organizer"])
def test_only_admins_reach_the_settings(client, login, role):
    group = create_group()
    if role == "member":
        login(create_member(groups=[group]))
    elif role == "organizer":
        login(create_organizer(group))
    get = client.get("/admin/network")
    post = client.post("/admin/network", data=VALID)
    if role == "anonymous":
        assert get.status_code == 302 and "/login" in get.headers["Location"]
        assert post.status_code == 302
    else:
        assert get.status_code == 403
        assert post.status_code == 403
    assert NetworkSettings.current().name != "Netværk Syd"


def test_admin_saves_settings_and_they_become_the_defaults(client, login, app):
    login(create_admin(language="da"))
    page = client.get("/admin/network")
    assert page.status_code == 200 and "Europe/Copenhagen" in page.get_data(as_text=True)
    response = client.post("/admin/network", data=VALID)
    assert response.status_code == 302
    settings = NetworkSettings.get()
    assert (settings.name, settings.country, settings.default_language) == ("Netværk Syd", "DK", "en")
    assert settings.sender_email == "post@netvaerk-syd.example"
    # An anonymous visitor now gets the network's default language and sees its name.
    anonymous = app.test_client()
    start = anonymous.get("/").get_data(as_text=True)
    assert '<html lang="en">' in start
    assert "Netværk Syd" in start


def test_bad_settings_show_errors_next_to_fields_and_change_nothing(client, login):
    login(create_admin())
    bad = {**VALID, "default_timezone": "Europe/Atlantis", "country": "XX", "sender_email": "not-an-address",
           "name": "   "}
    response = client.post("/admin/network", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("invalid-feedback") >= 3
    assert "Europe/Atlantis" in page  # the user's input is kept for correcting
    assert NetworkSettings.current().default_timezone == "Europe/Copenhagen"


def test_get_requests_do_not_write_a_settings_row(client, app):
    from app.extensions import db

    client.get("/")
    db.session.expire_all()
    assert db.session.get(NetworkSettings, 1) is None


def test_admins_find_the_settings_in_their_menu_and_members_do_not(client, login, app):
    group = create_group()
    login(create_admin(groups=[group]))
    assert 'href="/admin/network"' in client.get("/").get_data(as_text=True)
    other = app.test_client()
    login(create_member(groups=[group]), test_client=other)
    assert 'href="/admin/network"' not in other.get("/").get_data(as_text=True)
