"""Every route the app answers is in the spec, and every documented operation is a route:
no undocumented door. Only the docs pages, their assets and the spec itself are outside it
(Flask's default /static route is off: it served the ReDoc bundle a second time)."""

from __future__ import annotations

import re

from api import create_app
from tests.security.conftest import OPERATIONS, SPEC

# Served beside the API, not part of it: Swagger UI, ReDoc, their assets and the spec
UNDOCUMENTED_ENDPOINTS = {"api-docs.openapi_json"}
UNDOCUMENTED_BLUEPRINTS = {"docs"}
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


def _openapi_path(rule: str) -> str:
    """`/v1/articles/<uuid:article_id>` as the spec writes it: `/v1/articles/{article_id}`."""
    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule)


def routes() -> set[tuple[str, str]]:
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "routes"})
    found = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if rule.endpoint in UNDOCUMENTED_ENDPOINTS or blueprint in UNDOCUMENTED_BLUEPRINTS:
            continue
        for method in rule.methods - IMPLICIT_METHODS:
            found.add((method, _openapi_path(rule.rule)))
    return found


def test_the_conversion_of_rules_to_spec_paths():
    assert _openapi_path("/v1/a/<uuid:a_id>/r/<int(max=9):number>") == "/v1/a/{a_id}/r/{number}"
    assert _openapi_path("/v1/p/<string(maxlength=500):token>") == "/v1/p/{token}"


def test_every_route_is_documented():
    documented = {(op.method, op.path) for op in OPERATIONS}
    undocumented = routes() - documented
    assert undocumented == set(), f"routes missing from the spec: {sorted(undocumented)}"


def test_every_documented_operation_is_a_route():
    phantom = {(op.method, op.path) for op in OPERATIONS} - routes()
    assert phantom == set(), f"documented but not served: {sorted(phantom)}"


def test_only_the_docs_are_left_out():
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "routes"})
    left_out = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint in UNDOCUMENTED_ENDPOINTS
        or rule.endpoint.rpartition(".")[0] in UNDOCUMENTED_BLUEPRINTS
    )
    assert left_out == [
        "/docs",
        "/docs/assets/redoc/<path:filename>",
        "/docs/assets/swagger-ui/<path:filename>",
        "/openapi.json",
        "/redoc",
    ]
    assert SPEC["paths"], "no operation documented at all"
