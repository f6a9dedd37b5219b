"""How the meeting pages present things: the change history for people, the month view on phones and
desktops, breadcrumbs, and the details of the meeting page (deadline, guests, links, state)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.extensions import db
from app.meetings import services
from tests.factories import create_group, create_meeting, create_member, create_organizer

pytestmark = pytest.mark.usefixtures("english")

YEAR = max(2031, date.today().year + 2)


@pytest.fixture
def group(app):
    return create_group(name="Kaffeklub Herning", slug="herning", is_public=True)


@pytest.fixture
def organizer(group):
    return create_organizer(group, name="Olga Organizer", language="en")


def _series_meeting(organizer, group):
    """The first meeting of a small monthly series, created through the services."""
    _series, created = services.create_series(organizer, group, {
        "title": "Morgenmøde",
        "frequency": "monthly_day",
        "day_of_month": 5,
        "starts_on": date(YEAR, 3, 1),
        "ends_on": date(YEAR, 5, 31),
        "start_time": time(8, 30),
        "end_time": time(10, 0),
        "venue_name": "Revisorhuset",
        "holiday_policy": "ignore",
    })
    return created[0]


def _history(page: str) -> str:
    return page.split('id="history-title"', 1)[1]


# --- change history -------------------------------------------------------------------------------


def test_history_shows_names_local_times_and_no_internal_fields(client, login, group, organizer):
    host = create_member(name="Hanne Host", groups=[group])
    meeting = _series_meeting(organizer, group)
    services.update_meeting(organizer, meeting, {"start_time": time(9, 0), "host_member_id": host.id,
                                                 "capacity": 20, "guests_welcome": False})
    login(organizer)
    history = _history(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "Created from the series “Morgenmøde”." in history
    assert "Moved" in history
    # 08:30 -> 09:00 Copenhagen time (07:30 -> 08:00 UTC in March), in the reader's (English) format.
    assert f"Mar 5, {YEAR}, 8:30\u202fAM" in history and f"Mar 5, {YEAR}, 9:00\u202fAM" in history
    assert "Hanne Host" in history and "→</span><span class=\"visually-hidden\">" in history
    assert "Capacity" in history and "Guests are welcome" in history and ">no<" not in history
    assert re.search(r"Guests are welcome</span>:\s*yes", history)
    # Internal bookkeeping and raw values stay out. (The meeting's raw UTC start would show as
    # "{YEAR}-03-05T07:30:00+00:00"; a bare "T07:30" is no test: the <time> of the change itself
    # holds it whenever the test runs at 07:30 local time.)
    for raw in ("Series date", "series_id", "series_date", "sequence", f"{YEAR}-03-05", "+00:00",
                f"{host.id} →"):
        assert raw not in history, raw


def test_history_of_a_single_meeting_lists_its_first_values_and_cancellation(client, login, group, organizer):
    meeting = services.create_meeting(organizer, group, {
        "title": "Ekstra møde", "date": date(YEAR, 6, 10), "start_time": time(8, 0), "end_time": time(9, 0),
        "venue_name": "Kroen", "rsvp_deadline": datetime(YEAR, 6, 9, 12, 0)})
    services.cancel_meeting(organizer, meeting, "Stormvejr")
    login(organizer)
    history = _history(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "Created" in history and "Cancelled" in history
    assert re.search(r"Status</span>:\s*Scheduled <span aria-hidden=\"true\">→</span>", history)
    assert "Stormvejr" in history and "Kroen" in history
    assert f"Jun 9, {YEAR}, 12:00\u202fPM" in history  # the deadline, local
    assert "Online link" not in history  # empty at creation: not listed
    assert "scheduled" not in history  # the raw status value


def test_history_is_translated_for_danish_readers(client, login, group, organizer):
    meeting = _series_meeting(organizer, group)
    services.update_meeting(organizer, meeting, {"start_time": time(9, 0)})
    login(organizer)
    client.post("/language", data={"lang": "da", "next": "/"})
    history = _history(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "Starter" in history and "Flyttet" in history
    assert f"5. mar. {YEAR} 09.00" in history


def test_history_is_only_for_those_who_manage_the_group(client, login, group, organizer):
    meeting = _series_meeting(organizer, group)
    member = create_member(groups=[group])
    login(member)
    assert 'id="history-title"' not in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


# --- month view -----------------------------------------------------------------------------------


def test_month_view_has_a_captioned_grid_and_a_phone_list(client, group, organizer):
    meeting = create_meeting(group=group, title="Marts-møde",
                             starts_at=datetime(YEAR, 3, 5, 7, 30, tzinfo=UTC))
    cancelled = create_meeting(group=group, title="Aflyst møde", status="cancelled",
                               starts_at=datetime(YEAR, 3, 19, 7, 30, tzinfo=UTC))
    page = client.get(f"/groups/herning/meetings?view=month&month={YEAR}-03").get_data(as_text=True)
    grid = page.split('class="table table-bordered month-view"', 1)[1]
    assert f'<caption class="visually-hidden">Meetings in March {YEAR}</caption>' in grid
    assert grid.count('<th scope="col">') == 7
    phone = page.split('class="d-sm-none month-list"', 1)[1].split("</ul>", 1)[0]
    assert f"Wednesday, March 5, {YEAR}" in phone and f'href="/meetings/{meeting.id}"' in phone
    assert f'href="/meetings/{cancelled.id}"' in phone and "Cancelled" in phone
    # The heading comes first, so on a phone it sits on its own line above the buttons.
    nav = page.split('class="month-nav', 1)[1]
    assert nav.index("month-title") < nav.index("Previous month") < nav.index("Next month")
    empty = client.get(f"/groups/herning/meetings?view=month&month={YEAR}-04").get_data(as_text=True)
    assert "No meetings this month." in empty


# --- breadcrumbs ----------------------------------------------------------------------------------


def _crumbs(page: str) -> list[str]:
    nav = page.split('<ol class="breadcrumb">', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S)]


def test_meeting_pages_have_breadcrumbs_back_to_the_group(client, login, group, organizer):
    meeting = _series_meeting(organizer, group)
    login(organizer)
    base = ["Groups", "Kaffeklub Herning"]
    expected = {
        "/groups/herning/meetings": [*base, "Meetings"],
        "/groups/herning/meetings?view=month": [*base, "Meetings"],
        "/groups/herning/meetings/past": [*base, "Meetings", "Past meetings"],
        f"/meetings/{meeting.id}": [*base, "Meetings", "Morgenmøde"],
        f"/meetings/{meeting.id}/edit": [*base, "Meetings", "Morgenmøde", "Edit meeting"],
        f"/meetings/{meeting.id}/cancel": [*base, "Meetings", "Morgenmøde", "Cancel meeting"],
        "/groups/herning/meetings/new": [*base, "Meetings", "New meeting"],
        "/groups/herning/series/new": [*base, "Meetings", "Plan a series"],
        f"/series/{meeting.series_id}/hosts": [*base, "Meetings", "Host rotation"],
    }
    for path, crumbs in expected.items():
        page = client.get(path).get_data(as_text=True)
        assert _crumbs(page) == crumbs, path
        assert 'href="/groups/herning"' in page and 'aria-current="page"' in page


# --- the meeting page -----------------------------------------------------------------------------


def test_meeting_page_shows_deadline_guests_links_and_agenda(client, login, group):
    meeting = create_meeting(
        group=group, title="Morgenmøde", starts_at=datetime(YEAR, 3, 5, 7, 30, tzinfo=UTC),
        rsvp_deadline=datetime(YEAR, 3, 3, 11, 0, tzinfo=UTC), guests_welcome=False,
        online_url="https://meet.example/kaffe", venue_address="Bredgade 12, 7400 Herning",
        agenda="Kaffe.\n\nProgram: https://example.com/program")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)  # public group, anonymous
    assert "Sign-up deadline" in page and f'datetime="{YEAR}-03-03T12:00+01:00"' in page
    assert "Members only" in page
    assert 'href="https://www.openstreetmap.org/search?query=Bredgade+12%2C+7400+Herning"' in page
    assert "<p>Kaffe.</p>" in page and 'href="https://example.com/program"' in page
    assert "meet.example" not in page  # the online link is for members
    login(create_member(groups=[group]))
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'href="https://meet.example/kaffe"' in page


def test_cancelled_and_past_meetings_are_marked_and_offer_only_corrections(client, login, group, organizer):
    cancelled = create_meeting(group=group, starts_at=datetime(YEAR, 3, 5, 7, 30, tzinfo=UTC),
                               status="cancelled", cancel_reason="Stormvejr")
    past = create_meeting(group=group, starts_at=datetime.now(UTC) - timedelta(days=3))
    db.session.commit()
    login(organizer)
    page = client.get(f"/meetings/{cancelled.id}").get_data(as_text=True)
    assert "This meeting is cancelled." in page and "Stormvejr" in page
    assert 'badge text-bg-danger' in page
    assert f"/meetings/{cancelled.id}/edit" not in page and f"/meetings/{cancelled.id}/cancel" not in page
    page = client.get(f"/meetings/{past.id}").get_data(as_text=True)
    assert "This meeting has taken place." in page
    # A past meeting can still be corrected, but no longer cancelled.
    assert f"/meetings/{past.id}/edit" in page and "Correct details" in page
    assert f"/meetings/{past.id}/cancel" not in page
    upcoming = create_meeting(group=group, starts_at=datetime(YEAR, 4, 5, 6, 30, tzinfo=UTC))
    page = client.get(f"/meetings/{upcoming.id}").get_data(as_text=True)
    assert f"/meetings/{upcoming.id}/edit" in page and "This meeting has taken place." not in page
