"""The response cache: finished responses to public reads, replayed while the content version
they were made under is current.

An entry is keyed by the request's full URL (scheme, host, path and query), its `Origin` (the
CORS headers answer it) and its caller: the public, or one partner key (each key its own
entries; reads with an author, editor or admin key are never cached, so nothing unpublished is
ever stored). It holds the response's status, body and headers (`ETag`, `Last-Modified`,
`Cache-Control`, `Vary`, `Surrogate-Key`, `Link`, CORS…), less those made per request
(`X-Request-ID`, `RateLimit-*`), made afresh for each replay. `If-None-Match` and
`If-Modified-Since` are answered from the entry's validators: a `304` loads no content.

Freshness: every write of content bumps the content version in its own transaction
(api/services/content_version.py), and a read first reads it, on a connection of its own in
autocommit (a primary-key lookup: the only statement of a hit). Entries made under another
version are never served, so a write is seen by the very next read, in any worker or server.
A scheduled article becomes public by the clock, with no write: an entry expires at the next
scheduled publication time it was made before. Entries also expire after `RESPONSE_CACHE_TTL`.

Where: replays run in a `before_request` hook, after authentication and rate limiting; when
no rate limit is enabled, anonymous reads this process holds are answered in front of Flask
(`Replayer`), which costs little more than the version read. Each process keeps the entries of
the current version in memory (least recently used out past `RESPONSE_CACHE_MAX_BYTES`); with
`REDIS_URL` they are also shared through Redis, under their version and with the TTL, so one
worker's miss serves the others. A failing Redis is skipped (`REDIS_TIMEOUT`, then for 5 s),
never a reason to fail a read.

`RESPONSE_CACHE` turns it on (`true`) or off (`false`); unset, it is on except in testing.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from http import HTTPStatus

import orjson
import psycopg
from flask import Flask, Response, current_app, g, request
from flask_cors.core import FLASK_CORS_EVALUATED
from psycopg import pq
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from werkzeug.datastructures import Headers
from werkzeug.http import remove_entity_headers
from werkzeug.wrappers import Request as WerkzeugRequest

from api import caching
from api.auth import current_principal
from api.db import build_engine, db
from api.errors import _REQUEST_ID
from api.models import CONTENT_VERSION_ID, Article
from api.services import content_version
from api.services.visibility import article_is_due_later

EXTENSION = "newsdesk.response_cache"
# What may be cached: reads whose body depends only on the content, the URL and the caller
CACHED_BLUEPRINTS = frozenset({"articles", "tags", "authors", "feeds", "site", "structured-data"})
# Headers each response gets afresh: never stored
PER_REQUEST_HEADERS = frozenset(
    {
        "x-request-id",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "retry-after",
        "content-length",
        "set-cookie",
        "date",
    }
)
_VERSION_SQL = f"SELECT value FROM content_version WHERE id = {CONTENT_VERSION_ID}"
log = logging.getLogger(__name__)


def enabled(app: Flask) -> bool:
    setting = app.config.get("RESPONSE_CACHE")
    if setting is None or setting == "":
        return not app.testing
    if isinstance(setting, str):
        return setting.strip().lower() in {"1", "true", "yes", "on"}
    return bool(setting)


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str
    modified: datetime | None
    expires: float  # time.time() past which the entry must not be served

    @cached_property
    def not_modified_headers(self) -> tuple[tuple[str, str], ...]:
        """The headers of a 304 answering it (no entity headers but the validators')."""
        kept = Headers(list(self.headers))
        remove_entity_headers(kept, allowed=("expires", "last-modified"))
        return tuple(kept.items())

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200

    def dumps(self) -> bytes:
        head = {
            "s": self.status,
            "h": self.headers,
            "e": self.etag,
            "m": self.modified.timestamp() if self.modified else None,
            "x": self.expires,
        }
        return orjson.dumps(head) + b"\n" + self.body

    @classmethod
    def loads(cls, raw: bytes) -> Entry:
        head, _, body = raw.partition(b"\n")
        data = orjson.loads(head)
        modified = datetime.fromtimestamp(data["m"], UTC) if data["m"] is not None else None
        headers = tuple((k, v) for k, v in data["h"])
        return cls(data["s"], headers, body, data["e"], modified, data["x"])


class _Memory:
    """The entries of one content version, least recently used first out."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.version: int | None = None
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, version: int, key: tuple) -> Entry | None:
        with self.lock:
            if self.version is None or version > self.version:
                self._reset(version)  # a write came: every entry held is out of date
            if version != self.version:
                return None
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def peek(self, key: tuple) -> tuple[int | None, Entry | None]:
        """The version held, and the entry held for `key` under it (most recently used now)."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return self.version, entry

    def put(self, version: int, key: tuple, entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        with self.lock:
            if version != self.version:
                if self.version is not None and version < self.version:
                    return  # made under a version already replaced
                self._reset(version)
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= old.size
            self.entries[key] = entry
            self.size += entry.size
            while self.size > self.max_bytes:
                _, dropped = self.entries.popitem(last=False)
                self.size -= dropped.size

    def _reset(self, version: int) -> None:
        self.version, self.entries, self.size = version, OrderedDict(), 0


class _Redis:
    """Entries shared by every process, under their version; any failure is a miss."""

    def __init__(self, url: str, prefix: str, ttl: int, timeout: float):
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.prefix, self.ttl = prefix, ttl
        self.retry_at = 0.0

    def _name(self, version: int, key: tuple) -> str:
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:40]
        return f"{self.prefix}:{version}:{digest}"

    def _available(self) -> bool:
        return time.monotonic() >= self.retry_at

    def _failed(self, error: Exception) -> None:
        log.warning("Response cache: Redis failed (%s); skipping it for 5 s.", error)
        self.retry_at = time.monotonic() + 5

    def get(self, version: int, key: tuple) -> Entry | None:
        if not self._available():
            return None
        try:
            raw = self.client.get(self._name(version, key))
        except Exception as error:  # noqa: BLE001 - a cache never fails a read
            self._failed(error)
            return None
        return Entry.loads(raw) if raw else None

    def put(self, version: int, key: tuple, entry: Entry) -> None:
        if not self._available():
            return
        ttl = int(min(self.ttl, entry.expires - time.time()))
        if ttl <= 0:
            return
        try:
            self.client.set(self._name(version, key), entry.dumps(), ex=ttl)
        except Exception as error:  # noqa: BLE001
            self._failed(error)


_PREPARED = b"newsdesk_content_version"


def _checked(result, expected: pq.ExecStatus):
    if result.status != expected:
        raise psycopg.OperationalError(result.get_error_message())
    return result


def _read_prepared(pgconn) -> int | None:
    """The version through the statement `_VersionReader` prepared on the connection, with
    libpq's own call (psycopg's `pq` layer, no cursor): a replayed response's one round
    trip, with a third less work around it than a cursor's."""
    result = _checked(pgconn.exec_prepared(_PREPARED, []), pq.ExecStatus.TUPLES_OK)
    return int(result.get_value(0, 0)) if result.ntuples else None


class _VersionReader:
    """Reads the content version on a connection of its own in autocommit, one per thread
    (outside the app's pool, which it never takes from): it sees every committed write at
    once, and a hit costs that one primary-key lookup."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.local = threading.local()
        self.reads = 0  # how many were made (tests count the statements of a hit)

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.engine.raw_connection()
            driver = connection.driver_connection
            self.local.connection = connection  # closed by `close` if what follows fails
            if self.engine.dialect.name == "postgresql":
                driver.rollback()  # none should be open: autocommit needs none
                driver.autocommit = True
                prepared = driver.pgconn.prepare(_PREPARED, _VERSION_SQL.encode())
                _checked(prepared, pq.ExecStatus.COMMAND_OK)
        return connection

    def read(self) -> int | None:
        self.reads += 1
        try:
            connection = self._connection()
            if self.engine.dialect.name == "postgresql":
                return _read_prepared(connection.driver_connection.pgconn)
            cursor = connection.cursor()
            try:
                cursor.execute(_VERSION_SQL)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except Exception as error:  # noqa: BLE001 - the read goes on uncached, and says so
            log.warning("Response cache: the content version could not be read (%s).", error)
            self.close()
            return None
        return row[0] if row else None

    def close(self) -> None:
        connection = getattr(self.local, "connection", None)
        self.local.connection = None
        if connection is not None:
            try:
                connection.invalidate()
            except Exception:  # noqa: BLE001
                pass


class ResponseCache:
    def __init__(self, app: Flask):
        config = app.config
        self.ttl = int(config["RESPONSE_CACHE_TTL"])
        self.memory = _Memory(int(config["RESPONSE_CACHE_MAX_BYTES"]))
        # Connections of their own, outside the app's pool: each thread keeps one
        self.versions = _VersionReader(build_engine(config["DATABASE_URL"], poolclass=NullPool))
        self.redis = None
        if config["REDIS_URL"]:
            prefix = f"{config['RATELIMIT_KEY_PREFIX']}:responses:{_deployment(app)}"
            self.redis = _Redis(
                config["REDIS_URL"], prefix, self.ttl, float(config["REDIS_TIMEOUT"])
            )
        # The next scheduled publication, as last read under a version: (version, time)
        self._next_publication: tuple[int, float] | None = None

    def close(self) -> None:
        """Close this thread's version connection (tests; a worker keeps it for its life)."""
        self.versions.close()
        self.versions.engine.dispose()

    def version(self) -> int | None:
        """The current content version: on the reader's connection, or in the request's own
        session when the app's sessions are bound to a connection (a test that rolls back
        what it wrote: no other connection sees it)."""
        if _sessions_bound_to_connection(current_app):
            return content_version.read(db.session)
        return self.versions.read()

    def get(self, version: int, key: tuple) -> Entry | None:
        entry = self.memory.get(version, key)
        if entry is None and self.redis is not None:
            entry = self.redis.get(version, key)
            if entry is not None:
                self.memory.put(version, key, entry)
        if entry is not None and entry.expires <= time.time():
            return None
        return entry

    def put(self, version: int, key: tuple, entry: Entry) -> None:
        self.memory.put(version, key, entry)
        if self.redis is not None:
            self.redis.put(version, key, entry)

    def expiry(self, version: int) -> float:
        """When an entry made now under `version` stops being current: the TTL, or the next
        scheduled publication if it comes first (read once per version, and again when it
        has come)."""
        now = time.time()
        known = self._next_publication
        if known is None or known[0] != version or known[1] <= now:
            moment = db.session.scalar(
                select(func.min(Article.published_at)).where(article_is_due_later())
            )
            known = (version, moment.timestamp() if moment else float("inf"))
            self._next_publication = known
        return min(now + self.ttl, known[1])


def _deployment(app: Flask) -> str:
    """What else a cached body depends on, hashed into shared keys: the code's version and
    the configuration (site URL, paths, secret signing cursors…)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        code = version("newsdesk")
    except PackageNotFoundError:
        code = "dev"
    settings = repr(sorted((k, repr(v)) for k, v in app.config.items()))
    return hashlib.sha256(f"{code}\n{settings}".encode()).hexdigest()[:16]


def _cache() -> ResponseCache:
    return current_app.extensions[EXTENSION]


def _sessions_bound_to_connection(app: Flask) -> bool:
    """Whether the app's sessions share one connection (a test rolling back what it wrote,
    which no other connection sees)."""
    bind = app.extensions[db.EXTENSION]["sessionmaker"].kw.get("bind")
    return not isinstance(bind, Engine)


def cache_key(environ: dict, caller: str) -> tuple:
    """The request's full URL (as the WSGI server and any proxy fix-up gave it), its `Origin`
    (CORS headers answer it) and whose view it is: "" for the public, or a partner key id."""
    return (
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_ORIGIN", ""),
        caller,
    )


def _caller() -> str | None:
    """Whose view a read is: "" for the public, a partner key's id; None when not cached."""
    principal = current_principal()
    if principal is None:
        return ""
    if principal.role == "partner":
        return str(principal.key_id)
    return None


