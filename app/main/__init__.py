"""Start page, health check, language switch."""
