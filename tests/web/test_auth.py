"""Passwordless login by emailed link, remember me, safe redirects and logout."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import services
from app.auth.tokens import hash_token, issue_login_link
from app.extensions import db
from app.models import LoginToken, utcnow
from tests.factories import create_member
from tests.web.auth_helpers import link_in, outbox, parse, path_of, request_link
from tests.web.greeting_helpers import greets

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")

CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')


def _token_row(path: str) -> LoginToken:
    token = path.split("?")[0].rsplit("/", 1)[-1]
    return db.session.scalar(select(LoginToken).where(LoginToken.token_hash == hash_token(token)))


def _issue(member, purpose: str = "login") -> str:
    link = issue_login_link(member, purpose=purpose)
    db.session.commit()
    return path_of(link)


def _logged_in_as(client, member) -> bool:
    page = client.get("/").get_data(as_text=True)
    return greets(page, member.name.split(' ')[0])


# --- asking for a link --------------------------------------------------------------------------

def test_request_for_member_enqueues_exactly_one_mail_whose_link_logs_in(client):
    member = create_member(name="Mette Hansen", email="mette@example.test", language="en")
    response = client.post("/login", data={"email": "  Mette@Example.TEST "})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/sent"
    page = client.get("/login/sent").get_data(as_text=True)
    assert "Check your email" in page and "mette@example.test" in page

    messages = outbox()
    assert len(messages) == 1
    message = messages[0]
    assert message.recipient_list == ["mette@example.test"]
    assert message.member_id == member.id
    assert message.kind == "login_link"
    mime = parse(message)
    assert "Kaffeklub" in mime["Subject"]
    text = mime.get_body(preferencelist=("plain",)).get_content()
    assert "15 minutes" in text and "ignore" in text

    path = path_of(link_in(message))
    assert path.startswith("/login/")
    assert not _logged_in_as(client, member)
    response = client.post(path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _logged_in_as(client, member)
    assert member.last_login_at is not None
    assert _token_row(path).requested_ip == "127.0.0.1"


def test_unknown_address_gets_the_same_page_and_no_mail(client, app):
    create_member(email="known@example.test")

    def answer(address: str) -> tuple[int, str, str]:
        fresh = app.test_client()
        response = fresh.post("/login", data={"email": address})
        page = fresh.get(response.headers["Location"]).get_data(as_text=True)
        page = CSRF_VALUE.sub("", page).replace(address, "ADDRESS")
        return response.status_code, response.headers["Location"], page

    known = answer("known@example.test")
    assert len(outbox()) == 1
    unknown = answer("nobody@example.test")
    assert unknown == known
    assert len(outbox()) == 1


def test_inactive_member_gets_no_mail(client):
    create_member(email="gone@example.test", active=False)
    response = client.post("/login", data={"email": "gone@example.test"})
    assert response.status_code == 302 and response.headers["Location"] == "/login/sent"
    assert outbox() == []


def test_malformed_address_is_a_form_error_next_to_the_field(client):
    response = client.post("/login", data={"email": "not-an-address"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-describedby="email-error"' in page and "is-invalid" in page
    assert outbox() == []


def test_login_form_for_anonymous_links_to_password_login(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'action="/login"' in page and 'href="/login/password"' in page
    assert 'autocomplete="email"' in page and '<label class="form-label" for="email">' in page


def test_login_form_redirects_a_logged_in_member(client, login):
    login(create_member())
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- using a link -------------------------------------------------------------------------------

def test_get_shows_a_confirmation_and_does_not_use_the_link(client):
    member = create_member(name="Jens Jensen")
    path = _issue(member)
    for _ in range(3):  # e.g. a mail scanner prefetching the link, then the member
        response = client.get(path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Log in as Jens Jensen" in page
        assert response.headers["Cache-Control"] == "no-store"
        assert '<meta name="referrer" content="no-referrer">' in page
    assert _token_row(path).used_at is None
    assert not _logged_in_as(client, member)
    assert client.post(path).status_code == 302
    assert _logged_in_as(client, member)


def test_a_link_works_only_once(client, app):
    member = create_member()
    path = _issue(member)
    assert client.post(path).status_code == 302
    assert _token_row(path).used_at is not None
    other = app.test_client()
    response = other.post(path)
    assert response.status_code == 410
    assert "already been used" in response.get_data(as_text=True)
    assert not _logged_in_as(other, member)
    assert other.get(path).status_code == 410


def test_an_expired_link_is_refused_with_a_way_to_get_a_new_one(client):
    member = create_member()
    path = _issue(member)
    row = _token_row(path)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        page = response.get_data(as_text=True)
        assert "expired" in page and 'href="/login"' in page
    assert not _logged_in_as(client, member)
    assert _token_row(path).used_at is None


def test_an_unknown_link_is_not_found(client):
    for response in (client.get("/login/not-a-real-token"), client.post("/login/not-a-real-token"),
                     client.get("/login/" + "x" * 500)):
        assert response.status_code == 404
        assert "not valid" in response.get_data(as_text=True)


def test_link_of_a_member_deactivated_since_is_refused(client):
    member = create_member()
    path = _issue(member)
    member.active = False
    db.session.commit()
    assert client.get(path).status_code == 410
    assert client.post(path).status_code == 410
    assert not _logged_in_as(client, member)


def test_welcome_links_log_in_too_but_other_purposes_do_not(client, app):
    member = create_member()
    path = _issue(member, purpose="welcome")
    assert _token_row(path).expires_at > utcnow() + timedelta(days=1)
    assert client.post(path).status_code == 302
    assert _logged_in_as(client, member)
    other = app.test_client()
    assert other.post(_issue(member, purpose="email-change")).status_code == 404


def test_two_simultaneous_posts_of_one_link_log_in_only_once(app, monkeypatch):
    member = create_member()
    path = _issue(member)
    # Let both requests pass the "is it unused?" check before either marks the token used.
    barrier = threading.Barrier(2, timeout=10)
    original = services.find_login_token

    def find_then_wait(token):
        row = original(token)
        barrier.wait()
        return row

    monkeypatch.setattr(services, "find_login_token", find_then_wait)
    clients = [app.test_client(), app.test_client()]
    statuses: list[int] = []

    def post(c):
        statuses.append(c.post(path).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302, 410]
    assert sum(_logged_in_as(c, member) for c in clients) == 1


# --- remember me and the session cookie ---------------------------------------------------------

def _cookie_headers(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_remember_me_sets_a_lasting_cookie_only_when_ticked(client, app):
    member = create_member()
    response = client.post(_issue(member), data={"remember": "y"})
    cookies = _cookie_headers(response)
    assert "remember_token" in cookies and "Expires=" in cookies["remember_token"]
    assert "HttpOnly" in cookies["remember_token"]

    other = app.test_client()
    response = other.post(_issue(member))
    cookies = _cookie_headers(response)
    assert "remember_token" not in cookies
    # Without "remember me" the session cookie ends with the browser: no Expires / Max-Age.
    assert "Expires=" not in cookies["session"] and "Max-Age" not in cookies["session"]
    assert other.get_cookie("remember_token") is None


def test_remembered_member_stays_logged_in_after_the_browser_forgets_the_session(client):
    member = create_member()
    client.post(_issue(member), data={"remember": "y"})
    client.delete_cookie("session")  # the browser was closed
    assert _logged_in_as(client, member)


def test_logging_in_as_someone_else_without_remember_drops_the_old_remember_cookie(client):
    first, second = create_member(name="Anna First"), create_member(name="Bo Second")
    client.post(_issue(first), data={"remember": "y"})
    assert client.get_cookie("remember_token") is not None
    client.post(_issue(second))
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert not _logged_in_as(client, first)


# --- next ---------------------------------------------------------------------------------------

def test_next_is_carried_through_the_mail_and_honoured(client):
    create_member(email="next@example.test")
    page = client.get("/login?next=/groups/kaffe").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/groups/kaffe"' in page
    path = request_link(client, "next@example.test", next="/groups/kaffe")
    assert path.endswith("?next=%2Fgroups%2Fkaffe")
    page = client.get(path).get_data(as_text=True)
    assert 'value="/groups/kaffe"' in page
    response = client.post(path.split("?")[0], data={"next": "/groups/kaffe"})
    assert response.headers["Location"] == "/groups/kaffe"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "evil.example", "/\tevil", "",
])
def test_offsite_or_odd_next_goes_to_the_start_page(client, target):
    member = create_member(email=f"n{abs(hash(target))}@example.test")
    response = client.post(_issue(member), data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_offsite_next_is_not_put_into_the_mailed_link(client):
    create_member(email="evil-next@example.test")
    path = request_link(client, "evil-next@example.test", next="https://evil.example/")
    assert "next" not in path


# --- logout -------------------------------------------------------------------------------------

def test_logout_needs_post_and_then_ends_the_session_and_the_remember_cookie(client):
    member = create_member()
    client.post(_issue(member), data={"remember": "y"})
    client.post("/language", data={"lang": "en", "next": "/"})
    assert client.get("/logout").status_code == 405
    assert _logged_in_as(client, member)

    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get_cookie("remember_token") is None
    page = client.get("/").get_data(as_text=True)
    assert "logged out" in page
    assert not _logged_in_as(client, member)
    assert 'href="/login"' in page


def test_logout_refuses_a_post_without_csrf_token(client, app):
    member = create_member()
    client.post(_issue(member))
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/logout").status_code == 400
    assert _logged_in_as(client, member)


def test_logout_when_not_logged_in_just_goes_home(client):
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
