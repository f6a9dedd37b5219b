"""The captured-mail page says why mail waits as "pending" and what sends it (issue 8)."""

from __future__ import annotations


def test_the_banner_says_why_mail_waits_and_what_sends_it(client, english):
    page = client.get("/dev/mail").get_data(as_text=True).replace("&#34;", '"')
    assert 'waits as "pending" until the outbox worker sends it' in page
    assert "<code>flask outbox send</code>" in page and "never leaves this machine" in page
