"""Hostile input never gives a 5xx: every web form and every GET route with parameters, fuzzed.

The routes come from `app.url_map` (every POST endpoint outside /api/, every GET route with a path
parameter, every page with the query parameters the code reads), so a new form is fuzzed without
anyone remembering to add it here. Each form is fetched as a logged-in admin (anonymous for the
login pages) to learn its fields and their current values; then the fields get hostile
values while the others keep valid ones, so the post reaches the service behind the form: each
hostile value goes into all fields of one kind (text, number, date, choice ...) at once, since every
field is checked on its own anyway. The values are a fixed list, so a failure is repeatable.

A rejected post must leave the object it edits unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Group, Meeting, Member, NetworkSettings
from tests.factories import create_admin, create_group, create_organizer
from tests.web.form_helpers import (
    World,
    act_as,
    build,
    encode,
    kind_of,
    learn_forms,
    page_forms,
    path_piece,
    post_routes,
    valid_pairs,
    with_value,
)

SURROGATE = "\ud800"
NUL = "\x00"

# What every field gets, and what fields of a kind get besides (chosen by the input's type).
EVERY_FIELD = [f"a{NUL}b", SURROGATE, str(2**63)]
BY_KIND = {
    "text": ["x" * 100_000, "   "],
    "number": [str(2**31), str(10**30), "-1", "abc"],
    "date": ["0001-01-01", "9999-12-31"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59"],
    "time": ["25:61"],
    "select": ["abc", str(2**31), "-1"],
    "checkbox": ["abc"],
    "file": [],
}
ONE_BY_ONE = f"a{NUL}b"
# Everything at once in every field (a form-level crash shows up here), and all fields empty.
ALL_AT_ONCE = [NUL, SURROGATE, str(2**63), "0001-01-01", "x" * 100_000, ""]
PATH_VALUES = [f"x{NUL}y", SURROGATE, "3000000000", str(2**63), "-1"]
QUERY_VALUES = [NUL, SURROGATE, str(2**63), "99999-01"]


# What a person's post (current values, VALID for empty ones) gets: the services were reached.
ACCEPTED = {
    "meetings.create": 302,
    "meetings.edit": 302,
    "meetings.series_new": 200,  # the preview
    "meetings.series_hosts": 302,
    "meetings.cancel": 302,
    "groups.edit": 302,
    "settings.settings": 200,
}


# Rows a rejected post must leave alone: endpoint -> (model, how to find the row's id).
GUARDED = {
    "meetings.edit": (Meeting, "meeting_id"),
    "meetings.cancel": (Meeting, "meeting_id"),
    "groups.edit": (Group, "group"),
    "members.edit": (Member, "id"),
    "members.profile": (Member, "admin"),
    "settings.settings": (NetworkSettings, "settings"),
}


def snapshot(model, row_id) -> dict:
    table = model.__table__
    row = db.session.execute(select(table).where(table.c.id == row_id)).mappings().one()
    db.session.rollback()  # hold no read transaction while the next request writes
    return {k: v for k, v in row.items() if k not in ("updated_at", "version", "sequence")}


def restore(model, row_id, values: dict) -> None:
    table = model.__table__
    db.session.execute(table.update().where(table.c.id == row_id).values(**values))
    db.session.commit()


# --- the fuzzing ---------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.requests = 0
        self.guarded_checks = 0
        self.failures: list[str] = []

    def check(self, response, what: str) -> None:
        self.requests += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {what}")


def short(value: str) -> str:
    return repr(value if len(value) < 40 else value[:20] + f"...({len(value)} chars)")


@pytest.mark.timeout(900)  # one walk over every form and page of the app (2-3 min alone); grows with each
# new form, and a busy machine may take several times that
def test_every_form_survives_hostile_values(app, client, login):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is an answer (500) here, not a test error
    world = World()
    admin = world.admin
    record = Recorder()
    pages: dict[str, str] = {}  # path -> html, as admin

    def as_role(endpoint: str) -> None:
        act_as(client, login, world, endpoint)

    def check_get(response, path: str) -> None:
        record.check(response, f"GET {path}")
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[path] = response.get_data(as_text=True)

    # Learn every post form from the pages that show it (and check every page on the way).
    forms_by_endpoint = learn_forms(app, client, login, world, on_get=check_get)

    reached = []
    baseline: dict[str, int] = {}
    jobs = []  # (endpoint, path, fields, guarded row, fixed values)
    for rule in post_routes(app):
        args = world.args_for(rule)
        if args is not None:
            fields = forms_by_endpoint.get(rule.endpoint, {"fields": {}})["fields"]
            jobs.append((rule.endpoint, build(rule, args), fields, GUARDED.get(rule.endpoint), {}))
        if rule.endpoint == "meetings.edit":
            # A meeting of a series, changed with "this and all following" (another service path).
            path = f"/meetings/{world.ids['series_meeting_id']}/edit"
            login(admin)
            db.session.rollback()
            forms = [f for f in page_forms(client.get(path).get_data(as_text=True)) if "scope" in f["fields"]]
            assert forms, "the series meeting's edit form offers the scope"
            guarded = (Meeting, "series_meeting_id")
            jobs.append((rule.endpoint, path, forms[0]["fields"], guarded, {"scope": "following"}))
    for endpoint, path, fields, guarded, fixed in jobs:
        reached.append((endpoint, len(fields)))

        def post(pairs, what, *, path=path, endpoint=endpoint, guarded=guarded):
            as_role(endpoint)
            before = snapshot(guarded[0], world.ids[guarded[1]]) if guarded else None
            response = client.post(path, data=encode(pairs), content_type="application/x-www-form-urlencoded")
            record.check(response, f"POST {path} {what}")
            if guarded and response.status_code >= 400:
                record.guarded_checks += 1
                after = snapshot(guarded[0], world.ids[guarded[1]])
                if after != before:
                    record.failures.append(f"data changed by a rejected POST {path} {what}")
            elif guarded:
                # Accepted (e.g. a meeting moved to another valid date): put the row back, so the
                # next post meets the same object (a meeting moved into the past cannot be edited).
                restore(guarded[0], world.ids[guarded[1]], before)
            return response

        base = valid_pairs(fields)
        for name, value in fixed.items():
            base = with_value(base, name, value)
        status = post(base, "as a person fills it in").status_code
        baseline.setdefault(endpoint, status)
        if fixed:
            assert status == 302, f"{path} {fixed}: a person's edit is accepted ({status})"
        for value in ALL_AT_ONCE:
            post([(k, value) for k, _v in base] or [("value", value)], f"all fields={short(value)}")
        by_kind: dict[str, list[str]] = {}
        for name, entry in fields.items():
            if entry["kind"] in ("submit", "file") or name == "csrf_token":
                continue
            by_kind.setdefault(kind_of(entry), []).append(name)
        for kind, names in sorted(by_kind.items()):
            for value in EVERY_FIELD + BY_KIND[kind]:
                pairs = base
                for name in names:
                    pairs = with_value(pairs, name, value)
                post(pairs, f"{kind} fields {names[:3]}...={short(value)}")
        # One field at a time too, where another field's error could hide this one's crash (a NUL
        # in the title is not refused when the link beside it is refused first).
        for name in by_kind.get("text", []) + by_kind.get("select", []):
            if not re.search(r"-[1-9]\d*-", name):  # one rotation row stands for all of them
                post(with_value(base, name, ONE_BY_ONE), f"{name}={short(ONE_BY_ONE)}")

    # Every GET route with parameters: hostile values in the path ...
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments or rule.rule.startswith(("/static", "/bootstrap")):
            continue
        args = world.args_for(rule)
        if args is None:
            continue
        for anonymous in (False, True):  # logged in, and not (some 500s needed no login)
            as_role("auth.login" if anonymous else rule.endpoint)
            for name in rule.arguments:
                if name == "filename":
                    continue
                for value in PATH_VALUES:
                    path = build(rule, {**args, name: path_piece(value)})
                    record.check(client.get(path), f"GET {path[:120]}" + " (anonymous)" * anonymous)

    # ... and in every query parameter the code reads, on every page.
    query_names = sorted(query_parameters())
    for path in list(pages):
        for value in QUERY_VALUES:
            query = "&".join(f"{n}={path_piece(value)}" for n in query_names)
            login(admin)
            db.session.rollback()  # no open read transaction in the test's session
            record.check(client.get(f"{path}?{query}"), f"GET {path}?…={short(value)}")
        record.check(client.get(f"{path}?view=month&month={path_piece(str(2**63))}-01"), f"GET {path} month")

    # The fuzzing reached the services: a person's post of these forms is accepted.
    accepted = {e: baseline.get(e) for e in ACCEPTED}
    assert accepted == ACCEPTED, accepted
    assert record.guarded_checks > 50
    print(f"\n{record.requests} requests, {len(record.failures)} failures")
    assert not record.failures, "\n".join(record.failures[:80]) + f"\n({len(record.failures)} in all)"


def query_parameters() -> set[str]:
    """The names the code reads from request.args, found in the source."""
    names: set[str] = set()
    for source in Path(__file__).resolve().parents[2].joinpath("app").rglob("*.py"):
        names |= set(re.findall(r"request\.args\.get(?:list)?\(\s*[\"']([a-z_]+)[\"']", source.read_text()))
    return names


def test_every_form_class_inherits_the_guarded_base():
    """Every FlaskForm in the app refuses NUL bytes and lone surrogates (through AppForm)."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import app as app_package
    from app.forms_base import AppForm

    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)  # every module: a form may live beside its route
    pending = list(FlaskForm.__subclasses__())
    unguarded = []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("app.") and not issubclass(cls, AppForm):
            unguarded.append(f"{cls.__module__}.{cls.__name__}")
    assert not unguarded, unguarded


@pytest.mark.parametrize(
    "path", ["/meetings/3000000000", "/meetings/9223372036854775808", "/members/99999999999"]
)
def test_ids_beyond_the_integer_range_are_not_found(app, client, login, path):
    login(create_admin())
    assert client.get(path).status_code == 404


def test_the_reported_examples_are_clear_answers(app, client, login):
    """The cases issue 6 lists, each with the answer a person (or a script) gets."""
    from app.input_guard import UNSTORABLE_MESSAGE

    group = create_group(slug="herning")
    response = client.post("/login", data={"email": "a\x00b@x.dk"})
    assert response.status_code in (200, 422)
    assert str(UNSTORABLE_MESSAGE) in response.get_data(as_text=True)
    assert client.get("/groups/x%00y/meetings").status_code == 404
    assert client.get("/groups/x%ED%A0%80y/meetings").status_code == 404
    login(create_organizer(group))
    response = client.get("/groups/herning/meetings?view=month&month=%00")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "cannot use" in page or "ikke kan bruge" in page
    response = client.get("/api/v1/meetings/3000000000")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
