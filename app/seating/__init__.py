"""Seating: tables and rounds that make new acquaintances.

- `planner`: pure (no Flask, no database): plans tables over rounds from people, table sizes, the
  history cost of each pair and constraints; reports the quality and a lower bound. Its search
  kernel is `search` (numba), with `rounds` (exact re-seating of one round) and `constructions`
  (perfect plans where a known design applies).
- `problem`: the planner's input for a meeting (people, history, rules, hosts); `layout`: the
  organizer's table settings into table sizes.
- `services`: a meeting's plan: generate, move people, re-plan, publish, my tables (`quality` and
  `views` shape the report and the pages); `rules`: the group's apart/together rules.
- `routes`: the organizer's plan, the big screen, printable table cards, the member's "mine borde".
- `cli`: `flask seating solve` (the social golfer problem from the command line).
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("seating", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint and the commands."""
    from app.seating import cli, routes  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
    cli.init_app(app)
