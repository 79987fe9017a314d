"""Apps with real commits on a database of their own (the suite's rolls back every test), and
the helpers that fill it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from api import create_app
from api.db import db
from api.models import Article
from api.services.content import save_article
from api.services.keys import create_key
from tests.conftest import SEEDS_DIR, make_migrated_app


def pytest_collection_modifyitems(items):
    """These tests commit for real (threads, other connections): no rollback fixture."""
    for item in items:
        if Path(__file__).parent in item.path.parents:
            item.add_marker(pytest.mark.no_transaction)


def app_config(url: str, **overrides) -> dict:
    return {
        "DATABASE_URL": url,
        "TESTING": True,
        "SEEDS_DIR": str(SEEDS_DIR),
        "SECRET_KEY": "reliability",
        "RATELIMIT_ENABLED": False,
        **overrides,
    }


@pytest.fixture(scope="package")
def shared_url(fresh_database) -> str:
    """A migrated database of the suite's kind for this package, separate from the suite's."""
    url = fresh_database.url("reliability")
    app = make_migrated_app(url, **app_config(url))
    db.engine(app).dispose()
    return url


@pytest.fixture
def make_app(shared_url) -> Iterator:
    """`make_app(**config)`: an app on the shared database with these settings."""
    apps: list[Flask] = []

    def make(url: str | None = None, **overrides) -> Flask:
        app = create_app(app_config(url or shared_url, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        db.engine(app).dispose()


@pytest.fixture
def migrated_app() -> Iterator:
    """`migrated_app(url, **config)`: an app on a database of its own, migrated to head."""
    apps: list[Flask] = []

    def make(url: str, **overrides) -> Flask:
        app = make_migrated_app(url, **app_config(url, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        db.engine(app).dispose()


@pytest.fixture
def live_app(make_app) -> Flask:
    return make_app()


def key_header(app: Flask, role: str) -> dict:
    """A new committed key with `role`: its `Authorization` header."""
    with app.app_context():
        _key, secret = create_key(db.session, name=f"reliability {role}", role=role)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def new_article(app: Flask, **overrides) -> uuid.UUID:
    """A committed draft article; its id."""
    with app.app_context():
        data = {
            "title": f"Fiabilité {uuid.uuid4().hex[:8]}",
            "body": "Un paragraphe.",
            "language": "fr",
            "authors": [],
            "tags": [],
            **overrides,
        }
        article = save_article(db.session, Article(), data)
        db.session.commit()
        return article.id
