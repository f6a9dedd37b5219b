"""1-to-1s: logging one, the calendar invitation to the partner, confirm/decline/cancel on the web
and with the one-click links, and what counts as a tie."""

from __future__ import annotations

import email
import re
from datetime import UTC, date, datetime, time, timedelta
from email import policy
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.connections import history, one_to_ones
from app.connections.strength import ONE_TO_ONE, Tie
from app.extensions import db
from app.models import OneToOne, OutboxMessage
from tests.calendar_readers import read_all
from tests.factories import create_group, create_member
from tests.web.form_helpers import encode

ZONE = ZoneInfo("Europe/Copenhagen")


def _today() -> date:
    return datetime.now(UTC).astimezone(ZONE).date()


@pytest.fixture
def pair(app):
    group = create_group(name="Kaffeklub Vest")
    anne = create_member(groups=[group], name="Anne Ågård", email="anne@example.test", language="da",
                         company="Ågård Tømrer")
    bo = create_member(groups=[group], name="Bo Berg", email="bo@example.test", language="en")
    return anne, bo


def _mails(kind: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def _parsed(row: OutboxMessage):
    return email.message_from_bytes(row.raw.encode("utf-8"), policy=policy.default)


def _calendar(message) -> bytes:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0].get_payload(decode=True)


def _text(message) -> str:
    return next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()


def _link(text: str, reply: str) -> str:
    match = re.search(rf"https?://\S+/one-to-ones/link/[^/\s]+/{reply}", text)
    assert match, text
    return urlsplit(match.group(0)).path


def _propose(client, login, anne, bo, **values):
    login(anne)
    week = (_today() + timedelta(days=7)).isoformat()
    data = {"partner_id": str(bo.id), "met_on": values.pop("met_on", week),
            "start_time": values.pop("start_time", "08:30"), "duration_minutes": "45",
            "place": values.pop("place", "Café Nord, Herning"), "note": values.pop("note", "Om samarbejde")}
    data.update(values)
    return client.post("/one-to-ones/new", data=encode(list(data.items())),
                       content_type="application/x-www-form-urlencoded")


def test_a_future_one_to_one_mails_a_calendar_invitation(app, client, login, pair):
    anne, bo = pair
    response = _propose(client, login, anne, bo)
    assert response.status_code == 303
    row = db.session.scalar(select(OneToOne))
    assert row.status == "proposed" and row.proposer_id == anne.id and row.partner_id == bo.id
    day = _today() + timedelta(days=7)
    start = datetime.combine(day, time(8, 30), ZONE).astimezone(UTC)
    assert row.starts_at == start and row.duration_minutes == 45

    (mail,) = _mails("one_to_one_invite")
    assert mail.recipients == "bo@example.test" and mail.member_id == bo.id
    message = _parsed(mail)
    assert message.get_content_type() == "multipart/mixed"
    assert "Anne Ågård" in str(message["From"]) and "anne@example.test" in str(message["Reply-To"])
    assert message["Subject"].startswith("1-to-1 with Anne Ågård")  # Bo reads English
    raw = _calendar(message)
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert parts[0].get_param("method") == "REQUEST"
    for reader, events in read_all(raw).items():
        (event,) = events
        assert event["uid"] == f"one-to-one-{row.id}@127.0.0.1" or event["uid"].startswith(
            f"one-to-one-{row.id}@"), reader
        assert event["start"] == start and event["end"] == start + timedelta(minutes=45), reader
        assert event["summary"] == "1-to-1 with Anne Ågård", reader
        assert event["location"] == "Café Nord, Herning", reader
        assert "Om samarbejde" in event["description"], reader
        assert event["sequence"] == 0 and event["status"] == "CONFIRMED", reader
    cal = Calendar.from_ical(raw)
    assert str(cal["METHOD"]) == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:anne@example.test"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:bo@example.test"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION" and attendee.params["RSVP"] == "TRUE"
    text = _text(message)
    assert "Hi Bo," in text and "/confirm" in text and "/decline" in text
    # only a confirmed 1-to-1 is a tie
    assert history.pair_ties([anne.id, bo.id], today=day) == {}


