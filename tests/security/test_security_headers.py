"""Security headers on every response: `X-Content-Type-Options: nosniff`, `X-Frame-Options:
DENY`, `Referrer-Policy: no-referrer` and a content security policy, on successes, 304s,
errors (400, 401, 404, 405, 413, 415, 422, 429, 500), HEAD, preflights, feeds, sitemaps, the
spec, the probes and the docs (whose policy runs their local assets and nothing else), made
by Flask or replayed by the response cache in front of it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from api import create_app, response_cache
from api.db import db
from api.security_headers import API_POLICY
from tests.conftest import make_migrated_app

FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def assert_secured(response, docs: bool = False) -> None:
    where = f"{response.request.method} {response.request.url} → {response.status_code}"
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    policy = response.headers.get("Content-Security-Policy", "")
    assert response.headers.getlist("Content-Security-Policy") == [policy], where
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives.get("frame-ancestors") == ["'none'"], where
    if docs:
        assert directives["default-src"] == ["'none'"], where
        assert "'unsafe-inline'" not in directives["script-src"], where
        assert "'unsafe-eval'" not in policy and "*" not in policy.split(), where
    else:
        assert policy == API_POLICY, where


PREFLIGHT = {
    "Origin": "https://www.example.com",
    "Access-Control-Request-Method": "PATCH",
    "Access-Control-Request-Headers": "Authorization, If-Match",
}


JSON = {"content_type": "application/json"}


def requests(room) -> list[tuple[str, str, dict]]:
    """(method, path, options) of every kind of response the API gives."""
    article = f"/v1/articles/{room.visible.id}"
    return [
        ("GET", "/v1/articles", {}),
        ("GET", article, {}),
        ("GET", article, {"headers": room.partner}),
        ("GET", article, {"headers": room.admin}),
        ("HEAD", article, {}),
        ("OPTIONS", article, {}),
        ("OPTIONS", article, {"headers": PREFLIGHT}),
        ("GET", "/v1/feeds/articles.rss", {}),
        ("GET", "/v1/feeds/articles.atom", {}),
        ("GET", "/v1/feeds/articles.json", {}),
        ("GET", "/sitemap.xml", {}),
        ("GET", "/sitemaps/news.xml", {}),
        ("GET", f"{article}/structured-data", {}),
        ("GET", "/v1/changes", {}),
        ("GET", "/openapi.json", {}),
        ("GET", "/health", {}),
        ("GET", "/ready", {}),
        ("GET", "/v1/articles?colour=red", {}),  # 400
        ("GET", "/v1/keys", {}),  # 401
        ("GET", "/v1/articles", {"headers": {"Authorization": "Bearer nd_unknown"}}),  # 401
        ("GET", "/v1/keys", {"headers": room.partner}),  # 403
        ("GET", "/v1/nothing-here", {}),  # 404
        ("GET", f"/v1/articles/{room.hidden['draft'].id}", {}),  # 404
        ("GET", f"/v1/articles/{room.hidden['deleted'].id}", {}),  # 410
        ("PUT", "/v1/articles", {}),  # 405
        ("POST", "/v1/tags", {"headers": room.admin, "data": "x", "content_type": "text/plain"}),
        ("POST", "/v1/tags", {"headers": room.admin, "json": {"name": ""}}),  # 422
        ("POST", "/v1/tags", {"headers": room.admin, "data": "x" * (2**20 + 1), **JSON}),  # 413
        ("PATCH", article, {"headers": room.admin, "json": {}}),  # 428
    ]


def test_every_kind_of_response_is_secured(client, newsroom, hide):
    room = hide(newsroom)
    statuses = set()
    for method, path, options in requests(room):
        response = client.open(path, method=method, **options)
        statuses.add(response.status_code)
        assert_secured(response)
        if response.headers.get("ETag") and method == "GET":
            again = client.get(
                path,
                headers={**options.get("headers", {}), "If-None-Match": response.headers["ETag"]},
            )
            assert again.status_code == 304, path
            assert_secured(again)
    assert {200, 400, 401, 403, 404, 405, 410, 413, 415, 422, 428} <= statuses, statuses


@pytest.mark.parametrize(
    "path",
    [
        "/docs",
        "/redoc",
        "/docs/assets/swagger-ui/swagger-ui.css",
        "/docs/assets/redoc/redoc.standalone.js",
    ],
)
def test_the_docs_are_secured_with_their_own_policy(client, path):
    with client.get(path) as response:
        assert response.status_code == 200
        assert_secured(response, docs=True)


def test_the_docs_inline_script_runs_by_its_nonce_only(client):
    first, second = client.get("/docs"), client.get("/docs")
    nonces = []
    for response in (first, second):
        policy = response.headers["Content-Security-Policy"]
        [nonce] = re.findall(r"'nonce-([^']+)'", policy)
        assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]  # a new one each time


def test_rate_limited_responses_are_secured(app):
    limited = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "TESTING": True,
            "SECRET_KEY": "headers",
            "RATELIMIT_ANONYMOUS": "1 per minute",
            "RATELIMIT_KEY_PREFIX": "security-headers",
        }
    )
    client = limited.test_client()
    responses = [client.get("/v1/site") for _ in range(2)]
    assert responses[-1].status_code == 429
    for response in responses:
        assert_secured(response)
    db.engine(limited).dispose()


def test_a_500_is_secured():
    broken = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "headers"})

    def fail():
        raise RuntimeError("a bug")

    broken.add_url_rule("/v1/broken", "broken", fail)
    response = broken.test_client().get("/v1/broken")
    assert response.status_code == 500
    assert_secured(response)


# --- Responses the response cache replays


@pytest.fixture(scope="module")
def cache_url(fresh_database) -> str:
    app = make_migrated_app(fresh_database.url("security_headers"))
    db.engine(app).dispose()
    return app.config["DATABASE_URL"]


@pytest.fixture
def cached_app(cache_url) -> Iterator:
    apps: list[Flask] = []

    def make(rate_limited: bool) -> Flask:
        app = create_app(
            {
                "DATABASE_URL": cache_url,
                "TESTING": True,
                "SECRET_KEY": "headers",
                "RESPONSE_CACHE": True,
                "RATELIMIT_ENABLED": rate_limited,
                "RATELIMIT_KEY_PREFIX": "security-headers-cache",
            }
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions[response_cache.EXTENSION].close()
        db.engine(app).dispose()


def _replayer(app: Flask) -> response_cache.Replayer | None:
    wsgi = app.wsgi_app
    while wsgi is not None and not isinstance(wsgi, response_cache.Replayer):
        wsgi = getattr(wsgi, "app", None)
    return wsgi


@pytest.mark.no_transaction
@pytest.mark.parametrize("rate_limited", [False, True], ids=["in-front-of-flask", "in-flask"])
def test_replayed_responses_are_secured(cached_app, rate_limited):
    app = cached_app(rate_limited)
    replayer = _replayer(app)
    assert (replayer is None) == rate_limited
    entered = []
    if replayer is not None:
        inner = replayer.wsgi_app
        replayer.wsgi_app = lambda environ, start: entered.append(1) or inner(environ, start)
    client = app.test_client()
    for path in ("/v1/articles", "/v1/tags", "/v1/feeds/articles.rss", "/sitemap.xml", "/v1/site"):
        cold = client.get(path)
        assert cold.status_code == 200, path
        entered.clear()
        warm = client.get(path)
        head = client.head(path)
        not_modified = client.get(path, headers={"If-None-Match": cold.headers["ETag"]})
        if replayer is not None and path != "/sitemap.xml":  # sitemaps are not cached
            assert entered == [], f"{path} was not replayed in front of Flask"
        assert not_modified.status_code == 304
        for response in (cold, warm, head, not_modified):
            assert_secured(response)
