"""The organizers' network page /groups/<slug>/network and the group page's summary: who may see
them, what they show, and the privacy rule for members who hide their network."""

import re
from html.parser import HTMLParser
from xml.dom import minidom

import pytest

from app.extensions import db
from app.models import utcnow
from tests.factories import create_admin
from tests.web.graph_helpers import TODAY, build_graph_world

EXPECT = {"anonymous": 302, "outsider": 404, "member": 403, "organizer": 200, "admin": 200}


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """The pages count newcomers and months from the group's today: the helpers' 1 March 2026."""
    from app.connections import stats

    monkeypatch.setattr(stats, "local_today", lambda group: TODAY)


def _url(w):
    return f"/groups/{w.group.slug}/network"


@pytest.mark.parametrize("role", sorted(EXPECT))
def test_who_may_see_the_network_page(app, login, role):
    w = build_graph_world()
    client = app.test_client()
    person = {"anonymous": None, "outsider": w.outsider, "member": w["A"], "organizer": w.organizer,
              "admin": create_admin(name="Anna Admin")}[role]
    if person is not None:
        login(person, test_client=client)
    response = client.get(_url(w))
    assert response.status_code == EXPECT[role]
    group_page = client.get(f"/groups/{w.group.slug}").get_data(as_text=True)
    if EXPECT[role] == 200:
        assert "data-network-link" in group_page and "data-network-summary" in group_page
    else:
        assert "data-network-link" not in group_page and "data-network-summary" not in group_page


def test_organizer_of_another_group_gets_no_network(app, login, client):
    w = build_graph_world()
    from tests.factories import create_organizer

    login(create_organizer(w.other_group, name="Other Organizer"))
    assert client.get(_url(w)).status_code == 404
    assert client.get("/groups/no-such-group/network").status_code == 404


def test_the_page_shows_the_picture_numbers_and_lists(app, login, client, english):
    w = build_graph_world()
    login(w.organizer)
    page = client.get(_url(w)).get_data(as_text=True)
    # The picture: one SVG with a node per member and an edge per pair who met (the 2026 history
    # lies in the past whatever today is).
    start = page.index("<svg", page.index("data-network-graph"))
    svg = page[start:page.index("</svg>", start) + len("</svg>")]
    doc = minidom.parseString(svg)  # noqa: S318 (our own page)
    nodes = [g for g in doc.getElementsByTagName("g") if g.getAttribute("data-member")]
    assert len(nodes) == 7
    assert len([line for line in doc.getElementsByTagName("line") if line.getAttribute("data-edge")]) == 9
    titles = [t.firstChild.data for t in doc.getElementsByTagName("title")]
    assert any(t.startswith("Anne Andersen") for t in titles)
    assert 'data-share-met="0.4286"' in page
    assert "43%" in page or "43 %" in page
    assert 'data-last-new-pairs="2"' in page
    assert 'data-isolated-count="1"' in page
    # Olga has met no one: she is listed to be invited to a 1-to-1; Bo is the top connector.
    isolated = page[page.index("data-isolated-list"):page.index("data-connector-list")]
    assert "Olga Organizer" in isolated and "1-to-1" in isolated
    connectors = page[page.index("data-connector-list"):page.index('id="share-heading"')]
    assert connectors.index("Bo Bech") < connectors.index("</ol>")
    # The charts have their tables: two meetings with 6 and 2 new acquaintances.
    assert page.count('class="network-chart"') == 3
    assert 'data-new-pairs="6"' in page and 'data-new-pairs="2"' in page
    newcomers = page[page.index("data-newcomer-table"):]
    assert "Eva Enevoldsen" in newcomers and "Finn Frandsen" in newcomers


def test_members_who_hide_their_network_are_counted_but_not_shown(app, login, client):
    w = build_graph_world()
    w["C"].hide_network = True
    w["E"].hide_network = True
    db.session.commit()
    login(w.organizer)
    page = client.get(_url(w)).get_data(as_text=True)
    assert "Carla" not in page and "Eva" not in page  # no dot, no label, no tooltip, no list, no row
    drawn = set()
    for edge in re.findall(r'data-edge="(\d+)-(\d+)"', page):
        drawn |= {int(x) for x in edge}
    for member in (w["C"], w["E"]):
        assert f'data-member="{member.id}"' not in page
        assert member.id not in drawn  # no edge drawn to or from them
    assert w["A"].id in drawn
    # Still counted: 9 of 21 pairs, and the hidden are announced as a number.
    assert 'data-share-met="0.4286"' in page
    assert 'data-hidden-count="2"' in page


def test_the_group_page_summary_for_organizers(app, login, client, english):
    w = build_graph_world()
    login(w.organizer)
    page = client.get(f"/groups/{w.group.slug}").get_data(as_text=True)
    summary = page[page.index("data-network-summary"):]
    summary = summary[:summary.index("</p>")]
    assert "of the member pairs have met" in summary and "2 new acquaintances at the last meeting" in summary


def test_an_empty_group_has_a_calm_page(app, login, client):
    from tests.factories import create_group, create_organizer

    group = create_group(slug="tom-gruppe")
    login(create_organizer(group, name="Solo Organizer"))
    response = client.get("/groups/tom-gruppe/network")
    assert response.status_code == 200
    assert 'data-isolated-count="1"' in response.get_data(as_text=True)
    assert utcnow()  # the page renders without any meeting or tie


def test_hostile_slug_is_not_a_500(app, login, client):
    w = build_graph_world()
    login(w.organizer)
    for slug in ("%00", "x" * 5000, "%ED%A0%80"):
        assert client.get(f"/groups/{slug}/network").status_code in (400, 404)


def test_newcomers_window_from_the_query_string(app, login, client):
    w = build_graph_world()
    login(w.organizer)

    def newcomers(query):
        response = client.get(_url(w) + query)
        assert response.status_code in (200, 400), query
        if response.status_code == 400:
            return None
        page = response.get_data(as_text=True)
        return {m.id for m in w.people.values() if f'<tr data-member="{m.id}"><td data-label' in
                page[page.index("data-newcomers"):]}

    assert newcomers("?months=2") == {w["F"].id}
    assert newcomers("") == {w["E"].id, w["F"].id}
    for hostile in ("?months=0", "?months=-3", "?months=99999999999999999999", "?months=abc", "?months=%00"):
        assert newcomers(hostile) in (None, {w["E"].id, w["F"].id}), hostile


class _Audit(HTMLParser):
    """Ids, <h1>s and what the Content-Security-Policy would block (the accessibility test's rules)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.h1, self.blocked = [], 0, []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if "id" in names:
            self.ids.append(names["id"])
        self.h1 += tag == "h1"
        self.blocked += [f"{tag} {name}" for name in names if name == "style" or name.startswith("on")]
        if tag in ("style",) or (tag == "script" and "src" not in names):
            self.blocked.append(tag)


def test_the_page_is_one_h1_unique_ids_and_nothing_the_csp_blocks(app, login, client):
    w = build_graph_world()
    w["C"].hide_network = True
    db.session.commit()
    login(w.organizer)
    response = client.get(_url(w))
    audit = _Audit()
    audit.feed(response.get_data(as_text=True))
    assert audit.h1 == 1 and audit.blocked == []
    assert len(audit.ids) == len(set(audit.ids))
    assert "'unsafe-inline'" not in response.headers.get("Content-Security-Policy", "")
