"""GET /api/v1/me/export and DELETE /api/v1/me (with its confirmation step)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from app.extensions import db
from app.models import Member
from tests.web.api_helpers import assert_problem, assert_unauthorized, bearer, token_for
from tests.web.privacy_helpers import build_privacy_world, find_traces


@pytest.fixture
def pw(app):
    return build_privacy_world()


def test_export_over_the_api(pw, client):
    response = client.get("/api/v1/me/export", headers=bearer(token_for(pw.zelda)))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    profile = json.loads(archive.read("profile.json"))
    assert profile["id"] == pw.zelda.id
    assert "no-store" in response.headers["Cache-Control"]


def test_the_api_needs_a_token(pw, client):
    assert_unauthorized(client.get("/api/v1/me/export"))
    assert_unauthorized(client.delete("/api/v1/me"))
    assert_unauthorized(client.delete("/api/v1/me", headers={"Authorization": "Bearer kk_nonsense"}))


def test_delete_me_in_two_steps(pw, client):
    headers = bearer(token_for(pw.zelda))
    first = client.delete("/api/v1/me", headers=headers)
    body = assert_problem(first, 428)
    token = body["confirmation"]
    assert body["expires_in"] > 0
    assert not db.session.get(Member, pw.zelda.id).is_deleted
    second = client.delete("/api/v1/me", headers=headers, json={"confirmation": token})
    assert second.status_code == 204 and second.data == b""
    assert db.session.get(Member, pw.zelda.id).is_deleted
    assert find_traces() == []
    # The token is gone with the account.
    assert_unauthorized(client.delete("/api/v1/me", headers=headers, json={"confirmation": token}))


@pytest.mark.parametrize("body", [None, {}, {"confirmation": "SLET"}, {"confirmation": 12},
                                  {"confirmation": ["x"]}, {"confirmation": None}, [1, 2], "SLET",
                                  {"confirmation": "x" * 100000}, {"confirmation": "\u0000"}])
def test_without_a_valid_confirmation_nothing_is_deleted(pw, client, body):
    headers = bearer(token_for(pw.zelda))
    response = client.delete("/api/v1/me", headers=headers, json=body) if body is not None else \
        client.delete("/api/v1/me", headers=headers)
    assert response.status_code in (413, 428)
    assert not db.session.get(Member, pw.zelda.id).is_deleted


def test_a_confirmation_for_someone_else_does_not_count(pw, client):
    bo_headers = bearer(token_for(pw.bo))
    bo_token = assert_problem(client.delete("/api/v1/me", headers=bo_headers), 428)["confirmation"]
    zelda_headers = bearer(token_for(pw.zelda))
    assert_problem(client.delete("/api/v1/me", headers=zelda_headers, json={"confirmation": bo_token}), 428)
    assert not db.session.get(Member, pw.zelda.id).is_deleted
    assert not db.session.get(Member, pw.bo.id).is_deleted


def test_a_broken_json_body_is_not_a_500(pw, client):
    headers = {**bearer(token_for(pw.zelda)), "Content-Type": "application/json"}
    response = client.delete("/api/v1/me", headers=headers, data=b"{not json\xff")
    assert response.status_code in (400, 428)


def test_the_only_admin_gets_a_conflict(pw, client):
    assert_problem(client.delete("/api/v1/me", headers=bearer(token_for(pw.admin))), 409)
