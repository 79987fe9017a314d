"""Newsdesk: a headless REST content API for news publishers."""

from flask import Flask

from api.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, database, API blueprints, errors, docs and commands.

    Touches no database: the engine connects on first use.
    """
    from api import cli, docs, errors
    from api.db import db
    from api.extensions import Api
    from api.resources import RESOURCES

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(load_config(config))
    app.json.ensure_ascii = False  # UTF-8 text comes back byte for byte
    app.json.sort_keys = False
    app.url_map.strict_slashes = False

    db.init_app(app)
    api = Api(app, spec_kwargs=_spec_kwargs())
    for blueprint in RESOURCES:
        api.register_blueprint(blueprint)
    errors.init_app(app)
    app.register_blueprint(docs.bp)
    cli.init_app(app)
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
                "* Every error is RFC 9457 `application/problem+json` with a `request_id`."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/", "description": "This server"}],
    }
