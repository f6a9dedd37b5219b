"""Grow a (demo) database to a large network: 2,000 members, 20 groups, five years of meetings.

    python -m bench.large --database-url sqlite:///instance/large.db   # or postgresql://...

Bulk INSERTs (SQLAlchemy's insertmanyvalues), a few seconds on SQLite. The demo groups keep their
members and get more; every group gets a monthly meeting for the last five years (and a year
ahead if it has none planned), hosted in turn by its members. Deterministic (a fixed random
seed) so runs compare.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from app.extensions import db

MEMBERS = 2000
GROUPS = 20
YEARS = 5

_FIRST = [
    "Anne",
    "Bo",
    "Camilla",
    "Søren",
    "Ærø",
    "Øjvind",
    "Åse",
    "Mette",
    "Lars",
    "Jens",
    "Sofie",
    "Mads",
    "Karen",
    "Henrik",
    "Line",
    "Rasmus",
    "Ida",
    "Niels",
    "Pia",
    "Torben",
]
_LAST = [
    "Hansen",
    "Jensen",
    "Nielsen",
    "Østergaard",
    "Ærenlund",
    "Pedersen",
    "Kristensen",
    "Mølgaard",
    "Sørensen",
    "Rasmussen",
    "Madsen",
    "Lund",
    "Holm",
    "Skov",
    "Bæk",
]
_INDUSTRIES = [
    "Revision",
    "Bygge og anlæg",
    "IT",
    "Rådgivning",
    "Handel",
    "Transport",
    "Fødevarer",
    "Marketing",
    "Jura",
    "Sundhed",
    "Energi",
    "Turisme",
]
_TOWNS = [
    "Herning",
    "Ikast",
    "Holstebro",
    "Silkeborg",
    "Aarhus",
    "Viborg",
    "Skive",
    "Randers",
    "Vejle",
    "Horsens",
    "Odense",
    "Aalborg",
    "Esbjerg",
    "Kolding",
    "Struer",
    "Lemvig",
    "Brande",
    "Grindsted",
    "Billund",
    "Give",
]


def grow(
    *, members: int = MEMBERS, groups: int = GROUPS, years: int = YEARS, seed: int = 2026
) -> dict[str, int]:
    """Add members, groups, memberships, competencies and meetings until the database holds
    `members` members, `groups` groups and `years` years of monthly meetings per group."""
    from app.models import Competency, Group, Meeting, Member, Membership, Role
    from app.models.member import member_competencies
    from app.models.types import utcnow

    rng = random.Random(seed)  # noqa: S311 -- benchmark data
    now = utcnow()
    have_groups = db.session.scalar(select(func.count()).select_from(Group)) or 0
    new_groups = [
        {
            "slug": f"kaffeklub-{_TOWNS[i % len(_TOWNS)].lower()}-{i}",
            "name": f"Kaffeklub {_TOWNS[i % len(_TOWNS)]} {i}",
            "timezone": "Europe/Copenhagen",
            "is_public": i % 2 == 0,
            "description": "",
            "created_at": now,
        }
        for i in range(have_groups, groups)
    ]
    if new_groups:
        db.session.execute(insert(Group), new_groups)
    group_ids = list(db.session.scalars(select(Group.id).order_by(Group.id)))

    tags = [
        f"{word} {n}"
        for n in range(20)
        for word in ("bogføring", "web design", "salg", "ledelse", "jura", "økonomi", "byggeri", "æstetik")
    ]
    have_tags = set(db.session.scalars(select(Competency.name)))
    missing_tags = [t for t in tags if t not in have_tags]
    if missing_tags:
        db.session.execute(insert(Competency), [{"name": t} for t in missing_tags])
    tag_ids = list(db.session.scalars(select(Competency.id).where(Competency.name.in_(tags))))

    have_members = db.session.scalar(select(func.count()).select_from(Member)) or 0
    rows = []
    for n in range(have_members, members):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        rows.append(
            {
                "email": f"stor{n}@example.test",
                "name": f"{first} {last} {n}",
                "company": f"{last} & Co {n} ApS",
                "title": rng.choice(["Direktør", "Ejer", "Partner", ""]),
                "industry": rng.choice(_INDUSTRIES),
                "phone": f"+45 {20000000 + n}",
                "language": "da",
                "created_at": now,
                "updated_at": now,
            }
        )
    new_ids = (
        list(db.session.scalars(insert(Member).returning(Member.id, sort_by_parameter_order=True), rows))
        if rows
        else []
    )
    if new_ids:
        db.session.execute(
            insert(member_competencies),
            [
                {"member_id": member_id, "competency_id": tag_id}
                for member_id in new_ids
                for tag_id in rng.sample(tag_ids, 3)
            ],
        )
        placements = []
        for i, member_id in enumerate(new_ids):
            home = group_ids[i % len(group_ids)]
            chosen = {home} | ({rng.choice(group_ids)} if rng.random() < 0.3 else set())
            for group_id in sorted(chosen):
                role = (
                    Role.ORGANIZER.value if i < 2 * len(group_ids) and group_id == home else Role.MEMBER.value
                )
                placements.append(
                    {"member_id": member_id, "group_id": group_id, "role": role, "joined_at": now}
                )
        db.session.execute(insert(Membership), placements)

    # Monthly meetings like the demo's, for the last five years; a year ahead only for groups that
    # have no future meetings yet (the demo groups keep their own plan).
    first = now.replace(day=15, hour=7, minute=30, second=0, microsecond=0)
    meetings = []
    for group_id in group_ids:
        hosts = list(
            db.session.scalars(
                select(Membership.member_id)
                .where(Membership.group_id == group_id)
                .order_by(Membership.member_id)
                .limit(40)
            )
        )
        has_future = db.session.scalar(
            select(func.count())
            .select_from(Meeting)
            .where(Meeting.group_id == group_id, Meeting.starts_at > now)
        )
        existing_months = {
            (d.year, d.month)
            for d in db.session.scalars(select(Meeting.starts_at).where(Meeting.group_id == group_id))
        }
        for offset in range(-12 * years, 0 if has_future else 13):
            month_index = first.year * 12 + first.month - 1 + offset
            when = first.replace(year=month_index // 12, month=month_index % 12 + 1, day=15 + group_id % 7)
            if (when.year, when.month) in existing_months:
                continue
            meetings.append(
                {
                    "group_id": group_id,
                    "title": f"Morgenmøde {when:%B %Y}",
                    "starts_at": when,
                    "ends_at": when + timedelta(minutes=90),
                    "venue_name": f"Kontoret {offset % 30}",
                    "venue_address": "Bredgade 1, 7400 Herning",
                    "host_member_id": hosts[offset % len(hosts)] if hosts else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if meetings:
        db.session.execute(insert(Meeting), meetings)
    db.session.commit()
    return {
        "members": db.session.scalar(select(func.count()).select_from(Member)) or 0,
        "groups": db.session.scalar(select(func.count()).select_from(Group)) or 0,
        "meetings": db.session.scalar(select(func.count()).select_from(Meeting)) or 0,
        "past meetings": db.session.scalar(
            select(func.count()).select_from(Meeting).where(Meeting.ends_at <= datetime.now(UTC))
        )
        or 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        required=True,
        help="the database to grow (seeded with the demo network first if empty)",
    )
    args = parser.parse_args(argv)
    from app import create_app
    from app.seed import seed_demo

    url = args.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="")
    with app.app_context():
        db.create_all()
        seed_demo()
        print(grow())
    return 0


if __name__ == "__main__":
    sys.exit(main())
