"""A member's private calendar feed and its settings (routes on the calendars blueprint)."""
