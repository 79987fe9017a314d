"""The OpenAPI document: the committed snapshot is current, valid OpenAPI 3.1, and complete."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

SNAPSHOT = Path(__file__).resolve().parent.parent / "openapi.yaml"
SPEC = yaml.safe_load(SNAPSHOT.read_text(encoding="utf-8"))
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
WRITE_METHODS = ("post", "put", "patch", "delete")
PROBLEM = "application/problem+json"
SEED_TITLE = "Séoul accueille la seconde édition du AI Safety Summit"
SEED_KICKER = "AI Seoul Safety Summit"

OPERATIONS = [
    pytest.param(method, path, id=f"{method.upper()} {path}")
    for path, item in SPEC["paths"].items()
    for method in HTTP_METHODS
    if method in item
]


def resolve(node):
    """Follow a local `$ref` (`#/components/...`) to what it names."""
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operation(method: str, path: str) -> dict:
    return SPEC["paths"][path][method]


def parameters(method: str, path: str) -> list[dict]:
    """Path-level and operation-level parameters together."""
    item = SPEC["paths"][path]
    return [resolve(p) for p in item.get("parameters", []) + item[method].get("parameters", [])]


def responses(method: str, path: str) -> dict[str, dict]:
    return {status: resolve(r) for status, r in operation(method, path)["responses"].items()}


def refs_in(node, seen: frozenset[str] = frozenset()) -> set[str]:
    """Every `$ref` reachable from `node`, transitively."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            return set() if ref in seen else {ref} | refs_in(resolve(node), seen | {ref})
        for value in node.values():
            found |= refs_in(value, seen)
    elif isinstance(node, list):
        for value in node:
            found |= refs_in(value, seen)
    return found


def security_of(method: str, path: str) -> list[dict] | None:
    """The operation's security requirements (none at the top level to inherit)."""
    return operation(method, path).get("security", SPEC.get("security"))


def header_parameter(method: str, path: str, name: str) -> dict | None:
    found = [p for p in parameters(method, path) if p["in"] == "header" and p["name"] == name]
    return found[0] if found else None


def examples_in(node, seen: frozenset[str] = frozenset()) -> list:
    """Every `example`/`examples` value under a schema, following references once each."""
    found: list = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            return [] if ref in seen else examples_in(resolve(node), seen | {ref})
        for key, value in node.items():
            if key == "example":
                found.append(value)
            elif key == "examples":
                found.extend(value.values() if isinstance(value, dict) else value)
            else:
                found.extend(examples_in(value, seen))
    elif isinstance(node, list):
        for value in node:
            found.extend(examples_in(value, seen))
    return found


# The snapshot


def test_snapshot_is_what_the_code_generates(runner, tmp_path):
    generated = tmp_path / "openapi.yaml"
    result = runner.invoke(args=["openapi", "write", "--format=yaml", str(generated)])
    assert result.exit_code == 0, result.output
    expected = generated.read_text(encoding="utf-8")
    committed = SNAPSHOT.read_text(encoding="utf-8")
    if committed != expected:
        diff = difflib.unified_diff(
            committed.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            "openapi.yaml (committed)",
            "openapi.yaml (generated from the code)",
        )
        pytest.fail(
            "openapi.yaml is out of date with the code: run `make openapi` and commit it.\n\n"
            + "".join(diff),
            pytrace=False,
        )


def test_served_spec_is_the_snapshot(client):
    assert client.get("/openapi.json").get_json() == SPEC


def test_spec_is_valid_openapi_3_1():
    assert SPEC["openapi"].startswith("3.1.")
    validate(SPEC, cls=OpenAPIV31SpecValidator)


# Completeness, operation by operation


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operation_has_a_summary_and_a_description(method, path):
    doc = operation(method, path)
    assert doc.get("summary", "").strip(), "no summary: the docstring's first line"
    assert doc.get("description", "").strip(), "no description: the docstring's next paragraph"


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operation_documents_each_parameter(method, path):
    params = parameters(method, path)
    documented_path_params = {p["name"] for p in params if p["in"] == "path"}
    assert documented_path_params == set(re.findall(r"{(\w+)}", path))
    for param in params:
        assert param.get("description", "").strip(), f"{param['in']} parameter {param['name']!r}"
        assert param.get("schema", {}).get("type"), f"{param['in']} parameter {param['name']!r}"


