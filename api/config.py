"""Configuration defaults, overridden by NEWSDESK_* environment variables, then by a dict."""

import json
import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

DEFAULTS = {
    "DATABASE_URL": f"sqlite:///{INSTANCE_DIR / 'newsdesk.sqlite3'}",
    "DATABASE_ECHO": False,
    # Connections each process keeps (POOL_SIZE) and may open beyond it (MAX_OVERFLOW): at least
    # gunicorn's threads per worker. A request that waits POOL_TIMEOUT seconds for one answers
    # 503 (with Retry-After), as does a database that is down, locked or too slow: never a 500
    "DATABASE_POOL_SIZE": 5,
    "DATABASE_MAX_OVERFLOW": 5,
    "DATABASE_POOL_TIMEOUT": 2.0,
    # Seconds after which a pooled connection is replaced (under server/firewall idle cut-offs)
    "DATABASE_POOL_RECYCLE": 1800,
    # PostgreSQL: seconds to open a connection, to run one statement, and to sit idle inside
    # a transaction before the server ends the session (0 turns a timeout off)
    "DATABASE_CONNECT_TIMEOUT": 3,
    "DATABASE_STATEMENT_TIMEOUT": 15.0,
    "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT": 60.0,
    # SQLite: seconds a write waits for another writer's lock before answering 503
    "DATABASE_BUSY_TIMEOUT": 5.0,
    # SQLite: KiB of database pages each connection keeps in memory. SQLite's default (2,000)
    # holds fewer pages than a list page and its indexes read (20 bodies of ~20 KiB): read
    # again from the file at every request. Memory grows to it only as pages are read
    "DATABASE_SQLITE_CACHE_KIB": 16384,
    # Where `flask --app api backup` writes when given no path
    "BACKUP_DIR": str(INSTANCE_DIR / "backups"),
    "SEEDS_DIR": str(Path(__file__).resolve().parent.parent / "seeds"),
    # flask-smorest / OpenAPI
    "API_TITLE": "Newsdesk",
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "JSON_SORT_KEYS": False,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Behind a reverse proxy: how many proxies in front of the app set each X-Forwarded-*
    # header (werkzeug's ProxyFix). 0 trusts none, the default: a client could forge them.
    # Behind one nginx that sets X-Forwarded-For and -Proto: PROXY_FIX_X_FOR=1, _X_PROTO=1
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    "PROXY_FIX_X_HOST": 0,
    "PROXY_FIX_X_PORT": 0,
    "PROXY_FIX_X_PREFIX": 0,
    # Seconds an Idempotency-Key is remembered: a retried POST within it answers the original
    # response (api/idempotency.py)
    "IDEMPOTENCY_TTL": 24 * 3600,
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
    # Share links of each article (api/services/sharing.py): network → URL template, where
    # {url} (the canonical URL) and {title} are replaced percent-encoded (UTF-8). Overriding it
    # (NEWSDESK_SHARE_LINKS, a JSON object) replaces the whole set: a network left out is gone
    "SHARE_LINKS": {
        "email": "mailto:?subject={title}&body={url}",
        "x": "https://x.com/intent/post?text={title}&url={url}",
        "linkedin": "https://www.linkedin.com/sharing/share-offsite/?url={url}",
        "facebook": "https://www.facebook.com/sharer/sharer.php?u={url}",
        "bluesky": "https://bsky.app/intent/compose?text={title}%20{url}",
    },
    # Feeds carry full article content for keys; anonymous readers get the excerpt unless this is on
    "FEED_FULL_CONTENT_PUBLIC": False,
    "FEED_ITEMS": 50,
    # A WebSub hub the feeds advertise (rel="hub"), when the publisher runs one
    "WEBSUB_HUB_URL": "",
    # Redis for rate-limit counters and the shared response cache; in-process when empty
    "REDIS_URL": "",
    # Seconds a Redis call may take (to connect, or for an answer) before it counts as failed:
    # the rate limits then count in memory and the response cache skips Redis, so a Redis that
    # is down or hung delays the requests in flight by a few times this at most (one per call:
    # the count, its headers, the cache read), and later ones hardly at all
    "REDIS_TIMEOUT": 0.2,
    # The response cache (api/response_cache.py): public and partner reads replayed until the
    # next write of content; "true" or "false", unset: on except in testing
    "RESPONSE_CACHE": None,
    # Its memory in each process, and the longest an entry lives (in memory and in Redis)
    "RESPONSE_CACHE_MAX_BYTES": 32 * 1024 * 1024,
    "RESPONSE_CACHE_TTL": 3600,
    # Rate limits (api/limits.py): one quota per API key, by its role, or per client address
    # without a key; "N per second|minute|hour|day", several separated by ";". Counted in Redis
    # (REDIS_URL), shared by every process; if Redis stops answering (REDIS_TIMEOUT), the API
    # keeps serving and each process counts in its own memory until Redis is back (a warning
    # is logged). Probes, docs, the spec and CORS preflights are never limited.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_ANONYMOUS": "300 per minute",
    "RATELIMIT_PARTNER": "1200 per minute",
    "RATELIMIT_STAFF": "3000 per minute",  # author, editor and admin keys
    # Namespaces the counters, so that deployments may share one Redis
    "RATELIMIT_KEY_PREFIX": "newsdesk",
    # Newsletter sign-ups per client address, on top of the caller's quota
    "RATELIMIT_SIGNUP": "5 per minute",
    # The API's public base URL (https://api.example.org), for absolute links to itself in
    # mails (the one-click List-Unsubscribe URL); the request's own root when empty, and the
    # site's (SITE_URL) outside a request, e.g. in `flask newsletter digest`
    "PUBLIC_API_URL": "",
    # Mail (api/services/mailer.py): smtp://user:password@host:587?starttls=true, or
    # smtps://user:password@host:465; empty keeps mails queued (nothing is sent)
    "SMTP_URL": "",
    "SMTP_TIMEOUT": 30.0,
    "MAIL_FROM": "Newsdesk <newsletter@example.org>",
    # Retries: BASE * 2^(attempt - 1) seconds, at most MAX_DELAY; then the mail is `failed`
    "MAIL_RETRY_BASE": 60.0,
    "MAIL_RETRY_MAX_DELAY": 6 * 3600.0,
    "MAIL_MAX_ATTEMPTS": 10,
    # Newsletter (api/services/newsletter.py). Confirmation links live this many seconds;
    # unsubscribe links, in every mail, much longer. Both are single-use.
    "NEWSLETTER_TOKEN_TTL": 48 * 3600,
    "NEWSLETTER_UNSUBSCRIBE_TTL": 365 * 24 * 3600,
    # A pending address is sent at most one confirmation mail per this many seconds
    "NEWSLETTER_RESEND_INTERVAL": 3600,
    # Pages of the website (it renders them and calls the API): {site} is SITE_URL, {token}
    # the signed token
    "NEWSLETTER_CONFIRM_URL": "{site}/newsletter/confirm?token={token}",
    "NEWSLETTER_UNSUBSCRIBE_URL": "{site}/newsletter/unsubscribe?token={token}",
    # An address whose mail unsubscribes (List-Unsubscribe: <mailto:…>), if the site has one
    "NEWSLETTER_UNSUBSCRIBE_MAILTO": "",
    # "That day" of the daily digest is a day of the site's time zone (IANA name)
    "SITE_TIMEZONE": "Europe/Paris",
    # Webhooks (api/services/webhooks.py), delivered by `flask --app api webhooks work`.
    # Receivers in private, loopback, link-local, CGNAT, multicast or reserved networks are
    # refused unless one of these comma-separated CIDRs holds them ("10.0.0.0/8,::1/128")
    "WEBHOOK_ALLOWED_NETWORKS": "",
    # Seconds to resolve a receiver's host name (at registration and before each attempt)
    "WEBHOOK_RESOLVE_TIMEOUT": 2.0,
    # Seconds each step of an attempt (connect, send, wait for the status line) may take
    "WEBHOOK_TIMEOUT": 5.0,
    # Retries: BASE * 2^(attempt - 1) seconds, at most MAX_DELAY, with jitter (half to all of
    # it); after MAX_ATTEMPTS attempts a delivery is `failed` and the endpoint's next one goes
    "WEBHOOK_RETRY_BASE": 10.0,
    "WEBHOOK_RETRY_MAX_DELAY": 6 * 3600.0,
    "WEBHOOK_MAX_ATTEMPTS": 12,
}

