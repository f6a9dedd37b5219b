"""The "Spørg netværket" pages: asking, answering, solving, correcting, withdrawing, hiding; every
POST redirects (303) so Back and reload never send twice."""

from __future__ import annotations

import re

import pytest

from app import events
from app.extensions import db
from app.models import OutboxMessage
from app.models.social import HelpRequest, RequestAnswer, SocialChange
from tests.web.asks_helpers import answer, build_ask_world, next_week, post, reload
from tests.web.form_helpers import encode


@pytest.fixture
def w(app):
    return build_ask_world()


def _csrf_off(app):
    app.config["WTF_CSRF_ENABLED"] = False


def test_ask_page_posts_a_request_and_redirects(app, client, login, w):
    _csrf_off(app)
    login(w.asker)
    page = client.get("/asks/new")
    assert page.status_code == 200
    # the meeting to raise it at: date and time to the minute, no seconds ("16. dec. 2026 kl. 08.30")
    choice = page.get_data(as_text=True).split(f'<option value="{w.a.id}"', 1)[1].split("</option>", 1)[0]
    assert re.search(r"\d\d[.:]\d\d", choice) and not re.search(r"\d\d[.:]\d\d[.:]\d\d", choice), choice
    sent = []

    def receiver(sender, **kw):
        sent.append(sender.id)

    with events.request_posted.connected_to(receiver):
        response = client.post(
            "/asks/new",
            data={
                "title": "  Et lokale til 40 personer ",
                "body": "Til en konference",
                "deadline": next_week().isoformat(),
                "category": "premises",
                "group_ids": [str(w.a.id)],
                "raise_at_group_id": str(w.a.id),
            },
        )
    assert response.status_code == 303
    req = db.session.scalar(db.select(HelpRequest))
    assert response.headers["Location"].endswith(f"/asks/{req.id}")
    assert sent == [req.id]
    assert req.title == "Et lokale til 40 personer"
    assert req.category == "premises"
    assert req.raise_at_meeting_id == w.meeting.id
    assert [g.id for g in req.groups] == [w.a.id]
    change = db.session.scalar(db.select(SocialChange).where(SocialChange.item_type == "request"))
    assert change.action == "created" and change.actor_id == w.asker.id
    # the list, the meeting page and the group page show it to another member
    login(w.member)
    assert "Et lokale til 40 personer" in client.get("/asks").get_data(as_text=True)
    assert "Et lokale til 40 personer" in client.get(f"/meetings/{w.meeting.id}").get_data(as_text=True)
    assert "Et lokale til 40 personer" in client.get(f"/groups/{w.a.slug}").get_data(as_text=True)
    # not to a member of another group
    login(w.other)
    assert "Et lokale til 40 personer" not in client.get("/asks").get_data(as_text=True)
    assert client.get(f"/asks/{req.id}").status_code == 404


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("title", "", "Please say what you need."),
        ("deadline", "0001-01-01", None),
        ("deadline", "9999-12-31", None),
        ("deadline", "2000-01-01", None),
        ("category", "nonsense", None),
        ("group_ids", "99999999999999999999", None),
        ("title", "a\x00b", None),
    ],
)
def test_ask_form_refuses_bad_input_with_a_form_error(app, client, login, w, english, field, value, message):
    _csrf_off(app)
    login(w.asker)
    data = {"title": "Hjælp", "group_ids": str(w.a.id)}
    data[field] = value
    response = client.post(
        "/asks/new", data=encode(list(data.items())), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(HelpRequest.id))) == 0


def test_a_lone_surrogate_in_a_form_is_never_a_500(app, client, login, w):
    # werkzeug reads invalid UTF-8 in a form body as U+FFFD: saved as that, or refused; never a 500
    _csrf_off(app)
    login(w.asker)
    body = encode([("title", "Hj\ud800lp"), ("body", "\ud800"), ("group_ids", str(w.a.id))])
    response = client.post("/asks/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (303, 422)
    for req in db.session.scalars(db.select(HelpRequest)):
        assert "\ud800" not in req.title + req.body


def test_ask_in_a_group_that_is_not_mine_is_refused(app, client, login, w):
    _csrf_off(app)
    login(w.asker)
    response = client.post("/asks/new", data={"title": "Hjælp", "group_ids": [str(w.b.id)]})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count(HelpRequest.id))) == 0


