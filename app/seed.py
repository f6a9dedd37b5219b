"""`flask seed-demo`: a demo network with two groups, about 40 members and a year of meetings per
group (some already past), on first start only. The past meetings have a history: who came (checked
in), afbud and a few no-shows, a seating plan of two or three rounds, and who sat with whom
(the meetings are closed, which records the encounters); a few 1-to-1s; some members joined lately
(newcomers) and one hides their network. Members ask the network for help (open, solved, expired
and raised-at-the-next-meeting requests with public and private answers), refer work to each
other, record help and thank each other, with and without an amount and the wall's consent.

Deterministic apart from "today": the meeting year runs from about four months before today to
eight months after it, so the demo always has past and coming meetings.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import click
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.meetings.calendar_view import shift_month
from app.models import Competency, Group, Member, Membership, NetworkSettings, Role, RsvpMode

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
# What members of each trade offer the network and look for (keyed by the company suffix); the
# directory finds members by these too ("hvem kan hjælpe med bogføring?").
OFFERS_SEEKS = {
    "Revision": ("Bogføring, årsregnskab og momsindberetning for små og mellemstore virksomheder.",
                 "Ejerledere, der er ved at vokse ud af at lave regnskabet selv."),
    "Advokatfirma": ("Kontrakter, generationsskifte og hjælp, når en ansættelse går skævt.",
                     "Virksomheder, der skal købe, sælge eller skifte ejer."),
    "Tømrer & Snedker": ("Renovering, tilbygning og nye vinduer til erhverv og private.",
                         "Arkitekter og ejendomsmæglere, der har kunder med byggeplaner."),
    "El-Service": ("El-installationer, solceller og ladestandere til firmabilerne.",
                   "Byggeprojekter, hvor elektrikeren bliver kaldt ind for sent."),
    "VVS": ("Nye badeværelser og varmepumper, også akut service.",
            "Boligforeninger og udlejere med ældre ejendomme."),
    "Reklame": ("Branding, logo og kampagner, der får telefonen til at ringe.",
                "Virksomheder, der vil fortælle deres historie bedre."),
    "Digital": ("Hjemmesider og webshops, der er nemme at opdatere selv.",
                "Butikker, der vil sælge på nettet, og en dygtig fotograf at samarbejde med."),
    "IT-Partner": ("IT-drift, backup og Microsoft 365 til kontorer med 5-50 ansatte.",
                   "Virksomheder, der er bekymrede for it-sikkerheden."),
    "Ejendomme": ("Erhvervslejemål, vurdering og salg af erhvervsejendomme.",
                  "Virksomheder, der er ved at vokse ud af deres lokaler."),
    "Forsikringsmægler": ("Et uvildigt eftersyn af dine erhvervsforsikringer og pensioner.",
                          "Nystartede virksomheder, der ikke har styr på deres forsikringer endnu."),
    "Bank": ("Finansiering af maskiner, biler og byggeri; leasing.",
             "Ejerledere med planer om at investere."),
    "Trykkeri": ("Tryksager, skilte og bilreklame med kort leveringstid.",
                 "Bureauer og butikker, der mangler en fast trykpartner."),
    "Catering": ("Frokostordning, mødeforplejning og mad til firmafesten.",
                 "Kontorer med 10 ansatte eller flere, der vil spise sammen."),
    "Fysioterapi": ("Ergonomi på arbejdspladsen og sundhedsordninger for medarbejdere.",
                    "HR-ansvarlige, der vil nedbringe sygefraværet."),
    "HR-Rådgivning": ("Rekruttering, trivselsmålinger og lederudvikling.",
                      "Virksomheder, der skal ansætte deres første leder."),
    "Foto": ("Portrætter, produktfoto og korte videoer til sociale medier.",
             "Webbureauer og webshops, der har brug for billeder."),
}
TOWNS = ["Herning", "Holstebro", "Ikast", "Silkeborg", "Viborg", "Aarhus", "Skive", "Struer"]

DEMO_ADMIN_EMAIL = "admin@kaffeklub.example"
DEMO_NETWORK_DESCRIPTION = (
    "Erhvervsnetværket Midt samler ejerledere og selvstændige i Midt- og Vestjylland. Vi mødes til "
    "morgenkaffe en gang om måneden, lærer hinandens virksomheder at kende og sender opgaver til "
    "hinanden. Kig forbi som gæst, før du beslutter dig."
)
# The demo member whose "Mit netværk" shows the history (a member of both groups).
DEMO_MEMBER_EMAIL = "maja@aarhusadvokatfirma.example"
# Members (by creation index) who joined lately, and the one who hides their network.
NEWCOMERS = (30, 31, 36, 37)
HIDES_NETWORK = 12
# Members of the public group Kaffeklub Vest (by creation index) who chose a public profile, so the
# network's public page lists them (2 is the organizer Gitte); PUBLIC_EMAIL also shows their e-mail
# address publicly.
PUBLIC_PROFILES = (2, 4, 6, 8, 14)
PUBLIC_EMAIL = 6

# Each group's meeting series, entered the way an organizer would in the series form. Hosts take
# turns: a few members of the group, each with their company as the venue at the address given.
DEMO_SERIES = {
    "kaffeklub-vest": {
        "title": "Morgenmøde i Kaffeklub Vest",
        "nth": 3,
        "weekday": 2,  # third Wednesday
        "start_time": "08:30",
        "end_time": "10:00",
        "doors_open_time": "08:00",
        "rsvp_days_before": 2,  # sign up by 12:00 two days before (Monday noon)
        "rsvp_time": "12:00",
        "addresses": ["Bredgade 12, 7400 Herning", "Nørregade 21, 7500 Holstebro",
                      "Strøget 8, 7430 Ikast", "Østergade 5, 7400 Herning"],
    },
    "kaffeklub-oest": {
        "title": "Morgenmøde i Kaffeklub Øst",
        "nth": 1,
        "weekday": 3,  # first Thursday
        "start_time": "07:30",
        "end_time": "09:00",
        "doors_open_time": "07:00",
        "rsvp_days_before": 1,  # sign up by 16:00 the day before
        "rsvp_time": "16:00",
        "addresses": ["Vestergade 18, 8600 Silkeborg", "Åboulevarden 22, 8000 Aarhus C",
                      "Torvet 3, 8600 Silkeborg", "Søndergade 40, 8000 Aarhus C"],
    },
}
DEMO_AGENDA = (
    "Kaffe og rundstykker, når dørene åbner.\n\n"
    "Præsentationsrunde: 60 sekunder hver om, hvad du laver, og hvem du gerne vil møde.\n\n"
    "Dagens vært fortæller om sin virksomhed, og vi slutter med anbefalinger og aftaler."
)


def _slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "-", "&": "og"})
    return "".join(ch for ch in text.lower().translate(table) if ch.isalnum() or ch == "-").strip("-")


def seed_demo(rng: random.Random | None = None, members: int = 40, today: date | None = None) -> bool:
    """Create the demo network; returns False (and changes nothing) when there is already data."""
    if db.session.scalar(select(func.count()).select_from(Member)):
        return False
    rng = rng or random.Random(2026)  # noqa: S311 -- demo data, not security
    settings = NetworkSettings.get()
    settings.name = "Erhvervsnetværket Midt"
    settings.sender_email = "kaffeklub@kaffeklub.example"
    settings.sender_name = "Erhvervsnetværket Midt"
    settings.description = DEMO_NETWORK_DESCRIPTION

    # Vest works the Danish way (everyone is expected unless they send afbud), Øst Meetup-style.
    vest = Group(slug="kaffeklub-vest", name="Kaffeklub Vest", timezone="Europe/Copenhagen", is_public=True,
                 description="Morgenmøde for virksomhedsejere i Herning, Ikast og Holstebro. "
                             "Vi mødes hver tredje onsdag over kaffe og rundstykker.",
                 rsvp_mode=RsvpMode.EXPECTED.value, guest_limit=2)
    oest = Group(slug="kaffeklub-oest", name="Kaffeklub Øst", timezone="Europe/Copenhagen", is_public=False,
                 description="Netværk for ejerledere i Silkeborg og Aarhus. Kun for medlemmer.",
                 rsvp_mode=RsvpMode.OPT_IN.value, guest_limit=1)
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
    # Everyone joined before the demo's first meeting, so their past meetings count as theirs.
    joined = datetime.combine(_first_of_month(today or date.today(), -6), time(9), tzinfo=UTC)
    newcomer_joined = datetime.combine((today or date.today()) - timedelta(days=75), time(9), tzinfo=UTC)
    db.session.add_all([Membership(member=admin, group=vest, role=Role.ORGANIZER.value, joined_at=joined),
                        Membership(member=admin, group=oest, role=Role.ORGANIZER.value, joined_at=joined)])

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
        # A few newcomers joined about ten weeks ago: they have been to the last meeting or two.
        since = newcomer_joined if i in NEWCOMERS else joined
        for group in groups:
            db.session.add(Membership(member=member, group=group, role=role, joined_at=since))
        member.hide_network = i == HIDES_NETWORK
        # Most members say what they offer and look for; a few have not got round to it yet.
        if suffix in OFFERS_SEEKS and i % 6 != 5:
            member.offers, member.seeks = OFFERS_SEEKS[suffix]
        if i in PUBLIC_PROFILES:
            member.profile_visibility = "public"
        if i == PUBLIC_EMAIL:
            member.email_visibility = "public"
    db.session.commit()
    for group in (vest, oest):
        seed_demo_meetings(admin, group, today=today)
    seed_demo_signups(vest, oest, rng)
    seed_demo_history(admin, (vest, oest), rng, today=today)
    seed_demo_social((vest, oest), today=today)
    return True


def _first_of_month(day: date, months: int) -> date:
    """The first day of the month `months` away from `day`'s month."""
    return date(*shift_month(day.year, day.month, months), 1)


