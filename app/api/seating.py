"""API (being built)."""

from app.api.spec import TaggedBlueprint

blp = TaggedBlueprint("api_seating", __name__, url_prefix="/api/v1", tag="Seating",
                       description="Seating plans: tables and rounds that make new acquaintances")
