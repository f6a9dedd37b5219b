"""Directory and admin search in SQL: Danish letters, literal % and _, competencies, e-mail for
admins, the search column kept up to date; and the number of queries a page and a login cost."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, insert, select

from app.extensions import db
from app.members import services
from app.models import Competency, Member
from app.models.member import search_text_of
from app.pagination import WEB_PER_PAGE
from tests.factories import create_admin, create_group, create_member

pytestmark = pytest.mark.usefixtures("english")


def _ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'data-member-id="(\d+)"', html)}


@pytest.fixture
def people(app):
    group = create_group()
    admin = create_admin(groups=[group], name="Ada Admin", company="")
    people = {
        "bager": create_member(groups=[group], name="Søren Østergaard", company="Økologisk Bageri"),
        "ae": create_member(groups=[group], name="Æbelø Hansen", company="", title="Direktør"),
        "percent": create_member(groups=[group], name="Hundred", company="100% Kaffe"),
        "underscore": create_member(groups=[group], name="Under", company="a_b Consult"),
        "tags": create_member(groups=[group], name="Tags", company="", industry="Revision"),
        "mail": create_member(groups=[group], name="Mail", company="", email="kontakt@fiskehuset.test"),
    }
    people["tags"].competencies = [Competency(name="bogføring"), Competency(name="web design")]
    db.session.commit()
    return admin, people


@pytest.mark.parametrize("query, expected", [
    ("øKOLOGISK", {"bager"}),
    ("ØSTERGAARD", {"bager"}),
    ("æbelø", {"ae"}),
    ("ÆBELØ DIREKTØR", {"ae"}),
    ("BOGFØRING", {"tags"}),
    ("web design", {"tags"}),
    ("revision bogføring", {"tags"}),
    ("%", {"percent"}),
    ("100%", {"percent"}),
    ("_", {"underscore"}),
    ("a_b", {"underscore"}),
    ("\\", set()),
    ("'; DROP TABLE members; --", set()),
    ("fiskehuset", set()),  # the directory does not search e-mail addresses
    ("søren nobody", {"bager"}),  # nobody matches both: the page shows who matches some, and says so
])
def test_directory_search(client, login, people, query, expected):
    admin, by_key = people
    login(admin)
    response = client.get("/members", query_string={"q": query})
    assert response.status_code == 200
    assert _ids(response.get_data(as_text=True)) == {by_key[k].id for k in expected}


def test_admin_search_also_finds_the_email_and_danish_letters(client, login, people):
    admin, by_key = people
    login(admin)
    for query, key in (("fiskehuset", "mail"), ("ØKOLOGISK", "bager"), ("%", "percent")):
        page = client.get("/admin/members", query_string={"q": query}).get_data(as_text=True)
        assert _ids(page) == {by_key[key].id}, query


def test_search_text_follows_edits_and_bulk_inserts(app, people):
    admin, by_key = people
    member = by_key["bager"]
    member.company = "Åben Café"
    db.session.commit()
    assert db.session.scalar(select(Member.search_text).where(Member.id == member.id)) == \
        search_text_of({"name": "Søren Østergaard", "company": "Åben Café"})
    assert [m.id for m in services.search_directory(admin, "ÅBEN CAFÉ").members] == [member.id]
    assert services.search_directory(admin, "økologisk").members == []

    # A Core INSERT (the CSV import's path) fills the column too.
    new_id = db.session.scalar(insert(Member).returning(Member.id), [{
        "email": "bulk@example.test", "name": "Bulk Ørsted", "company": "Å/S", "title": "", "industry": ""}])
    db.session.commit()
    assert db.session.scalar(select(Member.search_text).where(Member.id == new_id)) == "bulk ørsted\nå/s\n\n"


class _Statements:
    def __init__(self) -> None:
        self.sql: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.sql.append(statement)


def test_login_loader_costs_the_session_and_the_member_only(app):
    from app.auth.sessions import create_session, load_member

    group = create_group()
    member = create_member(groups=[group])
    member.competencies = [Competency(name="kaffe")]
    _, token = create_session(member, remember=False)
    db.session.commit()
    member_id = member.id
    db.session.expunge_all()
    with app.test_request_context("/"), _Statements() as seen:
        loaded = load_member(token)
        assert loaded is not None and loaded.id == member_id
    # One query for the login record, one for the member; no competencies, no memberships.
    assert len(seen.sql) <= 2, seen.sql


def test_directory_costs_a_bounded_number_of_queries(client, login):
    group = create_group()
    viewer = create_member(groups=[group])
    db.session.add_all([Member(email=f"q{n}@example.test", name=f"Q {n:03d}", company="") for n in range(80)])
    db.session.commit()
    for member in db.session.scalars(select(Member).where(Member.email.like("q%@example.test"))):
        member.competencies = [Competency(name=f"tag {member.id}")]
        from app.models import Membership

        db.session.add(Membership(member=member, group=group))
    db.session.commit()
    login(viewer)
    db.session.expunge_all()
    with _Statements() as seen:
        response = client.get("/members")
    assert response.status_code == 200
    assert len(_ids(response.get_data(as_text=True))) == WEB_PER_PAGE  # one page
    # Login record, member, their memberships (menu and scope), count, page, competencies, plus a
    # few for the page chrome: independent of the number of members.
    assert len(seen.sql) <= 10, "\n".join(seen.sql)
    assert not any("FROM memberships" in s and "memberships.member_id IN" in s for s in seen.sql), \
        "the directory loads the listed members' memberships it never shows"


def _bearer(member) -> dict[str, str]:
    from app.tokens.services import create_token

    _, token = create_token(member, "directory")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_directory_searches_and_pages_like_the_web(client, people):
    admin, by_key = people
    headers = _bearer(admin)
    found = client.get("/api/v1/members", query_string={"q": "ØKOLOGISK"}, headers=headers)
    assert found.status_code == 200
    assert [m["id"] for m in found.json] == [by_key["bager"].id]
    assert found.json[0]["company"] == "Økologisk Bageri" and "role" not in found.json[0]
    percent = client.get("/api/v1/members?q=%25", headers=headers).json
    assert [m["id"] for m in percent] == [by_key["percent"].id]

    everyone = client.get("/api/v1/members?per_page=3&page=2", headers=headers)
    assert len(everyone.json) == 3 and everyone.headers["X-Total-Count"] == str(len(by_key) + 1)
    assert client.get("/api/v1/members?page=9", headers=headers).json == []
    assert client.get("/api/v1/members?per_page=201", headers=headers).status_code == 422
    assert client.get("/api/v1/members?q=" + "x" * 201, headers=headers).status_code == 422
    assert client.get("/api/v1/members?group=nope", headers=headers).status_code == 404
    assert client.get("/api/v1/members").status_code == 401


def test_api_directory_shows_only_the_callers_groups(client, people):
    admin, by_key = people
    outsider = create_member(groups=[create_group()], name="Ude")
    listed = client.get("/api/v1/members", headers=_bearer(outsider)).json
    assert [m["id"] for m in listed] == [outsider.id]


@pytest.mark.parametrize("url", ["/admin/members", "/groups/{slug}/members"])
def test_organizer_lists_cost_a_bounded_number_of_queries(client, login, url):
    from app.models import Membership, Role

    group = create_group()
    organizer = create_member(groups=[group], role=Role.ORGANIZER.value)
    members = [Member(email=f"o{n}@example.test", name=f"O {n:03d}", company="") for n in range(40)]
    db.session.add_all(members)
    db.session.flush()
    db.session.add_all([Membership(member=m, group=group) for m in members])
    for m in members:
        m.competencies = [Competency(name=f"emne {m.id}")]
    db.session.commit()
    login(organizer)
    target = url.format(slug=group.slug)
    db.session.expunge_all()
    with _Statements() as seen:
        response = client.get(target)
    assert response.status_code == 200
    assert len(_ids(response.get_data(as_text=True))) == WEB_PER_PAGE
    # The rights checks and badges of every row come from a few batched queries, not one per row.
    assert len(seen.sql) <= 16, "\n".join(seen.sql)


@pytest.mark.parametrize("url", ["/members", "/admin/members"])
def test_a_huge_search_is_answered_not_a_server_error(client, people, login, url):
    admin, by_key = people
    login(admin)
    response = client.get(url, query_string={"q": "ø " * 3000 + "x" * 5000})
    assert response.status_code == 200
    # The first words still count: "økologisk" is one of them.
    first = client.get(url, query_string={"q": "økologisk " + "a " * 3000})
    assert by_key["bager"].id in _ids(first.get_data(as_text=True))
