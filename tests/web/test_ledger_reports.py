"""The organizers' give-and-take report, its CSV, the lists "giver meget, får lidt" and "gået i
stå", and the group's thank-you wall, against the hand-computed fixture of
tests/web/ledger_helpers.py."""

from __future__ import annotations

import csv
import io

import pytest

from app.errors import PermissionDenied
from app.ledger.reports import group_report, thanks_wall
from tests.web.ledger_helpers import build_ledger_world


@pytest.fixture
def lw(app):
    return build_ledger_world()


def test_report_totals_for_twelve_months(lw):
    report = group_report(lw.organizer, lw.a.slug, today=lw.today, by="month")
    assert len(report.periods) == 12
    total = report.total
    # Requests q1, qb, qc (q2 is two years old); answers a1, a2; referrals r1, r2 (r4 withdrawn,
    # r5 hidden, r3 too old, r6 in group C); r1 won; h1, h2; t1, t2, t3 (t4 withdrawn): two for
    # business worth 5000 + 12000; one meeting of A with one check-in.
    assert (total.requests, total.solved, total.answers, total.referrals, total.won, total.help,
            total.thanks, total.business, total.business_dkk, total.meetings, total.checkins) == (
        3, 1, 2, 2, 1, 2, 3, 2, 17000, 1, 1)
    by_key = {p.key: p for p in report.periods}
    assert by_key[lw.recent.strftime("%Y-%m")].business_dkk == 5000 + (
        12000 if lw.nine.strftime("%Y-%m") == lw.recent.strftime("%Y-%m") else 0)


def test_report_by_quarter_and_year_cover_the_same_items(lw):
    quarters = group_report(lw.admin, lw.a.slug, today=lw.today, by="quarter")
    years = group_report(lw.admin, lw.a.slug, today=lw.today, by="year")
    assert len(quarters.periods) == 8 and len(years.periods) == 3
    # Eight quarters reach back to January last year: the same items as twelve months. Three years
    # reach "old" (two years ago): r3 and q2 count too.
    assert (quarters.total.referrals, quarters.total.requests) == (2, 3)
    assert (years.total.referrals, years.total.requests, years.total.business_dkk) == (3, 4, 17000)


def test_givers_and_quiet_members(lw):
    report = group_report(lw.organizer, lw.a.slug, today=lw.today)
    # Anna gave r1, r2, h1 and answers a1, a2 (5) and got h2 (1).
    assert [(g.name, g.given, g.received) for g in report.givers] == [("Anna Andersen", 5, 1)]
    quiet = {q.name: q.last_active for q in report.quiet}
    # Bo's last referral in A was two years ago; Carl and the organizer never did anything counted.
    assert quiet == {"Bo Berg": lw.old, "Carl Clausen": None, "Olga Organizer": None}


def test_report_permissions(lw, client, login, english):
    with pytest.raises(PermissionDenied):
        group_report(lw.anna, lw.a.slug, today=lw.today)
    for role, status in (("anonymous", 302), ("organizer", 200), ("admin", 200), ("anna", 403),
                         ("other_organizer", 404)):
        person = lw.person(role)
        if person is not None:
            login(person)
        page = client.get(f"/groups/{lw.a.slug}/give-and-take")
        assert page.status_code == status, role
        csv_page = client.get(f"/groups/{lw.a.slug}/give-and-take.csv")
        assert csv_page.status_code == status, role


def test_report_page_and_csv(lw, client, login, english):
    login(lw.organizer)
    html = client.get(f"/groups/{lw.a.slug}/give-and-take?by=quarter").get_data(as_text=True)
    assert "Gives much, gets little" in html and "Anna Andersen" in html and "Gone quiet" in html
    # on a phone the amounts are the column one needs: second, next to the period that never wraps
    head = html.split("data-report", 1)[1].split("</thead>", 1)[0]
    assert head.index("Period") < head.index("Business thanked for") < head.index("Requests")
    assert '<th scope="row" class="text-nowrap">' in html
    assert client.get(f"/groups/{lw.a.slug}/give-and-take?by=%00").status_code == 400
    response = client.get(f"/groups/{lw.a.slug}/give-and-take.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="giv-og-tag-{lw.a.slug}-maaned-' in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "periode" and len(rows) == 1 + 12 + 1
    total = rows[-1]
    assert total == ["i alt", "3", "1", "2", "2", "1", "2", "3", "2", "17000", "1", "1"]
    # No member and no contact (a month holding one thank-you shows its sum: that is the group total).
    for word in ("Anna", "Bo Berg", "Carl", "Kim Kontakt", "example.test"):
        assert word not in text


def test_group_page_button_only_for_organizers(lw, client, login, english):
    login(lw.organizer)
    assert "data-ledger-report" in client.get(f"/groups/{lw.a.slug}").get_data(as_text=True)
    login(lw.bo)
    assert "data-ledger-report" not in client.get(f"/groups/{lw.a.slug}").get_data(as_text=True)


# --- the thank-you wall ------------------------------------------------------------------------


def test_wall_holds_only_thanks_both_agreed_to(lw):
    wall = thanks_wall(lw.bo, lw.a)
    assert [t.id for t in wall] == [lw.items["t1"].id]  # t2: only the thanker agreed; t4 withdrawn
    assert wall[0].message == "Tusind tak for Kim!"
    assert not hasattr(wall[0], "amount_dkk")
    assert thanks_wall(lw.other_organizer, lw.a) == []
    assert thanks_wall(lw.eve, lw.a) == []


def test_wall_leaves_out_hidden_thanks(lw):
    from app.extensions import db

    lw.items["t1"].hidden_at = lw.items["t1"].created_at
    db.session.commit()
    assert thanks_wall(lw.bo, lw.a) == []


@pytest.mark.parametrize("role,shown", [("bo", True), ("anna", True), ("organizer", True), ("admin", True),
                                        ("other_organizer", False), ("eve", False), ("anonymous", False)])
def test_wall_on_the_group_page(lw, client, login, english, role, shown):
    from app.extensions import db

    lw.a.is_public = True  # so outsiders can open the page at all
    db.session.commit()
    person = lw.person(role)
    if person is not None:
        login(person)
    html = client.get(f"/groups/{lw.a.slug}").get_data(as_text=True)
    assert ("Tusind tak for Kim!" in html) is shown
    assert "Privat tak" not in html and "Trukket tilbage" not in html
    for amount in ("5,000", "5.000", "5000"):
        assert amount not in html
    t1 = lw.items["t1"].id
    assert (f'href="/thanks/{t1}"' in html) is shown  # each item opens its thank-you page
    assert ("data-wall-hide" in html) is (role in ("organizer", "admin"))  # where organizers may hide it
    if role in ("organizer", "admin"):
        page = client.get(f"/thanks/{t1}").get_data(as_text=True)
        assert "data-moderate" in page and 'id="moderate-reason"' in page
