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

from app.auth.tokens import hash_token
from app.extensions import db
from app.mail.preview import parse_raw
from app.members import csv_services
from app.models import LoginToken, Member, Membership, NetworkSettings, OutboxMessage, utcnow
from tests.factories import build_world, client_for

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
    client = client_for(app, login, world, "admin")
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
        # The mail's link is the member's own single-use welcome link.
        parsed = parse_raw(mail.raw)
        assert member.name in parsed.header("To") and member.name.split()[0] in parsed.text
        token = re.search(r"/login/([\w-]{20,})", parsed.text).group(1)
        login_token = db.session.scalar(select(LoginToken).where(LoginToken.token_hash == hash_token(token)))
        assert login_token.member_id == member.id and login_token.purpose == "welcome"
        assert f"/login/{token}" in parsed.html

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
    from app.models import MemberEvent

    history = db.session.execute(select(MemberEvent.kind, MemberEvent.group_id, MemberEvent.actor_id)
                                 .where(MemberEvent.member_id == other.id)).all()
    assert history == [("added", world.a.id, world.admin.id)]
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


# --- at the documented size, all or nothing ------------------------------------------------------

def _big_list(count: int, prefix: str = "p", groups: str = "") -> bytes:
    lines = ["navn;e-mail;virksomhed;kompetencer;sprog;grupper"]
    for i in range(count):
        tags = ", ".join(["bogføring", "moms", "webdesign", f"tag{i % 7}"][: i % 4])
        language = "en" if i % 2 else "da"
        lines.append(f"Ærlig Person {i};{prefix}{i}@example.dk;Firma {i};{tags};{language};{groups}")
    return ("\n".join(lines) + "\n").encode()


def test_many_rows_are_imported_with_the_right_details_for_each_member(app, login):
    world = build_world()
    from app.models import Competency

    db.session.add(Competency(name="moms"))  # an existing competency is reused, not duplicated
    db.session.commit()
    client = client_for(app, login, world, "admin")
    page = _upload(client, world.a.id, _big_list(300, groups=world.b.slug)).get_data(as_text=True)
    assert set(_statuses(page).values()) == {"ok"}
    response = client.post("/admin/members/import/confirm", data={"payload": _token(page)})
    assert response.status_code == 302
    assert _count(Member) == 5 + 300
    assert _count(Membership) == 4 + 2 * 300
    assert _count(OutboxMessage) == _count(LoginToken) == 300
    moms = select(func.count()).select_from(Competency).where(Competency.name == "moms")
    assert db.session.scalar(moms) == 1
    for i in (0, 1, 2, 3, 150, 299):
        member = db.session.scalar(select(Member).where(Member.email == f"p{i}@example.dk"))
        assert member.name == f"Ærlig Person {i}" and member.company == f"Firma {i}"
        assert member.language == ("en" if i % 2 else "da")
        assert sorted(member.competency_names) == sorted(
            ["bogføring", "moms", "webdesign", f"tag{i % 7}"][: i % 4])
        assert {m.group_id for m in member.memberships} == {world.a.id, world.b.id}
        outbox = db.session.scalar(select(OutboxMessage).where(OutboxMessage.member_id == member.id))
        mail = parse_raw(outbox.raw)
        assert mail.header("To") == f"{member.name} <{member.email}>"
        first = member.name.split()[0]
        assert f"Hej {first}\r\n" in mail.text or f"Hi {first}," in mail.text  # greeted by first name
        assert ("Welcome to" if member.language == "en" else "Velkommen til") in mail.header("Subject")
    tokens = list(db.session.scalars(select(LoginToken.member_id)))
    assert len(set(tokens)) == 300  # one link per member
    # History as for a member created by hand: created, then added to each group, by the admin.
    from app.models import MemberEvent

    events = db.session.execute(select(MemberEvent.kind, MemberEvent.group_id, MemberEvent.actor_id)
                                .where(MemberEvent.member_id == member.id)).all()
    expected = [("created", None, world.admin.id), ("added", world.a.id, world.admin.id),
                ("added", world.b.id, world.admin.id)]
    assert sorted(events, key=str) == sorted(expected, key=str)


