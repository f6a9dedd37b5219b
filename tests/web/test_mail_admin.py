"""/admin/mail: the mail queue for admins -- counts, retrying and failed mail, retry buttons."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.mail import outbox
from app.mail.services import enqueue_mail
from app.models import NetworkSettings, OutboxMessage, utcnow
from tests.factories import create_admin, create_group, create_member, create_organizer


def enqueue(address: str, **fields) -> OutboxMessage:
    message = enqueue_mail(address, "notice", body="Queue page test.")
    for name, value in fields.items():
        setattr(message, name, value)
    db.session.commit()
    return message


def failed(address: str, error: str = "550 5.1.1 No such user (x@example.test)") -> OutboxMessage:
    return enqueue(address, status="failed", attempts=1, last_error=error)


@pytest.mark.parametrize("role", ["anonymous", "member", "organizer"])
def test_only_admins_see_the_queue_or_retry(client, login, role):
    group = create_group()
    message = failed("secret-recipient@example.test")
    if role == "member":
        login(create_member(groups=[group]))
    elif role == "organizer":
        login(create_organizer(group))

    responses = [client.get("/admin/mail"), client.post(f"/admin/mail/{message.id}/retry"),
                 client.post("/admin/mail/retry-failed")]

    for response in responses:
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == 403
        assert "secret-recipient" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert message.status == "failed"


def test_the_page_shows_counts_waiting_and_failed_mail_in_the_network_zone(client, login, english):
    settings = NetworkSettings.get()
    settings.default_timezone = "America/New_York"
    db.session.commit()
    login(create_admin(language="en"))
    written = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    enqueue("fresh@example.test")
    enqueue("sent@example.test", status="sent", created_at=written)
    enqueue("retrying@example.test", attempts=3, last_error="ConnectionRefusedError: [Errno 111]",
            created_at=written, failing_since=written,
            next_attempt_at=utcnow() + timedelta(minutes=30))
    failed("gone@example.test", error="550 5.1.1 <gone@example.test>: No such user")

    response = client.get("/admin/mail")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', page))
    assert counts == {"pending": "2", "due": "1", "sent": "1", "failed": "1"}
    assert "retrying@example.test" in page and "ConnectionRefusedError: [Errno 111]" in page
    assert "gone@example.test" in page and "No such user" in page
    assert "&lt;gone@example.test&gt;" in page  # the server's text is escaped, not markup
    # 12:00 UTC is 7:00 AM in New York: shown in the network's zone, in the reader's locale.
    assert "Failing since 11/30/26, 7:00\u202fAM" in page
    assert "Retry all failed" in page
    assert "Check that the mail worker is running" not in page


def test_danish_reader_sees_danish_times(client, login):
    login(create_admin(language="da"))
    written = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    enqueue("retrying@example.test", attempts=1, last_error="451 later", failing_since=written,
            next_attempt_at=utcnow() + timedelta(minutes=5))

    page = client.get("/admin/mail").get_data(as_text=True)

    assert "30.11.2026 13.00" in page  # Copenhagen, Danish format


def test_a_long_due_queue_warns_that_the_worker_may_be_down(client, login, english):
    login(create_admin(language="en"))
    enqueue("stuck@example.test", next_attempt_at=utcnow() - timedelta(hours=1))

    page = client.get("/admin/mail").get_data(as_text=True)

    assert "Check that the mail worker is running" in page


def test_retry_puts_one_failed_message_back_and_it_is_sent_once(client, login, smtp_server, english):
    login(create_admin(language="en"))
    message, other = failed("back@example.test"), failed("still@example.test")

    response = client.post(f"/admin/mail/{message.id}/retry", follow_redirects=True)

    assert response.status_code == 200
    assert "queued again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (message.status, message.attempts, message.failing_since) == ("pending", 0, None)
    assert other.status == "failed"
    assert outbox.send_all_due().sent == 1
    assert [m.message_id for m in smtp_server.sink.messages] == [message.message_id]

    again = client.post(f"/admin/mail/{message.id}/retry", follow_redirects=True)
    assert again.status_code == 200 and "no longer failed" in again.get_data(as_text=True)


def test_retry_all_failed(client, login, english):
    login(create_admin(language="en"))
    messages = [failed(f"f{i}@example.test") for i in range(3)]

    page = client.post("/admin/mail/retry-failed", follow_redirects=True).get_data(as_text=True)

    assert "3 failed messages are queued again." in page
    db.session.expire_all()
    assert [m.status for m in messages] == ["pending"] * 3


@pytest.mark.parametrize("message_id", ["0", "999999", "3000000000", "99999999999999999999"])
def test_retrying_a_message_that_does_not_exist_is_a_404(client, login, message_id):
    login(create_admin())
    assert client.post(f"/admin/mail/{message_id}/retry").status_code == 404


def test_the_admin_menu_links_to_the_queue_for_admins_only(client, login):
    member = create_member()
    login(member)
    assert "/admin/mail" not in client.get("/").get_data(as_text=True)
    login(create_admin())
    assert 'href="/admin/mail"' in client.get("/").get_data(as_text=True)


def test_retry_buttons_need_a_csrf_token(app, client, login):
    app.config["WTF_CSRF_ENABLED"] = True
    login(create_admin())
    message = failed("csrf@example.test")

    assert client.post(f"/admin/mail/{message.id}/retry").status_code == 400
    assert client.post("/admin/mail/retry-failed").status_code == 400
    db.session.expire_all()
    assert message.status == "failed"
