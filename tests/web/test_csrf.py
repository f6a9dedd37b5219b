"""Every form-handling route refuses a POST without a CSRF token; the API (token auth) is exempt."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.extensions import db
from tests.factories import create_admin


def _post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()) and not rule.rule.startswith("/api/"):
            yield rule


def _fill(rule) -> str:
    """A concrete URL for a rule: 1 for ints, the first choice of any(...), a plausible string else."""
    def value(m) -> str:
        if m.group(1) == "int":
            return "1"
        if m.group(1) == "any":
            return m.group(2).split(",")[0].strip()
        return "x"

    return re.sub(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", value, rule.rule)


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_every_form_route_refuses_posts_without_csrf_token(csrf_app, login):
    admin = create_admin()
    client = csrf_app.test_client()
    login(admin, test_client=client)
    rules = list(_post_rules(csrf_app))
    assert any(r.endpoint == "main.set_language" for r in rules)
    for rule in rules:
        response = client.post(_fill(rule), data={"lang": "en"})
        assert response.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
    assert db.session.get(type(admin), admin.id).language == "da"


def test_language_switch_accepts_a_post_with_the_token_from_the_page(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 302
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_production_config_refuses_to_start_without_secret_key(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
