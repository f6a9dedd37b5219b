"""The JSON API: Members."""

from __future__ import annotations

from app.api.spec import TaggedBlueprint

blp = TaggedBlueprint("api_members", __name__, url_prefix="/api/v1", tag="Members",
                      description="The member directory and profiles, by the visibility rule")
