"""Limits on logging in: a cap on login mails per address, a growing wait for wrong passwords
per address *and* client, a per-IP limit on posts. The limits per address live in the database,
so every worker sees them, and they limit what an attacker can cause, not what the owner can do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth import attempts, passwords
from app.auth.tokens import issue_login_link
from app.extensions import db, limiter
from app.models import LoginAttempt
from tests.factories import create_member
from tests.web.auth_helpers import link_in, outbox, path_of

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")

GOOD = "kaffe og rundstykker"


def _ask(client, address: str, ip: str = "127.0.0.1"):
    return client.post("/login", data={"email": address}, environ_base={"REMOTE_ADDR": ip})


def _password(client, address: str, password: str, ip: str):
    return client.post("/login/password", data={"email": address, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def _age_attempts(**delta) -> None:
    """Move every recorded attempt back in time, as if that much time had passed."""
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.created_at -= timedelta(**delta)
    db.session.commit()


def _logged_in(client) -> bool:
    return "Log out" in client.get("/").get_data(as_text=True)


# --- login mails --------------------------------------------------------------------------------

def test_mails_per_address_are_capped_and_further_requests_look_the_same_and_send_nothing(client, app):
    assert app.config["LOGIN_MAILS_PER_ADDRESS"] == 5
    create_member(email="flood@example.test")
    create_member(email="other@example.test")
    # Spelling variants are the same address, and changing IP does not help.
    variants = ["flood@example.test", "FLOOD@example.test", " flood@example.test", "Flood@Example.Test",
                "flood@example.test"]
    for n, address in enumerate(variants):
        response = _ask(client, address, ip=f"10.0.0.{n}")
        assert response.status_code == 302 and response.headers["Location"] == "/login/sent"
    assert len(outbox()) == 5
    last_link = path_of(link_in(outbox()[-1]))

    for n in range(3):
        response = _ask(client, "flood@example.test", ip=f"10.0.1.{n}")
        # Exactly the answer of an accepted request (and of an address that is nobody's).
        assert response.status_code == 302 and response.headers["Location"] == "/login/sent"
    assert len(outbox()) == 5
    nobody = _ask(client, "nobody@example.test")
    assert (nobody.status_code, nobody.headers["Location"]) == (302, "/login/sent")

    # Other addresses are not affected, and the owner can still use the last link they got:
    # refused requests do not replace it.
    assert _ask(client, "other@example.test").status_code == 302
    assert len(outbox()) == 6
    assert client.post(last_link).status_code == 302
    assert _logged_in(client)


def test_the_cap_frees_itself_as_the_window_moves_on_however_many_requests_come(client, app):
    create_member(email="owner@example.test")
    for n in range(25):  # an attacker keeps asking
        assert _ask(client, "owner@example.test", ip=f"10.4.0.{n}").status_code == 302
    assert len(outbox()) == 5
    # Refused requests do not count: once the sent ones are older than the window, mail flows again.
    _age_attempts(minutes=app.config["LOGIN_MAIL_WINDOW_MINUTES"] + 1)
    assert _ask(client, "owner@example.test").status_code == 302
    assert len(outbox()) == 6


def test_the_cap_is_kept_in_the_database_not_in_one_process(client, app):
    create_member(email="workers@example.test")
    for n in range(5):
        _ask(client, "workers@example.test", ip=f"10.5.0.{n}")
    limiter.reset()  # what another worker (with its own memory) would see
    other_worker = app.test_client()
    assert _ask(other_worker, "workers@example.test", ip="10.5.1.1").status_code == 302
    assert len(outbox()) == 5
    assert db.session.scalar(select(func.count(LoginAttempt.id)).where(LoginAttempt.kind == "link")) == 6


def test_simultaneous_requests_cannot_exceed_the_cap(app):
    """Ten requests at once for one address (as from ten workers) send at most the cap."""
    import threading

    create_member(email="burst@example.test")
    app.config["LOGIN_MAILS_PER_ADDRESS"] = 3
    start = threading.Barrier(10)
    statuses: list[int] = []

    def ask(n: int) -> None:
        browser = app.test_client()
        start.wait(timeout=30)
        statuses.append(_ask(browser, "burst@example.test", ip=f"10.8.0.{n}").status_code)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302] * 10
    assert len(outbox()) == 3


def test_old_attempts_are_forgotten_after_a_day(client):
    _ask(client, "someone@example.test")
    _age_attempts(days=2)
    _ask(client, "someone@example.test")
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == 1


# --- the per-IP limit stays ---------------------------------------------------------------------

def test_per_ip_limit_is_read_from_the_config(client, app):
    app.config["LOGIN_RATE_LIMIT_PER_IP"] = "3 per 15 minutes"
    for n in range(3):
        assert _ask(client, f"someone{n}@example.test", ip="10.1.1.1").status_code == 302
    response = _ask(client, "someone-else@example.test", ip="10.1.1.1")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and '<form method="post" action="/login"' in page
    assert "Retry-After" in response.headers
    assert _ask(client, "someone-else@example.test", ip="10.2.2.2").status_code == 302


def test_showing_the_forms_is_not_limited(client, app):
    app.config["LOGIN_RATE_LIMIT_PER_IP"] = "2 per 15 minutes"
    for _ in range(5):
        assert client.get("/login").status_code == 200
        assert client.get("/login/password").status_code == 200
    assert _ask(client, "a@example.test").status_code == 302


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


# --- wrong passwords ----------------------------------------------------------------------------

def _member_with_password(email: str):
    member = create_member(email=email)
    member.password_hash = passwords.hash_password(GOOD)
    db.session.commit()
    return member


def test_wrong_passwords_slow_down_that_client_but_not_the_owner_elsewhere(client, app):
    assert app.config["PASSWORD_FREE_FAILURES"] == 5
    _member_with_password("target@example.test")
    attacker = "10.3.0.66"
    for n in range(5):
        assert _password(client, "target@example.test", f"guess {n}", attacker).status_code == 422
    response = _password(client, "target@example.test", "guess 6", attacker)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    page = response.get_data(as_text=True)
    assert "Too many wrong passwords. Try again in 1 minute" in page and 'action="/login/password"' in page
    # While waiting, not even the right password is checked from there...
    assert _password(client, "target@example.test", GOOD, attacker).status_code == 429
    assert not _logged_in(client)
    # ...but the owner on their own machine logs in at once.
    owner = app.test_client()
    assert _password(owner, "target@example.test", GOOD, "192.0.2.10").status_code == 302
    assert _logged_in(owner)
    # And a link by mail still works for the owner, whatever the attacker does.
    assert _ask(owner, "target@example.test", ip="192.0.2.10").status_code == 302


def test_the_wait_doubles_with_every_further_failure_and_is_capped(client, app):
    _member_with_password("slow@example.test")
    ip = "10.6.0.1"
    waits = []
    for _ in range(5):
        _password(client, "slow@example.test", "wrong guess", ip)
    for _ in range(8):
        response = _password(client, "slow@example.test", "wrong guess", ip)
        assert response.status_code == 429
        with app.test_request_context():
            waits.append(attempts.password_wait_seconds("slow@example.test", ip))
        _age_attempts(hours=1)  # the wait has passed...
        assert _password(client, "slow@example.test", "wrong guess", ip).status_code == 422  # ...one more try
    base, cap = app.config["PASSWORD_BACKOFF_SECONDS"], app.config["PASSWORD_BACKOFF_MAX_SECONDS"]
    # Each wait is a little under its ideal (the clock moved on while the test ran).
    ideal = [min(base * 2**n, cap) for n in range(8)]
    assert ideal[-1] == cap
    assert all(want - 5 <= wait <= want for wait, want in zip(waits, ideal, strict=True)), waits


def test_a_right_password_clears_that_clients_count(client, app):
    _member_with_password("clear@example.test")
    ip = "10.7.0.1"
    for _ in range(4):
        assert _password(client, "clear@example.test", "wrong guess", ip).status_code == 422
    assert _password(client, "clear@example.test", GOOD, ip).status_code == 302
    client.post("/logout")
    for _ in range(5):
        assert _password(client, "clear@example.test", "wrong guess", ip).status_code == 422


def test_link_requests_and_password_attempts_are_counted_separately(client):
    _member_with_password("both@example.test")
    for _ in range(7):
        assert _ask(client, "both@example.test").status_code == 302
    response = client.post("/login/password", data={"email": "both@example.test", "password": "guess"})
    assert response.status_code == 422  # a wrong password, not "too many attempts"
    assert _password(client, "both@example.test", GOOD, "127.0.0.1").status_code == 302
