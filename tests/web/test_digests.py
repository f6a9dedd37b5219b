"""Daily and weekly digests of new requests (app.asks.notices.send_digests, `flask digests send`):
what they list across two digests ("nothing twice, nothing missed", a request committed after a run
read the requests included), who is due when, and two overlapping runs.

Times are passed in (`now=`): Monday 3 March 2031 07:00 in Copenhagen is 06:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.asks import notices
from app.asks.notices import send_digests
from app.extensions import db
from app.models import Member, Membership
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

MONDAY = datetime(2031, 3, 3, 6, 0, tzinfo=UTC)
NEXT_MONDAY = MONDAY + timedelta(days=7)


@pytest.fixture
def groups(app):
    return factories.create_group(name="Kaffeklub Herning"), factories.create_group(name="Kaffeklub Ikast")


def person(name, groups, choice="weekly", **kwargs):
    return factories.create_member(name=name, groups=list(groups), request_notices=choice, **kwargs)


def member(member_id) -> Member:
    db.session.expire_all()
    return db.session.get(Member, member_id)


def test_nothing_twice_nothing_missed_across_two_digests(app, groups):
    herning, ikast = groups
    reader = person("Rikke Reader", [herning])
    asker = person("Anna Asker", [herning, ikast], "off")
    first = post_request(asker, [herning], "Revisor søges", created_at=MONDAY - timedelta(days=6))
    second = post_request(asker, [herning, ikast], "Lokale til 40", created_at=MONDAY - timedelta(days=4),
                          deadline=(MONDAY + timedelta(days=20)).date())
    post_request(reader, [herning], "Mit eget", created_at=MONDAY - timedelta(days=3))  # her own
    post_request(asker, [ikast], "Kun i Ikast", created_at=MONDAY - timedelta(days=3))  # not her group
    post_request(asker, [herning], "Skjult", created_at=MONDAY - timedelta(days=2),
                 hidden_at=MONDAY - timedelta(days=1))
    post_request(asker, [herning], "Løst", created_at=MONDAY - timedelta(days=2), status="solved")
    post_request(asker, [herning], "Trukket", created_at=MONDAY - timedelta(days=2),
                 withdrawn_at=MONDAY - timedelta(days=1))
    post_request(asker, [herning], "Fristen er gået", created_at=MONDAY - timedelta(days=5),
                 deadline=(MONDAY - timedelta(days=1)).date())

    counts = send_digests(MONDAY)
    assert (counts.digests, counts.requests) == (1, 2)
    [mail] = mails("ask_digest")
    assert mail.recipients == reader.email
    body = text_of(mail)
    assert "Revisor søges" in body and "Lokale til 40" in body
    for left_out in ("Mit eget", "Kun i Ikast", "Skjult", "Løst", "Trukket", "Fristen er gået"):
        assert left_out not in body
    assert body.index("Revisor søges") < body.index("Lokale til 40")  # oldest first
    assert f"/asks/{first.id}" in body and "/asks/notices" in body
    assert "2" in subject_of(mail)
    assert notices_of(reader) == {first.id: "digest", second.id: "digest"}
    assert member(reader.id).last_digest_at == MONDAY

    # The same slot again: nothing.
    assert send_digests(MONDAY + timedelta(hours=1)).digests == 0
    # A request posted while the first run was in progress: stamped before the run's moment but
    # committed after the run had read the requests. And one posted during the week.
    during = post_request(asker, [herning], "Under kørslen", created_at=MONDAY - timedelta(seconds=1))
    later = post_request(asker, [herning], "Onsdag", created_at=MONDAY + timedelta(days=2))
    assert send_digests(NEXT_MONDAY - timedelta(minutes=1)).digests == 0  # not due yet
    counts = send_digests(NEXT_MONDAY)
    assert (counts.digests, counts.requests) == (1, 2)
    body = text_of(mails("ask_digest")[-1])
    assert "Under kørslen" in body and "Onsdag" in body
    assert "Revisor søges" not in body and "Lokale til 40" not in body
    assert set(notices_of(reader)) == {first.id, second.id, during.id, later.id}


def test_no_mail_when_nothing_is_new_but_the_slot_is_used(app, groups):
    herning, _ikast = groups
    reader = person("Rikke Reader", [herning])
    counts = send_digests(MONDAY)
    assert (counts.digests, counts.nothing_new) == (0, 1)
    assert mails("ask_digest") == []
    assert member(reader.id).last_digest_at == MONDAY


def test_daily_and_weekly_are_due_at_their_times(app, groups):
    herning, _ikast = groups
    daily = person("Dorthe Daily", [herning], "daily")
    weekly = person("Erik Weekly", [herning], "weekly")
    person("Ida Instant", [herning], "instant")
    person("Olaf Off", [herning], "off")
    person("Inge Inactive", [herning], "daily", active=False)
    asker = person("Anna Asker", [herning], "off")
    tuesday = MONDAY + timedelta(days=1)
    for member_ in (daily, weekly):
        member_.last_digest_at = MONDAY
    db.session.commit()
    post_request(asker, [herning], "Tirsdagens", created_at=tuesday - timedelta(hours=5))

    assert send_digests(tuesday - timedelta(minutes=1)).digests == 0  # 06:59 local
    assert send_digests(tuesday).digests == 1
    assert recipients("ask_digest") == [daily.email]
    post_request(asker, [herning], "Onsdagens", created_at=tuesday + timedelta(hours=20))
    send_digests(tuesday + timedelta(days=1))
    assert recipients("ask_digest") == [daily.email, daily.email]
    send_digests(NEXT_MONDAY)
    # Nothing new for the daily reader since Wednesday: no mail; the weekly reader gets both.
    assert recipients("ask_digest") == sorted([daily.email, daily.email, weekly.email])
    weekly_body = text_of(next(m for m in mails("ask_digest") if m.recipients == weekly.email))
    assert "Tirsdagens" in weekly_body and "Onsdagens" in weekly_body


def test_switching_from_instant_to_a_digest_never_repeats_a_request(app, groups, client, login):
    herning, _ikast = groups
    reader = person("Rikke Reader", [herning], "instant")
    asker = person("Anna Asker", [herning], "off")
    told = post_request(asker, [herning], "Fik den straks", created_at=MONDAY - timedelta(days=3))
    assert recipients("ask_new") == [reader.email]
    login(reader)
    assert client.post("/asks/notices", data={"request_notices": "weekly"}).status_code == 303
    reader_row = member(reader.id)
    reader_row.last_digest_at = MONDAY - timedelta(days=7)  # as if she switched last week
    db.session.commit()
    newer = post_request(asker, [herning], "Efter skiftet", created_at=MONDAY - timedelta(days=1))
    assert recipients("ask_new") == [reader.email]  # no instant mail any more
    send_digests(MONDAY)
    body = text_of(mails("ask_digest")[0])
    assert "Efter skiftet" in body and "Fik den straks" not in body
    assert notices_of(reader) == {told.id: "instant", newer.id: "digest"}


def test_only_requests_posted_after_joining_the_group(app, groups):
    herning, _ikast = groups
    asker = person("Anna Asker", [herning], "off")
    post_request(asker, [herning], "Før hun kom", created_at=MONDAY - timedelta(days=5))
    newcomer = person("Nina Newcomer", [herning])
    membership = db.session.scalar(select(Membership).where(Membership.member_id == newcomer.id))
    membership.joined_at = MONDAY - timedelta(days=3)
    db.session.commit()
    post_request(asker, [herning], "Efter hun kom", created_at=MONDAY - timedelta(days=2))
    send_digests(MONDAY)
    body = text_of(mails("ask_digest")[0])
    assert "Efter hun kom" in body and "Før hun kom" not in body


def test_the_digest_is_in_the_readers_language(app, groups):
    herning, _ikast = groups
    person("Bob English", [herning], language="en")
    asker = person("Anna Asker", [herning], "off")
    post_request(asker, [herning], "Revisor søges", created_at=MONDAY - timedelta(days=1))
    send_digests(MONDAY)
    [mail] = mails("ask_digest")
    assert subject_of(mail).startswith("1 new request in")
    assert "Your weekly overview" in text_of(mail)


def test_the_command_prints_one_line(app, runner, groups):
    herning, _ikast = groups
    person("Rikke Reader", [herning])
    asker = person("Anna Asker", [herning], "off")
    post_request(asker, [herning], "Revisor søges", created_at=MONDAY - timedelta(days=1))
    result = runner.invoke(args=["digests", "send", "--now", "2031-03-03T07:00+01:00"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Digests 1 (requests 1), nothing new for 0."
    again = runner.invoke(args=["digests", "send", "--now", "2031-03-03T07:30+01:00"])
    assert again.output.strip() == "Digests 0 (requests 0), nothing new for 0."
    bad = runner.invoke(args=["digests", "send", "--now", "tomorrow"])
    assert bad.exit_code == 2


def test_a_broken_digest_is_left_for_the_next_run_and_the_others_go(app, groups, monkeypatch):
    herning, _ikast = groups
    first = person("Anna First", [herning])
    second = person("Bo Second", [herning])
    asker = person("Carl Asker", [herning], "off")
    post_request(asker, [herning], "Revisor søges", created_at=MONDAY - timedelta(days=1))
    original = notices.digest_requests

    def failing(member_id, now):
        if member_id == first.id:
            raise RuntimeError("broken")
        return original(member_id, now)

    monkeypatch.setattr(notices, "digest_requests", failing)
    assert send_digests(MONDAY).digests == 1
    assert recipients("ask_digest") == [second.email]
    assert member(first.id).last_digest_at is None  # rolled back: due again
    monkeypatch.setattr(notices, "digest_requests", original)
    assert send_digests(MONDAY + timedelta(hours=1)).digests == 1
    assert recipients("ask_digest") == sorted([first.email, second.email])


def test_two_runs_at_once_send_one_digest(app, groups, tmp_path):
    """Both runs find the member due; the first claims her and is held while holding the claim,
    until the second waits for it too. Then the first commits its digest and the second's
    conditional UPDATE matches nothing."""
    herning, _ikast = groups
    reader = person("Rikke Reader", [herning])
    asker = person("Anna Asker", [herning], "off")
    post_request(asker, [herning], "Revisor søges", created_at=MONDAY - timedelta(days=1))
    results = run_overlapping(app, tmp_path, lambda: send_digests(MONDAY).digests)
    assert sorted(results) == [0, 1]
    assert recipients("ask_digest") == [reader.email]
    assert len(notices_of(reader)) == 1
