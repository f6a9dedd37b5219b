"""Marshmallow schemas of the meetings API: what /api/v1 takes and returns for meetings and series.

The input schemas are the API's contract, and the OpenAPI document is generated from them, so
they say what the services will refuse anyway: required fields, JSON types, text lengths, number
ranges, date and time formats and the range of dates (MIN_DATE..MAX_DATE), enumerations, and text
that cannot be stored (NUL bytes, lone surrogates). Rules between fields (end after start, a
deadline before the start, a host who belongs to the group, a series' rule) stay in
app.meetings.services, which the web forms share. Where a schema and a service check the same
thing, the message is the service's (a missing title is "Please enter a title." on both channels:
REQUIRED_MESSAGES in app.meetings.validation). Every message is translated when it is raised
(?lang, else Accept-Language), and every field's errors come back at once, named by field.
Dates and times in the input are LOCAL to the group's time zone (or the given `timezone`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from app.input_guard import (
    DB_INT_MAX,
    MAX_YEAR,
    MIN_YEAR,
    NUMBER_RANGE_MESSAGE,
    UNSTORABLE_MESSAGE,
    date_range_message,
    has_unstorable,
    int_in_range,
)
from app.meetings.messages import recurrence_message
from app.meetings.recurrence import RecurrenceError
from app.meetings.validation import (
    MAX_CAPACITY,
    MAX_RSVP_DAYS_BEFORE,
    MAX_TEXT,
    MAX_TITLE,
    REQUIRED_MESSAGES,
    capacity_too_large_message,
)
from app.validation import required_message

LANGUAGES = ("da", "en")
SCOPE_THIS = "this"
SCOPE_FOLLOWING = "following"
SCOPE_REST = "rest_of_series"  # deprecated alias of SCOPE_FOLLOWING in the cancel scope

INT32_MAX = DB_INT_MAX  # the database's INTEGER columns
MIN_DATE = date(MIN_YEAR, 1, 1)  # the services' range of dates (app.input_guard)
MAX_DATE = date(MAX_YEAR, 12, 31)
MAX_AGENDA = 20000
MAX_REASON = 2000
MAX_ZONE = 64
FREQUENCIES = ("weekly", "every_n_weeks", "monthly_nth_weekday", "monthly_day", "rrule")
HOLIDAY_POLICIES = ("skip", "move", "ignore")
DATE_RANGE = f"{MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"
# YYYY-MM-DD with the years MIN_YEAR..MAX_YEAR (1900-2200), months 01-12 and days 01-31, so that
# what the document's pattern allows is (short months aside) what the services accept.
DATE_PATTERN = r"(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
# The document's pattern also knows the length of the months. It leaves out 29 February (a regular
# expression cannot tell leap years), which the API accepts nonetheless: stricter than the server
# is harmless, a schema-valid date that is refused would not be.
DOCUMENTED_DATE_PATTERN = (r"(19[0-9]{2}|2[01][0-9]{2}|2200)-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
                           r"|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))")
TIME_PATTERN = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?"

# --- validators with translated messages (and the attributes apispec documents) ----------------


def storable(value: str) -> None:
    """No NUL (PostgreSQL text refuses it) and no lone surrogate (not encodable as UTF-8)."""
    if has_unstorable(value):
        raise ValidationError(str(UNSTORABLE_MESSAGE))


class TextLength(validate.Length):
    """minLength/maxLength in the document; the services' own message."""

    def __call__(self, value: str) -> str:
        if self.max is not None and len(value) > self.max:
            raise ValidationError(_("Please use at most %(n)d characters.", n=self.max))
        if self.min is not None and len(value) < self.min:
            raise ValidationError(_("This field is required."))
        return value


# The document can only say "no NUL": a pattern naming lone surrogates is not portable (Rust's and
# ECMA-262's regex engines refuse it), and valid UTF-8 cannot carry one anyway (only a JSON escape).
_STORABLE_CHAR = r"[^\x00]"  # a regex escape, the same in Python and ECMA-262


