"""The development mail page's MIME reader keeps Danish letters in 8bit UTF-8 parts."""

from email.message import EmailMessage

from app.mail.preview import linkify, parse_raw


def _raw_8bit_message() -> str:
    message = EmailMessage()
    message["Subject"] = "Dit login-link til Erhvervsnetværket"
    message["From"] = "Kaffeklub <kaffeklub@example.test>"
    message["To"] = "Søren Ødegård <soren@example.test>"
    message.set_content("Hej Søren,\n\nklik her: https://kaffeklub.example/login/abc\n\nVi ses, Århus\n",
                        cte="8bit")
    message.add_alternative("<p>Hej Søren, æblegrød på bordet</p>", subtype="html", cte="8bit")
    raw = message.as_string()
    assert "Content-Transfer-Encoding: 8bit" in raw and "Søren" in raw  # the case that broke
    return raw


def test_parse_raw_keeps_non_ascii_letters_of_8bit_parts_and_headers():
    preview = parse_raw(_raw_8bit_message())
    assert "Hej Søren," in preview.text
    assert "Vi ses, Århus" in preview.text
    assert "\ufffd" not in preview.text
    assert preview.html is not None and "æblegrød" in preview.html
    assert preview.header("Subject") == "Dit login-link til Erhvervsnetværket"
    assert preview.header("To") == "Søren Ødegård <soren@example.test>"


def test_linkify_escapes_text_and_links_urls():
    html = str(linkify("Se <b>her</b>: https://kaffeklub.example/login/abc."))
    assert "&lt;b&gt;her&lt;/b&gt;" in html
    assert '<a href="https://kaffeklub.example/login/abc" rel="noopener noreferrer">' in html
    assert html.endswith("</a>.")
