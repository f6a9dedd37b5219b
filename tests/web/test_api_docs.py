"""The generated OpenAPI document and the locally served Swagger UI page."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from tests.factories import create_member


def test_openapi_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises on an invalid document


def test_openapi_document_lists_the_paths_and_the_bearer_scheme(client):
    spec = client.get("/api/v1/openapi.json").json
    assert {"/api/v1/me", "/api/v1/groups", "/api/v1/groups/{slug}/members"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]
        ["bearerAuth"]["description"]}
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert {} in spec["paths"]["/api/v1/groups"]["get"]["security"]  # anonymous allowed
    members = spec["paths"]["/api/v1/groups/{slug}/members"]["get"]
    assert {"200", "401", "403", "404"} <= set(members["responses"])
    assert me["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Me"}


def test_openapi_errors_are_documented_as_problem_details(client):
    spec = client.get("/api/v1/openapi.json").json
    responses = spec["components"]["responses"]
    for name in ("Unauthorized", "Forbidden", "NotFound", "Problem"):
        assert responses[name]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "WWW-Authenticate" in responses["Unauthorized"]["headers"]
    problem_fields = set(spec["components"]["schemas"]["Problem"]["properties"])
    assert problem_fields == {"type", "title", "status", "detail", "errors"}
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's own error shape is not used
    for path in spec["paths"].values():
        for method in {"get", "post", "patch", "put", "delete"} & set(path):
            assert path[method]["responses"]["default"] == {"$ref": "#/components/responses/Problem"}


def _assets(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', page)


def test_docs_page_and_all_its_assets_load_locally(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in page
    assets = _assets(page)
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in assets
    assert "/api/v1/docs/static/swagger-ui.css" in assets
    assert "/static/js/api-docs.js" in assets
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.data) > 100, url
    assert "<script>" not in page  # no inline script: the initializer is a static file
    assert "//cdn" not in page and "unpkg" not in page and "jsdelivr" not in page


def test_docs_page_keeps_the_strict_csp(client):
    csp = client.get("/api/v1/docs").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_swagger_ui_bundle_supports_openapi_3_1(client):
    # Swagger UI 4.x refuses to render an OpenAPI 3.1 document; the served bundle must be 5.x.
    from swagger_ui_bundle import swagger_ui_path

    assert int(re.search(r"swagger-ui-(\d+)\.", str(swagger_ui_path)).group(1)) >= 5


def test_docs_static_route_does_not_serve_files_outside_swagger_ui(client):
    assert client.get("/api/v1/docs/static/../../../../../etc/passwd").status_code == 404
    assert client.get("/api/v1/docs/static/%2e%2e/%2e%2e/__init__.py").status_code == 404
    assert client.get("/api/v1/docs/static/missing.js").status_code == 404


def test_docs_page_links_to_the_tokens_page_for_a_logged_in_member(client, login):
    login(create_member())
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert 'href="/profile/tokens"' in page


def test_operations_are_grouped_under_readable_tags(client):
    spec = client.get("/api/v1/openapi.json").json
    tags = ["Me", "Groups", "Meetings", "Sign-ups", "Calendar invitations", "Check-in", "Seating", "Network",
            "Requests", "Give and take", "Members", "Privacy", "Public"]
    assert [tag["name"] for tag in spec["tags"]] == tags
    assert all(tag["description"] for tag in spec["tags"])
    used = {tag for path in spec["paths"].values() for op in path.values() if isinstance(op, dict)
            for tag in op.get("tags", [])}
    assert used == set(tags)
    assert spec["paths"]["/api/v1/groups/{slug}/series"]["post"]["tags"] == ["Meetings"]


def test_docs_page_has_one_h1_and_hides_swagger_uis_own_title(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert page.count("<h1") == 1
    assert "v1" in page and "3.1.0" in page  # the version Swagger UI's hidden title showed
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert ".api-docs .swagger-ui .information-container { display: none; }" in css
