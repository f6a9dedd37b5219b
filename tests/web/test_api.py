"""The JSON API /api/v1: bearer-token auth, the three endpoints by role, problem+json errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_smorest import abort as smorest_abort

from app.errors import ValidationFailed
from app.extensions import db
from app.models import ApiToken, Competency, Role, utcnow
from app.tokens.services import create_token, revoke_token
from tests.factories import add_membership, create_admin, create_group, create_member, create_organizer
from tests.web.api_helpers import PROBLEM, assert_problem, assert_unauthorized, bearer, token_for

# --- /me and authentication -------------------------------------------------------------------

def test_me_with_valid_token_returns_the_tokens_member(client):
    group = create_group(name="Kaffeklub Nord", slug="nord")
    other = create_group(name="Anden Klub", slug="anden")
    member = create_member(name="Karen Blixen", email="karen@example.test", phone="+45 12 34 56 78",
                           company="Rungstedlund ApS", title="Forfatter", industry="Publishing",
                           bio="Writes.", website="https://example.test", language="en", groups=[group])
    add_membership(member, other, Role.ORGANIZER.value)
    member.competencies = [Competency(name="storytelling")]
    db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(token_for(member)))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json == {
        "id": member.id, "name": "Karen Blixen", "email": "karen@example.test", "phone": "+45 12 34 56 78",
        "company": "Rungstedlund ApS", "title": "Forfatter", "industry": "Publishing",
        "competencies": ["storytelling"], "bio": "Writes.", "website": "https://example.test",
        "offers": "", "seeks": "", "photo": None,
        "visibility": {"profile": "members", "photo": "members", "email": "members", "phone": "members",
                       "meetings": "members", "network": "members"},
        "language": "en",
        "groups": [{"slug": "anden", "name": "Anden Klub", "role": "organizer"},
                   {"slug": "nord", "name": "Kaffeklub Nord", "role": "member"}],
    }


def test_me_without_token_is_401_problem(client):
    body = assert_unauthorized(client.get("/api/v1/me?lang=en"))
    assert body["title"] == "Authentication required"


@pytest.mark.parametrize("header", [
    "Bearer kk_garbage",
    "Bearer not-even-our-format",
    "Bearer " + "kk_" + "x" * 5000,
    "Basic dXNlcjpwYXNz",
    "Bearer",
    "Bearer    ",
])
def test_me_with_garbage_credentials_is_401(client, header):
    create_member()
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert_unauthorized(response)
    assert "error=" in response.headers["WWW-Authenticate"]


def test_revoked_token_is_401(client):
    member = create_member()
    token, plaintext = create_token(member, "old")
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 200
    revoke_token(member, token.id)
    response = client.get("/api/v1/me", headers=bearer(plaintext))
    assert_unauthorized(response)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_inactive_members_token_is_401(client):
    member = create_member()
    plaintext = token_for(member)
    member.active = False
    db.session.commit()
    assert_unauthorized(client.get("/api/v1/me", headers=bearer(plaintext)))


def test_session_cookie_alone_does_not_authenticate_the_api(client, login):
    group = create_group(is_public=False, slug="lukket")
    member = create_member(name="Sessionsbruger Test", groups=[group])
    login(member)
    assert "Sessionsbruger" in client.get("/").get_data(as_text=True)  # the web session works...
    assert_unauthorized(client.get("/api/v1/me"))  # ...the API does not take it
    assert client.get("/api/v1/groups").json == []  # and lists only what anonymous callers see
    assert_unauthorized(client.get("/api/v1/groups/lukket/members"))


def test_invalid_token_is_401_even_on_an_endpoint_open_to_anonymous_callers(client):
    create_group(is_public=True)
    assert client.get("/api/v1/groups").status_code == 200
    assert_unauthorized(client.get("/api/v1/groups", headers=bearer("kk_wrong")))


def test_last_used_is_recorded_but_written_at_most_once_a_minute(client):
    member = create_member()
    token, plaintext = create_token(member, "script")
    assert token.last_used_at is None
    client.get("/api/v1/me", headers=bearer(plaintext))
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/me", headers=bearer(plaintext))
    assert token.last_used_at == first  # second call within the minute: no write
    token.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/me", headers=bearer(plaintext))
    assert token.last_used_at > utcnow() - timedelta(seconds=30)


def test_failed_token_attempts_are_rate_limited_per_ip(app, client):
    app.config["API_TOKEN_FAILURE_LIMIT"] = "3 per minute"
    member = create_member()
    good = token_for(member)
    for _ in range(3):
        assert client.get("/api/v1/me", headers=bearer("kk_guess")).status_code == 401
    throttled = client.get("/api/v1/me", headers=bearer("kk_guess"))
    assert_problem(throttled, 429)
    assert int(throttled.headers["Retry-After"]) >= 1
    # While throttled, no token is even looked at (a guess cannot be confirmed)...
    assert client.get("/api/v1/me", headers=bearer(good)).status_code == 429
    # ...other addresses and callers without a token are not affected.
    other_ip = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.get("/api/v1/me", headers=bearer(good), environ_base=other_ip).status_code == 200
    assert client.get("/api/v1/groups").status_code == 200


def test_valid_tokens_are_not_counted_as_failures(app, client):
    app.config["API_TOKEN_FAILURE_LIMIT"] = "2 per minute"
    good = token_for(create_member())
    for _ in range(5):
        assert client.get("/api/v1/me", headers=bearer(good)).status_code == 200


# --- /groups ------------------------------------------------------------------------------------

@pytest.fixture
def groups():
    public = create_group(name="A Offentlig", slug="offentlig", is_public=True,
                          description="Alle er velkomne")
    closed = create_group(name="B Lukket", slug="lukket", is_public=False)
    secret = create_group(name="C Hemmelig", slug="hemmelig", is_public=False)
    return public, closed, secret


def test_groups_anonymous_sees_public_groups_only(client, groups):
    response = client.get("/api/v1/groups")
    assert response.status_code == 200
    assert response.json == [{"slug": "offentlig", "name": "A Offentlig", "description": "Alle er velkomne",
                              "timezone": "Europe/Copenhagen", "is_public": True, "rsvp_mode": "opt_in",
                              "guest_limit": 1, "invite_days_before": None, "reminder_time": None,
                              "industry_rule": "off", "role": None}]


def test_groups_member_sees_public_and_own_groups_with_role(client, groups):
    _public, closed, _secret = groups
    member = create_member(groups=[closed])
    response = client.get("/api/v1/groups", headers=bearer(token_for(member)))
    assert [(g["slug"], g["role"]) for g in response.json] == [("offentlig", None), ("lukket", "member")]


def test_groups_organizer_sees_organizer_role(client, groups):
    public, _closed, _secret = groups
    organizer = create_organizer(public)
    response = client.get("/api/v1/groups", headers=bearer(token_for(organizer)))
    assert [(g["slug"], g["role"]) for g in response.json] == [("offentlig", "organizer")]


def test_groups_admin_sees_all_groups(client, groups):
    admin = create_admin()
    response = client.get("/api/v1/groups", headers=bearer(token_for(admin)))
    assert [g["slug"] for g in response.json] == ["offentlig", "lukket", "hemmelig"]
    assert all(g["role"] is None for g in response.json)


# --- /groups/{slug}/members ---------------------------------------------------------------------

def _members_url(group) -> str:
    return f"/api/v1/groups/{group.slug}/members"


def test_group_members_anonymous_is_401(client, groups):
    public, closed, _secret = groups
    assert_unauthorized(client.get(_members_url(public)))
    assert_unauthorized(client.get(_members_url(closed)))


def test_group_members_member_of_another_group_gets_403_for_public_404_for_members_only(client, groups):
    public, closed, secret = groups
    outsider = create_member(groups=[secret])
    headers = {**bearer(token_for(outsider)), "Accept-Language": "en"}
    body = assert_problem(client.get(_members_url(public), headers=headers), 403)
    assert body["title"] == "Access denied"
    body = assert_problem(client.get(_members_url(closed), headers=headers), 404)
    assert body["title"] == "Not found"


def test_group_members_unknown_group_is_404(client):
    member = create_member()
    assert_problem(client.get("/api/v1/groups/findes-ikke/members", headers=bearer(token_for(member))), 404)


@pytest.mark.parametrize("role", ["member", "organizer", "admin"])
def test_group_members_visible_to_member_organizer_and_admin(client, groups, role):
    _public, closed, _secret = groups
    organizer = create_organizer(closed, name="Ole Organisator", email="ole@example.test", company="Ole ApS",
                                 title="CEO", industry="Coffee", phone="11223344")
    plain = create_member(name="Bente Medlem", groups=[closed])
    create_member(name="Inaktiv Person", groups=[closed], active=False)
    caller = {"member": plain, "organizer": organizer, "admin": create_admin()}[role]
    response = client.get(_members_url(closed), headers=bearer(token_for(caller)))
    assert response.status_code == 200
    assert [m["name"] for m in response.json] == ["Bente Medlem", "Ole Organisator"]
    ole = response.json[1]
    assert ole == {"id": organizer.id, "name": "Ole Organisator", "company": "Ole ApS", "title": "CEO",
                   "industry": "Coffee", "competencies": [], "email": "ole@example.test",
                   "phone": "11223344", "role": "organizer"}
    assert response.json[0]["role"] == "member"


# --- problem details for every error ------------------------------------------------------------

def test_unknown_api_path_is_404_problem(client):
    body = assert_problem(client.get("/api/v1/does-not-exist?lang=en"), 404)
    assert body["title"] == "Not found"


def test_wrong_method_is_405_problem_with_allow_header(client):
    response = client.post("/api/v1/me")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_problem(client.delete("/api/v1/groups"), 405)


@pytest.mark.own_app  # adds routes: an app of its own, not the shared one
def test_domain_errors_and_smorest_aborts_under_api_are_problem_json_with_errors(app, client):
    def failing_validation():
        raise ValidationFailed("Bad name", fields={"name": ["Too long"]})

    def smorest_validation():
        smorest_abort(422, message="Bad input", errors={"json": {"name": ["Missing data"]}})

    app.add_url_rule("/api/v1/_test/validation", view_func=failing_validation)
    app.add_url_rule("/api/v1/_test/smorest", view_func=smorest_validation)
    body = assert_problem(client.get("/api/v1/_test/validation"), 422)
    assert body["detail"] == "Bad name"
    assert body["errors"] == {"name": ["Too long"]}
    response = client.get("/api/v1/_test/smorest")
    assert response.mimetype == PROBLEM
    assert response.json["status"] == 422
    assert "code" not in response.json  # not flask-smorest's own {code, status, message} format


def test_api_tokens_table_has_hashes_not_plaintexts(client):
    member = create_member()
    token, plaintext = create_token(member, "x")
    stored = db.session.get(ApiToken, token.id)
    assert stored.token_hash != plaintext and plaintext not in stored.token_hash
    assert len(stored.token_hash) == 64
    assert plaintext.startswith("kk_") and plaintext.startswith(stored.prefix)
    assert len(stored.prefix) < 12
