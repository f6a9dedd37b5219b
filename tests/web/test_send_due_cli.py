"""`flask meetings send-due`: the automatic invitations, the coalesced updates and the reminders
that are due, written to the outbox, one line with the counts; `--loop` until SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.calendars import cli as calendar_cli
from app.extensions import db
from app.models import OutboxMessage, utcnow
from tests.factories import build_meeting_world, create_meeting, create_member


def line(invitations: int, updates: int, reminders: int) -> str:
    """The command's summary line (nothing else due: no meeting to close, no request expired)."""
    return (f"Invitations {invitations}, updates {updates}, reminders {reminders}, "
            "meetings closed 0, requests expired 0.")


def _mails(kind: str) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == kind))


@pytest.fixture
def world(app):
    world = build_meeting_world()  # the meeting: 5 March 2031, 08:30 Copenhagen (07:30 UTC)
    create_member(groups=[world.group], name="Karen Kofoed", language="en")
    return world  # organizer, member and Karen in the group


def test_nothing_due_prints_zero_counts(runner, world):
    result = runner.invoke(args=["meetings", "send-due"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == line(0, 0, 0)


def test_automatic_invitations_go_out_once_within_the_groups_days(runner, world):
    world.group.invite_days_before = 7
    db.session.commit()

    too_early = runner.invoke(args=["meetings", "send-due", "--now", "2031-02-25T07:00:00+00:00"])
    assert too_early.output.strip() == line(0, 0, 0)

    due = runner.invoke(args=["meetings", "send-due", "--now", "2031-02-27T07:00:00+00:00"])
    assert due.exit_code == 0, due.output
    assert due.output.strip() == line(3, 0, 0)
    assert _mails("calendar_invite") == 3

    again = runner.invoke(args=["meetings", "send-due", "--now", "2031-02-27T07:05:00+00:00"])
    assert again.output.strip() == line(0, 0, 0)
    assert _mails("calendar_invite") == 3

    create_member(groups=[world.group], name="Nina Ny", language="en")  # joins later: invited next run
    later = runner.invoke(args=["meetings", "send-due", "--now", "2031-02-28T07:00:00+00:00"])
    assert later.output.strip() == line(1, 0, 0)


def test_a_group_without_the_setting_is_left_to_its_organizers(runner, world):
    result = runner.invoke(args=["meetings", "send-due", "--now", "2031-03-04T07:00:00+00:00"])
    assert result.output.strip() == line(0, 0, 0)
    assert _mails("calendar_invite") == 0


def test_a_moved_meeting_sends_one_coalesced_update(app, runner, world):
    from app.calendars import invites
    from app.meetings import services as meetings

    invites.send_invitations(world.organizer, world.meeting.id)
    meetings.update_meeting(world.organizer, world.meeting.id, {"start_time": "09:00", "end_time": "10:30"})
    meetings.update_meeting(world.organizer, world.meeting.id, {"venue_name": "Nyt sted"})
    db.session.expire_all()
    due_at = world.meeting.calendar_update_due_at
    assert due_at is not None

    just_before = (due_at - timedelta(seconds=1)).isoformat()
    before = runner.invoke(args=["meetings", "send-due", "--now", just_before])
    assert before.output.strip() == line(0, 0, 0)
    after = runner.invoke(args=["meetings", "send-due", "--now", due_at.isoformat()])
    assert after.exit_code == 0, after.output
    assert after.output.strip() == line(0, 3, 0)
    assert _mails("calendar_update") == 3


def test_the_reminder_goes_the_day_before_at_the_groups_time(runner, world):
    from app.rsvp import services as rsvp

    world.group.reminder_time = time(17, 0)
    db.session.commit()
    rsvp.answer(world.member, world.meeting.id, "yes")
    # 4 March 2031, 17:00 in Copenhagen is 16:00 UTC.
    early = runner.invoke(args=["meetings", "send-due", "--now", "2031-03-04T15:59:00+00:00"])
    assert early.output.strip() == line(0, 0, 0)
    due = runner.invoke(args=["meetings", "send-due", "--now", "2031-03-04T16:00:00+00:00"])
    assert due.exit_code == 0, due.output
    assert due.output.strip() == line(0, 0, 1)
    again = runner.invoke(args=["meetings", "send-due", "--now", "2031-03-04T16:05:00+00:00"])
    assert again.output.strip() == line(0, 0, 0)


def test_a_naive_now_is_utc_and_a_bad_one_is_refused(runner, world):
    world.group.invite_days_before = 1
    db.session.commit()
    naive = runner.invoke(args=["meetings", "send-due", "--now", "2031-03-04T07:30:00"])
    assert naive.output.strip() == line(3, 0, 0)
    for bad in ("tomorrow", "2031-13-01", "\x00"):
        result = runner.invoke(args=["meetings", "send-due", "--now", bad])
        assert result.exit_code == 2
        assert "ISO 8601" in result.output
    both = runner.invoke(args=["meetings", "send-due", "--loop", "--now", "2031-03-05T07:00:00"])
    assert both.exit_code == 2 and "--now cannot be combined with --loop" in both.output
    assert runner.invoke(args=["meetings", "send-due", "--loop", "--interval", "0"]).exit_code == 2


def test_a_failure_is_reported_with_exit_code_1(runner, world, monkeypatch):
    def broken(now=None):
        raise RuntimeError("database went away")

    monkeypatch.setattr(calendar_cli, "send_due", broken)
    result = runner.invoke(args=["meetings", "send-due"])
    assert result.exit_code == 1
    assert "Failed: RuntimeError: database went away" in result.output


def _terminate_after(runs: threading.Event) -> threading.Thread:
    def terminate():
        if runs.wait(10):
            os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=terminate)
    thread.start()
    return thread


def test_loop_runs_again_survives_a_failure_and_stops_on_sigterm(runner, world, monkeypatch):
    calls: list[datetime | None] = []
    third = threading.Event()

    def counting(now=None):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("a hiccup")
        if len(calls) >= 3:
            third.set()
        return {"invitations": 0, "updates": 0, "reminders": 0}

    monkeypatch.setattr(calendar_cli, "send_due", counting)
    before = signal.getsignal(signal.SIGTERM)
    killer = _terminate_after(third)
    result = runner.invoke(args=["meetings", "send-due", "--loop", "--interval", "0.1"])
    killer.join()

    assert result.exit_code == 0, result.output
    assert "Failed: RuntimeError: a hiccup" in result.output
    assert result.output.count("Invitations 0, updates 0, reminders 0.") >= 2  # send_due is replaced here
    assert "Stopping after the current run (SIGTERM)." in result.output
    assert result.output.rstrip().endswith("Stopped.")
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back
    assert all(now is None for now in calls)  # each run asks for the time anew


def test_loop_does_the_real_work(runner, world, monkeypatch):
    world.group.invite_days_before = 90
    world.meeting.starts_at = utcnow().replace(microsecond=0) + timedelta(days=3)
    world.meeting.ends_at = world.meeting.starts_at + timedelta(hours=1)
    db.session.commit()
    real = calendar_cli.send_due
    done = threading.Event()

    def and_tell(now=None):
        counts = real(now)
        done.set()
        return counts

    monkeypatch.setattr(calendar_cli, "send_due", and_tell)
    killer = _terminate_after(done)
    result = runner.invoke(args=["meetings", "send-due", "--loop", "--interval", "0.1"])
    killer.join()
    assert result.exit_code == 0, result.output
    assert line(3, 0, 0) in result.output
    assert _mails("calendar_invite") == 3


def test_send_due_module_function_counts_all_three(app, world):
    world.group.invite_days_before = 7
    world.group.reminder_time = time(17, 0)
    db.session.commit()
    other = create_meeting(group=world.group, starts_at=datetime(2031, 3, 20, 7, 30, tzinfo=UTC))
    counts = calendar_cli.send_due(datetime(2031, 3, 4, 16, 0, tzinfo=UTC))
    assert counts["invitations"] == 3  # the meeting on the 5th; not the one on the 20th
    assert counts["updates"] == 0
    assert counts["reminders"] == 0  # nobody said yes (an opt-in group)
    assert other.invitations_sent_at is None
