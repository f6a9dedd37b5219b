"""A member's profile: the page others see, the photo, the vCard and the visibility settings.

- `photos`: upload (checked, resized to a few sizes, stored under PHOTO_DIR), serving by the rule.
- `vcard`: a member's contact details as a .vcf, only the fields the viewer may see.
- `services`: the visibility settings (app.visibility.Level per kind of data).
- `routes`: the pages.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("profiles", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from app.profiles import routes  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
