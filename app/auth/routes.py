"""Logging in by emailed link or password, logging out, and the optional password."""

from __future__ import annotations

from flask import (
    Blueprint,
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

from app.auth.forms import ConfirmLinkForm, LoginLinkForm, PasswordForm, PasswordLoginForm
from app.auth.passwords import MIN_LENGTH
from app.auth.services import (
    LoginLinkInvalid,
    change_password,
    consume_login_link,
    find_login_token,
    login_with_password,
    remove_password,
    request_login_link,
)
from app.errors import ValidationFailed
from app.extensions import limiter
from app.models import normalize_email
from app.urls import safe_next

bp = Blueprint("auth", __name__)


# --- rate limits (POST only; showing a form is free) ------------------------------------------
# The limits are callables so they are read from the config at request time.

def _address_key() -> str:
    return "login-address:" + normalize_email(request.form.get("email", ""))


limit_per_ip = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], methods=["POST"])
limit_per_address = limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"], key_func=_address_key, methods=["POST"]
)


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
    _fresh_session()
    # Without "remember me" the session cookie ends with the browser (session.permanent stays False).
    login_user(member, remember=remember)


# --- magic link ---------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limit_per_ip
@limit_per_address
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
@limit_per_address
def login_password():
    form = PasswordLoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            member = login_with_password(form.email.data, form.password.data)
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
    if form.validate_on_submit():
        try:
            if form.remove.data:
                remove_password(member, current_password=form.current_password.data)
                flash(_("Your password is removed. You log in with a link by email."), "success")
            else:
                change_password(member, current_password=form.current_password.data,
                                new_password=form.new_password.data,
                                confirm_password=form.confirm_password.data)
                flash(_("Your password is saved."), "success")
        except ValidationFailed as exc:
            for name, messages in exc.fields.items():
                if name in form:
                    form[name].errors = list(messages)
            return _password_page(form, member, notice=exc.message), exc.status
        return redirect(url_for("auth.password"))
    return _password_page(form, member)


def _password_page(form: PasswordForm, member, notice: str | None = None) -> str:
    return render_template("auth/password.html", form=form, has_password=bool(member.password_hash),
                           min_length=MIN_LENGTH, notice=notice)


# --- logout -------------------------------------------------------------------------------------

@bp.post("/logout")
def logout():
    _fresh_session()
    flash(_("You are logged out. See you at the next breakfast!"), "success")
    return redirect(url_for("main.index"))
