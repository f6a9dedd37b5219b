"""Web pages for sending calendar invitations (routes on the calendars blueprint).

- GET `/meetings/<id>/invitations`: the confirm page: who gets an invitation now, who has one, what
  the invited answered; a button to send.
- POST `/meetings/<id>/invitations`: send (app.calendars.invites.send_invitations), then redirect
  (303) to the meeting page with a flash. The service leaves everyone who has an invitation alone,
  so Back, reload or a double click never sends a second one.

Thin: permission (organizers and admins of the group) and the rules (not for a cancelled meeting
or one that has taken place) are the service's. `invitation_status(meeting)` gives the meeting page
its button and status line.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time
from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.calendars import invites
from app.calendars.routes import bp
from app.errors import Conflict, NotFound, PermissionDenied
from app.forms_base import AppForm
from app.meetings.access import get_meeting
from app.models import Meeting, utcnow


class SendInvitationsForm(AppForm):
    """Nothing but the CSRF token: the POST itself is the decision."""


def _page(meeting_id: int, *, error: str | None = None, status: int = 200):
    preview = invites.invite_preview(current_user, meeting_id)  # organizers and admins only
    meeting = get_meeting(current_user, meeting_id)
    days = meeting.group.invite_days_before
    automatic_on = meeting.starts_at - timedelta(days=days) \
        if days is not None and preview.sent_at is None and preview.to_invite else None
    return render_template("calendars/invitations.html", meeting=meeting, group=meeting.group,
                           preview=preview, form=SendInvitationsForm(formdata=None),
                           can_send=preview.can_send and error is None, error=error,
                           automatic_on=automatic_on if automatic_on and automatic_on > utcnow() else None,
                           replied=replied_count(preview)), status


@bp.get("/meetings/<int:meeting_id>/invitations")
@login_required
def invitations(meeting_id: int):
    return _page(meeting_id)


@bp.post("/meetings/<int:meeting_id>/invitations")
@login_required
def send_invitations(meeting_id: int):
    form = SendInvitationsForm()
    if not form.validate_on_submit():  # only the CSRF token can be wrong (CSRFProtect answers 400 first)
        return _page(meeting_id, error=_("The form has expired. Please try again."), status=400)
    try:
        result = invites.send_invitations(current_user, meeting_id)
    except Conflict as error:  # cancelled or over: the page says so instead of a bare error page
        return _page(meeting_id, error=error.message, status=409)
    if result.invited:
        flash(ngettext("Invitation sent to %(num)d person. They will find it in their inbox in a few "
                       "minutes.",
                       "Invitations sent to %(num)d people. They will find them in their inbox in a few "
                       "minutes.", result.invited), "success")
    else:
        flash(_("Everyone already has an invitation, so nothing was sent again."), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting_id), code=303)


def replied_count(preview: invites.InvitePreview) -> int:
    """How many of the invited have answered (their copy says other than NEEDS-ACTION)."""
    return sum(count for partstat, count in preview.replies.items() if partstat != "NEEDS-ACTION")


def sent_when(sent_at: datetime, tz: str) -> str:
    """"Invitations sent 3 Dec at 09:12" in the reader's language and the group's zone (the year
    only when it is not this year)."""
    zone = ZoneInfo(tz)
    local = sent_at.astimezone(zone)
    locale = str(get_locale())
    skeleton = "MMMd" if local.year == utcnow().astimezone(zone).year else "yMMMd"
    return _("Invitations sent %(date)s at %(time)s", date=format_skeleton(skeleton, local, locale=locale),
             time=format_time(local.time(), format="short", locale=locale))


def invitation_status(meeting: Meeting) -> invites.InvitePreview | None:
    """For the meeting page: the invitations' numbers if the viewer may send them, else None.
    None without asking too when the page would show nothing of them: the button is only for a
    meeting still open to invitations, the status line only once some went out (and a copy exists
    only once `invitations_sent_at` is set), so an organizer's view of a past or cancelled meeting
    without invitations costs no counting queries."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    if meeting.invitations_sent_at is None and not invites.invitations_open(meeting):
        return None
    try:
        return invites.invite_preview(current_user, meeting.id)
    except (PermissionDenied, NotFound, Conflict):
        return None


@bp.app_context_processor
def invitation_helpers() -> dict:
    """Templates: `invitation_status(meeting)`, `invitations_replied(preview)`,
    `invitations_open(meeting)` and `invitations_sent_when(sent_at, tz)`."""
    return {"invitation_status": invitation_status, "invitations_replied": replied_count,
            "invitations_open": invites.invitations_open, "invitations_sent_when": sent_when}
