"""Social capital end to end in real Chromium, at phone size: Anna asks her group for help, Bo
answers "Tal med Carl", Anna marks the request solved naming Bo and Carl and thanks Bo for the
business with 12.500 kr. (and would like it on the thank-you wall). Bo agrees to the wall. All three
see it on their pages: the request solved, the help and the thanks on their give-and-take pages,
the amount only on Anna's and Bo's. Dorte, a fourth member of the group, sees the thanks on the
group's thank-you wall and on Bo's give-and-take page, and the amount nowhere: not in any page's
HTML, nor in a mail to anyone but the two.

The pages are found by their hooks and form field ids: [data-ask-form], [data-answer-form],
[data-solve-form], [data-thanks-form], [data-wall-answer], [data-solved], [data-count=...],
[data-recent], [data-amount], [data-thanks-wall] / [data-wall-item].
"""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import HelpRecord, HelpRequest, OutboxMessage, Thanks
from tests import factories
from tests.e2e.conftest import new_page
from tests.e2e.helpers import assert_clean, assert_fits, log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
TITLE = "En bogholder med forstand på byggeri"
# 12.500 kr. however a page might write it: 12500, 12.500, 12,500, 12 500 (any space)
AMOUNT = re.compile(r"12[.,\s\u00a0\u202f]?500")


