"""One-click links from mails, through the test client and not logged in.

A member's "Jeg kommer" / "Afbud" link and a guest's cancel link: opening them (GET, HEAD: what a
mail scanner does) changes nothing; only the page's button (a POST with the page's CSRF token)
answers, then redirects (303) to a confirmation, so a reload does not answer twice. Links expire
when the meeting starts, say so for a cancelled meeting, and cannot be turned into a link for
another member or another meeting.
"""

from __future__ import annotations

import base64
import email
import json
import re
from datetime import timedelta
from email import policy
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import MeetingGuest, Membership, OutboxMessage, Rsvp, utcnow
from app.rsvp import links
from app.rsvp import services as svc
from tests import factories

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture
def csrf(app):
    """The real app's forms: CSRF on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def setup(csrf, english):
    group = factories.create_group(name="Kaffeklub Herning", guest_limit=2)
    organizer = factories.create_organizer(group, name="Olga Organizer")
    anna = factories.create_member(groups=[group], name="Anna Andersen", email="anna@example.test")
    bo = factories.create_member(groups=[group], name="Bo Bech", email="bo@example.test")
    meeting = factories.create_meeting(group=group, title="Morgenmøde", capacity=1)
    return group, organizer, anna, bo, meeting


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link(meeting, member, reply: str) -> str:
    return path(links.answer_url(meeting.id, member.id, reply))


def token_of(page: str) -> str:
    match = CSRF_RE.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def rsvp_of(member) -> Rsvp | None:
    db.session.expire_all()
    return db.session.scalar(select(Rsvp).where(Rsvp.member_id == member.id))


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def text_of(row: OutboxMessage) -> str:
    mime = email.message_from_bytes(row.raw.encode("utf-8"), policy=policy.default)
    return mime.get_body(preferencelist=("plain",)).get_content()


def main_text(response) -> str:
    html = response.get_data(as_text=True)
    body = html.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def press(client, url: str, **data):
    """Open the page, then press its button with the page's own CSRF token."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={"csrf_token": token_of(page.get_data(as_text=True)), **data})


def assert_private(response) -> None:
    """Kept out of caches, and the secret address is not sent on as a referrer (a meta tag: Talisman
    owns the Referrer-Policy header)."""
    assert response.headers["Cache-Control"] == "no-store"
    if response.request.method != "HEAD":
        assert '<meta name="referrer" content="no-referrer">' in response.get_data(as_text=True)


# --- opening a link changes nothing --------------------------------------------------------------


def test_scanner_get_and_head_change_nothing(client, setup):
    _group, _organizer, anna, _bo, meeting = setup
    for reply in ("yes", "no"):
        url = link(meeting, anna, reply)
        for method in (client.get, client.head):
            response = method(url)
            assert response.status_code == 200
            assert_private(response)
        # Query strings a scanner may add (or a forged ?done=1) change nothing either.
        assert client.get(url + "?done=1&utm_source=x").status_code == 200
    assert rsvp_of(anna) is None
    assert outbox() == []
    page = client.get(link(meeting, anna, "yes"))
    text = main_text(page)
    assert "Morgenmøde" in text and "Answer for Anna Andersen: Not answered" in text
    assert "Yes, I am coming" in text and "data-one-click-button" in page.get_data(as_text=True)
    assert "Send afbud" in main_text(client.get(link(meeting, anna, "no")))


def test_post_without_the_page_token_is_refused(client, setup):
    _group, _organizer, anna, _bo, meeting = setup
    response = client.post(link(meeting, anna, "yes"), data={})
    assert response.status_code == 400
    assert rsvp_of(anna) is None


def test_unknown_reply_is_not_found(client, setup):
    _group, _organizer, anna, _bo, meeting = setup
    token = links.answer_token(meeting.id, anna.id)
    assert client.get(f"/rsvp/{token}/maybe").status_code == 404


# --- answering -----------------------------------------------------------------------------------


def test_yes_answers_redirects_and_a_reload_does_not_answer_again(client, setup):
    _group, _organizer, anna, _bo, meeting = setup
    url = link(meeting, anna, "yes")
    response = press(client, url)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url + "?done=1")
    rsvp = rsvp_of(anna)
    assert (rsvp.status, rsvp.via, rsvp.answered_by_id) == ("going", "link", None)
    answered_at = rsvp.answered_at

    done = client.get(response.headers["Location"])
    assert done.status_code == 200
    assert_private(done)
    text = main_text(done)
    assert "Thank you, you are signed up. See you there!" in text
    assert "Yes, I am coming" not in text  # no second button
    # Reloading the confirmation (GET) changes nothing.
    client.get(response.headers["Location"])
    assert rsvp_of(anna).answered_at == answered_at
    # Opening the yes link again says the answer is registered, without a button.
    again = main_text(client.get(url))
    assert "Your answer is already registered." in again and "Yes, I am coming" not in again


