"""Cross-origin reads and writes from browsers: which origins, which headers they may see."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

# The API, its spec and the probes; the docs pages are same-origin only
CORS_PATHS = [r"/v1/.*", r"^/openapi\.json$", r"^/health/?$", r"^/ready/?$"]

# Response headers a browser script may read (besides the CORS-safelisted ones)
EXPOSED_HEADERS = [
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
]

# Request headers a preflight allows: credentials, JSON bodies and conditional requests
ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "X-Request-ID",
]

ALLOWED_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]


def allowed_origins(setting: str | list[str]) -> str | list[str]:
    """`*`, or the origins listed (a list, or one comma-separated string as the environment
    variable gives it); none at all turns cross-origin calls off."""
    origins = setting.split(",") if isinstance(setting, str) else list(setting)
    origins = [origin.strip() for origin in origins if origin.strip()]
    return "*" if "*" in origins else origins


def init_app(app: Flask) -> None:
    """Keys are sent in `Authorization`, never in cookies, so no credentials mode is needed and
    `*` may stay a literal `*` (flask-cors would echo the request's origin without
    `send_wildcard`, which makes shared caches store one copy per origin)."""
    origins = allowed_origins(app.config["CORS_ORIGINS"])
    CORS(
        app,
        resources=CORS_PATHS,
        origins=origins,
        send_wildcard=origins == "*",
        methods=ALLOWED_METHODS,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=app.config["CORS_MAX_AGE"],
        supports_credentials=False,
    )
