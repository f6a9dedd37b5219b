"""CSV import at the documented maximum: preview and confirm of a 5,000-row member list.

Runs on a fresh SQLite file by default; set BENCH_DATABASE_URL (e.g. postgresql://...) to
measure on PostgreSQL as well (that database is emptied first). Confirm creates 5,000 members,
their memberships, competencies, welcome login links and welcome mails in one transaction, so
each confirm run imports a new list (other addresses) into the same database, which therefore
grows by 5,000 members a run, as a real network would.

`python -m bench.csv_import --profile` prints a cProfile of one confirm instead.
"""

from __future__ import annotations

import html
import io
import os
import re
import sys
from pathlib import Path

from sqlalchemy import select

from app import create_app
from app.extensions import db

ROWS = 5000
INVITATIONS = 300  # an organizer's import invites; MAX_IMPORT_INVITATIONS per file
COMPETENCIES = ["bogføring", "moms", "årsregnskab", "webdesign", "facademaling", "rådgivning",
                "ejendomshandel", "forsikring", "rekruttering", "grafisk design", "it-drift", "catering"]
INDUSTRIES = ["Revision", "Maler", "VVS", "Design", "IT", "Advokat", "Bager", "Tømrer"]


def member_list(prefix: str, rows: int = ROWS) -> bytes:
    """A Danish Excel-style member list (cp1252, ";") with `rows` new members."""
    lines = ["navn;e-mail;telefon;virksomhed;titel;branche;kompetencer;hjemmeside;sprog"]
    for i in range(rows):
        tags = ", ".join(COMPETENCIES[(i + k) % len(COMPETENCIES)] for k in range(i % 4))
        lines.append(f"Søren Ærø {i};{prefix}{i}@medlem-{i % 97}.dk;+45 20 {i % 100:02d} {i % 89:02d} 11;"
                     f"Ærø Firma {i} ApS;Indehaver;{INDUSTRIES[i % len(INDUSTRIES)]};{tags};"
                     f"www.firma{i}.dk;{'da' if i % 3 else ''}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _token(page: str) -> str:
    match = re.search(r'name="payload"[^>]*value="([^"]+)"', page)
    assert match, page[:2000]
    return html.unescape(match.group(1))


def _login_session(member) -> str:
    """What Flask-Login keeps in the session for a logged-in member (a login record, if any)."""
    try:
        from app.auth.sessions import create_session
    except ImportError:
        return str(member.id)
    _, token = create_session(member, remember=False)
    db.session.commit()
    return token


def _client_for(app, member) -> object:
    with app.app_context():
        session_id = _login_session(db.session.merge(member))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def _make_app(tmp: Path):
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench_import.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="")
    with app.app_context():
        db.drop_all()
        db.create_all()
        from app.seed import DEMO_ADMIN_EMAIL, seed_demo

        seed_demo()
        from app.models import Group, Member, Membership, Role

        admin = db.session.scalar(select(Member).where(Member.email == DEMO_ADMIN_EMAIL))
        group_id = db.session.scalar(select(Group.id).where(Group.slug == "kaffeklub-vest"))
        organizer = db.session.scalar(select(Member).join(Membership).where(
            Membership.group_id == group_id, Membership.role == Role.ORGANIZER.value,
            Member.is_admin.is_(False)).order_by(Member.id))
        assert organizer is not None, "the demo network has a non-admin organizer"
    app.bench_organizer = _client_for(app, organizer)  # type: ignore[attr-defined]
    return app, _client_for(app, admin), group_id


def run(tmp: Path, *, repeat: int, measure, with_baseline: bool = False) -> list[tuple[str, float]]:
    """Median preview and confirm times (and a /healthz baseline when run on its own)."""
    app, client, group_id = _make_app(tmp)
    anonymous = app.test_client()
    preview_file = member_list("vis")
    runs = iter(range(10_000))
    confirm_tokens: list[str] = []

    def upload(data: bytes, as_client=client) -> str:
        response = as_client.post("/admin/members/import", content_type="multipart/form-data",
                               data={"group_id": str(group_id), "file": (io.BytesIO(data), "medlemmer.csv")})
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def healthz():
        assert anonymous.get("/healthz").status_code == 200

    def preview():
        page = upload(preview_file)
        assert page.count('data-status="ok"') == ROWS

    def confirm():
        response = client.post("/admin/members/import/confirm", data={"payload": confirm_tokens.pop()})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    organizer = app.bench_organizer
    invitation_tokens: list[str] = []

    def invite():
        response = organizer.post("/admin/members/import/confirm", data={"payload": invitation_tokens.pop()})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    # Each confirm needs its own list; the previews for them are made outside the timed part.
    # At most 5 runs of each: a run imports 5,000 members and takes seconds.
    times = max(1, min(repeat, 5))
    warmup = 1
    for _ in range(times + warmup):
        confirm_tokens.append(_token(upload(member_list(f"ny{next(runs)}-"))))
        invitation_tokens.append(_token(upload(member_list(f"inv{next(runs)}-", INVITATIONS),
                                               as_client=organizer)))
    rows = [
        (f"CSV import preview, {ROWS} new rows (admin)", measure(preview, repeat=times, warmup=warmup)),
        (f"CSV import confirm, {ROWS} new rows (admin)", measure(confirm, repeat=times, warmup=warmup)),
        (f"CSV import confirm, {INVITATIONS} invitations (organizer)",
         measure(invite, repeat=times, warmup=warmup)),
    ]
    if with_baseline:
        rows.insert(0, ("baseline: GET /healthz", measure(healthz, repeat=repeat)))
    return rows


def profile(tmp: Path) -> None:
    """cProfile of one preview and one confirm, sorted by cumulative time."""
    import cProfile
    import pstats

    app, client, group_id = _make_app(tmp)
    data = member_list("prof-")
    profiler = cProfile.Profile()
    profiler.enable()
    response = client.post("/admin/members/import", content_type="multipart/form-data",
                           data={"group_id": str(group_id), "file": (io.BytesIO(data), "m.csv")})
    token = _token(response.get_data(as_text=True))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    profiler = cProfile.Profile()
    profiler.enable()
    response = client.post("/admin/members/import/confirm", data={"payload": token})
    profiler.disable()
    assert response.status_code == 302
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    import tempfile

    from bench.__main__ import measure

    with tempfile.TemporaryDirectory() as tmp_dir:
        if "--profile" in sys.argv:
            profile(Path(tmp_dir))
        else:
            results = run(Path(tmp_dir), repeat=30, measure=measure, with_baseline=True)
            for name, ms in results:
                print(f"{name:55} {ms:10.2f} {ms / results[0][1]:11.1f}")