def test_without_a_time_the_invitation_is_an_all_day_entry(app, client, login, pair):
    anne, bo = pair
    day = _today() + timedelta(days=3)
    assert _propose(client, login, anne, bo, met_on=day.isoformat(), start_time="").status_code == 303
    (mail,) = _mails("one_to_one_invite")
    raw = _calendar(_parsed(mail))
    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    assert event.decoded("DTSTART") == day and event.decoded("DTEND") == day + timedelta(days=1)
    assert str(event["TRANSP"]) == "TRANSPARENT"
    import vobject

    parsed = vobject.readOne(raw.decode(), validate=True)
    assert parsed.vevent.dtstart.value == day


def test_confirm_by_link_without_login_and_the_proposer_is_told(app, client, pair):
    anne, bo = pair
    login_client = app.test_client()
    from app.auth.sessions import create_session

    _, token = create_session(anne, remember=False)
    db.session.commit()
    with login_client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    day = _today() + timedelta(days=7)
    login_client.post("/one-to-ones/new", data={"partner_id": str(bo.id), "met_on": day.isoformat(),
                                                "start_time": "09:00", "duration_minutes": "60"})
    (mail,) = _mails("one_to_one_invite")
    link = _link(_text(_parsed(mail)), "confirm")
    page = client.get(link)  # not logged in: a page with one button, nothing changes on GET
    assert page.status_code == 200 and "data-link-button" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(select(OneToOne)).status == "proposed"
    done = client.post(link)
    assert done.status_code == 303
    db.session.expire_all()
    row = db.session.scalar(select(OneToOne))
    assert row.status == "confirmed" and row.responded_at is not None
    (answer,) = _mails("one_to_one_answer")
    assert answer.recipients == "anne@example.test"
    assert "Bo Berg" in answer.subject
    client.post(link)  # again: nothing new
    assert len(_mails("one_to_one_answer")) == 1
    assert history.pair_ties([anne.id, bo.id], today=day) == {
        (anne.id, bo.id): [Tie(ONE_TO_ONE, day)]}


def test_a_forged_or_foreign_link_is_404(app, client, pair):
    anne, bo = pair
    assert client.get("/one-to-ones/link/nonsense/confirm").status_code == 404
    assert client.post("/one-to-ones/link/nonsense/confirm").status_code == 404
    row = OneToOne(proposer_id=anne.id, partner_id=bo.id, met_on=_today(), status="proposed")
    db.session.add(row)
    db.session.commit()
    other = one_to_ones._serializer().dumps([row.id, anne.id])  # signed, but not for the partner
    assert client.get(f"/one-to-ones/link/{other}/confirm").status_code == 404


def test_decline_on_the_page_and_only_the_partner_may_answer(app, client, login, pair):
    anne, bo = pair
    _propose(client, login, anne, bo)
    row = db.session.scalar(select(OneToOne))
    assert client.post(f"/one-to-ones/{row.id}/confirm").status_code == 403  # Anne proposed it
    login(bo)
    page = client.get(f"/one-to-ones/{row.id}")
    assert page.status_code == 200 and 'data-action="confirm"' in page.get_data(as_text=True)
    assert client.post(f"/one-to-ones/{row.id}/decline").status_code == 303
    db.session.expire_all()
    assert db.session.get(OneToOne, row.id).status == "declined"
    (answer,) = _mails("one_to_one_answer")
    assert "afvist" in answer.subject.casefold() or "declined" in answer.subject.casefold()
    assert client.post(f"/one-to-ones/{row.id}/cancel").status_code == 403  # only the proposer


def test_strangers_see_nothing(app, client, login, pair):
    anne, bo = pair
    row = OneToOne(proposer_id=anne.id, partner_id=bo.id, met_on=_today(), status="proposed")
    db.session.add(row)
    db.session.commit()
    carl = create_member(groups=[create_group()], name="Carl")
    login(carl)
    assert client.get(f"/one-to-ones/{row.id}").status_code == 404
    assert client.post(f"/one-to-ones/{row.id}/confirm").status_code == 404
    assert client.get("/one-to-ones/99999999/").status_code == 404


