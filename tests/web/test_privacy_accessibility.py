"""The privacy pages pass the same accessibility audit as every other page (labels, ids, no inline
code); the lead adds them to tests/web/test_accessibility.py's lists as well."""

from __future__ import annotations

import pytest

from tests.web.privacy_helpers import build_privacy_world
from tests.web.test_accessibility import assert_accessible


@pytest.fixture
def pw(app):
    return build_privacy_world()


def test_the_policy_is_accessible(pw, client):
    assert_accessible(client, "/privacy")


@pytest.mark.parametrize("path", ["/privacy", "/profile/export", "/profile/delete"])
def test_member_pages_are_accessible(pw, client, login, path):
    login(pw.zelda)
    assert_accessible(client, path)


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit?who=olaf&kind=added",
                                  "/admin/members/{id}/delete", "/admin/members/{id}/edit"])
def test_admin_pages_are_accessible(pw, client, login, path):
    login(pw.admin)
    assert_accessible(client, path.format(id=pw.zelda.id))
