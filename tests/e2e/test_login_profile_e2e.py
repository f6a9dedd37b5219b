"""Issue 2 acceptance in real Chromium: log in by emailed link, edit the profile, switch language, log out.

The login link is read the way a developer would: on the development mail page (/dev/mail), by
clicking the link in the captured message's text part. Every page is checked for console errors,
which include Chromium's reports of Content-Security-Policy violations.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import new_page

pytestmark = pytest.mark.e2e

REMEMBER_COOKIE = "remember_token"  # Flask-Login's default name


@contextmanager
def _in_request(live_server):
    with live_server.app.test_request_context("/"):
        yield


def _translated(live_server, msgid: str, lang: str) -> str:
    """The UI string as the app renders it in `lang` (whatever the catalog holds at the time)."""
    with _in_request(live_server), force_locale(lang):
        return _(msgid)


def _assert_clean(page) -> None:
    """No script errors and no CSP violations on the page so far."""
    page.wait_for_load_state("networkidle")
    assert page.errors == [], page.errors


@pytest.fixture
def world(live_server):
    """A group and a member of it (plus a second member, so the member list has more than one row)."""
    with live_server.app_context():
        group = factories.create_group(name="Kaffeklub Herning", slug="herning")
        member = factories.create_member(name="Mette Jensen", email="mette@example.test",
                                         company="Gammelt Firma ApS", groups=[group])
        factories.create_member(name="Ole Hansen", email="ole@example.test", company="Ole's VVS",
                                groups=[group])
        return {"slug": group.slug, "email": member.email, "name": member.name, "id": member.id}


def _log_in_by_link(live_server, page, email: str, *, remember: bool) -> str:
    """Log in through the mail page and the confirm page; returns the login link that was used."""
    base = live_server.url
    page.goto(base + "/login")
    _assert_clean(page)
    page.get_by_label(_translated(live_server, "Email address", "da")).fill(email)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/login/sent")
    assert email in page.locator("main").inner_text()
    _assert_clean(page)

    # The captured mail, on the development mail page.
    page.goto(base + "/dev/mail")
    _assert_clean(page)
    rows = page.locator("main .list-group-item").filter(has_text=email)
    expect(rows.first).to_be_visible()
    rows.first.get_by_role("link").click()  # newest first: earlier links no longer work
    page.wait_for_url(re.compile(r".*/dev/mail/\d+$"))
    _assert_clean(page)

    # The real link in the message's text part (the HTML part sits in a sandboxed iframe).
    mail_text = page.get_by_test_id("mail-text")
    link = mail_text.locator("a[href*='/login/']")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href is not None and href.startswith(base + "/login/")
    link.click()
    page.wait_for_url(href.split("?")[0] + "*")

    # The confirmation page: GET does not log in (mail scanners prefetch links).
    expect(page.locator("h1")).to_contain_text(_translated(live_server, "Log in as %(name)s", "da")
                                               .replace("%(name)s", "").strip())
    assert REMEMBER_COOKIE not in {c["name"] for c in page.context.cookies()}
    _assert_clean(page)
    remember_box = page.get_by_label(_translated(live_server, "Remember me on this device", "da"))
    expect(remember_box).not_to_be_checked()
    if remember:
        remember_box.check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/")
    _assert_clean(page)
    return href


def _logout_button(page):
    return page.locator("nav form[action$='/logout'] button")


def _unfold_menu(page) -> None:
    """Below the widest screens the top bar's menu is folded behind the toggler: open it."""
    toggler = page.locator("nav .navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))


def _open_user_menu(page):
    """The member's name in the top bar opens a menu (Bootstrap's dropdown script) with profile and logout."""
    _unfold_menu(page)
    menu_button = page.locator("#user-menu")
    menu_button.click()
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    return page.locator("nav .dropdown-menu")


@pytest.mark.parametrize("remember", [False, True], ids=["session-only", "remember-me"])
def test_login_by_mail_link_edit_profile_switch_language_and_log_out(live_server, page, world, remember):
    base = live_server.url
    _log_in_by_link(live_server, page, world["email"], remember=remember)

    # Logged in: the welcome message, the member's name in the top bar and the logout button.
    welcome = _translated(live_server, "Welcome, %(name)s! You are logged in.", "da")
    expect(page.locator("main .alert-success")).to_have_text(welcome.replace("%(name)s", world["name"]))
    expect(page.locator("#user-menu")).to_have_text(world["name"])
    expect(_logout_button(page)).to_be_hidden()  # until the menu is opened

    cookies = {c["name"]: c for c in page.context.cookies()}
    if remember:
        assert REMEMBER_COOKIE in cookies
        assert cookies[REMEMBER_COOKIE]["expires"] > 0  # a persistent cookie
        assert cookies[REMEMBER_COOKIE]["httpOnly"] is True
    else:
        assert REMEMBER_COOKIE not in cookies
        assert cookies["session"]["expires"] == -1  # ends with the browser

    # The profile page: change company, competencies and other language-independent fields.
    menu = _open_user_menu(page)
    expect(_logout_button(page)).to_be_visible()
    menu.get_by_role("link", name=_translated(live_server, "My profile", "da"), exact=True).click()
    page.wait_for_url(base + "/profile")
    _assert_clean(page)
    expect(page.locator("#company")).to_have_value("Gammelt Firma ApS")
    page.locator("#company").fill("Nyt Firma A/S")
    page.locator("#competencies").fill("bogføring, lønadministration, webdesign")
    page.locator("#phone").fill("+45 20 30 40 50")
    page.locator("#website").fill("https://www.nytfirma.dk")
    page.locator("#title").fill("Indehaver")
    page.locator("#industry").fill("Revision")
    # (The page has more forms: the list of logins with its log-out buttons.)
    page.get_by_role("button", name=_translated(live_server, "Save profile", "da")).click()
    page.wait_for_url(base + "/profile")
    _assert_clean(page)
    expect(page.locator("main .alert-success")).to_have_text(
        _translated(live_server, "Your profile was saved.", "da"))
    expect(page.locator("#company")).to_have_value("Nyt Firma A/S")
    expect(page.locator("#phone")).to_have_value("+45 20 30 40 50")
    expect(page.locator("#website")).to_have_value("https://www.nytfirma.dk")
    expect(page.locator("#title")).to_have_value("Indehaver")
    expect(page.locator("#industry")).to_have_value("Revision")
    competencies = page.locator("#competencies").input_value()
    assert {c.strip() for c in competencies.split(",")} == {"bogføring", "lønadministration", "webdesign"}

    # The profile card shows the new values too.
    page.goto(f"{base}/members/{world['id']}")
    _assert_clean(page)
    card = page.locator("main")
    expect(card).to_contain_text("Indehaver, Nyt Firma A/S")
    for name in ("bogføring", "lønadministration", "webdesign"):
        expect(card.locator(".badge", has_text=name)).to_have_count(1)

    # The group's member list shows the new company.
    page.goto(f"{base}/groups/{world['slug']}/members")
    _assert_clean(page)
    row = page.locator(f"[data-member-id='{world['id']}']")
    expect(row).to_contain_text("Nyt Firma A/S")
    expect(row).not_to_contain_text("Gammelt Firma")
    expect(page.locator("main")).to_contain_text("Ole's VVS")

    # Switch language with the switch in the top bar: Danish -> English, on the same page.
    assert page.locator("html").get_attribute("lang") == "da"
    da_logout = _translated(live_server, "Log out", "da")
    en_logout = _translated(live_server, "Log out", "en")
    da_members = _translated(live_server, "Members of %(name)s", "da")
    expect(_logout_button(page)).to_have_text(da_logout)
    _unfold_menu(page)
    page.locator("nav button[data-lang='en']").click()
    page.wait_for_url(f"{base}/groups/{world['slug']}/members")
    _assert_clean(page)
    assert page.locator("html").get_attribute("lang") == "en"
    expect(_logout_button(page)).to_have_text(en_logout)
    expect(page.locator("h1")).to_have_text("Members of Kaffeklub Herning")
    expect(page.locator("nav button[data-lang='en']")).to_have_attribute("aria-current", "true")
    if da_members != "Members of %(name)s":  # the Danish catalog is translated: the text really changed
        expect(page.locator("h1")).not_to_have_text(da_members.replace("%(name)s", "Kaffeklub Herning"))
    # The choice is stored on the member and survives a new page.
    page.goto(base + "/profile")
    _assert_clean(page)
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("#language")).to_have_value("en")

    # Log out: back on the start page, logged out, the remember cookie gone.
    _open_user_menu(page)
    _logout_button(page).click()
    page.wait_for_url(base + "/")
    _assert_clean(page)
    expect(page.locator("main .alert-success")).to_have_text(
        _translated(live_server, "You are logged out. See you at the next breakfast!", "en"))
    expect(_logout_button(page)).to_have_count(0)
    expect(page.locator("nav a[href='/login']")).to_be_visible()
    assert REMEMBER_COOKIE not in {c["name"] for c in page.context.cookies() if c["value"]}
    page.goto(base + "/profile")
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    _assert_clean(page)