def seed_demo_meetings(admin: Member, group: Group, *, today: date | None = None) -> int:
    """A year of monthly meetings for a demo group, through the meetings services as the admin:
    no meetings in July or on Danish public holidays, hosts in turn, a sign-up deadline for each.
    Returns how many were created."""
    from zoneinfo import ZoneInfo

    from app.meetings import services as meetings
    from app.models import utcnow

    plan = DEMO_SERIES[group.slug]
    today = today or utcnow().astimezone(ZoneInfo(group.timezone)).date()
    candidates = db.session.scalars(
        select(Member)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == group.id, Member.is_admin.is_(False))
        .order_by(Member.id)
    ).all()
    # Members of this group only first, so one company does not host in two towns.
    candidates = sorted(candidates, key=lambda member: len(member.memberships) > 1)
    hosts = candidates[: len(plan["addresses"])]
    rotation = [
        {"host_member_id": host.id, "venue_name": host.company, "venue_address": address}
        for host, address in zip(hosts, plan["addresses"], strict=False)
    ]
    data = {
        "title": plan["title"],
        "frequency": "monthly_nth_weekday",
        "nth": plan["nth"],
        "weekday": plan["weekday"],
        "starts_on": _first_of_month(today, -4),
        "ends_on": _first_of_month(today, 9) - timedelta(days=1),
        "start_time": plan["start_time"],
        "end_time": plan["end_time"],
        "doors_open_time": plan["doors_open_time"],
        "timezone": group.timezone,
        "skip_months": [7],
        "holiday_policy": "skip",
        "capacity": 30,
        "guests_welcome": True,
        "agenda": DEMO_AGENDA,
        "rsvp_days_before": plan["rsvp_days_before"],
        "rsvp_time": plan["rsvp_time"],
    }
    # The demo records its past meetings on purpose (a series skips past dates otherwise).
    _series, created = meetings.create_series(admin, group, data, rotation, record_past=True)
    return len(created)


