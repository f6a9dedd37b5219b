"""Forms for groups and their memberships. Rules that need the database live in the services."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from app.errors import ValidationFailed
from app.forms_base import AppForm as FlaskForm  # FlaskForm that refuses what cannot be stored
from app.groups.industry import REASON_MAX as INDUSTRY_REASON_MAX
from app.groups.invitations import LIMITS as INVITATION_LIMITS
from app.groups.services import DEFAULT_GUEST_LIMIT, DEFAULT_RSVP_MODE, GROUP_LIMITS
from app.models.group import MAX_GUEST_LIMIT, MAX_INVITE_DAYS_BEFORE
from app.validation import LenientIntegerField, LenientTimeField, Required, html_limits
from app.zones_ui import timezone_choices

_SLUG_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})


def suggest_slug(name: object) -> str:
    """The short name suggested from a group's name: "Kaffeklub Vest, Århus" -> "kaffeklub-vest-aarhus".
    Same rules as app/static/js/slug-suggest.js. Empty when the name has no letters or digits."""
    text = unicodedata.normalize("NFKD", str(name or "").lower().translate(_SLUG_LETTERS))
    text = "".join(char for char in text if not unicodedata.combining(char))
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[: GROUP_LIMITS["slug"]].strip("-")


ROLE_CHOICES = [SelectChoice("member", _l("Member")), SelectChoice("organizer", _l("Organizer"))]
ROLE_LABELS = {c.value: c.label for c in ROLE_CHOICES}

# How a group's meetings are answered: the choice's name and, beside it, what it means.
RSVP_MODE_CHOICES = [SelectChoice("opt_in", _l("Sign up to come")),
                     SelectChoice("expected", _l("Everyone is expected"))]
RSVP_MODE_LABELS = {c.value: c.label for c in RSVP_MODE_CHOICES}
RSVP_MODE_HELP = {
    "opt_in": _l("Members come when they have said yes. Nobody is expected until they sign up."),
    "expected": _l("Members come unless they send afbud. Everyone in the group counts as coming, "
                   "and the organizers get each afbud by mail."),
}

# Industry exclusivity (app.groups.industry): the choice's name and, beside it, what it means.
INDUSTRY_RULE_CHOICES = [SelectChoice("off", _l("Off")), SelectChoice("warn", _l("Warn")),
                         SelectChoice("block", _l("Block"))]
INDUSTRY_RULE_HELP = {
    "off": _l("Members of the same industry can join the group freely."),
    "warn": _l("Whoever adds a second member of an industry is told who already has it."),
    "block": _l("Only one member per industry. An admin can make an exception with a reason, "
                "which is recorded in the member's history."),
}


def apply_field_errors(form: FlaskForm, error: ValidationFailed) -> list[str]:
    """Put a service's field errors next to the form's fields; return messages without a field."""
    loose: list[str] = []
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is None:
            loose.extend(messages)
            continue
        errors = list(field.errors) if isinstance(field.errors, list | tuple) else []
        field.errors = errors + [m for m in messages if m not in errors]
    if not error.fields:
        loose.append(error.message)
    return loose


class GroupForm(FlaskForm):
    # The rules (required, lengths, the address's letters, time zone) live in
    # app.groups.services._clean_group_input; the form renders and collects.
    name = StringField(_l("Name"), validators=[Required()],
                       render_kw=html_limits(max_length=GROUP_LIMITS["name"]))
    slug = StringField(
        _l("Short name for the web address"),
        render_kw={**html_limits(max_length=GROUP_LIMITS["slug"]), "data-slug-from": "name"},
        description=_l("Lowercase letters, digits and hyphens; suggested from the name."),
    )
    description = TextAreaField(_l("Description"),
                                render_kw=html_limits(max_length=GROUP_LIMITS["description"]),
                                description=_l("What the group is about, where and when it meets."))
    timezone = SelectField(_l("Time zone"), default="Europe/Copenhagen", validate_choice=False,
                           validators=[Required()],
                           description=_l("Meeting times are shown in this zone."))
    is_public = BooleanField(_l("Public group"),
                             description=_l("Everyone can see a public group's page: its description, "
                                            "coming meetings and the members who made their profile "
                                            "public. The member list is only for the group's members."))
    rsvp_mode = RadioField(_l("How members answer"), choices=RSVP_MODE_CHOICES, default=DEFAULT_RSVP_MODE,
                           validate_choice=False)  # the service names a wrong choice
    guest_limit = LenientIntegerField(
        _l("Guests per member"), default=DEFAULT_GUEST_LIMIT,
        render_kw={"min": 0, "max": MAX_GUEST_LIMIT, "inputmode": "numeric"},
        description=_l("How many guests one member may bring to a meeting (0 to %(max)d). "
                       "0: the meetings are for members only.", max=MAX_GUEST_LIMIT))
    # Calendar mail (app.calendars): empty means "not automatically".
    invite_days_before = LenientIntegerField(
        _l("Send calendar invitations automatically"),
        render_kw={"min": 0, "max": MAX_INVITE_DAYS_BEFORE, "inputmode": "numeric"},
        description=_l("0 to %(max)d (0: on the day of the meeting). Every member gets an invitation "
                       "with answer buttons for their calendar. Leave it empty to send the invitations "
                       "yourself from the meeting page.", max=MAX_INVITE_DAYS_BEFORE))
    reminder_time = LenientTimeField(
        _l("Reminder the day before, at"),
        description=_l("Everyone who is coming gets a short reminder by mail the day before the "
                       "meeting at this time (the group's time zone), for example 17:00. Leave it "
                       "empty for no reminder."))

    industry_rule = RadioField(_l("One per industry"), choices=INDUSTRY_RULE_CHOICES, default="off",
                               validate_choice=False)  # the service names a wrong choice

    rsvp_mode_help = RSVP_MODE_HELP  # the words beside each choice (templates/groups/form.html)
    industry_rule_help = INDUSTRY_RULE_HELP

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices(get_locale(), self.timezone.data)

    def to_data(self) -> dict[str, object]:
        slug = (self.slug.data or "").strip() or suggest_slug(self.name.data)  # left empty: from the name
        return {"name": self.name.data, "slug": slug, "description": self.description.data,
                "timezone": self.timezone.data, "is_public": self.is_public.data,
                "rsvp_mode": self.rsvp_mode.data, "guest_limit": self.guest_limit.data,
                "invite_days_before": self.invite_days_before.data,
                "reminder_time": self.reminder_time.data, "industry_rule": self.industry_rule.data}


class AddMemberForm(FlaskForm):
    # Checked by app.groups.invitations (the address, the lengths, the role).
    email = EmailField(_l("E-mail"), validators=[Required()], render_kw=html_limits(max_length=254))
    name = StringField(_l("Name"), render_kw=html_limits(max_length=INVITATION_LIMITS["name"]),
                       description=_l("So you recognise the invitation in the list."))
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="member", validate_choice=False)
    # Admins only, for a group with the industry rule "block" (app.groups.industry).
    override_industry = BooleanField(_l("Add even though the industry is taken"))
    industry_reason = StringField(_l("Reason for the exception"),
                                  render_kw=html_limits(max_length=INDUSTRY_REASON_MAX),
                                  description=_l("Recorded in the member's history."))


class InvitationAnswerForm(FlaskForm):
    """The invitee's answer: accept (with their name, for a new account) or no thanks."""

    name = StringField(_l("Your name"), render_kw=html_limits(max_length=INVITATION_LIMITS["name"]))
    accept = SubmitField(_l("Accept and join"))
    decline = SubmitField(_l("No thanks"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class ActionForm(FlaskForm):
    """A POST with nothing but the CSRF token (remove, deactivate ...)."""

    next = HiddenField()
