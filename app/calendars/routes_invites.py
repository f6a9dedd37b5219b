"""Web pages for sending calendar invitations (routes on the calendars blueprint)."""
