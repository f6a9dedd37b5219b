"""The reminder the day before (app.calendars.reminders): when it is due (summer time included),
exactly once (two runs at the same moment), to whom (going members, the expected, guests and
substitutes; never the waitlisted or declined), what it says (who else is coming, respecting
share_attendance; the reader's language) and the raw message as a real SMTP server receives it.

Times are passed in (`now=`), so nothing waits for the clock. Texts are compared with the catalog
(`translated`), so the Danish checks hold before and after the catalog has the new strings; the
strings that were translated already are also pinned literally.
"""

from __future__ import annotations

import fcntl
import re
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, text

from app.calendars import reminders
from app.calendars.reminders import reminder_due_at, send_due_reminders
from app.extensions import db
from app.mail.outbox import send_pending
from app.models import Meeting, MeetingGuest, Member, OutboxMessage
from app.rsvp import links
from app.rsvp import services as svc
from tests import factories
from tests.waiting import wait_for

# Monday 28 October 2030, the day after the clocks went back (CEST -> CET on Sunday the 27th):
# 08:30 in Copenhagen is 07:30 UTC, and the reminder at 18:00 on Sunday is 17:00 UTC (it would
# be 16:00 UTC with the summer offset of the day before).
MONDAY_AFTER_OCTOBER_CHANGE = datetime(2030, 10, 28, 7, 30, tzinfo=UTC)
DUE = datetime(2030, 10, 27, 17, 0, tzinfo=UTC)
URL_RE = re.compile(r"https?://[^\s\"'<>]+")


def translated(msgid: str, language: str = "da", **values) -> str:
    with force_locale(language):
        return _(msgid, **values)


def reminder_mails() -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "meeting_reminder")
        .order_by(OutboxMessage.id)).all())


def recipients() -> set[str]:
    return {m.recipients for m in reminder_mails()}