class Storable(validate.Regexp):
    """The document's pattern for free text: no NUL (lone surrogates are refused too); with `blank=False` at
    least one character that is not white space. (The check itself is `storable`, and the
    "required" message for blank text, so each failure has its own message.)"""

    def __init__(self, *, blank: bool = True, required_message: Callable[[], str] | None = None) -> None:
        self.required_message = required_message or (lambda: _("This field is required."))
        if blank:
            super().__init__(f"^{_STORABLE_CHAR}*$")
        else:
            super().__init__(f"^{_STORABLE_CHAR}*[^\\x00\\s]{_STORABLE_CHAR}*$")
        self.blank = blank

    def __call__(self, value: str) -> str:
        if has_unstorable(value):
            raise ValidationError(str(UNSTORABLE_MESSAGE))
        if not self.blank and not value.strip():
            raise ValidationError(self.required_message())
        return value


class Between(validate.Range):
    """minimum/maximum in the document."""

    def __init__(self, min: int, max: int, *, message: Callable[[], str] | None = None,
                 low_message: Callable[[], str] | None = None) -> None:
        super().__init__(min=min, max=max)
        self.message = message
        self.low_message = low_message

    def __call__(self, value: int) -> int:
        if not int_in_range(value):  # beyond the database's whole numbers: the services' words
            raise ValidationError(str(NUMBER_RANGE_MESSAGE))
        if value < self.min and self.low_message:
            raise ValidationError(self.low_message())
        if not self.min <= value <= self.max:
            raise ValidationError(self.message() if self.message else _(
                "Please enter a number from %(min)d to %(max)d.", min=self.min, max=self.max))
        return value


class Choice(validate.OneOf):
    """enum in the document."""

    def __init__(self, choices, message: Callable[[], str] | None = None) -> None:
        super().__init__(choices)
        self.message = message

    def __call__(self, value: Any) -> Any:
        if value not in self.choices:
            raise ValidationError(self.message() if self.message else _(
                "Please choose one of: %(choices)s.", choices=", ".join(map(str, self.choices))))
        return value


def _in_range(day: date) -> bool:
    return MIN_DATE <= day <= MAX_DATE


def _out_of_range() -> str:
    return date_range_message()


class DateText(validate.Regexp):
    """YYYY-MM-DD, a real day from MIN_DATE to MAX_DATE."""

    def __init__(self) -> None:
        super().__init__(f"^{DOCUMENTED_DATE_PATTERN}$")
        self.shape = re.compile(f"^{DATE_PATTERN}$")

    def __call__(self, value: str) -> str:
        try:
            day = date.fromisoformat(value) if self.shape.match(value) else None
        except ValueError:
            day = None
        if day is None:
            raise ValidationError(_("Please enter a valid date (YYYY-MM-DD)."))
        if not _in_range(day):
            raise ValidationError(_out_of_range())
        return value


class TimeText(validate.Regexp):
    """HH:MM (or HH:MM:SS), a wall-clock time; with `optional`, "" too (no time, like null)."""

    def __init__(self, *, optional: bool = False) -> None:
        super().__init__(f"^({TIME_PATTERN})?$" if optional else f"^{TIME_PATTERN}$")

    def __call__(self, value: str) -> str:
        if not self.regex.match(value):
            raise ValidationError(_("Please enter a valid time (HH:MM)."))
        return value


class DateTimeText(validate.Regexp):
    """An ISO 8601 date and time (naive = local), on a day from MIN_DATE to MAX_DATE.
    With `date_only`, a bare date is accepted too (the list window)."""

    def __init__(self, *, date_only: bool = False, optional: bool = False) -> None:
        clock = TIME_PATTERN + r"(\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?"

        def pattern(day: str) -> str:
            moment = day + (f"([T ]{clock})?" if date_only else f"[T ]{clock}")
            return f"^($|{moment})$" if optional else f"^{moment}$"

        super().__init__(pattern(f"({DOCUMENTED_DATE_PATTERN})"))
        self.shape = re.compile(pattern(DATE_PATTERN))
        self.date_only = date_only
        self.optional = optional

    def __call__(self, value: str) -> str:
        if self.optional and value == "":
            return value
        try:
            moment = datetime.fromisoformat(value) if self.shape.match(value) else None
        except ValueError:
            moment = None
        if moment is None:
            raise ValidationError(_("Please enter a date (YYYY-MM-DD) or a date and time (ISO 8601).")
                                  if self.date_only else _("Please enter a valid date and time."))
        if not _in_range(moment.date()):
            raise ValidationError(_out_of_range())
        return value