ENV_PREFIX = "NEWSDESK_"


def _coerce(raw: str, default):
    """Read an environment string as the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
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
    check_share_links(config["SHARE_LINKS"])
    check_sqlite_cache(config["DATABASE_SQLITE_CACHE_KIB"])
    return config


def check_sqlite_cache(kib) -> None:
    """Refuse, at start, a page cache SQLite would read otherwise: a negative size (the pragma
    would read it as pages), or no whole number. 0 keeps SQLite's own default."""
    if isinstance(kib, bool) or not isinstance(kib, int) or kib < 0:
        raise ValueError(
            "DATABASE_SQLITE_CACHE_KIB must be a whole number of KiB, 0 or more "
            "(0 keeps SQLite's default)."
        )


SHARE_LINK_SCHEMES = ("https://", "http://", "mailto:")


def check_share_links(templates) -> None:
    """Refuse, at start, share link templates that could not make a link."""
    if not isinstance(templates, dict):
        raise ValueError("SHARE_LINKS must be a JSON object: network name → URL template.")
    for name, template in templates.items():
        if not isinstance(template, str) or not template.startswith(SHARE_LINK_SCHEMES):
            raise ValueError(
                f"SHARE_LINKS[{name!r}] must be an http(s) or mailto: URL template, "
                "with {url} and {title} placeholders."
            )
