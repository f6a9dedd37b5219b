"""Network-wide settings: name, time zone, language, holiday country, sender address."""
