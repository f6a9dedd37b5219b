"""Signed one-click links: a member's "Jeg kommer" / "Afbud" links and a guest's cancel link.

A link carries the ids it is for, signed with the app's secret (itsdangerous, salted per purpose),
so it cannot be turned into a link for another member, another meeting or another guest. Nothing
is stored: the use case checks at use time that the meeting has not started, is not cancelled and
that the member still belongs to the group. Opening a link only shows a page with one button; only
the button's POST changes anything, because mail scanners open every link in a mail.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.auth.tokens import external_url
from app.errors import NotFound

_ANSWER_SALT = "kaffeklub.rsvp.answer.v1"
_GUEST_SALT = "kaffeklub.rsvp.guest.v1"


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=salt)


def answer_token(meeting_id: int, member_id: int) -> str:
    return _serializer(_ANSWER_SALT).dumps([meeting_id, member_id])


def read_answer_token(token: str) -> tuple[int, int]:
    """(meeting id, member id), or NotFound for a token that was not made here."""
    try:
        value = _serializer(_ANSWER_SALT).loads(token)
    except (BadSignature, UnicodeError, ValueError, TypeError):
        raise NotFound() from None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise NotFound()
    return value[0], value[1]


def answer_url(meeting_id: int, member_id: int, reply: str) -> str:
    """The absolute one-click link for a member's "yes" or "no" to a meeting."""
    return external_url("rsvp.one_click", token=answer_token(meeting_id, member_id), reply=reply)


def guest_token(guest_id: int) -> str:
    return _serializer(_GUEST_SALT).dumps(guest_id)


def read_guest_token(token: str) -> int:
    try:
        value = _serializer(_GUEST_SALT).loads(token)
    except (BadSignature, UnicodeError, ValueError, TypeError):
        raise NotFound() from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise NotFound()
    return value


def guest_url(guest_id: int) -> str:
    return external_url("rsvp.guest_link", token=guest_token(guest_id))


_TOKEN_MARK = "KKTOKENMARK"  # noqa: S105 (a placeholder, not a secret)


class MeetingLinks:
    """A meeting's one-click links for many people at once (invitations, reminders): the same URLs
    as `answer_url` and `guest_url`, each made from one URL built per meeting and the person's
    signed token (`external_url` builds a request context per call, about 1 ms: too slow for 500)."""

    def __init__(self, meeting_id: int):
        self.meeting_id = meeting_id
        sample = answer_token(meeting_id, 0)
        self._answer = {reply: answer_url(meeting_id, 0, reply).replace(sample, _TOKEN_MARK)
                        for reply in ("yes", "no")}
        self._guest = guest_url(0).replace(guest_token(0), _TOKEN_MARK)

    def answer(self, member_id: int, reply: str, token: str | None = None) -> str:
        """`answer_url(meeting id, member_id, reply)` (`token`: that member's, if made already)."""
        token = token or answer_token(self.meeting_id, member_id)
        return self._answer[reply].replace(_TOKEN_MARK, token)

    def guest(self, guest_id: int) -> str:
        """`guest_url(guest_id)`."""
        return self._guest.replace(_TOKEN_MARK, guest_token(guest_id))
