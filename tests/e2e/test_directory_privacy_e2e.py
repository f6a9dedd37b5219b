"""Issue 13 end to end in real Chromium, at phone size and in Danish: the directory, a profile and
its vCard, the privacy settings changing the public page, and deleting the account.

1. Anna, a member of the public group "Kaffeklub Vejle", searches the directory for "bogforing"
   (bogføring without its ø) and finds Bo first; she opens his profile card, reads what he offers
   and saves his contact as a vCard.
2. Bo opens "Privatliv og mine data" from the user menu, makes his profile public ("Alle
   (offentlig)"): a visitor who is not logged in now sees his name and company on the group's
   public page, never his e-mail or phone. He switches back to "Medlemmer af mine grupper" and the
   public page no longer lists him.
3. Bo comes back later (his login is no longer recent) and deletes his account on "Slet min konto":
   the page asks him to confirm it is him with a new login link, which he takes from the mail (on
   the development mail page, as tests/e2e/test_login_profile_e2e.py does), then types SLET. He
   sees the confirmation and is logged out. Anna's search no longer finds him, his profile card is
   a 404 for her, and the public page does not list him; in the database his row is anonymised.

Every step asserts what the person sees; the pages are found by their visible texts and the hooks
the templates carry ([data-member-id], [data-field], [data-vcard], [data-public-members]).
The test runs on SQLite and on PostgreSQL (the directory search has its own SQL on each).
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from app.extensions import db
from app.models import Competency, LoginSession, Member
from app.models.types import utcnow
from tests import factories
from tests.dbutil import fresh_postgres_database
from tests.e2e.conftest import new_page, serve
from tests.e2e.helpers import assert_clean, assert_fits, log_in, translated

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

BO = {"name": "Bo Nørgaard", "email": "bo@noergaard-regnskab.example", "phone": "+45 28 41 93 17",
      "company": "Nørgaard Regnskab ApS", "title": "Registreret revisor", "industry": "Revision og regnskab",
      "competencies": ["bogføring", "årsregnskab", "moms"],
      "offers": "Løbende bogføring og momsindberetning for små virksomheder, fast pris hver måned.",
      "seeks": "Håndværkere og butikker, der er trætte af skoæsken med bilag."}
# Realistic neighbours: one of them mentions bookkeeping too (less prominently), one is public
# from the start (so the public page has a list before and after Bo is on it).
OTHERS = [
    {"key": "anna", "name": "Anna Lykke Sørensen", "email": "anna@lykketoemrer.example",
     "company": "Lykke Tømrer og Snedker", "title": "Tømrermester", "industry": "Byggeri",
     "competencies": ["tagrenovering", "køkkenmontage"],
     "offers": "Tilbygninger, tage og nye køkkener i Trekantområdet."},
    {"key": "carl", "name": "Carl Ærøe Madsen", "email": "carl@aeroe-it.example",
     "company": "Ærøe IT", "title": "Udvikler", "industry": "IT",
     "competencies": ["webshop", "integrationer"],
     "offers": "Webshops med integration til dit bogføringssystem.", "profile_visibility": "public"},
    {"key": "dorte", "name": "Dorte Bøgh", "email": "dorte@boegh-design.example",
     "company": "Bøgh Design", "title": "Grafiker", "industry": "Reklame og design",
     "competencies": ["logo", "tryksager"], "offers": "Logoer, visitkort og skilte."},
]


def _pages_for(browser, server):
    """New phone-sized pages: logged in as a member, or anonymous."""
    opened = []

    def page(member_id: int | None = None):
        new = new_page(browser, viewport=PHONE)
        opened.append(new)
        if member_id is not None:
            log_in(server, new, member_id)
        return new

    return page, opened


def _settled(page) -> None:
    assert_fits(page)
    assert_clean(page)


def _unfold_menu(page) -> None:
    """At 390 px the top bar's menu is folded behind the toggler: open it as a person would."""
    toggler = page.locator("nav .navbar-toggler")
    expect(toggler).to_be_visible()
    if toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))


