"""`flask login-link`: a fresh link for scripts and `make run`."""

from __future__ import annotations

import pytest

from tests.factories import create_admin, create_member
from tests.web.auth_helpers import path_of
from tests.web.greeting_helpers import greets

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")


def _logged_in_as(client, member) -> bool:
    return greets(client.get("/").get_data(as_text=True), member.name.split(' ')[0])


def test_login_link_for_an_email_prints_a_working_link(runner, client):
    member = create_member(name="Carl Cli", email="carl@example.test")
    result = runner.invoke(args=["login-link", "Carl@Example.test"])
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("http://localhost/login/")
    assert client.get(path_of(link)).status_code == 200
    assert client.post(path_of(link)).status_code == 302
    assert _logged_in_as(client, member)


def test_demo_admin_link_is_for_the_first_active_admin(runner, client):
    create_admin(name="Inactive Admin", active=False)
    first = create_admin(name="First Admin")
    create_admin(name="Second Admin")
    create_member(name="Plain Member")
    result = runner.invoke(args=["login-link", "--demo-admin"])
    assert result.exit_code == 0, result.output
    client.post(path_of(result.output.strip()))
    assert _logged_in_as(client, first)


def test_without_an_admin_the_command_says_so_and_fails(runner):
    create_member()
    result = runner.invoke(args=["login-link", "--demo-admin"])
    assert result.exit_code == 1
    assert "no active admin" in result.output


def test_unknown_or_inactive_email_fails(runner):
    create_member(email="sleeping@example.test", active=False)
    for address in ("nobody@example.test", "sleeping@example.test"):
        result = runner.invoke(args=["login-link", address])
        assert result.exit_code == 1
        assert "no active member" in result.output


def test_email_and_demo_admin_are_exclusive(runner):
    assert runner.invoke(args=["login-link"]).exit_code == 2
    assert runner.invoke(args=["login-link", "a@example.test", "--demo-admin"]).exit_code == 2


def test_the_link_is_for_the_server_named_by_base_url(runner, client):
    # `make run PORT=8000` exports BASE_URL=http://127.0.0.1:8000; the printed link must work there.
    create_admin(name="Port Admin")
    result = runner.invoke(args=["login-link", "--demo-admin"], env={"BASE_URL": "http://127.0.0.1:8000"})
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("http://127.0.0.1:8000/login/")
    assert client.get(path_of(link)).status_code == 200

    result = runner.invoke(args=["login-link", "--demo-admin", "--base-url", "https://kaffe.example.dk/"])
    assert result.output.strip().startswith("https://kaffe.example.dk/login/")


def test_a_base_url_that_is_not_an_address_is_refused(runner):
    create_admin()
    result = runner.invoke(args=["login-link", "--demo-admin", "--base-url", "127.0.0.1:8000"])
    assert result.exit_code == 2 and "http://" in result.output