def test_answer_mails_the_asker_and_redirects(app, client, login, w):
    _csrf_off(app)
    rid = post(w)
    login(w.helper)
    response = client.post(
        f"/asks/{rid}/answers",
        data={
            "kind": "referral",
            "referred_member_id": str(w.member.id),
            "body": "Hun lavede vores",
            "private": "y",
        },
    )
    assert response.status_code == 303
    row = db.session.scalar(db.select(RequestAnswer))
    assert row.private and row.referred_member_id == w.member.id
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "ask_answer"))
    assert mail.member_id == w.asker.id
    assert "Hun lavede vores" in mail.raw or "Hun lavede vores" in mail.raw.replace("=\n", "")
    # nobody else got a mail with the private answer
    others = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.member_id != w.asker.id)).all()
    assert all("Hun lavede vores" not in m.raw for m in others)


def test_asker_cannot_answer_and_outsider_cannot_answer(app, client, login, w):
    _csrf_off(app)
    rid = post(w)
    login(w.asker)
    assert client.post(f"/asks/{rid}/answers", data={"kind": "offer", "body": "x"}).status_code == 403
    login(w.other)
    assert client.post(f"/asks/{rid}/answers", data={"kind": "offer", "body": "x"}).status_code == 404
    login(w.organizer)  # an organizer of the group is a member too: may answer
    assert client.post(f"/asks/{rid}/answers", data={"kind": "offer", "body": "x"}).status_code == 303


def test_solve_sends_request_solved_with_the_helpers_and_mails_them(app, client, login, w):
    _csrf_off(app)
    rid = post(w)
    answer(w, rid)
    got = []

    def receiver(sender, helper_ids, actor):
        got.append((sender.id, list(helper_ids), actor.id))

    login(w.asker)
    with events.request_solved.connected_to(receiver):
        response = client.post(
            f"/asks/{rid}/solve", data={"helper_ids": [str(w.helper.id), str(w.member.id)]}
        )
        assert response.status_code == 303
        again = client.post(f"/asks/{rid}/solve", data={"helper_ids": [str(w.helper.id)]})
    assert again.status_code == 409  # a reload never solves twice
    assert got == [(rid, [w.helper.id, w.member.id], w.asker.id)]
    req = reload(HelpRequest, rid)
    assert req.status == "solved" and req.solved_at is not None
    mails = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "ask_solved")).all()
    assert sorted(m.member_id for m in mails) == sorted([w.helper.id, w.member.id])
    page = client.get(f"/asks/{rid}").get_data(as_text=True)
    assert "Henrik Helper" in page


def test_solve_refuses_helpers_outside_the_groups_and_non_askers(app, client, login, w):
    _csrf_off(app)
    rid = post(w)
    login(w.asker)
    response = client.post(f"/asks/{rid}/solve", data={"helper_ids": [str(w.other.id)]})
    assert response.status_code == 422
    response = client.post(f"/asks/{rid}/solve", data={"helper_ids": ["junk", "999999999999999"]})
    assert response.status_code == 422
    login(w.helper)
    assert client.post(f"/asks/{rid}/solve", data={}).status_code == 403
    assert reload(HelpRequest, rid).status == "open"


def test_edit_keeps_old_and_new_in_the_history(app, client, login, w):
    _csrf_off(app)
    rid = post(w)
    login(w.asker)
    assert client.get(f"/asks/{rid}/edit").status_code == 200
    response = client.post(
        f"/asks/{rid}/edit", data={"title": "En revisor", "body": "", "category": "advice"}
    )
    assert response.status_code == 303
    change = db.session.scalar(db.select(SocialChange).where(SocialChange.action == "updated"))
    assert change.changes["title"] == ["En bogholder med forstand på byggeri", "En revisor"]
    assert change.changes["category"] == ["", "advice"]
    login(w.helper)
    assert client.get(f"/asks/{rid}/edit").status_code == 404
    assert client.post(f"/asks/{rid}/edit", data={"title": "x"}).status_code in (403, 404)


def test_withdrawn_request_vanishes_for_everyone(app, client, login, w):
    _csrf_off(app)
    rid = post(w)
    login(w.asker)
    assert client.post(f"/asks/{rid}/withdraw").status_code == 303
    req = reload(HelpRequest, rid)
    assert req.status == "withdrawn" and req.closed_at is not None
    for person in (w.asker, w.member, w.organizer, w.admin):
        login(person)
        assert client.get(f"/asks/{rid}").status_code == 404


