"""The JSON API: Public. Read-only, no token, for the network's own website (docs/public-pages.md).

- `GET /public/groups`: the public groups.
- `GET /public/groups/{slug}/meetings`: a public group's coming meetings (scheduled ones; `from`
  and `to` optional), as anyone may see them: the venue, never the host or the online link.
- `GET /public/groups/{slug}/members`: the members who chose a public profile, with only what
  they made public (app.visibility, through app.public.services: the same as the public pages).

A members-only group answers 404, exactly like a slug nobody uses. A token, if sent, changes
nothing: these answers are the same for everyone, so they are cacheable (Cache-Control public,
PUBLIC_CACHE_SECONDS; an ETag, 304 to If-None-Match) and open to every origin (CORS
`Access-Control-Allow-Origin: *`, no credentials) -- this blueprint only; the rest of the API sends
no CORS headers.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.meeting_schemas import LangQuerySchema, MeetingListQuerySchema, MeetingSchema
from app.api.meetings import api_locale, meeting_payload, meeting_window
from app.api.pagination import PAGE_HEADERS_DOC, PAGINATION_DOC, PageQuerySchema, page_headers
from app.api.problems import documents_errors
from app.api.spec import TaggedBlueprint
from app.auth.tokens import external_url
from app.public import services
from app.public.routes import public_photo_url
from app.visibility import Viewer, meeting_fields

blp = TaggedBlueprint("api_public", __name__, url_prefix="/api/v1", tag="Public",
                      description="Read-only, no token: public groups, their meetings and listed members")

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, X-Total-Count, X-Page, X-Per-Page, Link",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match",
    "Access-Control-Max-Age": "86400",
}
CACHE_DOC = (" Cacheable: `Cache-Control: public, max-age=…` (PUBLIC_CACHE_SECONDS) and an `ETag`; a "
             "request with a matching `If-None-Match` gets 304 Not Modified. Open to every origin (CORS).")
NOT_PUBLIC = " A members-only group answers 404, like a group that does not exist."


@blp.after_request
def public_headers(response):
    """CORS for every answer (errors too, so a browser can read them); caching and an ETag for the
    successful reads."""
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
        return response
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={current_app.config['PUBLIC_CACHE_SECONDS']}"
        response.add_etag()
        response = response.make_conditional(request)
    else:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- schemas -------------------------------------------------------------------------------------

class PublicGroupSchema(Schema):
    """A public group."""

    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    timezone = fields.String(required=True, metadata={"description": "IANA time zone of the group"})
    url = fields.String(required=True, metadata={"description": "The group's public page"})
    visit_url = fields.String(required=True, metadata={
        "description": "The form to come as a guest or become a member"})
    meetings_url = fields.String(required=True, metadata={"description": "This API's list of its meetings"})
    members_url = fields.String(required=True,
                                metadata={"description": "This API's list of its listed members"})


class PublicMemberSchema(Schema):
    """A member who chose a public profile: only what they made public, null for the rest."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    company = fields.String(allow_none=True, required=True)
    industry = fields.String(allow_none=True, required=True)
    website = fields.String(allow_none=True, required=True, metadata={"description": "An http(s) address"})
    photo_url = fields.String(allow_none=True, required=True, metadata={
        "description": "The member's photo, if they made it public"})
    email = fields.String(allow_none=True, required=True, metadata={
        "description": "Only if the member made their e-mail address public"})
    phone = fields.String(allow_none=True, required=True, metadata={
        "description": "Only if the member made their phone number public"})


# --- payloads ------------------------------------------------------------------------------------

def group_payload(group) -> dict[str, Any]:
    return {
        "slug": group.slug, "name": group.name, "description": group.description or "",
        "timezone": group.timezone,
        "url": external_url("groups.show", slug=group.slug),
        "visit_url": external_url("public.visit", slug=group.slug),
        "meetings_url": external_url("api_public.PublicGroupMeetings", slug=group.slug),
        "members_url": external_url("api_public.PublicGroupMembers", slug=group.slug),
    }


def member_payload(member: services.PublicMember) -> dict[str, Any]:
    return {
        "id": member.id, "name": member.name, "company": member.company, "industry": member.industry,
        "website": member.website,
        "photo_url": public_photo_url(member.id, "medium") if member.has_photo else None,
        "email": member.email, "phone": member.phone,
    }


# --- endpoints -----------------------------------------------------------------------------------

@blp.route("/public/groups", endpoint="PublicGroups")
class PublicGroups(MethodView):
    @blp.doc(security=[{}], summary="The network's public groups",
             description="Every public group, by name. No token needed." + CACHE_DOC)
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, PublicGroupSchema(many=True))
    def get(self, query):
        with api_locale(query):
            return [group_payload(g) for g in services.public_groups()]


@blp.route("/public/groups/<string:slug>/meetings", endpoint="PublicGroupMeetings")
class PublicGroupMeetings(MethodView):
    @blp.doc(security=[{}], summary="A public group's coming meetings",
             description="Scheduled meetings (cancelled ones are left out), soonest first, as anyone may "
                         "see them: title, times, venue and address; the host and the online link are "
                         "always null. Without `from`, the meetings that have not ended yet; `to` "
                         "limits the window." + NOT_PUBLIC + PAGINATION_DOC + CACHE_DOC)
    @blp.arguments(MeetingListQuerySchema, location="query")
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, MeetingSchema(many=True), headers=PAGE_HEADERS_DOC)
    @documents_errors(blp, "NotFound")
    def get(self, query, paging, slug):
        with api_locale(query):
            group = services.public_group(slug)
            start = stop = None
            if query.get("from_") or query.get("to"):
                start, stop = meeting_window(query, ZoneInfo(group.timezone))
                if not query.get("from_"):
                    start = None  # "to" alone: the coming meetings up to then
            page = services.public_meetings_page(group, start=start, stop=stop, page=paging["page"],
                                                 per_page=paging["per_page"])
            shown = meeting_fields(Viewer.ANONYMOUS)
            return [meeting_payload(m, shown=shown) for m in page.items], page_headers(page)


@blp.route("/public/groups/<string:slug>/members", endpoint="PublicGroupMembers")
class PublicGroupMembers(MethodView):
    @blp.doc(security=[{}], summary="The members of a public group who chose a public profile",
             description="Active members whose profile is public, by name, with only the fields they "
                         "made public (null for the others; e-mail and phone only if they chose so)."
                         + NOT_PUBLIC + PAGINATION_DOC + CACHE_DOC)
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, PublicMemberSchema(many=True), headers=PAGE_HEADERS_DOC)
    @documents_errors(blp, "NotFound")
    def get(self, query, paging, slug):
        with api_locale(query):
            group = services.public_group(slug)
            page = services.public_members_page(group, page=paging["page"], per_page=paging["per_page"])
            return [member_payload(m) for m in page.items], page_headers(page)
