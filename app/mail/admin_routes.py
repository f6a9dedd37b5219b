"""/admin/mail: the mail queue's state and failures, with retry buttons (admins only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.errors import Conflict
from app.mail import admin

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")


@bp.get("")
@login_required
def index():
    return render_template("mail_admin/index.html", report=admin.queue_report(current_user))


@bp.post("/<int:message_id>/retry")
@login_required
def retry(message_id: int):
    try:
        admin.retry_failed_message(current_user, message_id)
    except Conflict:
        flash(_("That message is no longer failed; nothing to retry."), "info")
    else:
        flash(_("The message is queued again and will be sent shortly."), "success")
    return redirect(url_for("mail_admin.index"))


@bp.post("/retry-failed")
@login_required
def retry_all():
    count = admin.retry_all_failed_messages(current_user)
    flash(ngettext("%(num)d failed message is queued again.",
                   "%(num)d failed messages are queued again.", count), "success")
    return redirect(url_for("mail_admin.index"))
