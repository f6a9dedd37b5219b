"""Deleting an account leaves no trace of the person, and keeps everyone else's numbers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from sqlalchemy import func, select

from app.connections.history import relations
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.ledger.ledger import member_ledger
from app.ledger.reports import group_report
from app.models import (
    CheckIn,
    Encounter,
    HelpRequest,
    Member,
    MemberEvent,
    OutboxMessage,
    Referral,
    RequestAnswer,
    Rsvp,
    Thanks,
)
from app.privacy.deletion import confirmation_token, delete_account
from app.profiles.photos import SIZES, photo_path
from tests.web.privacy_helpers import EMAIL, NAME, PHONE, ZELDA_PHOTO_KEY, build_privacy_world, find_traces


def _statistics(world) -> dict:
    today = date.today()
    db.session.expire_all()
    numbers = {}
    for person in (world.bo, world.cy):
        ties = relations(person.id, today=today)
        numbers[f"ties-{person.id}"] = sorted((r.times_met, r.tables, r.one_to_ones, r.meetings)
                                              for r in ties.values())
        ledger = member_ledger(person, person.id, today=today)
        numbers[f"ledger-{person.id}"] = {key: asdict(counts) for key, counts in ledger.periods.items()}
    report = group_report(world.admin, world.group.slug, today=today)
    numbers["report"] = asdict(report.total)
    numbers["checkins"] = db.session.scalar(select(func.count(CheckIn.id)))
    numbers["encounters"] = db.session.scalar(select(func.count(Encounter.id)))
    numbers["going"] = db.session.scalar(select(func.count(Rsvp.id)).where(Rsvp.status == "going"))
    numbers["thanks_dkk"] = db.session.scalar(select(func.sum(Thanks.amount_dkk)))
    return numbers


def test_deleting_leaves_no_trace_and_keeps_statistics(app, tmp_path):
    app.config["PHOTO_DIR"] = str(tmp_path)
    for size in SIZES:  # her photo as app.profiles.photos stores it, and someone else's
        photo_path(ZELDA_PHOTO_KEY, size).write_bytes(b"jpeg")
    (tmp_path / "someoneelse-small.jpg").write_bytes(b"jpeg")
    world = build_privacy_world()
    assert find_traces()  # the scan does find her before
    before = _statistics(world)
    zelda_id = world.zelda.id

    delete_account(world.zelda, zelda_id, confirmation="SLET")

    assert find_traces() == []
    assert _statistics(world) == before
    zelda = db.session.get(Member, zelda_id)
    assert zelda.is_deleted and not zelda.active and zelda.email == f"deleted-{zelda_id}@deleted.invalid"
    assert zelda.name == "Tidligere medlem"
    assert zelda.memberships == [] and zelda.competencies == [] and zelda.password_hash is None
    assert zelda.photo_key is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["someoneelse-small.jpg"]
    # Her texts are gone; others' items and the referral contact she recorded too.
    request = db.session.get(HelpRequest, world.request.id)
    assert request.body == "" and request.status == "expired"  # closed, still counted
    referral = db.session.scalar(select(Referral).where(Referral.giver_id == zelda_id))
    assert referral.contact_name == "" and referral.contact_phone == "" and referral.about == ""
    assert db.session.get(RequestAnswer, world.private_answer.id).body == "I can, privately"
    # Mails to her are gone; the pending mail to Bo mentioning her is still there, rewritten.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.member_id == zelda_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.member_id == world.bo.id)) == 2
    # The audit entry names who did it, not whom by name.
    event = db.session.scalar(select(MemberEvent).where(MemberEvent.kind == "deleted"))
    assert event.member_id == zelda_id and event.actor_id == zelda_id and NAME not in event.detail
    # Bo's other texts keep their words around the mention.
    bo_mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == "<m3@example.test>"))
    assert bo_mail.subject == "Afbud fra Tidligere medlem"


def test_english_network_calls_them_former_member(app, english):
    world = build_privacy_world()
    delete_account(world.admin, world.zelda.id, confirmation=EMAIL.upper(), reason="Asked by phone")
    assert db.session.get(Member, world.zelda.id).name == "Former member"
    event = db.session.scalar(select(MemberEvent).where(MemberEvent.kind == "deleted"))
    assert event.actor_id == world.admin.id and event.actor_is_admin and event.detail == "Asked by phone"


@pytest.mark.parametrize("confirmation", ["", "nej", None, 12, ["SLET"], "x" * 5000, "SLET\x00", "\ud800"])
def test_a_wrong_confirmation_deletes_nothing(app, confirmation):
    world = build_privacy_world()
    with pytest.raises(ValidationFailed):
        delete_account(world.zelda, world.zelda.id, confirmation=confirmation)
    assert not db.session.get(Member, world.zelda.id).is_deleted
    assert find_traces()


def test_members_and_organizers_cannot_delete_someone_else(app):
    world = build_privacy_world()
    for actor in (world.bo, world.organizer):
        with pytest.raises(NotFound):
            delete_account(actor, world.zelda.id, confirmation="SLET")
    with pytest.raises(NotFound):
        delete_account(world.admin, 10**30, confirmation="SLET")
    with pytest.raises(NotFound):
        delete_account(world.admin, "1", confirmation="SLET")


def test_an_admin_needs_a_reason_and_cannot_delete_twice(app):
    world = build_privacy_world()
    with pytest.raises(ValidationFailed):
        delete_account(world.admin, world.zelda.id, confirmation="SLET", reason="  ")
    delete_account(world.admin, world.zelda.id, confirmation="SLET", reason="Asked by mail")
    with pytest.raises(Conflict):
        delete_account(world.admin, world.zelda.id, confirmation="SLET", reason="Again")


def test_the_only_admin_cannot_delete_themself(app):
    world = build_privacy_world()
    with pytest.raises(Conflict):
        delete_account(world.admin, world.admin.id, confirmation="SLET")


def test_a_signed_token_confirms_only_for_its_member(app):
    world = build_privacy_world()
    token = confirmation_token(world.bo)
    with pytest.raises(ValidationFailed):
        delete_account(world.zelda, world.zelda.id, confirmation=token)
    delete_account(world.zelda, world.zelda.id, confirmation=confirmation_token(world.zelda))
    assert db.session.get(Member, world.zelda.id).is_deleted
    assert PHONE  # (the phone is among the scanned terms)


def test_danish_letters_in_a_name_are_found_in_any_case(app):
    from app.models import OneToOne, SocialChange
    from tests.factories import create_group, create_member

    group = create_group()
    soren = create_member(name="Søren Ærø-Østergaard", email="soren.aero@example.test", groups=[group])
    bo = create_member(name="Bo Bager", groups=[group], bio="Jeg kender SØREN ÆRØ-ØSTERGAARD godt")
    db.session.add(OneToOne(proposer_id=bo.id, partner_id=soren.id, met_on=date.today(),
                            note="kaffe med søren ærø-østergaard"))
    db.session.add(SocialChange(item_type="request", item_id=1, actor_id=bo.id, action="updated",
                                changes={"body": ["", "Spørg Søren Ærø-Østergaard"]}))
    db.session.commit()
    delete_account(soren, soren.id, confirmation="SLET")
    assert find_traces(("Søren Ærø-Østergaard", "soren.aero@example.test")) == []
    bo = db.session.get(Member, bo.id)
    assert bo.bio == "Jeg kender Tidligere medlem godt"
    # The directory's folded copy of Bo's bio forgets the name too (æ -> ae, ø -> oe).
    assert "soren" not in (getattr(bo, "search_document", "") or "")
