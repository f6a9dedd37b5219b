"""Calendar downloads (/meetings/<id>/calendar.ics) and public group feeds (/groups/<slug>/calendar.ics).

Every file is read back by two independent parsers (icalendar and vobject) and the start times are
compared in UTC on both sides of the summer-time change. Visibility is the meeting page's: a
members-only group's meeting is 404 for outsiders and anonymous visitors, and members-only groups
have no public feed at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import vobject

from app.calendars import feeds
from app.extensions import db
from app.meetings import services as meeting_services
from tests.factories import build_meeting_world, create_group, create_meeting, create_member, create_organizer

WINTER = datetime(2031, 3, 5, 7, 30, tzinfo=UTC)  # 08:30 in Copenhagen (CET)
SUMMER = datetime(2031, 6, 4, 6, 30, tzinfo=UTC)  # 08:30 in Copenhagen (CEST)


@pytest.fixture(autouse=True)
def _fresh_cache(app):
    feeds.clear_cache()
    yield
    feeds.clear_cache()


def _parse_both(body: bytes):
    """(icalendar Calendar, vobject component) of one file; both must accept it."""
    assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")
    cal = icalendar.Calendar.from_ical(body)
    vcal = vobject.readOne(body.decode("utf-8"), validate=True)
    return cal, vcal


def _starts_utc(cal, vcal) -> tuple[dict, dict]:
    ical_starts = {str(ev["UID"]): ev.decoded("DTSTART").astimezone(UTC) for ev in cal.walk("VEVENT")}
    vobj_starts = {ev.uid.value: ev.dtstart.value.astimezone(UTC) for ev in vcal.vevent_list}
    return ical_starts, vobj_starts


def _public_group_with_meetings():
    group = create_group(name="Kaffeklub Aarhus", slug="kaffeklub-aarhus", is_public=True)
    host = create_member(groups=[group], name="Hanne Host", email="hanne@example.test",
                         phone="+45 87 65 43 21")
    winter = create_meeting(group=group, title="Vintermøde", starts_at=WINTER,
                            ends_at=WINTER + timedelta(hours=1),
                            venue_name="Kontoret", venue_address="Åboulevarden 1, 8000 Aarhus C",
                            host_member_id=host.id, online_url="https://meet.example.test/secret",
                            agenda="Kaffe; præsentationer, og\nnetværk")
    summer = create_meeting(group=group, title="Sommermøde", starts_at=SUMMER,
                            ends_at=SUMMER + timedelta(hours=1),
                            host_member_id=host.id)
    return group, host, winter, summer


# --- the public group feed ---------------------------------------------------------------------


def test_group_feed_read_back_by_two_parsers_with_utc_starts_across_summer_time(app, client):
    group, _host, winter, summer = _public_group_with_meetings()
    response = client.get("/groups/kaffeklub-aarhus/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal, vcal = _parse_both(response.data)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Kaffeklub Aarhus"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in response.data
    assert b"X-PUBLISHED-TTL:PT1H" in response.data
    domain = urlsplit(app.config["BASE_URL"]).hostname
    ical_starts, vobj_starts = _starts_utc(cal, vcal)
    expected = {f"meeting-{winter.id}@{domain}": WINTER, f"meeting-{summer.id}@{domain}": SUMMER}
    assert ical_starts == expected
    assert vobj_starts == expected
    # Both are 08:30 on the wall clock in the group's zone, written with that TZID.
    for ev in cal.walk("VEVENT"):
        assert ev["DTSTART"].params["TZID"] == "Europe/Copenhagen"
        assert ev.decoded("DTSTART").strftime("%H:%M") == "08:30"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    event = next(ev for ev in cal.walk("VEVENT") if ev["UID"].startswith(f"meeting-{winter.id}@"))
    assert str(event["SUMMARY"]) == "Vintermøde"
    assert str(event["LOCATION"]) == "Kontoret, Åboulevarden 1, 8000 Aarhus C"
    assert "Kaffe; præsentationer, og\nnetværk" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"{app.config['BASE_URL']}/meetings/{winter.id}"
    assert f"/meetings/{winter.id}" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"


def test_public_feed_has_no_personal_data(app, client, login):
    _group, host, _winter, summer = _public_group_with_meetings()
    summer.status = "cancelled"  # its description starts with a fixed text (translated)
    db.session.commit()
    member = create_member(groups=[_group], email="mads@example.test", phone="+45 11 11 11 11")
    organizer = create_organizer(_group, email="olga@example.test")
    body = client.get("/groups/kaffeklub-aarhus/calendar.ics").data
    text = body.decode("utf-8")
    for secret in (host.email, host.phone, host.name, member.email, member.phone, organizer.email,
                   "meet.example.test", "mailto:"):
        assert secret not in text
    assert "ATTENDEE" not in text and "ORGANIZER" not in text
    # A member who chose English gets the same public file: one feed for everyone, in the
    # network's language (Danish here), whoever asks.
    english = create_member(groups=[_group], language="en")
    login(english)
    with client.session_transaction() as session:
        session["lang"] = "en"
    feeds.clear_cache()  # built afresh for this English-speaking member
    assert client.get("/groups/kaffeklub-aarhus/calendar.ics").data == body
    assert "Dette møde er aflyst." in text


def test_group_feed_keeps_cancelled_meetings_marked_and_drops_old_ones(app, client):
    group, _host, winter, _summer = _public_group_with_meetings()
    now = datetime.now(UTC).replace(microsecond=0)
    old = create_meeting(group=group, title="For længe siden", starts_at=now - timedelta(days=400))
    recent = create_meeting(group=group, title="For nylig", starts_at=now - timedelta(days=60))
    organizer = create_organizer(group)
    meeting_services.cancel_meeting(organizer, winter.id, "Sygdom")
    cal, vcal = _parse_both(client.get("/groups/kaffeklub-aarhus/calendar.ics").data)
    summaries = {str(ev["SUMMARY"]): ev for ev in cal.walk("VEVENT")}
    assert "For længe siden" not in summaries and old.id
    assert "For nylig" in summaries and recent.id
    cancelled = summaries["Vintermøde"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == db.session.get(type(winter), winter.id).sequence >= 1
    assert "Sygdom" in str(cancelled["DESCRIPTION"])
    assert {ev.summary.value: ev.status.value for ev in vcal.vevent_list}["Vintermøde"] == "CANCELLED"


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "organizer", "admin"])
def test_members_only_group_has_no_public_feed(app, client, login, role):
    world = build_meeting_world(public=False)
    if world.user(role):
        login(world.user(role))
    assert client.get(f"/groups/{world.group.slug}/calendar.ics").status_code == 404


@pytest.mark.parametrize("slug", ["nope", "x" * 500, "%00", "..%2F..%2Fetc", "' OR 1=1 --", "%F0%9F%98%80",
                                  "kaffeklub-aarhus%0d%0aX-Injected:1", "%ff"])
def test_hostile_slugs_are_404(app, client, slug):
    _public_group_with_meetings()
    assert client.get(f"/groups/{slug}/calendar.ics").status_code == 404


@pytest.mark.parametrize("meeting_id", ["0", "-1", "99999999", str(2**31), str(2**63), str(10**40),
                                        "abc", "1.5"])
def test_hostile_meeting_ids_are_404(app, client, meeting_id):
    _public_group_with_meetings()
    assert client.get(f"/meetings/{meeting_id}/calendar.ics").status_code == 404


# --- HTTP caching -----------------------------------------------------------------------------------


def test_feed_etag_last_modified_and_304_both_ways(app, client):
    group, _host, winter, _summer = _public_group_with_meetings()
    url = "/groups/kaffeklub-aarhus/calendar.ics"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in first.headers["Cache-Control"]
    last_modified = first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.data == b"" and not_modified.headers["ETag"] == etag
    head = client.head(url)
    assert head.status_code == 200 and head.headers["ETag"] == etag and head.data == b""
    # Built once: every later request was answered from the cached bytes of this version.
    assert feeds.stats["built"] == 1 and feeds.stats["cached"] >= 6

    organizer = create_organizer(group)
    meeting_services.update_meeting(organizer, winter.id, {"venue_name": "Nyt sted"})
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"Nyt sted" in changed.data
    assert client.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_meeting_download(app, client, login):
    world = build_meeting_world(public=False)
    url = f"/meetings/{world.meeting.id}/calendar.ics"
    assert client.get(url).status_code == 404
    login(world.outsider)
    assert client.get(url).status_code == 404
    login(world.member)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.ics"')
    assert "private" in response.headers["Cache-Control"]
    cal, vcal = _parse_both(response.data)
    assert _starts_utc(cal, vcal)[0] == _starts_utc(cal, vcal)[1] == {
        feeds.meeting_uid(world.meeting): WINTER}
    assert "ATTENDEE" not in response.data.decode() and "ORGANIZER" not in response.data.decode()
    etag = response.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    since = response.headers["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": since}).status_code == 304
    assert client.head(url).status_code == 200

    meeting_services.update_meeting(world.organizer, world.meeting.id, {"title": "Nyt navn"})
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    cal, _vcal = _parse_both(again.data)
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == "Nyt navn"


def test_meeting_download_hides_members_only_fields_from_the_public(app, client, login):
    _group, host, winter, _summer = _public_group_with_meetings()
    url = f"/meetings/{winter.id}/calendar.ics"
    public = client.get(url).data.decode()
    assert "meet.example.test" not in public
    assert host.phone not in public and host.email not in public and host.name not in public
    member = create_member(groups=[_group])
    login(member)
    mine = client.get(url).data.decode()
    assert "meet.example.test/secret" in mine  # the online link, as on the page
    assert host.phone not in mine and host.email not in mine  # no person in a file that travels


def test_sequence_goes_up_with_a_move(app, client, login):
    group, _host, winter, _summer = _public_group_with_meetings()
    organizer = create_organizer(group)
    before = int(icalendar.Calendar.from_ical(client.get(f"/meetings/{winter.id}/calendar.ics").data)
                 .walk("VEVENT")[0]["SEQUENCE"])
    meeting_services.update_meeting(organizer, winter.id, {"venue_address": "Et andet sted 2"})
    after = int(icalendar.Calendar.from_ical(client.get(f"/meetings/{winter.id}/calendar.ics").data)
                .walk("VEVENT")[0]["SEQUENCE"])
    assert after > before


# --- links on the pages --------------------------------------------------------------------------


def test_meeting_page_links_to_download_and_google(app, client):
    group, _host, _winter, _summer = _public_group_with_meetings()
    coming = create_meeting(group=group, title="Næste møde")
    page = client.get(f"/meetings/{coming.id}").data.decode()
    assert f'href="/meetings/{coming.id}/calendar.ics"' in page
    start = page.index("https://calendar.google.com/calendar/render?")
    link = page[start:page.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query["action"] == ["TEMPLATE"] and query["text"] == ["Næste møde"]
    assert query["ctz"] == ["Europe/Copenhagen"]
    fmt = "%Y%m%dT%H%M%SZ"
    start, end = coming.starts_at.astimezone(UTC), coming.ends_at.astimezone(UTC)
    assert query["dates"] == [f"{start:{fmt}}/{end:{fmt}}"]
    assert "Bredgade 1" in query["location"][0]


def test_list_page_offers_subscription_for_public_groups_only(app, client, login):
    _public_group_with_meetings()
    page = client.get("/groups/kaffeklub-aarhus/meetings").data.decode()
    assert "webcal://localhost/groups/kaffeklub-aarhus/calendar.ics" in page
    assert f"{client.application.config['BASE_URL']}/groups/kaffeklub-aarhus/calendar.ics" in page
    world = build_meeting_world(public=False)
    login(world.member)
    private = client.get(f"/groups/{world.group.slug}/meetings").data.decode()
    assert "calendar.ics" not in private
