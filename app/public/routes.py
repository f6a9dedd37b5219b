"""Public pages: the network's page, the embeds (the only pages another site may frame), the
visitor's form and the organizers' list of visitor requests.

The public page of a public group is the group's own page (/groups/<slug>, app.groups.routes) as
an anonymous visitor or a member of other groups sees it: templates/groups/show.html includes
templates/public/_group_public.html, which reads `public_group_page(group)` (registered here).
"""

from __future__ import annotations

import re

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from app.errors import ValidationFailed
from app.extensions import limiter, talisman
from app.public import bp, services, visitors
from app.public.forms import HONEYPOT, HandledForm, VisitorForm
from app.templating import local_date_filter, local_time_filter

# The embeds send their own Content-Security-Policy (frame-ancestors from EMBED_FRAME_ANCESTORS)
# and no X-Frame-Options; every other page keeps the app's DENY / frame-ancestors 'none'.
EMBEDDABLE = talisman(frame_options=None, content_security_policy=None)
EMBED_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
                "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'none'")
# A CSP source expression: 'self', 'none', *, a scheme (https:) or a host with optional scheme,
# wildcard subdomain, port and path.
_SOURCE = re.compile(r"^(?:'self'|'none'|\*|[a-z][a-z0-9+.\-]*:|(?:[a-z][a-z0-9+.\-]*://)?(?:\*\.)?"
                     r"[a-z0-9\-]+(?:\.[a-z0-9\-]+)*(?::(?:\d{1,5}|\*))?(?:/[^\s;,'\"]*)?)$", re.IGNORECASE)

EMBED_ENDPOINTS = frozenset({"public.embed_network", "public.embed_group"})

limit_visits_per_ip = limiter.limit(
    lambda: current_app.config["VISITOR_RATE_LIMIT_PER_IP"], methods=["POST"])


def frame_ancestors() -> str:
    """EMBED_FRAME_ANCESTORS as CSP sources; anything that is not a plain source is left out, and
    nothing usable means 'none' (a broken setting never opens every page to framing)."""
    raw = str(current_app.config.get("EMBED_FRAME_ANCESTORS") or "").split(";", 1)[0]
    sources = [s for s in re.split(r"[\s,]+", raw) if s and _SOURCE.match(s)]
    return " ".join(sources) or "'none'"


def _embed(template: str, **context):
    response = current_app.make_response(render_template(template, **context))
    # An embed sets no cookies: the page is the same for everyone, and a third-party cookie from
    # the network's own site would be unwelcome. (Flask-Login may have marked a visitor's existing
    # session as not fresh while the page was rendered; that can wait for a page of our own.)
    session.modified = False
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['PUBLIC_CACHE_SECONDS']}"
    return response


@bp.after_request
def embed_headers(response):
    """The embeds' own policy (Talisman leaves them alone): framable by EMBED_FRAME_ANCESTORS when
    they answer 200; an error page (an unknown or members-only group) stays unframable."""
    if request.endpoint not in EMBED_ENDPOINTS:
        return response
    if response.status_code == 200:
        ancestors = frame_ancestors()
    else:
        ancestors = "'none'"
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = f"{EMBED_POLICY}; frame-ancestors {ancestors}"
    return response


def public_group_page(group):
    """For templates/groups/show.html: the public page's content as the current user may see it."""
    return services.public_group_page(group, current_user)


def public_photo_url(member_id: int, size: str) -> str | None:
    """The member's photo (app.profiles serves it only if the viewer may see it), or None while
    that page does not exist."""
    if "profiles.photo" not in current_app.view_functions:
        return None
    for name in ("member_id", "id"):
        try:
            return url_for("profiles.photo", size=size, _external=True, **{name: member_id})
        except BuildError:
            continue
    return None


# --- pages ---------------------------------------------------------------------------------------

@bp.get("/about")
def network():
    """The network's public page. (/network is the members' "Mit netværk", app.connections.)"""
    return render_template("public/network.html", cards=services.network_overview())


@bp.get("/embed/network")
@EMBEDDABLE
def embed_network():
    return _embed("public/embed_network.html", cards=services.network_overview())


@bp.get("/embed/groups/<slug>")
@EMBEDDABLE
def embed_group(slug: str):
    group = services.public_group(slug)
    return _embed("public/embed_group.html", group=group, page=services.public_group_page(group))


# --- "kom som gæst / bliv medlem" ----------------------------------------------------------------

def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "da"


