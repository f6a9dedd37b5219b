"""CSV import (upload -> preview -> all-or-nothing confirm) and CSV export, through the web UI."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from app.extensions import db
from app.members import csv_services
from app.models import Member, Membership, NetworkSettings, OutboxMessage
from tests.web.member_world import build_world, client_for

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE_EMAILS = {"soren@aeroe-revision.dk", "ase@oberg-design.dk", "mikkel@hansen-vvs.dk"}


def _upload(client, group_id, data: bytes, filename="medlemmer.csv"):
    return client.post("/admin/members/import", content_type="multipart/form-data",
                       data={"group_id": str(group_id), "file": (io.BytesIO(data), filename)})


def _token(page: str) -> str | None:
    match = re.search(r'name="payload"[^>]*value="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _statuses(page: str) -> dict[int, str]:
    return {int(line): status for line, status in re.findall(r'data-line="(\d+)" data-status="(\w+)"', page)}


def test_valid_danish_excel_file_is_previewed_then_imported_with_welcome_mails(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    response = _upload(client, world.a.id, (DATA / "members_da.csv").read_bytes())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _statuses(page) == {2: "ok", 3: "ok", 4: "ok"}
    assert "Søren Ærø" in page and "Åse Øberg" in page and "årsregnskab" in page
    assert _count(Member) == 5  # the preview saves nothing
    token = _token(page)
    assert token

    response = client.post("/admin/members/import/confirm", data={"payload": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/groups/{world.a.slug}/members")
    members = {m.email: m for m in db.session.scalars(select(Member).where(Member.email.in_(SAMPLE_EMAILS)))}
    assert set(members) == SAMPLE_EMAILS
    soren = members["soren@aeroe-revision.dk"]
    assert soren.name == "Søren Ærø" and soren.company == "Ærø Revision ApS"
    assert soren.competency_names == ["bogføring", "moms", "årsregnskab"]
    assert soren.website == "https://www.aeroe-revision.dk"
    # An empty cell takes the network's default language (English in this module, see `english`).
    assert members["ase@oberg-design.dk"].language == NetworkSettings.current().default_language == "en"
    for member in members.values():
        assert member.membership_in(world.a) is not None
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.member_id == member.id))
        assert mail.kind == "welcome" and mail.recipients == member.email

    # The same token cannot import twice: everyone now exists, so nothing new is created.
    client.post("/admin/members/import/confirm", data={"payload": token})
    assert _count(Member) == 8
    assert _count(OutboxMessage) == 3


def test_preview_with_errors_offers_no_confirm_and_a_forged_confirm_imports_nothing(app, login):
    world = build_world()
    client = client_for(app, login, world, "admin")
    text = ("navn;e-mail;hjemmeside\n"
            "God Person;god@example.dk;\n"
            "Dårlig Mail;ikke-en-mail;\n"
            "Dobbelt;god@example.dk;\n"
            "Dårlig Side;side@example.dk;ftp://side.dk\n")
    response = _upload(client, world.a.id, text.encode("cp1252"))
    page = response.get_data(as_text=True)
    assert _statuses(page) == {2: "ok", 3: "error", 4: "error", 5: "error"}
    assert "is not a valid e-mail address" in page
    assert "appears twice in the file (first in line 2)" in page
    assert "not a web address" in page
    assert _token(page) is None
    assert "Nothing will be imported" in page

    # Even a correctly signed token for an invalid file is refused as a whole.
    with app.test_request_context():
        forged = URLSafeTimedSerializer(app.secret_key, salt="kaffeklub.members.import").dumps(
            {"u": world.admin.id, "g": world.a.id, "t": text, "f": "x.csv"})
    response = client.post("/admin/members/import/confirm", data={"payload": forged})
    assert response.status_code == 422
    assert "nothing was imported" in response.get_data(as_text=True)
    assert _count(Member) == 5
    assert _count(OutboxMessage) == 0
    assert db.session.scalar(select(Member).where(Member.email == "god@example.dk")) is None


def test_tampered_or_foreign_tokens_are_refused(app, login):
    world = build_world()
    organizer = client_for(app, login, world, "organizer")
    page = _upload(organizer, world.a.id, b"navn;e-mail\nNy;ny@example.dk\n").get_data(as_text=True)
    token = _token(page)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = organizer.post("/admin/members/import/confirm", data={"payload": tampered})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/members/import")
    # Another importer cannot replay someone else's preview.
    admin = client_for(app, login, world, "admin")
    assert admin.post("/admin/members/import/confirm", data={"payload": token}).status_code == 403
    assert db.session.scalar(select(Member).where(Member.email == "ny@example.dk")) is None


def test_existing_members_are_added_to_the_group_but_not_modified(app, login):
    world = build_world()
    client = client_for(app, login, world, "admin")
    text = (f"name,email,company\n"
            f"Someone Else,{world.other.email.upper()},Changed Company\n"
            f"Mads Again,{world.member.email},Changed\n"
            f"New Person,new@example.dk,New ApS\n")
    page = _upload(client, world.a.id, text.encode()).get_data(as_text=True)
    assert _statuses(page) == {2: "existing", 3: "existing", 4: "ok"}
    assert "will be added to the group" in page and "Already a member of this group" in page
    response = client.post("/admin/members/import/confirm", data={"payload": _token(page)})
    assert response.status_code == 302
    other = db.session.get(Member, world.other.id)
    assert other.membership_in(world.a) is not None
    assert other.name == "Olga Other" and other.company == "Bornholm Bolcher"
    assert db.session.get(Member, world.member.id).company == "Mads Maling ApS"
    # Only the new member is welcomed.
    assert [m.recipients for m in db.session.scalars(select(OutboxMessage))] == ["new@example.dk"]


def test_organizer_can_only_import_into_their_own_groups(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    page = client.get("/admin/members/import").get_data(as_text=True)
    assert world.a.name in page and world.b.name not in page
    response = _upload(client, world.b.id, b"navn;e-mail\nNy;ny@example.dk\n")
    assert response.status_code == 422
    assert "choose one of your groups" in response.get_data(as_text=True)


def test_group_column_may_only_name_the_importers_groups(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    text = f"navn;e-mail;grupper\nNy;ny@example.dk;{world.b.slug}\n"
    page = _upload(client, world.a.id, text.encode()).get_data(as_text=True)
    assert _statuses(page) == {2: "error"}
    assert "Unknown group" in page


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("other", 403), ("member", 403)])
def test_import_is_refused_for(app, login, role, expected):
    world = build_world()
    client = client_for(app, login, world, role)
    assert _upload(client, world.a.id, b"navn;e-mail\nNy;ny@example.dk\n").status_code == expected
    assert client.post("/admin/members/import/confirm", data={"payload": "x"}).status_code == expected


def test_too_large_file_gets_a_clear_error(app, login):
    world = build_world()
    client = client_for(app, login, world, "admin")
    header = b"navn;e-mail\n"
    just_over = header + b"x" * (csv_services.MAX_IMPORT_BYTES + 10 - len(header))
    response = _upload(client, world.a.id, just_over)
    assert response.status_code == 422
    assert "larger than 2 MB" in response.get_data(as_text=True)
    far_over = header + b"x" * (csv_services.MAX_IMPORT_BYTES * 2)
    response = _upload(client, world.a.id, far_over)
    assert response.status_code == 413
    assert "larger than 2 MB" in response.get_data(as_text=True)


def test_missing_file_and_empty_file(app, login):
    world = build_world()
    client = client_for(app, login, world, "admin")
    response = client.post("/admin/members/import", data={"group_id": str(world.a.id)})
    assert response.status_code == 422 and "choose a CSV file" in response.get_data(as_text=True)
    page = _upload(client, world.a.id, b"navn;telefon\nA;1\n").get_data(as_text=True)
    assert "lacks required columns" in page and _token(page) is None


def test_upload_and_confirm_work_with_csrf_enabled(app, login):
    app.config["WTF_CSRF_ENABLED"] = True
    world = build_world()
    client = client_for(app, login, world, "admin")
    page = client.get("/admin/members/import").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    without = _upload(client, world.a.id, b"navn;e-mail\nNy;ny@example.dk\n")
    assert without.status_code == 400
    response = client.post("/admin/members/import", content_type="multipart/form-data",
                           data={"group_id": str(world.a.id), "csrf_token": csrf_token,
                                 "file": (io.BytesIO(b"navn;e-mail\nNy;ny@example.dk\n"), "x.csv")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert client.post("/admin/members/import/confirm", data={"payload": _token(page)}).status_code == 400
    response = client.post("/admin/members/import/confirm", data={"payload": _token(page),
                                                                  "csrf_token": csrf_token})
    assert response.status_code == 302
    assert db.session.scalar(select(Member).where(Member.email == "ny@example.dk")) is not None


# --- export -------------------------------------------------------------------------------------

def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_admin_export_is_excel_friendly_and_complete(app, login):
    world = build_world()
    response = client_for(app, login, world, "admin").get("/admin/members/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    header = b"\xef\xbb\xbfnavn;e-mail;telefon;virksomhed;titel;branche;kompetencer;hjemmeside;sprog;grupper"
    assert data.split(b"\r\n")[0] == header
    rows = {r["e-mail"]: r for r in _rows(data)}
    assert set(rows) == {world.other.email, world.member.email, world.organizer.email, world.admin.email,
                         world.outsider.email}
    assert rows[world.member.email]["navn"] == "Mads Member"
    assert rows[world.member.email]["telefon"] == "+45 11 22 33 44"
    assert rows[world.member.email]["grupper"] == world.a.slug


def test_organizer_export_is_limited_to_their_groups(app, login):
    world = build_world()
    from tests.factories import add_membership

    add_membership(world.member, world.c)  # must not leak through the groups column
    rows = _rows(client_for(app, login, world, "organizer").get("/admin/members/export.csv").get_data())
    assert {r["e-mail"] for r in rows} == {world.member.email, world.organizer.email}
    assert {r["grupper"] for r in rows} == {world.a.slug}


def test_round_trip_export_then_import_preview(app, login):
    world = build_world()
    client = client_for(app, login, world, "admin")
    member = db.session.get(Member, world.member.id)
    from app.models import Competency

    member.competencies = [Competency(name="facademaling"), Competency(name="tapet")]
    member.website = "https://mads.dk"
    db.session.commit()
    exported = client.get("/admin/members/export.csv").get_data()
    page = _upload(client, world.c.id, exported).get_data(as_text=True)
    statuses = _statuses(page)
    assert len(statuses) == 5
    assert set(statuses.values()) == {"existing"}
    assert "not recognised" not in page
    assert _token(page)
    # Confirming adds everyone to C (and to their exported groups, which they are already in).
    client.post("/admin/members/import/confirm", data={"payload": _token(page)})
    in_c = select(func.count()).select_from(Membership).where(Membership.group_id == world.c.id)
    assert db.session.scalar(in_c) == 5
    assert _count(Member) == 5