def test_batch_mails_match_what_a_single_welcome_mail_looks_like(app):
    """The fast path (one rendering per language, personal values filled in) produces the same
    mail as enqueue_mail; a name that needs escaping is escaped in HTML and encoded in To."""
    from app.mail.batch import BatchRecipient, enqueue_mail_batch
    from app.mail.services import enqueue_mail
    from tests.factories import create_group, create_member

    group = create_group(name="Kaffeklub Ærø & Co")
    member = create_member(name="Søren<Ærø> & Søn", language="da")
    link = "https://kaffeklub.example/login/abc?x=1&y=2"
    single = enqueue_mail(member, "welcome", link=link, group=group, days=7)
    db.session.flush()
    recipient = BatchRecipient(member_id=member.id, name=member.name, email=member.email, language="da",
                               values={"link": link})
    enqueue_mail_batch("welcome", [recipient], group=group, days=7)
    batch = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[-1]
    assert batch.id != single.id and batch.message_id != single.message_id
    one, many = parse_raw(single.raw), parse_raw(batch.raw)
    for name in ("Subject", "From", "To", "Content-Type", "MIME-Version"):
        assert one.header(name).split(";")[0] == many.header(name).split(";")[0], name
    assert one.text == many.text and one.html == many.html
    assert "Søren&lt;Ærø&gt;" in many.html and "x=1&amp;y=2" in many.html  # greeted by first name
    assert member.email in many.header("To") and "Søren" in many.header("To")
    assert batch.subject == single.subject and batch.sender == single.sender


def test_batch_falls_back_to_one_mail_at_a_time_when_markers_cannot_be_used(app):
    """Recipients whose personal values differ in kind cannot share one skeleton: the batch then
    renders each mail on its own, and every mail is still right."""
    from app.mail.batch import BatchRecipient, enqueue_mail_batch
    from tests.factories import create_group

    group = create_group(name="Kaffeklub Vest")
    people = [BatchRecipient(member_id=None, name="Åse Øberg", email="ase@example.dk", language="da",
                             values={"link": "https://x.example/login/one"}),
              BatchRecipient(member_id=None, name="Bo Bæk", email="bo@example.dk", language="da",
                             values={"link": "https://x.example/login/two", "unused": "x"})]
    assert enqueue_mail_batch("welcome", people, group=group, days=7) == 2
    mails = {m.recipients: parse_raw(m.raw) for m in db.session.scalars(select(OutboxMessage))}
    assert "Hej Åse" in mails["ase@example.dk"].text and "/login/one" in mails["ase@example.dk"].text
    assert "Bo Bæk" in mails["bo@example.dk"].header("To") and "/login/two" in mails["bo@example.dk"].html


def _fail_on(app, table: str):
    """Make the database refuse the first INSERT into `table` (a failure midway through)."""
    from sqlalchemy import event

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            raise RuntimeError(f"the database refused {table}")
    event.listen(db.engine, "before_cursor_execute", refuse)
    return lambda: event.remove(db.engine, "before_cursor_execute", refuse)


@pytest.mark.parametrize("table", ["member_competencies", "outbox_messages"])
def test_a_failure_midway_imports_nothing(app, login, table):
    world = build_world()
    client = client_for(app, login, world, "admin")
    text = (f"navn;e-mail;kompetencer\nNy;ny@example.dk;moms\nKendt;{world.other.email};\n"
            f"Anden;anden@example.dk;bogføring\n").encode()
    token = _token(_upload(client, world.a.id, text).get_data(as_text=True))
    before = {model: _count(model) for model in (Member, Membership, LoginToken, OutboxMessage)}
    undo = _fail_on(app, table)
    try:
        with app.test_request_context():
            admin = db.session.get(Member, world.admin.id)
            with pytest.raises(RuntimeError):
                csv_services.confirm_import(admin, token)
    finally:
        undo()
    db.session.rollback()
    assert {model: _count(model) for model in before} == before
    assert db.session.scalar(select(Member).where(Member.email == "ny@example.dk")) is None
    assert db.session.get(Member, world.other.id).membership_in(world.a) is None
    # Once the database works again the same preview imports everything.
    assert client.post("/admin/members/import/confirm", data={"payload": token}).status_code == 302
    assert _count(Member) == before[Member] + 2


