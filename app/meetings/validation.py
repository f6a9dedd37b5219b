"""Checking meeting input: parse local dates and times, collect errors per form field.

Errors are collected in `FieldErrors` (app.validation, shared by every service) and raised
together as one ValidationFailed whose `fields` use the form field names, so the web shows each
message next to its field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.input_guard import (
    NUMBER_RANGE_MESSAGE,
    UNSTORABLE_MESSAGE,
    date_in_range,
    date_range_message,
    has_unstorable,
    int_in_range,
    normalize_newlines,
)
from app.meetings.zones import local_days_before, local_naive_to_utc, local_to_utc, zone_or_none
from app.models import Group, Membership
from app.validation import FieldErrors, Message, required_message

MAX_TITLE = 200
MAX_TEXT = 500
MAX_RSVP_DAYS_BEFORE = 60


# The services' own "missing" messages per field; the API's input schemas use the same table.
REQUIRED_MESSAGES: dict[str, Message] = {
    "title": lambda: _("Please enter a title."),
    "date": lambda: _("Please enter a date."),
    "starts_on": lambda: _("Please enter a date."),
    "ends_on": lambda: _("Please enter a date."),
    "start_time": lambda: _("Please enter a time."),
    "end_time": lambda: _("Please enter a time."),
    "frequency": lambda: _("Please choose how the meetings repeat."),
}


def parse_date(value: Any, field: str, errors: FieldErrors, *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            errors.add(field, _("Please enter a date."))
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            errors.add(field, _("Please enter a valid date (YYYY-MM-DD)."))
            return None
    if not date_in_range(day):
        errors.add(field, date_range_message())
        return None
    return day


def parse_time(value: Any, field: str, errors: FieldErrors, *, required: bool = True) -> time | None:
    if value in (None, ""):
        if required:
            errors.add(field, _("Please enter a time."))
        return None
    if isinstance(value, time):
        return value.replace(tzinfo=None, microsecond=0)
    try:
        return time.fromisoformat(str(value).strip()).replace(tzinfo=None, microsecond=0)
    except ValueError:
        errors.add(field, _("Please enter a valid time (HH:MM)."))
        return None


def parse_whole(value: Any, field: str, errors: FieldErrors, *, default: int | None = None) -> int | None:
    """A whole number from form text or JSON; `default` when empty, None (with an error) when not whole."""
    if value in (None, ""):
        return default
    if isinstance(value, bool | float):
        errors.add(field, _("Please enter a whole number."))
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.add(field, _("Please enter a whole number."))
        return None
    if not int_in_range(number):
        errors.add(field, str(NUMBER_RANGE_MESSAGE))
        return None
    return number


# Seats at one meeting: a breakfast network's largest room, not the database's range.
MAX_CAPACITY = 1000


def capacity_too_large_message() -> str:
    return _("A meeting can have at most %(max)d seats (or leave it empty for no limit).", max=MAX_CAPACITY)


def parse_capacity(value: Any, errors: FieldErrors, field: str = "capacity") -> int | None:
    number = parse_whole(value, field, errors)
    if number is None:
        return None
    if number <= 0:
        errors.add(field, _("The capacity must be a positive number (or empty for no limit)."))
        return None
    if number > MAX_CAPACITY:
        errors.add(field, capacity_too_large_message())
        return None
    return number


@dataclass(frozen=True)
class RsvpRule:
    """A series' sign-up deadline rule: `days_before` local calendar days before each meeting, at
    wall-clock time `at` in the group's zone (0 = the day of the meeting)."""

    days_before: int
    at: time

    def deadline_for(self, meeting_date: date, zone: ZoneInfo) -> datetime:
        """The deadline (aware UTC) of a meeting on local date `meeting_date`."""
        return local_days_before(meeting_date, self.days_before, self.at, zone)

    def as_spec(self) -> dict[str, Any]:
        """The JSON form kept in the series' spec."""
        return {"rsvp_days_before": self.days_before, "rsvp_time": self.at.isoformat(timespec="minutes")}

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | None) -> RsvpRule | None:
        """The rule stored in a series' spec, or None when the series has none."""
        if not spec or spec.get("rsvp_days_before") is None or not spec.get("rsvp_time"):
            return None
        return cls(int(spec["rsvp_days_before"]), time.fromisoformat(spec["rsvp_time"]))


def parse_rsvp_rule(
    days_value: Any,
    time_value: Any,
    errors: FieldErrors,
    *,
    days_field: str = "rsvp_days_before",
    time_field: str = "rsvp_time",
) -> RsvpRule | None:
    """Both empty: no deadline. Otherwise both are needed: whole days 0-60 and a time HH:MM."""
    if days_value in (None, "") and time_value in (None, ""):
        return None
    days = parse_whole(days_value, days_field, errors)
    if days_value in (None, ""):
        errors.add(days_field, _("Please enter how many days before the meeting."))
    elif days is not None and not 0 <= days <= MAX_RSVP_DAYS_BEFORE:
        errors.add(
            days_field, _("Please enter a number from %(min)d to %(max)d.", min=0, max=MAX_RSVP_DAYS_BEFORE)
        )
        days = None
    at = parse_time(time_value, time_field, errors)
    if days is None or at is None:
        return None
    return RsvpRule(days, at)


