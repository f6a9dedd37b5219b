"""Personal access tokens: the profile page (create once, list, revoke) and `flask api-token`."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.models import ApiToken
from app.tokens import services
from tests.factories import create_admin, create_group, create_member, create_organizer

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")

TOKEN_RE = re.compile(r"kk_[A-Za-z0-9_\-]{40,}")


def _tokens_of(member) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.member_id == member.id)))


# --- the page -------------------------------------------------------------------------------------

def test_tokens_page_needs_login(client):
    response = client.get("/profile/tokens")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 302
    assert db.session.scalars(select(ApiToken)).all() == []


def test_create_token_shows_plaintext_once_and_stores_only_the_hash(client, login):
    member = login(create_member())
    created = client.post("/profile/tokens", data={"name": "CRM sync"})
    # POST/redirect/GET: the plaintext is shown by the GET the post redirects to, once.
    assert created.status_code == 303 and created.headers["Location"].endswith("/profile/tokens")
    assert not TOKEN_RE.search(created.get_data(as_text=True))
    assert "kk_" not in str(created.headers.get("Set-Cookie", ""))  # not in the cookie in clear
    response = client.get("/profile/tokens")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    plaintexts = set(TOKEN_RE.findall(page))
    assert len(plaintexts) == 1
    plaintext = plaintexts.pop()
    assert 'data-copy-target="new-token-value"' in page
    assert "/static/js/copy-token.js" in page

    (token,) = _tokens_of(member)
    assert token.name == "CRM sync"
    assert plaintext not in (token.token_hash, token.prefix, token.name)
    assert plaintext.startswith(token.prefix)

    # The token works, and the page never shows it again -- only its prefix.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"}).json["id"] == member.id
    page = client.get("/profile/tokens").get_data(as_text=True)
    assert plaintext not in page and not TOKEN_RE.search(page)
    assert token.prefix in page and "CRM sync" in page


def test_static_copy_script_exists(client):
    assert client.get("/static/js/copy-token.js").status_code == 200


def test_create_token_requires_a_name(client, login):
    member = login(create_member())
    response = client.post("/profile/tokens", data={"name": "   "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is-invalid" in page
    assert not TOKEN_RE.search(page)
    assert _tokens_of(member) == []


def test_create_token_name_too_long_is_refused(client, login):
    member = login(create_member())
    assert client.post("/profile/tokens", data={"name": "x" * 101}).status_code == 422
    assert _tokens_of(member) == []


def test_list_shows_only_my_unrevoked_tokens_with_docs_link(client, login):
    me = create_member()
    other = create_member()
    services.create_token(me, "Mit script")
    revoked, _ = services.create_token(me, "Gammelt script")
    services.revoke_token(me, revoked.id)
    services.create_token(other, "Andens token")
    login(me)
    page = client.get("/profile/tokens").get_data(as_text=True)
    assert "Mit script" in page
    assert "Gammelt script" not in page
    assert "Andens token" not in page
    assert 'href="/api/v1/docs"' in page


def test_revoke_own_token(client, login):
    member = login(create_member())
    token, plaintext = services.create_token(member, "script")
    response = client.post(f"/profile/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/profile/tokens")
    assert token.revoked_at is not None
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401


@pytest.mark.parametrize("role", ["other_member", "organizer_of_my_group"])
def test_others_cannot_revoke_my_token(client, login, role):
    group = create_group()
    owner = create_member(groups=[group])
    token, _plaintext = services.create_token(owner, "mine")
    intruder = create_member(groups=[create_group()]) if role == "other_member" else create_organizer(group)
    login(intruder)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    assert token.revoked_at is None


def test_admin_can_revoke_any_token(client, login):
    owner = create_member()
    token, _plaintext = services.create_token(owner, "mine")
    login(create_admin())
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 302
    assert token.revoked_at is not None


def test_revoke_unknown_token_is_404(client, login):
    login(create_member())
    assert client.post("/profile/tokens/999999/revoke").status_code == 404


def test_revoke_refuses_post_without_csrf_token(app, client, login):
    app.config["WTF_CSRF_ENABLED"] = True
    member = login(create_member())
    token, _plaintext = services.create_token(member, "mine")
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 400
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 400
    assert token.revoked_at is None
    assert len(_tokens_of(member)) == 1


def test_revoke_and_create_work_with_the_csrf_token_from_the_page(app, client, login):
    app.config["WTF_CSRF_ENABLED"] = True
    member = login(create_member())
    token, _plaintext = services.create_token(member, "mine")
    page = client.get("/profile/tokens").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post(f"/profile/tokens/{token.id}/revoke", data={"csrf_token": csrf}).status_code == 302
    assert token.revoked_at is not None
    assert client.post("/profile/tokens", data={"name": "ny", "csrf_token": csrf}).status_code == 303


# --- services -------------------------------------------------------------------------------------

def test_service_revoke_by_stranger_raises_not_found(app):
    owner = create_member()
    token, _plaintext = services.create_token(owner, "mine")
    with pytest.raises(NotFound):
        services.revoke_token(create_member(), token.id)
    with pytest.raises(NotFound):
        services.revoke_token(None, token.id)
    assert token.revoked_at is None


def test_authenticate_refuses_unknown_revoked_and_inactive(app):
    member = create_member()
    token, plaintext = services.create_token(member, "mine")
    assert services.authenticate(plaintext) == member
    assert services.authenticate(plaintext + "x") is None
    assert services.authenticate("") is None
    assert services.authenticate(None) is None
    member.active = False
    db.session.commit()
    assert services.authenticate(plaintext) is None
    member.active = True
    db.session.commit()
    services.revoke_token(member, token.id)
    assert services.authenticate(plaintext) is None


def test_inactive_member_cannot_get_a_token(app):
    from app.errors import ValidationFailed

    member = create_member(active=False)
    with pytest.raises(ValidationFailed):
        services.create_token(member, "x")


def test_number_of_active_tokens_is_capped(client, login):
    member = login(create_member())
    for n in range(services.MAX_ACTIVE_TOKENS):
        services.create_token(member, f"t{n}")
    response = client.post("/profile/tokens", data={"name": "one too many"})
    assert response.status_code == 422
    assert "Revoke" in response.get_data(as_text=True)
    assert len(_tokens_of(member)) == services.MAX_ACTIVE_TOKENS


# --- command line ---------------------------------------------------------------------------------

def test_cli_create_prints_a_token_that_works(runner, client):
    member = create_member(email="script@example.test")
    result = runner.invoke(args=["api-token", "create", "Script@Example.test", "--name", "Nightly export"])
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.strip()
    assert TOKEN_RE.fullmatch(plaintext)
    (token,) = _tokens_of(member)
    assert token.name == "Nightly export"
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200
    assert response.json["email"] == "script@example.test"


def test_cli_create_for_unknown_email_fails(runner):
    result = runner.invoke(args=["api-token", "create", "nobody@example.test"])
    assert result.exit_code != 0
    assert "nobody@example.test" in result.output
    assert db.session.scalars(select(ApiToken)).all() == []


def test_cli_revoke(runner, client):
    member = create_member()
    token, plaintext = services.create_token(member, "mine")
    result = runner.invoke(args=["api-token", "revoke", str(token.id)])
    assert result.exit_code == 0, result.output
    assert token.revoked_at is not None
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401
    result = runner.invoke(args=["api-token", "revoke", "424242"])
    assert result.exit_code != 0


def test_a_reload_after_creating_neither_creates_nor_shows_again(client, login):
    member = login(create_member())
    client.post("/profile/tokens", data={"name": "CRM sync"})
    assert TOKEN_RE.search(client.get("/profile/tokens").get_data(as_text=True))
    reloaded = client.get("/profile/tokens").get_data(as_text=True)
    assert not TOKEN_RE.search(reloaded) and "CRM sync" in reloaded
    assert len(_tokens_of(member)) == 1


def test_the_pending_plaintext_is_for_its_member_only(client, login):
    login(create_member())
    client.post("/profile/tokens", data={"name": "mine"})
    login(create_member())  # another member in the same browser session before the GET
    assert not TOKEN_RE.search(client.get("/profile/tokens").get_data(as_text=True))


def test_the_pending_plaintext_is_encrypted_in_the_cookie_and_expires(app, client, login):
    """Flask's session cookie is signed, not secret: the plaintext must not be readable in it, and a
    copy of the cookie kept for later must not reveal the token after the time-to-live."""
    import time

    from flask import session as request_session

    from app.tokens import reveal

    member = login(create_member())
    client.post("/profile/tokens", data={"name": "CRM sync"})
    with client.session_transaction() as session:
        pending = dict(session[reveal.SESSION_KEY])
    assert not TOKEN_RE.search(repr(pending))
    with app.test_request_context():
        request_session[reveal.SESSION_KEY] = dict(pending)
        token_id, plaintext = reveal.pop(member.id)
        assert token_id == _tokens_of(member)[0].id
        assert services.authenticate(plaintext).id == member.id
        request_session[reveal.SESSION_KEY] = dict(pending)
        assert reveal.pop(member.id, now=time.time() + reveal.TTL_SECONDS + 5) is None
