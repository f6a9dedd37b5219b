"""Logins that can be ended: per-login records behind the session and remember-me cookies,
logout, log out everywhere, per-device logout, password changes, deactivation, server-side expiry,
fresh login for passwords, and the /login request doing the same work for anyone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import template_rendered
from sqlalchemy import select

from app.auth import passwords
from app.auth.tokens import issue_login_link
from app.extensions import db
from app.models import ApiToken, LoginSession, LoginToken, utcnow
from app.tokens.services import authenticate, create_token
from tests.factories import create_admin, create_member
from tests.web.auth_helpers import link_in, outbox, path_of

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")

GOOD = "kaffe og rundstykker"
PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 "
         "Mobile Safari/604.1")
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _link(member) -> str:
    link = issue_login_link(member)
    db.session.commit()
    return path_of(link)


def _log_in(app, member, *, remember: bool = False, user_agent: str = LAPTOP):
    """A new browser that logs the member in by a link; returns its test client."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = user_agent
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with browser.session_transaction() as session:
        session["lang"] = "en"
    data = {"remember": "y"} if remember else {}
    assert browser.post(_link(member), data=data).status_code == 302
    return browser


def _is_logged_in(browser) -> bool:
    return 'action="/logout"' in browser.get("/").get_data(as_text=True)


def _copy_cookies(source, *, names=("session", "remember_token")):
    """A second browser holding copies of the first one's cookies (as a thief would)."""
    thief = source.application.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def _only_remember_cookie(source):
    return _copy_cookies(source, names=("remember_token",))


def _sessions(member) -> list[LoginSession]:
    return list(db.session.scalars(select(LoginSession).where(LoginSession.member_id == member.id)
                                   .order_by(LoginSession.id)))


# --- the cookies point at a login record -------------------------------------------------------

def test_remember_cookie_differs_from_login_to_login_and_holds_no_member_id(app):
    member = create_member()
    first = _log_in(app, member, remember=True).get_cookie("remember_token").value
    second = _log_in(app, member, remember=True).get_cookie("remember_token").value
    assert first != second
    assert not first.startswith(f"{member.id}|")
    rows = _sessions(member)
    assert len(rows) == 2 and all(row.remember for row in rows)
    # Only the SHA-256 of the token is stored.
    assert all(first.split("|")[0] not in row.token_hash for row in rows)


def test_copied_cookies_stop_working_after_logout(app):
    member = create_member()
    browser = _log_in(app, member, remember=True)
    session_copy, remember_copy = _copy_cookies(browser, names=("session",)), _only_remember_cookie(browser)
    assert _is_logged_in(session_copy) and _is_logged_in(remember_copy)

    assert browser.post("/logout").status_code == 302
    assert not _is_logged_in(browser)
    assert not _is_logged_in(session_copy)
    assert not _is_logged_in(remember_copy)
    assert _sessions(member)[0].revoked_at is not None


def test_remembered_logins_end_on_the_server_after_the_configured_days(app):
    assert app.config["REMEMBER_COOKIE_DURATION_DAYS"] == 30
    member = create_member()
    browser = _log_in(app, member, remember=True)
    row = _sessions(member)[0]
    assert timedelta(days=29, hours=23) < row.expires_at - row.created_at <= timedelta(days=30)
    # 30 days on: the browser still sends its (copied, long-lived) remember cookie.
    row.created_at -= timedelta(days=30)
    row.last_seen_at -= timedelta(days=30)
    row.expires_at -= timedelta(days=30)
    db.session.commit()
    assert not _is_logged_in(_only_remember_cookie(browser))
    assert not _is_logged_in(browser)


def test_logins_without_remember_me_end_after_the_idle_limit_and_activity_keeps_them(app):
    assert app.config["SESSION_IDLE_HOURS"] == 12
    member = create_member()
    browser = _log_in(app, member)
    row = _sessions(member)[0]
    assert timedelta(hours=11) < row.expires_at - row.created_at <= timedelta(hours=12)
    # Used again after 11 hours: the deadline moves on (last seen is written every few minutes).
    for name in ("created_at", "last_seen_at", "expires_at"):
        setattr(row, name, getattr(row, name) - timedelta(hours=11))
    db.session.commit()
    assert _is_logged_in(browser)
    db.session.refresh(row)
    assert row.expires_at - utcnow() > timedelta(hours=11)
    # Then 12 hours of silence.
    for name in ("last_seen_at", "expires_at"):
        setattr(row, name, getattr(row, name) - timedelta(hours=12, minutes=1))
    db.session.commit()
    assert not _is_logged_in(browser)


def test_an_old_style_session_holding_a_member_id_is_not_logged_in(client):
    member = create_member()
    with client.session_transaction() as session:
        session["_user_id"] = str(member.id)
    assert not _is_logged_in(client)


# --- the member's logins on the profile ---------------------------------------------------------

