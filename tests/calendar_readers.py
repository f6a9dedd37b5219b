"""Independent readers of our calendar files: icalendar (strict), vobject (validate=True) and the
`ical` package, each giving the events as plain dicts (times in UTC), for tests to compare."""

from __future__ import annotations

from datetime import UTC

import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar


def _text(value) -> str:
    return "" if value is None else str(value)


def read_icalendar(raw: bytes) -> list[dict]:
    cal = Calendar.from_ical(raw)
    return [
        dict(
            uid=str(ev["UID"]),
            summary=_text(ev.get("SUMMARY")),
            description=_text(ev.get("DESCRIPTION")),
            location=_text(ev.get("LOCATION")),
            start=ev.decoded("DTSTART").astimezone(UTC),
            end=ev.decoded("DTEND").astimezone(UTC),
            status=str(ev["STATUS"]),
            sequence=int(ev["SEQUENCE"]),
        )
        for ev in cal.walk("VEVENT")
    ]


def read_vobject(raw: bytes) -> list[dict]:
    cal = vobject.readOne(raw.decode("utf-8"), validate=True)
    out = []
    for ev in cal.contents.get("vevent", []):

        def text(name, ev=ev):
            return _text(ev.contents[name][0].value) if name in ev.contents else ""

        out.append(
            dict(
                uid=text("uid"),
                summary=text("summary"),
                description=text("description"),
                location=text("location"),
                start=ev.dtstart.value.astimezone(UTC),
                end=ev.dtend.value.astimezone(UTC),
                status=text("status"),
                sequence=int(text("sequence")),
            )
        )
    return out


def read_ical(raw: bytes) -> list[dict]:
    cal = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    return [
        dict(
            uid=ev.uid,
            summary=_text(ev.summary),
            description=_text(ev.description),
            location=_text(ev.location),
            start=ev.dtstart.astimezone(UTC),
            end=ev.dtend.astimezone(UTC),
            status=_text(ev.status.value if ev.status else None),
            sequence=ev.sequence,
        )
        for ev in cal.events
    ]


READERS = {"icalendar": read_icalendar, "vobject": read_vobject, "ical": read_ical}


def read_all(raw: bytes) -> dict[str, list[dict]]:
    return {name: reader(raw) for name, reader in READERS.items()}
