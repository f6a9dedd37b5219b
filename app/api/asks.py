"""API (being built)."""

from app.api.spec import TaggedBlueprint

blp = TaggedBlueprint("api_asks", __name__, url_prefix="/api/v1", tag="Requests",
                      description="Ask the network: requests for help, answers, solving")
