"""The JSON API under /api/v1 (flask-smorest), over the same services as the web UI."""

from flask import Flask


def register_api(app: Flask) -> None:
    """Register the API blueprints on the flask-smorest Api object."""
