"""Rate limits on the login forms: per address and per IP, POST only, with a friendly 429 page."""

from __future__ import annotations

import pytest

from app.auth.tokens import issue_login_link
from app.extensions import db
from tests.factories import create_member
from tests.web.auth_helpers import outbox, path_of

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")


def _ask(client, address: str, ip: str = "127.0.0.1"):
    return client.post("/login", data={"email": address}, environ_base={"REMOTE_ADDR": ip})


def test_sixth_request_for_one_address_is_refused_but_other_addresses_still_work(client, app):
    assert app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"] == "5 per 15 minutes"
    create_member(email="flood@example.test")
    create_member(email="other@example.test")
    # Spelling variants are the same address, and changing IP does not help.
    variants = ["flood@example.test", "FLOOD@example.test", " flood@example.test", "Flood@Example.Test",
                "flood@example.test"]
    for n, address in enumerate(variants):
        assert _ask(client, address, ip=f"10.0.0.{n}").status_code == 302
    assert len(outbox()) == 5

    response = _ask(client, "flood@example.test", ip="10.0.0.99")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page
    assert '<form method="post" action="/login"' in page and 'value="flood@example.test"' in page
    assert "Retry-After" in response.headers
    assert len(outbox()) == 5

    assert _ask(client, "other@example.test").status_code == 302
    assert len(outbox()) == 6


def test_per_ip_limit_is_read_from_the_config(client, app):
    app.config["LOGIN_RATE_LIMIT_PER_IP"] = "3 per 15 minutes"
    for n in range(3):
        assert _ask(client, f"someone{n}@example.test", ip="10.1.1.1").status_code == 302
    response = _ask(client, "someone-else@example.test", ip="10.1.1.1")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert _ask(client, "someone-else@example.test", ip="10.2.2.2").status_code == 302


def test_showing_the_forms_is_not_limited(client, app):
    app.config["LOGIN_RATE_LIMIT_PER_IP"] = "2 per 15 minutes"
    for _ in range(5):
        assert client.get("/login").status_code == 200
        assert client.get("/login/password").status_code == 200
    assert _ask(client, "a@example.test").status_code == 302


def test_password_login_is_limited_per_address(client, app):
    create_member(email="target@example.test")
    for n in range(5):
        response = client.post("/login/password",
                               data={"email": "target@example.test", "password": f"guess{n}"},
                               environ_base={"REMOTE_ADDR": f"10.3.0.{n}"})
        assert response.status_code == 422
    response = client.post("/login/password", data={"email": "target@example.test", "password": "guess"},
                           environ_base={"REMOTE_ADDR": "10.3.0.200"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and 'action="/login/password"' in page


def test_using_links_is_limited_per_ip(client, app):
    app.config["LOGIN_RATE_LIMIT_PER_IP"] = "2 per 15 minutes"
    for _ in range(2):
        assert client.post("/login/guessed-token").status_code == 404
    response = client.post("/login/guessed-token")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # A genuine link still opens (GET is free), and works from another address.
    member = create_member()
    path = path_of(issue_login_link(member))
    db.session.commit()
    assert client.get(path).status_code == 200
    assert client.post(path, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


def test_link_requests_and_password_attempts_are_counted_separately(client):
    create_member(email="both@example.test")
    for _ in range(5):
        assert _ask(client, "both@example.test").status_code == 302
    assert _ask(client, "both@example.test").status_code == 429
    response = client.post("/login/password", data={"email": "both@example.test", "password": "guess"})
    assert response.status_code == 422  # a wrong password, not "too many attempts"
