"""API (being built)."""

from app.api.spec import TaggedBlueprint

blp = TaggedBlueprint("api_checkins", __name__, url_prefix="/api/v1", tag="Check-in",
                       description="Check-in at the door: who came to a meeting")