def check_rsvp_rule(
    rule: RsvpRule,
    meetings: Iterable[tuple[date, datetime]],
    zone: ZoneInfo,
    errors: FieldErrors,
    *,
    field: str = "rsvp_time",
) -> None:
    """Every meeting's deadline must come before its start; `meetings` are (local date, start)."""
    for day, starts_at in meetings:
        if rule.deadline_for(day, zone) >= starts_at:
            errors.add(
                field,
                _(
                    "The sign-up deadline must be before the meeting starts (%(date)s at %(time)s).",
                    date=day.isoformat(),
                    time=starts_at.astimezone(zone).strftime("%H:%M"),
                ),
            )
            return


def parse_zone(value: Any, group: Group, errors: FieldErrors, field: str = "timezone") -> ZoneInfo | None:
    name = value or group.timezone
    zone = zone_or_none(name)
    if zone is None:
        errors.add(field, _("Unknown time zone: %(zone)s", zone=str(name)))
    return zone


def clean_text(
    value: Any, field: str, errors: FieldErrors, *, max_length: int = MAX_TEXT, required: bool = False
) -> str:
    text = "" if value is None else normalize_newlines(str(value)).strip()
    if has_unstorable(text):
        errors.add(field, str(UNSTORABLE_MESSAGE))
        return ""
    if required and not text:
        errors.add(field, required_message(REQUIRED_MESSAGES, field))
    if len(text) > max_length:
        errors.add(field, _("Please use at most %(n)d characters.", n=max_length))
    return text


def clean_url(value: Any, errors: FieldErrors, field: str = "online_url") -> str:
    url = clean_text(value, field, errors)
    if url and not url.lower().startswith(("https://", "http://")):
        errors.add(field, _("Please enter a web address starting with https://."))
    return url


def check_host(
    group: Group, member_id: Any, errors: FieldErrors, field: str = "host_member_id"
) -> int | None:
    """A host must be a member of the group."""
    if member_id in (None, "", 0, "0"):
        return None
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        member_id = None
    if member_id is None or not int_in_range(member_id):
        # Not a number, or no id a member could have: not one of the choices either way.
        errors.add(field, _("Please choose a member of the group."))
        return None
    membership = db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == member_id)
    )
    if membership is None:
        errors.add(field, _("Please choose a member of the group."))
        return None
    return member_id


def validate_meeting(group: Group, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check one meeting's input and return column values (aware UTC), or raise ValidationFailed."""
    errors = FieldErrors()
    title = clean_text(raw.get("title"), "title", errors, max_length=MAX_TITLE, required=True)
    zone = parse_zone(raw.get("timezone"), group, errors)
    day = parse_date(raw.get("date"), "date", errors)
    start = parse_time(raw.get("start_time"), "start_time", errors)
    end = parse_time(raw.get("end_time"), "end_time", errors)
    doors = parse_time(raw.get("doors_open_time"), "doors_open_time", errors, required=False)
    capacity = parse_capacity(raw.get("capacity"), errors)
    venue_name = clean_text(raw.get("venue_name"), "venue_name", errors, max_length=MAX_TITLE)
    venue_address = clean_text(raw.get("venue_address"), "venue_address", errors)
    online_url = clean_url(raw.get("online_url"), errors)
    agenda = clean_text(raw.get("agenda"), "agenda", errors, max_length=20000)
    host_id = check_host(group, raw.get("host_member_id"), errors)
    deadline_raw = raw.get("rsvp_deadline")
    deadline = None
    if deadline_raw not in (None, ""):
        if isinstance(deadline_raw, datetime):
            deadline = deadline_raw
        else:
            try:
                deadline = datetime.fromisoformat(str(deadline_raw).strip())
            except ValueError:
                errors.add("rsvp_deadline", _("Please enter a valid date and time."))
        if deadline is not None and not date_in_range(deadline):
            errors.add("rsvp_deadline", date_range_message())
            deadline = None
    values: dict[str, Any] = {}
    if zone is not None and day is not None and start is not None and end is not None:
        starts_at = local_to_utc(day, start, zone)
        ends_at = local_to_utc(day, end, zone)
        if ends_at <= starts_at:
            errors.add("end_time", _("The meeting must end after it starts."))
        doors_at = local_to_utc(day, doors, zone) if doors is not None else None
        if doors_at is not None and doors_at > starts_at:
            errors.add("doors_open_time", _("Doors must open before the meeting starts."))
        deadline_at = local_naive_to_utc(deadline, zone) if deadline is not None else None
        if deadline_at is not None and deadline_at > starts_at:
            errors.add("rsvp_deadline", _("The sign-up deadline must be before the meeting starts."))
        values = {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "doors_open_at": doors_at,
            "rsvp_deadline": deadline_at,
        }
    errors.raise_if_any()
    values.update(
        title=title,
        venue_name=venue_name,
        venue_address=venue_address,
        host_member_id=host_id,
        online_url=online_url,
        capacity=capacity,
        guests_welcome=bool(raw.get("guests_welcome", True)),
        agenda=agenda,
    )
    return values
