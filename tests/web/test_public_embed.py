"""Embeds: the only pages another site may frame. Their Content-Security-Policy names the sites
from EMBED_FRAME_ANCESTORS and they send no X-Frame-Options; every other page stays unframable.
They set no cookies, show no login links, and their links open in a new tab."""

from __future__ import annotations

import re

import pytest

from tests.factories import create_member
from tests.web.public_helpers import build_public_world

pytestmark = pytest.mark.usefixtures("english")

EMBEDS = ("/embed/network", "/embed/groups/kaffeklub-vejle")
ORDINARY = ("/", "/about", "/groups", "/groups/kaffeklub-vejle", "/groups/kaffeklub-vejle/visit", "/login",
            "/api/v1/public/groups", "/api/v1/groups", "/embed/groups/lukket-klub")


@pytest.fixture
def pw(app):
    return build_public_world()


def _directives(response) -> dict[str, str]:
    csp = response.headers["Content-Security-Policy"]
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in csp.split(";")}


@pytest.mark.parametrize("path", EMBEDS)
def test_embeds_may_be_framed_by_the_configured_sites_only(app, client, pw, path):
    app.config["EMBED_FRAME_ANCESTORS"] = "https://www.netvaerk.example https://*.netvaerk.example"
    response = client.get(path)
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    directives = _directives(response)
    assert directives["frame-ancestors"] == "https://www.netvaerk.example https://*.netvaerk.example"
    assert directives["script-src"] == "'none'" and directives["default-src"] == "'self'"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"].startswith("public, max-age=")


def test_embed_frame_ancestors_default_is_any_site_and_junk_never_widens_the_policy(app, client, pw):
    assert _directives(client.get("/embed/network"))["frame-ancestors"] == "*"
    app.config["EMBED_FRAME_ANCESTORS"] = "https://ok.example; script-src *"
    directives = _directives(client.get("/embed/network"))
    assert directives["frame-ancestors"] == "https://ok.example"
    assert directives["script-src"] == "'none'"
    app.config["EMBED_FRAME_ANCESTORS"] = ";;"
    assert _directives(client.get("/embed/network"))["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", ORDINARY)
def test_every_other_page_stays_unframable(client, pw, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert _directives(response)["frame-ancestors"] == "'none'"


def test_embed_is_self_contained_without_login_links_and_opens_links_in_a_new_tab(client, login, pw):
    page = client.get("/embed/groups/kaffeklub-vejle").get_data(as_text=True)
    assert "Tirsdagsmøde" in page and "Lise Listet" in page and "Ulrik" not in page
    assert "meet.example.test" not in page and "Olga" not in page
    assert "/login" not in page and "navbar" not in page and "bootstrap" not in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    links = re.findall(r"<a [^>]*>", page)
    assert links
    for link in links:
        if "mailto:" in link or "tel:" in link:
            continue
        assert 'target="_blank"' in link and "noopener" in link, link
    assert "/groups/kaffeklub-vejle/visit" in page
    network = client.get("/embed/network").get_data(as_text=True)
    assert "Kaffeklub Vejle" in network and "Lukket" not in network and "/login" not in network


def test_embed_shows_the_public_view_even_to_a_logged_in_member(client, login, pw):
    login(pw.organizer)
    response = client.get("/embed/groups/kaffeklub-vejle")
    assert "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    assert "Ulrik" not in page and "+45 22 22 22 22" not in page and "meet.example.test" not in page


def test_embed_css_keeps_the_page_readable_on_a_narrow_phone(client, pw):
    css = client.get("/static/css/public.css").get_data(as_text=True)
    assert ".embed" in css and "overflow-wrap" in css and "minmax(14rem" in css
    create_member(name="Navn " + "meget" * 30, profile_visibility="public", groups=[pw.public])
    assert client.get("/embed/groups/kaffeklub-vejle").status_code == 200
