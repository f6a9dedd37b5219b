"""API (being built)."""

from app.api.spec import TaggedBlueprint

blp = TaggedBlueprint("api_network", __name__, url_prefix="/api/v1", tag="Network",
                       description="Who met whom: a member's network, encounters and 1-to-1 meetings")
