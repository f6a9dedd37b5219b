"""Group pages by role, group forms and membership management."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Group, GroupInvitation, Membership, Role
from tests.factories import ROLES, add_membership, build_world, client_for, create_member

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")

# url template (filled from the world), then the expected status per role:
# anonymous, other (member of B), member (of A), organizer (of A), admin. 302 = to the login page.
GET_MATRIX = [
    ("/groups", (200, 200, 200, 200, 200)),
    ("/groups/{a.slug}", (404, 404, 200, 200, 200)),
    ("/groups/{b.slug}", (200, 200, 200, 200, 200)),
    ("/groups/nope", (404, 404, 404, 404, 404)),
    ("/groups/{a.slug}/members", (302, 404, 200, 200, 200)),
    ("/groups/{b.slug}/members", (302, 200, 403, 403, 200)),
    ("/groups/{c.slug}/members", (302, 404, 404, 404, 200)),
    ("/groups/new", (302, 403, 403, 403, 200)),
    ("/groups/{a.slug}/edit", (302, 404, 403, 200, 200)),
    ("/groups/{b.slug}/edit", (302, 200, 403, 403, 200)),
]


def _fill(template: str, world) -> str:
    return template.format(a=world.a, b=world.b, c=world.c)


@pytest.mark.parametrize("template, expected", GET_MATRIX, ids=[t for t, _ in GET_MATRIX])
def test_group_pages_by_role(app, login, template, expected):
    world = build_world()
    # "other" is a plain member of B, so B's edit page is not theirs: make them B's organizer
    # only for that row, to cover "organizer of the group" on a public group.
    if template == "/groups/{b.slug}/edit":
        db.session.get(Membership, world.other.memberships[0].id).role = Role.ORGANIZER.value
        db.session.commit()
    url = _fill(template, world)
    for role, status in zip(ROLES, expected, strict=True):
        response = client_for(app, login, world, role).get(url)
        assert response.status_code == status, f"{role} GET {url}: {response.status_code} != {status}"
        if status == 302:
            assert "/login" in response.headers["Location"]


def test_group_list_shows_public_and_own_groups_only(app, login):
    world = build_world()
    page = client_for(app, login, world, "member").get("/groups").get_data(as_text=True)
    assert world.a.name in page and world.b.name in page
    assert world.c.name not in page
    admin_page = client_for(app, login, world, "admin").get("/groups").get_data(as_text=True)
    assert world.c.name in admin_page
    anonymous_page = client_for(app, login, world, "anonymous").get("/groups").get_data(as_text=True)
    assert world.b.name in anonymous_page and world.a.name not in anonymous_page


def test_group_page_shows_details_organizers_count_and_members_link(app, login):
    world = build_world()
    page = client_for(app, login, world, "member").get(f"/groups/{world.a.slug}").get_data(as_text=True)
    assert "Vi mødes hver fredag." in page
    assert "Copenhagen" in page and "Europe/Copenhagen" not in page  # the zone by name (issue 8)
    assert "Ole Organizer" in page
    assert 'data-member-count="2"' in page
    assert f"/groups/{world.a.slug}/members" in page
    assert f"/groups/{world.a.slug}/edit" not in page  # a plain member cannot edit


def test_public_group_page_hides_the_member_list_link_from_outsiders(app, login):
    world = build_world()
    page = client_for(app, login, world, "anonymous").get(f"/groups/{world.b.slug}").get_data(as_text=True)
    assert world.b.name in page
    assert f"/groups/{world.b.slug}/members" not in page


def test_member_list_shows_contact_details_and_competencies(app, login):
    world = build_world()
    from app.models import Competency

    member = db.session.get(type(world.member), world.member.id)
    member.competencies = [Competency(name="facademaling")]
    member.title = "Malermester"
    db.session.commit()
    client = client_for(app, login, world, "member")
    page = client.get(f"/groups/{world.a.slug}/members").get_data(as_text=True)
    assert "Mads Member" in page and "Ole Organizer" in page
    assert "Mads Maling ApS" in page and "Malermester" in page and "Maler" in page
    assert "facademaling" in page
    assert 'href="tel:+4511223344"' in page
    assert f'href="mailto:{world.member.email}"' in page
    assert "Olga Other" not in page
    # A plain member sees no management forms.
    assert "/remove" not in page and "Add a member" not in page


def test_member_list_hides_deactivated_members_from_members_but_not_organizers(app, login):
    world = build_world()
    create_member(name="Sovende Søren", groups=[world.a], active=False)
    url = f"/groups/{world.a.slug}/members"
    assert "Sovende Søren" not in client_for(app, login, world, "member").get(url).get_data(as_text=True)
    assert "Sovende Søren" in client_for(app, login, world, "organizer").get(url).get_data(as_text=True)


# --- create and edit ----------------------------------------------------------------------------

def _group_form(**overrides):
    data = {"name": "Kaffeklub Vejle", "slug": "kaffeklub-vejle", "description": "Morgenmad i Vejle",
            "timezone": "Europe/Copenhagen", "is_public": "y"}
    data.update(overrides)
    return data


def test_admin_creates_a_group(app, login):
    world = build_world()
    response = client_for(app, login, world, "admin").post("/groups/new", data=_group_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/groups/kaffeklub-vejle")
    group = db.session.scalar(select(Group).where(Group.slug == "kaffeklub-vejle"))
    assert group.name == "Kaffeklub Vejle" and group.is_public and group.timezone == "Europe/Copenhagen"


def test_group_description_is_stored_with_plain_line_breaks(app, login):
    """Browsers send \r\n; the description is stored with \n as meeting agendas and bios are."""
    world = build_world()
    form = _group_form(description="Kaffe og rundstykker.\r\nHver tredje onsdag.\rVelkommen!")
    response = client_for(app, login, world, "admin").post("/groups/new", data=form)
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.slug == "kaffeklub-vejle"))
    assert group.description == "Kaffe og rundstykker.\nHver tredje onsdag.\nVelkommen!"


@pytest.mark.parametrize("role", ["anonymous", "other", "member", "organizer"])
def test_only_admins_create_groups(app, login, role):
    world = build_world()
    response = client_for(app, login, world, role).post("/groups/new", data=_group_form())
    assert response.status_code in (302, 403)
    assert db.session.scalar(select(Group).where(Group.slug == "kaffeklub-vejle")) is None


@pytest.mark.parametrize("overrides, field_error", [
    ({"slug": "Kaffeklub Vejle"}, "lowercase letters"),
    ({"slug": "kaffeklub_vejle"}, "lowercase letters"),
    ({"slug": "-vejle"}, "lowercase letters"),
    ({"slug": "kaffeklub-aarhus"}, "already uses this address"),
    ({"slug": "new"}, "reserved"),
    ({"timezone": "Europe/Vejle"}, "valid time zone"),
    ({"timezone": ""}, "time zone"),
    ({"name": "  "}, "enter a name"),
])
def test_group_form_validation(app, login, overrides, field_error):
    world = build_world()
    response = client_for(app, login, world, "admin").post("/groups/new", data=_group_form(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error in page
    assert "is-invalid" in page and "invalid-feedback" in page
    assert db.session.scalar(select(Group).where(Group.name == "Kaffeklub Vejle")) is None


def test_organizer_edits_their_group_and_keeps_its_slug_unique(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    page = client.get(f"/groups/{world.a.slug}/edit").get_data(as_text=True)
    assert 'value="Kaffeklub Aarhus"' in page
    duplicate = client.post(f"/groups/{world.a.slug}/edit",
                            data=_group_form(name="Aarhus", slug=world.b.slug))
    assert duplicate.status_code == 422
    assert "already uses this address" in duplicate.get_data(as_text=True)
    response = client.post(f"/groups/{world.a.slug}/edit",
                           data=_group_form(name="Kaffeklub Aarhus C", slug="kaffeklub-aarhus-c",
                                            timezone="Europe/Berlin", is_public=""))
    assert response.status_code == 302
    assert world.a.name == "Kaffeklub Aarhus C"
    assert world.a.slug == "kaffeklub-aarhus-c"
    assert world.a.timezone == "Europe/Berlin"
    assert world.a.is_public is False


def test_organizer_cannot_edit_another_group(app, login):
    world = build_world()
    response = client_for(app, login, world, "organizer").post(
        f"/groups/{world.b.slug}/edit", data=_group_form(name="Kapret"))
    assert response.status_code == 403
    assert world.b.name == "Kaffeklub Bornholm"


# --- memberships --------------------------------------------------------------------------------

def test_organizer_adds_a_member_of_another_group_they_run_by_email_in_any_case(app, login):
    world = build_world()
    add_membership(world.organizer, world.b, Role.ORGANIZER.value)  # Olga is in B, which they run too
    client = client_for(app, login, world, "organizer")
    response = client.post(f"/groups/{world.a.slug}/members/add",
                           data={"email": world.other.email.upper(), "role": "member"})
    assert response.status_code == 302
    assert world.other.membership_in(world.a) is not None
    again = client.post(f"/groups/{world.a.slug}/members/add",
                        data={"email": world.other.email, "role": "member"})
    assert again.status_code == 422
    assert "already in this group" in again.get_data(as_text=True)


def test_organizer_invites_someone_outside_their_groups_instead_of_adding_them(app, login):
    world = build_world()
    response = client_for(app, login, world, "organizer").post(
        f"/groups/{world.a.slug}/members/add", data={"email": world.other.email, "role": "member"})
    assert response.status_code == 302
    assert world.other.membership_in(world.a) is None
    invitation = db.session.scalar(select(GroupInvitation))
    assert invitation.email == world.other.email and invitation.group_id == world.a.id


def test_adding_an_invalid_email_is_a_field_error(app, login):
    world = build_world()
    response = client_for(app, login, world, "organizer").post(
        f"/groups/{world.a.slug}/members/add", data={"email": "ikke-en-adresse", "role": "member"})
    assert response.status_code == 422
    assert "valid e-mail address" in response.get_data(as_text=True)
    assert db.session.scalar(select(GroupInvitation)) is None


def test_organizer_changes_a_role_and_removes_a_member(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    membership_id = world.member.membership_in(world.a).id
    page = client.get(f"/groups/{world.a.slug}/members").get_data(as_text=True)
    assert f"/members/{membership_id}/role" in page
    response = client.post(f"/groups/{world.a.slug}/members/{membership_id}/role", data={"role": "organizer"})
    assert response.status_code == 302
    assert db.session.get(Membership, membership_id).role == "organizer"
    response = client.post(f"/groups/{world.a.slug}/members/{membership_id}/remove")
    assert response.status_code == 302
    assert db.session.get(Membership, membership_id) is None
    assert db.session.get(type(world.member), world.member.id) is not None  # the profile stays


def test_organizer_cannot_change_their_own_membership_but_an_admin_can(app, login):
    world = build_world()
    own = world.organizer.membership_in(world.a)
    response = client_for(app, login, world, "organizer").post(
        f"/groups/{world.a.slug}/members/{own.id}/role", data={"role": "member"})
    assert response.status_code == 403
    assert db.session.get(Membership, own.id).role == "organizer"
    response = client_for(app, login, world, "admin").post(
        f"/groups/{world.a.slug}/members/{own.id}/role", data={"role": "member"})
    assert response.status_code == 302
    assert db.session.get(Membership, own.id).role == "member"


def test_invalid_role_is_refused(app, login):
    world = build_world()
    membership = world.member.membership_in(world.a)
    response = client_for(app, login, world, "organizer").post(
        f"/groups/{world.a.slug}/members/{membership.id}/role", data={"role": "king"})
    assert response.status_code == 302
    assert db.session.get(Membership, membership.id).role == "member"


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("other", 404), ("member", 403),
                                            ("organizer", 302), ("admin", 302)])
def test_membership_posts_by_role(app, login, role, expected):
    world = build_world()
    client = client_for(app, login, world, role)
    membership_id = world.member.membership_in(world.a).id
    target = create_member(name="Ny Person")
    responses = [
        client.post(f"/groups/{world.a.slug}/members/add", data={"email": target.email, "role": "member"}),
        client.post(f"/groups/{world.a.slug}/members/{membership_id}/role", data={"role": "organizer"}),
        client.post(f"/groups/{world.a.slug}/members/{membership_id}/remove"),
    ]
    assert [r.status_code for r in responses] == [expected] * 3
    changed = expected == 302 and role != "anonymous"
    # Admins add directly; an organizer's "add" of someone outside their groups is an invitation.
    assert (target.membership_in(world.a) is not None) is (changed and role == "admin")
    invited = db.session.scalar(select(GroupInvitation).where(GroupInvitation.email == target.email))
    assert (invited is not None) is (role == "organizer")
    assert (db.session.get(Membership, membership_id) is None) is changed


def test_membership_of_another_group_cannot_be_changed_through_my_group(app, login):
    world = build_world()
    foreign = world.other.membership_in(world.b)
    response = client_for(app, login, world, "organizer").post(
        f"/groups/{world.a.slug}/members/{foreign.id}/remove")
    assert response.status_code == 404
    assert db.session.get(Membership, foreign.id) is not None


def test_admin_adds_an_organizer(app, login):
    world = build_world()
    response = client_for(app, login, world, "admin").post(
        f"/groups/{world.c.slug}/members/add", data={"email": world.member.email, "role": "organizer"})
    assert response.status_code == 302
    assert world.member.membership_in(world.c).role == "organizer"


def test_add_membership_factory_still_works_with_services(app, login):
    world = build_world()
    add_membership(world.other, world.a)
    page = client_for(app, login, world, "other").get(f"/groups/{world.a.slug}/members")
    assert page.status_code == 200
