"""Rate limits: one quota per API key (by its role) or per client address, counted in Redis.

Every request to the API counts against one bucket per caller: an API key's own (its quota
depends on its role: `RATELIMIT_PARTNER`, or `RATELIMIT_STAFF` for author, editor and admin
keys), or, without a key, its client address's (`RATELIMIT_ANONYMOUS`). Probes, the docs, the
spec and CORS preflights are never counted. Each limited response carries `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window resets); over the quota
the API answers a `429` problem with `Retry-After`.

Counters live in Redis when `REDIS_URL` is set, shared by every process, else in memory. A
Redis that refuses connections or stops answering costs the requests in flight a few
`REDIS_TIMEOUT`s (0.2 s each) at most: the API keeps serving, each process counts in its own
memory from then on (a warning is logged) and tries Redis again after 1, 2, 4… up to 32 s,
switching back once it answers.

A tighter limit on one operation (say a newsletter sign-up, per address) is a decorator::

    from flask import current_app
    from api.limits import client_address, limiter

    @blp.route("/newsletter/subscriptions")
    class Subscriptions(MethodView):
        @blp.no_auth
        @blp.arguments(SubscriptionSchema)
        @blp.response(202, SubscriptionSchema)
        @limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"], key_func=client_address)
        def post(self, data): ...

with `"RATELIMIT_SIGNUP": "5 per hour"` added to `api/config.py`. That operation then has its
own bucket per address, on top of the caller's quota (which every operation counts), and its
`RateLimit-*` headers describe the tighter limit. `limiter.limit` takes Flask-Limiter's
`Limiter.limit` arguments (`methods=`, `per_method=`, `cost=`, `deduct_when=`…).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from flask_limiter.util import get_qualified_name
from limits import parse_many
from limits.storage import MemoryStorage
from redis.backoff import NoBackoff
from redis.retry import Retry

from api.auth import current_principal
from api.errors import problem

EXTENSION = "newsdesk_limits"
# Probes must answer an orchestrator, and the docs (the `docs` pages and their assets, the
# `api-docs` spec) a reader, however busy the caller is
UNLIMITED_BLUEPRINTS = frozenset({"health", "docs", "api-docs"})
ROLE_LIMITS = {
    "partner": "RATELIMIT_PARTNER",
    "author": "RATELIMIT_STAFF",
    "editor": "RATELIMIT_STAFF",
    "admin": "RATELIMIT_STAFF",
}
LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def client_address() -> str:
    """The bucket of the client's network address (anonymous callers, per-address limits)."""
    return f"address:{request.remote_addr or 'unknown'}"


def caller() -> str:
    """The bucket of the caller: its API key when it sent a valid one, else its address."""
    principal = current_principal()
    return f"key:{principal.key_id}" if principal is not None else client_address()


def caller_limit() -> str:
    """The caller's quota: by the role of its key, or the anonymous one."""
    principal = current_principal()
    name = ROLE_LIMITS[principal.role] if principal is not None else "RATELIMIT_ANONYMOUS"
    return current_app.config[name]


def is_unlimited() -> bool:
    """Preflights (a browser's, before nearly every cross-origin call), probes and docs."""
    return request.method == "OPTIONS" or request.blueprint in UNLIMITED_BLUEPRINTS


@dataclass
class AppLimits:
    """One app's limiter, and the views wrapped by its limits."""

    limiter: Limiter | None
    views: dict[str, Callable] = field(default_factory=dict)

    def limited_view(self, view: Callable, limit_value, options: dict) -> Callable:
        if self.limiter is None:
            return view
        name = get_qualified_name(view)
        if name not in self.views:
            self.views[name] = self.limiter.limit(limit_value, **options)(view)
        return self.views[name]


class RouteLimits:
    """Per-operation limits, declared once at import and enforced by each app's own Limiter.

    Each app gets its own Flask-Limiter `Limiter` (storage and quotas come from its config),
    so that apps built side by side, as the tests build them, never share counters.
    """

    def limit(self, limit_value: str | Callable[[], str], **options) -> Callable:
        """A decorator: Flask-Limiter's `Limiter.limit(limit_value, **options)` on this view."""

        def decorator(view: Callable) -> Callable:
            @wraps(view)
            def limited(*args, **kwargs):
                state: AppLimits = current_app.extensions[EXTENSION]
                return state.limited_view(view, limit_value, options)(*args, **kwargs)

            return limited

        return decorator


