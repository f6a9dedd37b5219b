"""Forms of the seating pages. They collect; the rules are in `app.seating.layout` and the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from app.forms_base import AppForm
from app.models.seating import MAX_ROUNDS
from app.seating.layout import LAYOUTS, Settings
from app.seating.rules import MAX_NOTE
from app.validation import LenientIntegerField, html_limits


class SettingsForm(AppForm):
    """How the tables are set: one layout and its number, the rounds, the hosts option."""

    layout = RadioField(_l("Tables"), choices=[
        SelectChoice("table_size", _l("People per table")),
        SelectChoice("tables", _l("Number of tables")),
        SelectChoice("table_sizes", _l("Each table's size")),
    ], default="table_size", validate_choice=False)
    value = StringField(_l("Number, or the sizes"),
                        description=_l("E.g. 4 people per table, 6 tables, or the sizes 6, 6, 5, 5."),
                        render_kw=html_limits(max_length=400, inputmode="text", autocomplete="off"))
    rounds = SelectField(_l("Rounds"),
                         choices=[SelectChoice(str(n), str(n)) for n in range(1, MAX_ROUNDS + 1)],
                         default="2", validate_choice=False)
    hosts = BooleanField(_l("A well-connected member at each table that has a newcomer or guest"))
    version = HiddenField()

    def fill(self, settings: Settings) -> None:
        self.layout.data = settings.layout
        value = {"tables": settings.tables, "table_size": settings.table_size,
                 "table_sizes": ", ".join(str(s) for s in settings.table_sizes or ())}[settings.layout]
        self.value.data = "" if value is None else str(value)
        self.rounds.data = str(settings.rounds)
        self.hosts.data = settings.hosts

    def raw(self) -> dict:
        """The settings as the service reads them (the layout's field carries the value)."""
        layout = self.layout.data if self.layout.data in LAYOUTS else "table_size"
        return {"layout": layout, layout: self.value.data, "rounds": self.rounds.data,
                "hosts": bool(self.hosts.data)}


class MoveForm(AppForm):
    """One person to another table in one round (the no-JavaScript form beside each person)."""

    key = HiddenField()
    round = LenientIntegerField(_l("Round"))
    table = LenientIntegerField(_l("Move to table"))
    version = LenientIntegerField()


class VersionForm(AppForm):
    """Re-plan, publish or hide: only the version the organizer saw."""

    version = LenientIntegerField()


class RuleForm(AppForm):
    member_a = SelectField(_l("Member"), choices=[], validate_choice=False)
    member_b = SelectField(_l("and member"), choices=[], validate_choice=False)
    kind = RadioField(_l("Rule"), choices=[SelectChoice("apart", _l("Keep apart (e.g. competitors)")),
                                           SelectChoice("together", _l("Seat together in the first round"))],
                      default="apart", validate_choice=False)
    note = StringField(_l("Note"), render_kw=html_limits(max_length=MAX_NOTE))
