"""GET /api/v1/me: the member who owns the access token."""

from __future__ import annotations

from flask import g

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.schemas import MeSchema
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.visibility import Viewer, member_fields

blp = TaggedBlueprint("api_me", __name__, url_prefix="/api/v1", tag="Me",
                      description="The member who owns the access token")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)


@blp.get("/me")
@blp.doc(security=TOKEN_REQUIRED, summary="The authenticated member",
         description="Profile and group memberships (with role) of the member who owns the token.")
@blp.response(200, MeSchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(429, response="TooManyRequests")
@token_required
def me():
    member = g.api_user
    shown = member_fields(Viewer.SELF)  # the owner of the token sees their whole record
    payload = {key: getattr(member, attribute) for key, (field, attribute) in _ME_KEYS.items()
               if field in shown}
    return payload


# Output key -> (the member field of app.visibility, the Member attribute that holds it).
_ME_KEYS = {
    "id": ("id", "id"),
    "name": ("name", "name"),
    "email": ("email", "email"),
    "phone": ("phone", "phone"),
    "company": ("company", "company"),
    "title": ("title", "title"),
    "industry": ("industry", "industry"),
    "competencies": ("competencies", "competency_names"),
    "bio": ("bio", "bio"),
    "website": ("website", "website"),
    "language": ("language", "language"),
    "groups": ("groups", "memberships"),
}
