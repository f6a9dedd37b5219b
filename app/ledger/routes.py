"""Routes: referrals ("Mine henvisninger"), "Tak for forretningen", "Tak for hjælpen", corrections,
withdrawals, hiding and the history of each.

Thin: the services decide (app.ledger.referrals, app.ledger.thanks, app.ledger.services), and the
pages show only the fields the rule gives the viewer (`seen.fields`). The wall link in the thanks
mail works without logging in and, like the other one-click links, only shows a button on GET.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import events
from app.auth.viewers import member_label
from app.errors import DomainError, NotFound, ValidationFailed
from app.groups.forms import apply_field_errors
from app.i18n import network_timezone
from app.ledger import bp, referrals, services
from app.ledger import thanks as thanks_service
from app.ledger.amounts import format_dkk
from app.ledger.forms import (
    ActionForm,
    BusinessThanksForm,
    HelpEditForm,
    HelpThanksForm,
    ReasonForm,
    ReferralEditForm,
    ReferralForm,
    StatusForm,
    ThanksEditForm,
    member_id,
)
from app.members.loading import fellow_members
from app.models import Referral, ThanksKind

ITEM_ENDPOINTS = {services.REFERRAL: ("ledger.referral", "referral_id"),
                  services.HELP: ("ledger.help_record", "help_id"),
                  services.THANKS: ("ledger.thanks", "thanks_id")}


def connect_receivers() -> None:
    """Connect the receivers (init_app calls this once)."""
    events.request_solved.connect(_request_solved)


def _request_solved(request_, helper_ids=(), actor=None, **kwargs) -> None:
    thanks_service.record_solved_request(request_, helper_ids=helper_ids, actor=actor)


# --- template helpers ------------------------------------------------------------------------------


@bp.app_template_filter("dkk")
def dkk_filter(value) -> str:
    """Whole kroner in the reader's language ("12.500 kr.")."""
    return format_dkk(int(value), str(get_locale() or "da"))


@bp.app_template_global()
def ledger_tz() -> str:
    """The network's time zone: the dates of referrals and thanks are shown in it."""
    return network_timezone()


@bp.app_template_global()
def referral_warmth_word(warmth: str) -> str:
    return referrals.warmth_word(warmth)


@bp.app_template_global()
def referral_status_word(status: str) -> str:
    return referrals.status_word(status)


@bp.app_template_global()
def help_kind_word(kind: str) -> str:
    return thanks_service.help_kind_word(kind)


CHANGE_LABELS = {
    "status": lambda: _("Status"), "contact_name": lambda: _("The contact's name"),
    "contact_company": lambda: _("Company"), "contact_phone": lambda: _("Phone"),
    "contact_email": lambda: _("E-mail"), "about": lambda: _("What is it about?"),
    "warmth": lambda: _("How warm is the contact?"), "amount_dkk": lambda: _("Amount"),
    "message": lambda: _("Message"), "wall_by_thanker": lambda: _("Thank-you wall"),
    "wall_by_thanked": lambda: _("Thank-you wall"), "kind": lambda: _("Kind of help"),
    "description": lambda: _("Description"), "given_on": lambda: _("Date"),
    "request_id": lambda: _("Request"),
}


@bp.app_template_global()
def change_label(name: str) -> str:
    """A field of a history entry in words."""
    label = CHANGE_LABELS.get(name)
    return label() if label else name


