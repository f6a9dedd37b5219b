"""The organizers' pages of the rsvp blueprint (see app/rsvp/__init__.py): a meeting's attendee page
with its actions, the print view for the door, the CSV export, "write to these people", and the
group's guest list across meetings.

Each action is a small POST form: it calls one service and redirects (303) back to the page with a
flash; a refused action (a full meeting, a stale page, a bad field) shows the page again with the
error (422 or 409), never a 500. Permission is checked by the services on the object.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.pagination import page_number
from app.rsvp import bp, organizer
from app.rsvp import services as svc
from app.rsvp.organizer_forms import (
    AddMemberForm,
    DeclineForm,
    GuestForm,
    HolderForm,
    LineForm,
    WriteForm,
    parse_holder,
)

# --- the page ---------------------------------------------------------------------------------

# Where a refused form is on the page (the error at the top links to it: on a phone it is far down).
FORM_ANCHORS = {"add": "add-member", "decline": "decline-member", "guest": "add-guest", "write": "write"}


def _member_choices(people: list[svc.Person]) -> list[SelectChoice]:
    unique = {p.member.id: p.member for p in people if p.member is not None and p.member.active}
    members = sorted(unique.values(), key=lambda m: (m.name.casefold(), m.id))
    return [SelectChoice("", _("Choose a member…"))] + [
        SelectChoice(m.id, f"{m.name} ({m.company})" if m.company else m.name) for m in members]


def _page(meeting_id: int, *, status: int = 200, forms: dict | None = None, error: str | None = None,
          view: svc.AttendeeList | None = None):
    view = view or svc.attendee_list(current_user, meeting_id)
    forms = dict(forms or {})
    add = forms.get("add") or AddMemberForm(formdata=None, prefix="add")
    add.member_id.choices = _member_choices(view.waitlisted + view.declined + view.not_answered)
    decline = forms.get("decline") or DeclineForm(formdata=None, prefix="decline")
    decline.member_id.choices = _member_choices(view.going + view.waitlisted + view.not_answered)
    guest = forms.get("guest") or GuestForm(formdata=None, prefix="guest")
    guest.member_id.choices = _member_choices(view.everyone)
    write = forms.get("write") or WriteForm(formdata=None)
    if not organizer.SEND_ID.match(write.send_id.data or ""):
        write.fresh_send_id()
    counts = view.counts
    full = counts.capacity is not None and counts.free == 0
    return render_template(
        "rsvp/attendees.html", view=view, meeting=view.meeting, group=view.meeting.group, counts=counts,
        full=full, add_form=add, decline_form=decline, guest_form=guest, write_form=write,
        open_form=next(iter(forms), None), error=error, error_anchor=FORM_ANCHORS.get(next(iter(forms), "")),
        can_act=not view.meeting.is_cancelled,
    ), status


@bp.get("/meetings/<int:meeting_id>/attendees")
@login_required
def attendees(meeting_id: int):
    return _page(meeting_id)


@bp.get("/meetings/<int:meeting_id>/attendees/print")
@login_required
def attendees_print(meeting_id: int):
    view = svc.attendee_list(current_user, meeting_id)
    return render_template("rsvp/attendees_print.html", view=view, meeting=view.meeting,
                           group=view.meeting.group, counts=view.counts)


@bp.get("/meetings/<int:meeting_id>/attendees.csv")
@login_required
def attendees_csv(meeting_id: int):
    filename, data = organizer.attendees_csv(current_user, meeting_id)
    return Response(data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


# --- the actions --------------------------------------------------------------------------------


def _act(meeting_id: int, key: str, form, do: Callable[[svc.AttendeeList], str], anchor: str):
    """Validate `form`, run `do(view)` (which calls one service and returns the flash), then 303 back
    to the page; on a refusal show the page again with the error. `view` is the page as the
    organizer saw it (for names); reading it checks the permission first (403/404)."""
    view = svc.attendee_list(current_user, meeting_id)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            error = _("The form had expired. Please try again.")
        else:
            error = _("Please correct the marked fields.")
        return _page(meeting_id, status=422, forms={key: form}, error=error, view=view)
    # The use case locks the meeting and reads its rows afresh; what this request read so far must
    # not stand in for them (the identity map would hand back the objects as they were).
    db.session.rollback()
    try:
        message = do(view)
    except PermissionDenied:
        raise
    except DomainError as exc:
        db.session.rollback()  # nothing of the refused action stays (nor its lock)
        return _refused(meeting_id, key, form, exc)
    flash(message, "success")
    return redirect(url_for("rsvp.attendees", meeting_id=meeting_id, _anchor=anchor), code=303)


def _refused(meeting_id: int, key: str, form, exc: DomainError):
    if isinstance(exc, ValidationFailed):
        loose = _field_errors(form, exc)
        return _page(meeting_id, status=422, forms={key: form}, error=" ".join(loose) or exc.message)
    if isinstance(exc, NotFound):
        return _page(meeting_id, status=409, forms={key: form},
                     error=_("That person is no longer on the list (the page was out of date). "
                             "Here is the list as it is now."))
    return _page(meeting_id, status=409 if exc.status == 409 else 422, forms={key: form}, error=exc.message)


def _field_errors(form, exc: ValidationFailed) -> list[str]:
    """The service's field errors next to the form's fields; returns those without a field."""
    loose = []
    names = {"member": "member_id", "substitute_email": "email"}
    for name, messages in exc.fields.items():
        field = getattr(form, names.get(name, name), None)
        if field is None or field.type == "HiddenField":  # nothing to show it beside
            loose.extend(messages)
        else:
            field.errors = list(field.errors or []) + list(messages)
    return loose


def _holder(form, view: svc.AttendeeList, kind: str | None = None) -> tuple[tuple[str, int], svc.Person]:
    key = parse_holder(form.holder.data)
    person = next((p for p in view.everyone if p.key == key), None) if key else None
    if key is None or person is None or (kind and key[0] != kind):
        raise NotFound()
    return key, person


def _with_promoted(message: str, outcome: svc.Outcome) -> str:
    if outcome.promoted:
        message += " " + _("Moved up from the waitlist: %(names)s.", names=", ".join(outcome.promoted))
    return message


def _member_name(view: svc.AttendeeList, member_id) -> str:
    person = next((p for p in view.everyone if p.member is not None and p.member.id == member_id), None)
    return person.name if person else ""


@bp.post("/meetings/<int:meeting_id>/attendees/add")
@login_required
def attendee_add(meeting_id: int):
    form = AddMemberForm(prefix="add")

    def do(view):
        outcome = svc.set_member_status(current_user, meeting_id, form.member_id.data, "going",
                                        force=form.force.data)
        answer = outcome.answer
        name = answer.member.name
        if answer.status == "going" and answer.rsvp is not None and answer.rsvp.forced:
            message = _("%(name)s got a seat above the capacity.", name=name)
        elif answer.status == "going":
            message = _("%(name)s is now going.", name=name)
        else:
            message = _("%(name)s is on the waitlist.", name=name)
        return _with_promoted(message, outcome)

    return _act(meeting_id, "add", form, do, "going")


@bp.post("/meetings/<int:meeting_id>/attendees/decline")
@login_required
def attendee_decline(meeting_id: int):
    form = DeclineForm(prefix="decline")

    def do(view):
        outcome = svc.set_member_status(current_user, meeting_id, form.member_id.data, "declined",
                                        message=form.message.data)
        return _with_promoted(_("Afbud registered for %(name)s.", name=outcome.answer.member.name), outcome)

    return _act(meeting_id, "decline", form, do, "declined")


@bp.post("/meetings/<int:meeting_id>/attendees/waitlist")
@login_required
def attendee_to_waitlist(meeting_id: int):
    form = HolderForm()

    def do(view):
        key, person = _holder(form, view)
        if key[0] == svc.MEMBER:  # also an expected member, who holds a seat without an answer
            outcome = svc.set_member_status(current_user, meeting_id, key[1], "waitlisted")
        else:
            outcome = svc.move_to_waitlist(current_user, meeting_id, key)
        return _with_promoted(_("%(name)s moved to the waitlist.", name=person.name), outcome)

    return _act(meeting_id, "waitlist", form, do, "waitlist")


@bp.post("/meetings/<int:meeting_id>/attendees/promote")
@login_required
def attendee_promote(meeting_id: int):
    form = HolderForm()

    def do(view):
        key, person = _holder(form, view)
        outcome = svc.promote(current_user, meeting_id, key, force=form.force.data)
        if form.force.data and view.counts.free == 0:
            return _("%(name)s got a seat above the capacity.", name=person.name)
        return _with_promoted(_("%(name)s got a seat.", name=person.name), outcome)

    return _act(meeting_id, "promote", form, do, "waitlist")


@bp.post("/meetings/<int:meeting_id>/attendees/line")
@login_required
def attendee_move(meeting_id: int):
    form = LineForm()

    def do(view):
        key, person = _holder(form, view)
        place = form.place.data
        if place is None:
            raise ValidationFailed(_("Please choose a place in line."),
                                   fields={"place": [_("Please choose a place in line.")]})
        line = len(view.waitlisted)
        place = max(1, min(place, line))
        svc.move_in_line(current_user, meeting_id, key, place)
        return _("%(name)s is now number %(num)d on the waitlist.", name=person.name, num=place)

    return _act(meeting_id, "line", form, do, "waitlist")


@bp.post("/meetings/<int:meeting_id>/attendees/guest")
@login_required
def attendee_guest(meeting_id: int):
    form = GuestForm(prefix="guest")

    def do(view):
        outcome = svc.add_guest_for(current_user, meeting_id, form.member_id.data,
                                    {"name": form.name.data, "email": form.email.data,
                                     "company": form.company.data}, force=form.force.data)
        host = outcome.answer.member.name
        guest = max(outcome.answer.guests, key=lambda g: g.id)  # the one just added
        name = guest.name
        if guest.status == "waitlisted":
            message = _("%(name)s was added as the guest of %(host)s and is on the waitlist.",
                        name=name, host=host)
        else:
            message = _("%(name)s was added as the guest of %(host)s.", name=name, host=host)
        return _with_promoted(message, outcome)

    return _act(meeting_id, "guest", form, do, "going")


@bp.post("/meetings/<int:meeting_id>/attendees/remove-guest")
@login_required
def attendee_remove_guest(meeting_id: int):
    form = HolderForm()

    def do(view):
        key, person = _holder(form, view, kind=svc.GUEST)
        outcome = svc.remove_guest(current_user, key[1])
        return _with_promoted(_("%(name)s was removed and has been told by mail.", name=person.name), outcome)

    return _act(meeting_id, "remove", form, do, "going")


@bp.post("/meetings/<int:meeting_id>/attendees/write")
@login_required
def attendee_write(meeting_id: int):
    form = WriteForm()

    def do(view):
        result = organizer.write_to(current_user, meeting_id, form.audiences.data or [], form.subject.data,
                                    form.body.data, form.send_id.data)
        if result.again:
            return ngettext("This message was sent already (to %(num)d person); it was not sent again.",
                            "This message was sent already (to %(num)d people); it was not sent again.",
                            result.sent)
        return ngettext("Sent to %(num)d person.", "Sent to %(num)d people.", result.sent)

    return _act(meeting_id, "write", form, do, "write")


# --- the group's guests ---------------------------------------------------------------------------


@bp.get("/groups/<slug>/guests")
@login_required
def group_guests(slug: str):
    listing = organizer.guest_list(current_user, slug, page=page_number())
    return render_template("rsvp/guests.html", listing=listing, group=listing.group, page=listing.page)


@bp.get("/groups/<slug>/guests.csv")
@login_required
def group_guests_csv(slug: str):
    filename, data = organizer.guest_list_csv(current_user, slug)
    return Response(data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
