"""`flask seed-demo`: a demo network with two groups and about 40 members, on first start only."""

from __future__ import annotations

import random

import click
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import Competency, Group, Member, Membership, NetworkSettings, Role

FIRST_NAMES = [
    "Anne", "Bo", "Camilla", "Christian", "Dorthe", "Emil", "Frederik", "Gitte", "Hanne", "Henrik",
    "Ida", "Jakob", "Jette", "Jonas", "Karen", "Kasper", "Lars", "Line", "Mads", "Maja", "Mette",
    "Mikkel", "Morten", "Nanna", "Niels", "Ole", "Pernille", "Peter", "Rasmus", "Rikke", "Signe",
    "Søren", "Thomas", "Tina", "Torben", "Trine", "Ulla", "Vibeke", "Anders", "Birgitte", "Jørgen",
]
LAST_NAMES = [
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Møller",
    "Poulsen", "Johansen", "Knudsen", "Mortensen", "Kjær", "Holm", "Lund", "Bach", "Dahl", "Frandsen",
]
# (company suffix, industry, title, competencies)
TRADES = [
    ("Revision", "Revision og regnskab", "Statsautoriseret revisor", ["regnskab", "skat", "budget"]),
    ("Advokatfirma", "Jura", "Advokat", ["kontrakter", "selskabsret", "ansættelsesret"]),
    ("Tømrer & Snedker", "Byggeri", "Tømrermester", ["renovering", "tilbygning", "vinduer"]),
    ("El-Service", "Byggeri", "Elinstallatør", ["el-installation", "solceller", "ladestandere"]),
    ("VVS", "Byggeri", "VVS-installatør", ["badeværelser", "varmepumper"]),
    ("Reklame", "Marketing og kommunikation", "Kreativ direktør",
     ["branding", "grafisk design", "kampagner"]),
    ("Digital", "IT og software", "Udvikler", ["hjemmesider", "webshop", "it-sikkerhed"]),
    ("IT-Partner", "IT og software", "IT-konsulent", ["netværk", "backup", "microsoft 365"]),
    ("Ejendomme", "Ejendomshandel", "Ejendomsmægler", ["erhvervslejemål", "vurdering", "salg"]),
    ("Forsikringsmægler", "Finans og forsikring", "Forsikringsmægler", ["erhvervsforsikring", "pension"]),
    ("Bank", "Finans og forsikring", "Erhvervsrådgiver", ["finansiering", "leasing"]),
    ("Trykkeri", "Tryk og skilte", "Indehaver", ["tryksager", "skilte", "bilreklame"]),
    ("Catering", "Restauration", "Køkkenchef", ["frokostordning", "events", "mødeforplejning"]),
    ("Fysioterapi", "Sundhed", "Fysioterapeut", ["ergonomi", "sundhedsordning"]),
    ("HR-Rådgivning", "Ledelse og HR", "HR-konsulent", ["rekruttering", "trivsel", "lederudvikling"]),
    ("Foto", "Marketing og kommunikation", "Fotograf", ["portrætter", "produktfoto", "video"]),
    ("Rengøring", "Service", "Direktør", ["erhvervsrengøring", "vinduespolering"]),
    ("Transport", "Transport og logistik", "Vognmand", ["kurerkørsel", "lager"]),
    ("Arkitekter", "Arkitektur", "Arkitekt MAA", ["indretning", "byggetilladelse"]),
    ("Coaching", "Ledelse og HR", "Erhvervscoach", ["coaching", "strategi", "salgstræning"]),
]
TOWNS = ["Herning", "Holstebro", "Ikast", "Silkeborg", "Viborg", "Aarhus", "Skive", "Struer"]

DEMO_ADMIN_EMAIL = "admin@kaffeklub.example"


def _slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "-", "&": "og"})
    return "".join(ch for ch in text.lower().translate(table) if ch.isalnum() or ch == "-").strip("-")


def seed_demo(rng: random.Random | None = None, members: int = 40) -> bool:
    """Create the demo network; returns False (and changes nothing) when there is already data."""
    if db.session.scalar(select(func.count()).select_from(Member)):
        return False
    rng = rng or random.Random(2026)  # noqa: S311 -- demo data, not security
    settings = NetworkSettings.get()
    settings.name = "Erhvervsnetværket Midt"
    settings.sender_email = "kaffeklub@kaffeklub.example"
    settings.sender_name = "Erhvervsnetværket Midt"

    vest = Group(slug="kaffeklub-vest", name="Kaffeklub Vest", timezone="Europe/Copenhagen", is_public=True,
                 description="Morgenmøde for virksomhedsejere i Herning, Ikast og Holstebro. "
                             "Vi mødes hver tredje onsdag over kaffe og rundstykker.")
    oest = Group(slug="kaffeklub-oest", name="Kaffeklub Øst", timezone="Europe/Copenhagen", is_public=False,
                 description="Netværk for ejerledere i Silkeborg og Aarhus. Kun for medlemmer.")
    db.session.add_all([vest, oest])

    tags: dict[str, Competency] = {}

    def tag(name: str) -> Competency:
        if name not in tags:
            tags[name] = Competency(name=name)
        return tags[name]

    admin = Member(email=DEMO_ADMIN_EMAIL, name="Birgitte Holm", company="Erhvervsnetværket Midt",
                   title="Netværksleder", industry="Netværk og foreninger", phone="+45 20 30 40 50",
                   language="da", is_admin=True,
                   bio="Jeg holder netværket kørende og byder nye medlemmer velkommen.",
                   competencies=[tag("netværk"), tag("facilitering")])
    db.session.add(admin)
    db.session.add_all([Membership(member=admin, group=vest, role=Role.ORGANIZER.value),
                        Membership(member=admin, group=oest, role=Role.ORGANIZER.value)])

    used_names: set[str] = {admin.name}
    used_emails: set[str] = {admin.email}
    for i in range(members - 1):
        while True:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if name not in used_names:
                used_names.add(name)
                break
        first, last = name.split(" ", 1)
        suffix, industry, title, competencies = TRADES[i % len(TRADES)]
        town = rng.choice(TOWNS)
        company = f"{last} {suffix}" if rng.random() < 0.6 else f"{town} {suffix}"
        domain = _slug(company).replace("-", "")
        email = f"{_slug(first)}@{domain}.example"
        if email in used_emails:
            email = f"{_slug(first)}.{_slug(last)}@{domain}.example"
        used_emails.add(email)
        member = Member(
            email=email,
            name=name,
            company=f"{company} ApS",
            title=title,
            industry=industry,
            phone="+45 " + " ".join(str(rng.randint(10 if k else 20, 99)) for k in range(4)),
            website=f"https://www.{domain}.example",
            bio=f"{title} i {town}. Spørg mig om {', '.join(competencies[:2])}.",
            language="da" if rng.random() < 0.9 else "en",
            competencies=[tag(c) for c in competencies],
        )
        db.session.add(member)
        groups = [vest] if i % 2 == 0 else [oest]
        if i % 7 == 0:
            groups = [vest, oest]  # a few belong to both
        role = Role.ORGANIZER.value if i in (1, 2) else Role.MEMBER.value
        for group in groups:
            db.session.add(Membership(member=member, group=group, role=role))
    db.session.commit()
    return True


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--members", default=40, show_default=True, help="How many members to create.")
    def seed_demo_command(members: int) -> None:
        """Create demo data (a network, two groups, members) unless the database has members."""
        if seed_demo(members=members):
            click.echo(f"Demo data created: 2 groups, {members} members. Admin: {DEMO_ADMIN_EMAIL}")
        else:
            click.echo("The database already has members; demo data not created.")