def body_of(message: OutboxMessage) -> str:
    import email
    from email import policy

    parsed = email.message_from_bytes(message.raw.encode("utf-8"), policy=policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def group(app):
    return factories.create_group(name="Kaffeklub Herning", reminder_time=time(18, 0))


def meeting_in(group, starts_at=MONDAY_AFTER_OCTOBER_CHANGE, **kwargs) -> Meeting:
    kwargs.setdefault("title", "Morgenmøde hos Bech")
    kwargs.setdefault("doors_open_at", starts_at - timedelta(minutes=30))
    return factories.create_meeting(group=group, starts_at=starts_at, **kwargs)


def going(group, meeting, *names, **kwargs) -> list[Member]:
    people = []
    for name in names:
        member = factories.create_member(groups=[group], name=name, **kwargs)
        svc.answer(member, meeting.id, "yes")
        people.append(member)
    return people


# --- when ----------------------------------------------------------------------------------------


def test_due_the_day_before_at_the_local_time_on_both_sides_of_summer_time():
    copenhagen = "Europe/Copenhagen"
    # The day before is the October change day itself: 18:00 is CET (UTC+1) by then.
    assert reminder_due_at(MONDAY_AFTER_OCTOBER_CHANGE, copenhagen, time(18, 0)) == DUE
    # A summer meeting: 18:00 CEST is 16:00 UTC.
    assert reminder_due_at(datetime(2030, 6, 4, 6, 30, tzinfo=UTC), copenhagen, time(18, 0)) == \
        datetime(2030, 6, 3, 16, 0, tzinfo=UTC)
    # Monday 31 March 2031, after the spring change (Sunday the 30th): 18:00 CEST = 16:00 UTC.
    assert reminder_due_at(datetime(2031, 3, 31, 6, 30, tzinfo=UTC), copenhagen, time(18, 0)) == \
        datetime(2031, 3, 30, 16, 0, tzinfo=UTC)
    # 02:30 does not exist on 30 March 2031: read in the offset before the change (01:30 UTC,
    # i.e. 03:30 CEST on the wall clock).
    assert reminder_due_at(datetime(2031, 3, 31, 6, 30, tzinfo=UTC), copenhagen, time(2, 30)) == \
        datetime(2031, 3, 30, 1, 30, tzinfo=UTC)
    # The meeting's local date decides: 00:30 local on 1 July is still 30 June in UTC.
    assert reminder_due_at(datetime(2030, 6, 30, 22, 30, tzinfo=UTC), copenhagen, time(9, 0)) == \
        datetime(2030, 6, 30, 7, 0, tzinfo=UTC)


def test_not_before_it_is_due_and_then_once(app, group):
    meeting = meeting_in(group)
    going(group, meeting, "Anna Andersen", "Bo Bech")
    assert send_due_reminders(now=DUE - timedelta(hours=1)) == 0  # 18:00 CEST would be wrong
    assert send_due_reminders(now=DUE - timedelta(seconds=1)) == 0
    assert reminder_mails() == []
    assert send_due_reminders(now=DUE) == 2
    assert send_due_reminders(now=DUE + timedelta(minutes=5)) == 0
    assert send_due_reminders(now=DUE + timedelta(hours=12)) == 0
    assert len(reminder_mails()) == 2
    assert db.session.get(Meeting, meeting.id).reminder_sent_at == DUE


def test_late_reminder_goes_at_the_next_run_but_not_within_two_hours_of_the_start(app, group):
    late = meeting_in(group)
    going(group, late, "Anna Andersen")
    soon = meeting_in(group, starts_at=MONDAY_AFTER_OCTOBER_CHANGE + timedelta(hours=3), title="Senere")
    going(group, soon, "Bo Bech")
    # The cron job was down all night; it runs at 07:00 local (06:00 UTC): the 08:30 meeting starts
    # within two hours and gets none, the 11:30 meeting gets its reminder now.
    assert send_due_reminders(now=datetime(2030, 10, 28, 6, 0, tzinfo=UTC)) == 1
    [mail] = reminder_mails()
    assert "Senere" in mail.subject
    assert send_due_reminders(now=datetime(2030, 10, 28, 7, 15, tzinfo=UTC)) == 0
    assert db.session.get(Meeting, late.id).reminder_sent_at is None


def test_no_reminder_time_cancelled_or_started_meetings_get_none(app, group):
    quiet = factories.create_group(name="Stille gruppe")  # no reminder_time
    quiet_meeting = meeting_in(quiet)
    going(quiet, quiet_meeting, "Carl Carlsen")
    cancelled = meeting_in(group)
    going(group, cancelled, "Dorte Dahl")
    organizer = factories.create_organizer(group, name="Olga Organizer")
    from app.meetings import services as meeting_services

    meeting_services.cancel_meeting(organizer, cancelled.id, reason="Syg vært")
    assert db.session.get(Meeting, cancelled.id).is_cancelled
    assert send_due_reminders(now=DUE) == 0
    assert send_due_reminders(now=MONDAY_AFTER_OCTOBER_CHANGE + timedelta(minutes=10)) == 0
    assert reminder_mails() == []


def test_a_meeting_moved_to_a_later_day_after_its_reminder_is_reminded_again(app, group):
    meeting = meeting_in(group)
    going(group, meeting, "Anna Andersen")
    assert send_due_reminders(now=DUE) == 1
    row = db.session.get(Meeting, meeting.id)
    row.starts_at += timedelta(days=7)
    row.ends_at += timedelta(days=7)
    row.doors_open_at += timedelta(days=7)
    db.session.commit()
    assert send_due_reminders(now=DUE + timedelta(hours=1)) == 0
    assert send_due_reminders(now=DUE + timedelta(days=7)) == 1
    # The reminder time changed the same evening: the date has had its reminder.
    group.reminder_time = time(20, 0)
    db.session.commit()
    assert send_due_reminders(now=DUE + timedelta(days=7, hours=2)) == 0
    assert len(reminder_mails()) == 2


# --- to whom -------------------------------------------------------------------------------------


def test_only_the_going_get_it_guests_and_substitutes_too(app):
    group = factories.create_group(name="Kaffeklub Vest", reminder_time=time(18, 0), guest_limit=1)
    meeting = meeting_in(group, capacity=4, online_url="https://meet.example/kaffe")
    anna, bo = going(group, meeting, "Anna Andersen", "Bo Bech")
    svc.answer(anna, meeting.id, "yes", guests=[{"name": "Gitte Gæst", "email": "gitte@example.test"}])
    carl = factories.create_member(groups=[group], name="Carl Carlsen")
    svc.answer(carl, meeting.id, "yes")  # the fourth seat
    svc.send_substitute(carl, meeting.id, {"name": "Sara Stedfortræder", "email": "sara@example.test"})
    waiting = going(group, meeting, "Vera Venteliste")[0]  # full: on the waitlist
    declined = factories.create_member(groups=[group], name="Dan Afbud")
    svc.answer(declined, meeting.id, "no")
    factories.create_member(groups=[group], name="Nina Nosvar")  # never answered (opt-in group)
    statuses = {g.email: g.status for g in db.session.scalars(select(MeetingGuest)).all()}
    assert statuses == {"gitte@example.test": "going", "sara@example.test": "going"}

    assert send_due_reminders(now=DUE) == 4
    assert recipients() == {anna.email, bo.email, "gitte@example.test", "sara@example.test"}
    assert waiting.email not in recipients() and declined.email not in recipients()
    by_to = {m.recipients: m for m in reminder_mails()}
    # Members get their own one-click afbud link, guests their cancel link; nobody gets another's.
    for member in (anna, bo):
        text = body_of(by_to[member.email])
        assert links.answer_url(meeting.id, member.id, "no") in text
        assert "/guest/" not in text
        assert "https://meet.example/kaffe" in text
    for guest in db.session.scalars(select(MeetingGuest)).all():
        text = body_of(by_to[guest.email])
        assert links.guest_url(guest.id) in text
        assert "meet.example" not in by_to[guest.email].raw  # the online link is for members
        assert links.answer_url(meeting.id, anna.id, "no") not in text
        assert text.startswith(translated("Hi %(name)s,", name=guest.name.split()[0]).rstrip(","))


def test_expected_mode_reminds_everyone_who_did_not_send_afbud(app):
    group = factories.create_group(name="Kaffeklub Nord", reminder_time=time(18, 0), rsvp_mode="expected")
    meeting = meeting_in(group)
    expected = [factories.create_member(groups=[group], name=n) for n in ("Ea Eriksen", "Frej Falk")]
    afbud = factories.create_member(groups=[group], name="Dan Afbud")
    svc.answer(afbud, meeting.id, "no", message="Syg")
    yes = factories.create_member(groups=[group], name="Yrsa Ja")
    svc.answer(yes, meeting.id, "yes")
    inactive = factories.create_member(groups=[group], name="Ib Inaktiv", active=False)
    assert send_due_reminders(now=DUE) == 3
    assert recipients() == {expected[0].email, expected[1].email, yes.email}
    assert afbud.email not in recipients() and inactive.email not in recipients()


# --- what it says --------------------------------------------------------------------------------


def test_who_else_is_coming_names_only_those_who_share_and_counts_the_rest(app, english, group):
    meeting = meeting_in(group)
    anna, bo = going(group, meeting, "Anna Andersen", "Bo Bech")
    hidden = going(group, meeting, "Hanne Hemmelig", "Henrik Hemmelig", share_attendance=False)
    svc.answer(bo, meeting.id, "yes", guests=[{"name": "Gitte Gæst", "email": "gitte@example.test"}])
    assert send_due_reminders(now=DUE) == 5
    by_to = {m.recipients: " ".join(body_of(m).split()) for m in reminder_mails()}
    # Anna (shares): sees Bo, not herself, the two hidden counted, the guest counted.
    assert "Also coming: Bo Bech, 2 others, and 1 guest." in by_to[anna.email]
    # Hanne (does not share): sees Anna and Bo; of the hidden only Henrik is "other".
    assert "Also coming: Anna Andersen, Bo Bech, 1 other, and 1 guest." in by_to[hidden[0].email]
    # The guest is not a member: who comes is never public (app.visibility, "meetings"), so counts
    # only, no other guest; no hidden name anywhere.
    assert "Also coming: 4 members." in by_to["gitte@example.test"]
    assert "Anna Andersen" not in by_to["gitte@example.test"].split(" ", 2)[2]
    for body in by_to.values():
        after_greeting = body.split(" ", 2)[2]  # (Hanne's own greeting is her first name)
        assert "Hemmelig" not in after_greeting
        assert "Gitte" not in after_greeting  # guests are counted, never named


def test_alone_so_far(app, english, group):
    meeting = meeting_in(group)
    going(group, meeting, "Anna Andersen")
    send_due_reminders(now=DUE)
    [mail] = reminder_mails()
    assert "Nobody else has signed up yet." in body_of(mail)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_mail_in_the_readers_language(app, group, language):
    meeting = meeting_in(group, agenda="Velkomst\n\n- Præsentationsrunde", online_url="https://meet.example/kaffe",
                         venue_name="Bech Biler", venue_address="Bredgade 1, 7400 Herning")
    [anna] = going(group, meeting, "Anna Andersen", language=language)
    going(group, meeting, "Bo Bech", language="da" if language == "en" else "en")
    send_due_reminders(now=DUE)
    mail = next(m for m in reminder_mails() if m.recipients == anna.email)
    text = body_of(mail)
    day, clock = ("mandag", "08.30") if language == "da" else ("Monday", "8:30\u202fAM")
    # (a subject is one line of plain spaces: the narrow no-break space of "8:30 AM" is one too)
    assert mail.subject == " ".join(translated("Reminder: %(title)s on %(day)s at %(time)s", language,
                                               title="Morgenmøde hos Bech", day=day, time=clock).split())
    assert text.startswith("Hej Anna" if language == "da" else "Hi Anna,")
    if language == "da":  # the strings the catalog has had since the sign-up mails
        assert "Hvornår: mandag den 28. oktober 2030, 08.30–10.00" in text
        assert "Hvor: Bech Biler, Bredgade 1, 7400 Herning" in text
        assert "Mødets side: " in text
    else:
        assert "When: Monday, October 28, 2030, 8:30\u202fAM–10:00\u202fAM" in text
    coffee = "08.00" if language == "da" else "8:00\u202fAM"
    assert translated("Coffee from %(time)s.", language, time=coffee) in text
    assert "https://www.openstreetmap.org/search?query=Bredgade+1%2C+7400+Herning" in text
    assert "https://meet.example/kaffe" in text
    assert "- Præsentationsrunde" in text
    also = translated("Also coming: %(people)s.", language, people="Bo Bech")
    assert " ".join(also.split()) in " ".join(text.split())
    assert translated("If you cannot come after all, please send afbud:", language) in text
    html = mail.raw[mail.raw.index("Content-Type: text/html"):]
    assert translated("Send afbud", language) in html
    assert "<li>Præsentationsrunde</li>" in html or "Præsentationsrunde" in html


# --- exactly once, two runs at the same moment -----------------------------------------------------


def test_two_runs_at_once_send_each_reminder_once(app, group, tmp_path):
    """Both runs see the meeting due; the first claims it and is held (ROW_LOCK_TEST_HOLD) while
    holding the claim, until the second is waiting for it too. Then the first commits its mails and
    the second finds the meeting claimed."""
    meeting = meeting_in(group)
    people = going(group, meeting, "Anna Andersen", "Bo Bech", "Carl Carlsen")
    postgres = db.engine.dialect.name == "postgresql"
    hold_key = 424242 if postgres else str(tmp_path / "hold")
    arrived = tmp_path / "arrived"
    app.config.update(ROW_LOCK_TEST_HOLD=hold_key, ROW_LOCK_TEST_ARRIVED_FILE=str(arrived))
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=60)
                results.append(send_due_reminders(now=DUE))
        except BaseException as exc:  # reported below
            errors.append(exc)

    holder = db.engine.connect() if postgres else open(hold_key, "w")  # noqa: SIM115
    try:
        if postgres:
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": hold_key})
            holder.commit()
        else:
            fcntl.flock(holder, fcntl.LOCK_EX)
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        if postgres:
            # One run holds the claim and waits for the test; the other waits for the claim's row.
            def both_waiting() -> bool:
                waits = holder.execute(text(
                    "SELECT wait_event FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()")).scalars().all()
                holder.commit()
                return "advisory" in waits and len(waits) == 2
            wait_for(both_waiting, "one run holding the claim and the other waiting for it")
        else:
            # Both asked for the write lock; the first holds it (and the claim) and waits for the test.
            wait_for(lambda: arrived.exists() and len(arrived.read_text().split()) == 2,
                     "both runs asking for the write lock")
    finally:
        if postgres:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": hold_key})
            holder.commit()
            holder.close()
        else:
            fcntl.flock(holder, fcntl.LOCK_UN)
            holder.close()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [0, 3]
    mails = reminder_mails()
    assert sorted(m.recipients for m in mails) == sorted(p.email for p in people)


