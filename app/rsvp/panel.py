"""The sign-up panel of the meeting page (`templates/rsvp/_panel.html`): what it needs, worked out once.

`templates/meetings/show.html` includes the panel, which calls the template global
`rsvp_panel(meeting)` (registered in `app.rsvp.init_app`). It returns a `Panel`: how the viewer
stands to the group (anonymous, not a member, member), the member's own `Answer`, the seat counts,
whether the meeting takes answers (cancelled, started, deadline passed) and the forms.

When a post from the panel fails, `app.rsvp.routes_member` renders the meeting page again with the
posted form and its errors (`remember_failed_post`), so the member keeps what they typed; the other
forms are fresh (never filled from the failed post's data).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g
from flask_login import current_user

from app.auth import permissions
from app.models import Meeting, RsvpMode
from app.rsvp import services as svc
from app.rsvp.forms import (
    GUEST_PREFIX,
    SUBSTITUTE_PREFIX,
    AnswerForm,
    GuestForm,
    RemoveGuestForm,
    SubstituteForm,
)

FORM_CLASSES = {"answer": AnswerForm, "guest": GuestForm, "substitute": SubstituteForm,
                "remove": RemoveGuestForm}
FORM_PREFIXES = {"guest": GUEST_PREFIX, "substitute": SUBSTITUTE_PREFIX}


def new_form(name: str, *, posted: bool = False):
    """One of the panel's forms: filled from the post being handled (`posted`), or empty."""
    cls = FORM_CLASSES[name]
    prefix = FORM_PREFIXES.get(name, "")
    return cls(prefix=prefix) if posted else cls(formdata=None, prefix=prefix)


@dataclass
class FailedPost:
    """A post from the panel that was refused: which form, the form as posted, messages for its top."""

    form_name: str
    form: object
    messages: list[str] = field(default_factory=list)
    answer: str | None = None  # which answer button ("yes" / "no") was pressed


def remember_failed_post(failed: FailedPost) -> None:
    g.rsvp_failed_post = failed


@dataclass
class Panel:
    meeting: Meeting
    viewer: str  # "anonymous", "outsider" (logged in, not a member) or "member"
    can_manage: bool
    counts: svc.Counts
    answer: svc.Answer | None
    deadline_passed: bool
    started: bool
    forms: dict
    failed: FailedPost | None = None

    @property
    def mode(self) -> str:
        return self.meeting.group.rsvp_mode

    @property
    def expected_mode(self) -> bool:
        return self.mode == RsvpMode.EXPECTED.value

    @property
    def cancelled(self) -> bool:
        return self.meeting.is_cancelled

    @property
    def is_member(self) -> bool:
        return self.viewer == "member"

    @property
    def open(self) -> bool:
        """The member may answer at all (afbud also after the deadline)."""
        return self.is_member and not self.cancelled and not self.started

    @property
    def can_sign_up(self) -> bool:
        return self.open and not self.deadline_passed

    @property
    def full(self) -> bool:
        return self.meeting.capacity is not None and self.counts.free == 0

    @property
    def status(self) -> str | None:
        return self.answer.status if self.answer else None

    @property
    def holds_place(self) -> bool:
        """Going or on the waitlist (the expected count as going)."""
        return self.status in ("going", "waitlisted")

    @property
    def show_yes(self) -> bool:
        """"Jeg kommer": for anyone not signed up yet (an expected member confirms)."""
        return self.can_sign_up and not (self.holds_place and self.answer.answered)

    @property
    def yes_waits(self) -> bool:
        """A "Jeg kommer" now would land on the waitlist (an expected member keeps their seat)."""
        return self.full and not self.holds_place

    @property
    def show_no(self) -> bool:
        return self.open and self.status != "declined"

    @property
    def guest_limit(self) -> int:
        return self.meeting.group.guest_limit

    @property
    def guests_allowed(self) -> bool:
        return self.meeting.guests_welcome and self.guest_limit > 0

    @property
    def guests(self) -> list:
        return self.answer.guests if self.answer else []

    @property
    def guest_slots_left(self) -> int:
        return max(0, self.guest_limit - len(self.guests))

    @property
    def can_add_guest(self) -> bool:
        """Before the deadline, up to the limit; not after an afbud (adding a guest signs the member
        up too, which is what someone who has not answered means, but not what an afbud means)."""
        return (self.can_sign_up and self.guests_allowed and self.status != "declined"
                and self.guest_slots_left > 0)

    @property
    def substitute(self):
        return self.answer.substitute if self.answer else None

    def position_of(self, guest) -> int | None:
        return self.answer.guest_positions.get(guest.id) if self.answer else None

    @property
    def shows_guest_form(self) -> bool:
        """The add-guest form is on the page (also after a refused post, to keep what was typed)."""
        refused = self.failed_for("guest") is not None
        return self.open and self.guests_allowed and (self.can_add_guest or refused)

    @property
    def shows_substitute_form(self) -> bool:
        """Until the deadline; after it only for a member who holds a seat or a place in line (or
        has a substitute already), since for anyone else it would be a new sign-up."""
        return self.open and (not self.deadline_passed or self.holds_place or self.substitute is not None)

    @property
    def failed_on_top(self) -> FailedPost | None:
        """A refused post whose form is not on the page: its messages go above the buttons."""
        failed = self.failed
        if failed is None:
            return None
        if failed.form_name == "guest" and self.shows_guest_form:
            return None
        if failed.form_name == "substitute" and self.shows_substitute_form:
            return None
        return failed

    def failed_for(self, form_name: str, answer: str | None = None) -> FailedPost | None:
        """The refused post of this form (and this answer, when given), if that is what is shown."""
        failed = self.failed
        if failed is None or failed.form_name != form_name:
            return None
        if answer is not None and failed.answer != answer:
            return None
        return failed


def _viewer(meeting: Meeting) -> str:
    if not getattr(current_user, "is_authenticated", False):
        return "anonymous"
    if current_user.active and current_user.membership_in(meeting.group) is not None:
        return "member"
    return "outsider"


def build_panel(meeting: Meeting) -> Panel:
    viewer = _viewer(meeting)
    answer = svc.answer_of(current_user, meeting) if viewer == "member" else None
    failed = getattr(g, "rsvp_failed_post", None)
    forms = {name: new_form(name) for name in FORM_CLASSES}
    if failed is not None:
        forms[failed.form_name] = failed.form
    return Panel(
        meeting=meeting,
        viewer=viewer,
        can_manage=permissions.can_manage_group(current_user, meeting.group),
        counts=svc.seat_counts([meeting])[meeting.id],
        answer=answer,
        deadline_passed=svc.deadline_passed(meeting),
        started=svc.has_started(meeting),
        forms=forms,
        failed=failed,
    )


def rsvp_panel(meeting: Meeting) -> Panel:
    """The panel for `meeting`, worked out once per request."""
    panels = g.setdefault("rsvp_panels", {})
    if meeting.id not in panels:
        panels[meeting.id] = build_panel(meeting)
    return panels[meeting.id]
