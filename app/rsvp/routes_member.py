"""The member's posts from the sign-up panel of the meeting page (see app/rsvp/__init__.py).

Each route reads its form, calls one use case of `app.rsvp.services` and redirects (303) back to
the meeting page with a message in plain words, so reload and Back never send an answer twice. A
refused post shows the meeting page again with the form as it was posted and its errors (status of
the error: 422, 409, 403), so nothing the member typed is lost. A GET of these addresses (a reload
of such an error page) goes to the meeting page.
"""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import DomainError, NotFound, ValidationFailed
from app.models import normalize_email
from app.rsvp import bp
from app.rsvp import services as svc
from app.rsvp.panel import FailedPost, new_form, remember_failed_post

# The service's field names -> the form's fields.
_GUEST_FIELDS = {"name": "name", "email": "email", "company": "company"}
_SUBSTITUTE_FIELDS = {"substitute_name": "name", "substitute_email": "email",
                      "substitute_company": "company", "message": "message"}
_ANSWER_FIELDS = {"message": "message"}


def _to_meeting(meeting_id: int):
    return redirect(url_for("meetings.show", meeting_id=meeting_id), code=303)


def _show_again(meeting_id: int, form_name: str, form, error: DomainError | None, *,
                fields: dict[str, str] | None = None, answer: str | None = None, status: int = 422):
    """The meeting page again, with `form` as posted and the error next to its fields."""
    messages: list[str] = []
    if error is not None:
        status = error.status if error.status in (403, 409, 422) else 422
        for name, field_messages in (error.fields or {}).items():
            target = (fields or {}).get(name)
            if target is not None and target in form._fields:
                form[target].errors = list(form[target].errors or []) + list(field_messages)
            else:
                messages.extend(field_messages)
        if not error.fields:
            messages.append(error.message)
    else:
        if "csrf_token" in form.errors:
            messages.append(_("The form had expired. Please try again."))
        if "answer" in form.errors:  # a hidden field: its message goes on top
            messages.extend(form.errors["answer"])
    remember_failed_post(FailedPost(form_name, form, messages, answer))
    response = make_response(current_app.view_functions["meetings.show"](meeting_id=meeting_id))
    response.status_code = status
    return response


def _redirect_get(meeting_id: int):
    """A reload of an error page (its address is the post's): back to the meeting page."""
    return redirect(url_for("meetings.show", meeting_id=meeting_id))


# --- "Jeg kommer" / "Meld afbud" ------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/my-answer", methods=["GET", "POST"])
@login_required
def my_answer(meeting_id: int):
    if request.method == "GET":
        return _redirect_get(meeting_id)
    form = new_form("answer", posted=True)
    reply = form.answer.data if form.answer.data in svc.ANSWERS else None
    if not form.validate_on_submit():
        return _show_again(meeting_id, "answer", form, None, answer=reply)
    try:
        outcome = svc.answer(current_user, meeting_id, form.answer.data or "",
                             message=form.message.data if reply == "no" else None)
    except NotFound:
        raise
    except DomainError as error:
        return _show_again(meeting_id, "answer", form, error, fields=_ANSWER_FIELDS, answer=reply)
    mine = outcome.answer
    if mine.status == "going":
        flash(_("You are signed up. See you there!"), "success")
    elif mine.status == "waitlisted":
        flash(_("The meeting is full – you are number %(num)d on the waitlist. We will send you an "
                "e-mail if you move up.", num=mine.waitlist_position or 1), "warning")
    elif mine.late:
        flash(_("Your afbud is registered. The sign-up deadline had passed, so it is noted as late."),
              "success")
    else:
        flash(_("Your afbud is registered."), "success")
    return _to_meeting(meeting_id)


# --- guests --------------------------------------------------------------------------------------


def _person(form) -> dict[str, str]:
    return {"name": form.name.data or "", "email": form.email.data or "", "company": form.company.data or ""}


