"""Rate limits: a bucket per client address or per API key, a quota by role, 429 problems with
`Retry-After` and `RateLimit-*` headers, exemptions, and counters in Redis that survive Redis
failing."""

from __future__ import annotations

import contextlib
import socket
import time
import uuid

import pytest
import redis
from flask import Flask

from api import create_app, limits
from api.db import db
from api.limits import client_address, limiter
from tests.conftest import assert_problem

REDIS_URL = "redis://127.0.0.1:6379/0"
# Small quotas, so that a test reaches them in a few requests
QUOTAS = {
    "RATELIMIT_ANONYMOUS": "3 per minute",
    "RATELIMIT_PARTNER": "5 per minute",
    "RATELIMIT_STAFF": "8 per minute",
}
ADDRESS = {"REMOTE_ADDR": "192.0.2.1"}
PREFLIGHT = {
    "Origin": "https://front.example",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "Authorization",
}
EXEMPT_PATHS = [
    "/health",
    "/ready",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/docs/assets/swagger-ui/swagger-ui.css",
    "/docs/assets/redoc/redoc.standalone.js",
]


@pytest.fixture
def make_limited_app(app):
    """Apps with small quotas (and any other setting), on the suite's database and inside the
    test's transaction, so that they see the keys it creates."""
    made: list[Flask] = []

    def make(**overrides) -> Flask:
        limited = create_app(
            {
                "DATABASE_URL": app.config["DATABASE_URL"],
                "TESTING": True,
                "SECRET_KEY": "rate-limit-tests",
                **QUOTAS,
                **overrides,
            }
        )
        db.bind(limited, db.session.connection(), join_transaction_mode="create_savepoint")
        made.append(limited)
        return limited

    yield make
    for limited in made:
        with contextlib.suppress(redis.RedisError):
            limits.reset_counters(limited)
        db.engine(limited).dispose()


def _get(client, path: str = "/v1/tags", address: str = "192.0.2.1", **headers):
    return client.get(path, headers=headers, environ_base={"REMOTE_ADDR": address})


def _statuses(client, count: int, path: str = "/v1/tags", **kwargs) -> list[int]:
    return [_get(client, path, **kwargs).status_code for _ in range(count)]


# Buckets and quotas


def test_anonymous_callers_each_have_the_bucket_of_their_address(make_limited_app):
    client = make_limited_app().test_client()
    assert _statuses(client, 4, address="192.0.2.1") == [200, 200, 200, 429]
    assert _statuses(client, 3, address="192.0.2.2") == [200, 200, 200]


def test_one_bucket_counts_every_operation_of_the_api(make_limited_app):
    client = make_limited_app().test_client()
    assert [_get(client, path).status_code for path in ("/v1/tags", "/v1/authors")] == [200, 200]
    assert _get(client, "/v1/articles").status_code == 200
    assert _get(client, "/v1/tags/slug/nothing").status_code == 429


def test_each_api_key_has_its_own_bucket(make_limited_app, make_key):
    client = make_limited_app().test_client()
    first, second = make_key("partner"), make_key("partner")
    assert _statuses(client, 6, **first) == [200] * 5 + [429]
    assert _get(client, **second).status_code == 200
    # nor does a key's traffic use up its address's anonymous quota
    assert _get(client).status_code == 200


@pytest.mark.parametrize(
    ("role", "quota"),
    [(None, "300"), ("partner", "1200"), ("author", "3000"), ("editor", "3000"), ("admin", "3000")],
)
def test_the_quota_depends_on_the_role_of_the_key(client, make_key, role, quota):
    headers = make_key(role) if role else {}
    response = client.get("/v1/articles", headers=headers)
    assert response.status_code == 200
    assert response.headers["RateLimit-Limit"] == quota


def test_a_partner_key_goes_beyond_the_anonymous_quota(make_limited_app, make_key):
    client = make_limited_app().test_client()
    partner = make_key("partner")
    assert _statuses(client, 4)[-1] == 429
    assert _statuses(client, 5, **partner) == [200] * 5


def test_an_invalid_key_is_refused_before_it_is_counted(make_limited_app):
    client = make_limited_app().test_client()
    for _ in range(5):
        assert_problem(_get(client, Authorization="Bearer nd_unknown"), 401)
    assert _statuses(client, 3) == [200, 200, 200]


# Responses


def test_every_counted_response_says_where_the_caller_stands(client):
    first = client.get("/v1/articles")
    second = client.get("/v1/tags/slug/unknown")  # an error is counted too
    assert first.headers["RateLimit-Limit"] == second.headers["RateLimit-Limit"] == "300"
    assert (first.headers["RateLimit-Remaining"], second.headers["RateLimit-Remaining"]) == (
        "299",
        "298",
    )
    assert 0 < int(first.headers["RateLimit-Reset"]) <= 60


def test_over_the_limit_is_a_429_problem_saying_when_to_retry(make_limited_app):
    client = make_limited_app().test_client()
    _statuses(client, 3)
    response = _get(client)
    body = assert_problem(response, 429)
    assert body["title"] == "Too Many Requests"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert f"retry in {retry_after} second" in body["detail"]
    assert "3 per 1 minute" in body["detail"]
    assert response.headers["RateLimit-Limit"] == "3"
    assert response.headers["RateLimit-Remaining"] == "0"
    assert abs(int(response.headers["RateLimit-Reset"]) - retry_after) <= 1
    assert response.headers["Cache-Control"] == "no-store"