def test_profile_lists_the_logins_and_logs_out_one_device(app):
    member = create_member(name="Sofie Session")
    phone = _log_in(app, member, remember=True, user_agent=PHONE)
    laptop = _log_in(app, member, user_agent=LAPTOP)
    page = laptop.get("/profile").get_data(as_text=True)
    assert "Where you are logged in" in page
    assert "Safari · iPhone" in page and "Firefox · Linux" in page
    assert page.index("Firefox · Linux") < page.index("This device") < page.index("Safari · iPhone")

    phone_row = next(row for row in _sessions(member) if row.remember)
    response = laptop.post(f"/profile/logins/{phone_row.id}/end")
    assert response.status_code == 302
    assert not _is_logged_in(phone) and not _is_logged_in(_only_remember_cookie(phone))
    assert _is_logged_in(laptop)
    page = laptop.get("/profile").get_data(as_text=True)
    assert "Safari · iPhone" not in page


def test_nobody_can_end_someone_elses_login(app):
    owner, other = create_member(), create_member()
    owner_browser = _log_in(app, owner)
    other_browser = _log_in(app, other)
    owner_row = _sessions(owner)[0]
    assert other_browser.post(f"/profile/logins/{owner_row.id}/end").status_code == 404
    assert other_browser.post("/profile/logins/99999999/end").status_code == 404
    assert _is_logged_in(owner_browser)


def test_ending_this_devices_login_from_the_list_logs_out_here(app):
    member = create_member()
    browser = _log_in(app, member)
    row = _sessions(member)[0]
    response = browser.post(f"/profile/logins/{row.id}/end")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not _is_logged_in(browser)


def test_log_out_everywhere_ends_every_login_this_one_included(app):
    member = create_member()
    someone_else = create_member()
    browsers = [_log_in(app, member, remember=True), _log_in(app, member), _log_in(app, member)]
    copies = [_only_remember_cookie(browsers[0])]
    bystander = _log_in(app, someone_else)
    response = browsers[1].post("/profile/logins/end-all")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not any(_is_logged_in(b) for b in browsers + copies)
    assert _is_logged_in(bystander)
    assert browsers[1].get("/profile").status_code == 302  # to the login page


def test_logout_and_the_list_need_a_login_and_post(client):
    assert client.post("/profile/logins/end-all").status_code == 302
    assert client.get("/profile/logins/end-all").status_code == 405
    assert client.post("/profile/logins/1/end").status_code == 302


# --- passwords ----------------------------------------------------------------------------------

def _set_password(member, password: str = GOOD) -> None:
    member.password_hash = passwords.hash_password(password)
    db.session.commit()


def _make_stale(member) -> None:
    for row in _sessions(member):
        row.created_at -= timedelta(hours=1)
    db.session.commit()


def test_a_password_change_ends_the_other_logins_but_not_this_one(app):
    member = create_member(email="pw@example.test")
    _set_password(member)
    other_device = _log_in(app, member, remember=True)
    thief = _only_remember_cookie(other_device)
    here = _log_in(app, member)
    new = "en helt ny adgangskode"
    response = here.post("/profile/password", data={"new_password": new, "confirm_password": new})
    assert response.status_code == 302
    assert "logged out on your other devices" in here.get("/profile/password").get_data(as_text=True)
    assert _is_logged_in(here)
    assert not _is_logged_in(other_device) and not _is_logged_in(thief)


def test_a_recent_login_may_set_the_password_without_the_current_one(app):
    member = create_member()
    _set_password(member)
    browser = _log_in(app, member)
    page = browser.get("/profile/password").get_data(as_text=True)
    assert "Current password" not in page and "need not enter your current password" in page
    new = "glemte den gamle kode"
    assert browser.post("/profile/password", data={"new_password": new,
                                                   "confirm_password": new}).status_code == 302
    db.session.refresh(member)
    assert passwords.verify_password(member.password_hash, new)


def test_an_older_login_needs_the_current_password_or_a_new_link(app):
    member = create_member()
    _set_password(member)
    browser = _log_in(app, member)
    _make_stale(member)
    page = browser.get("/profile/password").get_data(as_text=True)
    assert "Current password" in page and "Confirm by a login link instead" in page
    new = "en anden god kode"
    response = browser.post("/profile/password", data={"new_password": new, "confirm_password": new})
    assert response.status_code == 422
    db.session.refresh(member)
    assert passwords.verify_password(member.password_hash, GOOD)
    response = browser.post("/profile/password", data={"current_password": GOOD, "new_password": new,
                                                       "confirm_password": new})
    assert response.status_code == 302


def test_a_first_password_after_an_older_login_needs_a_new_login_link_that_comes_back(app, smtp_server):
    member = create_member(email="first-pw@example.test")
    browser = _log_in(app, member)
    _make_stale(member)
    page = browser.get("/profile/password").get_data(as_text=True)
    assert "first confirm that it is you" in page
    assert 'action="/profile/password/confirm"' in page and 'name="new_password"' not in page
    # Posting a password anyway is refused.
    response = browser.post("/profile/password", data={"new_password": GOOD, "confirm_password": GOOD})
    assert response.status_code == 403
    db.session.refresh(member)
    assert member.password_hash is None

    response = browser.post("/profile/password/confirm")
    assert response.status_code == 302 and response.headers["Location"] == "/login/sent"
    link = path_of(link_in(outbox()[-1]))
    assert link.endswith("?next=%2Fprofile%2Fpassword")
    response = browser.post(link.split("?")[0], data={"next": "/profile/password"})
    assert response.status_code == 302 and response.headers["Location"] == "/profile/password"
    page = browser.get("/profile/password").get_data(as_text=True)
    assert 'name="new_password"' in page
    assert browser.post("/profile/password", data={"new_password": GOOD,
                                                   "confirm_password": GOOD}).status_code == 302
    # The login before the confirmation was this browser's; it ended when the new one began.
    assert [row.revoked_at is None for row in _sessions(member)] == [False, True]


