"""The visibility matrix on every surface that exists: each member field (company = the profile kind,
e-mail, phone) x each viewer (anonymous, outsider, member, organizer, admin, self) x each level the
member chose (public, members, organizers), on

- the web profile card (/members/<id>) and GET /api/v1/members/<id>,
- the group's member list (/groups/<slug>/members) and GET /api/v1/groups/<slug>/members,
- the public JSON (GET /api/v1/public/groups/<slug>/members),
- a meeting the member hosts: the meeting page and GET /api/v1/meetings/<id> (host_*),
- the calendar invitation mailed to the group and the members' private feeds (no host contact),
- the organizers' and admins' CSV export.

The expected values are the issue's words (`sees`), not the implementation's."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from PIL import Image
from sqlalchemy import select

from app.calendars import invites, member_feed
from app.extensions import db
from app.models import Group, Meeting, Member, OutboxMessage, utcnow
from tests.factories import create_admin, create_group, create_meeting, create_member, create_organizer
from tests.web.api_helpers import bearer, token_for

pytestmark = pytest.mark.usefixtures("english")

VIEWERS = ("anonymous", "outsider", "member", "organizer", "admin", "self")
LEVELS = ("public", "members", "organizers")
EMAIL = "tove.taeppe@zeta.example"
PHONE = "+45 7070 1234"
COMPANY = "Zetatæpper ApS"
VALUES = {"email": EMAIL, "phone": PHONE, "company": COMPANY}


def sees(viewer: str, level: str) -> bool:
    """The rule, for a member whose every kind (profile included) is at `level`."""
    if viewer in ("self", "admin", "organizer"):
        return True
    if viewer == "member":
        return level in ("public", "members")
    return level == "public"  # anonymous and outsiders: a public profile's public kinds


@dataclass
class Net:
    group: Group
    target: Member
    meeting: Meeting
    people: dict[str, Member | None]


def _net(level: str) -> Net:
    group = create_group(name="Kaffeklub Zeta", slug="kaffeklub-zeta", is_public=True)
    other = create_group(name="Kaffeklub Ypsilon", slug="kaffeklub-ypsilon")
    target = create_member(name="Tove Tæppe", email=EMAIL, phone=PHONE, company=COMPANY, groups=[group],
                           language="en", profile_visibility=level, photo_visibility=level,
                           email_visibility=level, phone_visibility=level)
    meeting = create_meeting(group=group, title="Zeta morgenmøde", host_member_id=target.id)
    people = {
        "anonymous": None,
        "outsider": create_member(name="Otto Outsider", groups=[other], language="en"),
        "member": create_member(name="Mads Member", groups=[group], language="en"),
        "organizer": create_organizer(group, name="Olga Organizer", language="en"),
        "admin": create_admin(name="Anna Admin", language="en"),
        "self": target,
    }
    return Net(group, target, meeting, people)


@pytest.fixture(params=LEVELS)
def net(request, app):
    return _net(request.param), request.param


def _client(app, login, net: Net, viewer: str):
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    if net.people[viewer] is not None:
        login(net.people[viewer], test_client=client)
    return client


def _headers(net: Net, viewer: str) -> dict[str, str]:
    person = net.people[viewer]
    return bearer(token_for(person)) if person is not None else {}


def _check_text(text: str, viewer: str, level: str, *, kinds=("email", "phone", "company")) -> None:
    for kind in kinds:
        assert (VALUES[kind] in text) is sees(viewer, level), (kind, viewer, level)


def _check_json(body: dict, viewer: str, level: str, keys: dict[str, str]) -> None:
    for kind, key in keys.items():
        assert (body.get(key) == VALUES[kind]) is sees(viewer, level), (kind, viewer, level, body)


# --- the profile card -----------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", VIEWERS)
def test_profile_card(app, login, net, viewer):
    net, level = net
    response = _client(app, login, net, viewer).get(f"/members/{net.target.id}")
    if viewer == "anonymous":
        assert response.status_code == 302  # to the login page
    elif viewer == "outsider":
        assert response.status_code == 404  # shares no group: the public pages are for them
    else:
        assert response.status_code == 200
        _check_text(response.get_data(as_text=True), viewer, level)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_member_api(app, net, viewer):
    net, level = net
    response = app.test_client().get(f"/api/v1/members/{net.target.id}", headers=_headers(net, viewer))
    if viewer == "anonymous":
        assert response.status_code == 401
    elif viewer == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        _check_json(response.get_json(), viewer, level, {"email": "email", "phone": "phone",
                                                         "company": "company"})


# --- the group's member list ---------------------------------------------------------------------

@pytest.mark.parametrize("viewer", VIEWERS)
def test_group_member_list(app, login, net, viewer):
    net, level = net
    response = _client(app, login, net, viewer).get(f"/groups/{net.group.slug}/members")
    if viewer == "anonymous":
        assert response.status_code == 302
    elif viewer == "outsider":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        entry = text.split(f'data-member-id="{net.target.id}"')[1].split("data-member-id=")[0]
        _check_text(entry, viewer, level)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_group_member_api(app, net, viewer):
    net, level = net
    response = app.test_client().get(f"/api/v1/groups/{net.group.slug}/members",
                                     headers=_headers(net, viewer))
    if viewer == "anonymous":
        assert response.status_code == 401
    elif viewer == "outsider":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        [entry] = [m for m in response.get_json() if m["id"] == net.target.id]
        _check_json(entry, viewer, level, {"email": "email", "phone": "phone", "company": "company"})


def test_public_members_api(app, net):
    net, level = net
    response = app.test_client().get(f"/api/v1/public/groups/{net.group.slug}/members")
    assert response.status_code == 200
    entries = [m for m in response.get_json() if m.get("id") == net.target.id]
    if level != "public":
        assert entries == []  # not listed publicly at all
        assert EMAIL not in response.get_data(as_text=True)
        return
    [entry] = entries
    _check_json(entry, "anonymous", level, {"email": "email", "phone": "phone", "company": "company"})


# --- a meeting the member hosts -------------------------------------------------------------------

def _host_sees(viewer: str, level: str) -> bool:
    """The host's company/e-mail/phone on a meeting: the group's insiders only, by the host's levels."""
    if viewer in ("anonymous", "outsider"):
        return False  # the venue, never who hosts it
    return sees(viewer, level)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_meeting_page_host(app, login, net, viewer):
    net, level = net
    response = _client(app, login, net, viewer).get(f"/meetings/{net.meeting.id}")
    assert response.status_code == 200  # a public group's meeting
    text = response.get_data(as_text=True)
    host = text.split("data-meeting-host")[1].split("</dd>")[0] if "data-meeting-host" in text else ""
    for kind in ("email", "phone", "company"):
        assert (VALUES[kind] in host) is _host_sees(viewer, level), (kind, viewer, level)
        if not _host_sees(viewer, level) and viewer != "self":
            assert VALUES[kind] not in text


