"""Member pages: directory, profile cards, own profile, administration, CSV import and export."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth import permissions
from app.calendars import member_feed
from app.errors import ValidationFailed
from app.extensions import csrf
from app.groups import industry
from app.groups.forms import apply_field_errors
from app.groups.routes import flash_added
from app.members import csv_services, services
from app.members.forms import (
    CalendarFeedForm,
    EmptyForm,
    ImportConfirmForm,
    ImportUploadForm,
    ProfileForm,
    build_member_form,
    group_choices,
)
from app.models import Member
from app.pagination import page_number

bp = Blueprint("members", __name__)

PROFILE_HISTORY_LINES = 10  # the profile page shows a member's latest history lines

# Uploads above this are cut off by Werkzeug before they are read; the service's own limit
# (2 MB) gives the friendlier message for files just over it.
UPLOAD_REQUEST_LIMIT = csv_services.MAX_IMPORT_BYTES + 512 * 1024
# The confirm step posts the signed, compressed file back in a hidden field.
CONFIRM_FORM_LIMIT = 2 * csv_services.MAX_IMPORT_BYTES


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int) or None


def _check_csrf_after_limits() -> None:
    """For the two upload views, which are exempt from the automatic CSRF check because that check
    reads the body before the view can set its own size limits: check the token here instead."""
    config = current_app.config
    if config.get("WTF_CSRF_ENABLED", True) and config.get("WTF_CSRF_CHECK_DEFAULT", True):
        csrf.protect()


# --- directory, cards, own profile --------------------------------------------------------------

@bp.get("/members")
@login_required
def directory():
    result = services.search_directory(current_user, request.args.get("q", "").strip(),
                                       request.args.get("group") or None, page=page_number())
    return render_template("members/directory.html", directory=result,
                           can_administer=permissions.can_administer_members(current_user))


@bp.get("/members/<int:id>")
@login_required
def show(id: int):
    card = services.get_member_card(current_user, id)
    return render_template("members/show.html", card=card, member=card.member,
                           action_form=EmptyForm(formdata=None))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            member = services.update_own_profile(current_user, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        else:
            flash(_("Your profile was saved."), "success")
            for warning in member.industry_warnings:  # groups that warn about a shared industry
                flash(warning, "warning")
            return redirect(url_for("members.profile"))
    status = 422 if form.is_submitted() else 200
    history = services.member_history(current_user, current_user, limit=PROFILE_HISTORY_LINES)
    calendar = member_feed.feed_settings(current_user)  # the private feed's address (made on first use)
    calendar_form = CalendarFeedForm(formdata=None, show_declined=calendar.show_declined)
    return render_template("members/profile.html", form=form, errors=errors, history=history,
                           calendar=calendar, calendar_form=calendar_form,
                           rotate_form=EmptyForm(formdata=None)), status


# --- administration -----------------------------------------------------------------------------

@bp.get("/admin/members")
@login_required
def admin_list():
    status = request.args.get("status", "all")
    listing = services.list_members_for_admin(current_user, request.args.get("q", "").strip(),
                                              _int_arg("group"), status, page=page_number())
    return render_template("members/admin_list.html", listing=listing, action_form=EmptyForm(formdata=None))


@bp.route("/admin/members/new", methods=["GET", "POST"])
@login_required
def new():
    groups = services.require_member_admin(current_user)
    admin = current_user.is_admin
    form = build_member_form(admin=admin, creating=True, groups=groups)
    if request.method == "GET":
        form.group_id.data = _int_arg("group") or (0 if admin else None)
        if form.language is not None:  # an organizer's invitation form has no language
            form.language.data = form.language.data or services.default_language()
    errors: list[str] = []
    industry_refused = False
    if form.validate_on_submit():
        try:
            result = services.create_member(current_user, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
            industry_refused = isinstance(error, industry.IndustryTaken)
        else:
            if isinstance(result, Member):
                flash(_("%(name)s was created and has been sent a welcome e-mail.", name=result.name),
                      "success")
                if industry.warning_of(result):  # the group warns about a shared industry
                    flash(industry.warning_of(result), "warning")
                return redirect(url_for("members.show", id=result.id))
            # An organizer's invitation (or an addition from another of their groups).
            flash_added(result)
            return redirect(url_for("groups.members", slug=result.group.slug))
    # An admin's exception to the group's industry rule: offered once the rule refused, and kept in
    # view once asked for (with its errors). The form has the fields for admins only.
    industry_override = form.override_industry is not None and bool(
        industry_refused or form.override_industry.data or form.industry_reason.data
        or form.industry_reason.errors)
    status = 422 if form.is_submitted() else 200
    return render_template("members/form.html", form=form, member=None, errors=errors,
                           industry_override=industry_override), status


@bp.route("/admin/members/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id: int):
    member = services.get_member_for_edit(current_user, id)
    form = build_member_form(admin=current_user.is_admin, creating=False, obj=member)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            member = services.update_member(current_user, id, form.to_data())
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        else:
            flash(_("The profile of %(name)s was saved.", name=member.name), "success")
            return redirect(url_for("members.show", id=member.id))
    status = 422 if form.is_submitted() else 200
    return render_template("members/form.html", form=form, member=member, errors=errors,
                           action_form=EmptyForm(formdata=None),
                           can_deactivate=permissions.can_deactivate_member(current_user, member),
                           can_reactivate=services.can_reactivate(current_user, member),
                           history=services.member_history(current_user, member)), status


@bp.post("/admin/members/<int:id>/deactivate")
@login_required
def deactivate(id: int):
    if not EmptyForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("members.edit", id=id))
    member = services.deactivate_member(current_user, id)
    flash(_("%(name)s was deactivated and can no longer log in.", name=member.name), "success")
    return redirect(url_for("members.admin_list"))


@bp.post("/admin/members/<int:id>/reactivate")
@login_required
def reactivate(id: int):
    if not EmptyForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("members.edit", id=id))
    member = services.reactivate_member(current_user, id)
    flash(_("%(name)s is active again.", name=member.name), "success")
    return redirect(url_for("members.admin_list"))


# --- CSV import and export ----------------------------------------------------------------------

@bp.route("/admin/members/import", methods=["GET", "POST"])
@csrf.exempt
@login_required
def import_csv():
    groups = services.require_member_admin(current_user)
    request.max_content_length = UPLOAD_REQUEST_LIMIT
    errors: list[str] = []
    try:
        _check_csrf_after_limits()
        form = ImportUploadForm()
    except RequestEntityTooLarge:
        form = ImportUploadForm(formdata=None)
        form.file.errors = [_("The file is larger than %(max)s MB. Please split it.",
                              max=csv_services.MAX_IMPORT_BYTES // (1024 * 1024))]
        form.group_id.choices = group_choices(groups)
        return render_template("members/import.html", form=form, errors=errors), 413
    form.group_id.choices = group_choices(groups)
    if request.method == "GET" and _int_arg("group"):
        form.group_id.data = _int_arg("group")
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(csv_services.MAX_IMPORT_BYTES + 1) if upload else b""
        try:
            plan = csv_services.preview_import(current_user, form.group_id.data, data,
                                               getattr(upload, "filename", "") or "")
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        else:
            return _render_preview(plan)
    status = 422 if form.is_submitted() else 200
    return render_template("members/import.html", form=form, errors=errors), status


def _render_preview(plan, status: int = 200):
    confirm = ImportConfirmForm(formdata=None, payload=plan.token)
    return render_template("members/import_preview.html", plan=plan, preview=plan.preview,
                           confirm_form=confirm, describe=csv_services.describe_import_message), status


@bp.post("/admin/members/import/confirm")
@csrf.exempt
@login_required
def import_confirm():
    services.require_member_admin(current_user)
    request.max_form_memory_size = CONFIRM_FORM_LIMIT
    _check_csrf_after_limits()
    form = ImportConfirmForm()
    if not form.validate_on_submit() or not form.payload.data:
        flash(_("The import could not be confirmed. Please upload the file again."), "error")
        return redirect(url_for("members.import_csv"))
    try:
        result = csv_services.confirm_import(current_user, form.payload.data)
    except ValidationFailed as error:
        flash(error.message, "error")
        return redirect(url_for("members.import_csv"))
    if isinstance(result, csv_services.ImportPlan):
        flash(_("The list no longer validates, so nothing was imported. Please correct the file."), "error")
        return _render_preview(result, 422)
    if result.created or not result.invited:
        flash(ngettext("%(num)d new member was created and welcomed.",
                       "%(num)d new members were created and welcomed.", len(result.created)), "success")
    if result.invited:
        flash(ngettext("%(num)d invitation was sent: the person joins the group on accepting.",
                       "%(num)d invitations were sent: each person joins the group on accepting.",
                       len(result.invited)), "success")
    if result.added:
        flash(ngettext("%(num)d existing member was added to the group.",
                       "%(num)d existing members were added to the group.", len(result.added)), "info")
    return redirect(url_for("groups.members", slug=result.group.slug))


@bp.get("/admin/members/export.csv")
@login_required
def export_csv():
    filename, data = csv_services.export_members_csv(current_user, _int_arg("group"))
    return Response(data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
