"""Start page, health check and the language switch."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask_login import current_user
from sqlalchemy import text

from app.extensions import csrf, db
from app.groups.services import list_visible_groups
from app.i18n import network_timezone
from app.mail.names import first_name
from app.main.greeting import greeting
from app.main.services import remember_language
from app.meetings.services import upcoming_meetings_for
from app.urls import safe_next as _safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    # Members see their own groups and meetings; visitors see the groups open to them.
    if current_user.is_authenticated:
        hello = greeting(first_name(current_user.name), datetime.now(UTC), network_timezone())
        return render_template("main/index.html", my_groups=list(current_user.memberships),
                               upcoming=upcoming_meetings_for(current_user, limit=5), greeting=hello)
    return render_template("main/index.html", groups=list_visible_groups(current_user))


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means unhealthy
        current_app.logger.exception("Health check failed")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if remember_language(current_user, lang):
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))
