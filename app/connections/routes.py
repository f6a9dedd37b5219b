"""Routes: "Mit netværk", another member's network, 1-to-1 meetings and their one-click links.

Thin: the services decide (app.connections.services, app.connections.one_to_ones). The one-click
links in the 1-to-1 mail work without logging in and, like the sign-up links, only show a page with
one button on GET; only the button's POST confirms or declines (mail scanners open every link).
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.viewers import member_label
from app.connections import bp, encounters, one_to_ones, privacy, services
from app.connections.forms import ActionForm, HideNetworkForm, OneToOneForm
from app.connections.strength import level as strength_level
from app.errors import DomainError, NotFound, ValidationFailed
from app.groups.forms import apply_field_errors
from app.members.loading import fellow_members


def connect_receivers() -> None:
    """Connect the receivers (init_app calls this once)."""
    encounters.connect_receivers()


# --- template helpers --------------------------------------------------------------------------------

LEVEL_WORDS = {
    "strong": lambda: _("You know each other well"),
    "known": lambda: _("You know each other"),
    "acquainted": lambda: _("You have met"),
    "faint": lambda: _("A faint tie"),
    "none": lambda: _("Not met yet"),
}

# The same words about two other people (on another member's network page: "Kender hinanden godt").
LEVEL_WORDS_THIRD = {
    "strong": lambda: _("Know each other well"),
    "known": lambda: _("Know each other"),
    "acquainted": lambda: _("Have met"),
    "faint": lambda: _("A faint tie"),
    "none": lambda: _("Not met yet"),
}


@bp.app_template_global()
def strength_words(relation, third: bool = False) -> str:
    """The strength of a relationship in words (`strength.level`): to the viewer about their own tie
    ("I kender hinanden"), or with `third` about two others ("Kender hinanden")."""
    name = relation.level if hasattr(relation, "level") else strength_level(float(relation))
    words = LEVEL_WORDS_THIRD if third else LEVEL_WORDS
    return words.get(name, words["faint"])()


@bp.app_template_global()
def member_network_hook(member):
    """What the profile card shows about the member's network (None for anonymous viewers)."""
    if not current_user.is_authenticated:
        return None
    try:
        return services.member_network(current_user, member.id, people=False)
    except DomainError:
        return None


# --- my network ----------------------------------------------------------------------------------------


@bp.get("/network")
@login_required
def my_network():
    mine = services.my_network(current_user)
    privacy_form = HideNetworkForm(formdata=None, hide_network=current_user.hide_network)
    return render_template("connections/my_network.html", net=mine, privacy_form=privacy_form,
                           action_form=ActionForm(formdata=None))


@bp.post("/network/privacy")
@login_required
def privacy_setting():
    form = HideNetworkForm()
    if form.validate_on_submit():
        services.set_hide_network(current_user, bool(form.hide_network.data))
        flash(_("Your network is now hidden from other members.") if form.hide_network.data
              else _("Other members of your groups can now see your network."), "success")
    else:
        flash(_("The form had expired. Please try again."), "danger")
    return redirect(url_for("connections.my_network") + "#privacy", code=303)


@bp.get("/network/privacy")
@login_required
def privacy_setting_page():
    """The setting's form posts here; a GET (a reload, or the way back from logging in after the
    session ran out) shows the setting instead of "method not allowed"."""
    return redirect(url_for("connections.my_network") + "#privacy", code=303)


@bp.get("/members/<int:member_id>/network")
@login_required
def member_network(member_id: int):
    theirs = services.member_network(current_user, member_id)
    if theirs.is_self:
        return redirect(url_for("connections.my_network"))
    return render_template("connections/member_network.html", net=theirs, privacy=privacy)


# --- 1-to-1s ---------------------------------------------------------------------------------------------


def _partner_choices(form: OneToOneForm) -> None:
    partners = fellow_members(current_user)
    form.partner_id.choices = [(0, _("Choose a member"))] + [
        (m.id, member_label(current_user, m, shares_group=True)) for m in partners]


