"""Browsable API documentation at /api/v1/docs: Swagger UI served from the installed package.

Nothing comes from a CDN, so the page also works on a closed network. Swagger UI 5 is needed
for OpenAPI 3.1 (the 4.x line refuses to render a 3.1 document), hence swagger-ui-bundle-v2.
The page's initializer lives in app/static/js/api-docs.js, and the site-wide CSP applies
unchanged: checked in Chromium, Swagger UI 5 (React sets styles through the CSSOM, which
`style-src 'self'` does not block) renders, authorizes and runs "Try it out" with no CSP
violation, so this page needs no 'unsafe-inline' exception.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("api_browser", __name__, url_prefix="/api/v1/docs")


@bp.get("")
def index():
    return render_template(
        "api/docs.html",
        spec_url=url_for("api-docs.openapi_json"),
        api_version=current_app.config["API_VERSION"],
        openapi_version=current_app.config["OPENAPI_VERSION"],
    )


@bp.get("/static/<path:filename>")
def asset(filename: str):
    """A file of the Swagger UI distribution (send_from_directory refuses paths outside it)."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