# --- the raw message at a real SMTP server --------------------------------------------------------


def test_raw_reminder_through_smtp(app, english, group, smtp_server):
    meeting = meeting_in(group, online_url="https://meet.example/kaffe")
    [anna] = going(group, meeting, "Anna Andersen Møller")
    going(group, meeting, "Søren Sørensen")
    db.session.query(OutboxMessage).delete()  # not the sign-up mails: only what the reminder sends
    db.session.commit()
    assert send_due_reminders(now=DUE) == 2
    assert send_pending().sent == 2
    [received] = smtp_server.sink.to(anna.email)
    assert received.rcpt_tos == [anna.email]
    message = received.message
    assert message.get_content_type() == "multipart/mixed"
    [alternative] = message.get_payload()
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html"]
    assert str(message["To"]) == f"Anna Andersen Møller <{anna.email}>"
    assert received.subject == "Reminder: Morgenmøde hos Bech on Monday at 8:30 AM"
    assert message["Message-ID"]
    text_part, html_part = received.text(), received.html()
    assert text_part.startswith("Hi Anna,")
    assert "Anna Andersen" not in text_part and "Anna Andersen" not in html_part
    assert "Also coming: Søren Sørensen." in text_part
    assert "Søren Sørensen" in html_part
    afbud = links.answer_url(meeting.id, anna.id, "no")
    assert afbud in URL_RE.findall(text_part)
    assert f'href="{afbud}"' in html_part
    assert "https://meet.example/kaffe" in html_part
    assert max(len(line) for line in received.raw.split(b"\r\n")) <= 998
    # The mails went out once: a second run writes nothing, the worker has nothing left.
    assert send_due_reminders(now=DUE + timedelta(hours=1)) == 0
    assert send_pending().sent == 0