# Afbud as members write them (the demo's coming and past meetings).
AFBUD_MESSAGES = [
    "Er på messe i Fredericia den dag. Vi ses næste gang!",
    "Syg dreng derhjemme, desværre.",
    "Har et kundemøde, jeg ikke kan flytte.",
    "Beklager det sene afbud: akut opgave hos en kunde.",
]


def _members_of(group: Group) -> list[Member]:
    """The group's active members who are not network admins, in a fixed order."""
    return list(db.session.scalars(
        select(Member).join(Membership, Membership.member_id == Member.id)
        .where(Membership.group_id == group.id, Member.active.is_(True), Member.is_admin.is_(False))
        .order_by(Member.id)).all())


def _guest_from(member: Member, first_name: str, last_name: str, company: str) -> dict[str, str]:
    domain = _slug(company).replace("-", "")
    return {"name": f"{first_name} {last_name}", "email": f"{_slug(first_name)}@{domain}.example",
            "company": f"{company} ApS"}


def seed_demo_signups(vest: Group, oest: Group, rng: random.Random) -> int:
    """Answers for the demo, through the sign-up services (so the rules and the outbox mails are the
    real ones) for the coming meetings, and as plain rows for the past ones (no one answers a meeting
    that took place). Kaffeklub Vest ("expected"): two afbud with messages, a guest, a substitute.
    Kaffeklub Øst ("opt_in"): its next meeting is full with a waitlist, the one after has a few
    sign-ups and an afbud. The last past meeting of each has who came and an afbud sent after the
    deadline. Returns how many answers were recorded."""
    from app.models import Meeting, Rsvp, RsvpStatus, utcnow
    from app.rsvp import services as rsvp

    now = utcnow()
    count = 0

    def coming(group: Group) -> list[Meeting]:
        """The group's coming meetings that still take sign-ups (the deadline has not passed)."""
        return list(db.session.scalars(
            select(Meeting).where(Meeting.group_id == group.id, Meeting.starts_at > now,
                                  (Meeting.rsvp_deadline.is_(None)) | (Meeting.rsvp_deadline > now))
            .order_by(Meeting.starts_at)).all())

    def last_past(group: Group) -> Meeting | None:
        return db.session.scalar(select(Meeting).where(Meeting.group_id == group.id, Meeting.ends_at <= now)
                                 .order_by(Meeting.starts_at.desc()).limit(1))

    # Kaffeklub Vest: everyone is expected; the organizer comes with a guest, two send afbud, one
    # sends a colleague in their place.
    people = _members_of(vest)
    organizers = [m for m in people if m.membership_in(vest).is_organizer]
    others = [m for m in people if m not in organizers]
    vest_next = coming(vest)
    if vest_next and others:
        meeting = vest_next[0]
        host = organizers[0] if organizers else others[0]
        rsvp.answer(host, meeting.id, "yes",
                    guests=[_guest_from(host, "Lene", "Bæk", "Bæk Bogføring")])
        rsvp.answer(others[0], meeting.id, "no", message=AFBUD_MESSAGES[0])
        rsvp.answer(others[1], meeting.id, "no", message=AFBUD_MESSAGES[1])
        colleague = others[2]
        rsvp.send_substitute(colleague, meeting.id,
                             {"name": "Jesper Vinther", "email": f"jesper@{colleague.email.split('@')[1]}",
                              "company": colleague.company},
                             message="Min kollega Jesper tager min plads.")
        count += 4
    if len(vest_next) > 1 and others:
        rsvp.answer(others[3], vest_next[1].id, "no", message=AFBUD_MESSAGES[2])
        count += 1

    # Kaffeklub Øst: sign up to come. The next meeting is small and full, with a waitlist.
    people = _members_of(oest)
    oest_next = coming(oest)
    if oest_next and len(people) >= 12:
        meeting = oest_next[0]
        meeting.capacity = 8  # a smaller room this time (before anyone answered)
        db.session.commit()
        guest_brought = False
        for index, member in enumerate(people[:11]):
            if index == 2 and not guest_brought:
                rsvp.answer(member, meeting.id, "yes",
                            guests=[_guest_from(member, "Anja", "Holt", "Holt Regnskab")])
                guest_brought = True
            else:
                rsvp.answer(member, meeting.id, "yes")
            count += 1
        rsvp.answer(people[11], meeting.id, "no", message=AFBUD_MESSAGES[2])
        count += 1
    if len(oest_next) > 1 and len(people) >= 6:
        meeting = oest_next[1]
        for member in people[:5]:
            rsvp.answer(member, meeting.id, "yes")
        rsvp.answer(people[5], meeting.id, "no", message=AFBUD_MESSAGES[0])
        count += 6

    # The last past meeting of each group: who came, and one afbud sent after the deadline.
    for group in (vest, oest):
        meeting = last_past(group)
        people = _members_of(group)
        if meeting is None or len(people) < 4:
            continue
        deadline = meeting.rsvp_deadline or meeting.starts_at - timedelta(days=1)
        late = people[-1]
        db.session.add(Rsvp(meeting_id=meeting.id, member_id=late.id, status=RsvpStatus.DECLINED.value,
                            message=AFBUD_MESSAGES[3], late=True, via="link",
                            answered_at=deadline + (meeting.starts_at - deadline) / 2))
        expected = group.rsvp_mode == RsvpMode.EXPECTED.value
        for seq, member in enumerate(people[:-1], start=1):
            if expected:
                if seq % 5:
                    continue  # expected and came: no row
                status, message = RsvpStatus.DECLINED.value, rng.choice(AFBUD_MESSAGES[:3])
            else:
                if seq % 3 == 0:
                    continue  # did not answer
                status, message = RsvpStatus.GOING.value, ""
            db.session.add(Rsvp(meeting_id=meeting.id, member_id=member.id, status=status, message=message,
                                queue_seq=seq if status == RsvpStatus.GOING.value else 0,
                                answered_at=deadline - timedelta(days=3, minutes=7 * seq)))
            count += 1
        count += 1
    db.session.commit()
    return count


