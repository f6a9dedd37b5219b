"""Helpers for the JSON API tests: bearer tokens and problem+json checks."""

from __future__ import annotations

from app.tokens.services import create_token

PROBLEM = "application/problem+json"


def bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


def token_for(member, name: str = "test") -> str:
    _token, plaintext = create_token(member, name)
    return plaintext


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body.get("detail"), str) and body["detail"]
    return body


def assert_unauthorized(response) -> dict:
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    return body
