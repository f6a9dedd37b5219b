"""One-click pages: a member's "Jeg kommer" / "Afbud" link and a guest's cancel link.

GET only shows the page with one button (mail scanners such as Outlook's safe links open every link
in a mail); only the button's POST changes the answer. The links work without logging in.
"""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.errors import DomainError, ValidationFailed
from app.groups.forms import apply_field_errors
from app.rsvp import bp, links
from app.rsvp import services as svc
from app.rsvp.forms import GuestCancelForm, OneClickForm


def _no_store(response, status: int = 200):
    response = make_response(response, status)
    # The address holds a secret: keep the page out of caches (the templates set a no-referrer meta
    # tag, since Talisman owns the Referrer-Policy header and replaces one set here).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/rsvp/<token>/<any(yes, no):reply>", methods=["GET", "POST"])
def one_click(token: str, reply: str):
    form = OneClickForm()
    try:
        view = svc.link_view(token)
    except svc.LinkInvalid as exc:
        return _no_store(render_template("rsvp/link_invalid.html", reason=exc.reason, meeting=exc.meeting),
                         exc.status)
    error = None
    if form.validate_on_submit():
        try:
            svc.answer_by_link(token, reply, message=form.message.data if reply == "no" else None)
        except svc.LinkInvalid as exc:
            return _no_store(render_template("rsvp/link_invalid.html", reason=exc.reason,
                                             meeting=exc.meeting), exc.status)
        except ValidationFailed as exc:
            error = " ".join(apply_field_errors(form, exc)) or exc.message
        except DomainError as exc:
            error = exc.message
        else:
            return redirect(url_for("rsvp.one_click", token=token, reply=reply, done=1), code=303)
    elif form.is_submitted():
        error = _("The form had expired. Please press the button again.")
    view = svc.link_view(token)
    status = 422 if error else 200
    return _no_store(render_template("rsvp/one_click.html", view=view, reply=reply, form=form, error=error,
                                     done=request.args.get("done") == "1" and not error), status)


@bp.route("/guest/<token>", methods=["GET", "POST"])
def guest_link(token: str):
    form = GuestCancelForm()
    try:
        guest_id = links.read_guest_token(token)
        guest = svc.guest_for_link(guest_id)
    except DomainError:
        return _no_store(render_template("rsvp/link_invalid.html", reason="invalid", meeting=None), 404)
    error = None
    if form.validate_on_submit():
        try:
            svc.cancel_guest_seat(guest_id)
        except DomainError as exc:
            error = exc.message
        else:
            return redirect(url_for("rsvp.guest_link", token=token, done=1), code=303)
    elif form.is_submitted():
        error = _("The form had expired. Please press the button again.")
    guest = svc.guest_for_link(guest_id)
    return _no_store(render_template("rsvp/guest_link.html", guest=guest, meeting=guest.meeting,
                                     form=form, error=error, done=request.args.get("done") == "1",
                                     started=svc.has_started(guest.meeting)), 422 if error else 200)
