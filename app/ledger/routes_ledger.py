"""The give-and-take pages: a member's own and another member's ledger, the organizers' group report
and its CSV, and the page hooks (profile card summary, the group page's button and thank-you wall).

Thin: `app.ledger.ledger` and `app.ledger.reports` decide who sees what.
"""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from app.auth import permissions
from app.connections.one_to_ones import local_today
from app.errors import DomainError
from app.ledger import bp
from app.ledger.charts import given_received_svg
from app.ledger.ledger import PERIODS, can_see_ledger, member_ledger
from app.ledger.reports import GRANULARITIES, group_report, report_csv, thanks_wall

PERIOD_WORDS = {"6m": _l("Last 6 months"), "12m": _l("Last 12 months"), "all": _l("All time")}
BY_WORDS = {"month": _l("Per month"), "quarter": _l("Per quarter"), "year": _l("Per year")}
REFERRAL_STATUS_WORDS = {"new": _l("new"), "contacted": _l("contacted"), "won": _l("won"), "lost": _l("lost")}
REQUEST_STATUS_WORDS = {"open": _l("open"), "solved": _l("solved"), "expired": _l("expired"),
                        "withdrawn": _l("withdrawn")}
HELP_KIND_WORDS = {"request": _l("solved a request"), "advice": _l("advice"),
                   "introduction": _l("introduction"), "room": _l("lent a meeting room"),
                   "other": _l("other")}
DEFAULT_PERIOD = "12m"


def _period() -> str:
    value = request.args.get("period", DEFAULT_PERIOD)
    return value if value in PERIODS else DEFAULT_PERIOD


def _chart(ledger) -> tuple[Markup, list[tuple[str, int, int]]]:
    from datetime import date

    rows = [(format_date(date.fromisoformat(p.month + "-01"), "MMM yy"), p.given, p.received)
            for p in ledger.months]
    svg = given_received_svg(rows, title=_("Given and received per month"), given_label=_("Given"),
                             received_label=_("Received"))
    return Markup(svg), rows  # noqa: S704  (built from escaped parts in app.ledger.charts)


def _page(ledger):
    svg, rows = _chart(ledger)
    return render_template("ledger/ledger.html", ledger=ledger, period=_period(), periods=PERIODS,
                           counts=ledger.periods[_period()], chart=svg, chart_rows=rows)


@bp.get("/give-and-take")
@login_required
def mine():
    return _page(member_ledger(current_user, current_user.id, today=local_today()))


@bp.get("/members/<int:member_id>/give-and-take")
@login_required
def member(member_id: int):
    if member_id == current_user.id:
        return redirect(url_for("ledger.mine", period=_period()))
    return _page(member_ledger(current_user, member_id, today=local_today()))


def _by() -> str:
    value = request.args.get("by", "month")
    return value if value in GRANULARITIES else "month"


@bp.get("/groups/<slug>/give-and-take")
@login_required
def report(slug: str):
    data = group_report(current_user, slug, today=local_today(), by=_by())
    return render_template("ledger/report.html", report=data, group=data.group, by=_by())


@bp.get("/groups/<slug>/give-and-take.csv")
@login_required
def report_download(slug: str):
    filename, data = report_csv(group_report(current_user, slug, today=local_today(), by=_by()))
    return Response(data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


# --- page hooks and words ------------------------------------------------------------------------


@bp.app_template_global()
def ledger_summary(member):
    """The member's ledger (12 months) for their profile card, or None when the viewer may not see it."""
    if not current_user.is_authenticated or not can_see_ledger(current_user, member):
        return None
    try:
        return member_ledger(current_user, member.id, today=local_today())
    except DomainError:
        return None


@bp.app_template_global()
def group_thanks_wall(group):
    """The recent thank-yous on the group's wall (both agreed), for members of the group and admins."""
    return thanks_wall(current_user, group)


@bp.app_template_global()
def can_see_group_ledger(group) -> bool:
    return permissions.can_manage_group(current_user, group)


@bp.app_template_global()
def ledger_period_label(totals, by: str) -> str:
    """A report period in words: "nov. 2026", "K4 2026" or "2026"."""
    start = totals.start
    if by == "year":
        return str(start.year)
    if by == "quarter":
        return _("Q%(quarter)d %(year)d", quarter=(start.month - 1) // 3 + 1, year=start.year)
    return format_date(start, "MMM yyyy")


ITEM_LINKS = {"referral": ("ledger.referral", "referral_id"), "help": ("ledger.help_record", "help_id"),
              "thanks": ("ledger.thanks", "thanks_id")}


@bp.app_template_global()
def ledger_item_link(item, ledger) -> str | None:
    """Where a recent item of a ledger leads: a referral, help or thank-you to its page for its two
    members (the others see only the line), a request or an answer to the request."""
    views = current_app.view_functions
    if item.type in ("request", "answer"):
        if "asks.show" not in views or not item.request_id:
            return None
        return url_for("asks.show", request_id=item.request_id)
    endpoint, name = ITEM_LINKS.get(item.type, (None, None))
    party = ledger.own or (item.other is not None and item.other.id == current_user.id)
    if endpoint is None or endpoint not in views or not party:
        return None
    return url_for(endpoint, **{name: item.id})


@bp.app_context_processor
def _ledger_words():
    return {"ledger_period_words": PERIOD_WORDS, "ledger_by_words": BY_WORDS,
            "ledger_referral_words": REFERRAL_STATUS_WORDS, "ledger_request_words": REQUEST_STATUS_WORDS,
            "ledger_help_words": HELP_KIND_WORDS}
