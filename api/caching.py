"""HTTP caching of reads: validators, conditional 304s, Cache-Control, Vary and Surrogate-Key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Flask, g, request
from werkzeug.http import remove_entity_headers

from api.auth import current_principal
from api.extensions import UNCACHED_DOC_BLUEPRINTS, etag_of

PUBLIC = "public, max-age=60, stale-while-revalidate=300"
PRIVATE = "private, no-store"
# An error, a redirect or a 404 may stop being one at the next publish, which purges by
# Surrogate-Key only what a response named: none of them is stored
UNCACHEABLE = "no-store"
# Stable for a response that names no time (an empty list), so revalidation still works
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Probes must never be answered from a cache; the docs blueprints serve no API resources
UNCACHED_BLUEPRINTS = UNCACHED_DOC_BLUEPRINTS | {"docs", "api-docs"}
# The times a listed or read object carries; the newest one that has passed is its change
TIME_FIELDS = (
    "updated_at",
    "created_at",
    "published_at",
    "occurred_at",
    "revoked_at",
    "last_used_at",
)
# Blueprint → the key prefix of the objects it serves; embedded references, by field
RESOURCE_KINDS = {"articles": "article", "tags": "tag", "authors": "author"}
EMBEDDED_KINDS = {"authors": "author", "tags": "tag"}


def _items(body) -> list[dict]:
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list | tuple):
        return [item for item in data if isinstance(item, dict)]
    return []


def last_modified(body) -> datetime:
    """The newest past time among the objects of a response (never `now`, never the future)."""
    now = datetime.now(UTC)
    times = [EPOCH]
    for item in _items(body):
        for name in TIME_FIELDS:
            value = item.get(name)
            if isinstance(value, str):
                try:
                    moment = datetime.fromisoformat(value)
                except ValueError:
                    continue
                if moment.tzinfo is not None and moment <= now:
                    times.append(moment)
    return max(times).replace(microsecond=0)


def surrogate_keys(body) -> list[str]:
    """`article:<id>`, `tag:<id>`, `author:<id>` for every object a response shows, plus the
    collection key (`articles`, `tags`, `authors`) on lists, so that a purge hits exactly them."""
    kind = RESOURCE_KINDS.get(request.blueprint or "")
    if kind is None:
        return []
    keys: list[str] = []
    if isinstance(body, dict) and isinstance(body.get("data"), list | tuple):
        keys.append(request.blueprint)
    source = (request.view_args or {}).get("article_id")
    if source is not None:  # a list derived from one article (its related articles)
        keys.append(f"article:{source}")
    for item in _items(body):
        if "id" in item:
            keys.append(f"{kind}:{item['id']}")
        for field, embedded_kind in EMBEDDED_KINDS.items():
            for ref in item.get(field) or []:
                if kind == "article" and isinstance(ref, dict) and "id" in ref:
                    keys.append(f"{embedded_kind}:{ref['id']}")
    return list(dict.fromkeys(keys))


def describe_representation(*, modified: datetime, keys: Iterable[str]) -> None:
    """Declare the change time and purge keys of a body this hook cannot read from a `data`
    envelope (a feed, a sitemap, JSON-LD): its `ETag` is then the hash of its bytes."""
    g.representation = (modified, list(dict.fromkeys(keys)))


_UNREAD = object()


def _validators(response) -> tuple[str, datetime, list[str]]:
    """The ETag, Last-Modified and Surrogate-Key of a 200: declared by the view, or read from
    the JSON body."""
    declared = g.get("representation")
    if declared is not None:
        modified, keys = declared
        digest = hashlib.sha256(response.get_data()).hexdigest()[:32]
        return f'"{digest}"', min(modified, datetime.now(UTC)).replace(microsecond=0), keys
    # The value the JSON provider wrote the body from (api.serialization) when the body is
    # still that one; a UUID or a time in it hashes and reads as the string it was written as
    body = getattr(response, "json_value", _UNREAD)
    if body is _UNREAD:
        body = response.get_json(silent=True)
    return etag_of(body), last_modified(body), surrogate_keys(body)


def _not_modified(etag: str, modified: datetime, req=None) -> bool:
    """RFC 9110 §13.2.2: `If-None-Match` (weak comparison) decides when sent; otherwise
    `If-Modified-Since`. Of `req`, a werkzeug request, or the current one."""
    req = req or request
    if "If-None-Match" in req.headers:
        matches = req.if_none_match
        return matches.star_tag or matches.contains_weak(etag.strip('"'))
    since = req.if_modified_since
    return since is not None and modified <= since


def cache_read(response):
    """After every API read: validators and caching headers on a 200, a 304 when the client's
    copy is current, `no-store` on anything else."""
    if request.method not in ("GET", "HEAD") or g.get("response_cache_hit"):
        return response  # a response api.response_cache replayed is finished already
    if request.blueprint in UNCACHED_BLUEPRINTS:
        if request.blueprint == "health":  # a probe answered by a cache would lie
            response.headers.setdefault("Cache-Control", UNCACHEABLE)
        return response
    response.vary.add("Authorization")
    readable = response.is_json or "representation" in g
    if response.status_code != 200 or not readable or response.direct_passthrough:
        response.headers.setdefault("Cache-Control", UNCACHEABLE)
        return response
    etag, modified, keys = _validators(response)
    response.headers["ETag"] = etag
    response.last_modified = modified
    if current_principal() is not None:
        response.headers["Cache-Control"] = PRIVATE
    # A view may have decided already (previews are private)
    if response.headers.setdefault("Cache-Control", PUBLIC) == PUBLIC and keys:
        response.headers["Surrogate-Key"] = " ".join(keys)
    if _not_modified(etag, modified):
        response.status_code = 304
        response.set_data(b"")
        remove_entity_headers(response.headers, allowed=("expires", "last-modified"))
    return response


def init_app(app: Flask) -> None:
    app.after_request(cache_read)
