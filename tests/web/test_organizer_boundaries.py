"""Organizers stay inside their groups (issue 6).

The takeover chain that used to work, step by step: an organizer of A "adds" a member of B by
e-mail, then reads their contact details, edits them, deactivates them, removes them without a
trace, and reactivates someone an admin had deactivated. Also: the add and create forms answer
the same for a member's address and an unknown one, every change lands in the member's history,
and admins keep their direct powers.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import GroupInvitation, Member, MemberEvent, Membership, OutboxMessage, Role
from tests.factories import add_membership, build_world, client_for, create_member, create_organizer

pytestmark = pytest.mark.usefixtures("english")


def _kinds(member) -> list[str]:
    return list(db.session.scalars(select(MemberEvent.kind).where(MemberEvent.member_id == member.id)
                                   .order_by(MemberEvent.id)))


def _fresh(member) -> Member:
    return db.session.get(Member, member.id)


# --- the takeover chain -----------------------------------------------------------------------------

def test_adding_a_member_of_another_group_gives_the_organizer_nothing(app, login):
    world = build_world()
    olga = world.other  # member of B only
    organizer = client_for(app, login, world, "organizer")

    # Step 1: "add" Olga to A. She is invited, not added.
    response = organizer.post(f"/groups/{world.a.slug}/members/add",
                              data={"email": olga.email, "role": "member"})
    assert response.status_code == 302
    assert _fresh(olga).membership_in(world.a) is None

    # Step 2: her contact details and profile stay out of reach.
    page = organizer.get(f"/groups/{world.a.slug}/members").get_data(as_text=True)
    assert "Olga Other" not in page and "Bornholm Bolcher" not in page
    assert organizer.get(f"/members/{olga.id}").status_code == 404
    export = organizer.get("/admin/members/export.csv").get_data(as_text=True)
    assert olga.email not in export

    # Step 3-5: edit, deactivate, reactivate: not hers to touch.
    assert organizer.get(f"/admin/members/{olga.id}/edit").status_code == 404
    assert organizer.post(f"/admin/members/{olga.id}/edit", data={"name": "Taken Over", "language": "en"}
                          ).status_code == 404
    assert organizer.post(f"/admin/members/{olga.id}/deactivate").status_code == 404
    assert _fresh(olga).name == "Olga Other" and _fresh(olga).active is True


def test_after_consent_the_organizer_sees_but_does_not_own_a_shared_member(app, login):
    world = build_world()
    olga = world.other
    add_membership(olga, world.a)  # as if she had accepted an invitation
    organizer = client_for(app, login, world, "organizer")
    assert organizer.get(f"/members/{olga.id}").status_code == 200
    page = organizer.get(f"/members/{olga.id}").get_data(as_text=True)
    assert f"/admin/members/{olga.id}/edit" not in page
    assert organizer.get(f"/admin/members/{olga.id}/edit").status_code == 403
    assert organizer.post(f"/admin/members/{olga.id}/edit", data={"name": "Taken Over", "language": "en"}
                          ).status_code == 403
    assert organizer.post(f"/admin/members/{olga.id}/deactivate").status_code == 403
    assert _fresh(olga).name == "Olga Other" and _fresh(olga).active is True
    listing = organizer.get("/admin/members").get_data(as_text=True)
    assert "Olga Other" in listing and f"/admin/members/{olga.id}/edit" not in listing

    # Removing her from A is the organizer's to do, but it leaves a trace in her history.
    membership_id = _fresh(olga).membership_in(world.a).id
    assert organizer.post(f"/groups/{world.a.slug}/members/{membership_id}/remove").status_code == 302
    assert db.session.get(Membership, membership_id) is None
    assert _kinds(olga)[-1] == "removed"
    event = db.session.scalar(select(MemberEvent).where(MemberEvent.member_id == olga.id))
    assert event.actor_id == world.organizer.id and event.group_id == world.a.id
    assert "Removed from Kaffeklub Aarhus by Ole Organizer" in (
        client_for(app, login, world, "other").get("/profile").get_data(as_text=True))


def test_an_organizer_of_another_group_cannot_be_locked_out(app, login):
    world = build_world()
    bo = create_organizer(world.b, name="Bo Bornholm")
    add_membership(bo, world.a)
    organizer = client_for(app, login, world, "organizer")
    assert organizer.post(f"/admin/members/{bo.id}/deactivate").status_code == 403
    assert _fresh(bo).active is True


def test_only_an_admin_reactivates_whom_an_admin_deactivated(app, login):
    world = build_world()
    mads = world.member  # in A only: the organizer looks after him
    admin = client_for(app, login, world, "admin")
    organizer = client_for(app, login, world, "organizer")
    assert admin.post(f"/admin/members/{mads.id}/deactivate").status_code == 302
    page = organizer.get(f"/admin/members/{mads.id}/edit").get_data(as_text=True)
    assert "only an administrator can reactivate" in page
    assert f"/admin/members/{mads.id}/reactivate" not in page
    assert organizer.post(f"/admin/members/{mads.id}/reactivate").status_code == 403
    assert _fresh(mads).active is False
    assert admin.post(f"/admin/members/{mads.id}/reactivate").status_code == 302
    assert _fresh(mads).active is True

    # What the organizer switched off, the organizer may switch on again.
    assert organizer.post(f"/admin/members/{mads.id}/deactivate").status_code == 302
    assert organizer.post(f"/admin/members/{mads.id}/reactivate").status_code == 302
    assert _fresh(mads).active is True
    assert _kinds(mads) == ["deactivated", "reactivated", "deactivated", "reactivated"]


def test_a_deactivation_not_on_record_is_undone_by_admins_only(app, login):
    world = build_world()
    sleeper = create_member(name="Sovende Søren", groups=[world.a], active=False)
    assert client_for(app, login, world, "organizer").post(
        f"/admin/members/{sleeper.id}/reactivate").status_code == 403
    assert client_for(app, login, world, "admin").post(
        f"/admin/members/{sleeper.id}/reactivate").status_code == 302


def test_an_organizer_still_looks_after_members_of_only_their_groups(app, login):
    world = build_world()
    second = create_organizer(world.b, name="Ole i B")  # Ole runs A; make him run B too
    add_membership(world.organizer, world.b, Role.ORGANIZER.value)
    both = create_member(name="Bente Begge", groups=[world.a, world.b])
    organizer = client_for(app, login, world, "organizer")
    assert organizer.get(f"/admin/members/{both.id}/edit").status_code == 200
    response = organizer.post(f"/admin/members/{both.id}/edit",
                              data={"name": "Bente B.", "language": "en", "phone": "", "company": ""})
    assert response.status_code == 302
    assert _fresh(both).name == "Bente B."
    assert organizer.post(f"/admin/members/{both.id}/deactivate").status_code == 302
    assert organizer.post(f"/admin/members/{second.id}/deactivate").status_code == 302
    lonely = create_member(name="Ingen Gruppe")  # in no group: nobody's but the admins'
    assert organizer.get(f"/admin/members/{lonely.id}/edit").status_code == 404


# --- the same answer for every address ---------------------------------------------------------------

def _normalise(html: str, address: str) -> str:
    html = html.replace(address, "ADDRESS")
    html = re.sub(r"/invitations/\d+/", "/invitations/ID/", html)
    html = re.sub(r'data-invitation-id="\d+"', 'data-invitation-id="ID"', html)
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def _answer_for(app, login, world, address: str, post):
    """POST with the organizer, follow the redirect, then withdraw so the next run starts clean."""
    organizer = client_for(app, login, world, "organizer")
    outbox_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    response = post(organizer, address)
    location = response.headers.get("Location", "")
    followed = organizer.get(location) if response.status_code == 302 else response
    mails = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id).offset(outbox_before)))
    result = (response.status_code, location, followed.status_code,
              _normalise(followed.get_data(as_text=True), address),
              [(m.kind, m.recipients.replace(address, "ADDRESS")) for m in mails])
    invitation = db.session.scalar(select(GroupInvitation).where(GroupInvitation.email == address))
    if invitation is not None:
        organizer.post(f"/groups/{world.a.slug}/invitations/{invitation.id}/withdraw")
    return result


def _add_form(client, address):
    return client.post("/groups/kaffeklub-aarhus/members/add",
                       data={"email": address, "name": "Nina Ny", "role": "member"})


def _create_form(client, address):
    group_id = db.session.scalar(select(Membership.group_id).limit(1).where(Membership.role == "organizer"))
    return client.post("/admin/members/new", data={
        "name": "Nina Ny", "email": address, "phone": "", "company": "Ny ApS", "group_id": str(group_id),
        "role": "member"})


@pytest.mark.parametrize("post", [_add_form, _create_form], ids=["add form", "create form"])
def test_a_members_address_and_an_unknown_one_get_the_same_answer(app, login, post):
    world = build_world()
    member_address = world.outsider.email  # a member, of group C only
    unknown = "nobody-here@example.test"
    for_member = _answer_for(app, login, world, member_address, post)
    for_unknown = _answer_for(app, login, world, unknown, post)
    assert for_member == for_unknown
    status, location, followed_status, body, mails = for_member
    assert status == 302 and location.endswith("/groups/kaffeklub-aarhus/members")
    assert "We have sent an invitation to ADDRESS" in body
    assert mails == [("group_invitation", "ADDRESS")]
    assert _fresh(world.outsider).membership_in(world.a) is None
    assert db.session.scalar(select(Member).where(Member.email == unknown)) is None


def test_the_create_form_does_not_say_an_address_is_taken_to_an_organizer(app, login):
    world = build_world()
    response = client_for(app, login, world, "organizer").post("/admin/members/new", data={
        "name": "Nina Ny", "email": world.outsider.email, "group_id": str(world.a.id), "role": "member"})
    assert response.status_code == 302
    assert "already uses" not in client_for(app, login, world, "organizer").get(
        f"/groups/{world.a.slug}/members").get_data(as_text=True)


# --- history ------------------------------------------------------------------------------------------

def test_every_change_is_recorded_and_shown(app, login):
    world = build_world()
    admin = client_for(app, login, world, "admin")
    organizer = client_for(app, login, world, "organizer")
    mads = world.member
    admin.post(f"/groups/{world.b.slug}/members/add", data={"email": mads.email, "role": "member"})
    b_membership = _fresh(mads).membership_in(world.b)
    admin.post(f"/groups/{world.b.slug}/members/{b_membership.id}/role", data={"role": "organizer"})
    admin.post(f"/groups/{world.b.slug}/members/{b_membership.id}/remove")
    a_membership = _fresh(mads).membership_in(world.a)
    organizer.post(f"/groups/{world.a.slug}/members/{a_membership.id}/role", data={"role": "organizer"})
    organizer.post(f"/admin/members/{mads.id}/edit",
                   data={"name": "Mads Maler", "phone": "+45 11 22 33 44", "company": "Mads Maling ApS",
                         "language": "en"})
    organizer.post(f"/admin/members/{mads.id}/deactivate")
    organizer.post(f"/admin/members/{mads.id}/reactivate")
    assert _kinds(mads) == ["added", "role_changed", "removed", "role_changed", "profile_edited",
                            "deactivated", "reactivated"]
    edited = db.session.scalar(select(MemberEvent).where(MemberEvent.member_id == mads.id,
                                                         MemberEvent.kind == "profile_edited"))
    assert edited.detail == "name" and edited.actor_id == world.organizer.id  # names of fields, no values
    page = admin.get(f"/admin/members/{mads.id}/edit").get_data(as_text=True)
    for line in ("Added to Kaffeklub Bornholm by Anna Admin",
                 "Role in Kaffeklub Bornholm changed to organizer",
                 "Removed from Kaffeklub Bornholm by Anna Admin", "Profile edited by Ole Organizer (name)",
                 "Deactivated by Ole Organizer", "Reactivated by Ole Organizer"):
        assert line in page
    login(_fresh(mads), test_client=organizer)  # Mads himself sees his history on his profile
    assert "Deactivated by Ole Organizer" in organizer.get("/profile").get_data(as_text=True)


def test_own_profile_edits_and_unchanged_saves_are_not_history(app, login):
    world = build_world()
    client = client_for(app, login, world, "member")
    client.post("/profile", data={"name": "Mads M", "language": "en"})
    organizer = client_for(app, login, world, "organizer")
    mads = _fresh(world.member)
    organizer.post(f"/admin/members/{mads.id}/edit",
                   data={"name": mads.name, "phone": mads.phone, "company": mads.company, "language": "en",
                         "industry": mads.industry})
    assert _kinds(mads) == []


def test_admin_created_member_history(app, login):
    world = build_world()
    client_for(app, login, world, "admin").post("/admin/members/new", data={
        "name": "Nina Ny", "email": "nina@example.test", "group_id": str(world.a.id), "role": "member",
        "language": "en"})
    nina = db.session.scalar(select(Member).where(Member.email == "nina@example.test"))
    assert _kinds(nina) == ["created", "added"]


# --- admins unchanged ------------------------------------------------------------------------------------

def test_admins_add_edit_deactivate_and_reactivate_anyone_directly(app, login):
    world = build_world()
    admin = client_for(app, login, world, "admin")
    response = admin.post(f"/groups/{world.a.slug}/members/add", data={"email": world.outsider.email,
                                                                      "role": "member"})
    assert response.status_code == 302
    assert _fresh(world.outsider).membership_in(world.a) is not None
    assert db.session.scalar(select(func.count()).select_from(GroupInvitation)) == 0
    edit = {"name": "Olga O", "email": world.other.email, "language": "en"}
    assert admin.post(f"/admin/members/{world.other.id}/edit", data=edit).status_code == 302
    assert admin.post(f"/admin/members/{world.organizer.id}/deactivate").status_code == 302
    assert admin.post(f"/admin/members/{world.organizer.id}/reactivate").status_code == 302
    taken = admin.post("/admin/members/new", data={"name": "X", "email": world.other.email, "group_id": "0",
                                                   "role": "member", "language": "en"})
    assert taken.status_code == 422 and "already uses this e-mail address" in taken.get_data(as_text=True)
    page = admin.get(f"/groups/{world.a.slug}/members").get_data(as_text=True)
    assert "Add a member to the group" in page
