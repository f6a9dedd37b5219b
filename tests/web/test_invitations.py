"""Group invitations: the mail, the page behind the link (GET shows, POST acts once), accepting,
declining, expired, used and withdrawn links, and the invite_to_group service."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from app.auth.tokens import hash_token
from app.extensions import db
from app.groups.invitations import invite_to_group
from app.models import (
    GroupInvitation,
    Member,
    MemberEvent,
    Membership,
    NetworkSettings,
    OutboxMessage,
    utcnow,
)
from tests.factories import build_world, client_for, create_member
from tests.web.greeting_helpers import greets

pytestmark = pytest.mark.usefixtures("english")

LINK = re.compile(r"/invitations/([A-Za-z0-9_\-]{20,})")


def _invite(app, login, world, address: str, *, name: str = "Nina Ny", role: str = "member"):
    """The organizer of A invites the address through the members page; returns the client."""
    client = client_for(app, login, world, "organizer")
    response = client.post(f"/groups/{world.a.slug}/members/add",
                           data={"email": address, "name": name, "role": role})
    assert response.status_code == 302
    return client


def _mail_to(address: str) -> OutboxMessage:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients == address,
                                                         OutboxMessage.kind == "group_invitation")
                             .order_by(OutboxMessage.id.desc()))


def _parts(mail: OutboxMessage) -> tuple[str, str]:
    message = email.message_from_string(mail.raw, policy=policy.default)
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def _token_for(address: str) -> str:
    text, _ = _parts(_mail_to(address))
    return LINK.search(text).group(1)


def _invitation(address: str) -> GroupInvitation:
    return db.session.scalar(select(GroupInvitation).where(GroupInvitation.email == address)
                             .order_by(GroupInvitation.id.desc()))


def _members_page(app, login, world) -> str:
    response = client_for(app, login, world, "organizer").get(f"/groups/{world.a.slug}/members")
    return response.get_data(as_text=True)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- the mail -------------------------------------------------------------------------------------

def test_invitation_mail_says_who_invites_to_what_and_what_is_shared(app, login):
    world = build_world()
    _invite(app, login, world, "nina@example.dk")
    mail = _mail_to("nina@example.dk")
    assert mail is not None and world.a.name in mail.subject
    for part in _parts(mail):
        assert "Hi Nina," in part and "Ole Organizer" in part and world.a.name in part
        assert "contact details" in part and "14 days" in part
        assert LINK.search(part)
    invitation = _invitation("nina@example.dk")
    assert invitation.token_hash == hash_token(_token_for("nina@example.dk"))  # only the hash is stored
    assert timedelta(days=13) < invitation.expires_at - invitation.created_at <= timedelta(days=14)


def test_a_members_invitation_is_in_their_language_a_strangers_in_the_networks(app, login):
    world = build_world()
    danish = create_member(name="Dorte Dansk", groups=[world.c], language="da")
    settings = NetworkSettings.get()
    settings.default_language = "da"
    db.session.commit()
    _invite(app, login, world, danish.email)
    _invite(app, login, world, "stranger@example.dk", name="Sara Stranger")
    assert "Hej Dorte\r\n" in _parts(_mail_to(danish.email))[0]
    assert "Hej Sara\r\n" in _parts(_mail_to("stranger@example.dk"))[0]
    english_member = create_member(name="Emma English", groups=[world.c], language="en")
    _invite(app, login, world, english_member.email)
    assert "Hi Emma," in _parts(_mail_to(english_member.email))[0]


# --- GET shows, POST acts -------------------------------------------------------------------------

def test_opening_the_link_changes_nothing(app, login):
    world = build_world()
    _invite(app, login, world, "nina@example.dk")
    token = _token_for("nina@example.dk")
    members_before = _count(Member)
    for _ in range(3):  # a mail scanner, a preview pane, the person
        page = app.test_client().get(f"/invitations/{token}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Accept and join" in text and "No thanks" in text and world.a.name in text
        assert 'value="Nina Ny"' in text  # the name the organizer typed, to correct
        assert page.headers["Cache-Control"] == "no-store"
    invitation = _invitation("nina@example.dk")
    assert invitation.accepted_at is None and invitation.declined_at is None
    assert _count(Member) == members_before


def test_a_stranger_accepts_gets_an_account_in_the_group_and_is_logged_in(app, login):
    world = build_world()
    _invite(app, login, world, "nina@example.dk")
    token = _token_for("nina@example.dk")
    client = app.test_client()
    response = client.post(f"/invitations/{token}", data={"name": "Nina Nyborg", "accept": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/groups/{world.a.slug}")
    member = db.session.scalar(select(Member).where(Member.email == "nina@example.dk"))
    assert member.name == "Nina Nyborg" and member.active and not member.is_admin
    assert member.membership_in(world.a).role == "member"
    assert greets(client.get("/").get_data(as_text=True), "Nina")
    kinds = [e.kind for e in db.session.scalars(select(MemberEvent).where(MemberEvent.member_id == member.id)
                                                 .order_by(MemberEvent.id))]
    assert kinds == ["invited", "invitation_accepted"]
    # Once only: the same link again, and a second POST, are refused.
    again = client.post(f"/invitations/{token}", data={"name": "X", "accept": "1"})
    assert again.status_code == 410 and "already been accepted" in again.get_data(as_text=True)
    assert app.test_client().get(f"/invitations/{token}").status_code == 410
    assert _count(Member) == 6


def test_a_stranger_must_give_a_name(app, login):
    world = build_world()
    _invite(app, login, world, "nina@example.dk", name="")
    token = _token_for("nina@example.dk")
    response = app.test_client().post(f"/invitations/{token}", data={"name": "  ", "accept": "1"})
    assert response.status_code == 422
    assert "Please enter a name." in response.get_data(as_text=True)
    assert _invitation("nina@example.dk").accepted_at is None
    assert db.session.scalar(select(Member).where(Member.email == "nina@example.dk")) is None


def test_a_member_of_another_group_accepts_and_joins_keeping_their_profile(app, login):
    world = build_world()
    _invite(app, login, world, world.other.email, name="Typed Name")
    token = _token_for(world.other.email)
    page = app.test_client().get(f"/invitations/{token}").get_data(as_text=True)
    assert 'name="name"' not in page  # an existing member has a name already
    response = app.test_client().post(f"/invitations/{token}", data={"accept": "1"})
    assert response.status_code == 302
    other = db.session.get(Member, world.other.id)
    assert other.name == "Olga Other" and other.membership_in(world.a) is not None
    assert other.membership_in(world.b) is not None
    assert _count(Member) == 5
    members_page = client_for(app, login, world, "organizer").get(f"/groups/{world.a.slug}/members")
    assert "Bornholm Bolcher" in members_page.get_data(as_text=True)  # now shared, by consent


def test_declining_adds_nobody_and_uses_the_link_up(app, login):
    world = build_world()
    _invite(app, login, world, world.other.email)
    token = _token_for(world.other.email)
    response = app.test_client().post(f"/invitations/{token}", data={"decline": "1"})
    assert response.status_code == 200
    assert "You said no thanks" in response.get_data(as_text=True)
    assert db.session.get(Member, world.other.id).membership_in(world.a) is None
    assert _invitation(world.other.email).declined_at is not None
    assert app.test_client().post(f"/invitations/{token}", data={"accept": "1"}).status_code == 410
    assert db.session.get(Member, world.other.id).membership_in(world.a) is None
    assert db.session.scalar(select(MemberEvent.kind).where(MemberEvent.member_id == world.other.id)
                             .order_by(MemberEvent.id.desc())) == "invitation_declined"
    page = _members_page(app, login, world)
    assert "data-invitation-id" not in page  # no longer waiting for an answer


def test_expired_links_cannot_be_used(app, login):
    world = build_world()
    _invite(app, login, world, "nina@example.dk")
    token = _token_for("nina@example.dk")
    invitation = _invitation("nina@example.dk")
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert app.test_client().get(f"/invitations/{token}").status_code == 410
    response = app.test_client().post(f"/invitations/{token}", data={"name": "Nina", "accept": "1"})
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert _count(Member) == 5
    page = _members_page(app, login, world)
    assert "nina@example.dk" not in page


@pytest.mark.parametrize("token", ["nope", "x" * 500, "a%00b"])
def test_unknown_links_are_not_found(app, token):
    assert app.test_client().get(f"/invitations/{token}").status_code == 404
    assert app.test_client().post(f"/invitations/{token}", data={"accept": "1"}).status_code == 404


def test_withdrawn_invitation_link_stops_working(app, login):
    world = build_world()
    organizer = _invite(app, login, world, "nina@example.dk")
    token = _token_for("nina@example.dk")
    invitation = _invitation("nina@example.dk")
    page = organizer.get(f"/groups/{world.a.slug}/members").get_data(as_text=True)
    assert "nina@example.dk" in page and "Nina Ny" in page and "Withdraw" in page
    response = organizer.post(f"/groups/{world.a.slug}/invitations/{invitation.id}/withdraw")
    assert response.status_code == 302
    assert _invitation("nina@example.dk").revoked_at is not None
    page = organizer.get(f"/groups/{world.a.slug}/members").get_data(as_text=True)
    assert "data-invitation-id" not in page
    response = app.test_client().post(f"/invitations/{token}", data={"name": "Nina", "accept": "1"})
    assert response.status_code == 410 and "withdrawn" in response.get_data(as_text=True)
    assert _count(Member) == 5


def test_only_the_groups_organizers_and_admins_withdraw(app, login):
    world = build_world()
    _invite(app, login, world, "nina@example.dk")
    invitation = _invitation("nina@example.dk")
    url = f"/groups/{world.a.slug}/invitations/{invitation.id}/withdraw"
    assert client_for(app, login, world, "member").post(url).status_code == 403
    assert client_for(app, login, world, "other").post(url).status_code == 404
    assert _invitation("nina@example.dk").revoked_at is None
    # An invitation of another group cannot be withdrawn through this one.
    from tests.factories import create_organizer
    b_organizer = create_organizer(world.b, name="Bo Bornholm")
    b_client = app.test_client()
    login(b_organizer, test_client=b_client)
    assert b_client.post(f"/groups/{world.b.slug}/invitations/{invitation.id}/withdraw").status_code == 404
    assert client_for(app, login, world, "admin").post(url).status_code == 302
    assert _invitation("nina@example.dk").revoked_at is not None


def test_withdrawing_an_existing_members_invitation_is_in_their_history(app, login):
    world = build_world()
    organizer = _invite(app, login, world, world.other.email)
    invitation = _invitation(world.other.email)
    organizer.post(f"/groups/{world.a.slug}/invitations/{invitation.id}/withdraw")
    kinds = list(db.session.scalars(select(MemberEvent.kind).where(MemberEvent.member_id == world.other.id)
                                    .order_by(MemberEvent.id)))
    assert kinds == ["invited", "invitation_withdrawn"]


def test_a_new_invitation_replaces_an_open_one(app, login):
    world = build_world()
    _invite(app, login, world, "nina@example.dk")
    first = _token_for("nina@example.dk")
    _invite(app, login, world, "nina@example.dk")
    second = _token_for("nina@example.dk")
    assert first != second
    old_link = app.test_client().get(f"/invitations/{first}")
    assert old_link.status_code == 410
    assert "replaced by a newer one" in old_link.get_data(as_text=True)  # not "withdrawn"
    assert "withdrawn" not in old_link.get_data(as_text=True)
    assert app.test_client().get(f"/invitations/{second}").status_code == 200
    page = _members_page(app, login, world)
    assert page.count("nina@example.dk</span>") == 1


def test_a_deactivated_member_gets_no_mail_and_cannot_accept(app, login):
    world = build_world()
    sleeper = create_member(name="Sovende Søren", groups=[world.c], active=False)
    _invite(app, login, world, sleeper.email)
    assert _mail_to(sleeper.email) is None
    assert _invitation(sleeper.email) is not None  # the organizer sees it waiting, like any other


def test_organizer_invites_as_organizer(app, login):
    world = build_world()
    _invite(app, login, world, "nina@example.dk", role="organizer")
    token = _token_for("nina@example.dk")
    app.test_client().post(f"/invitations/{token}", data={"name": "Nina", "accept": "1"})
    member = db.session.scalar(select(Member).where(Member.email == "nina@example.dk"))
    assert member.membership_in(world.a).role == "organizer"


def test_logged_in_as_someone_else_the_page_warns_and_accepting_switches(app, login):
    world = build_world()
    _invite(app, login, world, world.other.email)
    token = _token_for(world.other.email)
    client = client_for(app, login, world, "member")
    page = client.get(f"/invitations/{token}").get_data(as_text=True)
    assert "You are logged in as Mads Member" in page
    client.post(f"/invitations/{token}", data={"accept": "1"})
    assert greets(client.get("/").get_data(as_text=True), "Olga")


# --- the service other code calls -----------------------------------------------------------------

def test_invite_to_group_returns_an_invitation_or_a_membership_and_does_not_commit(app):
    world = build_world()
    result = invite_to_group(world.organizer, world.a, email="Nina@Example.DK", name="Nina",
                             company="Ny ApS", phone="12345678")
    assert isinstance(result, GroupInvitation)
    assert (result.email, result.company, result.phone, result.role) == (
        "nina@example.dk", "Ny ApS", "12345678", "member")
    direct = invite_to_group(world.admin, world.a, email=world.other.email, role="organizer")
    assert isinstance(direct, Membership) and direct.role == "organizer"
    db.session.rollback()
    assert _count(GroupInvitation) == 0 and _count(OutboxMessage) == 0
    assert db.session.get(Member, world.other.id).membership_in(world.a) is None


def test_invite_to_group_refuses_outsiders_and_bad_input(app):
    from app.errors import PermissionDenied, ValidationFailed

    world = build_world()
    with pytest.raises(PermissionDenied):
        invite_to_group(world.member, world.a, email="nina@example.dk")
    with pytest.raises(PermissionDenied):
        invite_to_group(world.organizer, world.b, email="nina@example.dk")
    for kwargs, field in [({"email": "not an address"}, "email"), ({"email": "a\x00b@x.dk"}, "email"),
                          ({"email": "n@example.dk", "role": "king"}, "role"),
                          ({"email": "n@example.dk", "name": "x" * 201}, "name")]:
        with pytest.raises(ValidationFailed) as error:
            invite_to_group(world.organizer, world.a, **kwargs)
        assert field in error.value.fields
    with pytest.raises(ValidationFailed):  # visible to the organizer already: no secret told
        invite_to_group(world.organizer, world.a, email=world.member.email)


def _hostile_post(client, url, data):
    """A urlencoded body; a lone surrogate goes as its (invalid) UTF-8 bytes, as a hostile client sends."""
    from urllib.parse import quote_plus

    body = "&".join(f"{quote_plus(k)}={quote_plus(v.encode('utf-8', 'surrogatepass'))}"
                    for k, v in data.items())
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("value", ["a\x00b", "\ud800", "x" * 100_000])
def test_hostile_input_is_a_form_error_not_a_crash(app, login, value):
    # Werkzeug reads a lone surrogate's bytes as U+FFFD, which can be stored: then any answer
    # below 500 is right. NUL and oversize text are refused with a form error.
    expected = {422} if value != "\ud800" else {302, 422}
    world = build_world()
    organizer = client_for(app, login, world, "organizer")
    for data in ({"email": value, "name": "N", "role": "member"},
                 {"email": "nina@example.dk", "name": value, "role": "member"}):
        response = _hostile_post(organizer, f"/groups/{world.a.slug}/members/add", data)
        assert response.status_code in expected, data
    for field in ("email", "name", "company", "phone"):
        data = {"name": "Nina", "email": "nina@example.dk", "company": "", "phone": "",
                "group_id": str(world.a.id), "role": "member"}
        data[field] = value
        response = _hostile_post(organizer, "/admin/members/new", data)
        assert response.status_code in expected, field
    if value != "\ud800":
        assert _count(GroupInvitation) == 0
    _invite(app, login, world, "nina@example.dk", name="")
    token = _token_for("nina@example.dk")
    response = _hostile_post(app.test_client(), f"/invitations/{token}", {"name": value, "accept": "1"})
    assert response.status_code in ({422} if value != "\ud800" else {302})