# --- deactivation -------------------------------------------------------------------------------

def test_deactivation_revokes_logins_api_tokens_and_links_and_reactivation_brings_none_back(app, login):
    admin = create_admin()
    member = create_member(email="leaving@example.test")
    browser = _log_in(app, member, remember=True)
    remember_copy = _only_remember_cookie(browser)
    _, api_token = create_token(member, "script")
    pending = _link(member)

    admin_browser = app.test_client()
    login(admin, test_client=admin_browser)
    assert admin_browser.post(f"/admin/members/{member.id}/deactivate").status_code == 302
    assert admin_browser.post(f"/admin/members/{member.id}/reactivate").status_code == 302
    db.session.refresh(member)
    assert member.active

    assert not _is_logged_in(browser) and not _is_logged_in(remember_copy)
    assert authenticate(api_token) is None
    assert db.session.scalar(select(ApiToken).where(ApiToken.member_id == member.id)).revoked_at is not None
    response = app.test_client().post(pending)
    assert response.status_code == 410
    # A new login works as usual.
    assert _is_logged_in(_log_in(app, member))


# --- login links --------------------------------------------------------------------------------

def test_a_new_login_link_cancels_the_older_unused_ones(client, app):
    member = create_member(email="twice@example.test")
    client.post("/login", data={"email": "twice@example.test"})
    first = path_of(link_in(outbox()[-1]))
    client.post("/login", data={"email": "twice@example.test"})
    second = path_of(link_in(outbox()[-1]))
    response = client.post(first)
    assert response.status_code == 410
    assert "This login link has been replaced" in response.get_data(as_text=True)
    assert client.get(first).status_code == 410
    assert client.post(second).status_code == 302
    rows = db.session.scalars(select(LoginToken).where(LoginToken.member_id == member.id)
                              .order_by(LoginToken.id)).all()
    assert rows[0].revoked_at is not None and rows[1].used_at is not None


def test_login_requests_do_the_same_work_for_members_and_others(client, app):
    """Both paths render the mail (the work that made a member's answer slow) and record the
    request; only the member's keeps the token and the mail."""
    create_member(email="member@example.test")
    rendered: list[str] = []

    def remember(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(remember, app)
    try:
        client.post("/login", data={"email": "member@example.test"})
        for_member = list(rendered)
        rendered.clear()
        client.post("/login", data={"email": "stranger@example.test"})
        for_stranger = list(rendered)
    finally:
        template_rendered.disconnect(remember, app)
    assert "email/login_link.html" in for_member
    assert for_member == for_stranger
    assert len(outbox()) == 1
    # The stranger's token is stored too, inert: it belongs to nobody and logs nobody in...
    inert = db.session.scalars(select(LoginToken).where(LoginToken.member_id.is_(None))).all()
    assert len(inert) == 1 and inert[0].used_at is None
    # ...and expired ones are cleared by later requests.
    inert[0].expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.post("/login", data={"email": "another-stranger@example.test"})
    assert len(db.session.scalars(select(LoginToken).where(LoginToken.member_id.is_(None))).all()) == 1


def test_an_inert_token_logs_nobody_in(client, app):
    from app.auth.tokens import new_login_token

    row, token = new_login_token(None)
    db.session.add(row)
    db.session.commit()
    assert client.get(f"/login/{token}").status_code == 404
    assert client.post(f"/login/{token}").status_code == 404
    assert not _is_logged_in(client)


def test_logins_that_ended_a_week_ago_are_forgotten_at_the_next_login(app):
    member = create_member()
    browser = _log_in(app, member)
    browser.post("/logout")
    _log_in(app, member, remember=True)
    old, recent = _sessions(member)
    assert old.revoked_at is not None
    old.revoked_at -= timedelta(days=8)
    recent.expires_at = utcnow() - timedelta(days=8)
    db.session.commit()
    _log_in(app, member)
    assert len(_sessions(member)) == 1


def test_ending_logins_and_asking_for_a_confirmation_link_need_the_csrf_token(app):
    member = create_member()
    browser = _log_in(app, member)
    row = _sessions(member)[0]
    app.config["WTF_CSRF_ENABLED"] = True
    for path in ("/profile/logins/end-all", f"/profile/logins/{row.id}/end", "/profile/password/confirm"):
        assert browser.post(path).status_code == 400, path
    assert _is_logged_in(browser)
    assert outbox() == []
