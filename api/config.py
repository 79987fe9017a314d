"""Configuration defaults, overridden by NEWSDESK_* environment variables, then by a dict."""

import json
import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

DEFAULTS = {
    "DATABASE_URL": f"sqlite:///{INSTANCE_DIR / 'newsdesk.sqlite3'}",
    "DATABASE_ECHO": False,
    "SEEDS_DIR": str(Path(__file__).resolve().parent.parent / "seeds"),
    # flask-smorest / OpenAPI
    "API_TITLE": "Newsdesk",
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "JSON_SORT_KEYS": False,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Signs preview tokens; when unset a random one is made at start (tokens die with it)
    "SECRET_KEY": "",
    "PREVIEW_TTL": 3600,
    # Origins whose browser scripts may call the API: "*" (any), or a comma-separated list
    "CORS_ORIGINS": "*",
    # Seconds a browser may cache a preflight answer (Chromium caps it at 7200)
    "CORS_MAX_AGE": 7200,
    # The public website that renders the content: canonical links in feeds, sitemaps,
    # structured data, webhooks and share links are built from it and these path templates
    "SITE_URL": "https://www.example.org",
    "SITE_NAME": "Newsdesk",
    "SITE_LANGUAGE": "fr",
    "SITE_LOGO_URL": "",
    "ARTICLE_PATH": "/articles/{slug}",
    "TAG_PATH": "/tags/{slug}",
    "AUTHOR_PATH": "/authors/{slug}",
    # Feeds carry full article content for keys; anonymous readers get the excerpt unless this is on
    "FEED_FULL_CONTENT_PUBLIC": False,
    "FEED_ITEMS": 50,
    # A WebSub hub the feeds advertise (rel="hub"), when the publisher runs one
    "WEBSUB_HUB_URL": "",
    # Redis for rate-limit counters (and later shared caches); in-process memory when empty
    "REDIS_URL": "",
    # Rate limits (api/limits.py): one quota per API key, by its role, or per client address
    # without a key; "N per second|minute|hour|day", several separated by ";". Counted in Redis
    # (REDIS_URL), shared by every process; if Redis stops answering (0.2 s timeouts), the API
    # keeps serving and each process counts in its own memory until Redis is back (a warning
    # is logged). Probes, docs, the spec and CORS preflights are never limited.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_ANONYMOUS": "300 per minute",
    "RATELIMIT_PARTNER": "1200 per minute",
    "RATELIMIT_STAFF": "3000 per minute",  # author, editor and admin keys
    # Namespaces the counters, so that deployments may share one Redis
    "RATELIMIT_KEY_PREFIX": "newsdesk",
}

ENV_PREFIX = "NEWSDESK_"


def _coerce(raw: str, default):
    """Read an environment string as the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, (dict, list)):
        return json.loads(raw)
    return raw


def load_config(overrides: dict | None = None, environ=os.environ) -> dict:
    """Defaults, then NEWSDESK_* environment variables, then explicit overrides."""
    config = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = environ.get(ENV_PREFIX + key)
        if raw is not None:
            config[key] = _coerce(raw, default)
    if overrides:
        config.update(overrides)
    return config
