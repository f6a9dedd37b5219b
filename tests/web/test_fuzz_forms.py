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
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.models import Group, Meeting, Member, Membership, NetworkSettings
from tests.factories import add_membership, create_admin, create_group, create_member, create_organizer

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

# Valid values for fields that a "new" form leaves empty, so that a post reaches the service.
FUTURE = date.today() + timedelta(days=60)
VALID = {
    "title": "Morgenmøde",
    "date": FUTURE.isoformat(),
    "start_time": "08:30",
    "end_time": "10:00",
    "starts_on": FUTURE.isoformat(),
    "ends_on": (FUTURE + timedelta(days=90)).isoformat(),
    "frequency": "monthly_nth_weekday",
    "nth": "3",
    "weekday": "2",
    "name": "Fuzz Fuzzesen",
    "company": "Fuzz ApS",
    "email": "fuzz@example.test",
    "slug": "fuzz-gruppe",
    "timezone": "Europe/Copenhagen",
    "reason": "Sygdom",
    "password": "correct horse battery staple",
    "new_password": "correct horse battery staple",
    "confirm_password": "correct horse battery staple",
}

# Endpoints whose success changes the world the others need (so they run last).
DESTRUCTIVE = ("logout", "remove", "deactivate", "cancel", "revoke", "import_confirm")
# Endpoints a logged-in member cannot use (they redirect away).
ANONYMOUS = ("auth.login", "auth.login_password", "auth.login_with_link")


class FormParser(HTMLParser):
    """The post forms on a page: action -> list of (name, type, value, options)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self.forms.append({"action": a.get("action") or "", "fields": {}})
            else:
                self.forms.append({"action": None, "fields": {}})
            return
        if tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["value"] = a.get("value", "")
            return
        if not self.forms or self.forms[-1]["action"] is None or not a.get("name"):
            return
        fields = self.forms[-1]["fields"]
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                fields.setdefault(name, {"kind": "submit", "value": a.get("value", ""), "options": []})
                return
            entry = fields.setdefault(name, {"kind": kind, "value": None, "options": []})
            if kind in ("checkbox", "radio"):
                entry["options"].append(a.get("value", "on"))
                if "checked" in a:
                    entry["value"] = a.get("value", "on")
            else:
                entry["value"] = a.get("value", "")
        elif tag == "select":
            self._select = fields.setdefault(name, {"kind": "select", "value": None, "options": []})
        elif tag == "textarea":
            self._textarea = fields.setdefault(name, {"kind": "text", "value": "", "options": []})

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return [f for f in parser.forms if f["action"] is not None]


def encode(pairs: list[tuple[str, str]]) -> bytes:
    """A urlencoded body; lone surrogates go as their (invalid) UTF-8 bytes, as a hostile client sends."""
    return "&".join(
        f"{quote_plus(k)}={quote_plus(v.encode('utf-8', 'surrogatepass'))}" for k, v in pairs
    ).encode("ascii")


def path_piece(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def kind_of(entry: dict) -> str:
    kind = entry["kind"]
    if kind in ("email", "url", "search", "tel", "password", "hidden", "textarea"):
        return "text"
    if kind == "radio":
        return "select"
    return kind if kind in BY_KIND else "text"


def valid_pairs(fields: dict) -> list[tuple[str, str]]:
    """The form as a person would send it: current values, or VALID ones for empty required fields."""
    pairs = []
    for name, entry in fields.items():
        if entry["kind"] == "submit" or entry["kind"] == "file":
            continue
        value = entry["value"]
        if entry["kind"] in ("checkbox",):
            if value is not None:
                pairs.append((name, value))
            continue
        if entry["kind"] in ("select", "radio") and value is None:
            options = [o for o in entry["options"] if o]
            value = options[0] if options else ""
        if not value:
            base = name.rsplit("-", 1)[-1]
            value = VALID.get(base, "")
        pairs.append((name, value or ""))
    return pairs


def with_value(pairs: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    out = [(k, v) for k, v in pairs if k != name]
    out.append((name, value))
    return out


# --- the world the routes act on --------------------------------------------------------------


class World:
    def __init__(self) -> None:
        from app.meetings import services
        from app.tokens.services import create_token

        self.admin = create_admin(name="Admin Adminsen")
        self.group = create_group(name="Kaffeklub Herning", slug="herning")
        self.organizer = create_organizer(self.group, name="Olga Organisator")
        self.member = create_member(groups=[self.group], name="Mads Medlem")
        self.other = create_member(name="Anne Anden")
        add_membership(self.admin, self.group, "organizer")
        start = datetime.now(UTC).replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(days=14)
        self.meeting = services.create_meeting(
            self.admin,
            self.group,
            services.MeetingData(
                title="Morgenmøde",
                date=start.date(),
                start_time=time(8, 30),
                end_time=time(10),
                venue_name="Kontoret",
                host_member_id=self.member.id,
                capacity=20,
            ),
        )
        self.series, self.series_meetings = services.create_series(
            self.admin,
            self.group,
            services.SeriesData(
                title="Månedsmøde",
                frequency="monthly_nth_weekday",
                nth=3,
                weekday=2,
                starts_on=FUTURE,
                ends_on=FUTURE + timedelta(days=120),
                start_time=time(8, 30),
                end_time=time(10),
            ),
        )
        self.token, _plain = create_token(self.admin, "fuzz")
        membership = db.session.scalar(
            select(Membership).where(
                Membership.member_id == self.member.id, Membership.group_id == self.group.id
            )
        )
        # Plain values only from here on: the test's own session must hold no transaction while a
        # request writes (SQLite would answer "database is locked").
        self.ids = {
            "slug": self.group.slug,
            "meeting_id": self.meeting.id,
            "series_meeting_id": self.series_meetings[0].id,
            "series_id": self.series.id,
            "membership_id": membership.id,
            "id": self.member.id,
            "token_id": self.token.id,
            "admin": self.admin.id,
            "group": self.group.id,
            "settings": NetworkSettings.get().id,
        }
        db.session.commit()

    def current_slug(self) -> str:
        """The group's slug now: fuzzing its edit form may have changed it (a valid edit)."""
        slug = db.session.scalar(select(Group.slug).where(Group.id == self.ids["group"]))
        db.session.rollback()
        return slug

    def args_for(self, rule) -> dict | None:
        """Real objects for the rule's parameters, or None when we have nothing to give it."""
        ids = self.ids
        values = {
            "slug": self.current_slug(),
            "meeting_id": ids["series_meeting_id"] if "series" in rule.rule else ids["meeting_id"],
            "series_id": ids["series_id"],
            "membership_id": ids["membership_id"],
            "id": ids["id"],
            "token_id": ids["token_id"],
            "token": "no-such-token",
            "message_id": 1,
            "filename": "css/app.css",
        }
        if not set(rule.arguments) <= set(values):
            return None
        return {name: values[name] for name in rule.arguments}


