"""POST/redirect/GET: every web form's successful post answers with a redirect, so that Back and
reload never send it again (issue 8). The forms are found from app.url_map
(tests/web/form_helpers.py) and posted as a person fills them in."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiToken
from tests.web.form_helpers import World, act_as, build, encode, learn_forms, post_routes, valid_pairs

# Posts that deliberately answer with a page, and why.
SHOWS_ONLY = {
    # The series preview changes nothing: it shows the dates the series would get ("Create" is a
    # second post, which redirects).
    "meetings.series_new": "preview only; creating is its own post and redirects",
}


def test_every_successful_form_post_redirects(app, client, login):
    world = World()
    forms = learn_forms(app, client, login, world)

    renders = []
    checked = []
    for rule in post_routes(app):
        args = world.args_for(rule)
        if args is None or rule.endpoint in SHOWS_ONLY:
            continue
        fields = forms.get(rule.endpoint, {"fields": {}})["fields"]
        act_as(client, login, world, rule.endpoint)
        response = client.post(build(rule, args), data=encode(valid_pairs(fields)),
                               content_type="application/x-www-form-urlencoded")
        checked.append(rule.endpoint)
        # A form with errors may show itself again (422, or 200 as some do); a page without
        # errors after a post is a success that should have redirected. A download (the privacy
        # export's ZIP) is what the post asked for, not a page.
        if (response.status_code == 200 and response.mimetype == "text/html"
                and "is-invalid" not in response.get_data(as_text=True)):
            renders.append(f"{rule.endpoint} {rule.rule}")
    assert len(checked) > 20, checked
    assert not renders, "successful posts that render instead of redirecting:\n" + "\n".join(renders)


def test_a_new_token_is_shown_once_and_a_reload_creates_no_second(app, client, login):
    world = World()
    login(world.admin)
    db.session.rollback()
    before = db.session.scalar(select(func.count()).select_from(ApiToken))
    db.session.rollback()
    response = client.post("/profile/tokens", data={"name": "script"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/profile/tokens"
    shown = client.get("/profile/tokens")
    assert 'id="new-token-value"' in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    again = client.get("/profile/tokens")  # a reload
    assert 'id="new-token-value"' not in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == before + 1