@bp.route("/meetings/<int:meeting_id>/my-guests", methods=["GET", "POST"])
@login_required
def my_guest_add(meeting_id: int):
    if request.method == "GET":
        return _redirect_get(meeting_id)
    form = new_form("guest", posted=True)
    if not form.validate_on_submit():
        return _show_again(meeting_id, "guest", form, None)
    signed_up_before = _signed_up(meeting_id)
    try:
        outcome = svc.add_guest(current_user, meeting_id, _person(form))
    except NotFound:
        raise
    except ValidationFailed as error:
        already = _guest_already_there(meeting_id, form.email.data)
        if already is not None:
            # A second press of the button (or the same guest again): the guest is on the list.
            flash(_("%(name)s is on your guest list already.", name=already.name), "info")
            return _to_meeting(meeting_id)
        return _show_again(meeting_id, "guest", form, error, fields=_GUEST_FIELDS)
    except DomainError as error:
        return _show_again(meeting_id, "guest", form, error, fields=_GUEST_FIELDS)
    mine = outcome.answer
    if not signed_up_before:  # adding a guest signed the member up too
        if mine.status == "waitlisted":
            flash(_("The meeting is full – you are number %(num)d on the waitlist. We will send you an "
                    "e-mail if you move up.", num=mine.waitlist_position or 1), "warning")
        else:
            flash(_("You are signed up. See you there!"), "success")
    guest = max(mine.guests, key=lambda g: g.id)
    if guest.status == "waitlisted":
        flash(_("The meeting is full – your guest %(name)s is number %(num)d on the waitlist. We will "
                "write to %(name)s if a seat becomes free.", name=guest.name,
                num=outcome.answer.guest_positions.get(guest.id) or 1), "warning")
    else:
        flash(_("%(name)s is signed up as your guest and gets a confirmation by e-mail.", name=guest.name),
              "success")
    return _to_meeting(meeting_id)


def _signed_up(meeting_id: int) -> bool:
    """The member has said yes (going or waiting) before this post."""
    try:
        mine = svc.my_answer(current_user, meeting_id)
    except DomainError:
        return True  # the use case will say what is wrong
    return mine.answered and mine.status in ("going", "waitlisted")


def _guest_already_there(meeting_id: int, email):
    if not isinstance(email, str) or not email.strip():
        return None
    try:
        mine = svc.my_answer(current_user, meeting_id)
    except DomainError:
        return None
    wanted = normalize_email(email.strip())
    return next((g for g in mine.guests if g.email == wanted), None)


@bp.route("/meetings/<int:meeting_id>/my-guests/<int:guest_id>/remove", methods=["GET", "POST"])
@login_required
def my_guest_remove(meeting_id: int, guest_id: int):
    if request.method == "GET":
        return _redirect_get(meeting_id)
    form = new_form("remove", posted=True)
    if not form.validate_on_submit():
        return _show_again(meeting_id, "remove", form, None)
    guest = svc.guest_for_link(guest_id)
    if guest.meeting_id != meeting_id:
        raise NotFound()
    try:
        svc.remove_guest(current_user, guest_id)
    except NotFound:
        raise
    except DomainError as error:
        return _show_again(meeting_id, "remove", form, error)
    guest = svc.guest_for_link(guest_id)
    if guest.is_substitute:
        flash(_("%(name)s no longer comes in your place. Your afbud stands.", name=guest.name), "success")
    else:
        flash(_("%(name)s is no longer on your guest list and has been told by e-mail.", name=guest.name),
              "success")
    return _to_meeting(meeting_id)


# --- a substitute (stedfortræder) -------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/my-substitute", methods=["GET", "POST"])
@login_required
def my_substitute(meeting_id: int):
    if request.method == "GET":
        return _redirect_get(meeting_id)
    form = new_form("substitute", posted=True)
    if not form.validate_on_submit():
        return _show_again(meeting_id, "substitute", form, None)
    try:
        outcome = svc.send_substitute(current_user, meeting_id, _person(form), message=form.message.data)
    except NotFound:
        raise
    except DomainError as error:
        return _show_again(meeting_id, "substitute", form, error, fields=_SUBSTITUTE_FIELDS)
    substitute = outcome.answer.substitute
    if substitute is not None and substitute.status == "waitlisted":
        flash(_("Your afbud is registered. The meeting is full, so %(name)s is number %(num)d on the "
                "waitlist in your place.", name=substitute.name,
                num=outcome.answer.guest_positions.get(substitute.id) or 1), "warning")
    else:
        flash(_("Your afbud is registered, and %(name)s comes in your place (confirmed by e-mail).",
                name=substitute.name if substitute else ""), "success")
    return _to_meeting(meeting_id)