def test_second_member_lands_on_the_waitlist(client, setup):
    _group, _organizer, anna, bo, meeting = setup
    svc.answer(anna, meeting.id, "yes")
    response = press(client, link(meeting, bo, "yes"))
    assert response.status_code == 303
    text = main_text(client.get(response.headers["Location"]))
    assert ("The meeting is full, so you are on the waitlist as number 1. We will write to you if a seat "
            "becomes free.") in text
    assert "On the waitlist, number 1 in line" in text
    assert rsvp_of(bo).status == "waitlisted"


def test_afbud_from_the_link_with_a_message_promotes_the_next(client, setup):
    group, organizer, anna, bo, meeting = setup
    group.rsvp_mode = "expected"
    meeting.capacity = 3  # organizer, anna and bo are expected: full
    db.session.commit()
    carl = factories.create_member(groups=[group], name="Carl Carlsen")
    svc.answer(carl, meeting.id, "no")
    svc.answer(carl, meeting.id, "yes")
    assert rsvp_of(carl).status == "waitlisted"
    before = len(outbox())

    url = link(meeting, anna, "no")
    page = client.get(url)
    assert "Message to the organizers (optional)" in main_text(page)
    assert "I can come" not in main_text(page)  # she is expected: no "after all" or "sign up"
    response = client.post(url, data={"csrf_token": token_of(page.get_data(as_text=True)),
                                      "message": "Jeg er syg\r\ni dag"})
    assert response.status_code == 303
    rsvp = rsvp_of(anna)
    assert (rsvp.status, rsvp.message, rsvp.via, rsvp.late) == ("declined", "Jeg er syg\ni dag", "link",
                                                                 False)
    done = main_text(client.get(response.headers["Location"]))
    assert "Thank you, your afbud is registered." in done
    assert "I can come after all" in done  # the way back, should plans change
    new = outbox()[before:]
    afbud = [r for r in new if r.kind == "rsvp_afbud"]
    assert [r.recipients for r in afbud] == [organizer.email]
    assert "Jeg er syg" in text_of(afbud[0])
    promoted = [r for r in new if r.kind == "rsvp_promoted"]
    assert [r.recipients for r in promoted] == [carl.email]
    assert rsvp_of(carl).status == "going"

    # The form resent (Back, then the button again): no second afbud mail, nobody else moves.
    response = client.post(url, data={"csrf_token": token_of(page.get_data(as_text=True)),
                                      "message": "Jeg er syg\r\ni dag"})
    assert response.status_code == 303
    assert len(outbox()) == before + len(new)


def test_a_message_too_long_is_shown_at_the_field(client, setup):
    _group, _organizer, anna, _bo, meeting = setup
    url = link(meeting, anna, "no")
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token_of(page), "message": "x" * 1001})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please keep the message under 1000 characters." in main_text(response)
    assert 'id="message-error"' in html and "x" * 1001 in html  # kept as typed, to shorten
    assert rsvp_of(anna) is None


def test_afbud_after_the_deadline_is_late_and_yes_is_closed(client, setup):
    _group, _organizer, anna, bo, meeting = setup
    svc.answer(anna, meeting.id, "yes")
    meeting.rsvp_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = main_text(client.get(link(meeting, bo, "yes")))
    assert "The sign-up deadline has passed. Please contact the organizers." in page
    assert "Yes, I am coming" not in page
    token = token_of(client.get(link(meeting, anna, "no")).get_data(as_text=True))
    response = client.post(link(meeting, bo, "yes"), data={"csrf_token": token})
    assert response.status_code == 422
    assert rsvp_of(bo) is None

    page = main_text(client.get(link(meeting, anna, "no")))
    assert "The sign-up deadline has passed; your afbud is registered as late." in page
    assert press(client, link(meeting, anna, "no")).status_code == 303
    assert rsvp_of(anna).late


# --- links that cannot be used -------------------------------------------------------------------