# JSON, or a JSON-based media type: JSON Feed (`application/feed+json`), JSON-LD, …
JSON_MEDIA_TYPE = re.compile(r"^application/(?:[\w.-]+\+)?json$")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operation_documents_its_success_schema(method, path):
    """JSON bodies document their properties; other documents (feeds, sitemaps) are text
    with an example."""
    success = {s: r for s, r in responses(method, path).items() if s.startswith("2")}
    assert success, "no 2xx response"
    for status, response in success.items():
        if status == "204":
            assert not response.get("content"), "a 204 has no body, so documents no content"
            continue
        content = response.get("content", {})
        assert content, f"{status} documents no content"
        for media_type, media in content.items():
            schema = media.get("schema")
            assert schema, f"{status} {media_type} has no schema"
            if JSON_MEDIA_TYPE.match(media_type):
                assert resolve(schema).get("properties"), f"{status} {media_type}: no properties"
            else:
                assert resolve(schema).get("type") == "string", f"{status} {media_type}"
                assert media.get("example"), f"{status} {media_type} has no example"


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operation_documents_its_errors_as_problems(method, path):
    documented = responses(method, path)
    required = {"default"}
    if any(p["in"] == "path" for p in parameters(method, path)):
        required.add("404")  # an unknown id or slug
    if any(p["in"] == "query" for p in parameters(method, path)):
        required.add("400")  # a bad or unknown query parameter
    if method in ("post", "put", "patch"):
        required.add("415")  # any body but JSON (`require_json_bodies`), even where none is read
    if "requestBody" in operation(method, path):
        required |= {"400", "413", "415", "422"}  # not JSON, too large, not JSON-typed, invalid
    requirements = security_of(method, path) or []
    if any("bearerAuth" in requirement for requirement in requirements):
        required.add("401")  # an unknown or revoked key
        if {} not in requirements:
            required.add("403")  # a key whose role is too low
    if_match = header_parameter(method, path, "If-Match")
    if if_match:
        required.add("412")  # a stale ETag, or a concurrent write
        if if_match.get("required"):
            required.add("428")  # no If-Match at all
    assert required <= documented.keys(), f"missing {sorted(required - documented.keys())}"
    for status, response in documented.items():
        if status == "default" or status[0] in "45":
            assert list(response.get("content", {})) == [PROBLEM], status
            assert response["content"][PROBLEM]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }, status


def test_the_bearer_scheme_is_declared():
    scheme = SPEC["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "Authorization: Bearer" in scheme["description"]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operation_declares_its_security(method, path):
    """Writes need a key, but for a reader's own newsletter steps (a mailed token is their
    credential); reads under /v1 say whether a key is optional or needed; every requirement
    names a declared scheme."""
    requirements = security_of(method, path)
    schemes = SPEC["components"].get("securitySchemes", {})
    for requirement in requirements or []:
        assert requirement.keys() <= schemes.keys(), requirement
    if (method, path) in READER_WRITES:
        assert requirements == [], "a reader's newsletter step needs no key: `security: []`"
    elif method in WRITE_METHODS:
        assert requirements, "a write needs a key: declare `security`"
        assert {} not in requirements, "a write is never anonymous"
    elif path.startswith("/v1/"):
        assert requirements is not None, "declare `security`: optional (`{}` first) or required"


READER_WRITES = {
    ("post", "/v1/newsletter/subscriptions"),
    ("post", "/v1/newsletter/confirmations"),
    ("post", "/v1/newsletter/unsubscribe"),
}


def test_reader_writes_exist():
    assert READER_WRITES <= {tuple(p.values) for p in OPERATIONS}


def returns_an_article(method: str, path: str) -> bool:
    articles = {
        f"#/components/schemas/{name}"
        for name in ("Article", "ArticleSummary", "ArticleRepresentation")
    }
    return any(
        articles & refs_in(response.get("content", {}))
        for status, response in responses(method, path).items()
        if status.startswith("2")
    )


ARTICLE_OPERATIONS = [p for p in OPERATIONS if returns_an_article(*p.values)]


def test_article_operations_are_found():
    labels = {p.id for p in ARTICLE_OPERATIONS}
    assert {"GET /v1/articles", "POST /v1/articles", "GET /v1/preview/{token}"} <= labels
    assert "DELETE /v1/articles/{article_id}" not in labels  # a 204 returns nothing


@pytest.mark.parametrize(("method", "path"), ARTICLE_OPERATIONS)
def test_article_operation_examples_show_the_seed_article(method, path):
    """Every operation answering an article shows the seed article in its success example."""
    for status, response in responses(method, path).items():
        if status.startswith("2"):
            examples = examples_in(response["content"]["application/json"]["schema"])
            assert SEED_TITLE in examples, status
            assert SEED_KICKER in examples, status


def test_seed_article_is_in_the_spec_examples():
    text = json.dumps(examples_in(SPEC), ensure_ascii=False)
    assert SEED_TITLE in text
    assert SEED_KICKER in text
    assert "seoul-accueille-la-seconde-edition-du-ai-safety-summit" in text
