"""Help given and received: "Tak for hjælpen" on the page (field × viewer), correcting and
withdrawing with history, and the receiver of `events.request_solved` (one record per helper, never
twice)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import events
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.ledger import thanks
from app.models import HelpRecord, HelpRequest, SocialChange, Thanks
from tests.factories import create_group, create_member
from tests.web.referrals_helpers import VIEWERS, build_ledger_world, client_as, mails, thank_help

PARTIES = ("giver", "receiver")


@pytest.fixture
def lw(app):
    return build_ledger_world()


HELP_TABLE = {"kind": ("giver", "receiver", "member", "organizer", "admin"),
              "description": PARTIES}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_help_page_field_by_viewer(app, login, lw, viewer):
    help_id = thank_help(lw).help_id
    response = client_as(app, login, lw, viewer).get(f"/help/{help_id}")
    if viewer == "anonymous":
        assert response.status_code == 302
        return
    if viewer == "other":
        assert response.status_code == 404
        return
    page = response.get_data(as_text=True)
    assert "Gitte Giver" in page
    assert ("data-description" in page and "momsregnskabet" in page) == (viewer in PARTIES)


def test_thank_for_help_through_the_form(app, login, lw):
    client = client_as(app, login, lw, "receiver")
    assert client.get(f"/thanks/help/new?to={lw.giver.id}").status_code == 200
    response = client.post("/thanks/help/new", data={"giver_id": str(lw.giver.id), "kind": "introduction",
                                                     "description": "Introducerede mig til en revisor",
                                                     "given_on": "", "message": "Tak"})
    assert response.status_code == 303, response.get_data(as_text=True)
    record = db.session.scalars(select(HelpRecord)).one()
    assert (record.giver_id, record.receiver_id, record.kind, record.recorded_by_id) == (
        lw.giver.id, lw.receiver.id, "introduction", lw.receiver.id)
    row = db.session.scalars(select(Thanks)).one()
    assert (row.kind, row.help_id, row.amount_dkk) == ("help", record.id, None)
    assert [(m.kind, m.recipients) for m in mails()] == [("thanks_new", lw.giver.email)]


@pytest.mark.parametrize(("field", "value"), [("kind", "request"), ("kind", "bribe"), ("description", ""),
                                              ("description", "\x00"), ("given_on", "2999-01-01"),
                                              ("given_on", "i går"), ("giver_id", "x"), ("message", ["x"]),
                                              ("wall_by_thanker", "yes")])
def test_help_validation(app, lw, field, value):
    with pytest.raises(ValidationFailed) as caught:
        thank_help(lw, **{field: value})
    assert field in caught.value.fields


def test_correct_and_withdraw_help_keep_the_history(app, login, lw):
    help_id = thank_help(lw).help_id
    with pytest.raises(PermissionDenied):
        thanks.correct_help(lw.giver, help_id, {"kind": "room"})
    client = client_as(app, login, lw, "receiver")
    yesterday = (thanks.local_today() - timedelta(days=1)).isoformat()
    response = client.post(f"/help/{help_id}/edit", data={"kind": "room", "description": "Lånte lokalet",
                                                          "given_on": yesterday})
    assert response.status_code == 303
    change = db.session.scalars(select(SocialChange).where(SocialChange.action == "updated")).one()
    assert set(change.changes) == {"kind", "description", "given_on"}
    organizer = client_as(app, login, lw, "organizer").get(f"/give-and-take/help/{help_id}/history")
    text = organizer.get_data(as_text=True)
    assert 'data-field="kind"' in text and 'data-field="description"' not in text
    client.post(f"/give-and-take/help/{help_id}/withdraw", data={"reason": ""})
    db.session.expire_all()
    assert db.session.get(HelpRecord, help_id).withdrawn_at is not None
    assert db.session.scalars(select(Thanks)).one().withdrawn_at is not None  # its thank-you too
    assert client.get(f"/help/{help_id}").status_code == 404


# --- request_solved -------------------------------------------------------------------------------------


def _request(author, *groups) -> HelpRequest:
    request = HelpRequest(author_id=author.id, title="En bogholder med forstand på byggeri",
                          groups=list(groups))
    db.session.add(request)
    db.session.commit()
    return request


def test_solving_a_request_records_help_per_helper_once(app, lw):
    second = create_group(name="Kaffeklub Horsens", slug="kaffeklub-horsens")
    helper_elsewhere = create_member(name="Hanne Horsens", groups=[second])
    outsider = create_member(name="Udenfor", groups=[lw.other_group])
    request = _request(lw.receiver, lw.group, second)
    helpers = [lw.giver.id, helper_elsewhere.id, outsider.id, lw.receiver.id, lw.giver.id]
    events.request_solved.send(request, helper_ids=helpers, actor=lw.receiver)
    db.session.commit()
    records = db.session.scalars(select(HelpRecord).order_by(HelpRecord.giver_id)).all()
    assert [(r.giver_id, r.receiver_id, r.group_id, r.kind, r.request_id, r.given_on) for r in records] == [
        (lw.giver.id, lw.receiver.id, lw.group.id, "request", request.id, thanks.local_today()),
        (helper_elsewhere.id, lw.receiver.id, second.id, "request", request.id, thanks.local_today()),
    ]
    changes = db.session.scalars(select(SocialChange).where(SocialChange.item_type == "help")).all()
    assert len(changes) == 2 and {c.action for c in changes} == {"created"}
    events.request_solved.send(request, helper_ids=[lw.giver.id, lw.member.id], actor=lw.receiver)
    db.session.commit()
    givers = sorted(db.session.scalars(select(HelpRecord.giver_id)))
    assert givers == sorted([lw.giver.id, helper_elsewhere.id, lw.member.id])


def test_request_help_is_not_corrected_here(app, lw):
    request = _request(lw.receiver, lw.group)
    events.request_solved.send(request, helper_ids=[lw.giver.id], actor=lw.receiver)
    db.session.commit()
    record = db.session.scalars(select(HelpRecord)).one()
    with pytest.raises(PermissionDenied):
        thanks.correct_help(lw.receiver, record.id, {"description": "x"})
