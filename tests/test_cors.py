"""CORS: any origin may read by default, browsers see the headers they need, and a configured
list of origins restricts who may call."""

import uuid

import pytest

from api import create_app
from api.config import load_config
from api.cors import allowed_origins
from tests.conftest import assert_problem

ORIGIN = "https://front.example"
EXPOSED = (
    "ETag",
    "Last-Modified",
    "Link",
    "Location",
    "Retry-After",
    "Idempotent-Replayed",
    "X-Request-ID",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
)


def _listed(response, header: str) -> set[str]:
    return {value.strip().lower() for value in response.headers.get(header, "").split(",") if value}


def _preflight(client, path: str, method: str, headers: str, origin: str = ORIGIN):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


@pytest.fixture
def restricted_client():
    """An app that lets two origins call it, configured as the environment variable would."""
    app = create_app(
        {
            "DATABASE_URL": "sqlite://",
            "TESTING": True,
            "CORS_ORIGINS": "https://a.example, https://b.example",
        }
    )
    return app.test_client()


def test_a_simple_get_answers_any_origin_with_a_wildcard(client):
    response = client.get("/v1/articles", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # not the origin echoed
    assert "origin" not in _listed(response, "Vary")
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_request_without_origin_gets_the_wildcard_too(client):
    """A shared cache may serve what it stored for a plain request to a browser later."""
    assert client.get("/v1/articles").headers["Access-Control-Allow-Origin"] == "*"


def test_browsers_may_read_caching_paging_and_rate_limit_headers(client):
    response = client.get("/v1/articles", headers={"Origin": ORIGIN})
    assert {name.lower() for name in EXPOSED} <= _listed(response, "Access-Control-Expose-Headers")


def test_preflight_allows_a_conditional_authenticated_patch(client):
    response = _preflight(
        client, f"/v1/articles/{uuid.uuid4()}", "PATCH", "If-Match, Authorization, Content-Type"
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    assert {"if-match", "authorization", "content-type"} <= _listed(
        response, "Access-Control-Allow-Headers"
    )
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", "If-None-Match, Authorization"),
        ("POST", "Authorization, Content-Type, Idempotency-Key"),
        ("DELETE", "Authorization, If-Match"),
    ],
)
def test_preflight_allows_each_header_the_api_reads(client, method, headers):
    response = _preflight(client, "/v1/articles", method, headers)
    assert method in response.headers["Access-Control-Allow-Methods"]
    assert _listed(response, "Access-Control-Allow-Headers") == {
        h.strip().lower() for h in headers.split(",")
    }


def test_preflight_needs_no_key(client):
    response = _preflight(client, "/v1/keys", "POST", "Authorization, Content-Type")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("request_args", "status"),
    [
        ({"path": f"/v1/articles/{uuid.uuid4()}"}, 404),
        ({"path": "/v1/articles?per_page=0"}, 400),
        ({"path": "/v1/articles", "method": "POST", "json": {}}, 401),
        ({"path": "/v1/nothing-here"}, 404),
    ],
    ids=["unknown-article", "bad-query", "no-key", "unknown-route"],
)
def test_error_responses_carry_cors_headers(client, request_args, status):
    response = client.open(**request_args, headers={"Origin": ORIGIN})
    assert_problem(response, status)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "x-request-id" in _listed(response, "Access-Control-Expose-Headers")


@pytest.mark.parametrize("path", ["/openapi.json", "/health", "/ready"])
def test_the_spec_and_the_probes_are_shared(client, path):
    response = client.get(path, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_are_not_shared(client, path):
    response = client.get(path, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("origin", ["https://a.example", "https://b.example"])
def test_configured_origins_are_answered_by_name(restricted_client, origin):
    response = restricted_client.get("/health", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "origin" in _listed(response, "Vary")  # caches keep one copy per origin


@pytest.mark.parametrize("origin", ["https://front.example", "https://a.example.evil", "null"])
def test_other_origins_are_not_allowed(restricted_client, origin):
    response = restricted_client.get("/health", headers={"Origin": origin})
    assert response.status_code == 200  # CORS is enforced by the browser, not the server
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = _preflight(restricted_client, "/v1/articles", "PATCH", "If-Match", origin=origin)
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Methods" not in preflight.headers


def test_a_configured_origin_passes_preflight(restricted_client):
    response = _preflight(
        restricted_client, "/v1/articles", "PATCH", "If-Match, Authorization", "https://b.example"
    )
    assert response.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert {"if-match", "authorization"} <= _listed(response, "Access-Control-Allow-Headers")


@pytest.mark.parametrize(
    ("setting", "origins"),
    [
        ("*", "*"),
        ("", []),
        ("https://a.example", ["https://a.example"]),
        (" https://a.example ,https://b.example,", ["https://a.example", "https://b.example"]),
        (["https://a.example"], ["https://a.example"]),
        (["https://a.example", "*"], "*"),
    ],
)
def test_origins_setting_is_a_list_or_a_comma_separated_string(setting, origins):
    assert allowed_origins(setting) == origins


def test_no_origin_configured_turns_cors_off():
    client = create_app({"DATABASE_URL": "sqlite://", "CORS_ORIGINS": ""}).test_client()
    response = client.get("/health", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Origin" not in client.get("/health").headers


def test_origins_and_max_age_come_from_the_environment():
    config = load_config(
        environ={"NEWSDESK_CORS_ORIGINS": "https://a.example", "NEWSDESK_CORS_MAX_AGE": "600"}
    )
    assert (config["CORS_ORIGINS"], config["CORS_MAX_AGE"]) == ("https://a.example", 600)
