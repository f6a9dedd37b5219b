"""The JSON API: Privacy, over the same services as the pages (app.privacy.export, .deletion).

- `GET /me/export`: everything about the caller as a ZIP (application/zip), as "Hent mine data".
- `DELETE /me`: delete the caller's account, in two steps. Without a valid confirmation the answer
  is 428 (a problem) carrying a signed `confirmation` token, valid for a few minutes; repeating the
  DELETE with the JSON body `{"confirmation": "<token>"}` deletes the account (204). The token
  names the account and its address, so it confirms nothing else.
"""

from __future__ import annotations

from flask import g, make_response, request
from flask_babel import gettext as _
from marshmallow import fields

from app.api.auth import authenticate_request, no_store, refuse_anonymous_writes, token_required
from app.api.problems import documents_errors
from app.api.schemas import ProblemSchema
from app.api.spec import PROBLEM_CONTENT_TYPE, TOKEN_REQUIRED, TaggedBlueprint
from app.errors import api_problem
from app.privacy import deletion, export

blp = TaggedBlueprint("api_privacy", __name__, url_prefix="/api/v1", tag="Privacy",
                      description="Everything about me as a ZIP; deleting my account")
blp.before_request(authenticate_request)
blp.before_request(refuse_anonymous_writes)
blp.after_request(no_store)


class ConfirmationProblemSchema(ProblemSchema):
    confirmation = fields.String(required=True, metadata={
        "description": "Send this back as {\"confirmation\": \"...\"} in a repeated DELETE to delete "
                       "the account"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds the confirmation is valid"})


@blp.get("/me/export")
@blp.doc(security=TOKEN_REQUIRED, summary="Download everything about me",
         description="A ZIP of JSON files (profile, memberships, sign-ups, check-ins, encounters, "
                     "requests, referrals, thanks, history, logins, mail log) with README.txt and the "
                     "caller's meetings as meetings.ics: the same file as the page \"Hent mine data\".")
@blp.response(200, content_type="application/zip", description="The ZIP file")
@blp.doc(responses={"200": {"description": "The ZIP file", "content": {
    "application/zip": {"schema": {"type": "string", "format": "binary"}}}}})
@documents_errors(blp, "Unauthorized", "TooManyRequests")
@token_required
def my_export():
    member = g.api_user
    response = make_response(export.build_export(member))
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{export.export_filename(member)}"'
    return response


@blp.delete("/me")
@blp.doc(security=TOKEN_REQUIRED, summary="Delete my account",
         description="Two steps. Without a valid confirmation the answer is 428 with a `confirmation` token "
                     "(valid for a few minutes); send the DELETE again with the JSON body "
                     "`{\"confirmation\": \"<token>\"}` to delete the account: the profile, contact details, "
                     "logins, tokens, memberships and texts are deleted, and other members' history keeps "
                     "\"Former member\" in the caller's place. The access token stops working.")
@blp.response(204, description="The account is deleted")
@blp.doc(requestBody={"required": False, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"confirmation": {
        "type": "string", "description": "The token from the 428 answer"}}}}}})
@blp.alt_response(428, schema=ConfirmationProblemSchema, content_type=PROBLEM_CONTENT_TYPE,
                  description="Confirm: repeat the DELETE with the confirmation token in the body")
@documents_errors(blp, "Unauthorized", "TooManyRequests",
                  conflict="The caller is the network's only administrator, or already deleted")
@token_required
def delete_me():
    member = g.api_user
    deletion.check_can_delete(member, member.id)
    body = request.get_json(silent=True) if request.is_json else None
    confirmation = body.get("confirmation") if isinstance(body, dict) else None
    if not (isinstance(confirmation, str) and deletion.is_confirmed_by_token(member, confirmation)):
        return api_problem(428, _("Send the DELETE again with the confirmation in the body to delete your "
                                  "account. This cannot be undone."),
                           confirmation=deletion.confirmation_token(member),
                           expires_in=deletion.TOKEN_MAX_AGE_SECONDS)
    deletion.delete_account(member, member.id, confirmation=confirmation)
    return make_response("", 204)