def replay() -> Response | None:
    """Before a read (after authentication and rate limiting): its cached response when there
    is one, or a note to store the one the view makes."""
    if request.method not in ("GET", "HEAD") or request.blueprint not in CACHED_BLUEPRINTS:
        return None
    caller = _caller()
    if caller is None:
        return None
    cache = _cache()
    version = cache.version()
    if version is None:
        return None
    key = cache_key(request.environ, caller)
    g.response_cache = (version, key)
    entry = cache.get(version, key)
    if entry is None:
        return None
    g.response_cache_hit = True
    response = current_app.response_class(entry.body, status=entry.status, headers=entry.headers)
    setattr(response, FLASK_CORS_EVALUATED, True)  # its CORS headers are the entry's
    if caching._not_modified(entry.etag, entry.modified):
        response.status_code = 304
        response.set_data(b"")
        remove_entity_headers(response.headers, allowed=("expires", "last-modified"))
    return response


def store(response: Response) -> Response:
    """After a read, and after every other hook: keep what it answered."""
    pending = g.pop("response_cache", None)
    if pending is None or g.get("response_cache_hit"):
        return response
    etag = response.headers.get("ETag")
    if (
        response.status_code != 200
        or etag is None
        or response.direct_passthrough
        or response.is_streamed
        or "Set-Cookie" in response.headers
    ):
        return response
    version, key = pending
    cache = _cache()
    try:
        expires = cache.expiry(version)
    except SQLAlchemyError as error:
        # The database went away after the view answered (an after-request error would be a
        # 500): the read is served, and not kept
        log.warning("Response cache: not stored, the database failed (%s).", type(error).__name__)
        return response
    headers = tuple(
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in PER_REQUEST_HEADERS
    )
    entry = Entry(
        status=response.status_code,
        headers=headers,
        body=response.get_data(),
        etag=etag,
        modified=response.last_modified,
        expires=expires,
    )
    cache.put(version, key, entry)
    return response