limiter = RouteLimits()


def current_limit() -> RequestLimit | None:
    """The limit this request was counted against (the tightest one), if any."""
    state: AppLimits | None = current_app.extensions.get(EXTENSION)
    if state is None or state.limiter is None:
        return None
    return state.limiter.current_limit


def seconds_until_reset(limit: RequestLimit) -> int:
    return max(0, math.ceil(limit.window.reset_time - time.time()))


def too_many_requests(error: RateLimitExceeded) -> Response:
    limit = current_limit()
    retry_after = max(1, seconds_until_reset(limit)) if limit is not None else 60
    return problem(
        429,
        f"This caller's rate limit ({error.limit.limit}) is used up: retry in "
        f"{retry_after} second{'s' if retry_after > 1 else ''}.",
        headers={"Retry-After": str(retry_after)},
    )


def add_limit_headers(response: Response) -> Response:
    """`RateLimit-*` on every counted response, 429s included (IETF draft names; the reset
    is in seconds, as `Retry-After`)."""
    limit = current_limit()
    if limit is None:
        return response
    try:
        remaining, reset = limit.remaining, seconds_until_reset(limit)
    except Exception:  # the storage failed after counting: the response matters more
        current_app.logger.warning("Rate limit headers skipped: the counters cannot be read.")
        return response
    response.headers["RateLimit-Limit"] = str(limit.limit.amount)
    response.headers["RateLimit-Remaining"] = str(remaining)
    response.headers["RateLimit-Reset"] = str(reset)
    return response


def _storage(app: Flask) -> tuple[str, dict]:
    url = app.config["REDIS_URL"]
    if not url:
        return "memory://", {}
    # A Redis that accepts connections but never replies must not hold requests: past the
    # timeout the in-memory fallback answers
    timeout = float(app.config["REDIS_TIMEOUT"])
    options = {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        # One try: the in-memory fallback, not a retry, answers a failing Redis
        "retry": Retry(NoBackoff(), 0),
    }
    return url, options


def _check_quotas(app: Flask) -> None:
    """A malformed quota fails at start, not as a limit silently skipped at each request."""
    for name in ("RATELIMIT_ANONYMOUS", *sorted(set(ROLE_LIMITS.values()))):
        try:
            parse_many(app.config[name])
        except ValueError as error:
            raise ValueError(f"{name}: {error} (e.g. '300 per minute')") from None


def init_app(app: Flask) -> None:
    """Count every API request of the app; after `auth.init_app`, so the caller is known."""
    if not app.config["RATELIMIT_ENABLED"]:
        app.extensions[EXTENSION] = AppLimits(limiter=None)
        return
    _check_quotas(app)
    storage_uri, storage_options = _storage(app)
    app_limiter = Limiter(
        caller,
        application_limits=[caller_limit],  # one bucket per caller for the whole API
        storage_uri=storage_uri,
        storage_options=storage_options,
        strategy="fixed-window",
        in_memory_fallback_enabled=True,
        # Whatever else fails in counting is logged, and the request served
        swallow_errors=True,
        headers_enabled=False,  # `add_limit_headers` writes the IETF names and a reset delay
        key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
        enabled=True,
    )
    app_limiter.logger = app.logger  # "falling back to in-memory storage" goes to the app's log
    app_limiter.request_filter(is_unlimited)
    app_limiter.init_app(app)
    app.extensions[EXTENSION] = AppLimits(limiter=app_limiter)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.after_request(add_limit_headers)


def reset_counters(app: Flask) -> None:
    """Forget this app's counts (tests): its memory, or its keys in Redis (by key prefix)."""
    state: AppLimits | None = app.extensions.get(EXTENSION)
    if state is None or state.limiter is None:
        return
    fallback = getattr(state.limiter, "_fallback_storage", None)
    for storage in (state.limiter.storage, fallback):
        if isinstance(storage, MemoryStorage):
            storage.reset()
        elif storage is not None:
            connection = storage.get_connection()
            prefix = app.config["RATELIMIT_KEY_PREFIX"]
            pattern = f"{storage.prefixed_key('LIMITER')}/{_glob_escape(prefix)}/*"
            for key in connection.scan_iter(match=pattern):
                connection.delete(key)


def _glob_escape(text: str) -> str:
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)
