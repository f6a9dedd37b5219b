"""Lists that grow with the network come in pages: the directory, the admin list, a group's
members (web: 25 a page), past meetings (12 a page), with "Page 2 of 3" and out-of-range pages
showing the last one; and the API's group members and meetings (page/per_page, default 25, at
most 200, headers)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.meetings.services import PAST_PER_PAGE
from app.models import Member, Membership
from app.pagination import API_PER_PAGE_DEFAULT, API_PER_PAGE_MAX, WEB_PER_PAGE
from tests.factories import create_admin, create_group, create_meeting

pytestmark = pytest.mark.usefixtures("english")

COUNT = 2 * WEB_PER_PAGE + 7  # three pages


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-member-id="(\d+)"', html)]


@pytest.fixture
def network(app):
    """A group with an admin and COUNT more members named P 000 .. P 106 (bulk, for speed)."""
    group = create_group(slug="stor")
    admin = create_admin(groups=[group], name="Ådne Admin", email="admin@example.test")
    members = [Member(email=f"p{n}@example.test", name=f"P {n:03d}", company="Firma") for n in range(COUNT)]
    db.session.add_all(members)
    db.session.flush()
    db.session.add_all([Membership(member=m, group=group) for m in members])
    db.session.commit()
    return group, admin, [m.id for m in members]


def test_directory_pages(client, login, network):
    group, admin, ids = network
    login(admin)
    first = client.get("/members?q=firma").get_data(as_text=True)
    assert _ids(first) == ids[:WEB_PER_PAGE]
    assert "Page 1 of 3" in first and f"{COUNT} members found" in first
    assert 'href="/members?q=firma&amp;page=2"' in first  # the search is kept

    second = client.get("/members?q=firma&page=2").get_data(as_text=True)
    assert _ids(second) == ids[WEB_PER_PAGE:2 * WEB_PER_PAGE]
    assert "Page 2 of 3" in second and 'rel="prev"' in second and 'rel="next"' in second

    last = client.get("/members?q=firma&page=3").get_data(as_text=True)
    assert _ids(last) == ids[2 * WEB_PER_PAGE:]
    # Past the end: the last page; junk: the first page. Never an error.
    assert _ids(client.get("/members?q=firma&page=99").get_data(as_text=True)) == ids[2 * WEB_PER_PAGE:]
    for junk in ("abc", "0", "-1", "1e9", "99999999999999999999", "%C3%A6"):
        response = client.get(f"/members?q=firma&page={junk}")
        assert response.status_code == 200, junk
        assert _ids(response.get_data(as_text=True)) == ids[:WEB_PER_PAGE], junk


def test_pagination_links_ignore_hostile_arguments(client, login, network):
    group, admin, ids = network
    login(admin)
    page = client.get("/members?_external=1&_anchor=x&q=firma").get_data(as_text=True)
    assert 'href="/members?q=firma&amp;page=2"' in page


def test_no_navigation_on_a_single_page(client, login, network):
    group, admin, ids = network
    login(admin)
    page = client.get("/members?q=ådne").get_data(as_text=True)
    assert _ids(page) == [admin.id] and "data-pagination" not in page


def test_admin_list_pages(client, login, network):
    group, admin, ids = network
    login(admin)
    html = client.get(f"/admin/members?group={group.id}&page=3").get_data(as_text=True)
    # Ordered by name: "P 000".."P 106", then "Ådne Admin" (sorted after P by the database) or before.
    everyone = [m.id for m in db.session.scalars(
        select(Member).where(Member.id.in_([*ids, admin.id])).order_by(Member.name, Member.id))]
    assert _ids(html) == everyone[2 * WEB_PER_PAGE:]
    assert "Page 3 of 3" in html
    assert f"{COUNT + 1} members" in html  # the counts are of all, not of the page


def test_group_members_pages(client, login, network):
    group, admin, ids = network
    login(admin)
    everyone = [m.id for m in db.session.scalars(
        select(Member).where(Member.id.in_([*ids, admin.id])).order_by(Member.name, Member.id))]
    html = client.get("/groups/stor/members?page=2").get_data(as_text=True)
    assert _ids(html) == everyone[WEB_PER_PAGE:2 * WEB_PER_PAGE]
    assert "Page 2 of 3" in html and f"{COUNT + 1} members" in html


def test_past_meetings_pages(client, login, network):
    group, admin, ids = network
    login(admin)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    meetings = [create_meeting(group=group, starts_at=start - timedelta(days=7 * n))
                for n in range(PAST_PER_PAGE + 3)]
    first = client.get("/groups/stor/meetings/past").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert f"/meetings/{meetings[0].id}\"" in first and f"/meetings/{meetings[-1].id}\"" not in first
    second = client.get("/groups/stor/meetings/past?page=2").get_data(as_text=True)
    assert f"/meetings/{meetings[-1].id}\"" in second and f"/meetings/{meetings[0].id}\"" not in second


def _bearer(admin) -> dict[str, str]:
    from app.tokens.services import create_token

    _, token = create_token(admin, "pages")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_group_members_pages(client, network):
    group, admin, ids = network
    headers = _bearer(admin)
    response = client.get("/api/v1/groups/stor/members", headers=headers)
    assert response.status_code == 200
    assert len(response.json) == API_PER_PAGE_DEFAULT
    assert response.headers["X-Total-Count"] == str(COUNT + 1)
    assert 'rel="next"' in response.headers["Link"] and "page=2" in response.headers["Link"]

    response = client.get("/api/v1/groups/stor/members?per_page=20&page=3", headers=headers)
    assert len(response.json) == COUNT + 1 - 40 and response.headers["X-Page"] == "3"
    assert 'rel="prev"' in response.headers["Link"] and 'rel="next"' not in response.headers["Link"]

    beyond = client.get("/api/v1/groups/stor/members?page=50", headers=headers)
    assert beyond.status_code == 200 and beyond.json == []
    assert beyond.headers["X-Total-Count"] == str(COUNT + 1)

    assert len(client.get(f"/api/v1/groups/stor/members?per_page={API_PER_PAGE_MAX}",
                          headers=headers).json) == COUNT + 1
    for query in (f"per_page={API_PER_PAGE_MAX + 1}", "per_page=0", "page=0", "page=-1", "page=abc",
                  "per_page=2.5", "page=99999999999999999999"):
        response = client.get(f"/api/v1/groups/stor/members?{query}", headers=headers)
        assert response.status_code == 422, query
    assert client.get("/api/v1/groups/stor/members?per_page=5.0", headers=headers).status_code == 200


def test_api_meetings_without_to_come_in_pages(client, network):
    group, admin, ids = network
    headers = _bearer(admin)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    for n in range(API_PER_PAGE_DEFAULT + 5):
        create_meeting(group=group, starts_at=start + timedelta(days=7 * n))
    response = client.get("/api/v1/groups/stor/meetings", headers=headers)
    assert response.status_code == 200
    assert len(response.json) == API_PER_PAGE_DEFAULT
    assert response.headers["X-Total-Count"] == str(API_PER_PAGE_DEFAULT + 5)
    rest = client.get("/api/v1/groups/stor/meetings?page=2", headers=headers).json
    assert len(rest) == 5
    starts = [m["starts_at"] for m in response.json + rest]
    assert starts == sorted(starts)
    assert client.get(f"/api/v1/groups/stor/meetings?per_page={API_PER_PAGE_MAX + 1}",
                      headers=headers).status_code == 422


def test_api_documents_the_page_arguments(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/groups/{slug}/members", "/api/v1/groups/{slug}/meetings"):
        get = spec["paths"][path]["get"]
        params = {p["name"]: p for p in get["parameters"]}
        assert params["per_page"]["schema"]["maximum"] == API_PER_PAGE_MAX
        assert params["per_page"]["schema"]["default"] == API_PER_PAGE_DEFAULT
        assert "X-Total-Count" in get["responses"]["200"]["headers"]
