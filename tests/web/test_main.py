"""Start page, health check, language switch and security headers."""

from tests.factories import create_group, create_member


def test_healthz_answers_ok_when_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_start_page_shows_public_groups_but_not_members_only_ones(client):
    create_group(name="Kaffeklub Vest", is_public=True)
    create_group(name="Hemmelig Klub", is_public=False)
    page = client.get("/").get_data(as_text=True)
    assert "Kaffeklub Vest" in page
    assert "Hemmelig Klub" not in page


def test_start_page_greets_logged_in_member_and_lists_their_groups(client, login):
    group = create_group(name="Kaffeklub Øst")
    member = create_member(name="Mette Frederiksen", groups=[group])
    login(member)
    page = client.get("/").get_data(as_text=True)
    assert "Mette" in page
    assert "Kaffeklub Øst" in page


def test_security_headers_are_set(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_language_switch_is_remembered_on_the_member(client, login, app):
    member = create_member(language="da")
    login(member)
    response = client.post("/language", data={"lang": "en", "next": "/"})
    assert response.status_code == 302
    assert member.language == "en"


def test_language_switch_ignores_unknown_language_and_offsite_next(client):
    response = client.post("/language", data={"lang": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_production_sends_hsts_and_redirects_http_to_https(tmp_path):
    from app import create_app
    from app.extensions import db

    prod = create_app("production", SECRET_KEY="x" * 40,
                      SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}")
    with prod.app_context():
        db.create_all()
    client = prod.test_client()
    insecure = client.get("/healthz", base_url="http://kaffeklub.example")
    assert insecure.status_code in (301, 302)
    assert insecure.headers["Location"].startswith("https://kaffeklub.example/")
    secure = client.get("/", base_url="https://kaffeklub.example")
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]
    assert not any(rule.rule.startswith("/dev/") for rule in prod.url_map.iter_rules())