def test_cancel_sends_a_calendar_cancel(app, client, login, pair):
    anne, bo = pair
    _propose(client, login, anne, bo)
    row = db.session.scalar(select(OneToOne))
    assert client.post(f"/one-to-ones/{row.id}/cancel").status_code == 303
    db.session.expire_all()
    row = db.session.get(OneToOne, row.id)
    assert row.status == "cancelled" and row.sequence == 1
    (mail,) = _mails("one_to_one_cancel")
    message = _parsed(mail)
    assert mail.recipients == "bo@example.test"
    raw = _calendar(message)
    for reader, events in read_all(raw).items():
        (event,) = events
        assert event["status"] == "CANCELLED" and event["sequence"] == 1, reader
        assert event["uid"].startswith(f"one-to-one-{row.id}@"), reader
    assert str(Calendar.from_ical(raw)["METHOD"]) == "CANCEL"
    # the partner cannot confirm a cancelled one
    login(bo)
    assert client.post(f"/one-to-ones/{row.id}/confirm").status_code == 409


def test_a_past_one_to_one_asks_only_for_confirmation(app, client, login, pair):
    anne, bo = pair
    day = _today() - timedelta(days=2)
    _propose(client, login, anne, bo, met_on=day.isoformat(), start_time="")
    (mail,) = _mails("one_to_one_invite")
    message = _parsed(mail)
    assert not [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert "confirm" in message["Subject"].casefold()
    row = db.session.scalar(select(OneToOne))
    login(bo)
    client.post(f"/one-to-ones/{row.id}/confirm")
    assert history.pair_ties([anne.id, bo.id], today=_today()) == {(anne.id, bo.id): [Tie(ONE_TO_ONE, day)]}


@pytest.mark.parametrize("field,value", [
    ("partner_id", "abc"), ("partner_id", "99999999999999999999"), ("partner_id", "0"),
    ("met_on", "not a date"), ("met_on", "1700-01-01"), ("met_on", "9999-12-31"),
    ("start_time", "25:99"), ("duration_minutes", "100000000000"), ("duration_minutes", "-5"),
    ("place", "x" * 301), ("note", "bad\x00byte"), ("place", "y" * 5000),
])
def test_hostile_form_input_is_a_form_error(app, client, login, pair, field, value):
    anne, bo = pair
    response = _propose(client, login, anne, bo, **{field: value})
    assert response.status_code == 422
    assert db.session.scalar(select(OneToOne)) is None
    assert _mails() == []


def test_a_lone_surrogate_never_reaches_the_database(app, client, login, pair):
    anne, bo = pair
    response = _propose(client, login, anne, bo, note="lone \ud800 surrogate")
    assert response.status_code in (303, 422)  # the browser's bytes are decoded with a replacement
    row = db.session.scalar(select(OneToOne))
    assert row is None or "\ud800" not in row.note


def test_only_members_of_a_shared_group(app, client, login, pair):
    anne, _bo = pair
    stranger = create_member(groups=[create_group()], name="Stranger")
    response = _propose(client, login, anne, stranger)
    assert response.status_code == 422
    response = _propose(client, login, anne, anne)
    assert response.status_code == 422
    assert db.session.scalar(select(OneToOne)) is None


def test_the_form_is_prefilled_from_a_suggestion(app, client, login, pair):
    anne, bo = pair
    login(anne)
    page = client.get(f"/one-to-ones/new?with={bo.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{bo.id}">|<option value="{bo.id}" selected>', page)
    assert client.get("/one-to-ones/new?with=abc").status_code == 200


def test_from_a_suggestion_the_page_is_called_suggest(app, client, login, pair, english):
    anne, bo = pair
    login(anne)
    page = client.get(f"/one-to-ones/new?with={bo.id}").get_data(as_text=True)
    assert '<h1 class="h3">Suggest a 1-to-1</h1>' in page
    page = client.get("/one-to-ones/new").get_data(as_text=True)
    assert '<h1 class="h3">Log a 1-to-1</h1>' in page


def test_declining_removes_it_from_the_calendar_and_confirming_puts_it_back(app, client, login, pair):
    anne, bo = pair
    _propose(client, login, anne, bo)
    row = db.session.scalar(select(OneToOne))
    login(bo)
    client.post(f"/one-to-ones/{row.id}/confirm")
    assert [m.kind for m in _mails()] == ["one_to_one_invite", "one_to_one_answer"]  # no new calendar copy
    client.post(f"/one-to-ones/{row.id}/decline")
    (removed,) = _mails("one_to_one_cancel")
    assert removed.recipients == "bo@example.test"
    for reader, events in read_all(_calendar(_parsed(removed))).items():
        (event,) = events
        assert event["status"] == "CANCELLED" and event["sequence"] == 1, reader
    assert "Removed from your calendar" in removed.subject
    client.post(f"/one-to-ones/{row.id}/confirm")
    invites = _mails("one_to_one_invite")
    assert len(invites) == 2
    again = _parsed(invites[1])
    cal = Calendar.from_ical(_calendar(again))
    (event,) = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 2
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert "/confirm" not in _text(again) and "/decline" in _text(again)
    assert len(_mails("one_to_one_answer")) == 3  # Anne heard of each change
    # Anne cancels: the copy in Bo's calendar goes, one sequence higher
    login(anne)
    client.post(f"/one-to-ones/{row.id}/cancel")
    cancels = _mails("one_to_one_cancel")
    assert len(cancels) == 2
    (event,) = Calendar.from_ical(_calendar(_parsed(cancels[1]))).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 3 and str(event["STATUS"]) == "CANCELLED"


def test_cancel_after_a_decline_changes_nothing(app, client, login, pair):
    anne, bo = pair
    _propose(client, login, anne, bo)
    row = db.session.scalar(select(OneToOne))
    login(bo)
    client.post(f"/one-to-ones/{row.id}/decline")
    login(anne)
    assert client.post(f"/one-to-ones/{row.id}/cancel").status_code == 303
    db.session.expire_all()
    assert db.session.get(OneToOne, row.id).status == "declined"
    assert len(_mails("one_to_one_cancel")) == 1  # only Bo's own removal


def test_both_can_download_the_calendar_file(app, client, login, pair):
    anne, bo = pair
    _propose(client, login, anne, bo)
    row = db.session.scalar(select(OneToOne))
    response = client.get(f"/one-to-ones/{row.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    for reader, events in read_all(response.data).items():
        (event,) = events
        assert "Bo Berg" in event["summary"], reader  # Anne's view: the other one
        assert event["uid"].startswith(f"one-to-one-{row.id}@"), reader
    assert "ATTENDEE" not in response.get_data(as_text=True)
    login(bo)
    assert "Anne Ågård" in client.get(f"/one-to-ones/{row.id}/calendar.ics").get_data(as_text=True)
    login(create_member(groups=[create_group()], name="Carl"))
    assert client.get(f"/one-to-ones/{row.id}/calendar.ics").status_code == 404


def test_no_second_open_one_on_the_same_day_and_a_daily_limit(app, client, login, pair, monkeypatch, english):
    anne, bo = pair
    assert _propose(client, login, anne, bo).status_code == 303
    again = _propose(client, login, anne, bo)
    assert again.status_code == 422 and "already" in again.get_data(as_text=True)
    login(bo)  # the other way round is the same pair
    week = (_today() + timedelta(days=7)).isoformat()
    response = client.post("/one-to-ones/new", data={"partner_id": str(anne.id), "met_on": week})
    assert response.status_code == 422
    monkeypatch.setattr(one_to_ones, "MAX_PER_DAY", 2)
    day8 = (_today() + timedelta(days=8)).isoformat()
    assert _propose(client, login, anne, bo, met_on=day8).status_code == 303
    limited = _propose(client, login, anne, bo, met_on=(_today() + timedelta(days=9)).isoformat())
    assert limited.status_code == 422 and "24" in limited.get_data(as_text=True)
    assert len(_mails("one_to_one_invite")) == 2


def test_a_link_to_a_cancelled_one_says_so(app, client, login, pair):
    anne, bo = pair
    _propose(client, login, anne, bo)
    (mail,) = _mails("one_to_one_invite")
    link = _link(_text(_parsed(mail)), "confirm")
    row = db.session.scalar(select(OneToOne))
    client.post(f"/one-to-ones/{row.id}/cancel")
    anonymous = app.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200 and "data-link-button" not in page.get_data(as_text=True)
    refused = anonymous.post(link)
    assert refused.status_code == 422 and 'role="alert"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OneToOne, row.id).status == "cancelled"


def test_the_page_says_who_logged_it_from_each_side(app, client, login, pair, english):
    anne, bo = pair
    _propose(client, login, anne, bo)
    row = db.session.scalar(select(OneToOne))
    assert "Logged by you" in client.get(f"/one-to-ones/{row.id}").get_data(as_text=True)
    login(bo)
    page = client.get(f"/one-to-ones/{row.id}").get_data(as_text=True)
    assert "Logged by Anne Ågård" in page and "Logged by you" not in page
