"""Forms of the "Spørg netværket" pages. They collect; the rules are in `app.asks.services`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from app.asks.rules import CATEGORIES, LIMITS
from app.forms_base import AppForm
from app.validation import LenientDateField, Required, html_limits


def _member_id(value):
    """A chosen id; anything else is 0 (the service names the mistake)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def category_choices() -> list[SelectChoice]:
    return [SelectChoice("", str(_l("No category")))] + [SelectChoice(code, str(label))
                                                         for code, label in CATEGORIES.items()]


class _RequestFields(AppForm):
    title = StringField(_l("What do you need?"), validators=[Required()],
                        description=_l('For example "an accountant who knows the building trade" or "a room '
                                       'for 40 people".'),
                        render_kw=html_limits(max_length=LIMITS["title"]))
    body = TextAreaField(_l("Details (optional)"), render_kw=html_limits(max_length=LIMITS["body"], rows=5))
    deadline = LenientDateField(_l("Deadline (optional)"),
                                description=_l("At most a year ahead. After the deadline the request closes "
                                               "by itself."))
    category = SelectField(_l("Category (optional)"), choices=[], validate_choice=False)

    def request_data(self) -> dict:
        return {"title": self.title.data or "", "body": self.body.data or "", "deadline": self.deadline.data,
                "category": self.category.data or ""}


class RequestForm(_RequestFields):
    group_ids = MultiCheckboxField(_l("Ask in"), coerce=_member_id, validate_choice=False,
                                   validators=[Required()])
    raise_at_group_id = SelectField(_l("Raise it at the next meeting"), coerce=_member_id,
                                    validate_choice=False,
                                    description=_l("It then shows on that meeting's page under the agenda."))
    submit = SubmitField(_l("Ask the network"))

    def to_data(self) -> dict:
        return {**self.request_data(), "group_ids": [i for i in (self.group_ids.data or [])],
                "raise_at_group_id": self.raise_at_group_id.data or None}


class EditRequestForm(_RequestFields):
    submit = SubmitField(_l("Save changes"))

    def to_data(self) -> dict:
        return self.request_data()


class AnswerForm(AppForm):
    kind = RadioField(_l("Your answer"), choices=[SelectChoice("offer", _l("I can help with that")),
                                                  SelectChoice("referral", _l("Talk to …"))],
                      default="offer", validate_choice=False)
    body = TextAreaField(_l("Message"), render_kw=html_limits(max_length=LIMITS["answer"], rows=3))
    referred_member_id = SelectField(_l("Talk to (a member)"), coerce=_member_id, validate_choice=False)
    referred_name = StringField(_l("… or someone else (name, company, how to reach them)"),
                                render_kw=html_limits(max_length=LIMITS["referred_name"]))
    private = BooleanField(_l("Only to the asker"))
    submit = SubmitField(_l("Send answer"))

    def to_data(self) -> dict:
        return {"kind": self.kind.data, "body": self.body.data or "",
                "referred_member_id": self.referred_member_id.data or None,
                "referred_name": self.referred_name.data or "", "private": bool(self.private.data)}


class EditAnswerForm(AnswerForm):
    submit = SubmitField(_l("Save changes"))


class SolveForm(AppForm):
    helper_ids = MultiCheckboxField(_l("Who helped?"), coerce=_member_id, validate_choice=False,
                                    description=_l("They get a thank-you mail, and the help counts in the "
                                                   "give and take."))
    submit = SubmitField(_l("Mark as solved"))


class HideForm(AppForm):
    reason = TextAreaField(_l("Reason"), validators=[Required()],
                           description=_l("The author and the asker see the reason; the other members no "
                                          "longer see it."),
                           render_kw=html_limits(max_length=LIMITS["reason"], rows=3))
    submit = SubmitField(_l("Hide"))


class ActionForm(AppForm):
    """A POST with only the CSRF token (withdraw, show again)."""
