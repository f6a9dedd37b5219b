"""The optional password: set, change, remove, log in with it; argon2 hashes and rehashing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update

from app.auth import passwords
from app.extensions import db
from app.models import LoginSession, utcnow
from tests.factories import create_admin, create_group, create_member, create_organizer
from tests.web.greeting_helpers import greets

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")

GOOD = "kaffe og rundstykker"
WRONG_LOGIN = "The email address or the password is not correct."


def _set_password(member, password: str = GOOD) -> None:
    member.password_hash = passwords.hash_password(password)
    db.session.commit()


def _stale_login(member, minutes: int = 60) -> None:
    """Make the member's logins older than FRESH_LOGIN_MINUTES (as if they logged in an hour ago)."""
    db.session.execute(update(LoginSession).where(LoginSession.member_id == member.id)
                       .values(created_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def _password_login(client, email: str, password: str, **extra):
    return client.post("/login/password", data={"email": email, "password": password, **extra})


def _logged_in_as(client, member) -> bool:
    return greets(client.get("/").get_data(as_text=True), member.name.split(' ')[0])


# --- logging in with a password -----------------------------------------------------------------

def test_password_login_works_and_honours_next(client):
    member = create_member(name="Pia Password", email="pia@example.test")
    _set_password(member)
    response = _password_login(client, " PIA@example.test", GOOD, next="/groups")
    assert response.status_code == 302 and response.headers["Location"] == "/groups"
    assert _logged_in_as(client, member)
    assert member.last_login_at is not None
    assert client.get_cookie("remember_token") is None


def test_password_login_remember_me_sets_the_remember_cookie(client):
    member = create_member(email="rem@example.test")
    _set_password(member)
    response = _password_login(client, "rem@example.test", GOOD, remember="y")
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is not None


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "no password set", "inactive"])
def test_every_failed_password_login_gives_the_same_answer(client, case):
    member = create_member(email="who@example.test", active=(case != "inactive"))
    if case != "no password set":
        _set_password(member)
    email = "nobody@example.test" if case == "unknown email" else "who@example.test"
    password = "not the password" if case == "wrong password" else GOOD
    response = _password_login(client, email, password)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert WRONG_LOGIN in page
    assert not _logged_in_as(client, member)


def test_offsite_next_after_password_login_goes_home(client):
    member = create_member(email="nx@example.test")
    _set_password(member)
    response = _password_login(client, "nx@example.test", GOOD, next="//evil.example/")
    assert response.headers["Location"] == "/"


def test_old_argon2_parameters_are_upgraded_on_login(client):
    member = create_member(email="old@example.test")
    member.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    db.session.commit()
    old_hash = member.password_hash
    assert passwords.needs_rehash(old_hash)
    assert _password_login(client, "old@example.test", GOOD).status_code == 302
    assert member.password_hash != old_hash
    assert not passwords.needs_rehash(member.password_hash)
    assert passwords.verify_password(member.password_hash, GOOD)


# --- setting, changing, removing -----------------------------------------------------------------

def test_profile_password_needs_login(client):
    response = client.get("/profile/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "profile" in response.headers["Location"]
    response = client.post("/profile/password", data={"new_password": GOOD, "confirm_password": GOOD})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["member", "organizer", "admin", "member of another group"])
def test_every_role_manages_only_their_own_password(client, login, role):
    group, other_group = create_group(), create_group()
    bystander = create_member(groups=[group])
    _set_password(bystander, "bystander password")
    if role == "member":
        me = create_member(groups=[group])
    elif role == "organizer":
        me = create_organizer(group)
    elif role == "admin":
        me = create_admin()
    else:
        me = create_member(groups=[other_group])
    login(me)
    page = client.get("/profile/password").get_data(as_text=True)
    assert "Current password" not in page  # none set yet
    response = client.post("/profile/password", data={"new_password": GOOD, "confirm_password": GOOD})
    assert response.status_code == 302
    assert passwords.verify_password(me.password_hash, GOOD)
    assert passwords.verify_password(bystander.password_hash, "bystander password")


def test_first_password_is_stored_as_an_argon2id_hash(client, login):
    member = login(create_member(email="first@example.test"))
    response = client.post("/profile/password", data={"new_password": GOOD, "confirm_password": GOOD})
    assert response.status_code == 302 and response.headers["Location"] == "/profile/password"
    assert member.password_hash.startswith("$argon2id$")
    assert GOOD not in member.password_hash
    assert "Your password is saved." in client.get("/profile/password").get_data(as_text=True)
    client.post("/logout")
    assert _password_login(client, "first@example.test", GOOD).status_code == 302


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"new_password": "short", "confirm_password": "short"}, "new_password", "at least 10"),
    ({"new_password": "x" * 300, "confirm_password": "x" * 300}, "new_password", "at most 256"),
    ({"new_password": GOOD, "confirm_password": GOOD + "!"}, "confirm_password", "not the same"),
    ({}, "new_password", "at least 10"),
])
def test_bad_new_passwords_are_refused_next_to_the_field(client, login, data, field, message):
    member = login(create_member())
    response = client.post("/profile/password", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', page)
    assert f'id="{field}-error"' in page
    assert message in page
    assert member.password_hash is None


def test_changing_a_password_needs_the_current_one(client, login):
    member = login(create_member(email="change@example.test"))
    _set_password(member)
    _stale_login(member)
    new = "en ny og bedre kode"
    response = client.post("/profile/password", data={"new_password": new, "confirm_password": new})
    assert response.status_code == 422
    assert "current password is not correct" in response.get_data(as_text=True)
    response = client.post("/profile/password", data={"current_password": "wrong one!", "new_password": new,
                                                      "confirm_password": new})
    assert response.status_code == 422
    assert passwords.verify_password(member.password_hash, GOOD)

    response = client.post("/profile/password", data={"current_password": GOOD, "new_password": new,
                                                      "confirm_password": new})
    assert response.status_code == 302
    assert passwords.verify_password(member.password_hash, new)
    client.post("/logout")
    assert _password_login(client, "change@example.test", GOOD).status_code == 422
    assert _password_login(client, "change@example.test", new).status_code == 302


def test_removing_the_password_needs_the_current_one(client, login):
    member = login(create_member(email="remove@example.test"))
    _set_password(member)
    _stale_login(member)
    page = client.get("/profile/password").get_data(as_text=True)
    assert "Current password" in page and "Remove password" in page
    response = client.post("/profile/password", data={"current_password": "wrong one!", "remove": "y"})
    assert response.status_code == 422
    assert member.password_hash is not None

    response = client.post("/profile/password", data={"current_password": GOOD, "remove": "y"})
    assert response.status_code == 302
    assert member.password_hash is None
    client.post("/logout")
    assert _password_login(client, "remove@example.test", GOOD).status_code == 422