def test_an_address_taken_meanwhile_is_a_conflict_and_imports_nothing(app, login):
    world = build_world()
    client = client_for(app, login, world, "admin")
    token = _token(_upload(client, world.a.id, b"navn;e-mail\nEn;en@example.dk\nTo;to@example.dk\n")
                   .get_data(as_text=True))
    from sqlalchemy import event

    raced: list[bool] = []

    # Someone creates "to@example.dk" in the instant between the confirm's check and its INSERT.
    def race(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO MEMBERS") and not raced:
            raced.append(True)
            conn.exec_driver_sql("INSERT INTO members (email, name, phone, company, title, industry, bio, "
                                 "website, language, active, is_admin, created_at, updated_at) VALUES "
                                 "('to@example.dk', 'Hurtig', '', '', '', '', '', '', 'da', true, false, "
                                 "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    event.listen(db.engine, "before_cursor_execute", race)
    try:
        response = client.post("/admin/members/import/confirm", data={"payload": token})
    finally:
        event.remove(db.engine, "before_cursor_execute", race)
    assert raced and response.status_code == 409
    assert "Nothing was imported" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Member).where(Member.email == "en@example.dk")) is None
    assert _count(OutboxMessage) == 0


def test_a_list_over_the_maximum_is_refused_with_a_clear_message(app, login):
    world = build_world()
    client = client_for(app, login, world, "admin")
    response = _upload(client, world.a.id, _big_list(5001))
    page = response.get_data(as_text=True)
    assert "more than 5000 rows" in page and "split it" in page
    assert _token(page) is None
    assert _count(Member) == 5


