"""Calendar files (RFC 5545 iCalendar) for invitations, feeds and downloads.

`app.calendars.ical` is pure: it builds calendars from plain data (no Flask, no database), so the
mail, feed and download code share one writer and its tests read every file back with independent
parsers.
"""