# --- fields ----------------------------------------------------------------------------------


class _TranslatedErrors:
    """Field mixin: the messages marshmallow raises itself (required, null, wrong type), translated."""

    invalid_message: Callable[[], str] = staticmethod(lambda: _("Please enter text."))

    def make_error(self, key: str, **kwargs) -> ValidationError:
        if key in ("required", "null"):
            # The service's own words for a missing value of this field (app.meetings.validation).
            return ValidationError(required_message(REQUIRED_MESSAGES, self.name or ""))
        if key in ("invalid", "invalid_utf8"):
            return ValidationError(self.invalid_message())
        if key == "too_large":
            return ValidationError(_("Please enter a whole number."))
        return super().make_error(key, **kwargs)


class Text(_TranslatedErrors, fields.String):
    pass


class Whole(_TranslatedErrors, fields.Integer):
    """A JSON integer. 5.0 is one too (JSON Schema says so, and JSON clients send it); 5.5 and
    "5" are not."""

    invalid_message = staticmethod(lambda: _("Please enter a whole number."))

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(_TranslatedErrors, fields.Boolean):
    invalid_message = staticmethod(lambda: _("Please enter true or false."))


def _text(description: str, max_length: int = MAX_TEXT, *, required: bool = False, nullable: bool = True,
          blank: bool = True, validators: list | None = None, data_key: str | None = None,
          field: str = "", **metadata) -> Text:
    # `field`: the field's name, for the service's "missing" message when the text is blank.
    # One pattern per field in the document: a date or time pattern already leaves NUL out.
    text_check = storable if validators else Storable(
        blank=blank, required_message=lambda: required_message(REQUIRED_MESSAGES, field))
    checks = [text_check, TextLength(max=max_length), *(validators or [])]
    return Text(required=required, allow_none=nullable and not required, validate=checks, data_key=data_key,
                metadata={"description": description, **metadata})


def _whole(description: str, minimum: int, maximum: int, *, low_message: Callable[[], str] | None = None,
           message: Callable[[], str] | None = None, nullable: bool = True) -> Whole:
    return Whole(strict=True, allow_none=nullable, metadata={"description": description},
                 validate=Between(minimum, maximum, message=message, low_message=low_message))


def _rule_message(code: str, field: str, **params) -> Callable[[], str]:
    """The series service's own message for a rule (app.meetings.messages), so both channels agree."""
    return lambda: recurrence_message(RecurrenceError(code, field, params))


def _date(description: str, **kwargs) -> Text:
    return _text(f"{description}: YYYY-MM-DD, {DATE_RANGE}", 10, validators=[DateText()], format="date",
                 **kwargs)


def _time(description: str, *, optional: bool = False, **kwargs) -> Text:
    return _text(f"{description}: HH:MM" + ("; empty or null for none" if optional else ""), 8,
                 validators=[TimeText(optional=optional)], **kwargs)


def _capacity_message() -> str:
    return _("The capacity must be a positive number (or empty for no limit).")


# --- query strings ----------------------------------------------------------------------------


class LangQuerySchema(Schema):
    lang = Text(
        validate=Choice(LANGUAGES),
        metadata={"description": "Language of messages (validation errors, skip reasons); "
                                 "otherwise Accept-Language, else Danish"},
    )


class MeetingListQuerySchema(LangQuerySchema):
    from_ = _text(
        "Meetings starting at or after this ISO 8601 date or date-time (a date or naive time is "
        f"local to the group), on a day from {DATE_RANGE}. Default: today",
        40, nullable=False, validators=[DateTimeText(date_only=True)], data_key="from",
        examples=["2027-01-01", "2027-01-01T00:00:00+01:00"],
    )
    to = _text(
        "Meetings starting before this date-time; a date counts inclusively (the whole day). "
        f"A day from {DATE_RANGE}; after `from` if that is given (else before today means no meetings). "
        "Default: no limit",
        40, nullable=False, validators=[DateTimeText(date_only=True)], examples=["2027-12-31"],
    )


