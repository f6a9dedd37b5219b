"""Ask the network in real Chromium: a member asks and raises it at the next meeting, reload and
Back send nothing twice; a second member answers privately ("kun til <spørgeren>"), which a third
member and the organizer never see; the organizer hides a request with a reason and the author
sees it marked with the reason while the other members no longer find it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.models.social import HelpRequest, RequestAnswer
from tests import factories
from tests.e2e.conftest import new_page
from tests.e2e.helpers import assert_clean, assert_fits, log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _count(server, model) -> int:
    with server.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_ask_answer_privately_and_hide(browser, tmp_path):
    from tests.e2e.conftest import serve

    with serve(tmp_path, MAIL_SERVER="", DEV_MAIL_PAGE=True) as server:
        with server.app_context():
            group = factories.create_group(name="Kaffeklub Vejle", slug="vejle")
            other = factories.create_group(name="Kaffeklub Kolding", slug="kolding")
            anna = factories.create_member(groups=[group, other], name="Anna Andersen")
            bo = factories.create_member(groups=[group], name="Bo Bech")
            dorte = factories.create_member(groups=[group], name="Dorte Dahl")
            olga = factories.create_organizer(group, name="Olga Organisator")
            meeting = factories.create_meeting(group=group, title="Morgenmøde i Vejle")
            ids = {"anna": anna.id, "bo": bo.id, "dorte": dorte.id, "olga": olga.id,
                   "group": group.id, "meeting": meeting.id}

        # Anna asks Vejle, raises it at the next meeting
        page = new_page(browser, viewport=PHONE)
        log_in(server, page, ids["anna"])
        page.goto(f"{server.url}/asks/new")
        form = page.locator("[data-ask-form]")
        form.locator("#title").fill("Et lokale til 40 personer")
        form.locator("#category").select_option("premises")
        form.locator(f'input[name=group_ids][value="{ids["group"]}"]').check()
        form.locator("#raise_at_group_id").select_option(str(ids["group"]))
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        request_url = page.url
        expect(page.locator("[data-request] h1")).to_contain_text("Et lokale til 40 personer")
        assert_fits(page)
        assert_clean(page)
        page.reload()
        page.go_back()
        page.go_forward()
        assert _count(server, HelpRequest) == 1
        # on the meeting's page under the agenda
        page.goto(f"{server.url}/meetings/{ids['meeting']}")
        expect(page.locator("[data-meeting-requests]")).to_contain_text("Et lokale til 40 personer")

        # Bo answers privately
        bo_page = new_page(browser, viewport=PHONE)
        log_in(server, bo_page, ids["bo"])
        bo_page.goto(request_url)
        answer = bo_page.locator("[data-answer-form]")
        answer.locator("#body").fill("Vores kantine har plads; skriv til mig.")
        answer.locator("#private").check()
        with bo_page.expect_navigation():
            answer.locator("button[type=submit]").click()
        expect(bo_page.locator("[data-answer][data-private]")).to_contain_text("Vores kantine")
        bo_page.reload()
        assert _count(server, RequestAnswer) == 1
        assert_clean(bo_page)

        # Anna sees it; Dorte and the organizer do not
        page.goto(request_url)
        expect(page.locator("[data-answer]")).to_contain_text("Vores kantine")
        for who in ("dorte", "olga"):
            viewer = new_page(browser, viewport=PHONE)
            log_in(server, viewer, ids[who])
            viewer.goto(request_url)
            expect(viewer.locator("[data-request] h1")).to_contain_text("Et lokale")
            assert "Vores kantine" not in viewer.content()
            viewer.context.close()

        # the organizer hides the request with a reason
        organizer = new_page(browser, viewport=PHONE)
        log_in(server, organizer, ids["olga"])
        organizer.goto(request_url)
        organizer.click("[data-hide-request]")
        organizer.locator("[data-hide-form] #reason").fill("Hører ikke til her")
        with organizer.expect_navigation():
            organizer.locator("[data-hide-form] button[type=submit]").click()
        expect(organizer.locator("[data-hidden-reason]")).to_contain_text("Hører ikke til her")
        assert_clean(organizer)
        page.goto(request_url)
        expect(page.locator("[data-hidden-reason]")).to_contain_text("Hører ikke til her")
        dorte_page = new_page(browser, viewport=PHONE)
        log_in(server, dorte_page, ids["dorte"])
        response = dorte_page.goto(request_url)
        assert response is not None and response.status == 404
        dorte_page.goto(f"{server.url}/asks")
        assert "Et lokale til 40 personer" not in dorte_page.content()
        for p in (page, bo_page, organizer, dorte_page):
            p.context.close()