def _texts(raw: str) -> str:
    """The decoded text of every text part of a MIME message (its bodies may be quoted-printable)."""
    message = email.message_from_string(raw, policy=policy.default)
    parts = [message.get("Subject", "")]
    parts += [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    return "\n".join(parts)


def _phone(browser, server, member_id):
    page = new_page(browser, viewport=PHONE)
    log_in(server, page, member_id)
    return page


def _settled(page) -> None:
    assert_fits(page)
    assert_clean(page)


def test_ask_refer_solve_thank_and_only_the_two_see_the_amount(browser, tmp_path):
    from tests.e2e.conftest import serve

    with serve(tmp_path, MAIL_SERVER="", DEV_MAIL_PAGE=True) as server:
        with server.app_context():
            group = factories.create_group(name="Kaffeklub Vejle", slug="vejle")
            anna = factories.create_member(groups=[group], name="Anna Andersen", company="Andersen Tag ApS")
            bo = factories.create_member(groups=[group], name="Bo Bech", company="Bech Revision")
            carl = factories.create_member(groups=[group], name="Carl Clausen", company="Clausen Bogføring")
            dorte = factories.create_member(groups=[group], name="Dorte Dahl", company="Dahl Design")
            ids = {"anna": anna.id, "bo": bo.id, "carl": carl.id, "dorte": dorte.id}
            emails = {name: m.email for name, m in
                      (("anna", anna), ("bo", bo), ("carl", carl), ("dorte", dorte))}
            slug = group.slug

        # 1. Anna asks the network on her phone
        asker = _phone(browser, server, ids["anna"])
        asker.goto(f"{server.url}/asks")
        asker.click("[data-ask-button]")
        form = asker.locator("[data-ask-form]")
        form.locator("#title").fill(TITLE)
        form.locator("#body").fill("Vi vokser og skal have hjælp til regnskabet.")
        expect(form.locator("input[name=group_ids]")).to_be_checked()  # her only group is chosen for her
        with asker.expect_navigation():
            form.locator("button[type=submit]").click()
        request_link = asker.url
        assert re.search(r"/asks/\d+$", request_link), request_link
        expect(asker.locator("[data-request] h1")).to_contain_text(TITLE)
        _settled(asker)
        with server.app_context():
            request_id = db.session.scalar(select(HelpRequest.id).where(HelpRequest.title == TITLE))

        # 2. Bo finds it in the list and answers "Tal med Carl", publicly
        referrer = _phone(browser, server, ids["bo"])
        referrer.goto(f"{server.url}/asks")
        referrer.locator(f'[data-request-id="{request_id}"] a').first.click()
        expect(referrer.locator("[data-request] h1")).to_contain_text(TITLE)
        answer = referrer.locator("[data-answer-form]")
        answer.locator('input[name=kind][value="referral"]').check()
        answer.locator("#referred_member_id").select_option(str(ids["carl"]))
        answer.locator("#body").fill("Carl har lavet vores bogholderi i fem år. Ring bare til ham.")
        with referrer.expect_navigation():
            answer.locator("button[type=submit]").click()
        posted = referrer.locator("[data-answer]").filter(has_text="Carl Clausen")
        expect(posted).to_have_count(1)
        expect(posted).to_contain_text("Ring bare til ham")
        _settled(referrer)

        # 3. Anna sees the answer, marks the request solved naming Bo and Carl
        asker.goto(request_link)
        expect(asker.locator("[data-answer]").filter(has_text="Bo Bech")).to_contain_text("Carl Clausen")
        solve = asker.locator("[data-solve-form]")
        solve.locator(f'input[name=helper_ids][value="{ids["bo"]}"]').check()
        solve.locator(f'input[name=helper_ids][value="{ids["carl"]}"]').check()
        with asker.expect_navigation():
            solve.locator("button[type=submit]").click()
        solved = asker.locator("[data-solved]")
        expect(solved).to_contain_text("Bo Bech")
        expect(solved).to_contain_text("Carl Clausen")
        expect(asker.locator("[data-solve-form]")).to_have_count(0)
        _settled(asker)

        # 4. ... and thanks Bo for the business with 12.500 kr., on the wall if Bo agrees
        # (from the solved request itself: it offers a thank-you to each helper and for business)
        thank_carl = f'[data-thank-helpers] a[href="/thanks/help/new?to={ids["carl"]}"]'
        expect(asker.locator(thank_carl)).to_be_visible()
        asker.click('[data-thank-helpers] a[href="/thanks/new"]')
        thanks = asker.locator("[data-thanks-form]")
        thanks.locator("#thanked_id").select_option(str(ids["bo"]))
        thanks.locator("#amount_dkk").fill("12.500")
        thanks.locator("#message").fill("Tak for tippet om Carl: det blev til en god opgave.")
        thanks.locator("#wall_by_thanker").check()
        with asker.expect_navigation():
            thanks.locator("button[type=submit]").click()
        assert re.search(r"/thanks/\d+$", asker.url), asker.url
        thanks_link = asker.url
        expect(asker.locator("[data-amount]")).to_contain_text("12.500 kr.")
        _settled(asker)
        with server.app_context():
            row = db.session.scalar(select(Thanks))
            assert (row.thanker_id, row.thanked_id, row.kind) == (ids["anna"], ids["bo"], "business")
            assert row.amount_dkk == 12500
            helped = db.session.scalars(select(HelpRecord).where(HelpRecord.request_id == request_id)).all()
            assert {(h.giver_id, h.receiver_id) for h in helped} == {(ids["bo"], ids["anna"]),
                                                                     (ids["carl"], ids["anna"])}

        # 5. Bo sees the thanks with the amount on his give-and-take page, opens it and agrees to the wall
        referrer.goto(f"{server.url}/give-and-take")
        expect(referrer.locator('[data-count="help_given"] td')).to_have_text(re.compile(r"^\s*1\b"))
        expect(referrer.locator('[data-count="answers_given"] td')).to_have_text(re.compile(r"^\s*1\b"))
        recent_thanks = referrer.locator("[data-recent] [data-item^='thanks-']")
        expect(recent_thanks).to_contain_text("Anna Andersen")
        expect(recent_thanks.locator("[data-amount]")).to_contain_text("12.500 kr.")
        _settled(referrer)
        with referrer.expect_navigation():
            recent_thanks.locator("a").click()
        assert referrer.url == thanks_link
        expect(referrer.locator("[data-amount]")).to_contain_text("12.500 kr.")
        with referrer.expect_navigation():
            referrer.click("[data-wall-answer]")
        expect(referrer.locator("[data-wall-answer]")).to_have_class(re.compile(r"btn-outline-secondary"))
        _settled(referrer)
        # ... and the request shows solved for him too
        referrer.goto(request_link)
        expect(referrer.locator("[data-solved]")).to_be_visible()

        # 6. Anna's give-and-take: help received twice, the thanks she gave with the amount
        asker.goto(f"{server.url}/give-and-take")
        expect(asker.locator('[data-count="help_received"] td')).to_have_text(re.compile(r"^\s*2\b"))
        expect(asker.locator('[data-count="requests_asked"] td')).to_contain_text("1")
        given = asker.locator("[data-recent] [data-item^='thanks-']")
        expect(given).to_contain_text("Bo Bech")
        expect(given.locator("[data-amount]")).to_contain_text("12.500 kr.")
        _settled(asker)

        # 7. Carl, who was referred: the request solved with his name, his help counted, no amount anywhere
        carl_page = _phone(browser, server, ids["carl"])
        carl_page.goto(request_link)
        expect(carl_page.locator("[data-solved]")).to_contain_text("Carl Clausen")
        assert not AMOUNT.search(carl_page.content())
        carl_page.goto(f"{server.url}/give-and-take")
        expect(carl_page.locator('[data-count="help_given"] td')).to_have_text(re.compile(r"^\s*1\b"))
        expect(carl_page.locator("[data-recent]")).to_contain_text("Anna Andersen")
        assert not AMOUNT.search(carl_page.content())
        _settled(carl_page)
        carl_page.goto(f"{server.url}/members/{ids['bo']}/give-and-take")
        expect(carl_page.locator('[data-count="help_given"] td')).to_have_text(re.compile(r"^\s*1\b"))
        assert not AMOUNT.search(carl_page.content())
        carl_page.context.close()

        # 8. Dorte, a fourth member: the thanks on the group's wall and on Bo's page, never the amount
        fourth = _phone(browser, server, ids["dorte"])
        fourth.goto(f"{server.url}/groups/{slug}")
        wall = fourth.locator("[data-thanks-wall] [data-wall-item]")
        expect(wall).to_have_count(1)
        expect(wall).to_contain_text("Anna Andersen")
        expect(wall).to_contain_text("Bo Bech")
        expect(wall).to_contain_text("Tak for tippet om Carl")
        assert not AMOUNT.search(fourth.content())
        _settled(fourth)
        fourth.goto(f"{server.url}/members/{ids['bo']}/give-and-take")
        # Bo brought business and was thanked for it; Anna got business through the network
        expect(fourth.locator('[data-count="business_thanked"] td')).to_have_text(re.compile(r"^\s*1\b"))
        expect(fourth.locator("[data-recent] [data-item^='thanks-']")).to_contain_text("Anna Andersen")
        expect(fourth.locator("[data-amount]")).to_have_count(0)
        assert not AMOUNT.search(fourth.content())
        fourth.goto(f"{server.url}/members/{ids['anna']}/give-and-take")
        expect(fourth.locator('[data-count="business_received"] td')).to_have_text(re.compile(r"^\s*1\b"))
        assert not AMOUNT.search(fourth.content())
        # the thank-you's own page: at most what the rule gives a member, never the amount
        response = fourth.goto(thanks_link)
        assert response is not None
        assert not AMOUNT.search(fourth.content())
        fourth.goto(request_link)
        expect(fourth.locator("[data-solved]")).to_be_visible()
        assert not AMOUNT.search(fourth.content())
        _settled(fourth)
        fourth.context.close()
        asker.context.close()
        referrer.context.close()

        # the mails: Bo was told of the thanks; nobody but Anna and Bo got the amount
        with server.app_context():
            mails = db.session.scalars(select(OutboxMessage)).all()
            bo_mails = [_texts(m.raw) for m in mails if emails["bo"] in m.recipients]
            assert any(AMOUNT.search(text) for text in bo_mails), "Bo is told of the thanks with its amount"
            for mail in mails:
                if emails["anna"] in mail.recipients or emails["bo"] in mail.recipients:
                    continue
                assert not AMOUNT.search(_texts(mail.raw)), (mail.kind, mail.recipients)