class SeriesQuerySchema(LangQuerySchema):
    dry_run = Flag(metadata={"description": "Only compute the dates; create nothing"})


# --- input --------------------------------------------------------------------------------------


class MeetingFieldsSchema(Schema):
    """The fields of a meeting as an organizer enters them; none required (PATCH)."""

    title = _text("Title", MAX_TITLE, nullable=False, blank=False, field="title")
    date = _date("Local date", nullable=False)
    start_time = _time("Local wall-clock time", nullable=False)
    end_time = _time("Local wall-clock time; after start_time", nullable=False)
    doors_open_time = _time("Doors open / coffee from; not after start_time", optional=True)
    venue_name = _text("Venue name", MAX_TITLE)
    venue_address = _text("Street address (a map link is built from it)")
    host_member_id = _whole("Id of the hosting member (must belong to the group); 0 or null for none",
                            0, INT32_MAX)
    online_url = _text("Online link, https://...")
    capacity = _whole(f"Seats (1-{MAX_CAPACITY}); null for no limit", 1, MAX_CAPACITY,
                      low_message=_capacity_message, message=capacity_too_large_message)
    rsvp_deadline = _text(f"Sign-up deadline, ISO 8601 date-time (naive = local), on a day from "
                          f"{DATE_RANGE}; before the start; empty or null for none", 40,
                          validators=[DateTimeText(optional=True)])
    guests_welcome = Flag(metadata={"description": "Guests are welcome (default true)"})
    agenda = _text("Agenda / programme, plain text; blank lines separate paragraphs", MAX_AGENDA)
    timezone = _text("IANA time zone the times are entered in; default the group's", MAX_ZONE)
    allow_same_day = Flag(metadata={"description": "A meeting on a day (in the group's time zone) on which "
                                                   "the group has another meeting answers 409 naming it, "
                                                   "unless this is true (default false)"})


class MeetingInputSchema(MeetingFieldsSchema):
    """One meeting as an organizer enters it. Required: title, date, start_time, end_time."""

    record_past = Flag(metadata={"description": "Record a meeting that has already taken place: only "
                                                "then is a start in the past accepted (default false)"})

    title = _text("Title", MAX_TITLE, required=True, blank=False, field="title")
    date = _date("Local date", required=True)
    start_time = _time("Local wall-clock time", required=True)
    end_time = _time("Local wall-clock time; after start_time", required=True)


class MeetingPatchSchema(MeetingFieldsSchema):
    """Only the given fields change."""

    record_past = Flag(metadata={"description": "Moving a coming meeting to a start in the past is "
                                                "refused unless this is true (default false). A meeting "
                                                "that took place can always be corrected"})

    scope = Text(
        validate=Choice([SCOPE_THIS, SCOPE_FOLLOWING]),
        metadata={"description": "For series meetings: `this` (default) changes this meeting only; "
                                 "`following` also gives the later meetings of the series the given "
                                 "times, venue, host and capacity"},
    )


class CancelInputSchema(Schema):
    reason = _text("Reason, shown to members", MAX_REASON)
    scope = Text(
        validate=Choice([SCOPE_THIS, SCOPE_FOLLOWING, SCOPE_REST]),
        metadata={"description": "`this` (default) or `following`: this and every later meeting of "
                                 "its series (the same word as in the PATCH's `scope`). "
                                 "`rest_of_series` is a deprecated alias of `following`, still "
                                 "accepted for a while"},
    )


class RotationEntrySchema(Schema):
    host_member_id = _whole("Hosting member (a member of the group); 0 or null for none", 0, INT32_MAX)
    venue_name = _text("Venue; default the host's company", MAX_TITLE)
    venue_address = _text("Street address")