def test_expired_link_when_the_meeting_has_started(client, setup):
    _group, _organizer, anna, _bo, meeting = setup
    page = client.get(link(meeting, anna, "yes")).get_data(as_text=True)
    meeting.starts_at = utcnow() - timedelta(minutes=1)
    meeting.ends_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    for reply in ("yes", "no"):
        response = client.get(link(meeting, anna, reply))
        assert response.status_code == 410
        assert_private(response)
        text = main_text(response)
        assert "This link has expired" in text
        assert "The meeting Morgenmøde has started or taken place, so answers are closed." in text
        response = client.post(link(meeting, anna, reply), data={"csrf_token": token_of(page)})
        assert response.status_code == 410
    assert rsvp_of(anna) is None


def test_cancelled_meeting(client, setup):
    _group, organizer, anna, _bo, meeting = setup
    from app.meetings.services import cancel_meeting

    cancel_meeting(organizer, meeting.id, "")
    response = client.get(link(meeting, anna, "yes"))
    assert response.status_code == 410
    text = main_text(response)
    assert "This meeting is cancelled" in text
    assert "Morgenmøde will not take place, so there is nothing to answer." in text


def _forged(payload, signature_from: str) -> str:
    """A token whose payload is `payload` but whose signature is another token's."""
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{body}.{signature_from.rsplit('.', 1)[1]}"


def test_tampered_tokens_and_tokens_for_someone_else_are_refused(client, setup, app):
    _group, _organizer, anna, bo, meeting = setup
    other_meeting = factories.create_meeting(group=meeting.group, title="Andet møde")
    token = links.answer_token(meeting.id, anna.id)
    assert links.read_answer_token(token) == (meeting.id, anna.id)
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a changed signature
        token[1:],
        _forged([meeting.id, bo.id], token),  # Anna's signature on Bo's ids
        _forged([other_meeting.id, anna.id], token),  # this meeting's link for another meeting
        _forged([meeting.id, anna.id, 1], token),
        links.guest_token(meeting.id),  # a guest link's token is not an answer token
        URLSafeSerializer("another secret", salt="kaffeklub.rsvp.answer.v1").dumps([meeting.id, anna.id]),
        "x",
        "." * 50,
        "a" * 3000,
    ]
    for bad in forged:
        for reply in ("yes", "no"):
            response = client.get(f"/rsvp/{bad}/{reply}")
            assert response.status_code == 404, bad
            assert "This link is not valid" in main_text(response), bad
            assert_private(response)
        response = client.post(f"/rsvp/{bad}/yes", data={"csrf_token": "x"})
        assert response.status_code in (400, 404)
    assert client.get("/rsvp/%00/yes").status_code in (400, 404)
    assert db.session.scalar(select(Rsvp)) is None
    # A well-formed token for a meeting or member that does not exist.
    for payload in ([meeting.id, 999999], [999999, anna.id]):
        fake = URLSafeSerializer(app.secret_key, salt="kaffeklub.rsvp.answer.v1").dumps(payload)
        assert client.get(f"/rsvp/{fake}/yes").status_code == 404


def test_member_no_longer_in_the_group(client, setup):
    group, _organizer, anna, bo, meeting = setup
    db.session.delete(db.session.scalar(select(Membership).where(Membership.member_id == anna.id)))
    bo.active = False
    db.session.commit()
    for member in (anna, bo):
        response = client.get(link(meeting, member, "yes"))
        assert response.status_code == 403
        assert_private(response)
        text = main_text(response)
        assert "This link can no longer be used" in text
        assert "Contact an organizer of the group" in text
    assert db.session.scalar(select(Rsvp)) is None


# --- a guest's own link --------------------------------------------------------------------------