def _open_privacy_page(server, page) -> None:
    """The user menu (the member's name in the top bar) -> "Privatliv og mine data"."""
    _unfold_menu(page)
    page.locator("#user-menu").click()
    expect(page.locator("#user-menu")).to_have_attribute("aria-expanded", "true")
    page.locator("nav .dropdown-menu").get_by_role(
        "link", name=translated(server, "Privacy and my data"), exact=True).click()
    page.wait_for_url(f"{server.url}/profile/privacy")
    expect(page.locator("h1")).to_have_text(translated(server, "Privacy and my data"))
    expect(page.locator("h1")).to_have_text("Privatliv og mine data")  # the Danish the issue names
    _settled(page)


def _set_profile_level(server, page, level_msgid: str) -> None:
    """Choose who sees the profile (the "Profil" radios) and save; the page says it was saved."""
    group = page.get_by_role("group", name=translated(server, "Profile"), exact=True)
    choice = group.get_by_label(translated(server, level_msgid), exact=True)
    choice.check()
    with page.expect_navigation():
        page.get_by_role("button", name=translated(server, "Save privacy settings")).click()
    expect(page.locator("main .alert-success")).to_have_text(
        translated(server, "Your privacy settings were saved."))
    expect(page.get_by_role("group", name=translated(server, "Profile"), exact=True)
           .get_by_label(translated(server, level_msgid), exact=True)).to_be_checked()
    _settled(page)


def _search(server, page, query: str):
    """Search the directory as Anna types it; returns the result cards."""
    page.goto(f"{server.url}/members")
    expect(page.locator("h1")).to_have_text(translated(server, "Members"))
    page.get_by_role("searchbox").fill(query)
    with page.expect_navigation():
        page.get_by_role("button", name=translated(server, "Search"), exact=True).click()
    expect(page.get_by_role("searchbox")).to_have_value(query)
    _settled(page)
    return page.locator("[data-member-id]")


def _public_members(server, page, slug: str):
    """The group's public page as an anonymous visitor sees it (a fresh load); its member list."""
    page.goto(f"{server.url}/groups/{slug}")
    expect(page.locator("h1")).to_have_text("Kaffeklub Vejle")
    members = page.locator("[data-public-members]")
    expect(members).to_be_visible()
    _settled(page)
    return members


def _network(server) -> dict:
    """A public group with four members with Danish profiles, all in it."""
    with server.app_context():
        group = factories.create_group(name="Kaffeklub Vejle", slug="vejle", is_public=True,
                                       description="Morgenmøde hver anden torsdag på havnen.")
        ids = {}
        for profile in [BO | {"key": "bo"}, *OTHERS]:
            fields = {k: v for k, v in profile.items() if k not in ("key", "competencies")}
            member = factories.create_member(groups=[group], **fields)
            member.competencies = [Competency(name=name) for name in profile["competencies"]]
            ids[profile["key"]] = member.id
        db.session.commit()
        return {"slug": group.slug, **ids}


def _confirm_by_login_link(server, page, email: str) -> None:
    """The delete page wants a recent login: send the link, take it from the mail, log in again."""
    base = server.url
    page.get_by_role("button", name=translated(server, "Send me a login link to confirm")).click()
    page.wait_for_url(f"{base}/login/sent")
    expect(page.locator("main")).to_contain_text(email)
    _settled(page)
    # The mail, on the development mail page (as the login e2e test reads it).
    page.goto(f"{base}/dev/mail")
    rows = page.locator("main .list-group-item").filter(has_text=email)
    expect(rows.first).to_be_visible()
    rows.first.get_by_role("link").click()  # newest first
    page.wait_for_url(re.compile(r".*/dev/mail/\d+$"))
    link = page.get_by_test_id("mail-text").locator("a[href*='/login/']")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href is not None and href.startswith(base + "/login/")
    link.click()
    page.wait_for_url(href.split("?")[0] + "*")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/profile/delete")


