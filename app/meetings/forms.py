"""WTForms for meetings and series. Field names match the service input keys (MeetingData, SeriesData).

The forms only render and collect: every rule (required fields, lengths, numbers, dates) lives in
app.meetings.validation, which the API shares, so both say the same about the same mistake. The
HTML attributes (required, maxlength) come from the same limits; text a date, time or number field
cannot parse goes to the service as it is (see app.validation's Lenient fields)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import (
    DateField as StrictDateField,  # the host rotation's start: the route uses the date itself
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms_base import AppForm
from app.meetings.validation import MAX_TEXT, MAX_TITLE
from app.validation import LenientDateField as DateField
from app.validation import LenientDateTimeLocalField as DateTimeLocalField
from app.validation import LenientIntegerField as IntegerField
from app.validation import LenientTimeField as TimeField
from app.validation import Required, html_limits
from app.zones_ui import timezone_choices

MAX_AGENDA = 20000
MAX_REASON = 2000
MAX_ZONE = 64

SCOPE_THIS = "this"
SCOPE_FOLLOWING = "following"

FREQUENCIES = [
    SelectChoice("weekly", _l("Every week")),
    SelectChoice("every_n_weeks", _l("Every N weeks")),
    SelectChoice("monthly_nth_weekday", _l("Monthly on a weekday (e.g. the third Wednesday)")),
    SelectChoice("monthly_day", _l("Monthly on a day of the month")),
    SelectChoice("rrule", _l("Custom rule (RRULE)")),
]
WEEKDAYS = [
    SelectChoice("0", _l("Monday")),
    SelectChoice("1", _l("Tuesday")),
    SelectChoice("2", _l("Wednesday")),
    SelectChoice("3", _l("Thursday")),
    SelectChoice("4", _l("Friday")),
    SelectChoice("5", _l("Saturday")),
    SelectChoice("6", _l("Sunday")),
]
NTH = [
    SelectChoice("1", _l("first")),
    SelectChoice("2", _l("second")),
    SelectChoice("3", _l("third")),
    SelectChoice("4", _l("fourth")),
    SelectChoice("-1", _l("last")),
]
MONTHS = [
    SelectChoice("1", _l("January")),
    SelectChoice("2", _l("February")),
    SelectChoice("3", _l("March")),
    SelectChoice("4", _l("April")),
    SelectChoice("5", _l("May")),
    SelectChoice("6", _l("June")),
    SelectChoice("7", _l("July")),
    SelectChoice("8", _l("August")),
    SelectChoice("9", _l("September")),
    SelectChoice("10", _l("October")),
    SelectChoice("11", _l("November")),
    SelectChoice("12", _l("December")),
]
HOLIDAY_POLICIES = [
    SelectChoice("skip", _l("Skip meetings on public holidays")),
    SelectChoice("move", _l("Move them to the next working day")),
    SelectChoice("ignore", _l("Meet anyway")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _host_field(label=None) -> SelectField:
    # Choices are the group's members, set by the route; "" means no host.
    return SelectField(label or _l("Host"), choices=[], validate_choice=False, validators=[Optional()])


class MeetingForm(AppForm):
    title = StringField(
        _l("Title"), validators=[Required()], render_kw=html_limits(max_length=MAX_TITLE)
    )
    date = DateField(_l("Date"), validators=[Required()])
    start_time = TimeField(_l("Starts"), validators=[Required()])
    end_time = TimeField(_l("Ends"), validators=[Required()])
    doors_open_time = TimeField(_l("Doors open / coffee from"), validators=[Optional()])
    venue_name = StringField(_l("Venue"), render_kw=html_limits(max_length=MAX_TITLE))
    venue_address = StringField(_l("Address"), render_kw=html_limits(max_length=MAX_TEXT))
    host_member_id = _host_field()
    online_url = StringField(_l("Online link"), render_kw=html_limits(max_length=MAX_TEXT))
    capacity = IntegerField(
        _l("Capacity"), validators=[Optional()], description=_l("Leave empty for no limit.")
    )
    # Beside the capacity when editing: a lower capacity moves nobody (app.rsvp.core's rule).
    capacity_lowered_help = _l("Lower than the number going? Nobody loses their seat; you choose on the "
                               "attendee list who moves to the waitlist.")
    rsvp_deadline = DateTimeLocalField(
        _l("Sign-up deadline"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=[Optional()]
    )
    guests_welcome = BooleanField(_l("Guests are welcome"), default=True)
    agenda = TextAreaField(
        _l("Agenda / programme"),
        render_kw=html_limits(max_length=MAX_AGENDA),
        description=_l("Plain text. Blank lines separate paragraphs; links become clickable."),
    )
    record_past = BooleanField(
        _l("Record a meeting that has already taken place"),
        description=_l("Only then is a date in the past accepted."),
        default=False,
    )
    scope = RadioField(
        _l("Apply to"),
        choices=[
            SelectChoice(SCOPE_THIS, _l("This meeting only")),
            SelectChoice(SCOPE_FOLLOWING, _l("This and all following meetings")),
        ],
        default=SCOPE_THIS,
        validators=[Optional()],
    )


class CancelForm(AppForm):
    reason = TextAreaField(_l("Reason (shown to members)"), render_kw=html_limits(max_length=MAX_REASON))
    scope = RadioField(
        _l("Which meetings to cancel"),
        choices=[
            SelectChoice(SCOPE_THIS, _l("Only this meeting")),
            SelectChoice(SCOPE_FOLLOWING, _l("This and the rest of the series")),
        ],
        default=SCOPE_THIS,
        validators=[Optional()],
    )


class RotationEntryForm(Form):
    host_member_id = _host_field()
    venue_name = StringField(_l("Venue"), render_kw=html_limits(max_length=MAX_TITLE))
    venue_address = StringField(_l("Address"), render_kw=html_limits(max_length=MAX_TEXT))


ROTATION_ROWS = 8


class SeriesForm(AppForm):
    title = StringField(
        _l("Title"), validators=[Required()], render_kw=html_limits(max_length=MAX_TITLE)
    )
    frequency = RadioField(_l("Repeats"), choices=FREQUENCIES, default="monthly_nth_weekday",
                           validate_choice=False)  # the service names a wrong choice
    interval = IntegerField(_l("Every how many weeks"), default=2, validators=[Optional()])
    weekday = SelectField(_l("Weekday"), choices=WEEKDAYS, default="2")
    nth = SelectField(_l("Which one in the month"), choices=NTH, default="3")
    day_of_month = IntegerField(_l("Day of the month"), default=1, validators=[Optional()])
    rrule = StringField(
        _l("RRULE"),
        render_kw=html_limits(max_length=MAX_TEXT),
        description=_l("For example FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3"),
    )
    starts_on = DateField(_l("From"), validators=[Required()])
    ends_on = DateField(_l("Until"), validators=[Required()])
    start_time = TimeField(_l("Starts"), validators=[Required()])
    end_time = TimeField(_l("Ends"), validators=[Required()])
    doors_open_time = TimeField(_l("Doors open / coffee from"), validators=[Optional()])
    timezone = SelectField(_l("Time zone"), validate_choice=False)  # the service names a wrong zone
    skip_months = MultiCheckboxField(_l("No meetings in"), choices=MONTHS, validators=[Optional()],
                                     validate_choice=False)  # the service names a wrong month
    holiday_policy = RadioField(_l("Public holidays"), choices=HOLIDAY_POLICIES, default="skip",
                                validate_choice=False)
    venue_name = StringField(_l("Venue"), render_kw=html_limits(max_length=MAX_TITLE))
    venue_address = StringField(_l("Address"), render_kw=html_limits(max_length=MAX_TEXT))
    capacity = IntegerField(
        _l("Capacity"), validators=[Optional()], description=_l("Leave empty for no limit.")
    )
    guests_welcome = BooleanField(_l("Guests are welcome"), default=True)
    agenda = TextAreaField(_l("Agenda / programme"), render_kw=html_limits(max_length=MAX_AGENDA))
    rsvp_days_before = IntegerField(
        _l("Days before the meeting"),
        validators=[Optional()],
        description=_l("0 is the day of the meeting itself. Leave both fields empty for no deadline."),
    )
    rsvp_time = TimeField(_l("At (local time)"), validators=[Optional()])
    rotation = FieldList(FormField(RotationEntryForm), min_entries=ROTATION_ROWS, max_entries=40)
    confirm = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A chooser of named zones (»København«), not a text box for "Europe/Copenhagen".
        self.timezone.choices = timezone_choices(get_locale(), self.timezone.data)


class HostRotationForm(AppForm):
    rotation = FieldList(FormField(RotationEntryForm), min_entries=ROTATION_ROWS, max_entries=40)
    from_date = StrictDateField(_l("Starting with the meeting on"), validators=[Optional()])
