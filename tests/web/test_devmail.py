"""The development mail page at /dev/mail: list, one message, its HTML part, "send pending now"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app import create_app
from app.extensions import db
from app.mail.services import enqueue_mail
from app.models import OutboxMessage
from tests.factories import create_admin, create_group, create_member, create_organizer

# Assertions below read English page text; the Danish default is tested in test_locale_pages.py.
pytestmark = pytest.mark.usefixtures("english")

LINK = "https://kaffeklub.example/login/abc123?next=%2F&x=1"


def enqueue(to, body: str = f"Your login link: {LINK}.") -> OutboxMessage:
    message = enqueue_mail(to, "notice", body=body)
    db.session.commit()
    return message


def test_list_shows_messages_newest_first_with_copenhagen_time(client):
    older = enqueue("first@example.test")
    older.created_at = datetime(2025, 1, 15, 8, 30, tzinfo=UTC)
    newer = enqueue(create_member(email="second@example.test", language="en"))
    newer.subject = "Newest subject"
    db.session.commit()

    response = client.get("/dev/mail")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Development only." in page
    assert page.index("second@example.test") < page.index("first@example.test")
    assert "Newest subject" in page
    # 08:30 UTC is 09:30 in Copenhagen in winter (this module browses in English: 9:30 AM). Read
    # the older message's own line: the newer one shows the time the test runs.
    older_line = page[page.index("first@example.test"):].split("</div>", 2)[1]
    assert "9:30" in older_line and "8:30" not in older_line
    assert f'href="/dev/mail/{newer.id}"' in page
    assert "pending" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_show_displays_headers_and_text_with_clickable_links(client):
    member = create_member(name="Søren Kierkegaard", email="soren@example.test", language="en")
    message = enqueue(member, body=f"Click {LINK}.\n<b>not bold</b>")

    response = client.get(f"/dev/mail/{message.id}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Message-ID" in page and message.message_id.strip("<>") in page
    assert "A message from Kaffeklub" in page
    assert "Søren Kierkegaard &lt;soren@example.test&gt;" in page
    assert ('<a href="https://kaffeklub.example/login/abc123?next=%2F&amp;x=1" rel="noopener noreferrer">'
            in page)
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page and "<b>not bold</b>" not in page
    assert f'src="/dev/mail/{message.id}/html"' in page
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    csp = response.headers["Content-Security-Policy"]
    # The app's policy stays in force; default-src 'self' lets it frame its own HTML view.
    assert "default-src 'self'" in csp and "frame-src" not in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_html_part_is_served_with_a_policy_that_allows_inline_style_but_no_scripts(client):
    message = enqueue("html@example.test", body="Body <script>alert(1)</script>")

    response = client.get(f"/dev/mail/{message.id}/html")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<!doctype html>")
    assert "Body &lt;script&gt;" in body  # escaped by the mail template
    csp = {d.split()[0]: d.split()[1:] for d in response.headers["Content-Security-Policy"].split("; ")}
    assert csp["default-src"] == ["'none'"]
    assert csp["style-src"] == ["'unsafe-inline'"]
    assert csp["img-src"] == ["data:"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert "script-src" not in csp
    assert "allow-scripts" not in csp["sandbox"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_html_part_of_a_text_only_message_and_unknown_messages_are_404(client):
    text_only = OutboxMessage(
        message_id="<plain@example.test>", sender="a@example.test", recipients="b@example.test",
        subject="Plain", raw="Subject: Plain\nMessage-ID: <plain@example.test>\n\nJust text.\n",
    )
    db.session.add(text_only)
    db.session.commit()
    assert client.get(f"/dev/mail/{text_only.id}").status_code == 200
    assert client.get(f"/dev/mail/{text_only.id}/html").status_code == 404
    assert client.get("/dev/mail/99999").status_code == 404
    assert client.get("/dev/mail/99999/html").status_code == 404


def test_send_pending_now_runs_the_worker(client, smtp_server):
    message = enqueue("now@example.test")

    response = client.post("/dev/mail/send")

    assert response.status_code == 302 and response.headers["Location"] == "/dev/mail"
    assert [m.message_id for m in smtp_server.sink.messages] == [message.message_id]
    assert message.status == "sent"
    page = client.get("/dev/mail").get_data(as_text=True)
    assert "Sent 1, will retry 0, failed 0." in page


def test_send_pending_now_captures_without_a_mail_server(app, client, smtp_server):
    app.config["MAIL_SERVER"] = ""
    message = enqueue("captured@example.test")
    client.post("/dev/mail/send")
    assert smtp_server.sink.messages == []
    assert message.status == "sent" and message.transport == "captured"
    assert "captured" in client.get("/dev/mail").get_data(as_text=True)


def test_send_pending_now_needs_a_csrf_token(app, client, smtp_server):
    app.config["WTF_CSRF_ENABLED"] = True
    message = enqueue("csrf@example.test")
    assert client.post("/dev/mail/send").status_code == 400
    assert smtp_server.sink.messages == []
    assert message.status == "pending"


def test_get_on_send_is_not_allowed(client):
    assert client.get("/dev/mail/send").status_code == 405


@pytest.mark.parametrize("role", ["anonymous", "other_group_member", "member", "organizer", "admin"])
def test_everyone_on_this_machine_may_read_it_it_is_the_mail_catcher(client, login, role):
    group, other = create_group(), create_group()
    people = {
        "other_group_member": lambda: create_member(groups=[other]),
        "member": lambda: create_member(groups=[group]),
        "organizer": lambda: create_organizer(group),
        "admin": lambda: create_admin(),
    }
    if role != "anonymous":
        login(people[role]())
    message = enqueue("someone@example.test")
    assert client.get("/dev/mail").status_code == 200
    assert client.get(f"/dev/mail/{message.id}").status_code == 200


@pytest.mark.parametrize("address", ["192.0.2.10", "10.0.0.5", "2001:db8::1"])
def test_requests_from_other_machines_get_404(client, address):
    message = enqueue("remote@example.test")
    for path in ("/dev/mail", f"/dev/mail/{message.id}", f"/dev/mail/{message.id}/html"):
        assert client.get(path, environ_base={"REMOTE_ADDR": address}).status_code == 404
    assert client.post("/dev/mail/send", environ_base={"REMOTE_ADDR": address}).status_code == 404
    assert message.status == "pending"
    assert client.get("/dev/mail", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_page_does_not_exist_when_dev_mail_page_is_off(tmp_path):
    app = create_app("testing", DEV_MAIL_PAGE=False,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.db'}")
    with app.app_context():
        db.create_all()
        client = app.test_client()
        assert client.get("/dev/mail").status_code == 404
        assert client.get("/dev/mail/1/html").status_code == 404
        assert client.post("/dev/mail/send").status_code == 404
        assert "devmail.index" not in app.view_functions
        assert "/dev/mail" not in client.get("/").get_data(as_text=True)  # no menu link either
        db.session.remove()
        db.engine.dispose()


def test_production_config_never_registers_the_page():
    app = create_app("production", SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["DEV_MAIL_PAGE"] is False
    assert not any(rule.rule.startswith("/dev/") for rule in app.url_map.iter_rules())