def build(rule, args: dict) -> str:
    url = rule.rule
    for name, value in args.items():
        url = re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?" + name + r">", str(value), url)
    return url


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


def post_routes(app):
    rules = [
        r for r in app.url_map.iter_rules()
        if "POST" in r.methods and not r.rule.startswith("/api/")
    ]
    return sorted(rules, key=lambda r: (any(d in r.endpoint for d in DESTRUCTIVE), r.rule))


def test_every_form_survives_hostile_values(app, client, login):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is an answer (500) here, not a test error
    world = World()
    admin = world.admin
    record = Recorder()
    pages: dict[str, str] = {}  # path -> html, as admin

    def as_role(endpoint: str) -> None:
        if endpoint in ANONYMOUS:
            with client.session_transaction() as session:
                session.clear()
        else:
            login(admin)
            db.session.rollback()  # no open read transaction in the test's session

    # Learn every post form from the pages that show it.
    forms_by_endpoint: dict[str, dict] = {}
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static", "/bootstrap")):
            continue
        args = world.args_for(rule)
        if args is None:
            continue
        as_role(rule.endpoint)
        path = build(rule, args)
        response = client.get(path)
        record.check(response, f"GET {path}")
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[path] = response.get_data(as_text=True)
            for form in page_forms(pages[path]):
                action = urlsplit(form["action"]).path or path
                try:
                    endpoint, _args = urls.match(action, method="POST")
                except HTTPException:
                    continue
                forms_by_endpoint.setdefault(endpoint, form)

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
