"""The member's choice of how they hear about new requests (`/asks/notices`), and the receivers of
the notices package (instant mails on `request_posted`, expiry on `periodic_work`).

Thin: `app.asks.notices` decides. POST/redirect/GET; a wrong choice shows the form again (422).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice

from app.asks import bp, notices
from app.errors import ValidationFailed
from app.forms_base import AppForm
from app.groups.forms import apply_field_errors


def connect_receivers() -> None:
    """Connect the receivers (init_app calls this once)."""
    notices.connect_receivers()


class RequestNoticesForm(AppForm):
    request_notices = RadioField(
        _l("New requests from my groups"),
        choices=[SelectChoice(value, label) for value, label in notices.CHOICE_LABELS.items()],
        validate_choice=False)  # the service names a wrong choice
    submit = SubmitField(_l("Save"))

    choice_help = notices.CHOICE_HELP


@bp.app_template_global()
def request_notices_label(member=None) -> str:
    """The member's (default: the logged-in member's) choice in words, e.g. "A weekly overview"."""
    member = member or current_user
    choice = getattr(member, "request_notices", None)
    label = notices.CHOICE_LABELS.get(choice)
    return str(label) if label is not None else ""


def _render(form: RequestNoticesForm, status: int = 200):
    return render_template("asks/notices.html", form=form), status


@bp.route("/asks/notices", methods=["GET", "POST"], endpoint="notices")
@login_required
def notices_page():
    if request.method == "GET":
        return _render(RequestNoticesForm(formdata=None, request_notices=current_user.request_notices))
    form = RequestNoticesForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    try:
        member = notices.set_request_notices(current_user, form.request_notices.data)
    except ValidationFailed as error:
        apply_field_errors(form, error)
        return _render(form, 422)
    flash(_("Saved: %(choice)s.", choice=notices.CHOICE_LABELS[member.request_notices]), "success")
    return redirect(url_for("asks.notices"), code=303)