def _visit_form(group, form: VisitorForm | None = None) -> VisitorForm:
    form = form or VisitorForm()
    meetings = services.public_meetings(group, limit=None)
    form.meeting_id.choices = [SelectChoice("", _("No particular meeting"))] + [
        SelectChoice(str(m.id), _meeting_label(m)) for m in meetings]
    form.meeting_id.meetings = {m.id: m for m in meetings}
    return form


def _meeting_label(meeting) -> str:
    zone = meeting.group.timezone
    when = f"{local_date_filter(meeting.starts_at, zone)}, {local_time_filter(meeting.starts_at, zone)}"
    return f"{when}: {meeting.title}"


def _show_visit_form(group, form: VisitorForm, status: int = 200, notice: str | None = None):
    form.form_token.data = visitors.issue_form_token(group)
    form.homepage.data = ""
    return render_template("public/visit.html", group=group, form=form, notice=notice,
                           honeypot=HONEYPOT), status


@bp.route("/groups/<slug>/visit", methods=["GET", "POST"])
@limit_visits_per_ip
def visit(slug: str):
    group = services.public_group(slug)
    form = _visit_form(group)
    if request.method == "GET":
        if request.args.get("kind") in visitors.KINDS:
            form.kind.data = request.args["kind"]
        return _show_visit_form(group, form)
    # Spam first, before any field is judged: a bot learns nothing from error messages either.
    check = visitors.check_form_token(group, request.form.get("form_token"))
    if request.form.get(HONEYPOT) or check == visitors.TokenCheck.INVALID:
        # No or a forged token, or it filled in the hidden field: the same confirmation as a person
        # gets, but nothing is stored or sent.
        current_app.logger.info("Visitor form for %s dropped as spam (%s)", group.slug,
                                "honeypot" if request.form.get(HONEYPOT) else check)
        return _confirm(group)
    if check == visitors.TokenCheck.TOO_FAST:
        # Sooner than a person types (a bot, or a browser's autofill): nothing is stored; a person
        # sees the form again with what they wrote and sends it once more.
        current_app.logger.info("Visitor form for %s posted too fast", group.slug)
        return _show_visit_form(group, form, 422, notice=_(
            "That was quick! Please check your details and press Send once more."))
    valid = form.validate_on_submit()
    if check == visitors.TokenCheck.EXPIRED:
        return _show_visit_form(group, form, 422, notice=_(
            "The form was open for a long time. Please check your details and send it again."))
    if not valid:
        return _show_visit_form(group, form, 422)
    data = visitors.VisitorData(
        kind=form.kind.data or "", name=form.name.data or "", email=form.email.data or "",
        phone=form.phone.data or "", company=form.company.data or "", meeting_id=form.meeting_id.data,
        message=form.message.data or "", language=_language())
    try:
        visitors.submit_visitor_request(group, data)
    except ValidationFailed as error:
        for name, messages in error.fields.items():
            getattr(form, name).errors = list(messages)
        return _show_visit_form(group, form, 422)
    return _confirm(group)


def _confirm(group):
    return redirect(url_for("public.visit_sent", slug=group.slug), 303)


@bp.get("/groups/<slug>/visit/sent")
def visit_sent(slug: str):
    group = services.public_group(slug)
    return render_template("public/visit_sent.html", group=group)


@bp.errorhandler(429)
def too_many_visits(error):
    if request.endpoint == "public.visit":
        try:
            group = services.public_group(request.view_args.get("slug") if request.view_args else None)
        except Exception:  # noqa: BLE001  (an unknown group: the plain 429 page)
            return error
        return _show_visit_form(group, _visit_form(group), 429, notice=_(
            "Too many attempts. Please wait a few minutes and try again."))
    return error


# --- the organizers' list ------------------------------------------------------------------------

def _managed_group(slug: str):
    from app.groups.services import get_group_for_edit

    return get_group_for_edit(current_user, slug)


@bp.get("/groups/<slug>/visitors")
@login_required
def visitor_requests(slug: str):
    group = _managed_group(slug)
    return render_template("public/visitor_requests.html", group=group,
                           requests=visitors.list_visitor_requests(current_user, group),
                           retention_days=visitors.retention_days(), form=HandledForm(formdata=None))


@bp.post("/groups/<slug>/visitors/<int:request_id>/handled")
@login_required
def mark_handled(slug: str, request_id: int):
    group = _managed_group(slug)
    form = HandledForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("public.visitor_requests", slug=slug))
    handled = visitors.mark_handled(current_user, group, request_id)
    flash(_("The request from %(name)s is marked as handled.", name=handled.name), "success")
    return redirect(url_for("public.visitor_requests", slug=slug))
