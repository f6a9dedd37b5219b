"""Forms for profiles, member administration and the CSV import. Database rules live in services."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.forms_base import AppForm as FlaskForm  # FlaskForm that refuses what cannot be stored
from app.groups.forms import ROLE_CHOICES
from app.groups.industry import REASON_MAX as INDUSTRY_REASON_MAX
from app.members.services import (
    COMPETENCIES_MAX_LENGTH,
    OPTIONAL_TEXT_LIMITS,
    PROFILE_LIMITS,
    WEBSITE_MAX_LENGTH,
)
from app.validation import Required, html_limits


def _limit(name: str, **extra) -> dict:
    return html_limits(max_length=PROFILE_LIMITS[name], **extra)


class ProfileForm(FlaskForm):
    """Renders and collects; the rules live in app.members.services._clean_profile."""

    name = StringField(_l("Name"), validators=[Required()], render_kw=_limit("name"))
    phone = StringField(_l("Phone"), render_kw=_limit("phone"))
    company = StringField(_l("Company"), render_kw=_limit("company"))
    title = StringField(_l("Title"), render_kw=_limit("title"),
                        description=_l("What you do, e.g. owner, accountant, web designer."))
    industry = StringField(_l("Industry"), render_kw=_limit("industry"))
    competencies = StringField(
        _l("Competencies"), render_kw=html_limits(max_length=COMPETENCIES_MAX_LENGTH),
        description=_l("Separate with commas, e.g. bookkeeping, web design, payroll. "
                       "Others find you by these when they look around the network first."))
    bio = TextAreaField(_l("About me"), render_kw=_limit("bio"))
    offers = TextAreaField(_l("What I offer"),
                           render_kw=html_limits(max_length=OPTIONAL_TEXT_LIMITS["offers"]),
                           description=_l("What you can help others with, in a few lines."))
    seeks = TextAreaField(_l("What I'm looking for"),
                          render_kw=html_limits(max_length=OPTIONAL_TEXT_LIMITS["seeks"]),
                          description=_l("Customers, partners, suppliers or advice you are looking for."))
    website = StringField(_l("Website"), render_kw=html_limits(max_length=WEBSITE_MAX_LENGTH),
                          description=_l("For example https://www.example.dk"))
    language = SelectField(_l("Language"), validate_choice=False)  # the service names a wrong choice
    share_attendance = BooleanField(
        _l("Show my name to the others who are coming"),
        description=_l("The reminder mail the day before a meeting lists who else is coming. Untick "
                       "this to leave your name out of it. Organizers always see who is coming."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        obj = kwargs.get("obj")
        # WTForms prefers obj.competencies (a list of Competency rows) over a keyword default, so
        # the field would show their repr: show the names instead, unless the form posted a value.
        if obj is not None and not isinstance(self.competencies.data, str):
            self.competencies.data = ", ".join(obj.competency_names)
        self.language.choices = [SelectChoice(code, label)
                                 for code, label in current_app.config["LANGUAGES"].items()]

    def populate_obj(self, obj):  # pragma: no cover - services write members, never the form
        raise NotImplementedError

    def to_data(self) -> dict[str, object]:
        names = ("name", "phone", "company", "title", "industry", "competencies", "bio", "offers",
                 "seeks", "website", "language", "share_attendance")
        # build_member_form may have removed fields (an organizer's invitation has fewer).
        return {name: getattr(self, name).data for name in names if getattr(self, name, None) is not None}


class MemberForm(ProfileForm):
    """Profile fields plus what an admin or organizer sets: e-mail, group, role, admin flag."""

    email = EmailField(_l("E-mail"), validators=[Required()], render_kw=html_limits(max_length=254))
    group_id = SelectField(_l("Group"), coerce=int, validate_choice=False)
    role = SelectField(_l("Role in the group"), choices=ROLE_CHOICES, default="member", validate_choice=False)
    is_admin = BooleanField(_l("Administrator of the whole network"))
    # Admins creating a member into a group whose industry rule is "block" (app.groups.industry).
    override_industry = BooleanField(_l("Add even though the industry is taken"))
    industry_reason = StringField(_l("Reason for the exception"),
                                  render_kw=html_limits(max_length=INDUSTRY_REASON_MAX),
                                  description=_l("Recorded in the member's history."))
    share_attendance = None  # the member's own choice, on their profile only

    def to_data(self) -> dict[str, object]:
        data = super().to_data()
        for name in ("email", "group_id", "role", "is_admin", "override_industry", "industry_reason"):
            field = getattr(self, name, None)  # build_member_form removes what the user may not set
            if field is not None:
                data[name] = field.data
        return data


# Fields an organizer's "new member" form leaves out: it sends an invitation, not a profile.
INVITATION_LEFT_OUT = ("title", "industry", "competencies", "bio", "offers", "seeks", "website", "language")


class ImportUploadForm(FlaskForm):
    group_id = SelectField(_l("Add the members to the group"), coerce=int, validate_choice=False)
    file = FileField(_l("CSV file"),
                     description=_l("Save the spreadsheet as CSV (semicolon separated) or CSV UTF-8. "
                                    "At most 2 MB. The first row names the columns."))


class ImportConfirmForm(FlaskForm):
    payload = HiddenField()


class EmptyForm(FlaskForm):
    """A POST with only the CSRF token (deactivate, reactivate)."""


class CalendarFeedForm(FlaskForm):
    """The settings of the member's private calendar feed (app.calendars.member_feed)."""

    show_declined = BooleanField(
        _l("Show meetings I have sent afbud to"),
        description=_l("They stay in your calendar, marked \"Afbud\" and not blocking the time."))


def build_member_form(*, admin: bool, creating: bool, groups=(), **kwargs) -> MemberForm:
    """A MemberForm with only the fields this user may set: e-mail and the admin flag for admins
    (organizers also give the e-mail when creating), group and role only when creating."""
    form = MemberForm(**kwargs)
    if creating:
        choices = group_choices(groups)
        if admin:
            choices.insert(0, SelectChoice(0, str(_l("(no group)"))))
        else:
            # An organizer invites: the person fills in the rest of their profile after accepting.
            for name in INVITATION_LEFT_OUT:
                delattr(form, name)
        form.group_id.choices = choices
    else:
        del form.group_id
        del form.role
        if not admin:
            del form.email
    if not admin:
        del form.is_admin
    if not (admin and creating):  # only an admin creating a member may override the industry rule
        del form.override_industry
        del form.industry_reason
    return form


def group_choices(groups) -> list[SelectChoice]:
    return [SelectChoice(g.id, g.name) for g in groups]
