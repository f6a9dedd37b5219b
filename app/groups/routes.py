"""Group pages: list, detail, member list with membership management, create and edit."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.routes import _log_in as log_in_after_link
from app.auth.routes import limit_per_ip
from app.errors import ValidationFailed
from app.groups import industry, invitations, services
from app.groups.forms import (
    ROLE_LABELS,
    ActionForm,
    AddMemberForm,
    GroupForm,
    InvitationAnswerForm,
    RoleForm,
    apply_field_errors,
)
from app.groups.invitations import InvitationInvalid
from app.models import GroupInvitation, Membership
from app.pagination import page_number

bp = Blueprint("groups", __name__)


def get_locale_code() -> str:
    locale = get_locale()
    return locale.language if locale is not None else ""


@bp.get("/groups")
def index():
    groups = services.list_visible_groups(current_user)
    return render_template("groups/index.html", groups=groups)


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def create():
    services.require_can_create_group(current_user)
    form = GroupForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            group = services.create_group(current_user, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        else:
            flash(_("The group %(name)s was created.", name=group.name), "success")
            return redirect(url_for("groups.show", slug=group.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("groups/form.html", form=form, group=None, errors=errors), status


@bp.get("/groups/<slug>")
def show(slug: str):
    overview = services.get_group_overview(current_user, slug)
    return render_template("groups/show.html", overview=overview, group=overview.group)


@bp.route("/groups/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    group = services.get_group_for_edit(current_user, slug)
    form = GroupForm(obj=group)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            group = services.update_group(current_user, slug, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        else:
            flash(_("The group was saved."), "success")
            return redirect(url_for("groups.show", slug=group.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("groups/form.html", form=form, group=group, errors=errors), status


@bp.get("/groups/<slug>/members")
@login_required
def members(slug: str):
    return _render_members(slug, AddMemberForm(formdata=None))


def _render_members(slug: str, add_form: AddMemberForm, status: int = 200):
    page = services.get_group_members_page(current_user, slug, page=page_number())
    return render_template("groups/members.html", page=page, group=page.group, add_form=add_form,
                           role_form=RoleForm(formdata=None), action_form=ActionForm(formdata=None)), status


@bp.post("/groups/<slug>/members/add")
@login_required
def add_member(slug: str):
    services.get_group_for_edit(current_user, slug)
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            added = services.add_member_to_group(current_user, slug, form.email.data, form.role.data,
                                                 name=form.name.data or "",
                                                 override_industry=bool(form.override_industry.data),
                                                 industry_reason=form.industry_reason.data or "")
        except ValidationFailed as error:
            for message in apply_field_errors(form, error):
                flash(message, "error")
        else:
            flash_added(added.result)
            if added.warning:
                flash(added.warning, "warning")
            return redirect(url_for("groups.members", slug=slug))
    return _render_members(slug, form, 422)


def flash_added(result: GroupInvitation | Membership) -> None:
    """The answer to adding someone: an invitation reads the same whoever the address belongs to."""
    if isinstance(result, GroupInvitation):
        flash(_("We have sent an invitation to %(email)s. The person joins the group when they "
                "accept it.", email=result.email), "success")
    else:
        flash(_("%(name)s was added to the group.", name=result.member.name), "success")
        if industry.warning_of(result):
            flash(industry.warning_of(result), "warning")


@bp.post("/groups/<slug>/invitations/<int:invitation_id>/withdraw")
@login_required
def withdraw_invitation(slug: str, invitation_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("groups.members", slug=slug))
    invitation = services.withdraw_invitation(current_user, slug, invitation_id)
    flash(_("The invitation to %(email)s was withdrawn.", email=invitation.email), "success")
    return redirect(url_for("groups.members", slug=slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limit_per_ip
def invitation(token: str):
    """GET only shows the invitation with Accept / No thanks (mail scanners open links); POST answers."""
    form = InvitationAnswerForm()
    try:
        view = invitations.get_invitation_view(token)
        if form.validate_on_submit():
            if form.decline.data:
                invitations.decline_invitation(token)
                response = make_response(render_template("groups/invitation_declined.html",
                                                         group=view.group))
                response.headers["Cache-Control"] = "no-store"
                return response
            if form.accept.data:
                member = invitations.accept_invitation(token, name=form.name.data or "",
                                                       language=get_locale_code())
                if not (current_user.is_authenticated and current_user.id == member.id):
                    log_in_after_link(member, remember=False)
                flash(_("Welcome to %(group)s, %(name)s!", group=view.group.name, name=member.name),
                      "success")
                return redirect(url_for("groups.show", slug=view.group.slug))
        elif request.method == "GET" and view.member is None:
            form.name.data = view.invitation.name
    except InvitationInvalid as exc:
        response = make_response(render_template("groups/invitation_invalid.html", reason=exc.reason),
                                 exc.status)
    except ValidationFailed as error:
        for message in apply_field_errors(form, error):
            flash(message, "error")
        response = make_response(render_template("groups/invitation.html", form=form, view=view,
                                                 token=token), 422)
    else:
        status = 422 if form.is_submitted() else 200
        response = make_response(render_template("groups/invitation.html", form=form, view=view,
                                                 token=token), status)
    # The address holds a secret: keep the page out of caches (the template also asks for no referrer).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/groups/<slug>/members/<int:membership_id>/role")
@login_required
def change_role(slug: str, membership_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Please choose a valid role."), "error")
        return redirect(url_for("groups.members", slug=slug))
    membership = services.change_member_role(current_user, slug, membership_id, form.role.data)
    flash(_("%(name)s is now %(role)s.", name=membership.member.name,
            role=ROLE_LABELS[membership.role]), "success")
    return redirect(url_for("groups.members", slug=slug))


@bp.post("/groups/<slug>/members/<int:membership_id>/remove")
@login_required
def remove_member(slug: str, membership_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("groups.members", slug=slug))
    member = services.remove_member_from_group(current_user, slug, membership_id)
    flash(_("%(name)s was removed from the group.", name=member.name), "success")
    return redirect(url_for("groups.members", slug=slug))
