"""What the generated OpenAPI document says about authentication and errors.

Errors are answered as RFC 9457 problem details by app.errors (its HTTPException handler replaces
flask-smorest's own {code, status, message} one, and DomainError becomes problem+json under /api/),
so the document describes them with ProblemSchema and the application/problem+json media type
instead of flask-smorest's default "Error" schema.
"""

from __future__ import annotations

from flask_smorest import Api, Blueprint

from app.api.schemas import ProblemSchema

SECURITY_SCHEME = "bearerAuth"
PROBLEM_CONTENT_TYPE = "application/problem+json"
DEFAULT_PROBLEM = "Problem"

# Reusable documented responses: component name -> (status, description).
PROBLEM_RESPONSES = {
    "Unauthorized": (401, "No access token, or the token is invalid, revoked or its member inactive"),
    "Forbidden": (403, "The token's member may not see this"),
    "NotFound": (404, "No such resource, or it is hidden from the caller"),
    "TooManyRequests": (429, "Too many failed token attempts from this address"),
    "UnsupportedMediaType": (415, "The body is not declared as JSON (Content-Type: application/json)"),
}

TOKEN_REQUIRED = [{SECURITY_SCHEME: []}]
TOKEN_OPTIONAL = [{}, {SECURITY_SCHEME: []}]


def document_api(api: Api) -> None:
    """Add the bearer security scheme and the problem+json responses to the app's spec.

    Must run before the blueprints are registered (their docs reference these components).
    """
    spec = api.spec
    spec.components.security_scheme(SECURITY_SCHEME, {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal access token (kk_...) created on the profile page under "
                       "'API tokens', or with `flask api-token create EMAIL`.",
    })
    spec.components.schema("Problem", schema=ProblemSchema)
    problem_content = {PROBLEM_CONTENT_TYPE: {"schema": "Problem"}}
    for name, (status, description) in PROBLEM_RESPONSES.items():
        response = {"description": description, "content": problem_content}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {
                "description": "Bearer challenge (RFC 6750)", "schema": {"type": "string"}}}
        if status == 429:
            response["headers"] = {"Retry-After": {
                "description": "Seconds until token attempts are accepted again",
                "schema": {"type": "integer"}}}
        spec.components.response(name, response)
    spec.components.response(DEFAULT_PROBLEM, {"description": "Any other error, as problem details",
                                               "content": problem_content})
    # flask-smorest adds `default: <DEFAULT_ERROR_RESPONSE_NAME>` to every operation; point it at ours.
    api.DEFAULT_ERROR_RESPONSE_NAME = DEFAULT_PROBLEM
    # It also prepared (lazily, used only when referenced, e.g. 422 by @blp.arguments) one response
    # per HTTP status with its own {code, status, message} "Error" schema; describe those as
    # problem details too, and drop the "Error" schema that nothing answers with.
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for response in spec.components.responses_lazy.values():
        if "content" in response:
            response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": problem_ref}}
    spec.components.schemas.pop("Error", None)


class TaggedBlueprint(Blueprint):
    """A flask-smorest Blueprint whose operations are grouped under a readable tag ("Meetings")
    instead of its blueprint name ("api_meetings"), which stays the endpoint prefix for url_for."""

    def __init__(self, *args, tag: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = tag

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, *,
                     parameters=None, tags=None, **options):
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, parameters=parameters,
                             tags=tags if tags is not None else [self.tag], **options)


def register_tagged(api: Api, blp: TaggedBlueprint) -> None:
    """api.register_blueprint, with the document's tag list naming the blueprint by its tag."""
    api.register_blueprint(blp)
    # flask-smorest adds {"name": <blueprint name>, "description": ...} to the spec's tags.
    for tag in api.spec.to_dict().get("tags", []):
        if tag["name"] == blp.name:
            tag["name"] = blp.tag
