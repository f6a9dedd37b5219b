"""The member directory search on a network of 5,000 members, on SQLite and PostgreSQL.

Builds a network with bulk INSERTs (the CSV import's path, so members.search_document is filled by
its column default): 5,000 members with realistic Danish profiles (name, company, title, industry,
3-5 competencies from about 120, what they offer, a bio), 50 groups of about 110 (a tenth of the
members in two groups), a few members who show their profile to organizers only. Then GET
/members?q=... through the Flask test client for a mix of questions (a profession, a compound, a
typo, æ/ø/å written as ae/oe/aa, a name, a broad word, two words), as an admin (the whole network
is in scope) and as a member of two groups (about 220 members), interleaved with GET /healthz, the
baseline of the same run. Prints p50 and p99 of each and their ratios to /healthz's.

`python -m bench.directory [--repeat 20] [--backends sqlite,postgresql] [--members 5000]`.
PostgreSQL runs in a fresh database on the server of TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), dropped afterwards; it is skipped when there is none.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import insert, select

from app import create_app
from app.extensions import db

MEMBERS = 5000
GROUPS = 50

FIRST = ["Anders", "Anne", "Bente", "Birgitte", "Bo", "Camilla", "Christian", "Dorthe", "Emil", "Frederik",
         "Hanne", "Henrik", "Ida", "Jens", "Jesper", "Jonas", "Karen", "Kasper", "Kirsten", "Lars", "Lene",
         "Louise", "Mads", "Maja", "Mette", "Mikkel", "Morten", "Niels", "Ole", "Peter", "Pia", "Rasmus",
         "Rikke", "Søren", "Sofie", "Susanne", "Thomas", "Tine", "Torben", "Ulla", "Åse", "Ærtebjørn"]
LAST = ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
        "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
        "Poulsen", "Johansen", "Møller", "Mortensen", "Østergaard", "Kjærgaard", "Mølgaard", "Nørgaard",
        "Dahl", "Lund", "Holm", "Friis", "Bech", "Krogh", "Winther", "Brandt", "Vestergaard", "Ågård"]
# industry, titles, competencies, offers
TRADES = [
    ("Regnskab og bogføring", ["Bogholder", "Bogføringsassistent", "Regnskabsassistent"],
     ["bogføring", "moms", "lønadministration", "e-conomic", "dinero", "årsafslutning", "budget"],
     "Løbende bogføring, moms og løn for små virksomheder."),
    ("Revision", ["Statsautoriseret revisor", "Registreret revisor", "Revisor"],
     ["årsregnskab", "skat", "revision", "virksomhedsoverdragelse", "holdingselskaber"],
     "Årsregnskaber, skatteopgørelser og rådgivning ved generationsskifte."),
    ("IT og web", ["Webudvikler", "IT-konsulent", "Systemudvikler"],
     ["hjemmesider", "wordpress", "webshop", "seo", "microsoft 365", "backup", "netværk", "it-sikkerhed"],
     "Hjemmesider, webshops og IT-support til små kontorer."),
    ("Advokat og jura", ["Advokat", "Advokatfuldmægtig", "Jurist"],
     ["lejeret", "erhvervslejekontrakter", "selskabsret", "arveret", "familieret", "ansættelsesret"],
     "Kontrakter, lejekontrakter, testamenter og tvister."),
    ("Byggeri og håndværk",
     ["Tømrermester", "Murermester", "Malermester", "Elinstallatør", "VVS-installatør"],
     ["tagarbejde", "tilbygninger", "facademaling", "solceller", "ladestandere", "badeværelser",
      "varmepumper"],
     "Tag, vinduer, tilbygninger, el og VVS."),
    ("Ejendomshandel", ["Ejendomsmægler", "Udlejningskonsulent"],
     ["boligsalg", "erhvervsudlejning", "vurdering", "projektsalg"],
     "Gratis vurdering af din bolig eller erhvervsejendom."),
    ("Marketing", ["Marketingrådgiver", "Tekstforfatter", "Kommunikationsrådgiver"],
     ["sociale medier", "nyhedsbreve", "annoncering", "pressemeddelelser", "linkedin"],
     "Strategi for sociale medier, tekster og annoncer."),
    ("Reklame og design", ["Grafisk designer", "Art director"],
     ["logo", "tryksager", "visuel identitet", "emballagedesign"],
     "Logo, visitkort og design til din hjemmeside."),
    ("Forsikring", ["Forsikringsmægler", "Forsikringsrådgiver"],
     ["erhvervsforsikring", "pension", "skadesbehandling"],
     "Gennemgang af dine forsikringer og pensioner."),
    ("Bank og finansiering", ["Erhvervsrådgiver", "Kunderådgiver"],
     ["erhvervslån", "leasing", "finansiering", "investering"],
     "Finansiering af maskiner, biler og ejendomme."),
    ("Restauration", ["Indehaver", "Køkkenchef", "Cateringchef"],
     ["catering", "mødeforplejning", "firmafester", "frokostordning"],
     "Morgenmad, frokost og mad til firmafesten."),
    ("Rengøring", ["Direktør", "Serviceleder"],
     ["erhvervsrengøring", "vinduespudsning", "trappevask"],
     "Rengøring af kontorer, trappeopgange og vinduer."),
    ("Foto og video", ["Fotograf", "Videoproducer"],
     ["portrætfotografering", "produktfoto", "droneoptagelser", "virksomhedsfilm"],
     "Portrætter til hjemmeside og LinkedIn, film om din virksomhed."),
    ("Ældrepleje", ["Sygeplejerske", "Social- og sundhedsassistent"],
     ["hjemmepleje", "rehabilitering", "aflastning"],
     "Privat hjemmehjælp og aflastning af pårørende."),
    ("Rekruttering og HR", ["HR-konsulent", "Rekrutteringskonsulent"],
     ["rekruttering", "personaleudvikling", "trivselsmålinger", "lederudvikling"],
     "Rekruttering, HR-jura og lederudvikling."),
]
BIO = ["Jeg har drevet virksomhed i {n} år.", "Bor i {town} med familien.", "Mødes gerne til en kop kaffe.",
       "Tredje generation i faget.", "Kan også hjælpe med {extra}, hvis det brænder på.",
       "Tidligere ansat i et stort firma, nu selvstændig.", "Elsker at hjælpe andre iværksættere."]
TOWNS = ["Herning", "Aarhus", "Odense", "Aalborg", "Vejle", "Kolding", "Esbjerg", "Randers", "Holstebro",
         "Skive"]
# (label, query): what members type, from precise to broad.
QUERIES = [
    ("profession", "revisor"),
    ("question with filler words", "hvem kan hjælpe med bogføring?"),
    ("compound (inside a word)", "regnskab"),
    ("typo", "bogførring"),
    ("typo in a short word", "revisr"),
    ("ae/oe/aa for æ/ø/å", "aeldrepleje"),
    ("a name", "Østergaard"),
    ("two words", "advokat lejekontrakt"),
    ("broad word", "hjemmeside"),
    ("one letter", "a"),
]


def _build(members: int, groups: int, seed: int = 13) -> tuple[int, int]:
    """The network, by bulk INSERTs; returns (admin id, the two-group member's id)."""
    from app.models import Competency, Group, Member, Membership, NetworkSettings
    from app.models.member import member_competencies

    rng = random.Random(seed)
    NetworkSettings.current()
    db.session.add_all(Group(slug=f"kaffeklub-{n}", name=f"Kaffeklub {TOWNS[n % len(TOWNS)]} {n}",
                             timezone="Europe/Copenhagen") for n in range(groups))
    db.session.flush()
    group_ids = list(db.session.scalars(select(Group.id).order_by(Group.id)))
    names = sorted({c for _, _, competencies, _ in TRADES for c in competencies}
                   | {f"{c} {town.lower()}" for c in ("netværk", "kurser") for town in TOWNS})
    competency_ids = dict(zip(names, db.session.scalars(
        insert(Competency).returning(Competency.id, sort_by_parameter_order=True),
        [{"name": n} for n in names]), strict=True))
    rows, tags = [], []
    for n in range(members):
        industry, titles, competencies, offers = TRADES[rng.randrange(len(TRADES))]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        extra = rng.choice(TRADES)[2][0]
        bio = " ".join(rng.sample(BIO, 3)).format(n=rng.randint(2, 40), town=rng.choice(TOWNS), extra=extra)
        rows.append({"email": f"m{n}@bench.example", "name": f"{first} {last}",
                     "company": f"{last} {industry.split()[0]} ApS" if n % 3 else f"{first}s {titles[0]}",
                     "title": rng.choice(titles), "industry": industry, "offers": offers, "bio": bio,
                     "phone": f"+45 20 {n % 100:02d} {n % 89:02d} 11", "language": "da",
                     "profile_visibility": "organizers" if n % 40 == 0 else "members"})
        tags.append(rng.sample(competencies, min(len(competencies), rng.randint(3, 5))))
    rows.append({"email": "admin@bench.example", "name": "Ada Admin", "company": "", "is_admin": True,
                 "language": "da"})
    rows.append({"email": "me@bench.example", "name": "Mette Medlem", "company": "", "language": "da"})
    ids = list(db.session.scalars(insert(Member).returning(Member.id, sort_by_parameter_order=True), rows))
    db.session.execute(insert(member_competencies), [
        {"member_id": member_id, "competency_id": competency_ids[c]}
        for member_id, chosen in zip(ids, tags, strict=False) for c in chosen])
    memberships = []
    for n, member_id in enumerate(ids[:members]):
        home = group_ids[n % groups]
        memberships.append({"member_id": member_id, "group_id": home, "role": "organizer" if n < groups else
                            "member"})
        if n % 10 == 0:
            memberships.append({"member_id": member_id, "group_id": group_ids[(n + 1) % groups],
                                "role": "member"})
    memberships += [{"member_id": ids[-1], "group_id": group_ids[0], "role": "member"},
                    {"member_id": ids[-1], "group_id": group_ids[1], "role": "member"}]
    db.session.execute(insert(Membership), memberships)
    db.session.commit()
    return ids[-2], ids[-1]


def _client(app, member_id: int):
    from app.auth.sessions import create_session
    from app.models import Member

    with app.app_context():
        _, token = create_session(db.session.get(Member, member_id), remember=False)
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


@contextmanager
def _database(backend: str, tmp: Path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'directory.db'}"
        return
    os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    from tests.dbutil import fresh_postgres_database

    with fresh_postgres_database() as url:
        yield url


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(backend: str, tmp: Path, *, repeat: int, members: int = MEMBERS) -> list[tuple[str, float, float]]:
    """[(what, p50 ms, p99 ms)]: /healthz first, then each search, then all searches together."""
    with _database(backend, tmp) as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="")
        with app.app_context():
            db.create_all()
            admin_id, member_id = _build(members, GROUPS)
        clients = {"admin": _client(app, admin_id), "member of 2 groups": _client(app, member_id)}
        calls: list[tuple[str, object]] = [("GET /healthz", lambda c=clients["admin"]: c.get("/healthz"))]
        for who, client in clients.items():
            calls.append((f"{who}: no query (GET /members, first page by name)",
                          lambda c=client: c.get("/members")))
            for label, query in QUERIES:
                url_ = "/members?" + urlencode({"q": query})
                calls.append((f"{who}: {label} ({query})", lambda c=client, u=url_: c.get(u)))
        for _, call in calls:  # warm up; and every page answers
            for _ in range(2):
                assert call().status_code == 200
        samples: dict[str, list[float]] = {name: [] for name, _ in calls}
        for _ in range(repeat):  # interleaved, so that the machine's load drifts for all alike
            for name, call in calls:
                start = time.perf_counter()
                call()
                samples[name].append((time.perf_counter() - start) * 1000)
                if name == "GET /healthz":  # a baseline sample beside every search
                    continue
                start = time.perf_counter()
                calls[0][1]()
                samples["GET /healthz"].append((time.perf_counter() - start) * 1000)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    rows = [(name, _percentile(s, 0.5), _percentile(s, 0.99)) for name, s in samples.items()]
    for who in clients:
        every = [x for name, s in samples.items() if name.startswith(who) and "no query" not in name
                 for x in s]
        rows.append((f"{who}: all searches", _percentile(every, 0.5), _percentile(every, 0.99)))
    return rows


def report(backend: str, rows: list[tuple[str, float, float]], members: int) -> str:
    _, base50, base99 = rows[0]
    lines = [f"\n{backend}, {members} members: directory search (GET /members?q=...)",
             "| request | p50 ms | p99 ms | p50 x /healthz p50 | p99 x /healthz p99 |",
             "|---|---:|---:|---:|---:|"]
    for name, p50, p99 in rows:
        lines.append(f"| {name} | {p50:.2f} | {p99:.2f} | {p50 / base50:.1f} | {p99 / base99:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                rows = run(backend, Path(tmp), repeat=args.repeat, members=args.members)
            except Exception as error:  # no PostgreSQL server to run it on
                if backend == "sqlite":
                    raise
                print(f"\n{backend}: skipped ({type(error).__name__}: {error})")
                continue
        print(report(backend, rows, args.members))
    return 0


if __name__ == "__main__":
    sys.exit(main())