def test_many_going_are_written_in_one_batch_per_language(app, group, monkeypatch):
    """The template is rendered once per language, not once per person (the batch's fast path)."""
    from app.mail import batch

    meeting = meeting_in(group)
    people = [factories.create_member(groups=[group], name=f"Medlem {n:02d} Hansen",
                                      language=("da", "en")[n % 2]) for n in range(12)]
    for member in people:
        svc.answer(member, meeting.id, "yes")
    skeletons = []
    real = batch._skeleton
    monkeypatch.setattr(batch, "_skeleton", lambda *a, **k: skeletons.append(real(*a, **k)) or skeletons[-1])
    assert send_due_reminders(now=DUE) == 12
    assert len(skeletons) == 2 and all(s is not None for s in skeletons)
    texts = {m.recipients: body_of(m) for m in reminder_mails()}
    for member in people:  # each copy is the person's own: their link, everyone but themselves
        assert links.answer_url(meeting.id, member.id, "no") in texts[member.email]
        assert member.name not in " ".join(texts[member.email].split())
    assert reminders.MAX_NAMES >= 11


def test_a_meeting_that_fails_is_left_for_the_next_run_and_the_others_go(app, group, monkeypatch):
    broken = meeting_in(group, title="Går galt")
    going(group, broken, "Anna Andersen")
    fine = meeting_in(group, starts_at=MONDAY_AFTER_OCTOBER_CHANGE + timedelta(hours=1), title="Går fint")
    going(group, fine, "Bo Bech")
    real = reminders.write_reminders

    def fail_for_broken(meeting):
        if meeting.id == broken.id:
            raise RuntimeError("template trouble")
        return real(meeting)

    monkeypatch.setattr(reminders, "write_reminders", fail_for_broken)
    assert send_due_reminders(now=DUE) == 1
    assert db.session.get(Meeting, broken.id).reminder_sent_at is None  # rolled back with its mails
    monkeypatch.setattr(reminders, "write_reminders", real)
    assert send_due_reminders(now=DUE + timedelta(minutes=5)) == 1
    subjects = [m.subject for m in reminder_mails()]
    assert len(subjects) == 2 and "Går fint" in subjects[0] and "Går galt" in subjects[1]
