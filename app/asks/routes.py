"""Pages of "Spørg netværket": the list, asking, one request with its answers, solving, and the
organizers' hide/show. Thin: `app.asks.services` decides; every POST redirects (303) so Back and
reload never send a form twice.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.asks import bp, services
from app.asks.forms import (
    ActionForm,
    AnswerForm,
    EditAnswerForm,
    EditRequestForm,
    HideForm,
    RequestForm,
    SolveForm,
    category_choices,
)
from app.errors import DomainError, NotFound, ValidationFailed
from app.groups.forms import apply_field_errors
from app.pagination import WEB_PER_PAGE, page_number
from app.templating import local_date_filter, local_time_filter

# --- template helpers (the hooks on the meeting and group pages) -------------------------------------


@bp.app_template_global()
def asks_for_meeting(meeting):
    """The open requests raised at this meeting that the logged-in member may see."""
    return services.for_meeting(current_user, meeting)


@bp.app_template_global()
def asks_for_group(group):
    """(the group's newest 3 open requests the member may see, whether there are more)."""
    return services.latest_for_group(current_user, group)


@bp.app_template_global()
def ask_category_label(code):
    return services.category_label(code)


STATUS_WORDS = {
    "open": lambda: _("Open"),
    "solved": lambda: _("Solved"),
    "expired": lambda: _("Expired"),
    "withdrawn": lambda: _("Withdrawn"),
}


@bp.app_template_global()
def ask_status_label(status):
    word = STATUS_WORDS.get(status)
    return word() if word else status


def _member_label(member) -> str:
    return f"{member.name} ({member.company})" if member.company else member.name


# --- the list ----------------------------------------------------------------------------------------


def _filter_from_args() -> services.ListFilter:
    mine_groups = {g.id for g in services.my_groups(current_user)}
    group_id = request.args.get("group", type=int)
    if not services.is_id(group_id) or (group_id not in mine_groups and not current_user.is_admin):
        group_id = None  # junk, a number beyond the id column, or a group that is not mine
    category = request.args.get("category", "")
    status = request.args.get("status", "open")
    return services.ListFilter(
        group_id=group_id, category=category if category in services.CATEGORIES else "",
        mine=request.args.get("mine") == "1",
        status=status if status in ("open", "solved", "expired") else "open")


@bp.get("/asks")
@login_required
def index():
    flt = _filter_from_args()
    page = services.list_requests(current_user, flt, page=page_number(), per_page=WEB_PER_PAGE)
    return render_template("asks/index.html", page=page, flt=flt, groups=services.my_groups(current_user),
                           categories=services.CATEGORIES)


# --- asking ------------------------------------------------------------------------------------------


def _request_choices(form: RequestForm) -> None:
    groups = services.my_groups(current_user)
    form.group_ids.choices = [SelectChoice(g.id, g.name) for g in groups]
    form.category.choices = category_choices()
    raise_choices = [SelectChoice(0, _("No"))]
    for group in groups:
        meeting = services.next_meeting(group.id)
        if meeting is not None:
            label = _("%(group)s, %(date)s at %(time)s", group=group.name,
                      date=local_date_filter(meeting.starts_at, group.timezone, "medium"),
                      time=local_time_filter(meeting.starts_at, group.timezone))
            raise_choices.append(SelectChoice(group.id, label))
    form.raise_at_group_id.choices = raise_choices


@bp.route("/asks/new", methods=["GET", "POST"])
@login_required
def new():
    form = RequestForm()
    _request_choices(form)
    if request.method == "GET":
        wanted = request.args.get("group", type=int)
        choices = [choice.value for choice in form.group_ids.choices]
        form.group_ids.data = [wanted] if wanted in choices else (choices[:1] if len(choices) == 1 else [])
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            req = services.post_request(current_user, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except DomainError as error:
            errors = [error.message]
        else:
            flash(_("Your request is posted. The members of your groups will hear about it."), "success")
            return redirect(url_for("asks.show", request_id=req.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("asks/form.html", form=form, errors=errors, req=None), status


@bp.route("/asks/<int:request_id>/edit", methods=["GET", "POST"])
@login_required
def edit(request_id: int):
    req = services.get_for(current_user, request_id)
    if req.author_id != current_user.id:
        raise NotFound()
    form = EditRequestForm(obj=req) if request.method == "GET" else EditRequestForm()
    form.category.choices = category_choices()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            services.edit_request(current_user, request_id, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except DomainError as error:
            errors = [error.message]
        else:
            flash(_("Your request is saved."), "success")
            return redirect(url_for("asks.show", request_id=request_id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("asks/form.html", form=form, errors=errors, req=req), status


# --- one request -------------------------------------------------------------------------------------


def _answer_choices(form: AnswerForm, req) -> None:
    form.private.label.text = _("Only to %(name)s", name=req.author.name)
    form.referred_member_id.choices = [SelectChoice(0, _("Choose a member"))] + [
        SelectChoice(m.id, _member_label(m)) for m in services.referable_members(req)
        if m.id not in (req.author_id, current_user.id)]


def _solve_choices(form: SolveForm, req) -> set[int]:
    """The check boxes, answerers and named members first; returns their ids (the rest is folded)."""
    first, rest = services.helper_choice_groups(req)
    form.helper_ids.choices = [SelectChoice(m.id, _member_label(m)) for m in first + rest]
    return {m.id for m in first}


def _render_show(request_id: int, *, answer_form=None, solve_form=None, errors=None, status=200):
    shown = services.view(current_user, request_id)
    req = shown.request
    if answer_form is None:
        answer_form = AnswerForm(formdata=None)
    _answer_choices(answer_form, req)
    if solve_form is None:
        solve_form = SolveForm(formdata=None)
    first_helpers: set[int] = set()
    if shown.can_solve:
        first_helpers = _solve_choices(solve_form, req)
    return render_template("asks/show.html", view=shown, req=req, answer_form=answer_form,
                           solve_form=solve_form, first_helpers=first_helpers,
                           action_form=ActionForm(formdata=None),
                           errors=errors or [], hidden_by_name=services.hidden_by_name), status


@bp.get("/asks/<int:request_id>")
@login_required
def show(request_id: int):
    return _render_show(request_id)


@bp.post("/asks/<int:request_id>/answers")
@login_required
def answer(request_id: int):
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            row = services.answer_request(current_user, request_id, form.to_data())
        except ValidationFailed as error:
            return _render_show(request_id, answer_form=form, errors=apply_field_errors(form, error),
                                status=422)
        flash(_("Thank you: your answer is sent to %(name)s.", name=row.request.author.name), "success")
        return redirect(url_for("asks.show", request_id=request_id) + f"#answer-{row.id}", code=303)
    return _render_show(request_id, answer_form=form, status=422)


@bp.route("/asks/<int:request_id>/solve", methods=["GET", "POST"])
@login_required
def solve(request_id: int):
    if request.method == "GET":
        return redirect(url_for("asks.show", request_id=request_id) + "#solve")
    form = SolveForm()
    if form.validate_on_submit():
        try:
            services.solve(current_user, request_id, form.helper_ids.data or [])
        except ValidationFailed as error:
            return _render_show(request_id, solve_form=form, errors=apply_field_errors(form, error),
                                status=422)
        flash(_("The request is marked as solved. Thank you for telling the network."), "success")
        return redirect(url_for("asks.show", request_id=request_id), code=303)
    return _render_show(request_id, solve_form=form, status=422)


@bp.post("/asks/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "danger")
        return redirect(url_for("asks.show", request_id=request_id), code=303)
    services.withdraw_request(current_user, request_id)
    flash(_("Your request is withdrawn."), "success")
    return redirect(url_for("asks.index"), code=303)


# --- answers: correct, withdraw --------------------------------------------------------------------


@bp.route("/asks/answers/<int:answer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_answer(answer_id: int):
    row = services.get_answer(current_user, answer_id)
    if row.author_id != current_user.id:
        raise NotFound()
    form = EditAnswerForm(obj=row) if request.method == "GET" else EditAnswerForm()
    if request.method == "GET":
        form.referred_member_id.data = row.referred_member_id or 0
    _answer_choices(form, row.request)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            services.edit_answer(current_user, answer_id, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        else:
            flash(_("Your answer is saved."), "success")
            return redirect(url_for("asks.show", request_id=row.request_id) + f"#answer-{row.id}", code=303)
    status = 422 if form.is_submitted() else 200
    page = render_template("asks/answer_form.html", form=form, row=row, req=row.request, errors=errors)
    return page, status


@bp.post("/asks/answers/<int:answer_id>/withdraw")
@login_required
def withdraw_answer(answer_id: int):
    form = ActionForm()
    row = services.get_answer(current_user, answer_id)
    request_id = row.request_id
    if form.validate_on_submit():
        services.withdraw_answer(current_user, answer_id)
        flash(_("Your answer is withdrawn."), "success")
    else:
        flash(_("The form had expired. Please try again."), "danger")
    return redirect(url_for("asks.show", request_id=request_id), code=303)


# --- moderation ------------------------------------------------------------------------------------


def _moderated_request_id(item_type: str, item_id: int) -> int:
    if item_type == "request":
        return services.get_for(current_user, item_id).id
    return services.get_answer(current_user, item_id).request_id


@bp.route("/asks/<any(request, answer):item_type>/<int:item_id>/hide", methods=["GET", "POST"])
@login_required
def hide(item_type: str, item_id: int):
    request_id = _moderated_request_id(item_type, item_id)
    req = services.get_for(current_user, request_id)
    if not services.can_moderate(current_user, req):
        raise NotFound()
    form = HideForm()
    if item_type == "request":  # the author is the asker
        form.reason.description = _("The asker sees the reason; the other members no longer see the request.")
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            services.hide(current_user, item_type, item_id, form.reason.data)
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except DomainError as error:
            errors = [error.message]
        else:
            flash(_("It is hidden from the other members."), "success")
            return redirect(url_for("asks.show", request_id=request_id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("asks/hide.html", form=form, req=req, item_type=item_type, item_id=item_id,
                           errors=errors), status


@bp.post("/asks/<any(request, answer):item_type>/<int:item_id>/show")
@login_required
def unhide(item_type: str, item_id: int):
    request_id = _moderated_request_id(item_type, item_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.show(current_user, item_type, item_id)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_("It is shown again."), "success")
    else:
        flash(_("The form had expired. Please try again."), "danger")
    return redirect(url_for("asks.show", request_id=request_id), code=303)
