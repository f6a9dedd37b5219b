"""`flask mail ingest`, `flask mail receive` (SMTP and LMTP, aiosmtpd) and `flask mail fetch`
against a real IMAP server (Dovecot, started from a minimal config for the test)."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.inbound import cli as inbound_cli
from app.models import Rsvp
from app.models.calendar import InboundMail
from tests.smtp import free_port
from tests.waiting import wait_for
from tests.web.inbound_helpers import invite_two_members

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)


@pytest.fixture
def setup(app, english):
    return invite_two_members(app)


def stored() -> list[InboundMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(InboundMail).order_by(InboundMail.id)).all())


def going(setup) -> str | None:
    db.session.expire_all()
    rsvp = db.session.scalar(select(Rsvp).where(Rsvp.member_id == setup.member.id))
    return rsvp.status if rsvp else None


# --- ingest ---------------------------------------------------------------------------------------


def test_ingest_from_a_file(setup, runner, tmp_path):
    path = tmp_path / "reply.eml"
    path.write_bytes(setup.reply())
    result = runner.invoke(args=["mail", "ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "applied" in result.output
    assert going(setup) == "going"
    assert stored()[0].source == "ingest"


def test_ingest_from_stdin_and_a_rejected_reply_still_exits_0(setup, runner):
    result = runner.invoke(args=["mail", "ingest", "-"], input=setup.reply(to="svar@kaffeklub.test"))
    assert result.exit_code == 0, result.output  # an MTA pipe must not bounce it
    assert "rejected" in result.output
    result = runner.invoke(args=["mail", "ingest"], input=b"\x00\xff garbage")
    assert result.exit_code == 0
    assert going(setup) is None
    assert len(stored()) == 2


def test_ingest_takes_the_envelope_recipient(setup, runner, monkeypatch):
    """The MTA's recipient (--recipient, or $ORIGINAL_RECIPIENT from Postfix) carries the token
    when the headers do not."""
    from app.calendars.reply_address import reply_address

    raw = setup.reply(to="svar@kaffeklub.test")
    monkeypatch.setenv("ORIGINAL_RECIPIENT", reply_address(setup.invite.id))
    result = runner.invoke(args=["mail", "ingest", "-"], input=raw)
    assert "applied" in result.output, result.output
    assert going(setup) == "going"


def test_ingest_of_an_unreadable_file_fails(app, runner, tmp_path):
    result = runner.invoke(args=["mail", "ingest", str(tmp_path / "missing.eml")])
    assert result.exit_code != 0
    assert "cannot read" in result.output
    result = runner.invoke(args=["mail", "ingest", str(tmp_path)])  # a directory
    assert result.exit_code != 0
    assert stored() == []


def test_ingest_exits_75_when_the_message_cannot_be_stored(app, runner, monkeypatch):
    def broken(raw, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(inbound_cli, "_ingest", broken)
    result = runner.invoke(args=["mail", "ingest", "-"], input=b"Subject: x\r\n\r\nx")
    assert result.exit_code == inbound_cli.EX_TEMPFAIL


# --- receive (SMTP / LMTP) ---------------------------------------------------------------------------


class Receiver:
    def __init__(self, app, *, lmtp=False):
        self.port = free_port()
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=inbound_cli.run_receiver, args=(app, "127.0.0.1", self.port),
            kwargs={"lmtp": lmtp, "stop": self.stop}, daemon=True)

    def __enter__(self):
        self.thread.start()
        wait_for(lambda: _port_open(self.port), "the receiver to listen")
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_receive_by_smtp_applies_with_the_envelope_recipient(setup, app):
    from app.calendars.reply_address import reply_address

    raw = setup.reply(to="svar@kaffeklub.test")  # the token is only in the envelope
    with Receiver(app) as receiver, smtplib.SMTP("127.0.0.1", receiver.port, timeout=30) as smtp:
        refused = smtp.sendmail("mads@example.test", [reply_address(setup.invite.id)], raw)
        assert refused == {}
        code, _ = smtp.noop()
        assert code == 250
    mails = stored()
    assert [(m.source, m.outcome) for m in mails] == [("receive", "applied")]
    assert going(setup) == "going"


def test_receive_refuses_an_oversize_message_with_552(setup, app):
    app.config["INBOUND_MAX_BYTES"] = 5000
    with Receiver(app) as receiver, smtplib.SMTP("127.0.0.1", receiver.port, timeout=30) as smtp:
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as refused:
            smtp.sendmail("x@example.test", ["svar@kaffeklub.test"], setup.reply() + b"x" * 10_000)
        assert refused.value.smtp_code == 552
    assert stored() == []


def test_receive_by_lmtp_answers_per_recipient(setup, app):
    from app.calendars.reply_address import reply_address

    with Receiver(app, lmtp=True) as receiver:
        lmtp = smtplib.LMTP("127.0.0.1", receiver.port, timeout=30)
        try:
            refused = lmtp.sendmail("mads@example.test",
                                    [reply_address(setup.invite.id), "postmaster@kaffeklub.test"],
                                    setup.reply())
            assert refused == {}
        finally:
            lmtp.quit()
    assert [m.outcome for m in stored()] == ["applied"]


def test_flask_mail_receive_runs_until_sigterm(app, tmp_path):
    """The real command in its own process: it stores what it receives and stops on SIGTERM."""
    port = free_port()
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    env = {**os.environ, "KAFFEKLUB_ENV": "development", "SECRET_KEY": str(app.secret_key),
           "DATABASE_URL": url, "FLASK_APP": "wsgi.py"}
    process = subprocess.Popen([str(BIN / "flask"), "mail", "receive", "--port", str(port)], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _port_open(port) or process.poll() is not None, "the receiver to listen")
        assert process.poll() is None, process.stdout.read().decode()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.sendmail("x@example.test", ["svar@kaffeklub.test"],
                          b"Subject: hello\r\n\r\nnot a reply\r\n")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = process.stdout.read().decode()
    assert "stopped" in output
    assert [(m.source, m.subject) for m in stored()] == [("receive", "hello")]


# --- fetch (IMAP, Dovecot) ---------------------------------------------------------------------------


class Dovecot:
    """A Dovecot IMAP server on 127.0.0.1 with one user and a maildir in a temporary directory.

    As root (CI), the login and internal processes run as Debian's dovenull/dovecot users and the
    mail as `nobody` (Dovecot refuses uid 0 for mail), so the directory lives under /tmp with
    permissions they can use; as another user, everything runs as that user."""

    user, password = "replies", "secret-pw"

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="kk-dovecot-"))
        self.dir.chmod(0o755)
        (self.dir / "mail").mkdir()
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("nobody")
            internal, login = "dovecot", "dovenull"
            os.chown(self.dir / "mail", mail_user.pw_uid, mail_user.pw_gid)
            userdb = f"uid={mail_user.pw_uid} gid={mail_user.pw_gid}"
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            internal = login = me
            userdb = f"uid={os.geteuid()} gid={os.getegid()}"
        (self.dir / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        self.config = self.dir / "dovecot.conf"
        self.config.write_text(f"""
