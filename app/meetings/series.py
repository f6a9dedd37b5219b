"""Series use cases: preview and create a run of meetings, edit "this and all following", cancel the
rest, rotate hosts. The rule expansion itself is pure and lives in `app.meetings.recurrence`.

Creating a series is idempotent: the same choices for the same group find the series made before
and only add the dates it lacks, and (series_id, series_date) is unique in the database, so a
double-submitted form never doubles the meetings.

Edits of "this and all following" and host rotations lock every meeting they change (in id order)
before reading them, and announce each change through `app.events`. This module imports the shared
`access` and `changes` modules, never `services` (which re-exports these use cases).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from babel.dates import format_time
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import events
from app.db_locks import begin_write, locked
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.meetings import recurrence
from app.meetings import validation as v
from app.meetings.access import get_meeting_to_manage, lock_meetings, meeting_id_of, require_manage
from app.meetings.changes import (
    apply_changes,
    as_meeting_dict,
    cancel_one,
    clean_reason,
    ensure_editable,
    meeting_data_for,
    record_created,
)
from app.meetings.messages import recurrence_message
from app.meetings.recurrence import Frequency, HolidayPolicy, Occurrence, RecurrenceError, SkippedDate
from app.models import (
    Group,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Member,
    NetworkSettings,
    Venue,
    utcnow,
)

FREQUENCIES = ("weekly", "every_n_weeks", "monthly_nth_weekday", "monthly_day", "rrule")
# Fields that "this and all following" may change.
FOLLOWING_FIELDS = (
    "start_time",
    "end_time",
    "doors_open_time",
    "venue_name",
    "venue_address",
    "host_member_id",
    "capacity",
)


@dataclass
class HostAssignment:
    """One turn of a host rotation: a member and/or their venue."""

    host_member_id: int | None = None
    venue_name: str = ""
    venue_address: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.host_member_id or self.venue_name.strip() or self.venue_address.strip())


@dataclass
class SeriesData:
    """The friendly series choices, as the form and the API send them (local dates and times).

    frequency: "weekly" | "every_n_weeks" (uses interval) | "monthly_nth_weekday" (nth 1-4 or -1, weekday)
    | "monthly_day" (day_of_month) | "rrule" (rrule text). weekday: 0 = Monday ... 6 = Sunday.
    holiday_policy: "skip" | "move" (to the next working day) | "ignore".
    rsvp_days_before + rsvp_time: optional sign-up deadline of each meeting, that many local calendar
    days before it at that local wall-clock time (0-60 days; both or neither).
    """

    title: str = ""
    frequency: str = "weekly"
    interval: int | None = None
    weekday: int | None = None
    nth: int | None = None
    day_of_month: int | None = None
    rrule: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    doors_open_time: time | None = None
    timezone: str | None = None  # the group's zone by default
    skip_months: list[int] = field(default_factory=list)
    holiday_policy: str = HolidayPolicy.SKIP.value
    venue_name: str = ""
    venue_address: str = ""
    online_url: str = ""
    capacity: int | None = None
    guests_welcome: bool = True
    agenda: str = ""
    rsvp_days_before: int | None = None
    rsvp_time: time | None = None


SERIES_FIELDS = tuple(f.name for f in dataclasses.fields(SeriesData))


@dataclass
class SeriesPlan:
    """What creating the series would do: the meetings, the skipped dates with reasons, and which
    dates exist already (when the same series was created before)."""

    rule: str
    occurrences: list[Occurrence]
    skipped: list[SkippedDate]
    existing_series_id: int | None = None
    existing_dates: frozenset[date] = frozenset()
    timezone: str = ""
    rsvp_rule: v.RsvpRule | None = None
    # Local date -> the group's other meetings that day (any series or none, not cancelled).
    clashes: dict[date, list[Meeting]] = field(default_factory=dict)
    also_on: frozenset[date] = frozenset()

    def clashes_for(self, occurrence: Occurrence) -> list[Meeting]:
        """The group's other meetings on this planned meeting's day (empty for an existing one)."""
        if self.is_existing(occurrence):
            return []
        return self.clashes.get(occurrence.local_date, [])

    def is_skipped_for_clash(self, occurrence: Occurrence) -> bool:
        """Whether creating leaves this date out: another meeting that day and no "create anyway"."""
        return bool(self.clashes_for(occurrence)) and occurrence.local_date not in self.also_on

    def deadline_for(self, occurrence: Occurrence) -> datetime | None:
        """The sign-up deadline (aware, in the series' zone) of a planned meeting, if there is a rule."""
        if self.rsvp_rule is None:
            return None
        return self.rsvp_rule.deadline_for(occurrence.local_date, occurrence.start.tzinfo).astimezone(
            occurrence.start.tzinfo
        )

    def is_existing(self, occurrence: Occurrence) -> bool:
        """Whether the same series created this meeting before."""
        return series_date_of(occurrence) in self.existing_dates

    @property
    def new_occurrences(self) -> list[Occurrence]:
        return [o for o in self.occurrences if not self.is_existing(o) and not self.is_skipped_for_clash(o)]

    @property
    def clash_occurrences(self) -> list[Occurrence]:
        return [o for o in self.occurrences if self.clashes_for(o)]

    @property
    def new_count(self) -> int:
        return len(self.new_occurrences)


def series_date_of(occurrence: Occurrence) -> date:
    """The rule date a meeting belongs to (a moved meeting keeps the date it was moved from)."""
    return occurrence.moved_from or occurrence.local_date


def _form_field(error_field: str | None, frequency: str) -> str:
    """Map the recurrence module's field names onto the form's."""
    mapping = {
        "start_date": "starts_on",
        "end_date": "ends_on",
        "doors_open": "doors_open_time",
        "month_day": "day_of_month",
        "weekdays": "weekday",
        "holiday_categories": "holiday_policy",
        "holiday_country": "holiday_policy",
        "holiday_subdivision": "holiday_policy",
        "holiday_language": "holiday_policy",
    }
    if error_field in (None, "rule"):
        return "rrule" if frequency == "rrule" else "frequency"
    return mapping.get(error_field, error_field)


# --- input -------------------------------------------------------------------------------------


def _as_series_dict(data: SeriesData | Mapping[str, Any]) -> dict[str, Any]:
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return dataclasses.asdict(data)
    if isinstance(data, Mapping):
        merged = dataclasses.asdict(SeriesData())
        merged.update({k: v for k, v in data.items() if k in SERIES_FIELDS})
        return merged
    raise TypeError("series data must be SeriesData or a mapping")


def _build(group: Group, raw: dict[str, Any]) -> tuple[recurrence.SeriesSpec, dict[str, Any], dict[str, Any]]:
    """Check the input; return the recurrence spec, the per-meeting values and a canonical JSON spec."""
    errors = v.FieldErrors()
    title = v.clean_text(raw.get("title"), "title", errors, max_length=v.MAX_TITLE, required=True)
    frequency = raw.get("frequency") or ""
    if frequency not in FREQUENCIES:
        errors.add("frequency", _("Please choose how the meetings repeat."))
    interval = v.parse_whole(raw.get("interval"), "interval", errors, default=1)
    weekday = v.parse_whole(raw.get("weekday"), "weekday", errors)
    nth = v.parse_whole(raw.get("nth"), "nth", errors)
    day_of_month = v.parse_whole(raw.get("day_of_month"), "day_of_month", errors)
    starts_on = v.parse_date(raw.get("starts_on"), "starts_on", errors)
    ends_on = v.parse_date(raw.get("ends_on"), "ends_on", errors)
    start_time = v.parse_time(raw.get("start_time"), "start_time", errors)
    end_time = v.parse_time(raw.get("end_time"), "end_time", errors)
    doors = v.parse_time(raw.get("doors_open_time"), "doors_open_time", errors, required=False)
    zone_name = (raw.get("timezone") or "").strip() if isinstance(raw.get("timezone"), str) else None
    zone_name = zone_name or group.timezone
    if v.zone_or_none(zone_name) is None:
        errors.add("timezone", _("Unknown time zone: %(zone)s", zone=zone_name))
    skip_months: list[int] = []
    for month in raw.get("skip_months") or []:
        number = v.parse_whole(month, "skip_months", errors)
        if number is not None and not 1 <= number <= 12:
            errors.add("skip_months", _("Please choose months from the list."))
        elif number is not None:
            skip_months.append(number)
    policy = raw.get("holiday_policy") or HolidayPolicy.SKIP.value
    if policy not in tuple(HolidayPolicy):
        errors.add("holiday_policy", _("Please choose what happens on public holidays."))
    capacity = v.parse_capacity(raw.get("capacity"), errors)
    venue_name = v.clean_text(raw.get("venue_name"), "venue_name", errors, max_length=v.MAX_TITLE)
    venue_address = v.clean_text(raw.get("venue_address"), "venue_address", errors)
    online_url = v.clean_url(raw.get("online_url"), errors)
    agenda = v.clean_text(raw.get("agenda"), "agenda", errors, max_length=20000)
    rrule_text = v.clean_text(raw.get("rrule"), "rrule", errors)
    rsvp_rule = v.parse_rsvp_rule(raw.get("rsvp_days_before"), raw.get("rsvp_time"), errors)
    errors.raise_if_any()

    kind = {
        "weekly": Frequency.WEEKLY,
        "every_n_weeks": Frequency.WEEKLY,
        "monthly_nth_weekday": Frequency.MONTHLY_NTH_WEEKDAY,
        "monthly_day": Frequency.MONTHLY_DAY,
        "rrule": Frequency.RRULE,
    }[frequency]
    if frequency == "every_n_weeks" and (interval is None or interval < 1):
        errors.add("interval", _("Please enter a number of at least %(min)s.", min=1))
    spec = recurrence.SeriesSpec(
        frequency=kind,
        start_date=starts_on,
        end_date=ends_on,
        start_time=start_time,
        end_time=end_time,
        timezone=zone_name,
        doors_open=doors,
        interval=(interval or 1) if frequency == "every_n_weeks" else 1,
        weekdays=frozenset({weekday}) if kind == Frequency.WEEKLY and weekday is not None else frozenset(),
        nth=nth,
        weekday=weekday,
        month_day=day_of_month,
        rrule=rrule_text or None,
        skip_months=frozenset(skip_months),
        holiday_policy=HolidayPolicy(policy),
        holiday_country=(NetworkSettings.current().country or "DK"),
    )
    for error in recurrence.validate_spec(spec):
        field_name = _form_field(error.field, frequency)
        if field_name not in errors:
            errors.add(field_name, recurrence_message(error))
    errors.raise_if_any()
    meeting_values = {
        "title": title,
        "venue_name": venue_name,
        "venue_address": venue_address,
        "online_url": online_url,
        "capacity": capacity,
        "guests_welcome": bool(raw.get("guests_welcome", True)),
        "agenda": agenda,
    }
    canonical = {
        "title": title,
        "frequency": frequency,
        "interval": spec.interval,
        "weekday": weekday,
        "nth": nth,
        "day_of_month": day_of_month,
        "rrule": rrule_text,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "start_time": start_time.isoformat(),
        "end_time": end_time.isoformat(),
        "doors_open_time": doors.isoformat() if doors else None,
        "timezone": zone_name,
        "skip_months": sorted(skip_months),
        "holiday_policy": policy,
        "holiday_country": spec.holiday_country,
        **meeting_values,
        # Only present with a rule, so series created without one keep matching their spec.
        **(rsvp_rule.as_spec() if rsvp_rule else {}),
    }
    return spec, meeting_values, canonical


def _check_rsvp(spec: recurrence.SeriesSpec, expanded: recurrence.SeriesPreview, canonical: dict) -> None:
    """Each meeting's sign-up deadline must come before its start (raises next to the time field)."""
    rule = v.RsvpRule.from_spec(canonical)
    if rule is None:
        return
    errors = v.FieldErrors()
    v.check_rsvp_rule(
        rule,
        ((occ.local_date, occ.start) for occ in expanded.occurrences),
        v.zone_or_none(spec.timezone),
        errors,
    )
    errors.raise_if_any()


def _expand(
    spec: recurrence.SeriesSpec, frequency: str, *, record_past: bool = False
) -> recurrence.SeriesPreview:
    # Dates whose meeting would start in the past are skipped ("past"), unless the organizer
    # records past meetings on purpose (`record_past`; the demo data does).
    not_before = None if record_past else utcnow()
    try:
        return recurrence.expand_series(spec, max_dates=recurrence.MAX_DATES, not_before=not_before)
    except RecurrenceError as error:
        message = recurrence_message(error)
        raise ValidationFailed(message, fields={_form_field(error.field, frequency): [message]}) from None


def _find_same_series(
    group: Group, rule: str, spec: recurrence.SeriesSpec, canonical: dict
) -> MeetingSeries | None:
    candidates = db.session.scalars(
        select(MeetingSeries).where(
            MeetingSeries.group_id == group.id,
            MeetingSeries.rule == rule,
            MeetingSeries.starts_on == spec.start_date,
            MeetingSeries.ends_on == spec.end_date,
        )
    ).all()
    for candidate in candidates:
        if candidate.spec == canonical:
            return candidate
    return None


def _existing_dates(series: MeetingSeries | None) -> frozenset[date]:
    if series is None:
        return frozenset()
    return frozenset(
        db.session.scalars(select(Meeting.series_date).where(Meeting.series_id == series.id)).all()
    )


def same_day_meetings(
    group: Group, days: Iterable[date], *, exclude_series_id: int | None = None, exclude_id: int | None = None
) -> dict[date, list[Meeting]]:
    """The group's meetings that are not cancelled, by local date in the group's zone, on any of
    `days` (meetings of `exclude_series_id` and the meeting `exclude_id` left out)."""
    wanted = set(days)
    if not wanted:
        return {}
    zone = v.zone_or_none(group.timezone) or UTC
    lowest = datetime.combine(min(wanted), time(), zone).astimezone(UTC)
    highest = datetime.combine(max(wanted) + timedelta(days=1), time(), zone).astimezone(UTC)
    query = select(Meeting).where(
        Meeting.group_id == group.id,
        Meeting.status != MeetingStatus.CANCELLED.value,
        Meeting.starts_at >= lowest,
        Meeting.starts_at < highest,
    )
    if exclude_series_id is not None:
        query = query.where((Meeting.series_id.is_(None)) | (Meeting.series_id != exclude_series_id))
    if exclude_id is not None:
        query = query.where(Meeting.id != exclude_id)
    found: dict[date, list[Meeting]] = {}
    for meeting in db.session.scalars(query.order_by(Meeting.starts_at, Meeting.id)).all():
        starts = meeting.starts_at if meeting.starts_at.tzinfo else meeting.starts_at.replace(tzinfo=UTC)
        day = starts.astimezone(zone).date()
        if day in wanted:
            found.setdefault(day, []).append(meeting)
    return found


def _clean_also_on(also_on: Iterable[Any] | None) -> frozenset[date]:
    """The dates the organizer chose to add a meeting on despite another meeting that day."""
    errors = v.FieldErrors()
    if also_on is not None and (isinstance(also_on, str | bytes) or not isinstance(also_on, Iterable)):
        errors.add("also_on", _("Please give a list of dates."))
        errors.raise_if_any()
    days = set()
    for value in also_on or []:
        day = value if isinstance(value, date) else v.parse_date(value, "also_on", errors)
        if day is not None:
            days.add(day)
    errors.raise_if_any()
    return frozenset(days)


def _clean_hosts(group: Group, hosts: Iterable[HostAssignment | Mapping] | None) -> list[HostAssignment]:
    errors = v.FieldErrors()
    cleaned = []
    for index, entry in enumerate(hosts or []):
        if isinstance(entry, Mapping):
            entry = HostAssignment(
                **{k: v for k, v in entry.items() if k in ("host_member_id", "venue_name", "venue_address")}
            )
        entry = HostAssignment(
            host_member_id=v.check_host(
                group, entry.host_member_id, errors, field=f"rotation-{index}-host_member_id"
            ),
            venue_name=v.clean_text(
                entry.venue_name, f"rotation-{index}-venue_name", errors, max_length=v.MAX_TITLE
            ),
            venue_address=v.clean_text(entry.venue_address, f"rotation-{index}-venue_address", errors),
        )
        if entry.is_empty:
            continue
        if not entry.venue_name and entry.host_member_id:
            host = db.session.get(Member, entry.host_member_id)
            entry.venue_name = (host.company or host.name) if host else ""
        cleaned.append(entry)
    errors.raise_if_any()
    return cleaned


def _remember_venue(group: Group, entry: HostAssignment) -> None:
    """Keep rotation venues as the group's reusable venues (one row per name and address)."""
    if not entry.venue_name:
        return
    exists = db.session.scalar(
        select(Venue).where(
            Venue.group_id == group.id, Venue.name == entry.venue_name, Venue.address == entry.venue_address
        )
    )
    if exists is None:
        db.session.add(
            Venue(
                group_id=group.id,
                name=entry.venue_name,
                address=entry.venue_address,
                host_member_id=entry.host_member_id,
            )
        )
    elif entry.host_member_id and exists.host_member_id != entry.host_member_id:
        exists.host_member_id = entry.host_member_id


# --- use cases -----------------------------------------------------------------------------------


def preview_series(
    user,
    group: Group,
    data: SeriesData | Mapping[str, Any],
    hosts: Sequence[HostAssignment | Mapping] | None = None,
    *,
    also_on: Iterable[date | str] | None = None,
    record_past: bool = False,
) -> SeriesPlan:
    """The dates the series would get, the skipped ones with reasons, and the dates on which the
    group has another meeting already (`clashes`); writes nothing. Hosts, if given, are checked as
    create_series checks them, so the preview shows their mistakes too."""
    require_manage(user, group)
    raw = _as_series_dict(data)
    spec, _values, canonical = _build(group, raw)
    _clean_hosts(group, hosts)
    extra_days = _clean_also_on(also_on)
    expanded = _expand(spec, raw.get("frequency") or "", record_past=record_past)
    _check_rsvp(spec, expanded, canonical)
    existing = _find_same_series(group, expanded.rrule_text, spec, canonical)
    return SeriesPlan(
        clashes=same_day_meetings(
            group,
            (o.local_date for o in expanded.occurrences),
            exclude_series_id=existing.id if existing else None,
        ),
        also_on=extra_days,
        rule=expanded.rrule_text,
        occurrences=list(expanded.occurrences),
        skipped=list(expanded.skipped),
        existing_series_id=existing.id if existing else None,
        existing_dates=_existing_dates(existing),
        timezone=spec.timezone,
        rsvp_rule=v.RsvpRule.from_spec(canonical),
    )


def create_series(
    user,
    group: Group,
    data: SeriesData | Mapping[str, Any],
    hosts: Sequence[HostAssignment | Mapping] | None = None,
    *,
    also_on: Iterable[date | str] | None = None,
    record_past: bool = False,
) -> tuple[MeetingSeries, list[Meeting]]:
    """Create one meeting per date (hosts in turn, if given). Running it again adds no duplicates.

    A date on which the group already has a meeting that is not cancelled (from another series or
    none; the day in the group's zone) is left out, unless it is in `also_on`.
    Returns the series and the meetings created by this call (empty when all existed already).
    """
    require_manage(user, group)
    raw = _as_series_dict(data)
    spec, values, canonical = _build(group, raw)
    rotation = _clean_hosts(group, hosts)
    extra_days = _clean_also_on(also_on)
    expanded = _expand(spec, raw.get("frequency") or "", record_past=record_past)
    _check_rsvp(spec, expanded, canonical)
    rsvp_rule = v.RsvpRule.from_spec(canonical)
    zone = v.zone_or_none(spec.timezone)
    series = _find_same_series(group, expanded.rrule_text, spec, canonical)
    if series is None:
        series = MeetingSeries(
            group_id=group.id,
            title=values["title"],
            rule=expanded.rrule_text,
            spec=canonical,
            starts_on=spec.start_date,
            ends_on=spec.end_date,
            start_time=spec.start_time,
            end_time=spec.end_time,
            doors_open_time=spec.doors_open,
            timezone=spec.timezone,
            skip_months=sorted(spec.skip_months),
            holiday_policy=spec.holiday_policy.value,
            holiday_country=spec.holiday_country,
            created_by_id=user.id if getattr(user, "is_authenticated", False) else None,
        )
        db.session.add(series)
        db.session.flush()
    existing = _existing_dates(series)
    clashes = same_day_meetings(
        group, (o.local_date for o in expanded.occurrences), exclude_series_id=series.id
    )
    created: list[Meeting] = []
    for position, occurrence in enumerate(expanded.occurrences):
        series_date = series_date_of(occurrence)
        if series_date in existing:
            continue
        if occurrence.local_date in clashes and occurrence.local_date not in extra_days:
            continue
        meeting_values = dict(values)
        if rotation:
            turn = rotation[position % len(rotation)]
            meeting_values.update(
                venue_name=turn.venue_name,
                venue_address=turn.venue_address,
                host_member_id=turn.host_member_id,
            )
        meeting_values.update(
            starts_at=occurrence.start.astimezone(UTC),
            ends_at=occurrence.end.astimezone(UTC),
            doors_open_at=occurrence.doors_open.astimezone(UTC) if occurrence.doors_open else None,
            rsvp_deadline=rsvp_rule.deadline_for(occurrence.local_date, zone) if rsvp_rule else None,
        )
        meeting = Meeting(
            group_id=group.id,
            series=series,
            series_date=series_date,
            status=MeetingStatus.SCHEDULED.value,
            sequence=0,
            **meeting_values,
        )
        db.session.add(meeting)
        created.append(meeting)
    for entry in rotation:
        _remember_venue(group, entry)
    db.session.flush()
    for meeting in created:
        record_created(
            meeting,
            user,
            {"series_id": [None, series.id], "series_date": [None, meeting.series_date.isoformat()]},
        )
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent run created the same dates first
        db.session.rollback()
        raise Conflict(_("This series is being created right now; please reload the page.")) from None
    return series, created


def _lock_this_and_following(user, ref: Meeting | int, *, now: datetime | None = None) -> list[Meeting]:
    """This meeting and the later scheduled, not yet ended meetings of its series, soonest first,
    all locked in ONE statement in id order (two overlapping series edits never wait on each other
    in a circle). Checked again once locked: another edit may have cancelled one meanwhile."""
    begin_write()
    meeting = get_meeting_to_manage(user, meeting_id_of(ref))
    ids = [meeting.id]
    if meeting.series_id is not None:
        query = select(Meeting.id).where(
            Meeting.series_id == meeting.series_id,
            Meeting.status == MeetingStatus.SCHEDULED.value,
            Meeting.ends_at > (now or utcnow()),
            Meeting.starts_at >= meeting.starts_at,
            Meeting.id != meeting.id,
        )
        ids += list(db.session.scalars(query).all())
    rows = {m.id: m for m in lock_meetings(ids)}
    locked()
    meeting = rows.get(meeting.id)
    if meeting is None:
        raise NotFound()
    ensure_editable(meeting, now=now)
    now = now or utcnow()
    later = sorted(
        (
            m
            for m in rows.values()
            if m.id != meeting.id
            and m.status == MeetingStatus.SCHEDULED.value
            and m.ends_at > now
            and m.starts_at >= meeting.starts_at
        ),
        key=lambda m: (m.starts_at, m.id),
    )
    return [meeting, *later]


def _start_time_changes(meeting: Meeting, given: Mapping[str, Any]) -> bool:
    """Whether the input gives this meeting a different local start time."""
    if "start_time" not in given:
        return False
    new = v.parse_time(given["start_time"], "start_time", v.FieldErrors())
    current = meeting.starts_at.astimezone(v.zone_or_none(meeting.group.timezone)).time()
    return new is not None and new != current.replace(tzinfo=None)


def _does_not_fit(day: date, message: str) -> str:
    return _(
        "The change does not fit the meeting on %(date)s: %(message)s", date=day.isoformat(), message=message
    )


def update_following(user, meeting: Meeting | int, data: Mapping[str, Any] | Any) -> list[Meeting]:
    """Edit this meeting fully and give the later meetings of its series the same time, venue,
    host and capacity (only the keys of FOLLOWING_FIELDS that are present in `data`).

    When the start time changes and the series has a sign-up deadline rule, the later meetings get
    their deadline computed afresh from that rule (replacing any deadline set on one meeting), so a
    deadline never ends up after a moved start unnoticed; if the rule cannot fit the new time (e.g.
    the same day at 09:00 for a meeting now at 08:00), nothing is changed and the error says so.
    This meeting keeps the deadline given in the input; without one (a PATCH that leaves it out)
    it is computed from the rule as well.
    """
    targets = _lock_this_and_following(user, meeting)
    meeting = targets[0]
    given = as_meeting_dict(data)
    following_keys = [k for k in FOLLOWING_FIELDS if k in given]
    rsvp_rule = v.RsvpRule.from_spec(meeting.series.spec) if meeting.series is not None else None
    recompute_deadlines = rsvp_rule is not None and _start_time_changes(meeting, given)
    zone = v.zone_or_none(meeting.series.timezone) if meeting.series is not None else None
    # Validate every meeting before changing any, so an error leaves all of them untouched.
    planned: list[tuple[Meeting, dict[str, Any]]] = []
    for index, target in enumerate(targets):
        merged = dataclasses.asdict(meeting_data_for(target))
        if index == 0:
            merged.update(given)
            day = v.parse_date(merged.get("date"), "date", v.FieldErrors())
            if recompute_deadlines and "rsvp_deadline" not in given and day is not None:
                merged["rsvp_deadline"] = rsvp_rule.deadline_for(day, zone)
            planned.append((target, v.validate_meeting(target.group, merged)))
            continue
        merged.update({k: given[k] for k in following_keys})
        if recompute_deadlines:
            merged["rsvp_deadline"] = rsvp_rule.deadline_for(target.starts_at.astimezone(zone).date(), zone)
        try:
            values = v.validate_meeting(target.group, merged)
        except ValidationFailed as error:
            when = target.starts_at.astimezone(v.zone_or_none(target.group.timezone)).date()
            # Each field message names the meeting too: the form shows them without the summary.
            raise ValidationFailed(
                _does_not_fit(when, error.message),
                fields={
                    name: [_does_not_fit(when, m) for m in messages]
                    for name, messages in (error.fields or {}).items()
                },
            ) from None
        keep = (
            {"starts_at", "ends_at", "doors_open_at"}
            if {"start_time", "end_time", "doors_open_time"} & set(following_keys)
            else set()
        )
        keep |= {k for k in following_keys if k in values}
        if recompute_deadlines:
            keep.add("rsvp_deadline")
        planned.append((target, {k: v for k, v in values.items() if k in keep}))
    for target, values in planned:
        apply_changes(target, values, user, scope=events.SCOPE_FOLLOWING)
    db.session.commit()
    return [t for t, _values in planned]


def cancel_rest_of_series(user, meeting: Meeting | int, reason: str = "") -> list[Meeting]:
    """Cancel this meeting and every later scheduled meeting of its series."""
    targets = _lock_this_and_following(user, meeting)
    reason = clean_reason(reason)
    for target in targets:
        cancel_one(target, user, reason, scope=events.SCOPE_FOLLOWING)
    db.session.commit()
    return targets


def get_series_to_manage(user, series_id: int) -> MeetingSeries:
    series = db.session.get(MeetingSeries, series_id)
    if series is None:
        raise NotFound()
    require_manage(user, series.group)
    return series


def assign_hosts(
    user, series: MeetingSeries, hosts: Sequence[HostAssignment | Mapping], from_date: date | None = None
) -> list[Meeting]:
    """Give the series' coming meetings (from `from_date`, local) hosts and venues in turn."""
    require_manage(user, series.group)
    rotation = _clean_hosts(series.group, hosts)
    if not rotation:
        raise ValidationFailed(
            _("Please enter at least one host or venue."),
            fields={"rotation": [_("Please enter at least one host or venue.")]},
        )
    meetings = [
        m
        for m in _series_meetings_to_come(series)
        if from_date is None or (m.series_date or m.starts_at.date()) >= from_date
    ]
    if not meetings:
        raise ValidationFailed(
            _("The series has no coming meetings to assign hosts to."),
            fields={"from_date": [_("No coming meetings from this date.")]},
        )
    for index, meeting in enumerate(meetings):
        turn = rotation[index % len(rotation)]
        apply_changes(
            meeting,
            {
                "venue_name": turn.venue_name,
                "venue_address": turn.venue_address,
                "host_member_id": turn.host_member_id,
            },
            user,
            scope=events.SCOPE_SERIES,
        )
    for entry in rotation:
        _remember_venue(series.group, entry)
    db.session.commit()
    return meetings


def _series_meetings_to_come(series: MeetingSeries) -> list[Meeting]:
    """The series' scheduled, not yet ended meetings, soonest first, locked (in id order)."""
    begin_write()
    query = (
        select(Meeting)
        .where(
            Meeting.series_id == series.id,
            Meeting.status == MeetingStatus.SCHEDULED.value,
            Meeting.ends_at > utcnow(),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    ids = list(db.session.scalars(query.with_only_columns(Meeting.id)).all())
    lock_meetings(ids)
    locked()
    now = utcnow()
    return [
        m
        for m in db.session.scalars(query).all()
        if m.status == MeetingStatus.SCHEDULED.value and m.ends_at > now
    ]


def series_meetings(user, series: MeetingSeries) -> list[Meeting]:
    """All meetings of the series (for the host rotation page)."""
    require_manage(user, series.group)
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.starts_at, Meeting.id)
        ).all()
    )


