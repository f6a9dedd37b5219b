"""Logging in by emailed link or password, logging out, and the optional password."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import sessions
from app.auth.forms import (
    ConfirmByLinkForm,
    ConfirmLinkForm,
    EndLoginForm,
    LoginLinkForm,
    PasswordForm,
    PasswordLoginForm,
)
from app.auth.log_redaction import install_log_redaction
from app.auth.passwords import MIN_LENGTH
from app.auth.services import (
    ConfirmationNeeded,
    LoginLinkInvalid,
    TooManyAttempts,
    change_password,
    consume_login_link,
    find_login_token,
    login_with_password,
    remove_password,
    request_login_link,
)
from app.errors import ValidationFailed
from app.extensions import db, limiter
from app.models import normalize_email
from app.urls import safe_next

bp = Blueprint("auth", __name__)


# --- rate limits (POST only; showing a form is free) ------------------------------------------
# The limits are callables so they are read from the config at request time.

limit_per_ip = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], methods=["POST"])
# Limits per address live in the database (app.auth.attempts): a cap on login mails per address,
# and a growing wait for wrong passwords per address and client.


@bp.errorhandler(429)
def too_many_attempts(error):
    """Show the form again with a friendly message instead of a bare error page."""
    message = _("Too many attempts. Please wait a few minutes and try again.")
    if request.endpoint == "auth.login":
        return render_template("auth/login.html", form=LoginLinkForm(), notice=message), 429
    if request.endpoint == "auth.login_password":
        return render_template("auth/password_login.html", form=PasswordLoginForm(), notice=message), 429
    return render_template("errors/error.html", status=429, title=_("Too many attempts"), detail=message), 429


# --- session helpers ----------------------------------------------------------------------------

def _fresh_session() -> None:
    """Forget the previous session (keeping the language) and any old remember-me cookie."""
    lang = session.get("lang")
    logout_user()  # marks an existing remember cookie for deletion
    remember = session.get("_remember")
    session.clear()
    if remember:
        session["_remember"] = remember
    if lang:
        session["lang"] = lang


def _log_in(member, *, remember: bool) -> None:
    """Start a new login record (ending this browser's previous one) and point the cookies at it."""
    sessions.revoke(sessions.current_session())
    _fresh_session()
    row, token = sessions.create_session(member, remember=remember, user_agent=request.user_agent.string,
                                         ip=request.remote_addr or "")
    db.session.commit()
    # Without "remember me" the session cookie ends with the browser (session.permanent stays False).
    login_user(member, remember=remember,
               duration=timedelta(days=current_app.config["REMEMBER_COOKIE_DURATION_DAYS"]))
    # Flask-Login stores user.get_id() and copies it into the remember cookie; both carry the
    # login's token instead, so that ending the record ends both (see app.auth.sessions).
    session["_user_id"] = token
    sessions.set_current_session(row)


# --- magic link ---------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limit_per_ip
def login():
    form = LoginLinkForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")))
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        request_login_link(form.email.data, ip=request.remote_addr or "", next_url=form.next.data)
        session["login_email"] = normalize_email(form.email.data)
        return redirect(url_for("auth.check_email"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.get("/login/sent")
def check_email():
    return render_template("auth/check_email.html", email=session.get("login_email", ""),
                           minutes=current_app.config["LOGIN_LINK_MINUTES"])


@bp.route("/login/<token>", methods=["GET", "POST"])
@limit_per_ip
def login_with_link(token: str):
    """GET only shows a confirmation page (mail scanners prefetch links); POST uses the link up."""
    form = ConfirmLinkForm()
    try:
        if form.validate_on_submit():
            member = consume_login_link(token)
            _log_in(member, remember=bool(form.remember.data))
            flash(_("Welcome, %(name)s! You are logged in.", name=member.name), "success")
            return redirect(safe_next(form.next.data))
        login_token = find_login_token(token)
    except LoginLinkInvalid as exc:
        response = make_response(render_template("auth/link_invalid.html", reason=exc.reason), exc.status)
    else:
        if request.method == "GET":
            form.next.data = request.args.get("next", "")
        response = make_response(render_template("auth/confirm_link.html", form=form,
                                                 member=login_token.member, token=token))
    # The address holds a secret: keep the page out of caches (the template also sets a
    # no-referrer meta tag, since Talisman owns the Referrer-Policy header).
    response.headers["Cache-Control"] = "no-store"
    return response


# --- password -----------------------------------------------------------------------------------

@bp.route("/login/password", methods=["GET", "POST"])
@limit_per_ip
def login_password():
    form = PasswordLoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            member = login_with_password(form.email.data, form.password.data, ip=request.remote_addr or "")
        except TooManyAttempts as exc:
            response = make_response(render_template("auth/password_login.html", form=form,
                                                     notice=exc.message), 429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except ValidationFailed as exc:
            return render_template("auth/password_login.html", form=form, notice=exc.message), exc.status
        _log_in(member, remember=bool(form.remember.data))
        flash(_("Welcome, %(name)s! You are logged in.", name=member.name), "success")
        return redirect(safe_next(form.next.data))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password_login.html", form=form), status


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    member = current_user._get_current_object()
    fresh = sessions.is_fresh()
    if form.validate_on_submit():
        here = sessions.current_session()
        try:
            if form.remove.data:
                remove_password(member, current_password=form.current_password.data, fresh=fresh,
                                keep_session=here)
                flash(_("Your password is removed. You log in with a link by email."), "success")
            else:
                change_password(member, current_password=form.current_password.data,
                                new_password=form.new_password.data,
                                confirm_password=form.confirm_password.data, fresh=fresh, keep_session=here)
                flash(_("Your password is saved. You are logged out on your other devices."), "success")
        except ValidationFailed as exc:
            for name, messages in exc.fields.items():
                if name in form:
                    form[name].errors = list(messages)
            return _password_page(form, member, fresh=fresh, notice=exc.message), exc.status
        except ConfirmationNeeded as exc:
            return _password_page(form, member, fresh=fresh, notice=exc.message), exc.status
        return redirect(url_for("auth.password"))
    return _password_page(form, member, fresh=fresh)


def _password_page(form: PasswordForm, member, *, fresh: bool, notice: str | None = None) -> str:
    return render_template("auth/password.html", form=form, has_password=bool(member.password_hash),
                           min_length=MIN_LENGTH, notice=notice, fresh=fresh,
                           fresh_minutes=current_app.config["FRESH_LOGIN_MINUTES"],
                           confirm_form=ConfirmByLinkForm())


@bp.post("/profile/password/confirm")
@login_required
@limit_per_ip
def confirm_by_link():
    """Re-authenticate by a new login link that leads back to the password page."""
    form = ConfirmByLinkForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.password"))
    request_login_link(current_user.email, ip=request.remote_addr or "", next_url=url_for("auth.password"))
    session["login_email"] = current_user.email
    return redirect(url_for("auth.check_email"))


# --- logout and the member's logins ---------------------------------------------------------------

@bp.post("/logout")
def logout():
    here = sessions.current_session() if current_user.is_authenticated else None
    if here is not None:
        sessions.revoke(here)
        db.session.commit()
    _fresh_session()
    flash(_("You are logged out. See you at the next breakfast!"), "success")
    return redirect(url_for("main.index"))


@bp.post("/profile/logins/end-all")
@login_required
def log_out_everywhere():
    """End every login of the member, this one included."""
    sessions.revoke_sessions(current_user._get_current_object())
    db.session.commit()
    _fresh_session()
    flash(_("You are logged out on all your devices, this one included."), "success")
    return redirect(url_for("auth.login"))


@bp.post("/profile/logins/<int:login_id>/end")
@login_required
def end_login(login_id: int):
    """End one of the member's logins (another device's, or this one)."""
    if not EndLoginForm().validate_on_submit():
        abort(400)
    here = sessions.current_session()
    row = sessions.end_session_of(current_user._get_current_object(), login_id)
    if row is None:
        abort(404)
    if here is not None and row.id == here.id:
        _fresh_session()
        flash(_("You are logged out. See you at the next breakfast!"), "success")
        return redirect(url_for("main.index"))
    flash(_("That device is logged out."), "success")
    return redirect(url_for("members.profile") + "#logins")


@bp.app_template_global()
def active_logins():
    """The current member's working logins, for the list on the profile page."""
    if not current_user.is_authenticated:
        return []
    return sessions.active_logins(current_user._get_current_object())


@bp.record_once
def _install_log_redaction(state) -> None:
    install_log_redaction()
