"""A meeting's change history for people: translated field names, values in the group's zone and
the reader's locale, hosts by name, and internal bookkeeping fields left out.

`MeetingChange.changes` stores {column: [old, new]} with JSON values (ISO text for datetimes, member
ids for the host); this module only reads it, so the stored history stays machine-readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import MeetingChange

ACTION_LABELS = {
    "created": _l("Created"),
    "updated": _l("Updated"),
    "moved": _l("Moved"),
    "cancelled": _l("Cancelled"),
}
# In the order they are listed; anything not named here (series_id, series_date, sequence ...) is internal.
FIELD_LABELS = {
    "title": _l("Title"),
    "status": _l("Status"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "doors_open_at": _l("Doors open / coffee from"),
    "venue_name": _l("Venue"),
    "venue_address": _l("Address"),
    "host_member_id": _l("Host"),
    "online_url": _l("Online link"),
    "capacity": _l("Capacity"),
    "rsvp_deadline": _l("Sign-up deadline"),
    "guests_welcome": _l("Guests are welcome"),
    "agenda": _l("Agenda"),
    "cancel_reason": _l("Reason"),
}
STATUS_LABELS = {"scheduled": _l("Scheduled"), "cancelled": _l("Cancelled")}
DATETIME_FIELDS = {"starts_at", "ends_at", "doors_open_at", "rsvp_deadline"}
MAX_TEXT = 80


@dataclass
class HistoryLine:
    label: str
    old: str | None  # None: no "before" (a created meeting)
    new: str


@dataclass
class HistoryEntry:
    at: datetime
    who: str | None
    action: str
    action_label: str
    note: str | None = None  # e.g. "From the series ..."
    lines: list[HistoryLine] = field(default_factory=list)


def host_ids(changes: Iterable[MeetingChange]) -> set[int]:
    """The member ids named as host anywhere in these entries (to look their names up)."""
    ids: set[int] = set()
    for change in changes:
        for value in (change.changes or {}).get("host_member_id", []):
            if isinstance(value, int):
                ids.add(value)
    return ids


def series_ids(changes: Iterable[MeetingChange]) -> set[int]:
    ids: set[int] = set()
    for change in changes:
        value = (change.changes or {}).get("series_id", [None, None])[1]
        if isinstance(value, int):
            ids.add(value)
    return ids


def describe_history(
    changes: Iterable[MeetingChange],
    tz: str,
    host_names: Mapping[int, str],
    series_titles: Mapping[int, str] | None = None,
) -> list[HistoryEntry]:
    """History entries ready to show, in the given order."""
    series_titles = series_titles or {}
    entries = []
    for change in changes:
        values = change.changes or {}
        created = change.action == "created"
        note = None
        series_id = values.get("series_id", [None, None])[1]
        if created and series_id is not None:
            title = series_titles.get(series_id)
            if title:
                note = _("Created from the series “%(title)s”.", title=title)
            else:
                note = _("Created from a series.")
        lines = []
        for name, label in FIELD_LABELS.items():
            if name not in values:
                continue
            old, new = values[name]
            if created and (new is None or new == ""):
                continue  # a new meeting's empty fields say nothing
            lines.append(
                HistoryLine(
                    label=str(label),
                    old=None if created else format_value(name, old, tz, host_names),
                    new=format_value(name, new, tz, host_names),
                )
            )
        entries.append(
            HistoryEntry(
                at=change.at,
                who=change.member.name if change.member else None,
                action=change.action,
                action_label=str(ACTION_LABELS.get(change.action, change.action)),
                note=note,
                lines=lines,
            )
        )
    return entries


def format_value(name: str, value, tz: str, host_names: Mapping[int, str]) -> str:
    """One logged value as the reader should see it."""
    if value is None or value == "":
        return "—"
    locale = str(get_locale())
    if name == "host_member_id":
        return host_names.get(value) or _("a former member")
    if name == "status":
        return str(STATUS_LABELS.get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name in DATETIME_FIELDS and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            return value
        local = moment.astimezone(ZoneInfo(tz))
        # Medium date with a short time (no seconds), joined the locale's way.
        return (
            get_datetime_format("medium", locale=locale)
            .replace("{1}", format_date(local.date(), format="medium", locale=locale))
            .replace("{0}", format_time(local.time(), format="short", locale=locale))
        )
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
        try:
            return format_date(date.fromisoformat(value), format="medium", locale=locale)
        except ValueError:
            return value
    text = " ".join(str(value).split())  # the agenda's line breaks would break the list
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
