"""Personal access tokens for the JSON API: created on the profile page, shown once."""