def test_answer_correct_and_withdraw(app, client, login, w):
    _csrf_off(app)
    rid = post(w)
    aid = answer(w, rid)
    login(w.helper)
    assert client.get(f"/asks/answers/{aid}/edit").status_code == 200
    assert client.post(f"/asks/answers/{aid}/edit", data={"body": "Rettet svar"}).status_code == 303
    assert reload(RequestAnswer, aid).body == "Rettet svar"
    login(w.member)
    assert client.post(f"/asks/answers/{aid}/edit", data={"body": "x"}).status_code in (403, 404)
    assert client.post(f"/asks/answers/{aid}/withdraw").status_code == 403
    login(w.helper)
    assert client.post(f"/asks/answers/{aid}/withdraw").status_code == 303
    login(w.asker)
    assert "Rettet svar" not in client.get(f"/asks/{rid}").get_data(as_text=True)


def test_organizer_hides_and_shows_with_a_reason(app, client, login, w):
    _csrf_off(app)
    rid = post(w, title="Køb billige ure")
    aid = answer(w, rid, body="Spam-svar")
    login(w.member)
    assert client.get(f"/asks/request/{rid}/hide").status_code == 404
    assert client.post(f"/asks/request/{rid}/hide", data={"reason": "x"}).status_code == 404
    login(w.organizer)
    assert client.get(f"/asks/request/{rid}/hide").status_code == 200
    assert client.post(f"/asks/request/{rid}/hide", data={"reason": ""}).status_code == 422
    assert client.post(f"/asks/answer/{aid}/hide", data={"reason": "Reklame"}).status_code == 303
    assert client.post(f"/asks/request/{rid}/hide", data={"reason": "Reklame"}).status_code == 303
    changes = db.session.scalars(db.select(SocialChange).where(SocialChange.action == "hidden")).all()
    assert {(c.item_type, c.actor_id, c.reason) for c in changes} == {
        ("request", w.organizer.id, "Reklame"),
        ("answer", w.organizer.id, "Reklame"),
    }
    # the other members do not see it; the author sees it with the reason; organizers and admins too
    login(w.member)
    assert client.get(f"/asks/{rid}").status_code == 404
    assert "Køb billige ure" not in client.get("/asks").get_data(as_text=True)
    login(w.asker)
    page = client.get(f"/asks/{rid}").get_data(as_text=True)
    assert "Reklame" in page
    login(w.admin)
    assert client.get(f"/asks/{rid}").status_code == 200
    login(w.organizer)
    assert client.post(f"/asks/request/{rid}/show").status_code == 303
    login(w.member)
    assert client.get(f"/asks/{rid}").status_code == 200
    assert "Spam-svar" not in client.get(f"/asks/{rid}").get_data(as_text=True)  # the answer is still hidden


def test_every_page_answers_anonymous_with_a_login_redirect(app, client, w):
    rid = post(w)
    for url in ("/asks", "/asks/new", f"/asks/{rid}", f"/asks/{rid}/edit"):
        assert client.get(url).status_code in (302, 303, 401)


@pytest.mark.parametrize("query", ["?group=9223372036854775808", "?group=-1", "?group=x", "?category=%00",
                                   "?status=bogus", "?page=99999999999999999999", "?mine=%ED%A0%80"])
def test_list_filters_survive_junk(app, client, login, w, query):
    post(w, title="Synlig")
    for person in (w.member, w.admin):
        login(person)
        response = client.get("/asks" + query)
        # a NUL byte is refused app-wide (400); anything else shows the list
        assert response.status_code == (400 if "%00" in query else 200)


def _statements(run, seen=None) -> int:
    from sqlalchemy import event

    statements = []

    def count(*args):
        statements.append(args[2])
        if seen is not None:
            seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_meeting_and_group_hooks_take_one_query_each(app, w):
    from app.asks import services

    for n in range(5):
        post(w, title=f"Forespørgsel {n}", raise_at_group_id=w.a.id)
    # loaded with the page: the viewer and their memberships, the meeting, the group
    _ = (w.member.is_admin, [m.group_id for m in w.member.memberships], w.meeting.id, w.a.id)
    raised = []
    latest = []
    seen = []
    assert _statements(lambda: raised.extend(services.for_meeting(w.member, w.meeting)), seen) == 1, seen
    assert _statements(lambda: latest.append(services.latest_for_group(w.member, w.a))) == 1
    assert len(raised) == 5 and [r.author.name for r in raised] == ["Anne Asker"] * 5
    rows, more = latest[0]
    assert [r.title for r in rows] == ["Forespørgsel 4", "Forespørgsel 3", "Forespørgsel 2"] and more
    assert services.for_meeting(w.other, w.meeting) == []
    assert services.latest_for_group(w.other, w.a) == ([], False)