class Replayer:
    """In front of the app, for anonymous reads when no rate limit counts them: a response
    this process holds for the current version is answered without entering Flask at all
    (its only cost is the version read). Anything else goes to the app, whose own hooks
    replay, store and count as usual."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.cache: ResponseCache = app.extensions[EXTENSION]

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] in ("GET", "HEAD") and "HTTP_AUTHORIZATION" not in environ:
            entry = self._current(cache_key(environ, ""))
            if entry is not None:
                return self._answer(environ, start_response, entry)
        return self.wsgi_app(environ, start_response)

    def _current(self, key: tuple) -> Entry | None:
        held_version, held = self.cache.memory.peek(key)
        if held is None or _sessions_bound_to_connection(self.app):
            return None
        version = self.cache.versions.read()
        if version != held_version or held.expires <= time.time():
            return None
        return held

    def _answer(self, environ, start_response, entry: Entry):
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        conditional = "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ
        if conditional and caching._not_modified(
            entry.etag, entry.modified, WerkzeugRequest(environ)
        ):
            status, headers, body = "304 Not Modified", list(entry.not_modified_headers), b""
        else:
            status = f"{entry.status} {HTTPStatus(entry.status).phrase}"
            headers = [*entry.headers, ("Content-Length", str(len(entry.body)))]
            body = b"" if environ["REQUEST_METHOD"] == "HEAD" else entry.body
        headers.append(("X-Request-ID", request_id))
        start_response(status, headers)
        return [body]


def init_app(app: Flask) -> None:
    """After auth, limits, caching and CORS are set up: the replay runs after authentication
    and rate limiting, the store after every other hook has finished the response."""
    if not enabled(app):
        return
    app.extensions[EXTENSION] = ResponseCache(app)
    app.before_request(replay)
    app.after_request_funcs.setdefault(None, []).insert(0, store)
    if not app.config["RATELIMIT_ENABLED"]:
        app.wsgi_app = Replayer(app, app.wsgi_app)