@pytest.mark.parametrize("viewer", VIEWERS)
def test_meeting_api_host(app, net, viewer):
    net, level = net
    response = app.test_client().get(f"/api/v1/meetings/{net.meeting.id}", headers=_headers(net, viewer))
    assert response.status_code == 200
    host = response.get_json()["venue"]["host"] or {}
    for kind in ("email", "phone", "company"):
        assert (host.get(kind) == VALUES[kind]) is _host_sees(viewer, level), (kind, viewer, level, host)
    listing = app.test_client().get(f"/api/v1/groups/{net.group.slug}/meetings",
                                    headers=_headers(net, viewer))
    [entry] = [m for m in listing.get_json() if m["id"] == net.meeting.id]
    assert (entry["venue"]["host"] or {}) == host  # the list says the same as the meeting


def test_invitations_and_feeds_carry_no_host_contact(app, net):
    """The host's e-mail and phone are never in another member's invitation or feed (there is no
    host line in them at all), whatever the host chose."""
    net, level = net
    invites.send_invitations(net.people["organizer"], net.meeting.id)
    mails = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("calendar%"))))
    others = [m for m in mails if m.recipients != EMAIL]
    assert others
    for mail in others:
        assert PHONE not in mail.raw and EMAIL not in mail.raw
    for viewer in ("member", "organizer"):
        _, url = member_feed.feed_urls(net.people[viewer])
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        body = app.test_client().get(path).get_data()
        assert body.startswith(b"BEGIN:VCALENDAR")
        assert PHONE.encode() not in body and EMAIL.encode() not in body