def test_a_used_login_link_cannot_be_used_again(live_server, page, world):
    link = _log_in_by_link(live_server, page, world["email"], remember=False)
    _open_user_menu(page)
    _logout_button(page).click()
    page.wait_for_url(live_server.url + "/")
    response = page.goto(link)
    assert response is not None and response.status == 410
    page.wait_for_load_state("networkidle")
    # Chromium logs every 4xx document as a console error; nothing else may be there.
    assert [e for e in page.errors if "status of 410" not in e] == []
    expect(page.locator("h1")).to_have_text(
        _translated(live_server, "This login link has already been used", "da"))


@pytest.fixture
def phone_page(browser):
    page = new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


def test_phone_navbar_collapses_and_the_toggler_opens_it(live_server, phone_page, world):
    page = phone_page
    page.goto(live_server.url + "/")
    _assert_clean(page)
    toggler = page.locator("nav .navbar-toggler")
    menu = page.locator("#mainnav")
    login_link = menu.locator("a[href='/login']")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(login_link).to_be_hidden()

    toggler.click()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))  # Bootstrap's collapse JS ran
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(login_link).to_be_visible()
    expect(menu.locator("button[data-lang='en']")).to_be_visible()
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    login_link.click()
    page.wait_for_url(live_server.url + "/login")
    expect(page.locator("#mainnav")).not_to_have_class(re.compile(r"\bshow\b"))
    _assert_clean(page)
    # Bootstrap's script is served from this server (CSP script-src 'self'), not a CDN.
    scripts = page.locator("script[src]").evaluate_all("els => els.map(e => e.src)")
    assert scripts and all(src.startswith(live_server.url + "/") for src in scripts)
    assert any("bootstrap" in src for src in scripts)


