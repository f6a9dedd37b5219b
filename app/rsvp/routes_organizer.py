"""The organizers' pages of the rsvp blueprint: the attendee page of a meeting (see app/rsvp/__init__.py)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from app.rsvp import bp
from app.rsvp import services as svc


@bp.get("/meetings/<int:meeting_id>/attendees")
@login_required
def attendees(meeting_id: int):
    view = svc.attendee_list(current_user, meeting_id)
    return render_template("rsvp/attendees.html", view=view, meeting=view.meeting, group=view.meeting.group)
