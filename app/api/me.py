"""GET /api/v1/me: the member who owns the access token; PATCH /api/v1/me/visibility: their
visibility choices (app.profiles.services.set_visibility, as the page "Privatliv og mine data")."""

from __future__ import annotations

from flask import g

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meetings import FlatErrorsParser
from app.api.members import DETAIL_KEYS, visible_keys
from app.api.problems import documents_errors
from app.api.schemas import MeSchema, VisibilityLevelsSchema, VisibilityPatchSchema
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.profiles import services as profile_services
from app.visibility import Viewer, member_fields


class MeBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()  # 422s name the fields as the service does


blp = MeBlueprint("api_me", __name__, url_prefix="/api/v1", tag="Me",
                      description="The member who owns the access token")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)


@blp.get("/me")
@blp.doc(security=TOKEN_REQUIRED, summary="The authenticated member",
         description="Profile, photo (the URLs of its sizes, or null), visibility choices and group "
                     "memberships (with role) of the member who owns the token.")
@blp.response(200, MeSchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(429, response="TooManyRequests")
@token_required
def me():
    member = g.api_user
    shown = member_fields(Viewer.SELF)  # the owner of the token sees their whole record
    payload = visible_keys(member, shown, _ME_KEYS)
    payload["photo"] = profile_services.photo_urls(member, shown, external=True)
    return payload


@blp.patch("/me/visibility")
@blp.doc(security=TOKEN_REQUIRED, summary="Change who sees what of my data",
         description="Only the given kinds change. `profile`, `photo`, `email` and `phone` take "
                     "`public`, `members` or `organizers`; `meetings` and `network` take `members` or "
                     "`organizers` (they are never public). A public profile is listed on the public "
                     "pages of the member's public groups. A wrong value answers 422 naming the kind, "
                     "with the same message as the web page; nothing changes then. Answers with all "
                     "the levels.")
@blp.arguments(VisibilityPatchSchema)
@blp.response(200, VisibilityLevelsSchema)
@documents_errors(blp, "Unauthorized", "UnsupportedMediaType", "TooManyRequests")
@token_required
def patch_visibility(data):
    member = profile_services.set_visibility(g.api_user, data)
    return profile_services.visibility_levels(member)


# Output key -> (the member field of app.visibility, how to read it from the Member): the profile
# card's keys and the member's own settings.
_ME_KEYS = {
    **DETAIL_KEYS,
    "language": ("language", lambda m: m.language),
    "groups": ("groups", lambda m: m.memberships),
}