def test_phone_menu_of_a_logged_in_member_reaches_profile_and_logout(live_server, phone_page, world):
    page = phone_page
    base = live_server.url
    _log_in_by_link(live_server, page, world["email"], remember=False)
    page.locator("nav .navbar-toggler").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    menu = _open_user_menu(page)
    expect(menu).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    menu.get_by_role("link", name=_translated(live_server, "My profile", "da"), exact=True).click()
    page.wait_for_url(base + "/profile")
    _assert_clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.locator("nav .navbar-toggler").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))  # opened, not opening
    _open_user_menu(page)
    expect(_logout_button(page)).to_be_visible()
    _logout_button(page).click()
    page.wait_for_url(base + "/")
    _assert_clean(page)
    expect(page.locator("#user-menu")).to_have_count(0)


def _new_page(browser):
    return new_page(browser)


def _is_logged_in(page, base: str) -> bool:
    page.goto(base + "/")
    return page.locator("#user-menu").count() == 1


def test_logins_listed_on_the_profile_end_per_device_and_copied_cookies_die_with_logout(
        live_server, page, browser, world):
    """Two devices; a thief's copy of the phone's cookies. Logging the phone out from the laptop's
    list ends the copy too; then the laptop's own logout ends the laptop's login."""
    base = live_server.url
    phone = _new_page(browser)
    try:
        _log_in_by_link(live_server, phone, world["email"], remember=True)
        thief = _new_page(browser)
        thief.context.add_cookies(phone.context.cookies())
        assert _is_logged_in(thief, base)

        _log_in_by_link(live_server, page, world["email"], remember=False)
        page.goto(base + "/profile")
        _assert_clean(page)
        logins = page.locator("#logins + ul > li")
        expect(logins).to_have_count(2)
        this_device = _translated(live_server, "This device", "da")
        expect(logins.first).to_contain_text(this_device)
        expect(logins.nth(1)).not_to_contain_text(this_device)
        logins.nth(1).get_by_role("button").click()
        page.wait_for_url(base + "/profile#logins")
        _assert_clean(page)
        expect(page.locator("#logins + ul > li")).to_have_count(1)

        assert not _is_logged_in(phone, base)
        assert not _is_logged_in(thief, base)
        assert _is_logged_in(page, base)

        page.goto(base + "/profile")
        page.get_by_role("button", name=_translated(live_server, "Log out everywhere", "da")).click()
        page.wait_for_url(base + "/login")
        _assert_clean(page)
        assert not _is_logged_in(page, base)
    finally:
        phone.context.close()
