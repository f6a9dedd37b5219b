"""The public JSON API under /api/v1/public/: no token, read-only, the same rule as the public pages,
open to every origin (CORS) and cacheable (ETag, 304). A members-only group is a 404 like an unknown
one, and the rest of the API sends no CORS headers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from tests.factories import create_meeting, create_member
from tests.web.api_helpers import assert_problem, bearer, token_for
from tests.web.public_helpers import build_public_world


@pytest.fixture
def pw(app):
    return build_public_world()


def test_public_groups_list_only_public_groups(client, pw):
    response = client.get("/api/v1/public/groups")
    assert response.status_code == 200
    [group] = response.get_json()
    assert group["slug"] == "kaffeklub-vejle" and group["description"].startswith("Morgenmøder")
    assert group["visit_url"].endswith("/groups/kaffeklub-vejle/visit")
    assert group["members_url"].endswith("/api/v1/public/groups/kaffeklub-vejle/members")


def test_public_meetings_show_the_venue_never_the_host_or_the_online_link(client, pw):
    later = create_meeting(group=pw.public, title="Senere møde",
                           starts_at=pw.meeting.starts_at + timedelta(days=30))
    cancelled = create_meeting(group=pw.public, title="Aflyst", status="cancelled")
    create_meeting(group=pw.public, title="Forbi", starts_at=pw.meeting.starts_at - timedelta(days=60))
    response = client.get("/api/v1/public/groups/kaffeklub-vejle/meetings")
    meetings = response.get_json()
    assert [m["title"] for m in meetings] == ["Tirsdagsmøde", "Senere møde"]
    first = meetings[0]
    assert first["venue"]["name"] == "Fjordhuset" and first["venue"]["host"] is None
    assert first["online_url"] is None
    assert "meet.example.test" not in response.get_data(as_text=True)
    assert response.headers["X-Total-Count"] == "2"
    assert cancelled.id not in [m["id"] for m in meetings]
    # A window: only meetings starting before `to`.
    until = (pw.meeting.starts_at + timedelta(days=1)).date().isoformat()
    windowed = client.get(f"/api/v1/public/groups/kaffeklub-vejle/meetings?to={until}").get_json()
    assert [m["title"] for m in windowed] == ["Tirsdagsmøde"]
    since = (later.starts_at - timedelta(days=1)).date().isoformat()
    assert [m["title"] for m in client.get(
        f"/api/v1/public/groups/kaffeklub-vejle/meetings?from={since}").get_json()] == ["Senere møde"]


def test_public_members_are_the_listed_ones_with_only_what_they_made_public(client, pw):
    response = client.get("/api/v1/public/groups/kaffeklub-vejle/members")
    assert response.status_code == 200
    [member] = response.get_json()
    assert member == {"id": pw.listed.id, "name": "Lise Listet", "company": "Lises Bogføring ApS",
                      "industry": "Bogføring", "website": "https://lise.example.dk", "photo_url": None,
                      "email": "lise@example.test", "phone": None}


def test_members_are_paginated_and_a_member_who_goes_public_appears(client, pw):
    for n in range(3):
        create_member(name=f"Zara {n}", profile_visibility="public", groups=[pw.public])
    pw.unlisted.profile_visibility = "public"
    db.session.commit()
    first = client.get("/api/v1/public/groups/kaffeklub-vejle/members?per_page=2")
    assert first.headers["X-Total-Count"] == "5"
    assert [m["name"] for m in first.get_json()] == ["Lise Listet", "Ulrik Ulistet"]
    assert 'rel="next"' in first.headers["Link"]
    third = client.get("/api/v1/public/groups/kaffeklub-vejle/members?per_page=2&page=3").get_json()
    assert [m["name"] for m in third] == ["Zara 2"]
    assert client.get("/api/v1/public/groups/kaffeklub-vejle/members?page=9").get_json() == []


@pytest.mark.parametrize("slug", ["lukket-klub", "ingen-klub"])
@pytest.mark.parametrize("tail", ["/meetings", "/members"])
def test_members_only_and_unknown_groups_are_the_same_404(client, pw, slug, tail):
    response = client.get(f"/api/v1/public/groups/{slug}{tail}")
    problem = assert_problem(response, 404)
    assert "Lukket" not in response.get_data(as_text=True) and "Paula" not in response.get_data(as_text=True)
    assert problem["status"] == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_token_changes_nothing(client, pw):
    token = token_for(pw.organizer)
    with_token = client.get("/api/v1/public/groups/kaffeklub-vejle/members", headers=bearer(token)).get_json()
    assert with_token == client.get("/api/v1/public/groups/kaffeklub-vejle/members").get_json()
    assert client.get("/api/v1/public/groups/lukket-klub/members", headers=bearer(token)).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/public/groups", "/api/v1/public/groups/kaffeklub-vejle/meetings",
                                  "/api/v1/public/groups/kaffeklub-vejle/members"])
def test_cors_is_open_without_credentials_and_the_preflight_is_answered(client, pw, path):
    response = client.get(path, headers={"Origin": "https://www.netvaerk.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "X-Total-Count" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(path, headers={"Origin": "https://www.netvaerk.example",
                                              "Access-Control-Request-Method": "GET",
                                              "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("path", ["/api/v1/groups", "/api/v1/me", "/api/v1/meetings/1",
                                  "/api/v1/openapi.json", "/api/v1/groups/kaffeklub-vejle/meetings",
                                  "/about", "/embed/network"])
def test_no_other_path_sends_cors_headers(client, pw, path):
    for response in (client.get(path, headers={"Origin": "https://evil.example"}),
                     client.options(path, headers={"Origin": "https://evil.example",
                                                   "Access-Control-Request-Method": "GET"})):
        assert not [h for h in response.headers.keys() if h.lower().startswith("access-control-")], path


def test_answers_are_cacheable_with_an_etag_and_304(app, client, pw):
    app.config["PUBLIC_CACHE_SECONDS"] = 120
    path = "/api/v1/public/groups/kaffeklub-vejle/members"
    first = client.get(path)
    assert first.headers["Cache-Control"] == "public, max-age=120"
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    pw.listed.company = "Nyt Firma ApS"
    db.session.commit()
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()[0]["company"] == "Nyt Firma ApS"
    # Errors are not cached.
    assert "public" not in client.get("/api/v1/public/groups/lukket-klub/members").headers["Cache-Control"]


@pytest.mark.parametrize("query", ["page=0", "per_page=100000", "page=99999999999999999999", "from=nonsense",
                                   "to=9999-99-99", "from=0001-01-01", "from=2027-01-01&to=2026-01-01",
                                   "per_page=%00", "page=%ED%A0%80", "lang=xx"])
def test_hostile_queries_are_problems_never_500(client, pw, query):
    response = client.get(f"/api/v1/public/groups/kaffeklub-vejle/meetings?{query}")
    assert response.status_code in (200, 400, 404, 422), (query, response.status_code)
    if response.status_code != 200:
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("slug", ["%00", "%ED%A0%80", "x" * 300, "..%2F..", "kaffeklub-vejle%20"])
def test_hostile_slugs_are_404(client, pw, slug):
    assert client.get(f"/api/v1/public/groups/{slug}/members").status_code in (400, 404)


def test_writes_are_not_allowed(client, pw):
    assert client.post("/api/v1/public/groups", json={}).status_code == 405
    assert client.delete("/api/v1/public/groups/kaffeklub-vejle/members").status_code == 405


def test_the_openapi_document_describes_the_public_operations(client, pw):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/public/groups", "/api/v1/public/groups/{slug}/meetings",
                 "/api/v1/public/groups/{slug}/members"):
        operation = paths[path]["get"]
        assert operation["tags"] == ["Public"] and operation["security"] == [{}]
    assert "404" in paths["/api/v1/public/groups/{slug}/members"]["get"]["responses"]
    assert "404" in paths["/api/v1/public/groups/{slug}/meetings"]["get"]["responses"]
    assert {"PublicGroup", "PublicMember"} <= set(spec["components"]["schemas"])
