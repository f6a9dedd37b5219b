"""The JSON API: Public."""

from __future__ import annotations

from app.api.spec import TaggedBlueprint

blp = TaggedBlueprint("api_public", __name__, url_prefix="/api/v1", tag="Public",
                      description="Read-only, no token: public groups, their meetings and listed members")
