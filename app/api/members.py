"""The member directory and profiles under /api/v1, over app.members.services and app.profiles.

- `GET /members?q=&group=&page=`: the directory (app.members.services.search_directory, the same
  search as the web page).
- `GET /members/{id}`: one member's profile, as on the profile page (get_member_card).

Every member comes with only the keys the caller may see (app.auth.viewers.member_fields_for, the
one rule the pages use): a key the caller may not see is left out, not null. Refusals are problems
(RFC 9457): 401 without a token, 404 for a member (or group) the caller may not see.
"""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meetings import FlatErrorsParser
from app.api.pagination import PAGE_HEADERS_DOC, PAGINATION_DOC, PageQuerySchema, page_headers
from app.api.problems import documents_errors
from app.api.schemas import MemberPhotoSchema, VisibilityLevelsSchema
from app.api.spec import TOKEN_REQUIRED, TaggedBlueprint
from app.auth.viewers import member_fields_for
from app.connections import privacy as network_privacy
from app.connections import services as network_services
from app.errors import DomainError
from app.members import services as member_services
from app.profiles import services as profile_services


class MembersBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()  # 422s name the fields as the services do


blp = MembersBlueprint("api_members", __name__, url_prefix="/api/v1", tag="Members",
                       description="The member directory and profiles, by the visibility rule")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)

# --- schemas -------------------------------------------------------------------------------------

class DirectoryQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200), metadata={
        "description": "What to look for: a name, company, title, industry or competency "
                       "(as the directory page searches; case does not matter, also for æ, ø and å)"})
    group = fields.String(load_default=None, validate=validate.Length(max=80), metadata={
        "description": "Only this group (its slug): one of the caller's groups (admins: any)"})


_HIDDEN = "Left out unless the member lets the caller see it"


class DirectoryMemberSchema(Schema):
    """A member in the directory: only the fields the caller may see."""

    class Meta:
        ordered = True

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    company = fields.String(metadata={"description": _HIDDEN})
    title = fields.String(metadata={"description": _HIDDEN})
    industry = fields.String(metadata={"description": _HIDDEN})
    competencies = fields.List(fields.String(), metadata={"description": _HIDDEN})
    email = fields.Email(metadata={"description": _HIDDEN})
    phone = fields.String(metadata={"description": _HIDDEN})
    photo = fields.Nested(MemberPhotoSchema, metadata={"description": "Left out without a photo the "
                                                                      "caller may see"})


class MemberGroupSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": ["member", "organizer"]})


class MemberMeetingSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True, metadata={"description": "UTC, ISO 8601"})
    group = fields.String(required=True, metadata={"description": "The group's slug"})


class MemberNetworkSummarySchema(Schema):
    visibility = fields.String(required=True, metadata={
        "enum": [network_privacy.FULL, network_privacy.AGGREGATE],
        "description": "`full`: GET /api/v1/members/{member_id}/network names whom they have met; "
                       "`aggregate`: the member hid their network, the caller sees counts only"})
    members_met = fields.Integer(required=True)
    new_this_year = fields.Integer(required=True)


class MemberDetailSchema(DirectoryMemberSchema):
    """One member's profile: only the fields the caller may see (app.visibility)."""

    bio = fields.String(metadata={"description": _HIDDEN})
    offers = fields.String(metadata={"description": "What the member offers. " + _HIDDEN})
    seeks = fields.String(metadata={"description": "What the member is looking for. " + _HIDDEN})
    website = fields.String(metadata={"description": _HIDDEN})
    groups = fields.List(fields.Nested(MemberGroupSchema), metadata={
        "description": "The member's groups that the caller is in (admins: all)"})
    meetings = fields.List(fields.Nested(MemberMeetingSchema), metadata={
        "description": "Upcoming meetings the member has signed up for, in the caller's groups; left "
                       "out unless the member shares which meetings they come to with the caller"})
    network = fields.Nested(MemberNetworkSummarySchema, metadata={
        "description": "A summary of whom the member has met; left out unless the caller may see it"})
    visibility = fields.Nested(VisibilityLevelsSchema, metadata={
        "description": "The member's own choices: for the member themself and admins"})


# --- payloads ------------------------------------------------------------------------------------

