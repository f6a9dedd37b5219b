"""API (being built)."""

from app.api.spec import TaggedBlueprint

blp = TaggedBlueprint("api_ledger", __name__, url_prefix="/api/v1", tag="Give and take",
                      description="Referrals, thanks and each member's give-and-take ledger")
