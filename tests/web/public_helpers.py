"""Shared pieces of the public pages' tests: a public group with people who chose differently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Group, Meeting, Member
from tests.factories import create_group, create_meeting, create_member, create_organizer


@dataclass
class PublicWorld:
    public: Group
    private: Group
    organizer: Member
    listed: Member  # public profile, e-mail public, phone not
    unlisted: Member  # default: members only
    inactive: Member  # public profile, but deactivated
    deleted: Member  # public profile, but deleted
    private_listed: Member  # public profile, in the members-only group only
    meeting: Meeting  # the public group's next meeting (with a host and an online link)
    private_meeting: Meeting


def build_public_world() -> PublicWorld:
    public = create_group(name="Kaffeklub Vejle", slug="kaffeklub-vejle", is_public=True,
                          description="Morgenmøder hver tirsdag ved fjorden.")
    private = create_group(name="Lukket Klub", slug="lukket-klub", is_public=False,
                           description="Hemmelig beskrivelse")
    organizer = create_organizer(public, name="Olga Organisator", email="olga@example.test",
                                 phone="+45 11 11 11 11", language="da")
    listed = create_member(name="Lise Listet", email="lise@example.test", phone="+45 22 22 22 22",
                           company="Lises Bogføring ApS", industry="Bogføring", website="lise.example.dk",
                           profile_visibility="public", email_visibility="public", groups=[public])
    unlisted = create_member(name="Ulrik Ulistet", email="ulrik@example.test", company="Ulriks VVS",
                             groups=[public])
    inactive = create_member(name="Ingrid Inaktiv", profile_visibility="public", active=False,
                             groups=[public])
    deleted = create_member(name="Tidligere medlem", email="deleted-99@deleted.invalid",
                            profile_visibility="public", active=False,
                            deleted_at=datetime.now(UTC) - timedelta(days=1), groups=[public])
    private_listed = create_member(name="Paula Privat", profile_visibility="public", groups=[private])
    meeting = create_meeting(group=public, title="Tirsdagsmøde", venue_name="Fjordhuset",
                             venue_address="Havnen 1, 7100 Vejle", host=organizer,
                             online_url="https://meet.example.test/hemmelig")
    private_meeting = create_meeting(group=private, title="Lukket møde")
    db.session.commit()
    return PublicWorld(public=public, private=private, organizer=organizer, listed=listed,
                       unlisted=unlisted, inactive=inactive, deleted=deleted, private_listed=private_listed,
                       meeting=meeting, private_meeting=private_meeting)
