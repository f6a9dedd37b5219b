"""The seating pages (blueprint `seating`):

- organizers: the plan page `/meetings/<id>/seating` (settings, "Lav bordplan", the plan per round,
  the quality box, manual moves, re-plan, publish), the big screen `/seating/screen?round=N`, the
  printable table cards `/seating/cards`, and the group's rules `/groups/<slug>/seating-rules`;
- members: "mine borde" `/meetings/<id>/my-tables` and the meeting page's hook.

Each action is a small POST form that calls one service and redirects (303) back with a flash; a
refused action shows the page again with the error (422, or 409 for a stale plan). A move can also
be posted as JSON (`move.json`, with the CSRF token in X-CSRFToken) by the page's script, which
gets the plan and the quality box back as HTML and swaps them in without a reload.
"""

from __future__ import annotations

from flask import flash, jsonify, render_template, request, url_for
from flask import redirect as flask_redirect
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.models import Meeting
from app.seating import bp, rules, services
from app.seating.forms import MoveForm, RuleForm, SettingsForm, VersionForm
from app.seating.layout import LAYOUTS

SETTING_FIELDS = {**{name: "value" for name in LAYOUTS}, "rounds": "rounds", "hosts": "hosts"}


@bp.app_template_global()
def seating_panel(meeting):
    """The meeting page's hook: the organizer's button and the member's own tables."""
    return services.meeting_panel(current_user, meeting)


def _redirect(meeting_id: int, anchor: str | None = None):
    return flask_redirect(url_for("seating.organizer", meeting_id=meeting_id, _anchor=anchor), code=303)


def _page(meeting_id: int, *, status: int = 200, form: SettingsForm | None = None, error: str | None = None):
    view = services.plan_for(current_user, meeting_id)
    if form is None:
        form = SettingsForm(formdata=None)
        form.fill(view.settings)
    form.version.data = str(view.version)
    return render_template("seating/plan.html", view=view, meeting=view.meeting, group=view.meeting.group,
                           form=form, error=error, version=view.version), status


@bp.get("/meetings/<int:meeting_id>/seating")
@login_required
def organizer(meeting_id: int):
    return _page(meeting_id)


def _refused(meeting_id: int, exc: DomainError, form: SettingsForm | None = None):
    db.session.rollback()
    if isinstance(exc, PermissionDenied):
        raise exc
    if isinstance(exc, ValidationFailed):
        loose = []
        for name, messages in exc.fields.items():
            field = getattr(form, SETTING_FIELDS.get(name, ""), None) if form is not None else None
            if field is None:
                loose.extend(messages)
            else:
                field.errors = list(field.errors or []) + list(messages)
        return _page(meeting_id, status=422, form=form, error=" ".join(loose) or exc.message)
    status = 409 if isinstance(exc, Conflict | NotFound) else exc.status
    return _page(meeting_id, status=status, form=form, error=exc.message)


def _expired(form) -> str | None:
    if "csrf_token" in form.errors:
        return _("The form had expired. Please try again.")
    return None


def _version(value):
    return value if isinstance(value, int) else (int(value) if isinstance(value, str) and value.isdigit()
                                                 and len(value) < 10 else value)


@bp.post("/meetings/<int:meeting_id>/seating/generate")
@login_required
def generate(meeting_id: int):
    services.require_manage(current_user, meeting_id)  # 404/403 before anything else
    form = SettingsForm()
    if not form.validate_on_submit():
        return _page(meeting_id, status=422, form=form, error=_expired(form)
                     or _("Please correct the marked fields."))
    try:
        outcome = services.generate(current_user, meeting_id, form.raw(), version=_version(form.version.data))
    except DomainError as exc:
        return _refused(meeting_id, exc, form)
    quality = outcome.plan.quality
    flash(ngettext("The seating plan is ready: %(num)d new pair.",
                   "The seating plan is ready: %(num)d new pairs.", quality.get("new_pairs", 0)), "success")
    return _redirect(meeting_id, "plan")


@bp.post("/meetings/<int:meeting_id>/seating/move")
@login_required
def move(meeting_id: int):
    services.require_manage(current_user, meeting_id)
    form = MoveForm()
    if not form.validate_on_submit():
        return _page(meeting_id, status=422, error=_expired(form) or _("Please correct the marked fields."))
    try:
        services.move(current_user, meeting_id, form.round.data, form.key.data, form.table.data,
                      version=_version(form.version.data))
    except DomainError as exc:
        return _refused(meeting_id, exc)
    flash(_("Moved."), "success")
    return _redirect(meeting_id, f"round-{form.round.data}")  # back where the organizer was


@bp.post("/meetings/<int:meeting_id>/seating/move.json")
@login_required
def move_json(meeting_id: int):
    """The page's script: {round, key, table, version} -> the new plan and quality as HTML."""
    services.require_manage(current_user, meeting_id)  # 404/403 as JSON below would hide them
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"error": _("The request body is not valid JSON.")}), 400
    try:
        services.move(current_user, meeting_id, data.get("round"), data.get("key"), data.get("table"),
                      version=data.get("version"))
    except PermissionDenied as exc:
        return jsonify({"error": exc.message}), 403
    except DomainError as exc:
        db.session.rollback()
        status = 409 if isinstance(exc, Conflict | NotFound) else exc.status
        return jsonify({"error": exc.message, "fields": exc.fields}), status
    view = services.plan_for(current_user, meeting_id)
    return jsonify({
        "version": view.version,
        "plan": render_template("seating/_rounds.html", view=view, meeting=view.meeting,
                                version=view.version),
        "quality": render_template("seating/_quality.html", view=view),
        "message": _("Moved."),
    })


