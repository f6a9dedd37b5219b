"""The JSON API: Privacy."""

from __future__ import annotations

from app.api.spec import TaggedBlueprint

blp = TaggedBlueprint("api_privacy", __name__, url_prefix="/api/v1", tag="Privacy",
                      description="Everything about me as a ZIP; deleting my account")