@pytest.mark.parametrize("role", ["admin", "organizer"])
def test_nul_bytes_in_a_file_are_a_row_error_not_a_500(app, login, role):
    world = build_world()
    client = client_for(app, login, world, role)
    text = "navn;e-mail;virksomhed;kompetencer\nN\x00ul;nul@example.dk;Fi\x00rma;mo\x00ms\n"
    response = _upload(client, world.a.id, text.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _statuses(page) == {2: "error"}
    assert "invisible control characters" in page and _token(page) is None
    # Even a correctly signed list with NUL bytes imports nothing and answers 422.
    with app.test_request_context():
        forged = URLSafeTimedSerializer(app.secret_key, salt="kaffeklub.members.import").dumps(
            {"u": world.person(role).id, "g": world.a.id, "t": text, "f": "x.csv"})
    response = client.post("/admin/members/import/confirm", data={"payload": forged})
    assert response.status_code == 422
    assert _count(Member) == 5 and _count(OutboxMessage) == 0


# --- organizers invite; the preview does not tell who is a member ---------------------------------

def _rows_html(page: str) -> dict[int, str]:
    rows = re.finditer(r'<tr[^>]*data-line="(\d+)".*?</tr>', page, re.S)
    return {int(m.group(1)): m.group(0) for m in rows}


def test_organizer_preview_answers_alike_for_hidden_members_and_new_addresses(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    # Line 2: Olga, a member of group B (which the organizer does not run); line 3: nobody.
    text = (f"navn;e-mail;virksomhed\nPerson;{world.other.email};Firma\nPerson;nobody@example.dk;Firma\n"
            f"Mads;{world.member.email};\n")
    page = _upload(client, world.a.id, text.encode()).get_data(as_text=True)
    assert _statuses(page) == {2: "invite", 3: "invite", 4: "existing"}
    rows = _rows_html(page)
    assert rows[2].replace(world.other.email, "X").replace('data-line="2"', "").replace(">2<", "><") == \
        rows[3].replace("nobody@example.dk", "X").replace('data-line="3"', "").replace(">3<", "><")
    assert "Already a member of the network" not in page
    assert "Will be invited" in page and "2 will be invited" in page
    # The hidden member's own details never show: only what the file says.
    assert "Olga" not in page and "Bornholm Bolcher" not in page


def test_organizer_import_sends_invitations_and_adds_nobody_they_cannot_see(app, login):
    world = build_world()
    from app.models import GroupInvitation

    client = client_for(app, login, world, "organizer")
    text = (f"navn;e-mail;virksomhed;telefon\nPerson;{world.other.email};Firma;12345678\n"
            f"Ny Person;ny@example.dk;Ny ApS;87654321\nMads;{world.member.email};;\n")
    page = _upload(client, world.a.id, text.encode()).get_data(as_text=True)
    response = client.post("/admin/members/import/confirm", data={"payload": _token(page)})
    assert response.status_code == 302
    assert db.session.get(Member, world.other.id).membership_in(world.a) is None  # not without consent
    assert db.session.scalar(select(Member).where(Member.email == "ny@example.dk")) is None
    invitations = {i.email: i for i in db.session.scalars(select(GroupInvitation))}
    assert set(invitations) == {world.other.email, "ny@example.dk"}
    assert all(i.group_id == world.a.id and i.invited_by_id == world.organizer.id
               for i in invitations.values())
    new = invitations["ny@example.dk"]
    assert new.name == "Ny Person" and new.company == "Ny ApS" and new.phone == "87654321"
    mails = {m.recipients for m in db.session.scalars(select(OutboxMessage))}
    assert mails == {world.other.email, "ny@example.dk"}
    assert {m.kind for m in db.session.scalars(select(OutboxMessage))} == {"group_invitation"}
    follow = client.get(response.headers["Location"])
    assert "2 invitations were sent" in "".join(follow.get_data(as_text=True).split("\n"))


def test_organizer_invitations_per_file_are_limited_with_a_clear_message(app, login):
    world = build_world()
    client = client_for(app, login, world, "organizer")
    limit = csv_services.MAX_IMPORT_INVITATIONS
    page = _upload(client, world.a.id, _big_list(limit)).get_data(as_text=True)
    assert _token(page) and "at most" not in page
    page = _upload(client, world.a.id, _big_list(limit + 1)).get_data(as_text=True)
    assert f"at most {limit} invitations from one file" in page
    assert _token(page) is None


def test_organizer_adds_someone_from_another_of_their_groups_directly(app, login):
    world = build_world()
    from tests.factories import add_membership

    add_membership(world.organizer, world.c, role="organizer")
    client = client_for(app, login, world, "organizer")
    text = f"navn;e-mail\nUlla;{world.outsider.email}\n"
    page = _upload(client, world.a.id, text.encode()).get_data(as_text=True)
    assert _statuses(page) == {2: "existing"}
    assert client.post("/admin/members/import/confirm", data={"payload": _token(page)}).status_code == 302
    assert db.session.get(Member, world.outsider.id).membership_in(world.a) is not None
    from app.models import MemberEvent

    kinds = db.session.scalars(select(MemberEvent.kind).where(MemberEvent.member_id == world.outsider.id))
    assert list(kinds) == ["added"]


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


@pytest.mark.parametrize("language", ["da", "en"])
def test_welcome_mails_take_the_fast_path_with_first_name_greetings(app, language):
    """The batch must not fall back to one rendering per mail for ordinary names: mails greet by
    first name, and the skeleton fills each copy's own first name (5,000 mails stay in seconds)."""
    from app.mail import batch
    from app.models import NetworkSettings
    from tests.factories import create_group

    group = create_group(name="Kaffeklub Vest")
    settings = NetworkSettings.get()
    sender_pair = batch._sender_pair(settings)
    check = batch.BatchRecipient(member_id=None, name="Åse Marie Øberg", email="ase@example.dk",
                                 language=language, values={"link": "https://x.example/login/a"})
    skeleton = batch._skeleton("welcome", language, ["link"], sender_pair=sender_pair,
                               domain=batch._message_domain(sender_pair[1]), date=utcnow(),
                               context={"network": settings, "group": group, "days": 7}, check=check)
    assert skeleton is not None
    other = batch.BatchRecipient(member_id=None, name="Bo Bæk", email="bo@example.dk", language=language,
                                 values={"link": "https://x.example/login/b"})
    mail = parse_raw(skeleton.fill(other, "<x@example.dk>"))
    assert ("Hej Bo" if language == "da" else "Hi Bo,") in mail.text and "Bæk" not in mail.text
