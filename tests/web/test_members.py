"""Member pages by role: directory, profile cards, own profile, administration, (de)activation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Competency, GroupInvitation, LoginToken, Member, OutboxMessage
from tests.factories import ROLES, build_world, client_for, create_member
from tests.web.greeting_helpers import greets

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")

# url template, then the status per role: anonymous, other (B), member (A), organizer (A), admin.
GET_MATRIX = [
    ("/members", (302, 200, 200, 200, 200)),
    ("/members/{member.id}", (302, 404, 200, 200, 200)),
    ("/members/{outsider.id}", (302, 404, 404, 404, 200)),
    ("/members/999999", (302, 404, 404, 404, 404)),
    ("/profile", (302, 200, 200, 200, 200)),
    ("/admin/members", (302, 403, 403, 200, 200)),
    ("/admin/members/new", (302, 403, 403, 200, 200)),
    ("/admin/members/{member.id}/edit", (302, 404, 403, 200, 200)),
    ("/admin/members/{outsider.id}/edit", (302, 404, 404, 404, 200)),
    ("/admin/members/{admin.id}/edit", (302, 404, 404, 404, 200)),
    ("/admin/members/import", (302, 403, 403, 200, 200)),
    ("/admin/members/export.csv", (302, 403, 403, 200, 200)),
]


def _fill(template: str, world) -> str:
    return template.format(member=world.member, outsider=world.outsider, admin=world.admin)


@pytest.mark.parametrize("template, expected", GET_MATRIX, ids=[t for t, _ in GET_MATRIX])
def test_member_pages_by_role(app, login, template, expected):
    world = build_world()
    url = _fill(template, world)
    for role, status in zip(ROLES, expected, strict=True):
        response = client_for(app, login, world, role).get(url)
        assert response.status_code == status, f"{role} GET {url}: {response.status_code} != {status}"
        if status == 302:
            assert "/login" in response.headers["Location"]


# --- directory and cards ------------------------------------------------------------------------

def test_directory_lists_members_of_my_groups_only(app, login):
    world = build_world()
    page = client_for(app, login, world, "member").get("/members").get_data(as_text=True)
    assert "Mads Member" in page and "Ole Organizer" in page
    assert "Olga Other" not in page and "Ulla Outsider" not in page
    admin_page = client_for(app, login, world, "admin").get("/members").get_data(as_text=True)
    assert all(n in admin_page for n in ("Mads Member", "Olga Other", "Ulla Outsider"))


def test_directory_search_by_name_company_industry_and_competency(app, login):
    world = build_world()
    create_member(name="Søren Ærø", groups=[world.a], company="Ærø Revision", industry="Revision",
                  competencies=[Competency(name="bogføring")])
    create_member(name="Kim Kode", groups=[world.a], company="Kode ApS", industry="IT")
    client = client_for(app, login, world, "member")

    def found(query: str) -> set[str]:
        page = client.get("/members", query_string={"q": query}).get_data(as_text=True)
        cards = page.split('data-member-id="')[1:]  # the navbar also shows the viewer's own name
        return {n for n in ("Søren Ærø", "Kim Kode", "Mads Member") if any(n in card for card in cards)}

    assert found("søren") == {"Søren Ærø"}
    assert found("ÆRØ") == {"Søren Ærø"}  # case-insensitive beyond ASCII, on every database
    assert found("kode aps") == {"Kim Kode"}
    assert found("revision") == {"Søren Ærø"}
    assert found("BOGFØR") == {"Søren Ærø"}
    assert found("maler") == {"Mads Member"}
    assert found("") == {"Søren Ærø", "Kim Kode", "Mads Member"}
    assert found("nobody-matches-this") == set()


def test_directory_filter_by_group(app, login):
    world = build_world()
    both = create_member(name="Bodil Begge", groups=[world.a, world.b])
    client = client_for(app, login, world, "other")
    from tests.factories import add_membership

    add_membership(world.other, world.a)
    page = client.get("/members", query_string={"group": world.b.slug}).get_data(as_text=True)
    assert "Bodil Begge" in page and "Olga Other" in page and "Mads Member" not in page
    assert both.name in client.get("/members", query_string={"group": world.a.slug}).get_data(as_text=True)


def test_directory_filter_by_a_group_i_am_not_in_is_not_found(app, login):
    world = build_world()
    client = client_for(app, login, world, "member")
    assert client.get("/members", query_string={"group": world.b.slug}).status_code == 404
    assert client.get("/members", query_string={"group": world.c.slug}).status_code == 404


def test_directory_hides_deactivated_members(app, login):
    world = build_world()
    create_member(name="Sovende Søren", groups=[world.a], active=False)
    page = client_for(app, login, world, "member").get("/members").get_data(as_text=True)
    assert "Sovende Søren" not in page


def test_profile_card_shows_who_does_what_and_only_shared_groups(app, login):
    world = build_world()
    from tests.factories import add_membership

    add_membership(world.member, world.c)  # a group the viewer is not in
    member = db.session.get(Member, world.member.id)
    member.title = "Malermester"
    member.bio = "Jeg maler huse."
    member.competencies = [Competency(name="facademaling")]
    db.session.commit()
    client = client_for(app, login, world, "organizer")
    page = client.get(f"/members/{world.member.id}").get_data(as_text=True)
    assert "Malermester" in page and "Mads Maling ApS" in page and "facademaling" in page
    assert "Jeg maler huse." in page
    assert world.a.name in page
    assert world.c.name not in page
    # Mads is also in C, which this organizer does not run: his account is not theirs to edit.
    assert f"/admin/members/{world.member.id}/edit" not in page


def test_deactivated_member_card_is_hidden_from_plain_members(app, login):
    world = build_world()
    sleeper = create_member(name="Sovende Søren", groups=[world.a], active=False)
    assert client_for(app, login, world, "member").get(f"/members/{sleeper.id}").status_code == 404
    assert client_for(app, login, world, "organizer").get(f"/members/{sleeper.id}").status_code == 200


# --- own profile --------------------------------------------------------------------------------

def _profile(**overrides):
    data = {"name": "Mads Maler", "phone": "+45 99 88 77 66", "company": "Mads Maling ApS",
            "title": "Malermester", "industry": "Byggeri",
            "competencies": "Facademaling, Tapet, facademaling ,",
            "bio": "Jeg maler.", "website": "https://mads-maling.dk", "language": "en"}
    data.update(overrides)
    return data


def test_member_edits_own_profile_and_competencies_are_normalised_and_reused(app, login):
    world = build_world()
    db.session.add(Competency(name="tapet"))
    db.session.commit()
    client = client_for(app, login, world, "member")
    page = client.get("/profile").get_data(as_text=True)
    assert 'value="Mads Member"' in page
    response = client.post("/profile", data=_profile(email="hijack@example.dk"))
    assert response.status_code == 302
    member = db.session.get(Member, world.member.id)
    assert member.name == "Mads Maler"
    assert member.phone == "+45 99 88 77 66"
    assert member.competency_names == ["facademaling", "tapet"]
    assert member.website == "https://mads-maling.dk"
    assert member.language == "en"
    assert member.email != "hijack@example.dk"  # e-mail is not changed here
    tapet = select(func.count()).select_from(Competency).where(Competency.name == "tapet")
    assert db.session.scalar(tapet) == 1
    # Saving again with different tags replaces them.
    client.post("/profile", data=_profile(competencies="maling"))
    assert db.session.get(Member, world.member.id).competency_names == ["maling"]


def test_profile_page_links_password_and_tokens_when_available(app, login):
    world = build_world()
    page = client_for(app, login, world, "member").get("/profile").get_data(as_text=True)
    from flask import url_for

    with app.test_request_context():
        for endpoint in ("auth.password", "tokens.index"):
            if endpoint in app.view_functions:
                assert url_for(endpoint) in page


@pytest.mark.parametrize("overrides, message", [
    ({"website": "ftp://mads.dk"}, "http:// or https://"),
    ({"website": "javascript:alert(1)"}, "http:// or https://"),
    ({"website": "ikke en adresse"}, "http:// or https://"),
    ({"name": ""}, "enter a name"),
    ({"language": "de"}, "Please choose a language."),  # the service's words, as everywhere
    ({"phone": "1" * 41}, "40"),
])
def test_profile_validation_errors_are_shown_next_to_the_field(app, login, overrides, message):
    world = build_world()
    response = client_for(app, login, world, "member").post("/profile", data=_profile(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "is-invalid" in page
    assert db.session.get(Member, world.member.id).name == "Mads Member"  # nothing saved


def test_bare_website_gets_https(app, login):
    world = build_world()
    client_for(app, login, world, "member").post("/profile", data=_profile(website="www.mads.dk"))
    assert db.session.get(Member, world.member.id).website == "https://www.mads.dk"


# --- administration -----------------------------------------------------------------------------

def test_admin_list_counts_and_search(app, login):
    world = build_world()
    create_member(name="Sovende Søren", groups=[world.a], active=False, email="soren@sove.dk")
    client = client_for(app, login, world, "admin")
    page = client.get("/admin/members").get_data(as_text=True)
    assert "Sovende Søren" in page and "Ulla Outsider" in page
    assert "6 members" in page and "5 active" in page and "1 deactivated" in page
    searched = client.get("/admin/members", query_string={"q": "sove.dk"}).get_data(as_text=True)
    assert "Sovende Søren" in searched and "Ulla Outsider" not in searched
    inactive = client.get("/admin/members", query_string={"status": "inactive"}).get_data(as_text=True)
    assert "Sovende Søren" in inactive and "Mads Member" not in inactive


def test_organizer_admin_list_is_limited_to_their_groups(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    page = client.get("/admin/members").get_data(as_text=True)
    assert "Mads Member" in page
    assert "Olga Other" not in page and "Ulla Outsider" not in page and "Anna Admin" not in page
    assert client.get("/admin/members", query_string={"group": world.b.id}).status_code == 404


def _new_member(group_id, **overrides):
    data = {"name": "Nina Ny", "email": "Nina@Example.DK", "phone": "", "company": "Ny ApS", "title": "",
            "industry": "", "competencies": "Kaffe, KAFFE, te", "bio": "", "website": "", "language": "da",
            "group_id": str(group_id), "role": "member"}
    data.update(overrides)
    return data


def test_admin_creates_a_member_in_a_group_with_a_welcome_mail(app, login):
    world = build_world()
    response = client_for(app, login, world, "admin").post("/admin/members/new",
                                                           data=_new_member(world.a.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    member = db.session.scalar(select(Member).where(Member.email == "nina@example.dk"))
    assert member is not None
    assert member.is_admin is False
    assert member.competency_names == ["kaffe", "te"]
    assert member.membership_in(world.a) is not None
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.member_id == member.id))
    assert mail is not None and mail.kind == "welcome"
    assert mail.recipients == "nina@example.dk"
    token = db.session.scalar(select(LoginToken).where(LoginToken.member_id == member.id))
    assert token.purpose == "welcome"
    assert (token.expires_at - token.created_at).days >= 6


def test_organizer_new_member_form_sends_an_invitation_instead(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    page = client.get(f"/admin/members/new?group={world.a.id}").get_data(as_text=True)
    assert "must agree before their details are shared" in page
    assert 'name="bio"' not in page and 'name="is_admin"' not in page
    response = client.post("/admin/members/new", data=_new_member(world.a.id, is_admin="y"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/groups/{world.a.slug}/members")
    assert db.session.scalar(select(Member).where(Member.email == "nina@example.dk")) is None
    invitation = db.session.scalar(select(GroupInvitation))
    assert (invitation.email, invitation.name, invitation.company) == ("nina@example.dk", "Nina Ny", "Ny ApS")
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.kind == "group_invitation" and mail.recipients == "nina@example.dk"


def test_welcome_mail_content(app, login):
    import email
    from email import policy

    world = build_world()
    client = client_for(app, login, world, "admin")
    client.post("/admin/members/new", data=_new_member(world.a.id, language="en"))
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients == "nina@example.dk"))
    message = email.message_from_string(mail.raw, policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Welcome" in mail.subject
    for content in (text, html):
        assert "Hi Nina," in content  # greeted by first name
        assert "curiosity" in content.lower() and "honesty" in content.lower()
        assert "7 days" in content
        assert "/login/" in content
        assert world.a.name in content


def test_organizer_must_pick_one_of_their_groups(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    for group_id in (world.b.id, 0):
        response = client.post("/admin/members/new", data=_new_member(group_id))
        assert response.status_code == 422
        assert "choose one of your groups" in response.get_data(as_text=True)
    assert db.session.scalar(select(Member).where(Member.email == "nina@example.dk")) is None
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_admin_creates_a_member_without_group_and_as_admin(app, login):
    world = build_world()
    response = client_for(app, login, world, "admin").post("/admin/members/new",
                                                           data=_new_member(0, is_admin="y"))
    assert response.status_code == 302
    member = db.session.scalar(select(Member).where(Member.email == "nina@example.dk"))
    assert member.is_admin is True and member.memberships == []


def test_duplicate_email_in_another_case_is_a_field_error(app, login):
    world = build_world()
    response = client_for(app, login, world, "admin").post(
        "/admin/members/new", data=_new_member(world.a.id, email=world.member.email.upper()))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "already uses this e-mail address" in page and "is-invalid" in page
    assert db.session.scalar(select(func.count()).select_from(Member)) == 5


@pytest.mark.parametrize("role", ["anonymous", "other", "member"])
def test_new_member_post_is_refused_for(app, login, role):
    world = build_world()
    response = client_for(app, login, world, role).post("/admin/members/new", data=_new_member(world.a.id))
    assert response.status_code in (302, 403)
    assert db.session.scalar(select(Member).where(Member.email == "nina@example.dk")) is None


def test_organizer_edits_a_member_but_not_their_email_or_admin_flag(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    page = client.get(f"/admin/members/{world.member.id}/edit").get_data(as_text=True)
    assert 'name="email"' not in page and 'name="is_admin"' not in page
    response = client.post(f"/admin/members/{world.member.id}/edit",
                           data=_profile(email="ny@example.dk", is_admin="y"))
    assert response.status_code == 302
    member = db.session.get(Member, world.member.id)
    assert member.name == "Mads Maler"
    assert member.email != "ny@example.dk" and member.is_admin is False


def test_admin_changes_email_and_admin_flag(app, login):
    world = build_world()
    client = client_for(app, login, world, "admin")
    response = client.post(f"/admin/members/{world.member.id}/edit",
                           data=_profile(email="Mads.Ny@Example.DK", is_admin="y"))
    assert response.status_code == 302
    member = db.session.get(Member, world.member.id)
    assert member.email == "mads.ny@example.dk" and member.is_admin is True
    taken = client.post(f"/admin/members/{world.member.id}/edit",
                        data=_profile(email=world.other.email.upper()))
    assert taken.status_code == 422
    assert "already uses this e-mail address" in taken.get_data(as_text=True)


def test_admin_cannot_remove_their_own_admin_flag(app, login):
    world = build_world()
    response = client_for(app, login, world, "admin").post(f"/admin/members/{world.admin.id}/edit",
                                                           data=_profile(email=world.admin.email))
    assert response.status_code == 422
    assert db.session.get(Member, world.admin.id).is_admin is True


# --- deactivation -------------------------------------------------------------------------------

def test_deactivated_member_is_logged_out_and_reactivation_lets_them_back(app, login):
    world = build_world()
    member_client = client_for(app, login, world, "member")
    assert greets(member_client.get("/").get_data(as_text=True))

    admin_client = client_for(app, login, world, "admin")
    response = admin_client.post(f"/admin/members/{world.member.id}/deactivate")
    assert response.status_code == 302
    assert db.session.get(Member, world.member.id).active is False

    page = member_client.get("/").get_data(as_text=True)
    assert not greets(page)
    assert "Mads Member" not in page
    assert member_client.get("/profile").status_code == 302  # to the login page

    admin_client.post(f"/admin/members/{world.member.id}/reactivate")
    assert db.session.get(Member, world.member.id).active is True
    # Reactivation brings no old session back (issue 6), but the member can log in again.
    login(db.session.get(Member, world.member.id), test_client=member_client)
    assert greets(member_client.get("/").get_data(as_text=True))


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("other", 404), ("member", 403),
                                            ("organizer", 302), ("admin", 302)])
def test_deactivate_by_role(app, login, role, expected):
    world = build_world()
    response = client_for(app, login, world, role).post(f"/admin/members/{world.member.id}/deactivate")
    assert response.status_code == expected
    deactivated = role in ("organizer", "admin")
    assert db.session.get(Member, world.member.id).active is (not deactivated)


def test_nobody_deactivates_themselves_and_organizers_cannot_touch_admins(app, login):
    world = build_world()
    from tests.factories import add_membership

    add_membership(world.admin, world.a)
    organizer = client_for(app, login, world, "organizer")
    assert organizer.post(f"/admin/members/{world.organizer.id}/deactivate").status_code == 403
    assert organizer.post(f"/admin/members/{world.admin.id}/deactivate").status_code == 403
    admin = client_for(app, login, world, "admin")
    assert admin.post(f"/admin/members/{world.admin.id}/deactivate").status_code == 403
    assert db.session.get(Member, world.admin.id).active is True
    assert db.session.get(Member, world.organizer.id).active is True
