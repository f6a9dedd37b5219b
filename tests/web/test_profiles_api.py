"""The Members API (directory and profile), GET /me with photo and visibility, PATCH /me/visibility."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.models import Member, Rsvp
from app.profiles import photos
from tests.factories import build_world, create_meeting, create_member
from tests.web.api_helpers import assert_problem, assert_unauthorized, bearer, token_for

FULL = dict(name="Åse Ørum", company="Ørum Regnskab", title="Revisor", industry="Revision",
            bio="Om mig", offers="Årsregnskaber", seeks="Nye kunder", website="https://orum.dk",
            phone="+45 22 33 44 55", email="aase@example.test")


@pytest.fixture
def photo_dir(app, tmp_path):
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    return tmp_path / "photos"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 400), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def subject_in(world, **levels) -> Member:
    member = create_member(groups=[world.a], **FULL)
    for kind, level in levels.items():
        setattr(member, f"{kind}_visibility", level)
    db.session.commit()
    return member


def get(client, url, caller):
    return client.get(url, headers=bearer(token_for(caller)) if caller else {})


# --- GET /members/{id} -----------------------------------------------------------------------------

def test_member_detail_for_a_fellow_member(app, client, photo_dir):
    world = build_world()
    subject = subject_in(world)
    subject.photo_key = photos.store_photo(photos.process_photo(jpeg(), max_bytes=10**7))
    db.session.commit()
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    meeting = create_meeting(group=world.a, title="Morgenmøde", starts_at=soon,
                             ends_at=soon + timedelta(hours=1))
    db.session.add(Rsvp(meeting=meeting, member=subject, status="going"))
    db.session.commit()
    response = get(client, f"/api/v1/members/{subject.id}", world.member)
    assert response.status_code == 200
    body = response.json
    for key in ("name", "company", "title", "industry", "bio", "offers", "seeks", "website", "email",
                "phone"):
        assert body[key] == FULL[key], key
    assert body["groups"] == [{"slug": "kaffeklub-aarhus", "name": "Kaffeklub Aarhus", "role": "member"}]
    assert [m["title"] for m in body["meetings"]] == ["Morgenmøde"]
    assert body["network"]["visibility"] == "full" and body["network"]["members_met"] == 0
    assert set(body["photo"]) == {"small", "medium", "large"}
    assert "visibility" not in body and "language" not in body  # settings: self and admins only
    # The photo URL answers the same token, by the same rule.
    url = body["photo"]["small"]
    fetched = client.get(url, headers=bearer(token_for(world.member)))
    assert fetched.status_code == 200 and fetched.mimetype == "image/jpeg"
    assert client.get(url).status_code == 404  # anonymous: the photo is for members
    assert client.get(url, headers=bearer(token_for(world.other))).status_code == 404
    assert_unauthorized(client.get(url, headers=bearer("kk_wrong")))


def test_member_detail_leaves_out_what_the_member_hides(app, client):
    world = build_world()
    subject = subject_in(world, profile="organizers", email="organizers", phone="organizers",
                         photo="organizers")
    subject.share_attendance = False
    subject.hide_network = True
    db.session.commit()
    body = get(client, f"/api/v1/members/{subject.id}", world.member).json
    assert set(body) == {"id", "name", "groups"}
    organizer = get(client, f"/api/v1/members/{subject.id}", world.organizer).json
    assert organizer["email"] == FULL["email"] and organizer["offers"] == FULL["offers"]
    assert organizer["network"]["visibility"] == "aggregate"
    assert organizer["meetings"] == []
    admin = get(client, f"/api/v1/members/{subject.id}", world.admin).json
    assert admin["visibility"]["profile"] == "organizers" and admin["visibility"]["network"] == "organizers"


def test_member_detail_problems(app, client):
    world = build_world()
    subject = subject_in(world, profile="public", email="public")
    assert_unauthorized(client.get(f"/api/v1/members/{subject.id}"))
    assert_problem(get(client, f"/api/v1/members/{subject.id}", world.other), 404)  # no shared group
    assert_problem(get(client, f"/api/v1/members/{world.outsider.id}", world.member), 404)
    assert_problem(get(client, "/api/v1/members/999999", world.member), 404)
    assert client.get("/api/v1/members/99999999999999999999",
                      headers=bearer(token_for(world.member))).status_code == 404
    subject.active = False
    db.session.commit()
    assert_problem(get(client, f"/api/v1/members/{subject.id}", world.member), 404)
    assert get(client, f"/api/v1/members/{subject.id}", world.organizer).status_code == 200


def test_directory_moved_and_uses_the_rule(app, client, photo_dir):
    world = build_world()
    subject = subject_in(world, email="organizers")
    subject.photo_key = photos.store_photo(photos.process_photo(jpeg(), max_bytes=10**7))
    db.session.commit()
    response = get(client, "/api/v1/members?q=Ørum", world.member)
    assert response.status_code == 200
    assert [m["name"] for m in response.json] == ["Åse Ørum"]
    entry = response.json[0]
    assert "email" not in entry and entry["company"] == "Ørum Regnskab"
    assert set(entry["photo"]) == {"small", "medium", "large"}
    assert response.headers["X-Total-Count"] == "1"
    assert_unauthorized(client.get("/api/v1/members"))
    assert_problem(get(client, "/api/v1/members?group=findes-ikke", world.member), 404)
    assert "api_groups.directory" not in app.view_functions


# --- GET /me and PATCH /me/visibility ------------------------------------------------------------

def test_me_has_offers_seeks_photo_and_levels(app, client, photo_dir):
    member = create_member(offers="Kaffe", seeks="Kunder")
    body = get(client, "/api/v1/me", member).json
    assert body["offers"] == "Kaffe" and body["seeks"] == "Kunder"
    assert body["photo"] is None
    assert body["visibility"] == {"profile": "members", "photo": "members", "email": "members",
                                  "phone": "members", "meetings": "members", "network": "members"}
    member.photo_key = photos.store_photo(photos.process_photo(jpeg(), max_bytes=10**7))
    db.session.commit()
    assert set(get(client, "/api/v1/me", member).json["photo"]) == {"small", "medium", "large"}


def test_patch_visibility(app, client):
    member = create_member()
    headers = bearer(token_for(member))
    response = client.patch("/api/v1/me/visibility", json={"profile": "public", "network": "organizers"},
                            headers=headers)
    assert response.status_code == 200
    assert response.json["profile"] == "public" and response.json["network"] == "organizers"
    assert response.json["email"] == "members"
    saved = db.session.get(Member, member.id)
    assert saved.profile_visibility == "public" and saved.hide_network is True


@pytest.mark.parametrize("body", [
    {"meetings": "public"},
    {"profile": "alle"},
    {"profile": 1},
    {"email": None},
    {"phone": ["public"]},
    {"unknown": "public"},
    {"profile": "\x00"},
    {"profile": "\ud800"},
    [],
    "public",
])
def test_patch_visibility_refuses_wrong_values(app, client, body):
    member = create_member()
    response = client.patch("/api/v1/me/visibility", json=body, headers=bearer(token_for(member)))
    assert_problem(response, 422)
    assert db.session.get(Member, member.id).profile_visibility == "members"


def test_patch_visibility_needs_a_token_and_json(app, client):
    assert_unauthorized(client.patch("/api/v1/me/visibility", json={"profile": "public"}))
    member = create_member()
    response = client.patch("/api/v1/me/visibility", data="profile=public",
                            content_type="application/x-www-form-urlencoded",
                            headers=bearer(token_for(member)))
    assert_problem(response, 415)


def test_the_openapi_document_describes_the_members_api(app, client):
    spec = client.get("/api/v1/openapi.json").json
    detail = spec["paths"]["/api/v1/members/{member_id}"]["get"]
    assert {"200", "401", "404"} <= set(detail["responses"])
    assert "Members" in detail["tags"]
    assert spec["paths"]["/api/v1/members"]["get"]["tags"] == ["Members"]
    patch = spec["paths"]["/api/v1/me/visibility"]["patch"]
    assert {"200", "401", "415", "422"} <= set(patch["responses"])