@bp.route("/one-to-ones/new", methods=["GET", "POST"])
@login_required
def new_one_to_one():
    form = OneToOneForm()
    _partner_choices(form)
    # from a "Foreslå et 1-til-1-møde" button: the page says so (the form is the same)
    proposing = request.args.get("with", type=int) is not None
    if request.method == "GET":
        wanted = request.args.get("with", type=int)
        if wanted and any(value == wanted for value, _label in form.partner_id.choices):
            form.partner_id.data = wanted
        form.met_on.data = form.met_on.data or one_to_ones.local_today()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            row = one_to_ones.propose(current_user, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except DomainError as error:  # too many in a day
            errors = [error.message]
        else:
            flash(_("The 1-to-1 is saved and %(name)s has been asked to confirm it.", name=row.partner.name),
                  "success")
            return redirect(url_for("connections.one_to_one", one_to_one_id=row.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("connections/one_to_one_form.html", form=form, errors=errors,
                           proposing=proposing), status


@bp.get("/one-to-ones/<int:one_to_one_id>")
@login_required
def one_to_one(one_to_one_id: int):
    row = one_to_ones.get_for(current_user, one_to_one_id)
    return render_template("connections/one_to_one.html", row=row,
                           other=one_to_ones.other_of(row, current_user),
                           past=one_to_ones.is_past(row), when=one_to_ones.when_text(row, _locale()),
                           action_form=ActionForm(formdata=None))


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "da")


@bp.post("/one-to-ones/<int:one_to_one_id>/<any(confirm, decline, cancel):action>")
@login_required
def one_to_one_action(one_to_one_id: int, action: str):
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "danger")
        return redirect(url_for("connections.one_to_one", one_to_one_id=one_to_one_id), code=303)
    if action == "cancel":
        row = one_to_ones.cancel(current_user, one_to_one_id)
        flash(_("The 1-to-1 is cancelled; %(name)s has been told.", name=row.partner.name), "success")
    else:
        row = one_to_ones.answer(current_user, one_to_one_id, action)
        flash(_("Thank you: the 1-to-1 is confirmed.") if action == "confirm"
              else _("The 1-to-1 is declined."), "success")
    back = request.form.get("next", "")
    if back == "network":
        return redirect(url_for("connections.my_network") + "#one-to-ones", code=303)
    return redirect(url_for("connections.one_to_one", one_to_one_id=row.id), code=303)


@bp.get("/one-to-ones/<int:one_to_one_id>/<any(confirm, decline, cancel):action>")
@login_required
def one_to_one_action_page(one_to_one_id: int, action: str):
    """A GET of an answer's address (see privacy_setting_page) goes to the 1-to-1's page, where
    the buttons are; nothing changes."""
    return redirect(url_for("connections.one_to_one", one_to_one_id=one_to_one_id), code=303)


@bp.get("/one-to-ones/<int:one_to_one_id>/calendar.ics")
@login_required
def one_to_one_ics(one_to_one_id: int):
    _row, body = one_to_ones.calendar_file(current_user, one_to_one_id, _locale())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="one-to-one-{one_to_one_id}.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _no_store(response, status: int = 200):
    response = make_response(response, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/one-to-ones/link/<token>/<any(confirm, decline):reply>", methods=["GET", "POST"])
def one_to_one_link(token: str, reply: str):
    """The one-click confirm/decline page from the mail: works without logging in."""
    try:
        row = one_to_ones.read_link(token)
    except NotFound:
        return _no_store(render_template("connections/one_to_one_link.html", row=None, reply=reply,
                                         form=None, error=None, done=False), 404)
    form = ActionForm()
    error = None
    if form.validate_on_submit():
        try:
            one_to_ones.answer_by_link(token, reply)
        except DomainError as exc:
            error = exc.message
        else:
            done = url_for("connections.one_to_one_link", token=token, reply=reply, done=1)
            return redirect(done, code=303)
    elif form.is_submitted():
        error = _("The form had expired. Please press the button again.")
    row = one_to_ones.read_link(token)
    return _no_store(render_template(
        "connections/one_to_one_link.html", row=row, reply=reply, form=form, error=error,
        when=one_to_ones.when_text(row, _locale()), done=request.args.get("done") == "1" and not error),
        422 if error else 200)