class SeriesInputSchema(Schema):
    """A series from friendly choices or an RRULE, over a date range (local dates and times).

    Required: title, frequency, starts_on, ends_on, start_time, end_time; and what the frequency
    needs (weekly and every_n_weeks: weekday; monthly_nth_weekday: nth and weekday; monthly_day:
    day_of_month; rrule: rrule)."""

    title = _text("Title of every meeting", MAX_TITLE, required=True, blank=False, field="title")
    frequency = Text(
        required=True,
        validate=Choice(FREQUENCIES, lambda: _("Please choose how the meetings repeat.")),
        metadata={"description": "How the meetings repeat"},
    )
    interval = _whole("every_n_weeks: the number of weeks", 1, 9999,  # the RRULE takes up to 4 digits
                      low_message=_rule_message("interval_too_small", "interval", min=1))
    weekday = _whole("0 = Monday ... 6 = Sunday (weekly, every_n_weeks, monthly_nth_weekday)", 0, 6)
    nth = Whole(strict=True, allow_none=True,
                validate=Choice([1, 2, 3, 4, -1]),
                metadata={"description": "monthly_nth_weekday: 1-4, or -1 for the last"})
    day_of_month = _whole("monthly_day: 1-31 (short months use their last day)", 1, 31,
                          message=_rule_message("month_day_out_of_range", "month_day", min=1, max=31))
    rrule = _text("frequency rrule: the RRULE, e.g. FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3")
    starts_on = _date("First day", required=True)
    ends_on = _date("Last day (at most 200 meetings in the range)", required=True)
    start_time = _time("Local wall-clock time (stays the same across daylight saving)", required=True)
    end_time = _time("Local wall-clock time; after start_time", required=True)
    doors_open_time = _time("Doors open / coffee from; not after start_time", optional=True)
    timezone = _text("IANA time zone; default the group's", MAX_ZONE)
    skip_months = fields.List(
        Whole(strict=True, validate=Between(1, 12, message=lambda: _("Please choose months from the list."))),
        allow_none=True, metadata={"description": "Months 1-12 without meetings"},
    )
    holiday_policy = Text(
        allow_none=True,
        validate=Choice(HOLIDAY_POLICIES, lambda: _("Please choose what happens on public holidays.")),
        metadata={"description": "Public holidays: skip, move (to the next working day) or ignore"},
    )
    venue_name = _text("Venue of every meeting (unless a host rotation is given)", MAX_TITLE)
    venue_address = _text("Street address")
    online_url = _text("Online link, https://...")
    capacity = _whole(f"Seats (1-{MAX_CAPACITY}); null for no limit", 1, MAX_CAPACITY,
                      low_message=_capacity_message, message=capacity_too_large_message)
    guests_welcome = Flag()
    agenda = _text("Agenda / programme", MAX_AGENDA)
    rsvp_days_before = _whole("Sign-up deadline of each meeting: this many days before it (0 = the same "
                              "day), at rsvp_time. Give both or neither", 0, MAX_RSVP_DAYS_BEFORE)
    rsvp_time = _time("Sign-up deadline: local wall-clock time on that day; the deadline must come "
                      "before each meeting's start", optional=True)
    rotation = fields.List(
        fields.Nested(RotationEntrySchema),
        allow_none=True,
        metadata={"description": "Hosts in turn: the first meeting gets the first entry, and so on "
                                 "(checked and applied when creating, not in a dry run)"},
    )
    dry_run = Flag(metadata={"description": "Only compute the dates (same as ?dry_run=true)"})
    also_on = fields.List(
        fields.Date(),
        allow_none=True,
        metadata={"description": "Local dates on which to add the series' meeting although the group "
                                 "has another meeting that day (see `other_meetings` in the dry run); "
                                 "without them such dates are left out"},
    )


# --- output -------------------------------------------------------------------------------------


