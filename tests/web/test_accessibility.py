"""Accessibility and CSP basics on every main page, as each kind of user sees it.

Each page must have: a label (or aria-label) for every visible form field, alt text on images,
exactly one <h1>, no duplicate ids, and nothing the Content-Security-Policy would block
(inline scripts, style attributes, on* event handlers). Parsed with the standard library's html.parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from app.extensions import db
from app.models import Role
from tests.factories import (
    add_membership,
    create_admin,
    create_group,
    create_meeting,
    create_member,
    create_organizer,
)

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class PageAudit(HTMLParser):
    fields: list[dict[str, str]] = field(default_factory=list)
    label_for: set[str] = field(default_factory=set)
    ids: list[str] = field(default_factory=list)
    h1_count: int = 0
    images_without_alt: list[str] = field(default_factory=list)
    csp_problems: list[str] = field(default_factory=list)
    label_depth: int = 0

    def __post_init__(self):
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.ids.append(attributes["id"])
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.csp_problems.append(f"<{tag} {name}=...>")
        if tag == "script" and "src" not in attributes:
            self.csp_problems.append("inline <script>")
        if tag == "style":
            self.csp_problems.append("inline <style>")
        if tag == "label":
            self.label_depth += 1
            if attributes.get("for"):
                self.label_for.add(attributes["for"])
        elif tag in ("input", "select", "textarea"):
            if attributes.get("type", "").lower() not in UNLABELLED_TYPES:
                self.fields.append({**attributes, "_tag": tag, "_in_label": str(self.label_depth > 0)})
        elif tag == "img" and "alt" not in attributes:
            self.images_without_alt.append(attributes.get("src", "?"))
        elif tag == "h1":
            self.h1_count += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "label":  # <label/> never wraps anything
            self.label_depth -= 1

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)

    def unlabelled_fields(self) -> list[str]:
        missing = []
        for f in self.fields:
            labelled = (
                (f.get("id") and f["id"] in self.label_for)
                or f.get("aria-label")
                or f.get("aria-labelledby")
                or f["_in_label"] == "True"
            )
            # A field hidden from everyone (the password managers' username helper) needs no label.
            hidden = "d-none" in f.get("class", "").split() or "hidden" in f
            if not labelled and not hidden:
                missing.append(f"<{f['_tag']} name={f.get('name')!r} id={f.get('id')!r}>")
        return missing

    def duplicate_ids(self) -> list[str]:
        return sorted({i for i in self.ids if self.ids.count(i) > 1})


def audit(html: str) -> PageAudit:
    parser = PageAudit()
    parser.feed(html)
    parser.close()
    return parser


def assert_accessible(client, path: str, expected_status: int = 200) -> PageAudit:
    response = client.get(path)
    assert response.status_code == expected_status, path
    assert response.mimetype == "text/html", path
    result = audit(response.get_data(as_text=True))
    assert result.unlabelled_fields() == [], path
    assert result.images_without_alt == [], path
    assert result.h1_count == 1, f"{path}: {result.h1_count} <h1>"
    assert result.duplicate_ids() == [], path
    assert result.csp_problems == [], path
    return result


# --- the auditor itself catches what it should ---------------------------------------------------

def test_the_audit_finds_unlabelled_fields_missing_alt_duplicate_ids_and_inline_code():
    result = audit(
        '<h1>A</h1><h1>B</h1><input name="q" id="q"><label for="x">X</label><input id="x">'
        '<label>Wrapped <input name="w"></label><input type="hidden" name="csrf">'
        '<input aria-label="Search" name="s"><select name="g"></select><img src="a.png">'
        '<div id="d"></div><span id="d"></span><p style="color:red" onclick="x()"></p><script>x()</script>'
    )
    assert result.unlabelled_fields() == ["<input name='q' id='q'>", "<select name='g' id=None>"]
    assert result.images_without_alt == ["a.png"]
    assert result.h1_count == 2
    assert result.duplicate_ids() == ["d"]
    assert result.csp_problems == ["<p style=...>", "<p onclick=...>", "inline <script>"]


# --- the pages -----------------------------------------------------------------------------------

@pytest.fixture
def world(app):
    group = create_group(name="Kaffeklub Vest", slug="vest", is_public=True, description="Morgenmøde.")
    other = create_group(name="Kaffeklub Øst", slug="oest", is_public=False)
    organizer = create_organizer(group, name="Olga Organizer")
    member = create_member(name="Mette Medlem", groups=[group], competencies=[])
    add_membership(create_member(name="Bo Begge"), other, Role.MEMBER.value)
    admin = create_admin(name="Anna Admin")
    meeting = create_meeting(group=group)
    db.session.commit()
    return {"group": group, "organizer": organizer, "member": member, "admin": admin, "meeting": meeting}


ANONYMOUS_PAGES = ["/", "/groups", "/groups/vest", "/login", "/login/password", "/login/sent", "/dev/mail",
                   "/groups/vest/meetings", "/groups/vest/meetings?view=month", "/meetings/{meeting}",
                   "/api/v1/docs", "/privacy", "/about", "/groups/vest/visit", "/groups/vest/visit/sent",
                   "/embed/network", "/embed/groups/vest"]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_public_pages(client, world, path):
    assert_accessible(client, path.format(**{k: v.id for k, v in world.items()}))


@pytest.mark.parametrize("path, status", [("/no-such-page", 404), ("/groups/oest", 404),
                                          ("/login/not-a-valid-token", 404)])
def test_error_pages(client, world, path, status):
    assert_accessible(client, path, status)


MEMBER_PAGES = [
    "/", "/groups", "/groups/vest", "/groups/vest/members", "/members", "/members/{member}",
    "/members/{organizer}", "/profile", "/profile/password", "/profile/tokens", "/meetings",
    "/groups/vest/meetings", "/groups/vest/meetings?view=month", "/groups/vest/meetings/past",
    "/meetings/{meeting}", "/network", "/one-to-ones/new", "/members/{organizer}/network",
    "/meetings/{meeting}/my-tables", "/referrals", "/referrals/new", "/thanks/new", "/thanks/help/new",
    "/give-and-take", "/members/{organizer}/give-and-take", "/asks", "/asks/new", "/asks/notices",
    "/members?q=revisor", "/profile/privacy", "/profile/export", "/profile/delete",
]


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_pages(client, login, world, path):
    login(world["member"])
    assert_accessible(client, path.format(**{k: v.id for k, v in world.items()}))


ORGANIZER_PAGES = [
    "/groups/vest/members", "/groups/vest/edit", "/admin/members", "/admin/members/new",
    "/admin/members/{member}/edit", "/admin/members/import", "/groups/vest/meetings/new",
    "/groups/vest/series/new", "/meetings/{meeting}/edit", "/meetings/{meeting}/cancel",
    "/meetings/{meeting}", "/groups/vest/meetings", "/groups/vest/meetings?view=month",
    "/groups/vest/meetings/past", "/meetings/{meeting}/checkin", "/meetings/{meeting}/checkin/qr",
    "/meetings/{meeting}/close", "/meetings/{meeting}/attendance", "/meetings/{meeting}/seating",
    "/groups/vest/seating-rules", "/groups/vest/network", "/members/{member}/network",
    "/groups/vest/give-and-take", "/groups/vest/visitors",
]


@pytest.mark.parametrize("path", ORGANIZER_PAGES)
def test_organizer_pages(client, login, world, path):
    login(world["organizer"])
    assert_accessible(client, path.format(**{k: v.id for k, v in world.items()}))


ADMIN_PAGES = ["/admin/members", "/admin/members/{member}/edit", "/groups/new", "/members/{member}", "/",
               "/admin/network", "/admin/audit", "/admin/members/{member}/delete"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages(client, login, world, path):
    login(world["admin"])
    assert_accessible(client, path.format(**{k: v.id for k, v in world.items()}))


def test_form_errors_are_tied_to_their_fields(client, login, world):
    """A refused profile shows the error next to the field and points the field at it."""
    login(world["member"])
    response = client.post("/profile", data={"name": "", "language": "da"})
    assert response.status_code == 422
    result = audit(response.get_data(as_text=True))
    name = next(f for f in result.fields if f.get("name") == "name")
    assert name.get("aria-invalid") == "true"
    assert "name-error" in name.get("aria-describedby", "").split()
    assert "name-error" in result.ids
    assert result.unlabelled_fields() == []


@pytest.mark.parametrize("who, sees_administration",
                         [("member", False), ("organizer", True), ("admin", True)])
def test_top_bar_marks_the_current_section_and_offers_administration_to_those_who_may_use_it(
        client, login, world, who, sees_administration):
    login(world[who])
    page = client.get("/members").get_data(as_text=True)
    assert 'class="nav-link active" href="/members" aria-current="page"' in page
    assert 'aria-current="page"' not in page.replace(
        'class="nav-link active" href="/members" aria-current="page"', "")
    assert ('href="/admin/members"' in page) is sees_administration
    assert 'id="user-menu"' in page and 'action="/logout"' in page


def test_series_preview_and_host_rotation_pages(client, login, world):
    """The series form with its preview table, and the host rotation page of the created series."""
    from datetime import date

    login(world["organizer"])
    year = date.today().year + 2
    form = {"title": "Morgenmøde", "frequency": "monthly_day", "day_of_month": "5",
            "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31", "start_time": "08:30",
            "end_time": "10:00", "timezone": "Europe/Copenhagen", "skip_months": ["7"],
            "holiday_policy": "skip", "action": "preview"}
    response = client.post("/groups/vest/series/new", data=form)
    assert response.status_code == 200
    result = audit(response.get_data(as_text=True))
    assert 'id="preview-dates"' in response.get_data(as_text=True)
    assert result.unlabelled_fields() == [] and result.h1_count == 1 and result.duplicate_ids() == []
    assert result.csp_problems == []
    confirm = re.search(r'name="confirm" type="hidden" value="([0-9a-f]+)"', response.get_data(as_text=True))
    assert client.post("/groups/vest/series/new",
                       data={**form, "action": "create", "confirm": confirm.group(1)}).status_code == 302
    from app.models import MeetingSeries

    series = db.session.scalars(db.select(MeetingSeries)).one()
    assert_accessible(client, f"/series/{series.id}/hosts")
    meeting = series.meetings[0]
    assert_accessible(client, f"/meetings/{meeting.id}")  # with a history entry from the series
