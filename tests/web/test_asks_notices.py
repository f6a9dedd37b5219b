"""Instant mails about new requests, the preference page and expiry (app.asks.notices).

The requests are posted the way the asks service posts them (tests/web/notices_helpers.py):
flushed with their groups, `request_posted` sent in the transaction, committed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.asks import notices
from app.extensions import db
from app.models import Member, utcnow
from app.models.social import HelpRequest, RequestNotice, SocialChange
from tests import factories
from tests.web.notices_helpers import (
    mails,
    notices_of,
    post_request,
    recipients,
    run_overlapping,
    subject_of,
    text_of,
)


def translated(msgid: str, language: str = "da", **values) -> str:
    with force_locale(language):
        return _(msgid, **values)


@pytest.fixture
def groups(app):
    return factories.create_group(name="Kaffeklub Herning"), factories.create_group(name="Kaffeklub Ikast")


def person(name, groups, choice="instant", **kwargs):
    return factories.create_member(name=name, groups=list(groups), request_notices=choice, **kwargs)


# --- instant ---------------------------------------------------------------------------------------


def test_instant_mails_go_exactly_to_the_members_who_chose_them(app, groups):
    herning, ikast = groups
    author = person("Anna Asker", [herning])
    wants = person("Bo Instant", [herning])
    organizer = factories.create_organizer(herning, name="Olga Organizer", request_notices="instant")
    both = person("Carl Both", [herning, ikast])
    person("Dorthe Daily", [herning], "daily")
    person("Erik Weekly", [herning], "weekly")
    person("Frida Off", [herning], "off")
    person("Gustav Elsewhere", [ikast])  # the request was not posted to Ikast
    person("Hans Inactive", [herning], active=False)
    factories.create_admin(name="Ida Admin", request_notices="instant")  # in no group

    ask = post_request(author, [herning], deadline=date(2031, 3, 1), body="Gerne en med erfaring.")

    assert recipients("ask_new") == sorted(m.email for m in (wants, organizer, both))
    for member in (wants, organizer, both):
        assert notices_of(member) == {ask.id: "instant"}
    assert notices_of(author) == {}
    message = next(m for m in mails("ask_new") if m.recipients == wants.email)
    body = text_of(message)
    assert ask.title in body and "Gerne en med erfaring." in body and "Anna Asker" in body
    assert "2031" in body  # the deadline
    assert "/asks" in body  # a link to answer
    assert ask.title in subject_of(message)


def test_a_request_to_two_groups_is_one_mail_and_the_posters_rollback_takes_it_back(app, groups):
    herning, ikast = groups
    author = person("Anna Asker", [herning, ikast])
    both = person("Carl Both", [herning, ikast])
    post_request(author, [herning, ikast])
    assert recipients("ask_new") == [both.email]

    # The receiver runs in the poster's transaction: no request, no mail.
    from app import events
    request = HelpRequest(author_id=author.id, title="Et lokale til 40 personer")
    request.groups = [herning]
    db.session.add(request)
    db.session.flush()
    events.request_posted.send(request)
    db.session.rollback()
    assert len(mails("ask_new")) == 1
    assert db.session.scalar(select(func.count()).select_from(RequestNotice)) == 1


def test_no_mail_about_a_request_nobody_may_see(app, groups):
    herning, _ikast = groups
    author = person("Anna Asker", [herning])
    person("Bo Instant", [herning])
    post_request(author, [herning], hidden_at=utcnow(), hidden_reason="Spam")
    post_request(author, [herning], withdrawn_at=utcnow())
    post_request(author, [herning], status="solved")
    assert mails("ask_new") == []


def test_the_mail_is_in_each_readers_language(app, groups):
    herning, _ikast = groups
    author = person("Anna Asker", [herning])
    dane = person("Bo Dansk", [herning], language="da")
    brit = person("Bob English", [herning], language="en")
    post_request(author, [herning], title="Revisor søges")
    by_reader = {m.recipients: m for m in mails("ask_new")}
    assert subject_of(by_reader[dane.email]) == translated("%(name)s asks: %(title)s", "da",
                                                           name="Anna Asker", title="Revisor søges")
    assert subject_of(by_reader[brit.email]) == "Anna Asker asks: Revisor søges"
    assert "Can you help" in text_of(by_reader[brit.email])
    assert text_of(by_reader[dane.email]).startswith("Hej Bo")


def test_many_instant_mails_are_one_batch(app, groups, monkeypatch):
    herning, _ikast = groups
    author = person("Anna Asker", [herning])
    people = [person(f"Person {n}", [herning]) for n in range(12)]
    calls = []
    original = notices.enqueue_mail_batch

    def counting(template, recipients, **kwargs):
        calls.append(len(recipients))
        return original(template, recipients, **kwargs)

    monkeypatch.setattr(notices, "enqueue_mail_batch", counting)
    post_request(author, [herning])
    assert calls == [12]
    assert recipients("ask_new") == sorted(p.email for p in people)


# --- the preference page ------------------------------------------------------------------------------


def test_the_page_shows_and_saves_the_choice(app, client, login, groups):
    herning, _ikast = groups
    member = login(person("Bo Weekly", [herning], "weekly"))
    page = client.get("/asks/notices")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    checked = re.findall(r'<input[^>]*\bchecked\b[^>]*value="(\w+)"', html)
    assert checked == ["weekly"]
    assert html.count('name="request_notices" type="radio"') == 4
    response = client.post("/asks/notices", data={"request_notices": "instant"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/asks/notices")
    db.session.expire_all()
    assert db.session.get(Member, member.id).request_notices == "instant"
    assert db.session.get(Member, member.id).last_digest_at is None
    client.post("/asks/notices", data={"request_notices": "daily"})
    db.session.expire_all()
    changed = db.session.get(Member, member.id)
    assert changed.request_notices == "daily" and changed.last_digest_at is not None  # clock starts


@pytest.mark.parametrize("value", ["sometimes", "", "instant%00", "%ED%A0%80", "9" * 400, "OFF"])
def test_hostile_values_are_form_errors(app, client, login, groups, value):
    herning, _ikast = groups
    member = login(person("Bo Weekly", [herning], "weekly"))
    response = client.post("/asks/notices", data=f"request_notices={value}",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, member.id).request_notices == "weekly"


def test_the_page_needs_a_login_and_a_csrf_token(app, client, login, groups):
    herning, _ikast = groups
    assert client.get("/asks/notices").status_code in (302, 303)
    assert client.post("/asks/notices", data={"request_notices": "off"}).status_code in (302, 303, 401)
    member = login(person("Bo Weekly", [herning], "weekly"))
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/asks/notices", data={"request_notices": "off"})
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert db.session.get(Member, member.id).request_notices == "weekly"


def test_the_service_refuses_wrong_types(app, groups):
    from app.errors import PermissionDenied, ValidationFailed

    member = person("Bo Weekly", [groups[0]], "weekly")
    for wrong in (None, 3, ["off"], "never"):
        with pytest.raises(ValidationFailed):
            notices.set_request_notices(member, wrong)
    with pytest.raises(PermissionDenied):
        notices.set_request_notices(None, "off")


# --- expiry ----------------------------------------------------------------------------------------

# 1 March 2031 is a Saturday; Copenhagen is UTC+1 then. The deadline day is over at 23:00 UTC.
LAST_MINUTE = datetime(2031, 3, 1, 22, 59, tzinfo=UTC)
DAY_OVER = datetime(2031, 3, 1, 23, 0, tzinfo=UTC)


def test_an_open_request_expires_when_its_deadline_day_is_over_once_with_a_friendly_mail(app, groups):
    herning, _ikast = groups
    author = person("Anna Asker", [herning], "off")
    ask = post_request(author, [herning], title="Et lokale til 40 personer", deadline=date(2031, 3, 1))
    solved = post_request(author, [herning], deadline=date(2031, 2, 1), status="solved")
    later = post_request(author, [herning], deadline=date(2031, 3, 2))
    no_deadline = post_request(author, [herning])

    assert notices.expire_due(LAST_MINUTE) == {"requests_expired": 0}
    assert notices.expire_due(DAY_OVER) == {"requests_expired": 1}
    assert notices.expire_due(DAY_OVER) == {"requests_expired": 0}  # once
    db.session.expire_all()
    ask = db.session.get(HelpRequest, ask.id)
    assert ask.status == "expired" and ask.closed_at == DAY_OVER
    assert [db.session.get(HelpRequest, r.id).status for r in (solved, later, no_deadline)] == [
        "solved", "open", "open"]
    changes = db.session.scalars(select(SocialChange).where(SocialChange.item_type == "request",
                                                            SocialChange.item_id == ask.id)).all()
    assert [(c.action, c.actor_id, c.changes) for c in changes] == [
        ("expired", None, {"status": ["open", "expired"]})]
    [mail] = mails("ask_expired")
    assert mail.recipients == author.email
    body = text_of(mail)
    assert "Et lokale til 40 personer" in body and "/asks" in body
    assert body.startswith("Hej Anna")


def test_expiry_runs_on_periodic_work(app, runner, groups):
    author = person("Anna Asker", [groups[0]], "off")
    ask = post_request(author, [groups[0]], deadline=date(2031, 3, 1))
    result = runner.invoke(args=["meetings", "send-due", "--now", "2031-03-02T08:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "requests expired 1" in result.output
    db.session.expire_all()
    assert db.session.get(HelpRequest, ask.id).status == "expired"


def test_two_expiry_runs_expire_each_request_once(app, groups):
    """The second run found the request open before the first committed: its conditional UPDATE
    matches nothing (simulated by ordering: the candidates are read, then the first run expires)."""
    author = person("Anna Asker", [groups[0]], "off")
    ask = post_request(author, [groups[0]], deadline=date(2031, 3, 1))
    today = date(2031, 3, 2)
    assert notices._expire_one(ask.id, today, DAY_OVER) == 1
    assert notices._expire_one(ask.id, today, DAY_OVER) == 0
    assert len(mails("ask_expired")) == 1
    assert db.session.scalar(select(func.count()).select_from(SocialChange)) == 1


def test_two_expiry_runs_at_once_expire_and_mail_once(app, groups, tmp_path):
    author = person("Anna Asker", [groups[0]], "off")
    ask = post_request(author, [groups[0]], deadline=date(2031, 3, 1))
    results = run_overlapping(app, tmp_path, lambda: notices.expire_due(DAY_OVER)["requests_expired"])
    assert sorted(results) == [0, 1]
    assert len(mails("ask_expired")) == 1
    db.session.expire_all()
    assert db.session.get(HelpRequest, ask.id).status == "expired"
    assert db.session.scalar(select(func.count()).select_from(SocialChange)) == 1


def test_posting_through_the_asks_service_mails_a_link_the_reader_can_open(app, client, login, groups):
    """The whole path: the asks service posts and sends request_posted; the mail's link opens the
    request for the reader; a reader of another group gets no mail."""
    from urllib.parse import urlsplit

    from app.asks import services

    herning, ikast = groups
    author = person("Anna Asker", [herning], "off")
    reader = person("Bo Instant", [herning])
    person("Gustav Elsewhere", [ikast])
    ask = services.post_request(author, {"title": "Et lokale til 40 personer", "body": "",
                                         "deadline": None, "category": "", "group_ids": [herning.id]})
    [mail] = mails("ask_new")
    assert mail.recipients == reader.email
    link = re.search(rf"https?://\S+/asks/{ask.id}\b", text_of(mail))
    assert link, text_of(mail)
    login(reader)
    page = client.get(urlsplit(link.group(0)).path)
    assert page.status_code == 200 and "Et lokale til 40 personer" in page.get_data(as_text=True)
