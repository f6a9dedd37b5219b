"""Meeting pages: group lists (upcoming, month, past), the meeting page, organizer forms, series."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import get_day_names, get_month_names
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.auth.permissions import is_member_of
from app.errors import ValidationFailed
from app.meetings import calendar_view
from app.meetings import services as svc
from app.meetings.forms import (
    ROTATION_ROWS,
    SCOPE_FOLLOWING,
    CancelForm,
    HostRotationForm,
    MeetingForm,
    SeriesForm,
)
from app.models import Meeting, utcnow
from app.pagination import page_number
from app.rsvp import services as rsvp_services

bp = Blueprint("meetings", __name__)


# --- form <-> service data -----------------------------------------------------------------------


def _host_choices(group) -> list[SelectChoice]:
    members = svc.group_host_choices(current_user, group)
    return [SelectChoice("", _("No host"))] + [
        SelectChoice(str(m.id), f"{m.name} ({m.company})" if m.company else m.name) for m in members
    ]


def _meeting_input(form: MeetingForm) -> dict:
    # The form's fields carry MeetingData's names; the zone is the group's.
    # The host choice goes as sent: the service checks it is a member of the group (check_host).
    data = {name: form[name].data for name in svc.MEETING_FIELDS if name in form}
    data["host_member_id"] = data["host_member_id"] or None
    data["allow_same_day"] = request.form.get("allow_same_day") == "y"  # "create/move anyway"
    return data


def _record_past(form: MeetingForm) -> bool:
    return "record_past" in form._fields and bool(form.record_past.data)


def _attach_errors(form, error: ValidationFailed) -> None:
    """Show the service's field errors next to the form's fields; the rest on top of the form."""
    for name, messages in (error.fields or {}).items():
        field = _find_field(form, name)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)
        else:
            for message in messages:
                flash(message, "error")
    if not error.fields:
        flash(error.message, "error")
    if getattr(error, "same_day", False):
        g.same_day_clash = True  # the meeting form asks "create/move anyway?"


def _find_field(form, name: str):
    if name in form._fields:
        return form[name]
    parts = name.split("-")  # rotation-2-host_member_id
    if len(parts) == 3 and parts[0] in form._fields:
        try:
            return form[parts[0]][int(parts[1])][parts[2]]
        except (IndexError, KeyError, ValueError):
            return None
    return None


def _fill_meeting_form(form: MeetingForm, meeting) -> None:
    data = svc.meeting_data_for(meeting)
    for name in svc.MEETING_FIELDS:
        if name in form:
            form[name].data = getattr(data, name)
    form.host_member_id.data = "" if data.host_member_id is None else str(data.host_member_id)


# --- my meetings ----------------------------------------------------------------------------------


@bp.get("/meetings")
@login_required
def index():
    if request.args.get("show") == "past":
        past = rsvp_services.my_past_meetings(current_user, page_number())
        return render_template("meetings/mine.html", tab="past", meetings=past,
                               answers=past.extra["answers"])
    meetings = svc.upcoming_meetings_for(current_user, limit=100)
    return render_template("meetings/mine.html", tab="upcoming", meetings=meetings,
                           answers=rsvp_services.answers_for(current_user, meetings))


# --- group lists -----------------------------------------------------------------------------------


@bp.get("/groups/<slug>/meetings")
def group_upcoming(slug: str):
    group = svc.get_visible_group(current_user, slug)
    manage = svc.can_manage(current_user, group)
    if request.args.get("view") == "month":
        return _month_view(group, manage)
    meetings = svc.list_upcoming(current_user, group)
    # Going/capacity of every meeting in one go; a member also sees their own answer.
    counts = rsvp_services.seat_counts(meetings)
    answers = rsvp_services.answers_for(current_user, meetings) if is_member_of(current_user, group) else {}
    return render_template(
        "meetings/list.html", group=group, meetings=meetings, can_manage=manage, past=False,
        counts=counts, answers=answers,
    )


def _month_view(group, manage: bool):
    zone = ZoneInfo(group.timezone)
    today = utcnow().astimezone(zone).date()
    if request.args.get("month"):
        year, month = calendar_view.parse_month(request.args.get("month"), today)
    else:
        upcoming = svc.next_meeting(group)
        year, month = calendar_view.default_month(
            today, upcoming.starts_at.astimezone(zone).date() if upcoming else None
        )
    first = datetime.combine(date(year, month, 1), time(), tzinfo=zone)
    next_year, next_month = calendar_view.shift_month(year, month, 1)
    prev_year, prev_month = calendar_view.shift_month(year, month, -1)
    after = datetime.combine(date(next_year, next_month, 1), time(), tzinfo=zone)
    meetings = svc.list_meetings(current_user, group, first, after)
    by_day = defaultdict(list)
    for meeting in meetings:
        by_day[meeting.starts_at.astimezone(zone).date()].append(meeting)
    locale = str(get_locale())
    return render_template(
        "meetings/month.html",
        group=group,
        can_manage=manage,
        weeks=calendar_view.month_weeks(year, month),
        by_day=by_day,
        meetings=meetings,
        month=month,
        today=today,
        month_title=f"{get_month_names('wide', 'stand-alone', locale=locale)[month]} {year}",
        day_names=get_day_names("wide", locale=locale),
        short_day_names=get_day_names("abbreviated", locale=locale),
        prev_month=f"{prev_year:04d}-{prev_month:02d}",
        next_month=f"{next_year:04d}-{next_month:02d}",
    )


@bp.get("/groups/<slug>/meetings/past")
def group_past(slug: str):
    group = svc.get_visible_group(current_user, slug)
    meetings = svc.list_past(current_user, group, page=page_number())
    return render_template(
        "meetings/list.html",
        group=group,
        meetings=meetings,
        can_manage=svc.can_manage(current_user, group),
        past=True,
    )


# --- one meeting -----------------------------------------------------------------------------------


@bp.get("/meetings/<int:meeting_id>")
def show(meeting_id: int):
    meeting = svc.get_meeting(current_user, meeting_id)
    manage = svc.can_manage(current_user, meeting.group)
    history = svc.meeting_history_entries(current_user, meeting) if manage else []
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        group=meeting.group,
        can_manage=manage,
        history=history,
        is_past=meeting.ends_at <= utcnow(),
    )


@bp.route("/groups/<slug>/meetings/new", methods=["GET", "POST"])
@login_required
def create(slug: str):
    group = svc.get_group_to_manage(current_user, slug)
    form = MeetingForm()
    form.host_member_id.choices = _host_choices(group)
    del form.scope
    if form.validate_on_submit():
        try:
            meeting = svc.create_meeting(
                current_user, group, _meeting_input(form), record_past=_record_past(form)
            )
        except ValidationFailed as error:
            _attach_errors(form, error)
        else:
            flash(_("The meeting was created."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    status = 422 if request.method == "POST" else 200
    return render_template("meetings/form.html", form=form, group=group, meeting=None), status


def _editable_meeting(meeting_id: int, *, correcting: bool = False):
    """The meeting to edit (`correcting`: a past one may still be corrected) or cancel; one that
    cannot be changed sends the organizer back to its page."""
    meeting = svc.get_meeting_to_manage(current_user, meeting_id)
    try:
        if correcting:
            svc.ensure_not_cancelled(meeting)
        else:
            svc.ensure_editable(meeting)
    except ValidationFailed as error:
        flash(error.message, "error")
        abort(redirect(url_for("meetings.show", meeting_id=meeting.id)))
    return meeting


def _tell_about_calendar_mail(meeting: Meeting) -> None:
    """After an edit or a cancellation: what the invited will get in their calendars (the
    calendar package collected an update, or sent the cancellations, in the same transaction)."""
    if meeting.invitations_sent_at is None:
        return
    if meeting.is_cancelled:
        flash(_("Everyone with a calendar invitation gets a cancellation that takes the meeting out of "
                "their calendar."), "info")
    elif meeting.calendar_update_due_at is not None:
        flash(_("Everyone invited gets an updated calendar invitation in a few minutes (several "
                "changes in a row become one update)."), "info")


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    meeting = _editable_meeting(meeting_id, correcting=True)
    form = MeetingForm()
    form.host_member_id.choices = _host_choices(meeting.group)
    if meeting.series_id is None:
        del form.scope
    if request.method == "GET":
        _fill_meeting_form(form, meeting)
    elif form.validate_on_submit():
        following = "scope" in form._fields and form.scope.data == SCOPE_FOLLOWING
        try:
            if following:
                changed = svc.update_following(current_user, meeting.id, _meeting_input(form))
                flash(
                    ngettext("%(num)d meeting was updated.", "%(num)d meetings were updated.", len(changed)),
                    "success",
                )
            else:
                svc.update_meeting(
                    current_user, meeting.id, _meeting_input(form), record_past=_record_past(form)
                )
                flash(_("The meeting was updated."), "success")
                _tell_about_calendar_mail(meeting)
        except ValidationFailed as error:
            _attach_errors(form, error)
        else:
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    status = 422 if request.method == "POST" else 200
    return render_template("meetings/form.html", form=form, group=meeting.group, meeting=meeting), status


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(meeting_id: int):
    meeting = _editable_meeting(meeting_id)
    form = CancelForm()
    if meeting.series_id is None:
        del form.scope
    if form.validate_on_submit():
        rest = "scope" in form._fields and form.scope.data == SCOPE_FOLLOWING
        try:
            if rest:
                cancelled = svc.cancel_rest_of_series(current_user, meeting.id, form.reason.data)
                flash(
                    ngettext(
                        "%(num)d meeting was cancelled.", "%(num)d meetings were cancelled.", len(cancelled)
                    ),
                    "success",
                )
            else:
                svc.cancel_meeting(current_user, meeting.id, form.reason.data)
                flash(_("The meeting was cancelled."), "success")
                _tell_about_calendar_mail(meeting)
        except ValidationFailed as error:
            _attach_errors(form, error)
        else:
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    status = 422 if request.method == "POST" else 200
    return render_template("meetings/cancel.html", form=form, meeting=meeting, group=meeting.group), status


# --- series ----------------------------------------------------------------------------------------


def _series_input(form: SeriesForm) -> dict:
    return {name: form[name].data for name in svc.SERIES_FIELDS if name in form}


def _rotation_input(form) -> list[dict]:
    return [
        {
            "host_member_id": row.host_member_id.data or None,  # checked by the service (check_host)
            "venue_name": row.venue_name.data or "",
            "venue_address": row.venue_address.data or "",
        }
        for row in form.rotation
    ]


def _digest(series_input: dict, rotation: list[dict]) -> str:
    """Fingerprint of the previewed choices: "Create" only acts on exactly what was previewed."""
    payload = json.dumps([series_input, rotation], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _prepare_rotation(form, group) -> None:
    choices = _host_choices(group)
    while len(form.rotation) < ROTATION_ROWS:
        form.rotation.append_entry()
    for row in form.rotation:
        row.host_member_id.choices = choices


@bp.route("/groups/<slug>/series/new", methods=["GET", "POST"])
@login_required
def series_new(slug: str):
    group = svc.get_group_to_manage(current_user, slug)
    form = SeriesForm()
    _prepare_rotation(form, group)
    if request.method == "GET":
        form.timezone.data = group.timezone
    plan = None
    if request.method == "POST" and form.validate():
        series_input, rotation = _series_input(form), _rotation_input(form)
        digest = _digest(series_input, rotation)
        also_on = request.form.getlist("also_on")  # "create anyway" on days with another meeting
        try:
            if request.form.get("action") == "create" and form.confirm.data == digest:
                _series, created = svc.create_series(
                    current_user, group, series_input, rotation, also_on=also_on
                )
                flash(
                    ngettext("%(num)d meeting was created.", "%(num)d meetings were created.", len(created)),
                    "success",
                )
                return redirect(url_for("meetings.group_upcoming", slug=group.slug))
            if request.form.get("action") == "create":
                flash(_("The choices changed since the preview. Please check the dates again."), "warning")
            plan = svc.preview_series(current_user, group, series_input, rotation, also_on=also_on)
            form.confirm.data = digest
        except ValidationFailed as error:
            _attach_errors(form, error)
    status = 422 if request.method == "POST" and plan is None else 200
    return render_template("meetings/series_form.html", form=form, group=group, plan=plan), status


@bp.route("/series/<int:series_id>/hosts", methods=["GET", "POST"])
@login_required
def series_hosts(series_id: int):
    series = svc.get_series_to_manage(current_user, series_id)
    form = HostRotationForm()
    _prepare_rotation(form, series.group)
    if form.validate_on_submit():
        try:
            changed = svc.assign_hosts(current_user, series, _rotation_input(form), form.from_date.data)
        except ValidationFailed as error:
            _attach_errors(form, error)
        else:
            flash(
                ngettext(
                    "Hosts were assigned to %(num)d meeting.",
                    "Hosts were assigned to %(num)d meetings.",
                    len(changed),
                ),
                "success",
            )
            return redirect(url_for("meetings.series_hosts", series_id=series.id))
    meetings = svc.series_meetings(current_user, series)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "meetings/series_hosts.html", form=form, series=series, group=series.group, meetings=meetings
    ), status
