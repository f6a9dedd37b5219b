"""The visibility rule (app.visibility: request_fields, answer_fields) as a table: each item × each
viewer, on the request's page, in the API, in the lists and hooks, and in the mails.

The cast (tests/web/asks_helpers.py): Anne asks in group A; Henrik (helper) and Mette (member) are
members of A, Ole organizes A, Anna is an admin in no group, Olga is a member of group B only.
"""

from __future__ import annotations

import json

import pytest

from app.asks import services
from app.extensions import db
from app.models import OutboxMessage
from tests.web.api_helpers import bearer, token_for
from tests.web.asks_helpers import VIEWERS, answer, build_ask_world, post

# item -> the viewers who see it (everyone else must not see a trace of it)
SEES = {
    "REQUEST-TITLE": {"asker", "helper", "member", "organizer", "admin"},
    "PUBLIC-ANSWER": {"asker", "helper", "member", "organizer", "admin"},
    "PRIVATE-ANSWER": {"asker", "helper"},  # only the asker and its author: not organizers or admins
    "HIDDEN-ANSWER": {"asker", "member", "organizer", "admin"},  # Mette wrote it; Henrik no longer sees it
    "ANSWER-HIDE-REASON": {"asker", "member", "organizer", "admin"},
    "WITHDRAWN-ANSWER": set(),
    "HIDDEN-REQUEST": {"asker", "organizer", "admin"},
    "REQUEST-HIDE-REASON": {"asker", "organizer", "admin"},
    "WITHDRAWN-REQUEST": set(),
}
TABLE = [(item, viewer) for item in SEES for viewer in VIEWERS]


@pytest.fixture
def scene(app):
    w = build_ask_world()
    main = post(w, title="REQUEST-TITLE")
    answer(w, main, w.helper, body="PUBLIC-ANSWER")
    answer(w, main, w.helper, body="PRIVATE-ANSWER", private=True)
    hidden_answer = answer(w, main, w.member, body="HIDDEN-ANSWER")
    services.hide(w.organizer, "answer", hidden_answer, "ANSWER-HIDE-REASON")
    gone = answer(w, main, w.member, body="WITHDRAWN-ANSWER")
    services.withdraw_answer(w.member, gone)
    hidden = post(w, title="HIDDEN-REQUEST", raise_at_group_id=w.a.id)
    services.hide(w.organizer, "request", hidden, "REQUEST-HIDE-REASON")
    withdrawn = post(w, title="WITHDRAWN-REQUEST", raise_at_group_id=w.a.id)
    services.withdraw_request(w.asker, withdrawn)
    tokens = {role: token_for(w.person(role)) for role in VIEWERS if role != "anonymous"}
    db.session.commit()
    return w, {"main": main, "hidden": hidden, "withdrawn": withdrawn}, tokens


def _request_of(item: str) -> str:
    return {
        "HIDDEN-REQUEST": "hidden",
        "REQUEST-HIDE-REASON": "hidden",
        "WITHDRAWN-REQUEST": "withdrawn",
    }.get(item, "main")


@pytest.mark.parametrize("item,viewer", TABLE)
def test_the_request_page_shows_each_item_to_exactly_its_viewers(app, client, login, scene, item, viewer):
    w, ids, _tokens = scene
    person = w.person(viewer)
    if person is not None:
        login(person)
    response = client.get(f"/asks/{ids[_request_of(item)]}")
    text = response.get_data(as_text=True)
    assert (item in text) == (viewer in SEES[item]), (response.status_code, item, viewer)
    if viewer in SEES[item]:
        assert response.status_code == 200


@pytest.mark.parametrize("item,viewer", TABLE)
def test_the_api_shows_each_item_to_exactly_its_viewers(app, client, scene, item, viewer):
    w, ids, tokens = scene
    headers = bearer(tokens[viewer]) if viewer in tokens else {}
    response = client.get(f"/api/v1/requests/{ids[_request_of(item)]}", headers=headers)
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert (item in text) == (viewer in SEES[item]), (response.status_code, item, viewer)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_api_fields_are_the_rules_fields(app, client, scene, viewer):
    w, ids, tokens = scene
    if viewer not in tokens:
        return
    body = client.get(f"/api/v1/requests/{ids['main']}", headers=bearer(tokens[viewer])).get_json()
    if viewer == "other":
        assert body["status"] == 404
        return
    assert set(body) == {
        "id",
        "author",
        "title",
        "body",
        "category",
        "deadline",
        "status",
        "groups",
        "created_at",
        "solved_at",
        "closed_at",
        "raise_at_meeting",
        "answers",
        "helpers",
    }
    for entry in body["answers"]:
        moderation = {"hidden", "hidden_reason", "hidden_by"} if entry["body"] == "HIDDEN-ANSWER" else set()
        assert (
            set(entry)
            == {
                "id",
                "request_id",
                "author",
                "kind",
                "body",
                "referred_member",
                "referred_name",
                "private",
                "created_at",
            }
            | moderation
        )


@pytest.mark.parametrize("viewer", VIEWERS)
def test_lists_and_hooks_follow_the_rule(app, client, login, scene, viewer):
    w, ids, tokens = scene
    person = w.person(viewer)
    if person is None:
        return
    login(person)
    pages = {
        "list": client.get("/asks").get_data(as_text=True),
        "group": client.get(f"/groups/{w.a.slug}").get_data(as_text=True),
        "meeting": client.get(f"/meetings/{w.meeting.id}").get_data(as_text=True),
    }
    for name, text in pages.items():
        if name == "list" and viewer == "admin":
            continue  # the list is of one's own groups (an admin in no group has none)
        assert ("REQUEST-TITLE" in text) == (viewer in SEES["REQUEST-TITLE"] and name != "meeting"), name
        # hidden requests: on the list for who may see them; never on the group's or meeting's page
        assert ("HIDDEN-REQUEST" in text) == (viewer in SEES["HIDDEN-REQUEST"] and name == "list"), name
        assert "WITHDRAWN-REQUEST" not in text
        assert "PRIVATE-ANSWER" not in text
    api = client.get(f"/api/v1/groups/{w.a.slug}/requests", headers=bearer(tokens[viewer]))
    text = api.get_data(as_text=True)
    assert ("REQUEST-TITLE" in text) == (viewer in SEES["REQUEST-TITLE"])
    assert ("HIDDEN-REQUEST" in text) == (viewer in SEES["HIDDEN-REQUEST"])
    assert "WITHDRAWN-REQUEST" not in text


def test_a_private_answer_is_mailed_to_the_asker_only(app, scene):
    w, _ids, _tokens = scene
    with_it = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.raw.contains("PRIVATE-ANSWER"))
    ).all()
    assert with_it and {m.member_id for m in with_it} == {w.asker.id}