class HostRefSchema(Schema):
    """The hosting member, for the group's members, organizers and admins (app.visibility). A key
    the caller may not see is left out (today all of them are shown to those who see the host)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    company = fields.String(metadata={"description": "Left out unless the caller may see it"})
    email = fields.Email(metadata={"description": "Left out unless the caller may see it"})
    phone = fields.String(allow_none=True, metadata={"description": "Left out unless the caller may see it"})


class MeetingVenueSchema(Schema):
    name = fields.String()
    address = fields.String()
    map_url = fields.String(allow_none=True, metadata={"description": "OpenStreetMap search for the address"})
    host = fields.Nested(HostRefSchema, allow_none=True,
                         metadata={"description": "The hosting member; null if there is none or the caller "
                                                  "is not a member or organizer of the group or an admin "
                                                  "(anonymous callers and members of other groups see the "
                                                  "venue, not who hosts)"})


class MeetingSchema(Schema):
    """A meeting; times are ISO 8601 with the UTC offset of the group's time zone on that day."""

    id = fields.Integer(required=True)
    group = fields.String(required=True, metadata={"description": "Slug of the group"})
    series_id = fields.Integer(allow_none=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    doors_open_at = fields.DateTime(allow_none=True)
    timezone = fields.String(required=True, metadata={"description": "IANA time zone of the group"})
    venue = fields.Nested(MeetingVenueSchema, required=True)
    online_url = fields.String(allow_none=True,
                               metadata={"description": "Null unless the caller is a member or organizer of "
                                                        "the group or an admin"})
    capacity = fields.Integer(allow_none=True)
    rsvp_deadline = fields.DateTime(allow_none=True)
    guests_welcome = fields.Boolean()
    agenda = fields.String()
    status = fields.String(required=True, metadata={"enum": ["scheduled", "cancelled"]})
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String()
    sequence = fields.Integer(metadata={"description": "Goes up when the time, place or status changes"})
    url = fields.String(required=True, metadata={"description": "The meeting's web page"})


class PlannedDateSchema(Schema):
    date = fields.Date(required=True, metadata={"description": "Local date of the meeting"})
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    doors_open_at = fields.DateTime(allow_none=True)
    rsvp_deadline = fields.DateTime(allow_none=True,
                                    metadata={"description": "Sign-up deadline, from the series' rule"})
    moved_from = fields.Date(allow_none=True, metadata={"description": "The rule date it was moved from"})
    reason = fields.String(allow_none=True, metadata={"description": "Why it was moved or shortened (code)"})
    reason_text = fields.String(allow_none=True, metadata={"description": "The reason, translated"})
    holiday_name = fields.String(allow_none=True)
    exists = fields.Boolean(metadata={"description": "Created before by the same series"})
    other_meetings = fields.List(
        fields.Nested(lambda: SameDayMeetingSchema()),
        metadata={"description": "The group's other meetings on this local date (any series or none, "
                                 "not cancelled); creating leaves the date out unless it is in `also_on`"},
    )
    will_create = fields.Boolean(metadata={"description": "Whether creating now would add this meeting"})


class SameDayMeetingSchema(Schema):
    """A meeting the group already has on a planned date."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    local_start_time = fields.String(metadata={"description": "Start, HH:MM in the group's time zone"})
    local_end_time = fields.String(metadata={"description": "End, HH:MM in the group's time zone"})
    series_id = fields.Integer(allow_none=True)
    url = fields.String(metadata={"description": "The meeting's web page"})


class SkippedDateSchema(Schema):
    date = fields.Date(required=True)
    reason = fields.String(
        required=True,
        metadata={"description": "Reason code",
                  "enum": ["skipped_month", "holiday", "closed", "holiday_not_moved", "closed_not_moved",
                           "weekend", "weekend_not_moved", "past"]},
    )
    reason_text = fields.String(required=True, metadata={"description": "The reason, translated"})
    holiday_name = fields.String(allow_none=True)


class SeriesPlanSchema(Schema):
    """A dry run: what creating the series would do. Nothing is written."""

    dry_run = fields.Boolean(required=True)
    rule = fields.String(required=True, metadata={"description": "The RRULE the choices give"})
    timezone = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "Number of meetings"})
    new_count = fields.Integer(required=True, metadata={"description": "Meetings creating would add (not "
                                                                     "existing, no other meeting that day "
                                                                     "unless in also_on)"})
    clash_count = fields.Integer(metadata={"description": "Dates on which the group has another meeting"})
    existing_series_id = fields.Integer(allow_none=True,
                                        metadata={"description": "The same series, if it was created before"})
    dates = fields.List(fields.Nested(PlannedDateSchema), required=True)
    skipped = fields.List(fields.Nested(SkippedDateSchema), required=True)


class SeriesCreatedSchema(Schema):
    """The series and all its meetings; `created` says how many were new in this call."""

    dry_run = fields.Boolean(required=True)
    series_id = fields.Integer(required=True)
    created = fields.Integer(required=True, metadata={"description": "0 when every date existed already"})
    meetings = fields.List(fields.Nested(MeetingSchema), required=True)