def test_a_new_deadline_opens_an_expired_request_again(app, client, login, w):
    from datetime import timedelta

    from app.asks import services

    rid = post(w)
    req = reload(HelpRequest, rid)
    req.status, req.deadline = "expired", services.local_today() - timedelta(days=2)
    db.session.commit()
    _csrf_off(app)
    login(w.asker)
    # the old deadline may stay as it is (no "in the past" error for an unchanged date)
    unchanged = {"title": "Ny titel", "deadline": (services.local_today() - timedelta(days=2)).isoformat()}
    assert client.post(f"/asks/{rid}/edit", data=unchanged).status_code == 303
    assert reload(HelpRequest, rid).status == "expired"
    later = {"title": "Ny titel", "deadline": next_week().isoformat()}
    assert client.post(f"/asks/{rid}/edit", data=later).status_code == 303
    req = reload(HelpRequest, rid)
    assert req.status == "open" and req.closed_at is None and req.deadline == next_week()
    change = db.session.scalars(db.select(SocialChange).where(SocialChange.action == "updated")).all()[-1]
    assert change.changes["status"] == ["expired", "open"]


def test_a_solved_request_offers_the_asker_a_thank_you_to_each_helper(app, client, login, w):
    _csrf_off(app)
    rid = post(w)
    answer(w, rid)
    login(w.helper)  # an open request: a member may give the asker a referral from it
    page = client.get(f"/asks/{rid}").get_data(as_text=True)
    assert f"/referrals/new?request={rid}&amp;to={w.asker.id}" in page
    login(w.asker)
    assert "data-thank-helpers" not in client.get(f"/asks/{rid}").get_data(as_text=True)
    client.post(f"/asks/{rid}/solve", data={"helper_ids": [str(w.helper.id), str(w.member.id)]})
    page = client.get(f"/asks/{rid}").get_data(as_text=True)
    assert f"/thanks/help/new?to={w.helper.id}" in page and f"/thanks/help/new?to={w.member.id}" in page
    login(w.helper)  # only the asker is offered the thank-you
    assert "data-thank-helpers" not in client.get(f"/asks/{rid}").get_data(as_text=True)


def test_a_member_named_under_i_can_help_is_never_dropped(app, client, login, w):
    """The radio left on "Det kan jeg hjælpe med" with a member chosen: the answer is a "Tal med"."""
    _csrf_off(app)
    rid = post(w)
    login(w.helper)
    assert "data-referral-fields" in client.get(f"/asks/{rid}").get_data(as_text=True)
    response = client.post(f"/asks/{rid}/answers", data={
        "kind": "offer", "referred_member_id": str(w.member.id), "referred_name": "", "body": "Hun er god."})
    assert response.status_code == 303
    row = db.session.scalar(db.select(RequestAnswer))
    assert row.kind == "referral" and row.referred_member_id == w.member.id
    assert row.body == "Hun er god."


def test_the_solve_form_lists_the_answerers_first_and_folds_the_rest(app, client, login, w):
    _csrf_off(app)
    rid = post(w)
    login(w.asker)
    page = client.get(f"/asks/{rid}").get_data(as_text=True)
    form = page.split("data-solve-form", 1)[1]
    assert "<details" in form and "data-other-helpers" in form  # nobody answered: all folded
    assert form.index("<details") < form.index(f'value="{w.helper.id}"')
    answer(w, rid)  # the helper answers: on top, outside the fold
    page = client.get(f"/asks/{rid}").get_data(as_text=True)
    form = page.split("data-solve-form", 1)[1]
    assert form.index(f'value="{w.helper.id}"') < form.index("<details")
    assert form.index("<details") < form.index(f'value="{w.member.id}"')
    assert "<details class=\"mb-1\" open" not in form


def test_the_hide_form_says_who_still_sees_the_reason_and_the_ask_page_is_headed_new_request(
        app, client, login, w, english):
    rid = post(w)
    aid = answer(w, rid)
    login(w.organizer)
    page = client.get(f"/asks/answer/{aid}/hide").get_data(as_text=True)
    assert "The author and the asker see the reason" in page  # the asker also sees a hidden answer
    page = client.get(f"/asks/request/{rid}/hide").get_data(as_text=True)
    assert "The asker sees the reason" in page
    login(w.asker)
    page = client.get("/asks/new").get_data(as_text=True)
    assert "<h1 class=\"h3\">New request</h1>" in page