@pytest.mark.timeout(300)  # one long story through four browsers (about a minute alone; more on a busy CI)
@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"])
def test_search_profile_vcard_public_page_and_delete_account(browser, tmp_path, database_url):
    with ExitStack() as stack:
        config = {"MAIL_SERVER": "", "DEV_MAIL_PAGE": True}
        if database_url == "postgresql":
            config["SQLALCHEMY_DATABASE_URI"] = stack.enter_context(fresh_postgres_database())
        server = stack.enter_context(serve(tmp_path, **config))
        page_for, opened = _pages_for(browser, server)
        stack.callback(lambda: [p.context.close() for p in opened])
        _story(server, page_for)


def _story(server, page_for) -> None:
    ids = _network(server)
    base, slug = server.url, ids["slug"]
    bo_card_url = f"{base}/members/{ids['bo']}"

    # 1. Anna searches for "bogforing" (no ø) and finds Bo first
    anna = page_for(ids["anna"])
    cards = _search(server, anna, "bogforing")
    expect(cards.first).to_contain_text(BO["name"])
    expect(cards.first).to_contain_text(BO["company"])
    expect(cards.first.locator(".badge", has_text="bogføring")).to_have_count(1)
    # ... she opens his profile card and reads what he offers
    with anna.expect_navigation():
        cards.first.get_by_role("link", name=BO["name"]).click()
    assert anna.url == bo_card_url
    expect(anna.locator("h1")).to_have_text(BO["name"])
    expect(anna.locator("[data-field=title-company]")).to_have_text(f"{BO['title']}, {BO['company']}")
    expect(anna.get_by_role("heading", name=translated(server, "What I offer"))).to_be_visible()
    expect(anna.locator("[data-field=offers]")).to_have_text(BO["offers"])
    expect(anna.locator("[data-field=seeks]")).to_have_text(BO["seeks"])
    expect(anna.locator("[data-field=contact]")).to_contain_text(BO["email"])
    _settled(anna)
    # ... and saves him as a contact
    vcard_link = anna.locator("[data-vcard]")
    expect(vcard_link).to_have_text(translated(server, "Save contact (vCard)"))
    with anna.expect_download() as download_info:
        vcard_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".vcf"), download.suggested_filename
    vcard = open(download.path(), encoding="utf-8").read()
    assert vcard.startswith("BEGIN:VCARD") and "END:VCARD" in vcard
    assert f"FN:{BO['name']}" in vcard.replace("\r\n ", "")  # unfolded
    assert BO["company"] in vcard
    # the same link, asked with her cookies: what a contacts app is told the file is
    response = anna.context.request.get(base + vcard_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/vcard")
    assert "attachment" in response.headers["content-disposition"]
    assert download.suggested_filename in response.headers["content-disposition"]

    # 2. Before: the public page lists Carl (public from the start), not Bo
    visitor = page_for()
    listed = _public_members(server, visitor, slug)
    expect(listed).to_contain_text(OTHERS[1]["name"])
    expect(listed).not_to_contain_text(BO["name"])

    # Bo makes his profile public from "Privatliv og mine data"
    bo = page_for(ids["bo"])
    bo.goto(f"{base}/")
    _open_privacy_page(server, bo)
    profile_group = bo.get_by_role("group", name=translated(server, "Profile"), exact=True)
    expect(profile_group.get_by_label("Alle (offentlig)", exact=True)).not_to_be_checked()
    expect(profile_group.get_by_label(translated(server, "Members of my groups"), exact=True)).to_be_checked()
    _set_profile_level(server, bo, "Everyone (public)")

    # a visitor (not logged in) now sees his name and company, never his e-mail or phone
    listed = _public_members(server, visitor, slug)
    expect(listed).to_contain_text(BO["name"])
    bo_entry = listed.locator("li").filter(has_text=BO["name"])
    expect(bo_entry).to_contain_text(BO["company"])
    expect(bo_entry).to_contain_text(BO["industry"])
    html = visitor.content()
    assert BO["email"] not in html
    assert BO["phone"] not in html and BO["phone"].replace(" ", "") not in html

    # Bo changes his mind: members of his groups only; a new page no longer lists him
    _set_profile_level(server, bo, "Members of my groups")
    listed = _public_members(server, visitor, slug)
    expect(listed).to_contain_text(OTHERS[1]["name"])
    expect(listed).not_to_contain_text(BO["name"])
    fresh_visitor = page_for()
    listed = _public_members(server, fresh_visitor, slug)
    expect(listed).not_to_contain_text(BO["name"])
    assert BO["company"] not in fresh_visitor.content()

    # 3. Later: Bo's login is no longer recent (an hour has passed since he logged in)
    with server.app_context():
        db.session.execute(update(LoginSession).where(LoginSession.member_id == ids["bo"])
                           .values(created_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    bo.goto(f"{base}/")
    _open_privacy_page(server, bo)
    with bo.expect_navigation():
        bo.get_by_role("link", name=translated(server, "Delete my account"), exact=True).click()
    bo.wait_for_url(f"{base}/profile/delete")
    expect(bo.locator("h1")).to_have_text(translated(server, "Delete my account"))
    expect(bo.locator("h1")).to_have_text("Slet min konto")
    _settled(bo)
    # the page asks for a recent login first: a new login link by mail, back to this page
    expect(bo.locator("main [role=status]")).to_contain_text(translated(
        server, "For your safety, this needs a login from the last %(minutes)d minutes. We send you a login "
        "link; it brings you back to this page.", minutes=server.app.config["FRESH_LOGIN_MINUTES"]))
    expect(bo.get_by_role("textbox")).to_have_count(0)  # no deletion form yet
    _confirm_by_login_link(server, bo, BO["email"])
    expect(bo.locator("h1")).to_have_text(translated(server, "Delete my account"))
    _settled(bo)
    confirmation = bo.get_by_label(translated(server, "Type your e-mail address or SLET"))
    confirmation.fill("SLET")
    with bo.expect_navigation():
        bo.get_by_role("button", name=translated(server, "Delete my account"), exact=True).click()
    bo.wait_for_url(f"{base}/")
    expect(bo.locator("main .alert-success")).to_have_text(
        translated(server, "Your account is deleted. Thank you for the coffee, and all the best!"))
    expect(bo.locator("main .alert-success")).to_contain_text("Din konto er slettet")
    expect(bo.locator("#user-menu")).to_have_count(0)  # logged out
    _settled(bo)
    bo.goto(f"{base}/members")
    assert "/login" in bo.url  # the directory asks him to log in

    # Anna's search no longer finds him, and his profile card is gone for her
    _search(server, anna, "bogforing")
    expect(anna.locator("main")).not_to_contain_text(BO["name"])
    expect(anna.locator("main")).not_to_contain_text(BO["company"])
    response = anna.goto(bo_card_url)
    assert response is not None and response.status == 404
    expect(anna.locator("main")).to_contain_text(
        translated(server, "The address may be mistyped, or the page has been moved or removed."))
    expect(anna.locator("main")).not_to_contain_text(BO["name"])
    anna.wait_for_load_state("networkidle")
    # Chromium logs every 4xx document as a console error; nothing else may be there.
    assert [e for e in anna.errors if "status of 404" not in e] == []
    anna.errors.clear()
    _search(server, anna, "Nørgaard")
    expect(anna.locator("[data-member-id]")).to_have_count(0)
    # ... nor does the public page list him
    listed = _public_members(server, page_for(), slug)
    expect(listed).to_contain_text(OTHERS[1]["name"])
    expect(listed).not_to_contain_text(BO["name"])

    # the row is anonymised
    with server.app_context():
        row = db.session.scalar(select(Member).where(Member.id == ids["bo"]))
        assert row.deleted_at is not None and not row.active
        assert row.email == f"deleted-{ids['bo']}@deleted.invalid"
        assert row.name != BO["name"] and "Nørgaard" not in row.name
        assert (row.phone, row.company, row.offers or "", row.seeks or "") == ("", "", "", "")
        assert row.competencies == []