# Output key -> the member field of app.visibility that decides it, and how to read it. The
# directory, a group's member list (app/api/groups.py) and GET /me (app/api/me.py) share these.
MEMBER_KEYS = {
    "id": ("id", lambda m: m.id),
    "name": ("name", lambda m: m.name),
    "company": ("company", lambda m: m.company),
    "title": ("title", lambda m: m.title),
    "industry": ("industry", lambda m: m.industry),
    "competencies": ("competencies", lambda m: m.competency_names),
    "email": ("email", lambda m: m.email),
    "phone": ("phone", lambda m: m.phone),
}
DETAIL_KEYS = {
    **MEMBER_KEYS,
    "bio": ("bio", lambda m: m.bio),
    "offers": ("offers", lambda m: m.offers),
    "seeks": ("seeks", lambda m: m.seeks),
    "website": ("website", lambda m: m.website),
    "visibility": ("visibility", profile_services.visibility_levels),
}


def visible_keys(member, shown: frozenset[str], keys: dict = MEMBER_KEYS) -> dict:
    """The keys of `keys` whose member field is in `shown` (app.visibility), read from the member."""
    return {key: read(member) for key, (name, read) in keys.items() if name in shown}


def _with_photo(payload: dict, member, shown: frozenset[str]) -> dict:
    urls = profile_services.photo_urls(member, shown, external=True)
    if urls:
        payload["photo"] = urls
    return payload


def directory_entry(member, shown: frozenset[str]) -> dict:
    """A member in the directory as the caller may see them."""
    payload = visible_keys(member, shown)
    return _with_photo(payload, member, shown)


def member_detail(user, card) -> dict:
    """A profile card (app.members.services.MemberCard) as the caller may see it."""
    member, shown = card.member, card.shown
    payload = visible_keys(member, shown, DETAIL_KEYS)
    _with_photo(payload, member, shown)
    if "groups" in shown:
        payload["groups"] = [{"slug": m.group.slug, "name": m.group.name, "role": m.role}
                             for m in card.memberships]
    if "meetings" in shown:
        payload["meetings"] = [{"id": m.id, "title": m.title, "starts_at": m.starts_at, "group": m.group.slug}
                               for m in card.meetings]
    if "network" in shown:
        summary = _network_summary(user, member.id)
        if summary is not None:
            payload["network"] = summary
    return payload


def _network_summary(user, member_id: int) -> dict | None:
    """Counts of whom the member has met, as app.connections.privacy lets the caller see them."""
    try:
        network = network_services.member_network(user, member_id, people=False)
    except DomainError:
        return None
    if network.visibility == network_privacy.NONE or network.counts is None:
        return None
    return {"visibility": network.visibility, "members_met": network.counts.members_met,
            "new_this_year": network.counts.new_this_year}


# --- operations ----------------------------------------------------------------------------------

@blp.get("/members")
@blp.doc(security=TOKEN_REQUIRED, summary="The member directory",
         description="Active members of the caller's groups (admins: everyone), searched with `q` as "
                     "on the directory page, filtered by `group`. Each entry has only the fields the "
                     "caller may see; `photo` holds the URLs of the sizes. An unknown `group` (or one "
                     "the caller is not in) answers 404." + PAGINATION_DOC)
@blp.arguments(DirectoryQuerySchema, location="query")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, DirectoryMemberSchema(many=True), headers=PAGE_HEADERS_DOC)
@documents_errors(blp, "Unauthorized", "NotFound", "TooManyRequests")
@token_required
def directory(query, paging):
    user = g.api_user
    result = member_services.search_directory(user, query["q"].strip(), query["group"] or None,
                                              page=paging["page"], per_page=paging["per_page"], clamp=False)
    # The fields the directory page shows too (organizers of a shared group see every kind).
    shown = getattr(result, "shown", None) or {}
    members = [directory_entry(member, shown.get(member.id)
                               or member_fields_for(user, member, shares_group=True))
               for member in result.members]
    return members, page_headers(result.page)


@blp.get("/members/<int:member_id>")
@blp.doc(security=TOKEN_REQUIRED, summary="One member's profile",
         description="The member's profile as the caller may see it, by the member's own visibility "
                     "choices: members of a shared group always see the name and the groups, the rest "
                     "only as the member allows; organizers of a shared group, admins and the member "
                     "themself see everything. `photo` holds the URLs of the sizes (fetch them with "
                     "the same login: they are served by the same rule). A member the caller shares "
                     "no group with, a deactivated or deleted member answers 404 (admins and the "
                     "member's organizers still see a deactivated member).")
@blp.response(200, MemberDetailSchema)
@documents_errors(blp, "Unauthorized", "NotFound", "TooManyRequests")
@token_required
def member(member_id: int):
    user = g.api_user
    return member_detail(user, member_services.get_member_card(user, member_id))

