"""Privacy pages: the privacy policy, "Hent mine data", "Slet min konto", an admin's deletion on a
member's request, and the audit log. Thin: app.privacy.export, .deletion and .audit decide."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional

from app.auth import sessions
from app.auth.services import request_login_link
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.forms_base import AppForm
from app.groups.forms import apply_field_errors
from app.models import Member, NetworkSettings
from app.pagination import page_number
from app.privacy import audit, bp, deletion, export
from app.privacy.forms import AdminDeleteForm, ConfirmByLinkForm, DeleteAccountForm, ExportForm
from app.visibility import Level


def _fresh_minutes() -> int:
    return current_app.config["FRESH_LOGIN_MINUTES"]


def _log_out_here() -> None:
    """The account is gone: forget this browser's login (the session rows are deleted already)."""
    from flask_login import logout_user

    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang


# --- the privacy page ----------------------------------------------------------------------------


@bp.get("/privacy")
def policy():
    config = current_app.config
    settings = NetworkSettings.current()
    return render_template(
        "privacy/policy.html", network_settings=settings, contact=settings.sender_email,
        retention={"outbox": config["OUTBOX_BODY_RETENTION_DAYS"],
                   "logins": config["LOGIN_RECORD_RETENTION_DAYS"],
                   "inbound": config["INBOUND_RETENTION_DAYS"],
                   "visitors": config["VISITOR_REQUEST_RETENTION_DAYS"]},
        levels=list(Level))


# --- confirm by a new login link (the export and deletion need a recent login) ----------------------


@bp.post("/profile/privacy/confirm")
@login_required
def confirm_by_link():
    """Send a login link that brings the member back to the export or deletion page."""
    form = ConfirmByLinkForm()
    back = "privacy.delete_account" if request.args.get("to") == "delete" else "privacy.export"
    if form.validate_on_submit():
        request_login_link(current_user.email, ip=request.remote_addr or "", next_url=url_for(back))
        session["login_email"] = current_user.email
        return redirect(url_for("auth.check_email"))
    return redirect(url_for(back))


# --- "Hent mine data" ------------------------------------------------------------------------------


@bp.route("/profile/export", methods=["GET", "POST"], endpoint="export")
@login_required
def export_page():
    form = ExportForm()
    fresh = sessions.is_fresh()
    if form.validate_on_submit():
        if not fresh:
            flash(_("To download your data, first confirm that it is you with a new login link."), "error")
            return redirect(url_for("privacy.export"))
        member = db.session.get(Member, current_user.id)
        response = make_response(export.build_export(member))
        response.headers["Content-Type"] = "application/zip"
        response.headers["Content-Disposition"] = f'attachment; filename="{export.export_filename(member)}"'
        response.headers["Cache-Control"] = "no-store"
        return response
    status = 400 if form.is_submitted() else 200
    return render_template("privacy/export.html", form=form, fresh=fresh, fresh_minutes=_fresh_minutes(),
                           confirm_form=ConfirmByLinkForm(), files=_file_texts()), status


def _file_texts() -> list[tuple[str, str]]:
    """What each file of the export is, in the page's language."""
    danish = str(get_locale() or "da").startswith("da")
    return [(name, danish_text if danish else english)
            for name, (english, danish_text) in export.FILES.items()]


# --- "Slet min konto" ------------------------------------------------------------------------------


@bp.route("/profile/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    fresh = sessions.is_fresh()
    errors: list[str] = []
    if form.validate_on_submit():
        if not fresh:
            flash(_("To delete your account, first confirm that it is you with a new login link."), "error")
            return redirect(url_for("privacy.delete_account"))
        try:
            deletion.delete_account(current_user, current_user.id, confirmation=form.confirmation.data)
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for("privacy.delete_account"))
        else:
            _log_out_here()
            flash(_("Your account is deleted. Thank you for the coffee, and all the best!"), "success")
            return redirect(url_for("main.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("privacy/delete.html", form=form, errors=errors, fresh=fresh,
                           fresh_minutes=_fresh_minutes(), confirm_form=ConfirmByLinkForm()), status


# --- an admin deletes an account on the member's request -------------------------------------------


@bp.route("/admin/members/<int:id>/delete", methods=["GET", "POST"])
@login_required
def admin_delete(id: int):
    try:
        member = deletion.load_for_admin(current_user, id)
    except Conflict:
        flash(_("This account has already been deleted."), "info")
        return redirect(url_for("members.admin_list"))
    form = AdminDeleteForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            deletion.delete_account(current_user, id, confirmation=form.confirmation.data,
                                    reason=form.reason.data or "")
        except ValidationFailed as error:
            errors = apply_field_errors(form, error)
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for("members.admin_list"))
        else:
            if id == current_user.id:
                _log_out_here()
                return redirect(url_for("main.index"))
            flash(_("The account is deleted. The member's data is removed; their history is kept as "
                    "\"former member\"."), "success")
            return redirect(url_for("privacy.audit_log"))
    status = 422 if form.is_submitted() else 200
    return render_template("privacy/admin_delete.html", form=form, member=member, errors=errors), status


# --- the audit log ---------------------------------------------------------------------------------


class AuditFilterForm(AppForm):
    class Meta:
        csrf = False

    who = StringField(_l("By"), render_kw={"maxlength": audit.MAX_TERM})
    whom = StringField(_l("Member"), render_kw={"maxlength": audit.MAX_TERM})
    kind = SelectField(_l("What"), validators=[Optional()], validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])


def _filters(form: AuditFilterForm) -> audit.AuditFilter:
    def text(field) -> str:
        value = field.data if isinstance(field.data, str) else ""
        return value.strip()[:audit.MAX_TERM]

    def day(field) -> date | None:
        return field.data if isinstance(field.data, date) and not field.errors else None

    kind = form.kind.data if form.kind.data in audit.KIND_NAMES else ""
    return audit.AuditFilter(who=text(form.who), whom=text(form.whom), kind=kind, since=day(form.since),
                             until=day(form.until))


@bp.get("/admin/audit")
@login_required
def audit_log():
    audit.require_admin(current_user)
    form = AuditFilterForm(formdata=request.args)
    form.kind.choices = [("", _("Everything"))] + [(kind, audit.kind_label(kind))
                                                    for kind in audit.KIND_NAMES]
    form.validate()
    filters = _filters(form)
    if request.args.get("format") == "csv":
        body = audit.audit_csv(current_user, filters)
        response = make_response(body)
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        stamp = datetime.now(UTC).strftime("%Y%m%d")
        response.headers["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response
    page = audit.audit_page(current_user, filters, page=page_number())
    csv_args = {key: value for key, value in request.args.items() if key not in ("page", "format")}
    return render_template("privacy/audit.html", form=form, page=page, kind_label=audit.kind_label,
                           csv_url=url_for("privacy.audit_log", format="csv", **csv_args))