base_dir = {self.dir}/run
state_dir = {self.dir}/state
instance_name = kk-test-{self.port}
log_path = {self.dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:{self.dir}/mail/%u
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.dir}/passwd
}}
userdb {{
  driver = static
  args = {userdb} home={self.dir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
""")

    def start(self):
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.config)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        wait_for(lambda: _port_open(self.port) or self.process.poll() is not None, "Dovecot to listen")
        if self.process.poll() is not None:
            raise AssertionError("Dovecot did not start: " + self.process.stdout.read().decode()
                                 + (self.dir / "dovecot.log").read_text(errors="replace"))
        return self

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        connection.login(self.user, self.password)
        connection.select("INBOX")
        return connection

    def append(self, *messages: bytes) -> None:
        connection = self.connect()
        try:
            for raw in messages:
                status, _ = connection.append("INBOX", None, None, raw)
                assert status == "OK"
        finally:
            connection.logout()

    def flags(self) -> dict[int, str]:
        connection = self.connect()
        try:
            _, data = connection.uid("FETCH", "1:*", "(FLAGS)")
        finally:
            connection.logout()
        out = {}
        for line in data:
            if isinstance(line, bytes) and b"UID" in line:
                text = line.decode()
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                out[uid] = text
        return out


@pytest.fixture(scope="module")
def dovecot():
    if DOVECOT is None:
        pytest.skip("Dovecot is not installed (.ci/run installs dovecot-imapd)")
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot, app):
    """The Dovecot mailbox, emptied, and the app's IMAP settings pointing at it."""
    connection = dovecot.connect()
    try:
        connection.uid("STORE", "1:*", "+FLAGS", "(\\Deleted)")
        connection.expunge()
    finally:
        connection.logout()
    app.config.update(IMAP_HOST="127.0.0.1", IMAP_PORT=dovecot.port, IMAP_SSL=False,
                      IMAP_USERNAME=dovecot.user, IMAP_PASSWORD=dovecot.password, IMAP_MAILBOX="INBOX")
    return dovecot


def test_fetch_ingests_unseen_messages_and_flags_them_seen(setup, runner, mailbox):
    mailbox.append(setup.reply(), b"Subject: spam\r\n\r\nbuy now\r\n", b"\x00\xff garbage")
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    assert "Fetched" in result.output
    mails = stored()
    assert [m.source for m in mails] == ["fetch"] * 3
    assert mails[0].outcome == "applied"
    assert going(setup) == "going"
    assert all("\\Seen" in flags for flags in mailbox.flags().values())
    again = runner.invoke(args=["mail", "fetch"])
    assert again.exit_code == 0
    assert "No new messages" in again.output
    assert len(stored()) == 3


def test_fetch_goes_on_after_a_message_that_fails(setup, runner, mailbox, monkeypatch):
    real = inbound_cli._ingest

    def flaky(raw, **kwargs):
        if b"BOOM" in raw:
            raise RuntimeError("boom")
        return real(raw, **kwargs)

    monkeypatch.setattr(inbound_cli, "_ingest", flaky)
    mailbox.append(b"Subject: BOOM\r\n\r\nx\r\n", setup.reply())
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    assert "failed" in result.output
    flags = mailbox.flags()
    assert "\\Seen" not in flags[min(flags)]  # left for the next run
    assert "\\Seen" in flags[max(flags)]
    assert [m.outcome for m in stored()] == ["applied"]


def test_fetch_reads_only_the_start_of_an_oversize_message(setup, runner, mailbox, app):
    app.config.update(INBOUND_MAX_BYTES=5000, INBOUND_KEEP_BYTES=1000)
    big = setup.reply() + b"x" * 20_000
    mailbox.append(big)
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    (mail,) = stored()
    assert (mail.outcome, mail.truncated, len(mail.raw)) == ("rejected", True, 1000)
    assert mail.size >= len(big)
    assert going(setup) is None


def test_fetch_with_a_wrong_password_fails_clearly(app, runner, mailbox):
    app.config["IMAP_PASSWORD"] = "wrong"
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code != 0
    assert "cannot log in" in result.output


def test_fetch_without_settings_fails_clearly(app, runner):
    app.config["IMAP_HOST"] = ""
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code != 0
    assert "IMAP_HOST" in result.output
