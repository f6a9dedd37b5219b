"""A member's private calendar feed (/calendar/<token>.ics) and its settings on the profile.

Every feed is read back by four independent parsers (icalendar strict, vobject with validation,
`ical`, and recurring-ical-events for the expansion) and the start times are compared in UTC on
both sides of the spring and autumn summer-time changes. The member's own status shows in each
event; nobody else's personal data is in the file; the version key changes with everything that
changes the file (each trigger has its own test) and a poll of an unchanged feed is a 304.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import event, select

from app.auth.log_redaction import redact
from app.calendars import feeds, member_feed
from app.extensions import db
from app.groups import services as group_services
from app.meetings import services as meeting_services
from app.models import CalendarFeed, Meeting, Member, Membership, NetworkSettings
from app.rsvp import services as rsvp
from tests.factories import add_membership, create_group, create_meeting, create_member, create_organizer

# 08:30 in Copenhagen on both sides of the 2031 changes (30 March and 26 October).
SPRING_WINTER = datetime(2031, 3, 26, 7, 30, tzinfo=UTC)  # CET, UTC+1
SPRING_SUMMER = datetime(2031, 4, 2, 6, 30, tzinfo=UTC)  # CEST, UTC+2
AUTUMN_SUMMER = datetime(2031, 10, 22, 6, 30, tzinfo=UTC)  # CEST
AUTUMN_WINTER = datetime(2031, 10, 29, 7, 30, tzinfo=UTC)  # CET
CANCELLED_AT = datetime(2031, 5, 7, 6, 30, tzinfo=UTC)
EXPECTED_AT = datetime(2031, 6, 4, 6, 30, tzinfo=UTC)
EXPECTED_AFBUD_AT = datetime(2031, 6, 11, 6, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache(app):
    member_feed.clear_cache()
    yield
    member_feed.clear_cache()


# --- reading a feed back ------------------------------------------------------------------------------


def _icalendar(raw: bytes) -> dict[str, dict]:
    cal = icalendar.Calendar.from_ical(raw)
    return {str(ev["UID"]): dict(start=ev.decoded("DTSTART").astimezone(UTC), status=str(ev["STATUS"]),
                                 summary=str(ev["SUMMARY"]), description=str(ev.get("DESCRIPTION", "")),
                                 transp=str(ev.get("TRANSP", "OPAQUE")))
            for ev in cal.walk("VEVENT")}


def _vobject(raw: bytes) -> dict[str, dict]:
    cal = vobject.readOne(raw.decode("utf-8"), validate=True)
    out = {}
    for ev in cal.contents.get("vevent", []):
        out[ev.uid.value] = dict(start=ev.dtstart.value.astimezone(UTC), status=ev.status.value,
                                 summary=ev.summary.value,
                                 description=ev.description.value if "description" in ev.contents else "",
                                 transp=ev.transp.value if "transp" in ev.contents else "OPAQUE")
    return out


def _ical(raw: bytes) -> dict[str, dict]:
    cal = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    return {ev.uid: dict(start=ev.dtstart.astimezone(UTC), status=ev.status.value, summary=ev.summary,
                         description=ev.description or "",
                         transp=str(ev.transparency) if ev.transparency else "OPAQUE")
            for ev in cal.events}


def read_feed(raw: bytes) -> dict[str, dict]:
    """{UID: start (UTC), status, summary, description, transp}: the three parsers agree on it,
    and recurring-ical-events expands the same occurrences."""
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = {"icalendar": _icalendar(raw), "vobject": _vobject(raw), "ical": _ical(raw)}
    first = parsed["icalendar"]
    for name, events in parsed.items():
        assert events == first, name
    occurrences = recurring_ical_events.of(icalendar.Calendar.from_ical(raw)).between(
        datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    assert sorted(o.decoded("DTSTART").astimezone(UTC) for o in occurrences) == sorted(
        e["start"] for e in first.values())
    return first


# --- the world -----------------------------------------------------------------------------------------


class FeedWorld:
    pass


def build(*, language: str = "en") -> FeedWorld:
    w = FeedWorld()
    w.group = create_group(name="Kaffeklub Herning")
    w.expected_group = create_group(name="Kaffeklub Viborg", rsvp_mode="expected")
    w.elsewhere = create_group(name="Kaffeklub Odense")
    w.organizer = create_organizer(w.group, name="Olga Organizer", email="olga@example.test",
                                   phone="+45 22 22 22 22", language="en")
    add_membership(w.organizer, w.expected_group, role="organizer")
    w.member = create_member(groups=[w.group, w.expected_group], name="Mads Member",
                             email="mads@example.test", language=language)
    w.other = create_member(groups=[w.group], name="Petra Privat", email="petra@example.test",
                            phone="+45 33 33 33 33", company="Petras Firma ApS")
    w.host = create_member(groups=[w.group], name="Hanne Host", email="hanne@example.test",
                           phone="+45 44 44 44 44")
    common = dict(group=w.group, host_member_id=w.host.id, online_url="https://meet.example.test/herning")
    w.going = create_meeting(title="Going", starts_at=SPRING_WINTER, **common)
    w.waiting = create_meeting(title="Waiting", starts_at=SPRING_SUMMER, capacity=1, **common)
    w.open = create_meeting(title="Open", starts_at=AUTUMN_SUMMER, **common)
    w.afbud = create_meeting(title="Afbud", starts_at=AUTUMN_WINTER, **common)
    w.cancelled = create_meeting(title="Cancelled", starts_at=CANCELLED_AT, **common)
    w.expected = create_meeting(title="Expected", group=w.expected_group, starts_at=EXPECTED_AT)
    w.expected_afbud = create_meeting(title="Expected afbud", group=w.expected_group,
                                      starts_at=EXPECTED_AFBUD_AT)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    w.recent = create_meeting(title="Recent", group=w.group, starts_at=now - timedelta(days=60))
    w.old = create_meeting(title="Old", group=w.group, starts_at=now - timedelta(days=400))
    w.foreign = create_meeting(title="Foreign", group=w.elsewhere, starts_at=SPRING_WINTER)

    rsvp.answer(w.member, w.going.id, "yes")
    rsvp.answer(w.other, w.waiting.id, "yes")  # takes the one seat
    rsvp.answer(w.host, w.waiting.id, "yes")  # first in line
    rsvp.answer(w.member, w.waiting.id, "yes")  # second in line
    rsvp.answer(w.member, w.afbud.id, "no", message="Ferie")
    rsvp.answer(w.member, w.cancelled.id, "yes")
    rsvp.answer(w.member, w.expected_afbud.id, "no")
    meeting_services.cancel_meeting(w.organizer, w.cancelled.id, "The host is ill")
    w.webcal, w.url = member_feed.feed_urls(w.member)
    w.path = urlsplit(w.url).path
    return w


def uid(meeting) -> str:
    return feeds.meeting_uid(meeting)


# --- the content ---------------------------------------------------------------------------------------


def test_feed_shows_the_members_own_status_read_back_by_four_parsers(app, client):
    w = build()
    response = client.get(w.path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    raw = response.data
    events = read_feed(raw)

    # Which meetings: the member's groups, from about six months back; not other groups.
    assert set(events) == {uid(m) for m in (w.going, w.waiting, w.open, w.afbud, w.cancelled, w.expected,
                                            w.expected_afbud, w.recent)}
    # Times in UTC on both sides of both summer-time changes, 08:30 on the wall clock.
    for meeting, start in ((w.going, SPRING_WINTER), (w.waiting, SPRING_SUMMER), (w.open, AUTUMN_SUMMER),
                           (w.afbud, AUTUMN_WINTER)):
        assert events[uid(meeting)]["start"] == start
    cal = icalendar.Calendar.from_ical(raw)
    for ev in cal.walk("VEVENT"):
        assert ev["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    rrules = [str(block["RRULE"].to_ical(), "ascii") for block in cal.walk("VTIMEZONE")[0].subcomponents]
    assert sorted(rrules) == ["FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"]

    # The calendar's own properties.
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"]) == "Kaffeklub – my meetings"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in raw and b"X-PUBLISHED-TTL:PT1H\r\n" in raw
    assert b"X-WR-TIMEZONE" not in raw

    going = events[uid(w.going)]
    assert (going["status"], going["transp"], going["summary"]) == ("CONFIRMED", "OPAQUE", "Going")
    assert going["description"].startswith("You are signed up.")

    waiting = events[uid(w.waiting)]
    assert waiting["status"] == "TENTATIVE"
    assert waiting["description"].startswith("You are on the waitlist (no. 2).")

    page = f"{app.config['BASE_URL']}/meetings/{w.open.id}"
    open_ = events[uid(w.open)]
    assert open_["status"] == "TENTATIVE" and open_["transp"] == "TRANSPARENT"
    assert open_["description"].startswith(f"You have not answered yet. Answer on the meeting page: {page}")

    afbud = events[uid(w.afbud)]  # shown (the default), marked and not busy
    assert afbud["summary"] == "Afbud: Afbud" and afbud["transp"] == "TRANSPARENT"
    assert afbud["description"].startswith("You have sent afbud.")

    cancelled = events[uid(w.cancelled)]
    assert cancelled["status"] == "CANCELLED" and "The host is ill" in cancelled["description"]

    expected = events[uid(w.expected)]  # "expected unless afbud", not answered
    assert expected["status"] == "CONFIRMED" and expected["transp"] == "OPAQUE"
    assert expected["description"].startswith("You are expected.")
    assert events[uid(w.expected_afbud)]["summary"] == "Afbud: Expected afbud"

    # A past meeting asks for no answer any more.
    recent = events[uid(w.recent)]
    assert recent["status"] == "TENTATIVE" and "answer" not in recent["description"].lower()

    # The same UID as invitations and downloads, the sequence of the meeting.
    assert int(next(ev for ev in cal.walk("VEVENT") if str(ev["UID"]) == uid(w.cancelled))["SEQUENCE"]) >= 1


def test_no_personal_data_of_others(app, client):
    w = build()
    text = client.get(w.path).data.decode()
    for secret in (w.other.name, w.other.email, w.other.phone, w.other.company, w.host.name, w.host.email,
                   w.host.phone, w.organizer.email, w.organizer.phone, w.organizer.name, w.member.email,
                   "mailto:", "Ferie"):
        assert secret not in text, secret
    assert "ATTENDEE" not in text and "ORGANIZER" not in text
    # The online link is for members of the group: this member is one.
    assert "https://meet.example.test/herning" in text


def test_texts_are_in_the_members_language(app, client):
    w = build(language="da")
    raw = client.get(w.path).data
    events = read_feed(raw)
    assert "Dette møde er aflyst." in events[uid(w.cancelled)]["description"]
    assert str(icalendar.Calendar.from_ical(raw)["X-WR-CALNAME"]) == "Kaffeklub – mine møder"
    assert events[uid(w.waiting)]["description"].startswith("Du er på ventelisten (nr. 2).")
    assert events[uid(w.going)]["description"].startswith("Du er tilmeldt.")
    assert events[uid(w.open)]["description"].startswith("Du har ikke svaret endnu. Svar på mødesiden: ")
    assert events[uid(w.afbud)]["summary"] == "Afbud: Afbud"
    assert events[uid(w.afbud)]["description"].startswith("Du har meldt afbud.")
    # Another member's feed in English at the same time: the language is part of the version.
    english = create_member(groups=[w.group], language="en")
    other = read_feed(client.get(urlsplit(member_feed.feed_urls(english)[1]).path).data)
    assert other[uid(w.cancelled)]["description"].startswith("This meeting is cancelled.")


def test_hiding_declined_meetings_by_the_members_choice(app, client, login):
    w = build()
    login(w.member)
    response = client.post("/profile/calendar", data={})  # the switch off
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile#calendar")
    assert db.session.scalar(select(CalendarFeed.show_declined)) is False
    events = read_feed(client.get(w.path).data)
    assert uid(w.afbud) not in events and uid(w.expected_afbud) not in events
    assert uid(w.going) in events and uid(w.cancelled) in events
    client.post("/profile/calendar", data={"show_declined": "y"})
    assert uid(w.afbud) in read_feed(client.get(w.path).data)


def test_a_cancelled_meeting_the_member_declined_follows_the_choice(app, client):
    w = build()
    rsvp.answer(w.member, w.open.id, "no")
    meeting_services.cancel_meeting(w.organizer, w.open.id, "Snow")
    assert read_feed(client.get(w.path).data)[uid(w.open)]["status"] == "CANCELLED"
    member_feed.set_show_declined(w.member, False)
    assert uid(w.open) not in read_feed(client.get(w.path).data)


def test_other_time_zones_get_their_own_vtimezone(app, client):
    group = create_group(name="Kaffeklub New York", timezone="America/New_York")
    member = create_member(groups=[group], language="en")
    # 08:30 in New York on both sides of 9 March 2031 (EST -5, EDT -4).
    before = create_meeting(group=group, starts_at=datetime(2031, 3, 5, 13, 30, tzinfo=UTC))
    after = create_meeting(group=group, starts_at=datetime(2031, 3, 12, 12, 30, tzinfo=UTC))
    raw = client.get(urlsplit(member_feed.feed_urls(member)[1]).path).data
    events = read_feed(raw)
    assert events[uid(before)]["start"] == datetime(2031, 3, 5, 13, 30, tzinfo=UTC)
    assert events[uid(after)]["start"] == datetime(2031, 3, 12, 12, 30, tzinfo=UTC)
    assert b"TZID=America/New_York:20310312T083000" in raw


def test_a_member_in_no_group_gets_an_empty_valid_feed(app, client):
    member = create_member(language="en")
    raw = client.get(urlsplit(member_feed.feed_urls(member)[1]).path).data
    assert read_feed(raw) == {}
    assert b"BEGIN:VCALENDAR\r\n" in raw


# --- the address -------------------------------------------------------------------------------------------


def test_address_is_stable_unguessable_and_only_its_hash_is_stored(app, client):
    w = build()
    assert w.webcal == "webcal://" + w.url.split("://", 1)[1]
    token = re.fullmatch(r"http://localhost/calendar/([A-Za-z0-9_-]+)\.ics", w.url).group(1)
    assert len(token) == 43
    assert member_feed.feed_urls(w.member) == (w.webcal, w.url)  # shown again, the same
    row = db.session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == w.member.id))
    assert token not in (row.nonce, row.token_hash) and len(row.token_hash) == 64
    other = member_feed.feed_urls(w.other)[1]
    assert other != w.url
    assert db.session.scalar(select(db.func.count(CalendarFeed.id))) == 2


def test_rotating_from_the_profile_kills_the_old_address(app, client, login):
    w = build()
    assert client.get(w.path).status_code == 200
    login(w.member)
    page = client.get("/profile").get_data(as_text=True)
    assert w.url in page and w.webcal in page
    response = client.post("/profile/calendar/new-address")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile#calendar")
    assert client.get(w.path).status_code == 404
    assert client.head(w.path).status_code == 404
    new_webcal, new_url = member_feed.feed_urls(db.session.get(Member, w.member.id))
    assert new_url != w.url
    assert client.get(urlsplit(new_url).path).status_code == 200
    page = client.get("/profile").get_data(as_text=True)
    assert new_url in page and w.url not in page
    assert db.session.scalar(select(CalendarFeed.rotated_at)) is not None


def test_a_changed_secret_key_gives_a_new_address(app, client):
    w = build()
    app.config["SECRET_KEY"] = "another-secret"
    _webcal, url = member_feed.feed_urls(db.session.get(Member, w.member.id))
    assert url != w.url
    assert client.get(urlsplit(url).path).status_code == 200
    assert client.get(w.path).status_code == 404


def test_a_deactivated_members_feed_stops(app, client):
    w = build()
    db.session.get(Member, w.member.id).active = False
    db.session.commit()
    assert client.get(w.path).status_code == 404


@pytest.mark.parametrize("token", [
    "nope", "A" * 43, "A" * 42, "A" * 44, "A" * 5000, "%00" * 43, "A" * 42 + "%00", "%F0%9F%98%80" * 11,
    "%ff" * 43, "..%2F..%2Fetc%2Fpasswd", "' OR 1=1 --", "A" * 40 + "%0d%0a", "%EDa%80%80" + "A" * 40,
    "Zm9v+/" + "A" * 37,
])
def test_unknown_and_garbage_tokens_are_404(app, client, token):
    build()
    for method in (client.get, client.head):
        response = method(f"/calendar/{token}.ics")
        assert response.status_code == 404, (token, response.status_code)


def test_failed_lookups_are_rate_limited_per_address(app, client):
    w = build()
    app.config["CALENDAR_FEED_FAILURE_LIMIT"] = "3 per 10 minutes"
    for n in range(3):
        assert client.get(f"/calendar/{'B' * 42}{n}.ics").status_code == 404
    throttled = client.get(f"/calendar/{'C' * 43}.ics")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    # Also a right token gets 429 from that address while the window lasts: no guessing at speed.
    assert client.get(w.path).status_code == 429
    # Other addresses are not affected; successful polls are never counted.
    elsewhere = {"REMOTE_ADDR": "192.0.2.7"}
    for _ in range(10):
        assert client.get(w.path, environ_base=elsewhere).status_code == 200
    assert client.get(f"/calendar/{'D' * 43}.ics", environ_base=elsewhere).status_code == 404


def test_token_is_redacted_from_request_logs(app):
    w = build()
    token = w.path.removeprefix("/calendar/").removesuffix(".ics")
    line = redact(f'127.0.0.1 - - [30/Nov/2026 10:00:00] "GET {w.path} HTTP/1.1" 200 -')
    assert token not in line and token[:8] not in line and "/calendar/[redacted]" in line


# --- HTTP caching and the version key ----------------------------------------------------------------------


def test_304_by_etag_and_by_if_modified_since_and_head(app, client):
    w = build()
    first = client.get(w.path)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    since = first.headers["Last-Modified"]
    not_modified = client.get(w.path, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    assert client.get(w.path, headers={"If-Modified-Since": since}).status_code == 304
    assert client.get(w.path, headers={"If-None-Match": '"other"'}).status_code == 200
    old_date = {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    assert client.get(w.path, headers=old_date).status_code == 200
    head = client.head(w.path)
    assert head.status_code == 200 and head.headers["ETag"] == etag and head.data == b""
    assert feeds.stats["built"] == 1  # one build; every other request used the cached bytes


def test_a_poll_of_an_unchanged_feed_costs_a_few_queries(app, client):
    w = build()
    etag = client.get(w.path).headers["ETag"]
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(w.path, headers={"If-None-Match": etag}).status_code == 304
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 4, len(statements)  # lookup, groups, aggregates, waitlist place
    assert feeds.stats["built"] == 1


def _changes(client, w, change, *, check_if_modified_since: bool = True) -> bytes:
    """Apply `change` and check that the feed is a new version: a new ETag, 200 to the old ETag and
    (when the change is made in this process) to the old Last-Modified; returns the new bytes."""
    before = client.get(w.path)
    etag, since = before.headers["ETag"], before.headers["Last-Modified"]
    assert client.get(w.path, headers={"If-None-Match": etag}).status_code == 304
    change()
    after = client.get(w.path, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    if check_if_modified_since:
        assert client.get(w.path, headers={"If-Modified-Since": since}).status_code == 200
    assert client.get(w.path, headers={"If-None-Match": after.headers["ETag"]}).status_code == 304
    return after.data


def test_version_changes_with_the_members_answer(app, client):
    w = build()
    raw = _changes(client, w, lambda: rsvp.answer(w.member, w.open.id, "yes"))
    assert read_feed(raw)[uid(w.open)]["status"] == "CONFIRMED"


def test_version_changes_with_a_promotion_from_the_waitlist(app, client):
    w = build()
    # Someone ahead leaves: the member moves up the line (their own row's time stamp stays).
    raw = _changes(client, w, lambda: rsvp.answer(w.host, w.waiting.id, "no"))
    assert read_feed(raw)[uid(w.waiting)]["description"].startswith("You are on the waitlist (no. 1).")
    # The one going leaves: the member gets the seat.
    raw = _changes(client, w, lambda: rsvp.answer(w.other, w.waiting.id, "no"))
    assert read_feed(raw)[uid(w.waiting)]["status"] == "CONFIRMED"


def test_waiting_guests_ahead_count_in_the_place(app, client):
    w = build()
    meeting = create_meeting(group=w.group, title="Full", starts_at=EXPECTED_AT, capacity=1)
    rsvp.answer(w.other, meeting.id, "yes")
    rsvp.answer(w.host, meeting.id, "yes", guests=[{"name": "Gæst Gæstesen", "email": "g@example.test"}])
    rsvp.answer(w.member, meeting.id, "yes")
    raw = client.get(w.path).data
    # Hanne waits first, her guest second, the member third.
    assert read_feed(raw)[uid(meeting)]["description"].startswith("You are on the waitlist (no. 3).")
    assert "Gæst Gæstesen" not in raw.decode() and "g@example.test" not in raw.decode()


def test_version_changes_with_a_meeting_change(app, client):
    w = build()
    raw = _changes(client, w, lambda: meeting_services.update_meeting(
        w.organizer, w.going.id, {"venue_name": "Et nyt sted"}))
    assert b"Et nyt sted" in raw


def test_version_changes_with_a_new_meeting_and_a_cancellation(app, client):
    w = build()
    raw = _changes(client, w, lambda: create_meeting(group=w.expected_group, title="Brand new",
                                                     starts_at=EXPECTED_AT + timedelta(days=30)))
    assert b"Brand new" in raw
    raw = _changes(client, w, lambda: meeting_services.cancel_meeting(w.organizer, w.going.id, "Storm"))
    assert read_feed(raw)[uid(w.going)]["status"] == "CANCELLED"


def test_version_changes_with_a_deleted_meeting(app, client):
    w = build()

    def delete():
        db.session.delete(db.session.get(Meeting, w.open.id))
        db.session.commit()

    raw = _changes(client, w, delete, check_if_modified_since=True)
    assert uid(w.open) not in read_feed(raw)


def test_version_changes_with_memberships(app, client):
    w = build()
    raw = _changes(client, w, lambda: add_membership(db.session.get(Member, w.member.id), w.elsewhere))
    assert uid(w.foreign) in read_feed(raw)

    def leave():
        membership = db.session.scalar(select(Membership).where(
            Membership.member_id == w.member.id, Membership.group_id == w.group.id))
        group_services.remove_member_from_group(w.organizer, w.group.slug, membership.id)

    raw = _changes(client, w, leave)
    assert uid(w.going) not in read_feed(raw) and uid(w.expected) in read_feed(raw)


def test_version_changes_with_the_groups_answer_mode(app, client):
    w = build()
    data = {"name": w.group.name, "slug": w.group.slug, "timezone": w.group.timezone}
    raw = _changes(client, w, lambda: group_services.update_group(
        w.organizer, w.group.slug, {**data, "rsvp_mode": "expected"}))
    assert read_feed(raw)[uid(w.open)]["status"] == "CONFIRMED"
    raw = _changes(client, w, lambda: group_services.update_group(
        w.organizer, w.group.slug, {**data, "rsvp_mode": "expected", "timezone": "Europe/London"}))
    assert b"DTSTART;TZID=Europe/London:" in raw


def test_version_changes_with_the_feed_setting_and_back(app, client):
    w = build()
    _changes(client, w, lambda: member_feed.set_show_declined(w.member, False))
    # Back to the first version: still newer than what the client holds now.
    raw = _changes(client, w, lambda: member_feed.set_show_declined(w.member, True))
    assert uid(w.afbud) in read_feed(raw)


def test_version_changes_with_the_members_language_and_the_networks_name(app, client):
    w = build()

    def danish():
        db.session.get(Member, w.member.id).language = "da"
        db.session.commit()

    _changes(client, w, danish)

    def rename():
        NetworkSettings.get().name = "Erhvervsnetværket"
        db.session.commit()

    raw = _changes(client, w, rename)
    assert str(icalendar.Calendar.from_ical(raw)["X-WR-CALNAME"]).startswith("Erhvervsnetværket")


# --- the profile ----------------------------------------------------------------------------------------


def test_profile_calendar_section(app, client, login, english):
    w = build()
    login(w.member)
    page = client.get("/profile").get_data(as_text=True)
    section = page[page.index('id="calendar"'):page.index("Login and access")]
    assert f'href="{w.webcal}"' in section and "Subscribe in your calendar" in section
    assert re.search(rf'<input[^>]*id="calendar-url"[^>]*value="{re.escape(w.url)}"[^>]*readonly', section)
    assert 'data-copy-target="calendar-url"' in section
    assert 'name="show_declined"' in section and "checked" in section
    assert "Make a new address" in section and "stop updating" in section
    assert "<script>" not in page  # CSP: script-src 'self' only
    assert "js/copy-token.js" in page and "js/confirm.js" in page
    client.post("/profile/calendar", data={})
    page = client.get("/profile").get_data(as_text=True)
    assert "Your calendar settings were saved." in page
    section = page[page.index('id="calendar"'):page.index("Login and access")]
    assert re.search(r'<input[^>]*name="show_declined"[^>]*>', section).group(0).count("checked") == 0


def test_profile_share_attendance_choice(app, client, login, english):
    w = build()
    login(w.member)
    page = client.get("/profile").get_data(as_text=True)
    assert "Show my name to the others who are coming" in page and "reminder" in page
    data = {"name": "Mads Member", "language": "en"}
    assert client.post("/profile", data=data).status_code == 302
    assert db.session.get(Member, w.member.id).share_attendance is False
    assert client.post("/profile", data={**data, "share_attendance": "y"}).status_code == 302
    assert db.session.get(Member, w.member.id).share_attendance is True


def test_share_attendance_service_refuses_wrong_types(app):
    from app.errors import ValidationFailed
    from app.members import services

    member = create_member(language="en")
    with pytest.raises(ValidationFailed) as error:
        services.update_own_profile(member, {"name": "X", "language": "en", "share_attendance": "no"})
    assert "share_attendance" in error.value.fields
    services.update_own_profile(member, {"name": "X", "language": "en"})  # not given: unchanged
    assert db.session.get(Member, member.id).share_attendance is True


def test_admin_edit_form_has_no_share_attendance(app, client, login):
    from app.models import Member as M

    admin = create_member(is_admin=True, language="en")
    member = create_member(language="en", share_attendance=False)
    login(admin)
    page = client.get(f"/admin/members/{member.id}/edit").get_data(as_text=True)
    assert "share_attendance" not in page
    assert db.session.get(M, member.id).share_attendance is False


def test_calendar_posts_need_login(app, client):
    assert client.post("/profile/calendar").status_code == 302
    assert client.post("/profile/calendar/new-address").status_code == 302
    assert db.session.scalar(select(db.func.count(CalendarFeed.id))) == 0
