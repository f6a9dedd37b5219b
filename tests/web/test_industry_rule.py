"""Industry exclusivity ("Én pr. branche", app.groups.industry): each rule (off / warn / block) for
each way into a group -- an admin or organizer adds directly, an admin creates a member into the
group, an invitee accepts -- the admin's recorded override, organizers who cannot override, a member
changing their own industry, the organizers' list of industries taken twice, the setting on the
group form and in the API, and hostile input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import PermissionDenied
from app.extensions import db
from app.groups import industry
from app.groups.invitations import invite_to_group
from app.members import services as member_services
from app.models import GroupInvitation, MemberEvent, Membership
from tests.factories import add_membership, client_for, create_member
from tests.web.api_helpers import assert_problem, bearer, token_for

pytestmark = pytest.mark.usefixtures("english")

RULES = ("off", "warn", "block")


def _set_rule(group, rule: str) -> None:
    group.industry_rule = rule
    db.session.commit()


def _painter(world, industry_name: str = "  MALER. "):
    """Peter, in group B (not A), whose industry is world.member's ("Maler") written differently."""
    return create_member(name="Peter Pensel", email="peter@example.test", industry=industry_name,
                         groups=[world.b])


def _in_group(member, group) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(Membership.id).where(Membership.member_id == member.id,
                                                         Membership.group_id == group.id)) is not None


def _events(member, kind: str) -> list[MemberEvent]:
    return list(db.session.scalars(select(MemberEvent).where(MemberEvent.member_id == member.id,
                                                             MemberEvent.kind == kind)))


# --- the comparison ----------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("Maler", "  maler. "),
    ("Revision & Regnskab", "revision og regnskab"),
    ("Blomster handel", "blomster-handel"),
    ("Ærlig Økonomi", "aerlig oekonomi"),
    ("Café", "cafe"),
    ("IT/Software", "it software"),
])
def test_industries_compare_normalised(a, b):
    assert industry.normalize_industry(a) == industry.normalize_industry(b) != ""


@pytest.mark.parametrize(("a", "b"), [("Maler", "Murer"), ("Revision", "Regnskab"), ("IT", "ITS")])
def test_different_industries_stay_different(a, b):
    assert industry.normalize_industry(a) != industry.normalize_industry(b)


@pytest.mark.parametrize("value", ["", "   ", "...", None, "&", "og"])
def test_no_industry_is_never_a_clash(value):
    assert industry.normalize_industry(value) == ""


# --- an admin adds directly ----------------------------------------------------------------------

