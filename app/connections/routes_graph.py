"""The organizers' network picture and numbers: /groups/<slug>/network, and the group page's
summary and button (template globals for `connections/_group_network.html` and `_group_buttons.html`)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.auth import permissions
from app.connections import bp, stats
from app.connections.charts import bar_chart_svg, line_chart_svg
from app.connections.graph import SvgWords, network_svg


def _svg_words(network: stats.GroupNetwork) -> SvgWords:
    return SvgWords(
        title=_("Who has met whom in %(group)s", group=network.group.name),
        description=_("%(members)d members are shown as dots; a line joins two members who have sat at "
                      "the same table or held a 1-to-1. The table below the picture lists the same "
                      "numbers.", members=len(network.nodes)),
        member=_("Member"),
        newcomer=_("Newcomer"),
        isolated=_("Has met no one here"),
        connector=_("Connector"),
        edge=_("Have met (darker and wider: know each other better)"),
        met_count=_("{name}: has met {count}"),
    )


@bp.get("/groups/<slug>/network")
@login_required
def group_network(slug: str):
    months = request.args.get("months", type=int)
    network = stats.group_network_for(current_user, slug, newcomer_months=months)
    picture = Markup(network_svg(network.nodes, network.edges, words=_svg_words(network)))  # noqa: S704
    share_chart = Markup(line_chart_svg(  # noqa: S704
        [(format_date(p.month, "MMM yy"), p.share) for p in network.months],
        title=_("Share of member pairs who have met, month by month"), percent=True))
    new_chart = Markup(bar_chart_svg(  # noqa: S704
        [(format_date(p.on, "d/M"), p.new_pairs) for p in network.meetings],
        title=_("New acquaintances per meeting")))
    isolated_chart = Markup(line_chart_svg(  # noqa: S704
        [(format_date(p.month, "MMM yy"), p.isolated) for p in network.months],
        title=_("Members who have met no one, month by month")))
    return render_template("connections/group_network.html", group=network.group, numbers=network,
                           picture=picture, share_chart=share_chart, new_chart=new_chart,
                           isolated_chart=isolated_chart)


@bp.app_template_global()
def group_network_summary(group):
    """The group page's headline numbers, for those who may see the network page (else None)."""
    if not permissions.can_manage_group(current_user, group):
        return None
    return stats.summary(group)


@bp.app_template_global()
def network_percent(value: float) -> str:
    return format_percent(value)


@bp.app_template_global()
def network_number(value: float | None) -> str:
    """A median or other number as the viewer's language writes it ("4,5"; a whole one without
    decimals); "–" for none."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.#")