def list_venues(user, group: Group) -> list[Venue]:
    """The group's remembered venues (for suggestions in the forms)."""
    require_manage(user, group)
    query = select(Venue).where(Venue.group_id == group.id).order_by(Venue.name)
    return list(db.session.scalars(query).all())


# --- one meeting on a day that has one already -----------------------------------------------------


class SameDayClash(ValidationFailed):
    """A single meeting created or moved onto a local day on which the group has another meeting.
    A 409 problem in the API; a form error next to the date (with "create/move anyway") on the web."""

    status = 409
    title = "Conflict"
    same_day = True  # the web form offers "create/move anyway"


def same_day_allowed(data: Any) -> bool:
    """Whether the input asks for a meeting on a day that has one already (`allow_same_day`)."""
    return isinstance(data, Mapping) and data.get("allow_same_day") is True


def _local_time(moment, zone) -> str:
    """A time of day in the zone, written as the reader's language writes it (08.30 in Danish)."""
    return format_time(moment, format="short", tzinfo=zone, locale=get_locale() or "da")


def check_same_day(
    group: Group,
    starts_at: datetime,
    *,
    exclude_id: int | None = None,
    previous_start: datetime | None = None,
    allow: bool = False,
) -> None:
    """Refuse (SameDayClash, naming the other meeting) a meeting on a local day, in the group's zone,
    on which the group has another meeting that is not cancelled, unless `allow`. A move within the
    same local day (`previous_start`) is not checked: it adds no meeting to that day."""
    if allow:
        return
    zone = v.zone_or_none(group.timezone) or UTC
    day = starts_at.astimezone(zone).date()
    if previous_start is not None and previous_start.astimezone(zone).date() == day:
        return
    others = same_day_meetings(group, [day], exclude_id=exclude_id).get(day)
    if not others:
        return
    other = others[0]
    message = _(
        "The group already has a meeting that day: »%(title)s«, %(start)s–%(end)s.",
        title=other.title,
        start=_local_time(other.starts_at, zone),
        end=_local_time(other.ends_at, zone),
    )
    raise SameDayClash(message, fields={"date": [message]})
