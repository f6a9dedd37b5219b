"""Finding the web forms from app.url_map and filling them in as a person would: shared by the
hostile-input fuzz (test_fuzz_forms.py) and the POST/redirect/GET walker (test_prg.py).

`World` builds one of every object the routes act on; `learn_forms` fetches every GET page (as the
admin, anonymously for the login pages) and returns the first form found for each POST endpoint,
with its fields and current values; `valid_pairs` fills a form's empty fields with VALID values."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import quote, quote_plus, urlsplit

from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.models import Group, Membership, NetworkSettings
from tests.factories import add_membership, create_admin, create_group, create_member, create_organizer

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


# The kinds of field the fuzz gives values by (test_fuzz_forms.BY_KIND has one entry for each).
FIELD_KINDS = ("text", "number", "date", "datetime-local", "time", "select", "checkbox", "file")


def kind_of(entry: dict) -> str:
    kind = entry["kind"]
    if kind in ("email", "url", "search", "tel", "password", "hidden", "textarea"):
        return "text"
    if kind == "radio":
        return "select"
    return kind if kind in FIELD_KINDS else "text"


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
        from app.asks import services as asks

        # The admin (who walks the forms) asks, so the asker's forms are walked too.
        ask = asks.post_request(self.admin, {"title": "En bogholder", "group_ids": [self.group.id]})
        reply = asks.answer_request(self.organizer, ask.id, {"kind": "offer", "body": "Det kan jeg"})
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
            "request_id": ask.id,
            "answer_id": reply.id,
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
            "request_id": ids["request_id"],
            "answer_id": ids["answer_id"],
            "item_type": "request",
            "item_id": ids["request_id"],
        }
        if not set(rule.arguments) <= set(values):
            return None
        return {name: values[name] for name in rule.arguments}


def build(rule, args: dict) -> str:
    url = rule.rule
    for name, value in args.items():
        url = re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?" + name + r">", str(value), url)
    return url


def post_routes(app):
    rules = [
        r for r in app.url_map.iter_rules()
        if "POST" in r.methods and not r.rule.startswith("/api/")
    ]
    return sorted(rules, key=lambda r: (any(d in r.endpoint for d in DESTRUCTIVE), r.rule))


def act_as(client, login, world, endpoint: str) -> None:
    """Anonymous for the login pages (a logged-in member is sent away from them), else the admin."""
    if endpoint in ANONYMOUS:
        with client.session_transaction() as session:
            session.clear()
    else:
        login(world.admin)
        db.session.rollback()  # no open read transaction in the test's session


def learn_forms(app, client, login, world, *, on_get=None) -> dict[str, dict]:
    """{POST endpoint: the first form on any GET page that posts to it}. `on_get(response, path)`
    sees every GET made on the way (the fuzz checks them); returns the pages' html by path too."""
    forms: dict[str, dict] = {}
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static", "/bootstrap")):
            continue
        args = world.args_for(rule)
        if args is None:
            continue
        act_as(client, login, world, rule.endpoint)
        path = build(rule, args)
        response = client.get(path)
        if on_get is not None:
            on_get(response, path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in page_forms(response.get_data(as_text=True)):
            action = urlsplit(form["action"]).path or path
            try:
                endpoint, _args = urls.match(action, method="POST")
            except HTTPException:
                continue
            forms.setdefault(endpoint, form)
    return forms
