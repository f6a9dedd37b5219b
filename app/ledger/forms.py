"""Forms of the referral and thanks pages. They collect; the rules are in `app.ledger.referrals`,
`app.ledger.thanks` and `app.ledger.services` (the same checks the API gets)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from app.forms_base import AppForm
from app.ledger.referrals import LIMITS as REFERRAL_LIMITS
from app.ledger.services import MAX_REASON
from app.ledger.thanks import LIMITS as THANKS_LIMITS
from app.validation import LenientDateField, Required, html_limits


def member_id(value):
    """The chosen id; anything else is 0 (the service names the mistake)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


WARMTH_CHOICES = [SelectChoice("expects_call", _l("The contact expects a call")),
                  SelectChoice("may_call", _l("The contact may be called")),
                  SelectChoice("tip", _l("Only a tip (the contact does not know)"))]
HELP_CHOICES = [SelectChoice("advice", _l("Advice")), SelectChoice("introduction", _l("An introduction")),
                SelectChoice("room", _l("Lent a meeting room")), SelectChoice("other", _l("Other"))]


class ReferralForm(AppForm):
    receiver_id = SelectField(_l("To whom do you give the referral?"), coerce=member_id,
                              validate_choice=False, validators=[Required()])
    group_id = SelectField(_l("Group"), coerce=member_id, validate_choice=False,
                           description=_l("Only when you share several groups."))
    contact_name = StringField(_l("The contact's name"), validators=[Required()],
                               render_kw=html_limits(max_length=REFERRAL_LIMITS["contact_name"]))
    contact_company = StringField(_l("Company (optional)"),
                                  render_kw=html_limits(max_length=REFERRAL_LIMITS["contact_company"]))
    contact_phone = StringField(_l("Phone"), render_kw=html_limits(
        max_length=REFERRAL_LIMITS["contact_phone"], autocomplete="off"))
    contact_email = StringField(_l("E-mail"), render_kw=html_limits(
        max_length=REFERRAL_LIMITS["contact_email"], autocomplete="off"),
        description=_l("A phone number or an e-mail address, unless it is only a tip."))
    about = TextAreaField(_l("What is it about?"), validators=[Required()],
                          render_kw=html_limits(max_length=REFERRAL_LIMITS["about"], rows=4))
    warmth = RadioField(_l("How warm is the contact?"), choices=WARMTH_CHOICES, validate_choice=False,
                        default="may_call")
    request_id = HiddenField()
    submit = SubmitField(_l("Give the referral"))

    def to_data(self) -> dict:
        return {"receiver_id": self.receiver_id.data, "group_id": self.group_id.data or None,
                "contact_name": self.contact_name.data or "",
                "contact_company": self.contact_company.data or "",
                "contact_phone": self.contact_phone.data or "",
                "contact_email": self.contact_email.data or "",
                "about": self.about.data or "", "warmth": self.warmth.data,
                "request_id": member_id(self.request_id.data) or None}


class ReferralEditForm(AppForm):
    contact_name = ReferralForm.contact_name
    contact_company = ReferralForm.contact_company
    contact_phone = ReferralForm.contact_phone
    contact_email = ReferralForm.contact_email
    about = ReferralForm.about
    warmth = ReferralForm.warmth
    submit = SubmitField(_l("Save the correction"))

    def to_data(self) -> dict:
        return {name: getattr(self, name).data or "" for name in
                ("contact_name", "contact_company", "contact_phone", "contact_email", "about", "warmth")}


class BusinessThanksForm(AppForm):
    thanked_id = SelectField(_l("Whom do you thank?"), coerce=member_id, validate_choice=False,
                             validators=[Required()])
    group_id = SelectField(_l("Group"), coerce=member_id, validate_choice=False,
                           description=_l("Only when you share several groups."))
    referral_id = HiddenField()
    amount_dkk = StringField(_l("Amount in kroner (optional)"),
                             description=_l("Only the two of you see the amount; e.g. 12.500."),
                             render_kw={"inputmode": "numeric", "maxlength": 40, "autocomplete": "off"})
    message = TextAreaField(_l("Message (optional)"),
                            render_kw=html_limits(max_length=THANKS_LIMITS["message"], rows=3))
    wall_by_thanker = BooleanField(_l("Show it on the group's thank-you wall"),
                                   description=_l("Only when the other member agrees too; never with "
                                                  "the amount."))
    submit = SubmitField(_l("Say thank you"))

    def to_data(self) -> dict:
        return {"thanked_id": self.thanked_id.data, "group_id": self.group_id.data or None,
                "referral_id": member_id(self.referral_id.data) or None, "amount_dkk": self.amount_dkk.data,
                "message": self.message.data or "", "wall_by_thanker": bool(self.wall_by_thanker.data)}


class HelpThanksForm(AppForm):
    giver_id = SelectField(_l("Who helped you?"), coerce=member_id, validate_choice=False,
                           validators=[Required()])
    group_id = SelectField(_l("Group"), coerce=member_id, validate_choice=False,
                           description=_l("Only when you share several groups."))
    kind = RadioField(_l("What kind of help?"), choices=HELP_CHOICES, validate_choice=False, default="advice")
    description = TextAreaField(_l("What did they help with?"), validators=[Required()],
                                render_kw=html_limits(max_length=THANKS_LIMITS["description"], rows=3))
    given_on = LenientDateField(_l("When?"))
    message = BusinessThanksForm.message
    wall_by_thanker = BusinessThanksForm.wall_by_thanker
    submit = SubmitField(_l("Say thank you"))

    def to_data(self) -> dict:
        return {"giver_id": self.giver_id.data, "group_id": self.group_id.data or None,
                "kind": self.kind.data, "description": self.description.data or "",
                "given_on": self.given_on.data,
                "message": self.message.data or "", "wall_by_thanker": bool(self.wall_by_thanker.data)}


class HelpEditForm(AppForm):
    kind = HelpThanksForm.kind
    description = HelpThanksForm.description
    given_on = HelpThanksForm.given_on
    submit = SubmitField(_l("Save the correction"))

    def to_data(self) -> dict:
        return {"kind": self.kind.data, "description": self.description.data or "",
                "given_on": self.given_on.data}


class ThanksEditForm(AppForm):
    amount_dkk = BusinessThanksForm.amount_dkk
    message = BusinessThanksForm.message
    wall_by_thanker = BusinessThanksForm.wall_by_thanker
    submit = SubmitField(_l("Save the correction"))

    def to_data(self, *, business: bool) -> dict:
        data = {"message": self.message.data or "", "wall_by_thanker": bool(self.wall_by_thanker.data)}
        if business:
            data["amount_dkk"] = self.amount_dkk.data
        return data


class StatusForm(AppForm):
    status = HiddenField()


class ReasonForm(AppForm):
    """Withdraw, hide or show: a reason (required to hide; the service says so)."""

    reason = TextAreaField(_l("Reason"), render_kw=html_limits(max_length=MAX_REASON, rows=2))
    submit = SubmitField(_l("Save"))


class ActionForm(AppForm):
    """A POST with only the CSRF token."""
