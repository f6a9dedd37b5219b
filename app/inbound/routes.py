"""/admin/mail/inbound: the mail that came in to the reply address (admins only)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from app.inbound import admin
from app.pagination import page_number

bp = Blueprint("inbound_admin", __name__, url_prefix="/admin/mail/inbound")


@bp.get("")
@login_required
def index():
    outcome = request.args.get("outcome", "")
    outcome = outcome if outcome in admin.OUTCOMES else ""
    page = admin.inbound_list(current_user, page=page_number(), outcome=outcome or None)
    return render_template("inbound/index.html", page=page, outcome=outcome, outcomes=admin.OUTCOMES)


@bp.get("/<int:mail_id>")
@login_required
def show(mail_id: int):
    return render_template("inbound/show.html", view=admin.inbound_mail(current_user, mail_id))


@bp.get("/<int:mail_id>/raw")
@login_required
def raw(mail_id: int):
    mail, data = admin.raw_of(current_user, mail_id)
    response = Response(data, mimetype="message/rfc822")
    response.headers["Content-Disposition"] = f'attachment; filename="inbound-{mail.id}.eml"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
