"""app.events: the meeting services announce what happened after the change is flushed and before
they commit; subscribers run inside the same transaction, so what they write (an outbox mail)
is kept or lost together with the change."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select

from app import events
from app.extensions import db
from app.mail.services import enqueue_mail
from app.meetings import services
from app.models import Group, Meeting, MeetingChange, Member, OutboxMessage
from tests.factories import create_group, create_meeting, create_organizer


@dataclass
class World:
    group: Group
    organizer: Member
    meeting: Meeting


@pytest.fixture
def world(app) -> World:
    group = create_group(name="Kaffeklub Herning")
    meeting = create_meeting(
        group=group,
        title="Morgenmøde i marts",
        starts_at=datetime(2031, 3, 5, 7, 30, tzinfo=UTC),
        ends_at=datetime(2031, 3, 5, 9, 0, tzinfo=UTC),
    )
    return World(group, create_organizer(group, name="Olga Organizer", language="en"), meeting)


def outbox_count() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


class Recorder:
    """Subscribes to every meeting signal; writes an outbox mail for each, as invitations will."""

    def __init__(self, fail: bool = False):
        self.calls: list[tuple] = []
        self.fail = fail

    def receive(self, name):
        def receiver(meeting, **kwargs):
            # The change is flushed: the meeting has its id and its new values in this transaction.
            assert meeting.id is not None
            in_db = db.session.scalar(select(Meeting.status).where(Meeting.id == meeting.id))
            self.calls.append((name, meeting.id, in_db, kwargs))
            enqueue_mail("subscriber@example.test", "notice", body=f"{name} {meeting.id}")
            if self.fail:
                raise RuntimeError("a subscriber failed")

        return receiver

    def connected(self) -> ExitStack:
        stack = ExitStack()
        self.receivers = {}
        for name in ("meeting_created", "meeting_changed", "meeting_cancelled"):
            receiver = self.receive(name)
            self.receivers[name] = receiver  # keep a strong reference while connected
            stack.enter_context(getattr(events, name).connected_to(receiver))
        return stack


def test_the_meetings_package_imports_no_subscriber_and_services_do_not_import_back():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "app" / "meetings"
    for module in ("access", "changes", "series"):
        tree = ast.parse((root / f"{module}.py").read_text())
        imported = {
            node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
        } | {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        names = {
            f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
        }
        assert "app.meetings.services" not in imported, module
        assert "app.meetings.services" not in names, module


def test_update_sends_meeting_changed_with_fields_and_scope_and_the_subscribers_mail_commits(world):
    recorder = Recorder()
    with recorder.connected():
        services.update_meeting(
            world.organizer, world.meeting.id, {"title": "Nyt navn", "venue_name": "Hal 2"}
        )
    [(name, meeting_id, _status, kwargs)] = recorder.calls
    assert (name, meeting_id) == ("meeting_changed", world.meeting.id)
    assert kwargs["scope"] == events.SCOPE_THIS
    assert kwargs["fields"]["title"] == ["Morgenmøde i marts", "Nyt navn"]
    assert set(kwargs["fields"]) == {"title", "venue_name"}
    db.session.rollback()  # nothing left uncommitted: both were committed by the service
    assert outbox_count() == 1
    assert db.session.get(Meeting, world.meeting.id).title == "Nyt navn"


def test_create_and_cancel_send_their_signals(world):
    recorder = Recorder()
    with recorder.connected():
        meeting = services.create_meeting(world.organizer, world.group, {
            "title": "Frokost", "date": "2031-04-02", "start_time": time(8), "end_time": time(9),
        })
        services.cancel_meeting(world.organizer, meeting.id, "Sygdom")
    assert [c[0] for c in recorder.calls] == ["meeting_created", "meeting_cancelled"]
    assert recorder.calls[1][2] == "cancelled"  # flushed before the signal
    assert recorder.calls[1][3] == {"reason": "Sygdom", "scope": events.SCOPE_THIS}
    assert outbox_count() == 2


def test_an_unchanged_edit_sends_nothing(world):
    recorder = Recorder()
    with recorder.connected():
        services.update_meeting(world.organizer, world.meeting.id, {"title": world.meeting.title})
    assert recorder.calls == []


def test_a_failing_subscriber_leaves_neither_the_change_nor_its_mail(world):
    recorder = Recorder(fail=True)
    changes_before = db.session.scalar(select(func.count(MeetingChange.id)))
    with recorder.connected(), pytest.raises(RuntimeError):
        services.update_meeting(world.organizer, world.meeting.id, {"title": "Nyt navn"})
    db.session.rollback()  # what the request's teardown does
    assert outbox_count() == 0
    assert db.session.get(Meeting, world.meeting.id).title == "Morgenmøde i marts"
    assert db.session.scalar(select(func.count(MeetingChange.id))) == changes_before


def test_a_failing_commit_after_the_signal_leaves_neither(world, monkeypatch):
    recorder = Recorder()

    def failing_commit():
        raise RuntimeError("the database went away at commit")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with recorder.connected(), pytest.raises(RuntimeError):
        services.cancel_meeting(world.organizer, world.meeting.id, "")
    monkeypatch.undo()
    assert [c[0] for c in recorder.calls] == ["meeting_cancelled"]
    db.session.rollback()
    assert outbox_count() == 0
    assert db.session.get(Meeting, world.meeting.id).status == "scheduled"


def test_a_web_edit_whose_subscriber_fails_keeps_nothing(world, client, login, app):
    """Through a request: the error answers 500 (a bug in a subscriber), and the teardown rolls
    the edit and the mail back together."""
    login(world.organizer)
    recorder = Recorder(fail=True)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with recorder.connected():
        response = client.post(f"/meetings/{world.meeting.id}/cancel", data={"reason": ""})
    assert response.status_code == 500
    assert recorder.calls
    db.session.rollback()
    assert outbox_count() == 0
    assert db.session.get(Meeting, world.meeting.id).status == "scheduled"


def test_series_edits_send_one_signal_per_meeting_with_scope_following(world):
    series, created = services.create_series(world.organizer, world.group, services.SeriesData(
        title="Morgenkaffe", frequency="weekly", weekday=2,
        starts_on=datetime(2031, 5, 1, tzinfo=UTC).date(), ends_on=datetime(2031, 5, 31, tzinfo=UTC).date(),
        start_time=time(8), end_time=time(9),
    ))
    recorder = Recorder()
    with recorder.connected():
        changed = services.update_following(world.organizer, created[1].id, {"venue_name": "Hal 3"})
        cancelled = services.cancel_rest_of_series(world.organizer, created[2].id, "")
    changes = [c for c in recorder.calls if c[0] == "meeting_changed"]
    assert [c[1] for c in changes] == [m.id for m in changed]
    assert {c[3]["scope"] for c in changes} == {events.SCOPE_FOLLOWING}
    cancels = [c for c in recorder.calls if c[0] == "meeting_cancelled"]
    assert [c[1] for c in cancels] == [m.id for m in cancelled]
    assert outbox_count() == len(changes) + len(cancels)
