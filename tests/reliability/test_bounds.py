"""Numbers from the client are bounded: a huge page, per_page or path integer is a 400 or a 404
(never a 500 from a database column it overflows), and a huge body is a 413."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from api import create_app
from api.db import db
from tests.conftest import assert_problem
from tests.reliability.conftest import app_config, key_header, new_article

HUGE = "99999999999999999999"
_INT = re.compile(r"<int\((?P<args>[^)]*)\):(?P<name>\w+)>|<int:(?P<bare>\w+)>")


def _app() -> Flask:
    return create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "bounds"})


def _int_rules() -> list[str]:
    return sorted({rule.rule for rule in _app().url_map.iter_rules() if "<int" in rule.rule})


def _integer_query_parameters() -> list[tuple[str, str]]:
    spec = _app().test_client().get("/openapi.json").get_json()
    return sorted(
        (path, parameter["name"])
        for path, item in spec["paths"].items()
        if "get" in item
        for parameter in item["get"].get("parameters", [])
        if parameter.get("in") == "query" and parameter.get("schema", {}).get("type") == "integer"
    )


INT_RULES = _int_rules()
INTEGER_QUERIES = _integer_query_parameters()


@pytest.fixture(scope="module")
def bounds_app(shared_url) -> Iterator[Flask]:
    app = create_app(app_config(shared_url))
    yield app
    db.engine(app).dispose()


@pytest.fixture(scope="module")
def admin(bounds_app) -> dict:
    return key_header(bounds_app, "admin")


def _fill(path: str) -> str:
    """An OpenAPI path with a value in each parameter: a slug, a number, or a fresh UUID."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "slug":
            return "un-slug"
        return "1" if name in {"number", "delivery_id", "page"} else str(uuid.uuid4())

    return re.sub(r"\{(\w+)\}", value, path)


def test_every_path_integer_has_a_maximum():
    assert INT_RULES, "no integer in any path"
    for rule in INT_RULES:
        for match in _INT.finditer(rule):
            assert "max=" in (match.group("args") or ""), f"{rule}: unbounded <int>"


@pytest.mark.parametrize("rule", INT_RULES)
@pytest.mark.parametrize("value", ["maximum + 1", HUGE])
def test_a_path_integer_past_its_maximum_is_a_404(bounds_app, admin, rule, value):
    def past_maximum(match: re.Match) -> str:
        bound = re.search(r"max=(\d+)", match.group("args") or "")
        return str(int(bound.group(1)) + 1) if value == "maximum + 1" else HUGE

    path = re.sub(r"<uuid:\w+>", lambda _m: str(uuid.uuid4()), rule)
    path = _INT.sub(past_maximum, path)
    for method in ("GET", "POST"):
        response = bounds_app.test_client().open(path, method=method, headers=admin)
        assert response.status_code in (404, 405), (method, path, response.status_code)
        if response.status_code == 404:
            assert_problem(response, 404)


def test_the_largest_revision_number_reaches_the_database_and_is_a_404(bounds_app, admin):
    article_id = new_article(bounds_app)
    client = bounds_app.test_client()
    for number in ("2147483647", HUGE):
        response = client.get(f"/v1/articles/{article_id}/revisions/{number}", headers=admin)
        assert_problem(response, 404)


@pytest.mark.parametrize(("path", "name"), INTEGER_QUERIES, ids=lambda v: str(v))
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "1e400"])
def test_an_integer_query_parameter_out_of_range_is_a_400(bounds_app, admin, path, name, value):
    response = bounds_app.test_client().get(_fill(path), query_string={name: value}, headers=admin)
    assert_problem(response, 400, name)


def test_a_body_over_max_content_length_is_a_413(bounds_app, admin):
    limit = bounds_app.config["MAX_CONTENT_LENGTH"]
    assert limit == 1024 * 1024
    body = '{"title": "Trop long", "body": "' + "x" * limit + '"}'
    response = bounds_app.test_client().post(
        "/v1/articles", data=body, content_type="application/json", headers=admin
    )
    assert_problem(response, 413)