@bp.post("/meetings/<int:meeting_id>/seating/replan")
@login_required
def replan(meeting_id: int):
    services.require_manage(current_user, meeting_id)
    form = VersionForm()
    if not form.validate_on_submit():
        return _page(meeting_id, status=422, error=_expired(form) or _("Please correct the marked fields."))
    try:
        outcome = services.replan(current_user, meeting_id, version=_version(form.version.data))
    except DomainError as exc:
        return _refused(meeting_id, exc)
    flash(ngettext("Planned again: %(num)d person changed table.",
                            "Planned again: %(num)d people changed table.", outcome.moved), "success")
    return _redirect(meeting_id, "plan")


@bp.post("/meetings/<int:meeting_id>/seating/publish")
@login_required
def publish(meeting_id: int):
    services.require_manage(current_user, meeting_id)
    form = VersionForm()
    if not form.validate_on_submit():
        return _page(meeting_id, status=422, error=_expired(form) or _("Please correct the marked fields."))
    show = request.form.get("published") == "1"
    try:
        services.publish(current_user, meeting_id, show, version=_version(form.version.data))
    except DomainError as exc:
        return _refused(meeting_id, exc)
    flash(_("The seating plan is published: members see their tables.") if show
                   else _("The seating plan is hidden from the members again."), "success")
    return _redirect(meeting_id)


# --- output: the big screen, table cards, mine borde ------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/seating/screen")
@login_required
def screen(meeting_id: int):
    view = services.plan_for(current_user, meeting_id)
    if not view.rounds:
        raise NotFound(_("There is no seating plan yet: make one first."))
    number = request.args.get("round", default=1, type=int) or 1
    number = max(1, min(number, len(view.rounds)))
    return render_template("seating/screen.html", view=view, meeting=view.meeting, group=view.meeting.group,
                           number=number, tables=view.round_tables(number))


@bp.get("/meetings/<int:meeting_id>/seating/cards")
@login_required
def cards(meeting_id: int):
    view = services.plan_for(current_user, meeting_id)
    if not view.rounds:
        raise NotFound(_("There is no seating plan yet: make one first."))
    return render_template("seating/cards.html", view=view, meeting=view.meeting, group=view.meeting.group)


@bp.get("/meetings/<int:meeting_id>/my-tables")
@login_required
def my_tables(meeting_id: int):
    mine = services.my_tables(current_user, meeting_id)
    return render_template("seating/my_tables.html", mine=mine, meeting=mine.meeting,
                           group=mine.meeting.group)


# --- the group's rules ----------------------------------------------------------------------------------


def _member_choices(members) -> list[SelectChoice]:
    return [SelectChoice("", _("Choose a member…"))] + [
        SelectChoice(str(m.id), f"{m.name} ({m.company})" if m.company else m.name) for m in members]


def _from_meeting(group) -> Meeting | None:
    """The meeting whose seating plan led here (?meeting=<id>, one of this group's): the rules page
    then leads back to that plan, and its forms keep the way back."""
    raw = request.args.get("meeting", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        return None
    meeting = db.session.get(Meeting, int(raw))
    return meeting if meeting is not None and meeting.group_id == group.id else None


def _rules_url(slug: str) -> str:
    meeting = request.args.get("meeting", "")
    return url_for("seating.group_rules", slug=slug, **({"meeting": meeting} if meeting else {}))


def _rules_page(slug: str, *, form: RuleForm | None = None, status: int = 200, error: str | None = None):
    listing = rules.rule_list(current_user, slug)
    form = form or RuleForm(formdata=None)
    form.member_a.choices = _member_choices(listing.members)
    form.member_b.choices = _member_choices(listing.members)
    names = {m.id: m.name for m in listing.members}
    return render_template("seating/rules.html", listing=listing, group=listing.group, form=form,
                           names=names, error=error, back=_from_meeting(listing.group)), status


@bp.get("/groups/<slug>/seating-rules")
@login_required
def group_rules(slug: str):
    return _rules_page(slug)


@bp.post("/groups/<slug>/seating-rules")
@login_required
def rule_add(slug: str):
    rules.rule_list(current_user, slug)
    form = RuleForm()
    if not form.validate_on_submit():
        return _rules_page(slug, form=form, status=422,
                           error=_expired(form) or _("Please correct the marked fields."))
    try:
        rules.add_rule(current_user, slug, form.member_a.data, form.member_b.data, form.kind.data,
                       form.note.data)
    except ValidationFailed as exc:
        db.session.rollback()
        for name, messages in exc.fields.items():
            getattr(form, name).errors = list(messages)
        return _rules_page(slug, form=form, status=422, error=exc.message)
    flash(_("The rule is saved."), "success")
    return flask_redirect(_rules_url(slug), code=303)


@bp.post("/groups/<slug>/seating-rules/<int:rule_id>/delete")
@login_required
def rule_remove(slug: str, rule_id: int):
    form = VersionForm()
    if not form.validate_on_submit():
        return _rules_page(slug, status=422, error=_expired(form) or _("Please correct the marked fields."))
    rules.remove_rule(current_user, slug, rule_id)
    flash(_("The rule is removed."), "success")
    return flask_redirect(_rules_url(slug), code=303)
