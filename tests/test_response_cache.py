"""The response cache: a write is seen by the very next read of any worker, drafts and keyed
views never reach the public, a 304 and a warm hit load no content, and a scheduled article
appears on time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from api import create_app, response_cache
from api.db import db
from api.models import Article
from api.services.content import publish_article, save_article
from api.services.keys import create_key
from tests.conftest import StatementCounter, make_migrated_app

REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.no_transaction  # every app commits, as separate workers would


@pytest.fixture(scope="module")
def database_url(fresh_database) -> str:
    """One migrated database for the module; each test writes its own articles."""
    app = make_migrated_app(fresh_database.url("response_cache"))
    db.engine(app).dispose()
    return app.config["DATABASE_URL"]


@pytest.fixture
def make_app(database_url):
    """Apps on that database with the cache on, as separate workers (or servers) would be."""
    made: list[Flask] = []
    prefix = f"test-{uuid.uuid4().hex[:8]}"  # Redis keys of this test only

    def make(**overrides) -> Flask:
        app = create_app(
            {
                "DATABASE_URL": database_url,
                "TESTING": True,
                "SECRET_KEY": "response-cache-tests",
                "RESPONSE_CACHE": True,
                "RATELIMIT_ENABLED": False,
                "RATELIMIT_KEY_PREFIX": prefix,
                **overrides,
            }
        )
        made.append(app)
        return app

    yield make
    for app in made:
        cache = app.extensions.get(response_cache.EXTENSION)
        if cache is not None:
            cache.close()
        db.engine(app).dispose()


def _write_article(app: Flask, *, status: str = "published", at: datetime | None = None, **data):
    """An article written by `app` (as a write through one worker), committed."""
    with app.app_context():
        session = db.session
        slug = f"cache-{uuid.uuid4().hex[:10]}"
        article = save_article(
            session, Article(), {"title": slug, "body": "Un paragraphe.", "slug": slug, **data}
        )
        if status == "draft":
            article.status = "draft"
        else:
            publish_article(article, at or datetime.now(UTC))
        session.commit()
        return slug, article.id


def _key(app: Flask, role: str) -> dict:
    with app.app_context():
        _key, secret = create_key(db.session, name=f"{role} key", role=role)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _slugs(response) -> list[str]:
    return [item["slug"] for item in response.get_json()["data"]]


def _counting(app: Flask) -> StatementCounter:
    counter = StatementCounter()
    event.listen(db.engine(app), "before_cursor_execute", counter)
    return counter


def _version_reads(app: Flask) -> int:
    return app.extensions[response_cache.EXTENSION].versions.reads


@pytest.mark.parametrize("rate_limited", [False, True], ids=["in-front", "in-flask"])
def test_a_write_through_one_worker_is_seen_by_the_next_read_of_another(make_app, rate_limited):
    reader, writer = make_app(RATELIMIT_ENABLED=rate_limited), make_app()
    client = reader.test_client()
    first = client.get("/v1/articles")
    assert client.get("/v1/articles").get_data() == first.get_data()  # served from the cache
    slug, _ = _write_article(writer)
    assert _slugs(client.get("/v1/articles"))[0] == slug


def test_a_changed_article_is_seen_by_the_next_read(make_app):
    reader, writer = make_app(), make_app()
    slug, article_id = _write_article(writer)
    client = reader.test_client()
    assert client.get(f"/v1/articles/slug/{slug}").get_json()["data"]["subtitle"] is None
    with writer.app_context():
        db.session.get(Article, article_id).subtitle = "Mis à jour"
        db.session.commit()
    assert client.get(f"/v1/articles/slug/{slug}").get_json()["data"]["subtitle"] == "Mis à jour"


def test_a_missing_article_is_not_remembered(make_app):
    reader, writer = make_app(), make_app()
    slug = f"cache-later-{uuid.uuid4().hex[:8]}"
    client = reader.test_client()
    assert client.get(f"/v1/articles/slug/{slug}").status_code == 404
    _write_article(writer, slug=slug)
    assert client.get(f"/v1/articles/slug/{slug}").status_code == 200


def test_drafts_are_never_served_to_the_public(make_app):
    app = make_app()
    client, editor = app.test_client(), _key(app, "editor")
    slug, article_id = _write_article(app, status="draft")
    assert client.get(f"/v1/articles/{article_id}", headers=editor).status_code == 200
    assert client.get(f"/v1/articles/{article_id}").status_code == 404
    listed = client.get("/v1/articles?status=draft&per_page=100", headers=editor)
    assert slug in _slugs(listed)
    assert slug not in _slugs(client.get("/v1/articles?per_page=100"))
    assert client.get(f"/v1/articles/{article_id}").status_code == 404  # still


def test_a_keyed_view_is_never_served_to_the_public_nor_to_another_key(make_app):
    app = make_app()
    client = app.test_client()
    _write_article(app, body="Premier paragraphe.\n\nUn second paragraphe, réservé aux clés.")
    partner, other = _key(app, "partner"), _key(app, "partner")
    keyed = client.get("/v1/feeds/articles.rss", headers=partner)
    assert "réservé aux clés" in keyed.get_data(as_text=True)  # full text for keys
    assert client.get("/v1/feeds/articles.rss", headers=partner).data == keyed.data  # cached
    public = client.get("/v1/feeds/articles.rss")
    assert "réservé aux clés" not in public.get_data(as_text=True)
    assert public.headers["Cache-Control"].startswith("public")
    again = client.get("/v1/feeds/articles.rss", headers=partner)
    assert again.headers["Cache-Control"] == "private, no-store"
    assert "réservé aux clés" in again.get_data(as_text=True)
    assert client.get("/v1/feeds/articles.rss", headers=other).status_code == 200
    callers = {key[-1] for key in app.extensions[response_cache.EXTENSION].memory.entries}
    assert len(callers) == 3  # the public, and each partner key apart


def test_editorial_reads_are_never_cached(make_app):
    app = make_app()
    client, editor = app.test_client(), _key(app, "editor")
    client.get("/v1/articles", headers=editor)
    client.get("/v1/articles", headers=editor)
    callers = {key[-1] for key in app.extensions[response_cache.EXTENSION].memory.entries}
    assert callers <= {""}


@pytest.mark.parametrize("rate_limited", [False, True], ids=["in-front", "in-flask"])
def test_a_warm_hit_and_a_304_read_the_version_and_nothing_else(make_app, rate_limited):
    app = make_app(RATELIMIT_ENABLED=rate_limited)
    client = app.test_client()
    _write_article(app)
    first = client.get("/v1/articles")
    counter, reads = _counting(app), _version_reads(app)
    hit = client.get("/v1/articles")
    not_modified = client.get("/v1/articles", headers={"If-None-Match": first.headers["ETag"]})
    assert counter.count == 0, counter.statements
    assert _version_reads(app) - reads == 2  # one statement each
    assert hit.status_code == 200 and hit.get_data() == first.get_data()
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == first.headers["ETag"]
    assert "Cache-Control" in not_modified.headers and "Content-Type" not in not_modified.headers


@pytest.mark.parametrize("rate_limited", [False, True], ids=["in-front", "in-flask"])
def test_a_replayed_response_is_the_response_made(make_app, rate_limited):
    app = make_app(RATELIMIT_ENABLED=rate_limited)
    client = app.test_client()
    slug, _ = _write_article(app)
    for path in ("/v1/articles", f"/v1/articles/slug/{slug}", "/v1/feeds/articles.rss"):
        made, replayed = client.get(path), client.get(path)
        assert replayed.get_data() == made.get_data()

        def headers(response) -> dict:
            return {k: v for k, v in response.headers if k not in ("X-Request-ID",)} | {
                "RateLimit-Remaining": None,
                "RateLimit-Reset": None,
            }

        assert headers(replayed) == headers(made), path
        assert replayed.headers["X-Request-ID"] != made.headers["X-Request-ID"]
    detail = client.get(f"/v1/articles/slug/{slug}")
    head = client.head(f"/v1/articles/slug/{slug}")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == detail.headers["ETag"]
    since = client.get(
        f"/v1/articles/slug/{slug}",
        headers={"If-Modified-Since": detail.headers["Last-Modified"], "X-Request-ID": "abcdefgh1"},
    )
    assert since.status_code == 304
    assert since.headers["X-Request-ID"] == "abcdefgh1"


def test_an_origin_gets_its_own_cors_headers(make_app):
    app = make_app(CORS_ORIGINS="https://a.example,https://b.example")
    client = app.test_client()
    for _ in range(2):
        for origin in ("https://a.example", "https://b.example"):
            response = client.get("/v1/articles", headers={"Origin": origin})
            assert response.headers["Access-Control-Allow-Origin"] == origin
            assert response.headers.getlist("Access-Control-Allow-Origin") == [origin]


@pytest.fixture
def clock(monkeypatch):
    """Moves the time the cache and the visibility rule read forward by `advance(seconds)`."""
    import time as real_time

    from api.services import visibility

    shift = {"seconds": 0.0}

    def now() -> datetime:
        return datetime.now(UTC) + timedelta(seconds=shift["seconds"])

    class Time:
        @staticmethod
        def time() -> float:
            return real_time.time() + shift["seconds"]

        monotonic = staticmethod(real_time.monotonic)

    monkeypatch.setattr(visibility, "utcnow", now)  # every "now" a statement reads
    monkeypatch.setattr(response_cache, "time", Time)
    return lambda seconds: shift.update(seconds=shift["seconds"] + seconds)


@pytest.mark.parametrize("rate_limited", [False, True], ids=["in-front", "in-flask"])
def test_a_scheduled_article_appears_on_time(make_app, clock, rate_limited):
    app = make_app(RATELIMIT_ENABLED=rate_limited)
    client = app.test_client()
    slug, _ = _write_article(app, at=datetime.now(UTC) + timedelta(minutes=10))
    assert slug not in _slugs(client.get("/v1/articles"))
    assert slug not in _slugs(client.get("/v1/articles"))
    clock(9 * 60)
    assert slug not in _slugs(client.get("/v1/articles"))
    clock(61)
    assert _slugs(client.get("/v1/articles"))[0] == slug
    assert client.get(f"/v1/articles/slug/{slug}").status_code == 200


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is unreachable at {REDIS_URL}: {error}")


def test_workers_share_entries_through_redis(make_app):
    _redis_or_skip()
    one, two, writer = (make_app(REDIS_URL=REDIS_URL) for _ in range(3))
    _write_article(writer)
    made = one.test_client().get("/v1/articles")
    counter = _counting(two)
    shared = two.test_client().get("/v1/articles")  # its memory is empty: from Redis
    assert counter.count == 0, counter.statements
    assert shared.get_data() == made.get_data()
    slug, _ = _write_article(writer)
    assert _slugs(two.test_client().get("/v1/articles"))[0] == slug
    assert _slugs(one.test_client().get("/v1/articles"))[0] == slug


def test_a_failing_redis_costs_nothing_but_sharing(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    client = app.test_client()
    slug, _ = _write_article(app)
    assert _slugs(client.get("/v1/articles"))[0] == slug
    assert _slugs(client.get("/v1/articles"))[0] == slug


def test_a_database_failing_after_the_view_leaves_the_read_served_and_not_kept(
    make_app, monkeypatch
):
    """The store runs after the view, where an error would be a 500 (the fault suite caught
    it during a PostgreSQL restart): it keeps nothing instead."""
    app = make_app()
    client = app.test_client()
    cache = app.extensions[response_cache.EXTENSION]

    def database_gone(_version):
        raise OperationalError("SELECT min(published_at)", {}, ConnectionError("gone"))

    monkeypatch.setattr(cache, "expiry", database_gone)
    assert client.get("/v1/articles").status_code == 200
    assert cache.memory.entries == {}
    monkeypatch.undo()
    assert client.get("/v1/articles").status_code == 200
    assert len(cache.memory.entries) == 1


@pytest.mark.parametrize(
    ("settings", "on"),
    [
        ({"TESTING": True}, False),
        ({"TESTING": False}, True),
        ({"TESTING": True, "RESPONSE_CACHE": True}, True),
        ({"TESTING": False, "RESPONSE_CACHE": "false"}, False),
    ],
)
def test_the_cache_is_on_except_in_testing_unless_asked(settings, on):
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", **settings})
    assert response_cache.enabled(app) is on
    assert (response_cache.EXTENSION in app.extensions) is on


@pytest.mark.postgresql
def test_a_version_connection_the_server_dropped_is_replaced(make_app):
    """The version is read with a statement prepared on the reader's own connection: when
    the server drops that connection, the read goes on uncached, and the next one connects
    and prepares again."""
    app = make_app()
    client = app.test_client()
    slug, _ = _write_article(app)
    assert client.get("/v1/articles").status_code == 200
    reader = app.extensions[response_cache.EXTENSION].versions
    first = reader.read()
    pid = reader.local.connection.driver_connection.info.backend_pid
    with db.engine(app).connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert reader.read() is None  # the dropped connection: no version, so no replay
    response = client.get("/v1/articles")
    assert response.status_code == 200 and slug in _slugs(response)
    assert reader.read() == first  # a new connection, its statement prepared again
    assert reader.local.connection.driver_connection.info.backend_pid != pid
