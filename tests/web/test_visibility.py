"""Who sees which field, on both channels: every field x every viewer, on the web page and in the
API, checked against the one rule (app.visibility). A field shown on one channel and hidden on the
other, or shown against the rule, fails here."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from app.extensions import db
from app.models import Competency, Group, Meeting, Member
from app.tokens.services import create_token
from app.visibility import Viewer, meeting_fields, member_fields
from tests.factories import (
    create_admin,
    create_group,
    create_meeting,
    create_member,
    create_organizer,
)

MEETING_VIEWERS = [Viewer.ANONYMOUS, Viewer.OUTSIDER, Viewer.MEMBER, Viewer.ORGANIZER, Viewer.ADMIN]
MEMBER_VIEWERS = [*MEETING_VIEWERS, Viewer.SELF]

# A distinctive value per meeting field, and where the API puts it.
MEETING_VALUES = {
    "title": ("Zeta breakfast", ("title",)),
    "venue_name": ("Lokale Zeta", ("venue", "name")),
    "venue_address": ("Zetavej 9, 7400 Herning", ("venue", "address")),
    "agenda": ("Zeta agenda point", ("agenda",)),
    "capacity": (173, ("capacity",)),
    "host_name": ("Henrik Hostrup", ("venue", "host", "name")),
    "host_company": ("Qwerty Kaffebar ApS", ("venue", "host", "company")),
    "host_email": ("henrik@qwerty.example", ("venue", "host", "email")),
    "host_phone": ("+45 7012 3456", ("venue", "host", "phone")),
    "online_url": ("https://meet.example/zz-secret-room", ("online_url",)),
}

# A distinctive value per member field, with the Member attribute and the API key.
MEMBER_VALUES = {
    "name": "Vibeke Targetsen",
    "company": "Zyxo Kaffe ApS",
    "title": "Chefbarista",
    "industry": "Kafferisteri",
    "bio": "Ristede bonner siden 1999",
    "website": "https://zyxo.example/",
    "email": "vibeke@zyxo.example",
    "phone": "+45 8899 7766",
}
COMPETENCY = "Espressomaskiner"

# The member fields each page shows when they are visible.
CARD_FIELDS = ("name", "company", "title", "industry", "bio", "website", "email", "phone")
LIST_FIELDS = ("name", "company", "title", "industry", "email", "phone")


@dataclass
class Network:
    group: Group  # public, so that anonymous visitors and outsiders may see its meetings
    other_group: Group
    meeting: Meeting
    people: dict[Viewer, Member | None]
    target: Member  # the member whose record is looked at; hosts the meeting


def build_network() -> Network:
    group = create_group(name="Kaffeklub Zeta", slug="kaffeklub-zeta", is_public=True)
    other_group = create_group(name="Kaffeklub Eta", slug="kaffeklub-eta", is_public=True)
    target = create_member(groups=[group], **{field: value for field, value in MEMBER_VALUES.items()},
                           language="en")
    target.competencies.append(Competency(name=COMPETENCY))
    host = create_member(groups=[group], name=MEETING_VALUES["host_name"][0],
                         company=MEETING_VALUES["host_company"][0], email=MEETING_VALUES["host_email"][0],
                         phone=MEETING_VALUES["host_phone"][0])
    meeting = create_meeting(group=group, title=MEETING_VALUES["title"][0],
                             venue_name=MEETING_VALUES["venue_name"][0],
                             venue_address=MEETING_VALUES["venue_address"][0],
                             agenda=MEETING_VALUES["agenda"][0], capacity=MEETING_VALUES["capacity"][0],
                             online_url=MEETING_VALUES["online_url"][0], host_member_id=host.id)
    people = {
        Viewer.ANONYMOUS: None,
        Viewer.OUTSIDER: create_member(name="Otto Outsider", groups=[other_group]),
        Viewer.MEMBER: create_member(name="Maja Member", groups=[group]),
        Viewer.ORGANIZER: create_organizer(group, name="Olav Organizer"),
        Viewer.ADMIN: create_admin(name="Asta Admin"),
        Viewer.SELF: target,
    }
    db.session.commit()
    return Network(group=group, other_group=other_group, meeting=meeting, people=people, target=target)


@pytest.fixture
def network(app) -> Network:
    return build_network()


def web_client(app, login, network: Network, viewer: Viewer):
    client = app.test_client()
    person = network.people[viewer]
    if person is not None:
        login(person, test_client=client)
    return client


def api_headers(network: Network, viewer: Viewer) -> dict[str, str]:
    person = network.people[viewer]
    if person is None:
        return {}
    _token, plaintext = create_token(person, "visibility")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def shows(html: str, value) -> bool:
    if isinstance(value, int):
        return re.search(rf"(?<![\d.]){value}(?![\d.])", html) is not None
    return str(value) in html


def dig(payload, path):
    """The value at path in the JSON, or None where a key is absent or a level is null."""
    for key in path:
        if not isinstance(payload, dict) or key not in payload:
            return None
        payload = payload[key]
    return payload


def mismatches(expected: frozenset[str], seen: dict[str, bool]) -> dict[str, str]:
    return {field: ("shown against the rule" if shown else "hidden against the rule")
            for field, shown in seen.items() if shown != (field in expected)}


# --- meetings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", MEETING_VIEWERS, ids=lambda v: v.value)
def test_meeting_page_shows_exactly_the_fields_the_rule_allows(app, login, network, viewer):
    client = web_client(app, login, network, viewer)
    response = client.get(f"/meetings/{network.meeting.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    seen = {field: shows(html, value) for field, (value, _path) in MEETING_VALUES.items()}
    assert mismatches(meeting_fields(viewer), seen) == {}


@pytest.mark.parametrize("viewer", MEETING_VIEWERS, ids=lambda v: v.value)
def test_meeting_api_returns_exactly_the_fields_the_rule_allows(client, network, viewer):
    headers = api_headers(network, viewer)
    single = client.get(f"/api/v1/meetings/{network.meeting.id}", headers=headers)
    listing = client.get(f"/api/v1/groups/{network.group.slug}/meetings", headers=headers)
    assert single.status_code == 200 and listing.status_code == 200
    assert listing.json == [single.json]
    seen = {field: dig(single.json, path) == value for field, (value, path) in MEETING_VALUES.items()}
    assert mismatches(meeting_fields(viewer), seen) == {}
    # what is hidden is null (host, online link) or left out (a key of the host), never a value
    if "host_name" not in meeting_fields(viewer):
        assert single.json["venue"]["host"] is None
    if "online_url" not in meeting_fields(viewer):
        assert single.json["online_url"] is None


@pytest.mark.parametrize("viewer", MEETING_VIEWERS, ids=lambda v: v.value)
def test_meeting_page_and_api_agree(app, login, network, viewer):
    page = web_client(app, login, network, viewer).get(f"/meetings/{network.meeting.id}")
    html = page.get_data(as_text=True)
    payload = app.test_client().get(f"/api/v1/meetings/{network.meeting.id}",
                                    headers=api_headers(network, viewer)).json
    for field, (value, path) in MEETING_VALUES.items():
        assert shows(html, value) == (dig(payload, path) == value), field


# --- members -------------------------------------------------------------------------------------


def _member_page_fields(html: str, fields: tuple[str, ...]) -> dict[str, bool]:
    return {field: MEMBER_VALUES[field] in html for field in fields}


@pytest.mark.parametrize("viewer", MEMBER_VIEWERS, ids=lambda v: v.value)
def test_member_card_shows_exactly_the_fields_the_rule_allows(app, login, network, viewer):
    client = web_client(app, login, network, viewer)
    response = client.get(f"/members/{network.target.id}")
    expected = member_fields(viewer)
    if not expected:
        assert response.status_code in (302, 404)  # anonymous: to the login; outsiders: not found
    else:
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert mismatches(expected, _member_page_fields(html, CARD_FIELDS)) == {}
    assert (COMPETENCY in html) == ("competencies" in expected)


@pytest.mark.parametrize("viewer", MEMBER_VIEWERS, ids=lambda v: v.value)
def test_directory_shows_exactly_the_fields_the_rule_allows(app, login, network, viewer):
    client = web_client(app, login, network, viewer)
    response = client.get("/members", query_string={"q": "Targetsen"})
    expected = member_fields(viewer)
    if viewer is Viewer.ANONYMOUS:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert mismatches(expected, _member_page_fields(html, LIST_FIELDS)) == {}


@pytest.mark.parametrize("viewer", MEMBER_VIEWERS, ids=lambda v: v.value)
def test_group_member_list_shows_exactly_the_fields_the_rule_allows(app, login, network, viewer):
    client = web_client(app, login, network, viewer)
    response = client.get(f"/groups/{network.group.slug}/members")
    expected = member_fields(viewer)
    assert (response.status_code == 200) == bool(expected)
    html = response.get_data(as_text=True)
    assert mismatches(expected, _member_page_fields(html, LIST_FIELDS)) == {}


API_MEMBER_KEYS = ("name", "company", "title", "industry", "email", "phone")


@pytest.mark.parametrize("viewer", MEMBER_VIEWERS, ids=lambda v: v.value)
def test_group_member_api_returns_exactly_the_fields_the_rule_allows(client, network, viewer):
    response = client.get(f"/api/v1/groups/{network.group.slug}/members",
                          headers=api_headers(network, viewer))
    expected = member_fields(viewer)
    if not expected:
        assert response.status_code in (401, 403)
        entry: dict = {}
    else:
        assert response.status_code == 200
        [entry] = [e for e in response.json if e["id"] == network.target.id]
        assert ("competencies" in entry) == ("competencies" in expected)
    seen = {key: entry.get(key) == MEMBER_VALUES[key] for key in API_MEMBER_KEYS}
    assert mismatches(expected, seen) == {}
    # a hidden key is left out, not null
    assert all(key in expected for key in entry if key != "role")


def test_me_returns_the_whole_own_record(client, network):
    response = client.get("/api/v1/me", headers=api_headers(network, Viewer.SELF))
    assert response.status_code == 200
    shown = member_fields(Viewer.SELF)
    for key, value in MEMBER_VALUES.items():
        assert (response.json.get(key) == value) == (key in shown), key
    assert response.json["language"] == "en"
    assert response.json["competencies"] == [COMPETENCY]
    assert [g["slug"] for g in response.json["groups"]] == [network.group.slug]
