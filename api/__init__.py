"""Newsdesk: a headless REST content API for news publishers."""

import secrets

from flask import Flask

from api.config import load_config
from api.serialization import OrjsonProvider


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, database, API blueprints, errors, CORS, docs and commands.

    Touches no database: the engine connects on first use.
    """
    from api import (
        auth,
        caching,
        cli,
        cors,
        docs,
        errors,
        limits,
        proxy,
        response_cache,
        security_headers,
    )
    from api.db import db
    from api.extensions import Api
    from api.resources import RESOURCES
    from api.services import content_version  # noqa: F401 - its session events bump it

    # No static route: the docs blueprint serves its own assets, and nothing else is served
    app = Flask(__name__, instance_relative_config=False, static_folder=None)
    app.json = OrjsonProvider(app)  # UTF-8 text comes back byte for byte, keys in order
    app.config.from_mapping(load_config(config))
    app.url_map.strict_slashes = False
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        app.logger.warning("NEWSDESK_SECRET_KEY is unset: preview links die with this process.")

    db.init_app(app)
    api = Api(app, spec_kwargs=_spec_kwargs())
    api.spec.components.security_scheme("bearerAuth", auth.BEARER_SCHEME)
    for blueprint in RESOURCES:
        api.register_blueprint(blueprint)
    errors.init_app(app)
    auth.init_app(app)
    limits.init_app(app)
    caching.init_app(app)
    cors.init_app(app)
    security_headers.init_app(app)
    response_cache.init_app(app)  # after auth, limits, caching and CORS: see its docstring
    app.register_blueprint(docs.bp)
    cli.init_app(app)
    proxy.init_app(app)
    return app


def _spec_kwargs() -> dict:
    return {
        "info": {
            "description": (
                "Newsdesk serves a newsroom's articles, tags and authors as JSON.\n\n"
                "* Collections answer `{data, meta, links}` with an RFC 8288 `Link` header; "
                "one object answers `{data}`.\n"
                "* Times are RFC 3339 in UTC; text is UTF-8, returned byte for byte.\n"
                "* Unknown query parameters and bad values are a `400` naming them.\n"
                "* Every error is RFC 9457 `application/problem+json` with a `request_id`.\n"
                "* Browser scripts on any origin may call the API (CORS, unless the server "
                "restricts origins) and read `ETag`, `Last-Modified`, `Link`, `Location`, "
                "`Retry-After`, `X-Request-ID` and the `RateLimit-*` headers.\n"
                "* Requests are rate limited per API key, by its role, or without a key per "
                "client address: by default 300 a minute anonymously, 1,200 for a partner key, "
                "3,000 for author, editor and admin keys. Each counted response says where the "
                "caller stands in `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` "
                "(seconds until the window resets); over the limit the API answers `429` with "
                "`Retry-After`. Probes, the docs, this spec and CORS preflights are not counted.\n"
                "* Reading published content needs no key. Writing needs an API key, sent as "
                "`Authorization: Bearer <key>`, whose role (partner, author, editor, admin) "
                "decides what it may do; use **Authorize** to try it here.\n"
                "* Changes of an article need the `ETag` you read in `If-Match` (412 when stale, "
                "428 when missing); of two concurrent writes of one version, exactly one wins.\n"
                "* Every `POST` takes an optional `Idempotency-Key` (a UUID): sent again with "
                "the same request, it answers the first response (`Idempotent-Replayed: true`) "
                "and does nothing twice; the same key with another body is a `409`.\n"
                "* A database that is down, busy or too slow answers `503` with `Retry-After`.\n"
                "* Every read answers a strong `ETag` (the body's hash, also what `If-Match` "
                "expects) and `Last-Modified`; `If-None-Match` or `If-Modified-Since` answer "
                "`304`. Anonymous reads are `Cache-Control: public, max-age=60, "
                "stale-while-revalidate=300`, keyed reads and previews `private, no-store`, "
                "errors `no-store`. Public reads name CDN purge keys in `Surrogate-Key`: "
                "`article:<id>`, `tag:<id>`, `author:<id>` for each object shown, and "
                "`articles`, `tags` or `authors` on lists."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/", "description": "This server"}],
    }
