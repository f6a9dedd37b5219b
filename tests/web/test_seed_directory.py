"""The demo shows issue 13: members say what they offer and look for, the network describes itself,
and the public group Kaffeklub Vest lists a few members who chose a public profile (one with a
public e-mail address), with its organizer named."""

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Group, Member, NetworkSettings
from app.public.services import public_members
from app.seed import DEMO_MEMBER_EMAIL, seed_demo


def test_the_demo_fills_the_directory_and_the_public_page(app, client):
    assert seed_demo(today=date(2026, 2, 10))
    assert NetworkSettings.get().description.startswith("Erhvervsnetværket Midt samler")
    members = db.session.scalars(select(Member).where(Member.is_admin.is_(False))).all()
    with_offers = [m for m in members if m.offers and m.seeks]
    assert len(members) * 2 // 3 <= len(with_offers) < len(members)  # most, not all

    vest = db.session.scalar(select(Group).where(Group.slug == "kaffeklub-vest"))
    assert vest.is_public and vest.description
    listed = public_members(vest)
    assert 3 <= len(listed) <= 5
    assert sum(1 for m in listed if m.email) == 1
    assert not any(m.phone for m in listed)

    page = client.get("/groups/kaffeklub-vest")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(m.name in html for m in listed)
    assert "Gitte Jørgensen" in html  # the organizer chose a public profile

    # A member finds the bookkeepers by what they offer.
    maja = db.session.scalar(select(Member).where(Member.email == DEMO_MEMBER_EMAIL))
    from app.members.services import search_directory
    found = search_directory(maja, "bogføring").members
    assert found and all(m.industry == "Revision og regnskab" for m in found)