def test_a_browser_can_read_the_rate_limit_headers(make_limited_app):
    client = make_limited_app().test_client()
    _statuses(client, 3)
    response = _get(client, Origin="https://front.example")
    assert response.status_code == 429
    exposed = response.headers["Access-Control-Expose-Headers"].lower().replace(" ", "")
    assert {"retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= set(
        exposed.split(",")
    )


# What is never limited


def test_preflights_are_never_limited_nor_counted(make_limited_app):
    client = make_limited_app().test_client()
    for _ in range(20):
        response = client.options("/v1/articles", headers=PREFLIGHT, environ_base=ADDRESS)
        assert response.status_code == 200
        assert "RateLimit-Remaining" not in response.headers
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert _get(client).headers["RateLimit-Remaining"] == "2"


@pytest.mark.parametrize("path", EXEMPT_PATHS)
def test_probes_and_docs_are_never_limited_nor_counted(make_limited_app, path):
    client = make_limited_app().test_client()
    for _ in range(10):
        response = _get(client, path)
        response.close()  # static assets are streamed from their files
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response.headers
    assert _get(client).headers["RateLimit-Remaining"] == "2"


def test_limits_can_be_switched_off(make_limited_app):
    client = make_limited_app(RATELIMIT_ENABLED=False).test_client()
    assert _statuses(client, 10) == [200] * 10
    assert "RateLimit-Limit" not in _get(client).headers


def test_a_malformed_quota_fails_at_start(app):
    with pytest.raises(ValueError, match="RATELIMIT_PARTNER"):
        create_app({"DATABASE_URL": app.config["DATABASE_URL"], "RATELIMIT_PARTNER": "lots"})


# A tighter limit on one operation (the `api.limits` recipe)


@limiter.limit("2 per minute", key_func=client_address)
def _sign_up():
    return {"data": {"status": "subscribed"}}


def test_an_operation_can_have_a_tighter_limit_per_address(make_limited_app, make_key):
    limited = make_limited_app(RATELIMIT_ANONYMOUS="10 per minute")
    limited.add_url_rule("/v1/sign-up", view_func=_sign_up, methods=["POST"])
    client = limited.test_client()

    def sign_up(**headers):
        return client.post("/v1/sign-up", headers=headers, environ_base=ADDRESS)

    first = sign_up()
    assert (first.status_code, first.headers["RateLimit-Limit"]) == (200, "2")
    assert sign_up().status_code == 200
    assert_problem(sign_up(), 429)
    # per address, whoever calls: a key does not get another go
    assert sign_up(**make_key("editor")).status_code == 429
    # every other operation still counts against the caller's own quota
    response = _get(client)
    assert (response.status_code, response.headers["RateLimit-Limit"]) == (200, "10")
    assert response.headers["RateLimit-Remaining"] == str(10 - 4)


# Redis


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(
    not _redis_reachable(), reason=f"no Redis at {REDIS_URL} (CI starts one)"
)


@needs_redis
def test_apps_on_one_redis_share_the_counters(make_limited_app):
    prefix = f"test-{uuid.uuid4().hex}"
    one, other = (
        make_limited_app(REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix).test_client()
        for _ in range(2)
    )
    assert _statuses(one, 2) == [200, 200]
    third = _get(other)
    assert (third.status_code, third.headers["RateLimit-Remaining"]) == (200, "0")
    assert _get(one).status_code == 429
    assert _get(other, address="192.0.2.2").status_code == 200
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{prefix}*")
    assert keys and all(b"192.0.2." in key for key in keys)


@needs_redis
def test_resetting_the_counters_removes_only_the_apps_keys(make_limited_app):
    connection = redis.Redis.from_url(REDIS_URL)
    mine, theirs = f"test-{uuid.uuid4().hex}", f"test-{uuid.uuid4().hex}"
    apps = [make_limited_app(REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=p) for p in (mine, theirs)]
    for each in apps:
        _get(each.test_client())
    limits.reset_counters(apps[0])
    assert not connection.keys(f"*{mine}*")
    assert connection.keys(f"*{theirs}*")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_redis_leaves_the_api_serving_and_limits_in_memory(make_limited_app, caplog):
    client = make_limited_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0").test_client()
    started = time.monotonic()
    assert _statuses(client, 4) == [200, 200, 200, 429]
    assert time.monotonic() - started < 2
    assert "falling back to in-memory storage" in caplog.text


def test_a_redis_that_never_answers_holds_no_request(make_limited_app, silent_redis):
    client = make_limited_app(REDIS_URL=silent_redis).test_client()
    statuses, durations = [], []
    for _ in range(4):
        started = time.monotonic()
        statuses.append(_get(client).status_code)
        durations.append(time.monotonic() - started)
    assert statuses == [200, 200, 200, 429]
    assert max(durations) < 1, durations
