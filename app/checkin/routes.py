"""The check-in pages: the door list (`/meetings/<id>/checkin`), walk-ins, the QR code for self
check-in and its page (`/checkin/<token>`), closing a meeting and the attendance page with its
corrections. Thin: read the form, call one service, flash and redirect (303), or render.

The door page works without JavaScript (a GET search form, one POST form per tap, each answered
by a redirect back to the list with the search kept). With `app/static/js/checkin.js` the same
forms are sent with fetch and the header `X-Checkin: fetch`; those requests get JSON back (the
person's new state and the counts) and the row changes in place.
"""

from __future__ import annotations

from flask import Response, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.auth import permissions
from app.checkin import bp, links, rates, services
from app.checkin.forms import ConfirmForm, PersonForm, VisitorForm, WalkInMemberForm
from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.extensions import db
from app.models import utcnow

FETCH_HEADER = "X-Checkin"


def _is_fetch() -> bool:
    return request.headers.get(FETCH_HEADER) == "fetch"


def counts_text(counts: services.Counts) -> str:
    text = _("%(here)d of %(expected)d have checked in", here=counts.expected_here, expected=counts.expected)
    if counts.walk_ins:
        text += " · " + ngettext("%(num)d came without signing up", "%(num)d came without signing up",
                                 counts.walk_ins)
    return text


def _counts_json(counts: services.Counts) -> dict:
    return {"expected": counts.expected, "expected_here": counts.expected_here, "walk_ins": counts.walk_ins,
            "here": counts.here, "text": counts_text(counts)}


def _back(meeting_id: int, query: str | None = None, anchor: str | None = None):
    query = services.search_text(query or "")
    return redirect(url_for("checkin.door", meeting_id=meeting_id, q=query or None, _anchor=anchor), code=303)


