"""Words instead of technical ids (issue 8): time-zone and country choosers named in the reader's
language that still save the ids; the group's short name suggested from its name; zones and series
rules shown in words; a bio keeps its line breaks; the profile's address is plain text."""

from __future__ import annotations

import re
from datetime import date, time

import pytest

from app.extensions import db
from app.models import Group, MeetingSeries, NetworkSettings
from tests.factories import create_admin, create_group, create_meeting, create_member, create_organizer

SETTINGS = {"name": "Netværk Syd", "default_timezone": "Europe/Stockholm", "default_language": "da",
            "country": "SE", "sender_name": "Netværk Syd", "sender_email": "post@netvaerk-syd.example"}


def _options(page: str, select_name: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, select_name
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)))


def _selected(page: str, select_name: str) -> str:
    select = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.S)
    chosen = re.search(r'<option selected value="[^"]*"|<option value="[^"]*" selected', select.group(1))
    return chosen.group(0)


def test_network_settings_choose_zone_and_country_by_name_and_save_ids(client, login):
    login(create_admin(language="da"))
    page = client.get("/admin/network").get_data(as_text=True)
    zones = _options(page, "default_timezone")
    assert zones["Europe/Copenhagen"].startswith("København")
    assert zones["Europe/Stockholm"].startswith("Stockholm")
    assert list(zones)[0] == "Europe/Copenhagen"  # the common zones come first
    assert "<optgroup" in page
    countries = _options(page, "country")
    assert countries["DK"] == "Danmark" and countries["SE"] == "Sverige" and countries["DE"] == "Tyskland"
    assert "Two-letter code" not in page and "To-bogstavs" not in page
    assert client.post("/admin/network", data=SETTINGS).status_code == 302
    settings = NetworkSettings.get()
    assert (settings.default_timezone, settings.country) == ("Europe/Stockholm", "SE")
    page = client.get("/admin/network").get_data(as_text=True)
    assert 'value="Europe/Stockholm"' in _selected(page, "default_timezone")
    assert 'value="SE"' in _selected(page, "country")


def test_english_reader_gets_english_names(client, login, english):
    login(create_admin(language="en"))
    page = client.get("/admin/network").get_data(as_text=True)
    assert _options(page, "default_timezone")["Europe/Copenhagen"].startswith("Copenhagen")
    assert _options(page, "country")["DK"] == "Denmark"


@pytest.mark.parametrize("hostile", ["Europe/Atlantis", "../../etc/passwd", "x" * 500, "<script>"])
def test_a_zone_not_in_the_list_is_a_form_error_not_a_500(client, login, hostile):
    login(create_admin())
    data = {**SETTINGS, "default_timezone": hostile, "country": hostile}
    response = client.post("/admin/network", data=data)
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert NetworkSettings.current().default_timezone != hostile


def test_group_form_zone_chooser_saves_the_id(client, login):
    login(create_admin(language="da"))
    page = client.get("/groups/new").get_data(as_text=True)
    assert _options(page, "timezone")["Europe/Copenhagen"].startswith("København")
    assert "Kort navn til webadressen" in page or "Short name for the web address" in page
    assert "/groups/kaffeklub-vest" in page and "/groups/." not in page
    assert "js/slug-suggest.js" in page and "datalist" not in page
    response = client.post("/groups/new", data={"name": "Kaffeklub Oslo", "slug": "oslo",
                                                "timezone": "Europe/Oslo", "description": ""})
    assert response.status_code == 302
    assert db.session.query(Group).filter_by(slug="oslo").one().timezone == "Europe/Oslo"


@pytest.mark.parametrize(("name", "slug"), [
    ("Kaffeklub Vest", "kaffeklub-vest"),
    ("Morgenkaffe på Ærø – Søby", "morgenkaffe-paa-aeroe-soeby"),
    ("Café Zürich!!", "cafe-zurich"),
])
def test_an_empty_short_name_is_suggested_from_the_name(client, login, name, slug):
    login(create_admin())
    response = client.post("/groups/new", data={"name": name, "slug": "", "timezone": "Europe/Copenhagen",
                                                "description": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.query(Group).filter_by(name=name).one().slug == slug


def test_a_name_without_letters_still_asks_for_a_short_name(client, login):
    login(create_admin())
    response = client.post("/groups/new", data={"name": "!!!", "slug": "", "timezone": "Europe/Copenhagen"})
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert db.session.query(Group).filter_by(name="!!!").count() == 0


def test_meeting_page_names_the_zone_and_series_pages_describe_the_rule(client, login, english):
    group = create_group(timezone="Europe/Copenhagen")
    organizer = login(create_organizer(group))
    meeting = create_meeting(group=group)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "(Copenhagen)" in page and "(Europe/Copenhagen)" not in page
    listing = client.get(f"/groups/{group.slug}/meetings").get_data(as_text=True)
    assert "Times are in Copenhagen." in listing
    series = MeetingSeries(group_id=group.id, title="Morgenmøde", rule="FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3",
                           spec={}, timezone="Europe/Copenhagen", created_by_id=organizer.id,
                           starts_on=date(2031, 1, 1), ends_on=date(2031, 12, 31),
                           start_time=time(7, 30), end_time=time(9, 0))
    db.session.add(series)
    db.session.commit()
    hosts = client.get(f"/series/{series.id}/hosts")
    assert hosts.status_code == 200
    text = hosts.get_data(as_text=True)
    assert "third Wednesday of the month" in text and ">FREQ=" not in text


def test_bio_keeps_its_line_breaks_escaped(client, login):
    group = create_group()
    member = create_member(groups=[group], bio="Line one\nLine <b>two</b>\r\n\r\nNew paragraph")
    login(create_member(groups=[group]))
    page = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "Line one<br>Line &lt;b&gt;two&lt;/b&gt;</p><p>New paragraph</p>" in page


def test_profile_shows_the_login_address_as_text_not_an_input(client, login):
    member = login(create_member(email="mette@example.test"))
    page = client.get("/profile").get_data(as_text=True)
    assert 'id="email-readonly"' in page
    assert not re.search(r'<input[^>]*id="email-readonly"', page)
    assert "mette@example.test" in page and member.email == "mette@example.test"


def test_series_form_offers_named_zones_with_the_groups_zone_chosen(client, login):
    group = create_group(timezone="Europe/Oslo")
    login(create_organizer(group, language="da"))
    page = client.get(f"/groups/{group.slug}/series/new").get_data(as_text=True)
    zones = _options(page, "timezone")
    assert zones["Europe/Copenhagen"].startswith("København") and "Europe/Oslo" in zones
    assert 'value="Europe/Oslo"' in _selected(page, "timezone")
    assert not re.search(r'<input[^>]*name="timezone"', page)  # no text box for a zone id