# --- the CSV export ---------------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", ["organizer", "admin", "member", "outsider"])
def test_csv_export(app, login, net, viewer):
    """Organizers (of the member's group) and admins see every kind by the rule: the export has it all,
    whatever the member chose; members and others cannot export."""
    net, level = net
    response = _client(app, login, net, viewer).get(f"/admin/members/export.csv?group={net.group.id}")
    if viewer in ("member", "outsider"):
        assert response.status_code in (403, 404)
        return
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    line = next(r for r in rows if "Tove Tæppe" in r)
    assert EMAIL in line and PHONE in line and COMPANY in line


def test_csv_export_leaves_out_deleted_members(app, login, net):
    net, _level = net
    gone = create_member(name="Tidligere medlem", email="deleted-999@deleted.invalid", active=False)
    gone.deleted_at = utcnow()
    db.session.commit()
    response = _client(app, login, net, "admin").get("/admin/members/export.csv?status=all")
    assert response.status_code == 200
    assert "deleted-999@deleted.invalid" not in response.get_data(as_text=True)


# --- the vCard, the directory and the public group page -------------------------------------------

@pytest.mark.parametrize("viewer", VIEWERS)
def test_vcard(app, login, net, viewer):
    net, level = net
    response = _client(app, login, net, viewer).get(f"/members/{net.target.id}.vcf")
    if viewer == "anonymous":
        assert response.status_code == 302
        return
    if viewer == "outsider":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert (EMAIL in text) is sees(viewer, level)
    assert ("70701234" in text.replace(" ", "")) is sees(viewer, level)
    assert ("Zetatæpper" in text) is sees(viewer, level)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_directory_page_and_api(app, login, net, viewer):
    net, level = net
    response = _client(app, login, net, viewer).get("/members?q=Tove")
    if viewer == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        if viewer == "outsider":  # shares no group: not in their directory at all
            assert f'data-member-id="{net.target.id}"' not in text and EMAIL not in text
        else:
            entry = text.split(f'data-member-id="{net.target.id}"')[1].split("data-member-id=")[0]
            _check_text(entry, viewer, level, kinds=("email", "phone"))
    api = app.test_client().get("/api/v1/members?q=Tove", headers=_headers(net, viewer))
    if viewer == "anonymous":
        assert api.status_code == 401
        return
    entries = [m for m in api.get_json() if m["id"] == net.target.id]
    if viewer == "outsider":
        assert entries == []
        return
    [entry] = entries
    _check_json(entry, viewer, level, {"email": "email", "phone": "phone", "company": "company"})


def test_public_group_page(app, net):
    """Anonymous visitors see a public group's page with the members who chose a public profile,
    and of them only the public kinds."""
    net, level = net
    response = app.test_client().get(f"/groups/{net.group.slug}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    _check_text(text, "anonymous", level)
    assert ("Tove Tæppe" in text) is (level == "public")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_photo(app, login, net, viewer, tmp_path):
    """The photo kind: served only to whom the member shows it (404 otherwise, like no photo)."""
    net, level = net
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    image = io.BytesIO()
    Image.new("RGB", (200, 200), (20, 120, 200)).save(image, format="JPEG")
    owner = _client(app, login, net, "self")
    uploaded = owner.post("/profile/photo", content_type="multipart/form-data",
                          data={"photo": (io.BytesIO(image.getvalue()), "me.jpg", "image/jpeg")})
    assert uploaded.status_code in (302, 303)
    response = _client(app, login, net, viewer).get(f"/members/{net.target.id}/photo/small")
    assert (response.status_code == 200) is sees(viewer, level), (viewer, level, response.status_code)
    if response.status_code != 200:
        assert response.status_code in (302, 404)