def _choices(members, empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [
        SelectChoice(str(m.id), f"{m.name} ({m.company})" if m.company else m.name) for m in members]


# --- the door ------------------------------------------------------------------------------------


def _door_page(meeting_id: int, *, status: int = 200, visitor: VisitorForm | None = None,
               error: str | None = None):
    view = services.door_view(current_user, meeting_id, query=request.args.get("q", ""))
    walk_in = WalkInMemberForm(formdata=None, prefix="walkin")
    walk_in.member_id.choices = _choices(view.walk_in_members, _("Choose a member…"))
    visitor = visitor or VisitorForm(formdata=None, prefix="visitor")
    visitor.brought_by_id.choices = _choices(view.hosts, _("Nobody in particular"))
    response = make_response(render_template(
        "checkin/door.html", view=view, meeting=view.meeting, group=view.meeting.group, counts=view.counts,
        counts_text=counts_text(view.counts), tap=PersonForm(formdata=None), walk_in_form=walk_in,
        names={m.id: m.name for m in view.hosts},
        visitor_form=visitor, error=error, started=utcnow() >= view.meeting.starts_at), status)
    response.headers["Cache-Control"] = "no-store"  # Back shows the list as it is now
    return response


@bp.get("/meetings/<int:meeting_id>/checkin")
@login_required
def door(meeting_id: int):
    return _door_page(meeting_id)


def _tap(meeting_id: int, form, do, done_message):
    """One tap (check in, undo, walk-in): JSON for fetch, else flash and 303 back to the list."""
    services.meeting_to_manage(current_user, meeting_id)  # 404/403 before anything else
    if not form.validate_on_submit():
        message = (_("The form had expired. Please try again.") if "csrf_token" in form.errors
                   else _("Please correct the marked fields."))
        if _is_fetch():
            return jsonify({"ok": False, "message": message}), 400
        if isinstance(form, VisitorForm):
            return _door_page(meeting_id, status=422, visitor=form, error=message)
        flash(message, "danger")
        return _back(meeting_id, form.q.data)
    db.session.rollback()  # the use case locks the meeting and reads its rows afresh
    try:
        result = do()
    except PermissionDenied:
        raise
    except DomainError as exc:
        db.session.rollback()
        if _is_fetch():
            return jsonify({"ok": False, "message": exc.message, "fields": exc.fields}), exc.status
        if isinstance(exc, ValidationFailed) and isinstance(form, VisitorForm):
            for name, messages in exc.fields.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = list(messages)
            return _door_page(meeting_id, status=422, visitor=form, error=exc.message)
        flash(exc.message, "danger")
        return _back(meeting_id, form.q.data)
    attendee = result.attendee
    message = done_message(result)
    if _is_fetch():
        return jsonify({"ok": True, "created": result.created, "key": attendee.key if attendee else None,
                        "checked_in": bool(attendee and attendee.checked_in), "message": message,
                        "counts": _counts_json(result.counts)})
    flash(message, "success" if result.created else "info")
    return _back(meeting_id, form.q.data, anchor=f"p-{attendee.key}" if attendee else None)


@bp.post("/meetings/<int:meeting_id>/checkin/in")
@login_required
def check_in(meeting_id: int):
    form = PersonForm()

    def done(result):
        name = result.attendee.name if result.attendee else ""
        return (_("%(name)s is checked in.", name=name) if result.created
                else _("%(name)s was already checked in.", name=name))

    return _tap(meeting_id, form, lambda: services.check_in(current_user, meeting_id, form.key.data), done)


@bp.post("/meetings/<int:meeting_id>/checkin/undo")
@login_required
def undo(meeting_id: int):
    form = PersonForm()

    def done(result):
        name = result.attendee.name if result.attendee else ""
        if result.attendee is None:
            return _("The walk-in was removed.")
        return (_("The check-in of %(name)s was undone.", name=name) if result.created
                else _("%(name)s was not checked in.", name=name))

    return _tap(meeting_id, form, lambda: services.undo(current_user, meeting_id, key=form.key.data), done)


@bp.post("/meetings/<int:meeting_id>/checkin/walk-in")
@login_required
def walk_in_member(meeting_id: int):
    form = WalkInMemberForm(prefix="walkin")
    raw = form.member_id.data or ""
    key = f"m{raw}" if raw.isdigit() else ""

    def done(result):
        name = result.attendee.name if result.attendee else ""
        return (_("%(name)s is checked in.", name=name) if result.created
                else _("%(name)s was already checked in.", name=name))

    def do():
        if not key:
            raise ValidationFailed(_("Choose a member of the group."),
                                   fields={"member_id": [_("Choose a member of the group.")]})
        return services.check_in(current_user, meeting_id, key)

    return _tap(meeting_id, form, do, done)


@bp.post("/meetings/<int:meeting_id>/checkin/visitor")
@login_required
def visitor(meeting_id: int):
    form = VisitorForm(prefix="visitor")

    def done(result):
        name = result.attendee.name if result.attendee else ""
        return (_("%(name)s is checked in as a walk-in.", name=name) if result.created
                else _("%(name)s was already checked in.", name=name))

    data = {"name": form.name.data, "email": form.email.data, "company": form.company.data,
            "brought_by_id": form.brought_by_id.data}
    return _tap(meeting_id, form, lambda: services.add_visitor(current_user, meeting_id, data), done)


# --- the QR code and self check-in ---------------------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/checkin/qr")
@login_required
def qr_page(meeting_id: int):
    meeting, url = services.qr_url(current_user, meeting_id)
    window = services.self_window(meeting)
    response = make_response(render_template("checkin/qr.html", meeting=meeting, group=meeting.group, url=url,
                                             window=window))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/meetings/<int:meeting_id>/checkin/qr.svg")
@login_required
def qr_svg(meeting_id: int):
    _meeting, url = services.qr_url(current_user, meeting_id)
    return Response(links.qr_svg(url), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@bp.route("/checkin/<token>", methods=["GET", "POST"])
@login_required
def self_checkin(token: str):
    form = ConfirmForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            services.self_check_in(current_user, token)
        except DomainError as exc:
            db.session.rollback()
            if exc.status == 404:
                raise
            error, status = exc.message, exc.status
        else:
            return redirect(url_for("checkin.self_checkin", token=token, done=1), code=303)
    elif form.is_submitted():
        error, status = _("The form had expired. Please press the button again."), 400
    view = services.self_view(current_user, token)
    if status == 200 and view.state == "not_member":
        status = 403
    response = make_response(render_template("checkin/self.html", view=view, meeting=view.meeting, form=form,
                                             error=error, done=request.args.get("done") == "1"), status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- closing and the attendance ------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/close", methods=["GET", "POST"])
@login_required
def close(meeting_id: int):
    meeting, _everyone, counts = services.attendance_view(current_user, meeting_id)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        db.session.rollback()
        try:
            closed = services.close_meeting(current_user, meeting_id)
        except PermissionDenied:
            raise
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            flash(_("The meeting is closed.") if closed else _("The meeting was closed already."), "success")
            return redirect(url_for("checkin.attendance", meeting_id=meeting_id), code=303)
    elif form.is_submitted():
        error = _("The form had expired. Please try again.")
    meeting, _everyone, counts = services.attendance_view(current_user, meeting_id)
    return render_template("checkin/close.html", meeting=meeting, group=meeting.group, counts=counts,
                           form=form,
                           error=error, started=utcnow() >= meeting.starts_at), 409 if error else 200


@bp.get("/meetings/<int:meeting_id>/attendance")
@login_required
def attendance(meeting_id: int):
    meeting, everyone, counts = services.attendance_view(current_user, meeting_id)
    came = [a for a in everyone if a.checked_in and a.going]
    walk_ins = [a for a in everyone if a.checked_in and not a.going]
    missing = [a for a in everyone if a.going and not a.checked_in]
    rate = rates.meeting_rates([meeting])[0] if meeting.is_closed else None
    return render_template("checkin/attendance.html", meeting=meeting, group=meeting.group, counts=counts,
                           came=came, walk_ins=walk_ins, missing=missing, rate=rate,
                           tap=PersonForm(formdata=None),
                           counts_text=counts_text(counts))


@bp.post("/meetings/<int:meeting_id>/attendance/correct")
@login_required
def correct(meeting_id: int):
    services.meeting_to_manage(current_user, meeting_id)  # 404/403 first
    form = PersonForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "danger")
        return redirect(url_for("checkin.attendance", meeting_id=meeting_id), code=303)
    db.session.rollback()
    try:
        result = services.correct(current_user, meeting_id, form.key.data, came=form.came.data == "1")
    except PermissionDenied:
        raise
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        name = result.attendee.name if result.attendee else ""
        if form.came.data == "1":
            flash(_("%(name)s is marked as came.", name=name), "success")
        else:
            flash(_("%(name)s is marked as a no-show.", name=name) if result.attendee
                  else _("The walk-in was removed."), "success")
    return redirect(url_for("checkin.attendance", meeting_id=meeting_id), code=303)


# --- the page hooks --------------------------------------------------------------------------------


@bp.app_template_filter("checkin_fold")
def checkin_fold(text: str) -> str:
    """The door list's search text, folded as the search folds the query (services.fold)."""
    return services.fold(text or "")


@bp.app_template_global()
def checkin_panel(meeting) -> dict:
    """What the meeting page's check-in box shows (templates/checkin/_meeting_panel.html)."""
    if meeting.is_cancelled:
        return {"show": False}
    now = utcnow()
    if not permissions.can_manage_group(current_user, meeting.group):
        # Members: a hint while self check-in is open (the QR code at the venue proves they are there).
        if (permissions.is_member_of(current_user, meeting.group) and not meeting.is_closed
                and services.self_window(meeting).is_open(now)):
            return {"show": False, "member": True, "here": services.is_checked_in(current_user, meeting)}
        return {"show": False}
    return {"show": True, "door_open": services.door_window(meeting).is_open(now) and not meeting.is_closed,
            "started": now >= meeting.starts_at, "closed": meeting.is_closed}


@bp.app_template_global()
def member_attendance(member):
    return rates.member_rate(current_user, member)


@bp.app_template_global()
def group_attendance(group):
    return rates.group_rate(current_user, group)


def connect_receivers() -> None:
    services.connect_receivers()