@bp.app_template_global()
def change_value(name: str, value) -> str:
    """A value of a history entry in words (a status, a warmth, a kind, yes/no; "–" for none)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    words = {"status": referrals.status_word, "warmth": referrals.warmth_word,
             "kind": thanks_service.help_kind_word}.get(name)
    return words(value) if words else str(value)


def item_url(item_type: str, item_id: int) -> str:
    endpoint, name = ITEM_ENDPOINTS[item_type]
    return url_for(endpoint, **{name: item_id})


def _member_choices(field, *, empty: str) -> None:
    field.choices = [SelectChoice(0, empty)] + [
        SelectChoice(m.id, member_label(current_user, m, shares_group=True))
        for m in fellow_members(current_user)]


def _group_choices(field) -> None:
    groups = sorted({m.group for m in current_user.memberships}, key=lambda g: (g.name, g.id))
    field.choices = [SelectChoice(0, _("The group we share"))] + [SelectChoice(g.id, g.name) for g in groups]


def _render_form(template: str, form, errors: list[str], **context):
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, errors=errors, **context), status


# --- my referrals and thanks -------------------------------------------------------------------------


@bp.get("/referrals")
@login_required
def referrals_mine():
    return render_template("ledger/mine.html", refs=referrals.mine(current_user),
                           thanks=thanks_service.mine(current_user),
                           help_records=thanks_service.help_of_mine(current_user))


# --- referrals ----------------------------------------------------------------------------------------


@bp.route("/referrals/new", methods=["GET", "POST"])
@login_required
def new_referral():
    form = ReferralForm()
    _member_choices(form.receiver_id, empty=_("Choose a member"))
    _group_choices(form.group_id)
    if request.method == "GET":
        form.receiver_id.data = request.args.get("to", type=int) or 0
        form.request_id.data = request.args.get("request", type=int) or ""
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            referral = referrals.give(current_user, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except DomainError as error:  # too many in a day
            errors = [error.message]
        else:
            flash(_("Thank you for the referral: %(name)s has been told.", name=referral.receiver.name),
                  "success")
            return redirect(url_for("ledger.referral", referral_id=referral.id), code=303)
    return _render_form("ledger/referral_form.html", form, errors)


@bp.get("/referrals/<int:referral_id>")
@login_required
def referral(referral_id: int):
    seen = services.get_for(current_user, services.REFERRAL, referral_id)
    return render_template("ledger/referral.html", seen=seen, r=seen.item,
                           thanked=thanks_service.of_referral(current_user, seen.item), moves=sorted(
        referrals.MOVES.get(seen.item.status, ())), status_form=StatusForm(formdata=None),
        reason_form=ReasonForm(formdata=None), action_form=ActionForm(formdata=None))


@bp.post("/referrals/<int:referral_id>/status")
@login_required
def referral_status(referral_id: int):
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "danger")
    else:
        try:
            row = referrals.set_status(current_user, referral_id, form.status.data)
        except (ValidationFailed, DomainError) as error:
            if isinstance(error, NotFound):
                raise
            flash(error.message if not error.fields else " ".join(sum(error.fields.values(), [])), "danger")
        else:
            flash(_("The referral is now %(status)s.", status=referrals.status_word(row.status)), "success")
    return redirect(url_for("ledger.referral", referral_id=referral_id), code=303)


@bp.route("/referrals/<int:referral_id>/edit", methods=["GET", "POST"])
@login_required
def edit_referral(referral_id: int):
    seen = services.get_for(current_user, services.REFERRAL, referral_id)
    if seen.item.giver_id != current_user.id:
        abort(403)
    form = ReferralEditForm(obj=seen.item if request.method == "GET" else None)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            referrals.correct(current_user, referral_id, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        else:
            flash(_("The referral is corrected."), "success")
            return redirect(url_for("ledger.referral", referral_id=referral_id), code=303)
    return _render_form("ledger/edit.html", form, errors, heading=_("Correct the referral"),
                        back=url_for("ledger.referral", referral_id=referral_id))


# --- thanks --------------------------------------------------------------------------------------------


@bp.route("/thanks/new", methods=["GET", "POST"])
@login_required
def new_thanks():
    """"Tak for forretningen": from a referral (?referral=id) or from the network (?to=member)."""
    form = BusinessThanksForm()
    _member_choices(form.thanked_id, empty=_("Choose a member"))
    _group_choices(form.group_id)
    referral_id = member_id(form.referral_id.data if form.is_submitted() else request.args.get("referral"))
    from_referral = None
    if referral_id:
        from_referral = services.get_for(current_user, services.REFERRAL, referral_id).item
        if from_referral.receiver_id != current_user.id:
            abort(403)
    if request.method == "GET":
        form.referral_id.data = str(referral_id or "")
        wanted = request.args.get("to", type=int) or 0
        form.thanked_id.data = from_referral.giver_id if from_referral else wanted
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            row = thanks_service.thank_for_business(current_user, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except DomainError as error:  # too many in a day
            errors = [error.message]
        else:
            flash(_("Your thank-you is saved and %(name)s has been told.", name=row.thanked.name), "success")
            return redirect(url_for("ledger.thanks", thanks_id=row.id), code=303)
    return _render_form("ledger/thanks_form.html", form, errors, from_referral=from_referral, business=True)


@bp.route("/thanks/help/new", methods=["GET", "POST"])
@login_required
def new_help_thanks():
    """"Tak for hjælpen": help that is not business."""
    form = HelpThanksForm()
    _member_choices(form.giver_id, empty=_("Choose a member"))
    _group_choices(form.group_id)
    if request.method == "GET":
        form.giver_id.data = request.args.get("to", type=int) or 0
        form.given_on.data = thanks_service.local_today()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            row = thanks_service.thank_for_help(current_user, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except DomainError as error:  # too many in a day
            errors = [error.message]
        else:
            flash(_("Your thank-you is saved and %(name)s has been told.", name=row.thanked.name), "success")
            return redirect(url_for("ledger.thanks", thanks_id=row.id), code=303)
    return _render_form("ledger/thanks_form.html", form, errors, from_referral=None, business=False)


@bp.get("/thanks/<int:thanks_id>")
@login_required
def thanks(thanks_id: int):
    seen = services.get_for(current_user, services.THANKS, thanks_id)
    return render_template("ledger/thanks.html", seen=seen, t=seen.item,
                           reason_form=ReasonForm(formdata=None), action_form=ActionForm(formdata=None))


@bp.route("/thanks/<int:thanks_id>/edit", methods=["GET", "POST"])
@login_required
def edit_thanks(thanks_id: int):
    seen = services.get_for(current_user, services.THANKS, thanks_id)
    item = seen.item
    if item.thanker_id != current_user.id:
        abort(403)
    business = item.kind == ThanksKind.BUSINESS.value
    form = ThanksEditForm(obj=item if request.method == "GET" else None)
    if not business:
        del form.amount_dkk
    elif request.method == "GET":
        form.amount_dkk.data = "" if item.amount_dkk is None else str(item.amount_dkk)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            thanks_service.correct_thanks(current_user, thanks_id, form.to_data(business=business))
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        else:
            flash(_("The thank-you is corrected."), "success")
            return redirect(url_for("ledger.thanks", thanks_id=thanks_id), code=303)
    return _render_form("ledger/edit.html", form, errors, heading=_("Correct the thank-you"),
                        back=url_for("ledger.thanks", thanks_id=thanks_id))


@bp.post("/thanks/<int:thanks_id>/wall/<any(yes, no):answer>")
@login_required
def thanks_wall(thanks_id: int, answer: str):
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "danger")
    else:
        thanks_service.agree_to_wall(current_user, thanks_id, answer == "yes")
        flash(_("The thank-you may be shown on the group's thank-you wall.") if answer == "yes"
              else _("The thank-you is no longer shown on the thank-you wall."), "success")
    return redirect(url_for("ledger.thanks", thanks_id=thanks_id), code=303)


def _no_store(body, status: int = 200):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/thanks/wall/<token>", methods=["GET", "POST"])
def wall_link(token: str):
    """The one-click "yes, show it on the wall" page from the thanks mail: works without logging in."""
    try:
        row = thanks_service.read_wall_token(token)
    except NotFound:
        page = render_template("ledger/wall_link.html", t=None, form=None, error=None, done=False)
        return _no_store(page, 404)
    form = ActionForm()
    error = None
    if form.validate_on_submit():
        thanks_service.agree_by_link(token)
        return redirect(url_for("ledger.wall_link", token=token, done=1), code=303)
    if form.is_submitted():
        error = _("The form had expired. Please press the button again.")
    return _no_store(render_template("ledger/wall_link.html", t=row, form=form, error=error,
                                     done=request.args.get("done") == "1"), 422 if error else 200)


# --- help ------------------------------------------------------------------------------------------------


@bp.get("/help/<int:help_id>")
@login_required
def help_record(help_id: int):
    seen = services.get_for(current_user, services.HELP, help_id)
    return render_template("ledger/help.html", seen=seen, h=seen.item, reason_form=ReasonForm(formdata=None))


@bp.route("/help/<int:help_id>/edit", methods=["GET", "POST"])
@login_required
def edit_help(help_id: int):
    seen = services.get_for(current_user, services.HELP, help_id)
    if seen.item.recorded_by_id != current_user.id:
        abort(403)
    form = HelpEditForm(obj=seen.item if request.method == "GET" else None)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            thanks_service.correct_help(current_user, help_id, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except DomainError as error:
            errors = [error.message]
        else:
            flash(_("The help is corrected."), "success")
            return redirect(url_for("ledger.help_record", help_id=help_id), code=303)
    return _render_form("ledger/edit.html", form, errors, heading=_("Correct the help"),
                        back=url_for("ledger.help_record", help_id=help_id))


# --- withdraw, hide, show, history (every kind) ------------------------------------------------------------

ITEM_TYPES = "any(referral, help, thanks)"


@bp.post(f"/give-and-take/<{ITEM_TYPES}:item_type>/<int:item_id>/withdraw")
@login_required
def withdraw(item_type: str, item_id: int):
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "danger")
        return redirect(item_url(item_type, item_id), code=303)
    use_case = {services.REFERRAL: referrals.withdraw, services.HELP: thanks_service.withdraw_help,
                services.THANKS: thanks_service.withdraw_thanks}[item_type]
    try:
        use_case(current_user, item_id, form.reason.data or "")
    except ValidationFailed as error:
        flash(" ".join(sum(error.fields.values(), [])) or error.message, "danger")
        return redirect(item_url(item_type, item_id), code=303)
    flash(_("It is withdrawn: nobody sees it any more."), "success")
    return redirect(url_for("ledger.referrals_mine"), code=303)


@bp.post(f"/give-and-take/<{ITEM_TYPES}:item_type>/<int:item_id>/<any(hide, show):action>")
@login_required
def moderate(item_type: str, item_id: int, action: str):
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "danger")
        return redirect(item_url(item_type, item_id), code=303)
    try:
        if action == "hide":
            services.hide(current_user, item_type, item_id, form.reason.data or "")
            flash(_("It is hidden from the members; the two members see it with your reason."), "success")
        else:
            services.show(current_user, item_type, item_id, form.reason.data or "")
            flash(_("It is shown again."), "success")
    except ValidationFailed as error:
        flash(" ".join(sum(error.fields.values(), [])) or error.message, "danger")
    return redirect(item_url(item_type, item_id), code=303)


@bp.get(f"/give-and-take/<{ITEM_TYPES}:item_type>/<int:item_id>/history")
@login_required
def history(item_type: str, item_id: int):
    item, entries = services.history_for(current_user, item_type, item_id)
    back = None if item.is_withdrawn else item_url(item_type, item_id)
    return render_template("ledger/history.html", item=item, item_type=item_type, entries=entries, back=back,
                           is_referral=isinstance(item, Referral))