# How each group seats people: Vest two rounds at tables of four (from its second past meeting on:
# the first was free seating), Øst one round at tables of five.
DEMO_SEATING = {"kaffeklub-vest": {"layout": "table_size", "table_size": 4, "rounds": 2, "hosts": True},
                "kaffeklub-oest": {"layout": "table_size", "table_size": 5, "rounds": 1, "hosts": True}}
DEMO_SEATING_SECONDS = 0.3  # the demo plans quickly; a real plan gets SEATING_SECONDS


def seed_demo_history(admin: Member, groups: tuple[Group, ...], rng: random.Random, *,
                      today: date | None = None) -> int:
    """Who came to the demo's past meetings and who sat with whom. For each past meeting, oldest
    first: answers (Vest: a few afbud; Øst: most sign up), check-ins at the door (a few who were
    going do not come: no-shows; in Øst one member comes without signing up), a seating plan made
    by the planner from the history so far, published, and the meeting closed as the admin, which
    marks the no-shows and records the encounters. Then a few confirmed 1-to-1s and one waiting for
    the demo member to confirm. Returns how many meetings were closed."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    from app.models import Meeting, MeetingStatus, utcnow

    cutoff = utcnow()
    if today is not None:
        cutoff = min(cutoff, datetime.combine(today, time(), tzinfo=ZoneInfo("Europe/Copenhagen")))
    closed = 0
    seconds = current_app.config.get("SEATING_SECONDS")
    current_app.config["SEATING_SECONDS"] = DEMO_SEATING_SECONDS
    try:
        for group in groups:
            memberships = {m.member_id: m for m in db.session.scalars(
                select(Membership).where(Membership.group_id == group.id))}
            people = [*_members_of(group), admin]
            meetings = db.session.scalars(
                select(Meeting).where(Meeting.group_id == group.id, Meeting.ends_at <= cutoff,
                                      Meeting.status == MeetingStatus.SCHEDULED.value)
                .order_by(Meeting.starts_at)).all()
            for number, meeting in enumerate(meetings):
                members = [m for m in people if memberships[m.id].joined_at <= meeting.starts_at]
                planned = number > 0 or group.rsvp_mode != RsvpMode.EXPECTED.value
                if _seed_past_meeting(admin, meeting, members, rng, seed=1000 * group.id + number,
                                      planned=planned):
                    closed += 1
    finally:
        current_app.config["SEATING_SECONDS"] = seconds
    _seed_one_to_ones(groups, rng, cutoff)
    return closed


def _seed_past_meeting(admin: Member, meeting, members: list[Member], rng: random.Random, *,
                       seed: int, planned: bool = True) -> bool:
    """Answers, check-ins, a published seating plan, and the close, for one past demo meeting."""
    from app.checkin.services import close_meeting
    from app.models import CheckIn, CheckInVia, Rsvp, RsvpStatus
    from app.seating import services as seating

    expected = meeting.group.rsvp_mode == RsvpMode.EXPECTED.value
    answers = {r.member_id: r for r in db.session.scalars(select(Rsvp).where(Rsvp.meeting_id == meeting.id))}
    deadline = meeting.rsvp_deadline or meeting.starts_at - timedelta(days=1)
    if not answers:  # the last past meeting already has its answers (seed_demo_signups)
        for seq, member in enumerate(members, start=1):
            roll = rng.random()
            if roll < (0.12 if expected else 0.2):
                status, message = RsvpStatus.DECLINED.value, rng.choice(AFBUD_MESSAGES[:3])
            elif expected or roll < 0.35:
                continue  # expected and coming, or (sign up to come) did not answer
            else:
                status, message = RsvpStatus.GOING.value, ""
            queue_seq = seq if status == RsvpStatus.GOING.value else 0
            answers[member.id] = Rsvp(meeting_id=meeting.id, member_id=member.id, status=status,
                                      message=message, queue_seq=queue_seq, via="link",
                                      answered_at=deadline - timedelta(days=2, minutes=11 * seq))
            db.session.add(answers[member.id])
    going = [m for m in members if (answers[m.id].status == RsvpStatus.GOING.value if m.id in answers
                                    else expected)]
    no_shows = set(rng.sample([m.id for m in going if not m.is_admin], k=min(2, len(going) // 8)))
    walk_ins = [] if expected else [m for m in members if m.id not in answers][:1]
    here = [m for m in going if m.id not in no_shows] + walk_ins
    doors = meeting.doors_open_at or meeting.starts_at - timedelta(minutes=30)
    for seq, member in enumerate(here):
        db.session.add(CheckIn(meeting_id=meeting.id, member_id=member.id, walk_in=member in walk_ins,
                               via=CheckInVia.DOOR.value, checked_in_at=doors + timedelta(minutes=2 + seq),
                               checked_in_by_id=admin.id))
    db.session.commit()
    if planned and len(here) >= 4:
        outcome = seating.generate(admin, meeting.id, DEMO_SEATING[meeting.group.slug], seed=seed)
        seating.publish(admin, meeting.id, True, version=outcome.plan.version)
    return close_meeting(admin, meeting.id, now=meeting.ends_at + timedelta(hours=1))


def _seed_one_to_ones(groups: tuple[Group, ...], rng: random.Random, cutoff: datetime) -> None:
    """Confirmed 1-to-1s between members of a group in the last months, and one proposed to the
    demo member (waiting for her to confirm)."""
    from app.models import OneToOne, OneToOneStatus

    day = cutoff.date()
    maja = db.session.scalar(select(Member).where(Member.email == DEMO_MEMBER_EMAIL))
    for group in groups:
        people = _members_of(group)
        if len(people) < 4:
            continue
        pairs = set()
        if maja is not None and maja in people:
            others = [m for m in people if m.id != maja.id]
            pairs |= {(maja, others[3]), (others[7 % len(others)], maja)}
        while len(pairs) < 6:
            a, b = rng.sample(people, 2)
            pairs.add((a, b))
        for index, (a, b) in enumerate(sorted(pairs, key=lambda p: (p[0].id, p[1].id))):
            met_on = day - timedelta(days=9 + 13 * index)
            db.session.add(OneToOne(proposer_id=a.id, partner_id=b.id, met_on=met_on,
                                    status=OneToOneStatus.CONFIRMED.value, place=a.company,
                                    note="Kaffe og en snak om, hvem vi kan henvise til hinanden.",
                                    responded_at=datetime.combine(met_on - timedelta(days=5), time(10),
                                                                  tzinfo=UTC)))
        if maja is not None and maja in people and group is groups[-1]:
            proposer = [m for m in people if m.id != maja.id][-1]
            db.session.add(OneToOne(proposer_id=proposer.id, partner_id=maja.id,
                                    met_on=day + timedelta(days=6), status=OneToOneStatus.PROPOSED.value,
                                    place=proposer.company,
                                    note="Skal vi tage en kop kaffe og høre mere om hinandens kunder?"))
    db.session.commit()


# --- social capital: requests, answers, referrals, help and thanks ----------------------------------

# (group, asker index, title, body, category, days ago, deadline in days (None: none), how it stands)
DEMO_REQUESTS = [
    ("kaffeklub-vest", 3, "En bogholder med forstand på byggeri",
     "Vi vokser og har brug for en, der kender byggeriets regnskab: acontoopgørelser og "
     "sikkerhedsstillelse. Gerne en fast aftale fra næste kvartal.", "supplier", 4, 21, "open"),
    ("kaffeklub-vest", 5, "Et lokale til 40 personer en torsdag aften",
     "Vi holder kundearrangement i marts og mangler et lokale med projektor i Herning-området.",
     "premises", 9, 30, "raised"),
    ("kaffeklub-vest", 6, "Hjælp til GDPR-tekst på hjemmesiden",
     "Hvem har erfaring med en privatlivspolitik til en lille webshop?", "advice", 40, None, "solved"),
    ("kaffeklub-oest", 1, "Sparring om at ansætte den første medarbejder",
     "Jeg overvejer at ansætte min første medarbejder. Hvad skal jeg huske?", "people", 6, None,
     "private"),
    ("kaffeklub-oest", 5, "Kender nogen en god fotograf til produktbilleder?",
     "Ca. 60 produkter til en ny webshop. Budget aftales.", "supplier", 30, 10, "expired"),
    ("kaffeklub-oest", 7, "Nye kunder i Aarhus: hvem skal jeg tale med?",
     "Vi åbner kontor i Aarhus C og vil gerne møde virksomheder med 10-50 ansatte.", "customers", 2,
     None, "open"),
]


def seed_demo_social(groups: tuple[Group, ...], *, today: date | None = None) -> int:
    """Requests with answers, referrals in every status, help records and thanks for the demo,
    written the way the services write them (each with its "created" history entry; a solved
    request with its helpers' help records; an expired one closed by the system), but without
    mail: nobody was told about them at the time. Returns how many items were created."""
    from app.ledger.history import record_change
    from app.models import (
        HelpRecord,
        HelpRequest,
        Meeting,
        MeetingStatus,
        Referral,
        RequestAnswer,
        Thanks,
        utcnow,
    )

    now = utcnow()
    day = today or now.date()
    if today is not None:
        now = datetime.combine(today, time(9), tzinfo=UTC)
    by_slug = {g.slug: g for g in groups}
    people = {g.slug: [m for m in _members_of(g) if not m.is_admin] for g in groups}
    maja = db.session.scalar(select(Member).where(Member.email == DEMO_MEMBER_EMAIL))
    created = 0

    def history(item_type: str, item_id: int, actor, action: str, at: datetime, changes=None) -> None:
        record_change(item_type, item_id, actor, action, changes).at = at

    def shared_group(a: Member, b: Member) -> Group | None:
        mine = {m.group_id for m in a.memberships}
        return next((g for g in groups if g.id in mine and b.membership_in(g) is not None), None)

    for slug, index, title, body, category, days_ago, deadline_days, state in DEMO_REQUESTS:
        group, members = by_slug.get(slug), people.get(slug, [])
        if group is None or len(members) < 10:
            continue
        asker = members[index]
        others = [m for m in members if m.id != asker.id]
        posted = now - timedelta(days=days_ago, hours=index)
        ask = HelpRequest(author_id=asker.id, title=title, body=body, category=category,
                          deadline=(posted.date() + timedelta(days=deadline_days)) if deadline_days else None,
                          groups=[group], created_at=posted, updated_at=posted)
        if state == "raised":
            ask.raise_at_meeting_id = db.session.scalar(
                select(Meeting.id).where(Meeting.group_id == group.id, Meeting.starts_at > now,
                                         Meeting.status == MeetingStatus.SCHEDULED.value)
                .order_by(Meeting.starts_at).limit(1))
        db.session.add(ask)
        db.session.flush()
        history("request", ask.id, asker, "created", posted,
                {"title": [None, title], "groups": [None, [group.id]]})
        created += 1
        answers = [("offer", others[0], "Det kan jeg hjælpe med. Ring til mig, så tager vi en snak.", None,
                    False),
                   ("referral", others[1], f"Tal med {others[2].name.split()[0]}, som hjalp os med "
                    "præcis det sidste år.", others[2], False)]
        if state == "private":
            answers[0] = ("offer", others[0], "Jeg har selv lige været igennem det og deler gerne "
                          "vores ansættelseskontrakt -- skriv til mig direkte.", None, True)
        for number, (kind, author, text, referred, private) in enumerate(answers, start=1):
            at = posted + timedelta(hours=3 * number)
            answer = RequestAnswer(request_id=ask.id, author_id=author.id, kind=kind, body=text,
                                   referred_member_id=referred.id if referred else None, private=private,
                                   created_at=at, updated_at=at)
            db.session.add(answer)
            db.session.flush()
            history("answer", answer.id, author, "created", at,
                    {"kind": [None, kind], "private": [None, private]})
            created += 1
        if state == "solved":
            solved_at = posted + timedelta(days=5)
            ask.status, ask.solved_at, ask.updated_at = "solved", solved_at, solved_at
            helpers = [others[0], others[2]]
            history("request", ask.id, asker, "solved", solved_at,
                    {"status": ["open", "solved"], "helper_ids": [[], [h.id for h in helpers]]})
            for helper in helpers:
                record = HelpRecord(giver_id=helper.id, receiver_id=asker.id, group_id=group.id,
                                    kind="request", request_id=ask.id, given_on=solved_at.date(),
                                    recorded_by_id=asker.id, description=title, created_at=solved_at,
                                    updated_at=solved_at)
                db.session.add(record)
                db.session.flush()
                history("help", record.id, asker, "created", solved_at, {"request_id": [None, ask.id]})
                created += 1
        elif state == "expired" and ask.deadline is not None and ask.deadline < day:
            closed_at = datetime.combine(ask.deadline + timedelta(days=1), time(6), tzinfo=UTC)
            ask.status, ask.closed_at, ask.updated_at = "expired", closed_at, closed_at
            history("request", ask.id, None, "expired", closed_at, {"status": ["open", "expired"]})

    # Referrals between members of a shared group, in every status.
    referral_plan = [("kaffeklub-vest", 2, 8, "new", "expects_call", "Henrik fra Ikast Maskinfabrik",
                      "Skal have nyt tag på lagerhallen i foråret."),
                     ("kaffeklub-vest", 4, 10, "contacted", "may_call", "Lone Krogh, Krogh Bolig",
                      "Søger revisor til sit holdingselskab."),
                     ("kaffeklub-oest", 3, 9, "won", "expects_call", "Mikael Berg, Berg Logistik",
                      "Vil have ny hjemmeside med webshop."),
                     ("kaffeklub-oest", 6, 2, "lost", "tip", "Silkeborg Golfklub",
                      "De skal have nye skilte til banen, har jeg hørt.")]
    referrals: list[Referral] = []
    for number, plan in enumerate(referral_plan):
        slug, giver_index, receiver_index, status, warmth, contact, about = plan
        members = people.get(slug, [])
        if len(members) <= max(giver_index, receiver_index):
            continue
        giver, receiver = members[giver_index], members[receiver_index]
        at = now - timedelta(days=50 - 9 * number)
        name, _sep, company = contact.partition(", ")
        referral = Referral(giver_id=giver.id, receiver_id=receiver.id, group_id=by_slug[slug].id,
                            contact_name=name, contact_company=company, about=about, warmth=warmth,
                            contact_phone="+45 70 20 30 40" if warmth != "tip" else "",
                            status=status, created_at=at, updated_at=at, status_changed_at=at)
        db.session.add(referral)
        db.session.flush()
        history("referral", referral.id, giver, "created", at)
        if status != "new":
            history("referral", referral.id, receiver, "status", at + timedelta(days=4),
                    {"status": ["new", status]})
            referral.status_changed_at = at + timedelta(days=4)
        referrals.append(referral)
        created += 1

    # Help that is not business, and thanks: business with an amount between the demo member and a
    # member she shares a group with (both agreed to the wall), one without the wall's consent.
    pairs = []
    if maja is not None:
        partner = next((m for g in groups for m in people[g.slug]
                        if m.id != maja.id and maja.membership_in(g) is not None), None)
        if partner is not None:
            pairs.append((maja, partner))
    for slug in ("kaffeklub-vest", "kaffeklub-oest"):
        members = people.get(slug, [])
        if len(members) > 12:
            pairs.append((members[11], members[12]))
    for number, (receiver, giver) in enumerate(pairs):
        group = shared_group(receiver, giver)
        if group is None:
            continue
        at = now - timedelta(days=20 + 7 * number)
        kind = ("advice", "introduction", "room")[number % 3]
        description = {"advice": "Gennemgik vores lejekontrakt og fandt to faldgruber.",
                       "introduction": "Introducerede mig for indkøbschefen hos en stor kunde.",
                       "room": "Lånte os mødelokalet til en workshop."}[kind]
        record = HelpRecord(giver_id=giver.id, receiver_id=receiver.id, group_id=group.id, kind=kind,
                            description=description, given_on=at.date(), recorded_by_id=receiver.id,
                            created_at=at, updated_at=at)
        db.session.add(record)
        db.session.flush()
        history("help", record.id, receiver, "created", at)
        thanks = Thanks(thanker_id=receiver.id, thanked_id=giver.id, group_id=group.id, kind="help",
                        help_id=record.id, message="Tusind tak for hjælpen!", wall_by_thanker=True,
                        wall_by_thanked=number % 2 == 0, created_at=at, updated_at=at)
        db.session.add(thanks)
        db.session.flush()
        history("thanks", thanks.id, receiver, "created", at)
        created += 2
        if number == 0:  # the demo member thanks for business, with an amount; both want it on the wall
            business = Thanks(thanker_id=receiver.id, thanked_id=giver.id, group_id=group.id, kind="business",
                              message="Tak for forretningen! Henvisningen blev til en fast kunde.",
                              amount_dkk=45_000, wall_by_thanker=True, wall_by_thanked=True,
                              created_at=at + timedelta(days=10), updated_at=at + timedelta(days=10))
            db.session.add(business)
            db.session.flush()
            history("thanks", business.id, receiver, "created", at + timedelta(days=10))
            history("thanks", business.id, giver, "wall", at + timedelta(days=11),
                    {"wall_by_thanked": [False, True]})
            created += 1
    won = next((r for r in referrals if r.status == "won"), None)
    if won is not None:  # business from a won referral, thanked without the wall (no consent)
        at = won.status_changed_at + timedelta(days=2)
        thanks = Thanks(thanker_id=won.receiver_id, thanked_id=won.giver_id, group_id=won.group_id,
                        kind="business", referral_id=won.id, amount_dkk=12_500,
                        message="Tak for henvisningen til Berg Logistik.", created_at=at, updated_at=at)
        db.session.add(thanks)
        db.session.flush()
        history("thanks", thanks.id, won.receiver_id, "created", at)
        created += 1
    db.session.commit()
    return created


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--members", default=40, show_default=True, help="How many members to create.")
    def seed_demo_command(members: int) -> None:
        """Create demo data (a network, two groups, members, meetings) unless the database has members."""
        if seed_demo(members=members):
            click.echo(f"Demo data created: 2 groups, {members} members, a year of meetings per group. "
                       f"Admin: {DEMO_ADMIN_EMAIL}")
        else:
            click.echo("The database already has members; demo data not created.")
