"""GET /api/v1/groups and /api/v1/groups/{slug}/members, over app.groups.services (the member
directory /api/v1/members is in app/api/members.py)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.meeting_schemas import LangQuerySchema
from app.api.meetings import FlatErrorsParser
from app.api.members import visible_keys
from app.api.pagination import PAGE_HEADERS_DOC, PAGINATION_DOC, PageQuerySchema, page_headers
from app.api.schemas import GroupMemberSchema, GroupPatchSchema, GroupSchema
from app.api.spec import TOKEN_OPTIONAL, TOKEN_REQUIRED, TaggedBlueprint
from app.auth.viewers import member_fields_for
from app.groups import services as group_services


class GroupsBlueprint(TaggedBlueprint):
    ARGUMENTS_PARSER = FlatErrorsParser()  # 422s name the fields as the services do (guest_limit: [...])


blp = GroupsBlueprint("api_groups", __name__, url_prefix="/api/v1", tag="Groups",
                      description="Groups (kaffeklubber) and their members")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)


@blp.get("/groups")
@blp.doc(security=TOKEN_OPTIONAL, summary="Groups visible to the caller",
         description="Anonymous callers see the public groups; with a token, also the member's own "
                     "groups (admins: all groups). `role` is the caller's role, null if not a member.")
@blp.response(200, GroupSchema(many=True))
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(429, response="TooManyRequests")
def list_groups():
    user = g.api_user
    groups = group_services.list_visible_groups(user)
    return [_with_role(user, group) for group in groups]


# The group's fields the PATCH may change; the rest of the group stays as it is.
_EDITABLE = ("name", "description", "timezone", "is_public", "rsvp_mode", "guest_limit",
             "invite_days_before", "reminder_time", "industry_rule")


@blp.route("/groups/<string:slug>", endpoint="Group")
class GroupResource(MethodView):
    @blp.doc(security=TOKEN_OPTIONAL, summary="One group",
             description="Anyone who may see the group: a public group for everyone, a members-only "
                         "group for its members (and admins); otherwise 404. Includes the sign-up "
                         "settings `rsvp_mode` and `guest_limit` and the calendar settings "
                         "`invite_days_before` and `reminder_time`.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.response(200, GroupSchema)
    @blp.alt_response(401, response="Unauthorized")
    @blp.alt_response(404, response="NotFound")
    @blp.alt_response(429, response="TooManyRequests")
    def get(self, query, slug: str):
        user = g.api_user
        return _with_role(user, group_services.get_group(user, slug))

    @blp.doc(security=TOKEN_REQUIRED, summary="Change a group's settings (only the given fields)",
             description="For the group's organizers and admins (others: 403, or 404 for a group they "
                         "may not see). The same rules and messages as the group form on the web: "
                         "`rsvp_mode` is `opt_in` (sign up to come) or `expected` (everyone is expected "
                         "unless they send afbud), `guest_limit` a whole number from 0 to 10, the time "
                         "zone an IANA name, `invite_days_before` a whole number from 0 to 90 or null "
                         "(invitations only when an organizer sends them), `reminder_time` a local "
                         "time HH:MM or null (no reminder), `industry_rule` `off`, `warn` or `block` "
                         "(one member per industry). Every field's errors come back at once "
                         "(422). Answers with the group.")
    @blp.arguments(LangQuerySchema, location="query")
    @blp.arguments(GroupPatchSchema)
    @blp.response(200, GroupSchema)
    @blp.alt_response(401, response="Unauthorized")
    @blp.alt_response(403, response="Forbidden")
    @blp.alt_response(404, response="NotFound")
    @blp.alt_response(415, response="UnsupportedMediaType")
    @blp.alt_response(429, response="TooManyRequests")
    @token_required
    def patch(self, query, data, slug: str):
        user = g.api_user
        group = group_services.get_group_for_edit(user, slug)
        values = {name: getattr(group, name) for name in _EDITABLE}
        values.update({name: value for name, value in data.items() if name in _EDITABLE})
        values["slug"] = group.slug
        group = group_services.update_group(user, slug, values)
        return _with_role(user, group)


@blp.get("/groups/<string:slug>/members")
@blp.doc(security=TOKEN_REQUIRED, summary="A group's members",
         description="For the group's members and organizers, and admins. A members-only group "
                     "that the caller may not see answers 404, a public one 403. Each entry has "
                     "only the fields the caller may see (contact details: members of the group, "
                     "its organizers, admins and the member themself). Ordered by name."
                     + PAGINATION_DOC)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, GroupMemberSchema(many=True), headers=PAGE_HEADERS_DOC)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="Forbidden")
@blp.alt_response(404, response="NotFound")
@blp.alt_response(429, response="TooManyRequests")
@token_required
def list_members(paging, slug: str):
    group = group_services.get_group(g.api_user, slug)
    page = group_services.list_group_members(g.api_user, group, page=paging["page"],
                                             per_page=paging["per_page"], clamp=False)
    return [member_payload(g.api_user, membership, group) for membership in page.items], page_headers(page)


def member_payload(user, membership, group) -> dict:
    """A membership of the group as this caller may see it: the keys the rule hides are left out."""
    member = membership.member
    shown = member_fields_for(user, member, group=group)
    payload = visible_keys(member, shown)  # the same keys as the directory
    payload["role"] = membership.role
    return payload


def _with_role(user, group) -> dict:
    membership = user.membership_in(group) if user is not None else None
    return {
        "slug": group.slug,
        "name": group.name,
        "description": group.description,
        "timezone": group.timezone,
        "is_public": group.is_public,
        "rsvp_mode": group.rsvp_mode,
        "guest_limit": group.guest_limit,
        "invite_days_before": group.invite_days_before,
        "reminder_time": group.reminder_time.strftime("%H:%M") if group.reminder_time is not None else None,
        "industry_rule": group.industry_rule,
        "role": membership.role if membership is not None else None,
    }