def test_guest_cancels_through_their_own_link(client, setup):
    _group, _organizer, anna, bo, meeting = setup
    meeting.capacity = 2
    db.session.commit()
    svc.answer(anna, meeting.id, "yes", guests=[{"name": "Gitte Gæst", "email": "gitte@guest.example",
                                                  "company": "Gæst ApS"}])
    svc.answer(bo, meeting.id, "yes")
    gitte = db.session.scalar(select(MeetingGuest))
    assert gitte.status == "going" and rsvp_of(bo).status == "waitlisted"
    confirmation = [r for r in outbox() if r.recipients == "gitte@guest.example"]
    cancel_urls = [u for u in re.findall(r"https?://\S+", text_of(confirmation[0])) if "/guest/" in u]
    assert len(cancel_urls) == 1
    url = path(cancel_urls[0])
    before = len(outbox())

    for method in (client.get, client.head):
        response = method(url)
        assert response.status_code == 200
        assert_private(response)
    text = main_text(client.get(url))
    assert "Gitte Gæst, guest of Anna Andersen: Going" in text
    assert "If you cannot come, cancel your seat so someone else can have it." in text
    db.session.expire_all()
    assert db.session.get(MeetingGuest, gitte.id).status == "going" and len(outbox()) == before

    response = press(client, url)
    assert response.status_code == 303 and response.headers["Location"].endswith(url + "?done=1")
    db.session.expire_all()
    assert db.session.get(MeetingGuest, gitte.id).status == "cancelled"
    assert rsvp_of(bo).status == "going"  # the seat went to the next in line
    assert rsvp_of(anna).status == "going"  # the member who brought her still comes
    new = outbox()[before:]
    assert sorted((r.kind, r.recipients) for r in new) == [("rsvp_guest", anna.email),
                                                          ("rsvp_promoted", bo.email)]
    to_anna = next(r for r in new if r.recipients == anna.email)
    assert to_anna.subject == "Gitte Gæst has cancelled: Morgenmøde"
    assert "Gitte Gæst, your guest, has cancelled their seat at:" in text_of(to_anna)

    done = client.get(response.headers["Location"])
    assert "Your seat is cancelled. Thank you for letting us know." in main_text(done)
    assert "data-guest-cancel-button" not in done.get_data(as_text=True)
    # Opened again later, from the mail: no thanks for something she did not just do.
    later = main_text(client.get(url))
    assert "Your seat is cancelled." in later and "Thank you" not in later
    # Pressing again (Back and resend) mails nobody again.
    token = token_of(client.get(link(meeting, anna, "no")).get_data(as_text=True))
    client.post(url, data={"csrf_token": token})
    assert len(outbox()) == before + 2


def test_guest_removed_by_the_member_is_not_thanked(client, setup):
    _group, _organizer, anna, _bo, meeting = setup
    svc.answer(anna, meeting.id, "yes", guests=[{"name": "Gitte Gæst", "email": "gitte@guest.example"}])
    gitte = db.session.scalar(select(MeetingGuest))
    svc.answer(anna, meeting.id, "no")  # her afbud cancels her guest
    text = main_text(client.get(path(links.guest_url(gitte.id))))
    assert "Gitte Gæst, guest of Anna Andersen: Cancelled" in text
    assert "Your seat is cancelled." in text and "Thank you" not in text
    assert "Cancel my seat" not in text


def test_guest_link_after_the_start_and_bad_guest_tokens(client, setup):
    _group, _organizer, anna, _bo, meeting = setup
    meeting.capacity = 2
    db.session.commit()
    svc.answer(anna, meeting.id, "yes", guests=[{"name": "Gitte Gæst", "email": "gitte@guest.example"}])
    gitte = db.session.scalar(select(MeetingGuest))
    url = path(links.guest_url(gitte.id))
    page = client.get(url).get_data(as_text=True)
    meeting.starts_at = utcnow() - timedelta(minutes=1)
    meeting.ends_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    text = main_text(client.get(url))
    assert "The meeting has started or taken place, so the seat can no longer be cancelled here." in text
    response = client.post(url, data={"csrf_token": token_of(page)})
    assert response.status_code == 422
    assert "has started" in main_text(response)
    db.session.expire_all()
    assert db.session.get(MeetingGuest, gitte.id).status == "going"

    for bad in (links.answer_token(meeting.id, anna.id), links.guest_url(gitte.id).rsplit("/", 1)[1][:-3],
                links.guest_token(999999), "x"):
        response = client.get(f"/guest/{bad}")
        assert response.status_code == 404
        assert "This link is not valid" in main_text(response)


# --- language ------------------------------------------------------------------------------------


def test_pages_speak_danish_by_default(csrf, setup, app):
    """A member who is not logged in reads the page in the network's language (Danish here)."""
    from app.models import NetworkSettings

    _group, _organizer, anna, _bo, meeting = setup
    NetworkSettings.get().default_language = "da"
    db.session.commit()
    client = app.test_client()
    html = client.get(link(meeting, anna, "no")).get_data(as_text=True)
    assert 'lang="da"' in html
    with app.test_request_context("/"), force_locale("da"):
        for msgid in ("Send afbud", "Message to the organizers (optional)", "I can come: sign up instead"):
            assert _(msgid) in html
