"""The development mail page: what Kaffeklub would have sent, readable in the browser.

Registered only when DEV_MAIL_PAGE is set (development and tests), never in production. It needs
no login -- it is the mail catcher, and the login-link flow depends on reading it -- but it only
answers requests from this machine (loopback addresses).
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.extensions import talisman
from app.mail import outbox
from app.mail.preview import linkify, parse_raw

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")

# The mail's own HTML, shown in a sandboxed iframe: its inline styles may apply, nothing may run,
# load or submit, and only our own pages may frame it.
HTML_PART_POLICY = {
    "default-src": "'none'",
    "style-src": "'unsafe-inline'",
    "img-src": "data:",
    "base-uri": "'none'",
    "form-action": "'none'",
    "frame-ancestors": "'self'",
    "sandbox": "allow-popups allow-popups-to-escape-sandbox",
}


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


@bp.before_request
def only_from_this_machine():
    if not _is_loopback(request.remote_addr):
        abort(404)


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "no-store"  # login links live here
    return response


@bp.get("")
def index():
    return render_template("mail_dev/index.html", messages=outbox.recent_messages())


@bp.get("/<int:message_id>")
def show(message_id: int):
    message = outbox.get_message(message_id)
    preview = parse_raw(message.raw)
    return render_template("mail_dev/show.html", message=message, preview=preview,
                           text_html=linkify(preview.text))


@bp.get("/<int:message_id>/html")
@talisman(frame_options="SAMEORIGIN", content_security_policy=HTML_PART_POLICY)
def html_part(message_id: int):
    preview = parse_raw(outbox.get_message(message_id).raw)
    if preview.html is None:
        abort(404)
    return preview.html, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.post("/send")
def send_now():
    result = outbox.send_all_due()
    flash(_("Sent %(sent)d, will retry %(retried)d, failed %(failed)d.",
            sent=result.sent, retried=result.retried, failed=result.failed),
          "success" if not (result.failed or result.retried) else "warning")
    return redirect(url_for("devmail.index"))
