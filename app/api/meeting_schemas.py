"""Marshmallow schemas of the meetings API: what /api/v1 takes and returns for meetings and series.

Input schemas only check JSON types (a string is a string, a number a whole number); every rule
about the values (required fields, dates and times, end after start, capacity, deadlines, time
zones, series rules) is checked by app.meetings.services, so the web forms and the API share them.
Dates and times in the input are LOCAL to the group's time zone (or the given `timezone`).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

LANGUAGES = ("da", "en")
SCOPE_THIS = "this"
SCOPE_FOLLOWING = "following"
SCOPE_REST = "rest_of_series"


def _text(description: str, **kwargs) -> fields.String:
    return fields.String(allow_none=True, metadata={"description": description}, **kwargs)


def _whole(description: str) -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True, metadata={"description": description})


# --- query strings ----------------------------------------------------------------------------


class LangQuerySchema(Schema):
    lang = fields.String(
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "Language of messages (validation errors, skip reasons); "
                                 "otherwise Accept-Language, else Danish"},
    )


class MeetingListQuerySchema(LangQuerySchema):
    from_ = fields.String(
        data_key="from",
        metadata={"description": "Meetings starting at or after this ISO 8601 date or date-time "
                                 "(a date or naive time is local to the group). Default: today",
                  "examples": ["2027-01-01", "2027-01-01T00:00:00+01:00"]},
    )
    to = fields.String(
        metadata={"description": "Meetings starting before this date-time; a date counts "
                                 "inclusively (the whole day). Default: no limit",
                  "examples": ["2027-12-31"]},
    )


class SeriesQuerySchema(LangQuerySchema):
    dry_run = fields.Boolean(metadata={"description": "Only compute the dates; create nothing"})


# --- input --------------------------------------------------------------------------------------


class MeetingInputSchema(Schema):
    """One meeting as an organizer enters it. Required to create: title, date, start_time, end_time."""

    title = _text("Required when creating")
    date = fields.String(allow_none=True,
                         metadata={"description": "Local date (YYYY-MM-DD)", "format": "date"})
    start_time = _text("Local wall-clock time, HH:MM")
    end_time = _text("Local wall-clock time, HH:MM; after start_time")
    doors_open_time = _text("Doors open / coffee from, HH:MM; not after start_time")
    venue_name = _text("Venue name")
    venue_address = _text("Street address (a map link is built from it)")
    host_member_id = _whole("Id of the hosting member (must belong to the group); null for none")
    online_url = _text("Online link, https://...")
    capacity = _whole("Seats (positive); null for no limit")
    rsvp_deadline = _text("Sign-up deadline, ISO 8601 date-time (naive = local); before the start")
    guests_welcome = fields.Boolean(metadata={"description": "Guests are welcome (default true)"})
    agenda = _text("Agenda / programme, plain text; blank lines separate paragraphs")
    timezone = _text("IANA time zone the times are entered in; default the group's")


class MeetingPatchSchema(MeetingInputSchema):
    """Only the given fields change."""

    scope = fields.String(
        validate=validate.OneOf([SCOPE_THIS, SCOPE_FOLLOWING]),
        metadata={"description": "For series meetings: `this` (default) changes this meeting only; "
                                 "`following` also gives the later meetings of the series the given "
                                 "times, venue, host and capacity"},
    )


class CancelInputSchema(Schema):
    reason = _text("Reason, shown to members")
    scope = fields.String(
        validate=validate.OneOf([SCOPE_THIS, SCOPE_REST]),
        metadata={"description": "`this` (default) or `rest_of_series`: this and every later "
                                 "meeting of its series"},
    )


class RotationEntrySchema(Schema):
    host_member_id = _whole("Hosting member (a member of the group)")
    venue_name = _text("Venue; default the host's company")
    venue_address = _text("Street address")


class SeriesInputSchema(Schema):
    """A series from friendly choices or an RRULE, over a date range (local dates and times)."""

    title = _text("Required")
    frequency = fields.String(
        metadata={"description": "How the meetings repeat",
                  "enum": ["weekly", "every_n_weeks", "monthly_nth_weekday", "monthly_day", "rrule"]},
    )
    interval = _whole("every_n_weeks: the number of weeks")
    weekday = _whole("0 = Monday ... 6 = Sunday (weekly, every_n_weeks, monthly_nth_weekday)")
    nth = _whole("monthly_nth_weekday: 1-4, or -1 for the last")
    day_of_month = _whole("monthly_day: 1-31 (short months use their last day)")
    rrule = _text("frequency rrule: the RRULE, e.g. FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3")
    starts_on = fields.String(allow_none=True,
                              metadata={"description": "First day (YYYY-MM-DD)", "format": "date"})
    ends_on = fields.String(allow_none=True,
                            metadata={"description": "Last day (YYYY-MM-DD)", "format": "date"})
    start_time = _text("Local wall-clock time, HH:MM (stays the same across daylight saving)")
    end_time = _text("Local wall-clock time, HH:MM")
    doors_open_time = _text("Doors open / coffee from, HH:MM")
    timezone = _text("IANA time zone; default the group's")
    skip_months = fields.List(fields.Integer(strict=True),
                              metadata={"description": "Months 1-12 without meetings"})
    holiday_policy = fields.String(
        metadata={"description": "Public holidays: skip, move (to the next working day) or ignore",
                  "enum": ["skip", "move", "ignore"]},
    )
    venue_name = _text("Venue of every meeting (unless a host rotation is given)")
    venue_address = _text("Street address")
    online_url = _text("Online link, https://...")
    capacity = _whole("Seats (positive); null for no limit")
    guests_welcome = fields.Boolean()
    agenda = _text("Agenda / programme")
    rsvp_days_before = _whole("Sign-up deadline of each meeting: this many days before it (0-60; "
                              "0 = the same day), at rsvp_time. Give both or neither")
    rsvp_time = _text("Sign-up deadline: local wall-clock time, HH:MM, on that day; the deadline "
                      "must come before each meeting's start")
    rotation = fields.List(
        fields.Nested(RotationEntrySchema),
        metadata={"description": "Hosts in turn: the first meeting gets the first entry, and so on "
                                 "(checked and applied when creating, not in a dry run)"},
    )
    dry_run = fields.Boolean(metadata={"description": "Only compute the dates (same as ?dry_run=true)"})


# --- output -------------------------------------------------------------------------------------


class HostRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class MeetingVenueSchema(Schema):
    name = fields.String()
    address = fields.String()
    map_url = fields.String(allow_none=True, metadata={"description": "OpenStreetMap search for the address"})
    host = fields.Nested(HostRefSchema, allow_none=True,
                         metadata={"description": "The hosting member; only shown to the group's members"})


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
    online_url = fields.String(allow_none=True, metadata={"description": "Only shown to the group's members"})
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


class SkippedDateSchema(Schema):
    date = fields.Date(required=True)
    reason = fields.String(
        required=True,
        metadata={"description": "Reason code",
                  "enum": ["skipped_month", "holiday", "closed", "holiday_not_moved", "closed_not_moved"]},
    )
    reason_text = fields.String(required=True, metadata={"description": "The reason, translated"})
    holiday_name = fields.String(allow_none=True)


class SeriesPlanSchema(Schema):
    """A dry run: what creating the series would do. Nothing is written."""

    dry_run = fields.Boolean(required=True)
    rule = fields.String(required=True, metadata={"description": "The RRULE the choices give"})
    timezone = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "Number of meetings"})
    new_count = fields.Integer(required=True, metadata={"description": "Meetings that do not exist yet"})
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