@pytest.mark.parametrize("rule", RULES)
def test_admin_adds_a_second_member_of_an_industry(app, login, world, rule):
    _set_rule(world.a, rule)
    peter = _painter(world)
    client = client_for(app, login, world, "admin")
    response = client.post(f"/groups/{world.a.slug}/members/add",
                           data={"email": peter.email, "role": "member"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    if rule == "block":
        assert response.status_code == 422
        assert "allows one member per industry" in text and "Mads Member" in text
        assert not _in_group(peter, world.a)
    else:
        assert response.status_code == 200
        assert _in_group(peter, world.a)
        assert ("Note: Mads Member" in text and "already has the industry" in text) == (rule == "warn")
    assert _events(peter, "industry_override") == []


def test_admin_overrides_a_blocking_rule_with_a_reason_recorded(app, login, world):
    _set_rule(world.a, "block")
    peter = _painter(world)
    client = client_for(app, login, world, "admin")
    page = client.get(f"/groups/{world.a.slug}/members").get_data(as_text=True)
    assert "data-industry-override" in page
    response = client.post(f"/groups/{world.a.slug}/members/add",
                           data={"email": peter.email, "role": "member", "override_industry": "y",
                                 "industry_reason": "Maler i en anden by"}, follow_redirects=True)
    assert response.status_code == 200
    assert _in_group(peter, world.a)
    [event] = _events(peter, "industry_override")
    assert event.actor_id == world.admin.id and event.group_id == world.a.id
    assert event.detail.endswith(": Maler i en anden by")
    # the member's history (the admin's edit page) shows it
    history = client.get(f"/admin/members/{peter.id}/edit").get_data(as_text=True)
    assert "one-per-industry rule" in history and "Maler i en anden by" in history


@pytest.mark.parametrize("reason", ["", "   ", "a\x00b", "x" * 501])
def test_an_override_needs_a_usable_reason(app, login, world, reason):
    _set_rule(world.a, "block")
    peter = _painter(world)
    client = client_for(app, login, world, "admin")
    response = client.post(f"/groups/{world.a.slug}/members/add",
                           data={"email": peter.email, "role": "member", "override_industry": "y",
                                 "industry_reason": reason})
    assert response.status_code == 422
    assert not _in_group(peter, world.a)
    assert _events(peter, "industry_override") == []


# --- an organizer adds someone from another group they run --------------------------------------

def _organizer_runs_b(world):
    add_membership(world.organizer, world.b, role="organizer")


@pytest.mark.parametrize("rule", RULES)
def test_organizer_adds_directly_by_the_rule(app, login, world, rule):
    _set_rule(world.a, rule)
    _organizer_runs_b(world)
    peter = _painter(world)
    client = client_for(app, login, world, "organizer")
    page = client.get(f"/groups/{world.a.slug}/members").get_data(as_text=True)
    assert "data-industry-override" not in page
    response = client.post(f"/groups/{world.a.slug}/members/add",
                           data={"email": peter.email, "role": "member"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert _in_group(peter, world.a) == (rule != "block")
    assert ("Note: Mads Member" in text and "already has the industry" in text) == (rule == "warn")
    if rule == "block":
        assert response.status_code == 422 and "allows one member per industry" in text


def test_organizers_cannot_override(app, login, world):
    _set_rule(world.a, "block")
    _organizer_runs_b(world)
    peter = _painter(world)
    client = client_for(app, login, world, "organizer")
    response = client.post(f"/groups/{world.a.slug}/members/add",
                           data={"email": peter.email, "role": "member", "override_industry": "y",
                                 "industry_reason": "Jeg vil gerne"})
    assert response.status_code == 403
    assert not _in_group(peter, world.a)
    assert _events(peter, "industry_override") == []
    with pytest.raises(PermissionDenied):
        industry.check_industry(world.organizer, world.a, "maler", override=True, reason="x")


# --- invitations ----------------------------------------------------------------------------------

def _invite_peter(world, peter) -> str:
    """The organizer of A (not in B) invites Peter: an invitation, whatever the rule (the answer
    must not depend on whom the address belongs to). Returns the token."""
    from app.auth.tokens import hash_token, new_token

    result = invite_to_group(world.organizer, world.a, email=peter.email)
    assert isinstance(result, GroupInvitation)
    token = new_token()
    result.token_hash = hash_token(token)
    db.session.commit()
    return token


@pytest.mark.parametrize("rule", RULES)
def test_sending_an_invitation_answers_the_same_whatever_the_rule(app, login, world, rule):
    _set_rule(world.a, rule)
    peter = _painter(world)
    client = client_for(app, login, world, "organizer")
    response = client.post(f"/groups/{world.a.slug}/members/add",
                           data={"email": peter.email, "role": "member"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "We have sent an invitation" in text
    assert "industry" not in text.split("We have sent an invitation")[1].split("</div>")[0]


@pytest.mark.parametrize("rule", RULES)
def test_accepting_an_invitation_by_the_rule(app, login, world, rule):
    _set_rule(world.a, rule)
    peter = _painter(world)
    token = _invite_peter(world, peter)
    client = app.test_client()
    response = client.post(f"/invitations/{token}", data={"accept": "1"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert _in_group(peter, world.a) == (rule != "block")
    if rule == "block":
        assert response.status_code == 422
        assert "allows one member per industry" in text and "MALER" in text
        assert "Mads Member" not in text  # the invitee is not in the group: not told who
        invitation = db.session.scalar(select(GroupInvitation).where(GroupInvitation.email == peter.email))
        assert invitation.accepted_at is None  # still open: the organizers can sort it out


def test_a_new_person_accepting_has_no_industry_yet(app, world):
    _set_rule(world.a, "block")
    from app.auth.tokens import hash_token, new_token
    invitation = invite_to_group(world.organizer, world.a, email="ny@example.test", name="Ny Person")
    token = new_token()
    invitation.token_hash = hash_token(token)
    db.session.commit()
    response = app.test_client().post(f"/invitations/{token}", data={"accept": "1", "name": "Ny Person"})
    assert response.status_code == 302


# --- an admin creates a member into the group ----------------------------------------------------

def _create_data(world, **extra):
    return {"email": "nina@example.test", "name": "Nina Ny", "industry": "maler", "group_id": world.a.id,
            "role": "member", "language": "en", **extra}


@pytest.mark.parametrize("rule", RULES)
def test_admin_creates_a_member_into_the_group_by_the_rule(app, world, rule):
    from flask_login import login_user

    _set_rule(world.a, rule)
    with app.test_request_context():
        login_user(world.admin)
        if rule == "block":
            with pytest.raises(industry.IndustryTaken) as caught:
                member_services.create_member(world.admin, _create_data(world))
            assert "industry" in caught.value.fields and "Mads Member" in caught.value.message
            assert db.session.scalar(select(Membership).join(Membership.member)
                                     .where(Membership.group_id == world.a.id,
                                            Membership.member.has(email="nina@example.test"))) is None
            return
        member = member_services.create_member(world.admin, _create_data(world))
        assert ("Mads Member" in industry.warning_of(member)) == (rule == "warn")
        assert _in_group(member, world.a)


def test_admin_creates_a_member_with_an_override(app, world):
    _set_rule(world.a, "block")
    with app.test_request_context():
        member = member_services.create_member(world.admin, _create_data(
            world, override_industry=True, industry_reason="Aftalt på generalforsamlingen"))
    [event] = _events(member, "industry_override")
    assert event.detail.endswith(": Aftalt på generalforsamlingen")


def test_create_member_form_shows_the_block(app, login, world):
    _set_rule(world.a, "block")
    client = client_for(app, login, world, "admin")
    response = client.post("/admin/members/new", data={
        "email": "nina@example.test", "name": "Nina Ny", "industry": "Maler", "group_id": str(world.a.id),
        "role": "member", "language": "en"})
    assert response.status_code == 422
    assert "allows one member per industry" in response.get_data(as_text=True)


# --- a member changes their own industry ---------------------------------------------------------

def test_own_industry_change_is_refused_in_a_blocking_group(app, world):
    _set_rule(world.a, "block")
    with app.test_request_context():
        with pytest.raises(industry.IndustryTaken) as caught:
            industry.check_own_industry(world.organizer, "Maler")
    assert world.a.name in caught.value.message
    assert "Mads Member" not in caught.value.message  # the group, not the person
    with app.test_request_context():  # unchanged (normalised) is no change
        assert industry.check_own_industry(world.member, " MALER ") == []


def test_own_industry_change_warns_in_a_warn_group(app, world):
    _set_rule(world.a, "warn")
    with app.test_request_context():
        [check] = industry.check_own_industry(world.organizer, "maler")
        assert "Mads Member" in check.warning()
        _set_rule(world.a, "off")
        assert industry.check_own_industry(world.organizer, "maler") == []


# --- the organizers' view --------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "sees"), [("organizer", True), ("admin", True), ("member", False)])
def test_members_page_shows_industries_taken_twice(app, login, world, role, sees):
    create_member(name="Maja Maler", industry="maler!", groups=[world.a])
    create_member(name="Karl Kok", industry="Kok", groups=[world.a])
    client = client_for(app, login, world, role)
    text = client.get(f"/groups/{world.a.slug}/members").get_data(as_text=True)
    assert ("data-duplicate-industries" in text) == sees
    if sees:
        section = text.split("data-duplicate-industries")[1].split("</section>")[0]
        assert "Mads Member" in section and "Maja Maler" in section and "Karl Kok" not in section


# --- the setting: web form and API ---------------------------------------------------------------

def _group_form(group, **extra):
    return {"name": group.name, "slug": group.slug, "timezone": group.timezone, "rsvp_mode": "opt_in",
            "guest_limit": "1", **extra}


@pytest.mark.parametrize("rule", RULES)
def test_the_group_form_sets_the_rule(app, login, world, rule):
    client = client_for(app, login, world, "organizer")
    assert 'name="industry_rule"' in client.get(f"/groups/{world.a.slug}/edit").get_data(as_text=True)
    response = client.post(f"/groups/{world.a.slug}/edit", data=_group_form(world.a, industry_rule=rule))
    assert response.status_code == 302
    db.session.expire_all()
    assert world.a.industry_rule == rule


@pytest.mark.parametrize("value", ["nope", "BLOCK ", "\x00", "9" * 40, "<script>"])
def test_the_group_form_refuses_unknown_rules(app, login, world, value):
    client = client_for(app, login, world, "organizer")
    response = client.post(f"/groups/{world.a.slug}/edit", data=_group_form(world.a, industry_rule=value))
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert world.a.industry_rule == "off"


def test_the_api_shows_and_changes_the_rule(app, world):
    client = app.test_client()
    headers = bearer(token_for(world.organizer))
    body = client.get(f"/api/v1/groups/{world.a.slug}", headers=headers).get_json()
    assert body["industry_rule"] == "off"
    response = client.patch(f"/api/v1/groups/{world.a.slug}", json={"industry_rule": "block"},
                            headers=headers)
    assert response.status_code == 200 and response.get_json()["industry_rule"] == "block"
    db.session.expire_all()
    assert world.a.industry_rule == "block"


@pytest.mark.parametrize("value", ["nope", 1, None, True, ["block"], {"a": 1}, "\x00", "b" * 10000])
def test_the_api_refuses_bad_rules(app, world, value):
    client = app.test_client()
    response = client.patch(f"/api/v1/groups/{world.a.slug}", json={"industry_rule": value},
                            headers=bearer(token_for(world.organizer)))
    body = assert_problem(response, 422)
    assert "industry_rule" in str(body)
    db.session.expire_all()
    assert world.a.industry_rule == "off"


def test_members_cannot_change_the_rule_in_the_api(app, world):
    response = app.test_client().patch(f"/api/v1/groups/{world.a.slug}", json={"industry_rule": "block"},
                                       headers=bearer(token_for(world.member)))
    assert_problem(response, 403)


# --- the pages that change or create a profile (app.members.routes) -------------------------------

def _profile_form(member, **extra):
    return {"name": member.name, "language": "en", "industry": member.industry, **extra}


@pytest.mark.parametrize("rule", RULES)
def test_the_profile_page_obeys_the_rule_of_my_groups(app, login, world, rule):
    _set_rule(world.a, rule)
    client = client_for(app, login, world, "organizer")
    response = client.post("/profile", data=_profile_form(world.organizer, industry=" MALER "),
                           follow_redirects=True)
    text = response.get_data(as_text=True)
    db.session.expire_all()
    if rule == "block":
        assert response.status_code == 422
        assert world.a.name in text and "already taken there" in text
        assert "Mads Member" not in text  # the group, not the person
        assert world.organizer.industry == ""
        return
    assert response.status_code == 200 and "Your profile was saved." in text
    assert world.organizer.industry == "MALER"
    assert ("Note: Mads Member" in text and "already has the industry" in text) == (rule == "warn")


def test_keeping_my_own_industry_in_a_blocking_group_is_no_change(app, login, world):
    _set_rule(world.a, "block")
    create_member(name="Maja Maler", industry="maler", groups=[world.a])  # taken twice already
    client = client_for(app, login, world, "member")
    response = client.post("/profile", data=_profile_form(world.member, industry="maler.", company="Ny ApS"))
    assert response.status_code == 302
    db.session.expire_all()
    assert world.member.company == "Ny ApS"


def _new_member_form(world, **extra):
    return {"email": "nina@example.test", "name": "Nina Ny", "industry": "Maler", "group_id": str(world.a.id),
            "role": "member", "language": "en", **extra}


def test_the_new_member_page_tells_the_admin_of_a_warning(app, login, world):
    _set_rule(world.a, "warn")
    client = client_for(app, login, world, "admin")
    response = client.post("/admin/members/new", data=_new_member_form(world), follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nina Ny was created" in text
    assert "Note: Mads Member" in text and world.a.name in text


def test_the_new_member_page_offers_the_override_only_when_refused(app, login, world):
    _set_rule(world.a, "block")
    client = client_for(app, login, world, "admin")
    page = client.get(f"/admin/members/new?group={world.a.id}").get_data(as_text=True)
    assert "data-industry-override" not in page and 'name="override_industry"' not in page
    refused = client.post("/admin/members/new", data=_new_member_form(world))
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "data-industry-override" in text and 'name="industry_reason"' in text
    response = client.post("/admin/members/new", data=_new_member_form(
        world, override_industry="y", industry_reason="Maler på Djursland"), follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Nina Ny was created" in text and "your override was recorded" in text
    member = db.session.scalar(select(MemberEvent.member_id).where(MemberEvent.kind == "industry_override"))
    [event] = _events(db.session.get(type(world.member), member), "industry_override")
    assert event.actor_id == world.admin.id and event.detail.endswith(": Maler på Djursland")


@pytest.mark.parametrize("reason", ["", "   ", "a\x00b", "x" * 501])
def test_the_new_member_override_needs_a_usable_reason(app, login, world, reason):
    _set_rule(world.a, "block")
    client = client_for(app, login, world, "admin")
    response = client.post("/admin/members/new", data=_new_member_form(
        world, override_industry="y", industry_reason=reason))
    assert response.status_code in (400, 422)
    if response.status_code == 422:  # the reason's error shown next to it
        assert "data-industry-override" in response.get_data(as_text=True)
    assert db.session.scalar(select(MemberEvent.id).where(MemberEvent.kind == "industry_override")) is None
    assert db.session.scalar(select(Membership.id)
                             .where(Membership.member.has(email="nina@example.test"))) is None


def test_organizers_get_no_override_on_the_invitation_form(app, login, world):
    _set_rule(world.a, "block")
    client = client_for(app, login, world, "organizer")
    page = client.get(f"/admin/members/new?group={world.a.id}").get_data(as_text=True)
    assert 'name="override_industry"' not in page and 'name="industry_reason"' not in page
    # an organizer posting the fields anyway invites as always (the invitee has no industry yet)
    response = client.post("/admin/members/new", data={
        "email": "nina@example.test", "name": "Nina Ny", "group_id": str(world.a.id), "role": "member",
        "override_industry": "y", "industry_reason": "Fordi"})
    assert response.status_code == 302
    assert db.session.scalar(select(GroupInvitation.id).where(GroupInvitation.email == "nina@example.test"))
    assert db.session.scalar(select(MemberEvent.id).where(MemberEvent.kind == "industry_override")) is None


def test_the_override_on_the_new_member_page_is_for_blocking_groups_only(app, login, world):
    _set_rule(world.a, "warn")
    client = client_for(app, login, world, "admin")
    response = client.post("/admin/members/new", data=_new_member_form(
        world, override_industry="y", industry_reason="Unødvendig"))
    assert response.status_code == 302  # nothing to override: created, nothing recorded
    assert db.session.scalar(select(MemberEvent.id).where(MemberEvent.kind == "industry_override")) is None


def test_the_names_of_those_who_have_the_industry_read_as_a_sentence(app):
    from flask_babel import force_locale

    from app.groups.industry import _names
    from app.models import Member

    people = [Member(name=n) for n in ("Anna Alm", "Bo Bak", "Carl Krog")]
    with app.test_request_context("/"):
        with force_locale("da"):
            assert _names(people) == "Anna Alm, Bo Bak og Carl Krog"
        with force_locale("en"):
            assert _names(people[:2]) == "Anna Alm and Bo Bak"
