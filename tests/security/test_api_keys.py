"""API keys: stored as digests, looked up by digest (so no comparison ever runs on the secret,
and the last one is constant-time), and never logged, not even by SQL logging at DEBUG."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import delete, event, select

from api import create_app
from api.db import db
from api.models import ApiKey
from api.services import keys
from api.services.keys import create_key


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def presented(secret: str) -> list[dict]:
    """The ways a client may present a key, right or wrong."""
    return [
        {"Authorization": f"Bearer {secret}"},
        {"Authorization": f"bearer {secret}"},
        {"Authorization": f"Bearer {secret}x"},  # one character more: unknown
        {"Authorization": f"Bearer {secret[:-1]}"},  # one less
        {"Authorization": f"Token {secret}"},  # not the bearer scheme
        {"Authorization": f"Bearer {secret} {secret}"},
    ]


@pytest.fixture
def statements(app) -> Iterator[list[tuple[str, str]]]:
    """Every statement the app sends while the test runs, with its parameters."""
    sent: list[tuple[str, str]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        sent.append((statement, repr(parameters)))

    engine = db.engine(app)
    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def test_a_key_is_looked_up_by_its_digest_never_by_its_secret(client, make_key, statements):
    secret = make_key("editor")["Authorization"].removeprefix("Bearer ")
    statements.clear()
    for headers in presented(secret):
        client.get("/v1/articles", headers=headers)
    sent = "\n".join(f"{statement} {parameters}" for statement, parameters in statements)
    assert _digest(secret) in sent  # the lookup ran, by the digest
    assert secret not in sent and secret[3:] not in sent


def test_only_the_digest_is_stored(session, make_key):
    secret = make_key("admin")["Authorization"].removeprefix("Bearer ")
    stored = session.execute(select(ApiKey.__table__)).all()
    assert secret not in repr(stored) and secret[10:] not in repr(stored)
    assert _digest(secret) in repr(stored)


def test_the_stored_digest_is_compared_in_constant_time(client, make_key, monkeypatch):
    secret = make_key("editor")["Authorization"].removeprefix("Bearer ")
    compared, original = [], keys.hmac.compare_digest

    def compare_digest(a, b):
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(keys.hmac, "compare_digest", compare_digest)
    assert (
        client.get("/v1/articles", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    assert compared == [(_digest(secret), _digest(secret))]


@pytest.fixture
def echoing_app(app) -> Iterator[Flask]:
    """An app logging every SQL statement and its parameters (`DATABASE_ECHO`), on the
    suite's database, committing for real: what it adds is removed at the end."""
    echoing = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "DATABASE_ECHO": True,
            "TESTING": True,
            "SECRET_KEY": "echo",
            "RATELIMIT_ENABLED": False,
        }
    )
    with echoing.app_context():
        key, secret = create_key(db.session, name="logged?", role="editor")
        db.session.commit()
        echoing.config["TEST_SECRET"], key_id = secret, key.id
    try:
        yield echoing
    finally:
        with echoing.app_context():
            db.session.execute(delete(ApiKey).where(ApiKey.id == key_id))
            db.session.commit()
        db.engine(echoing).dispose()


@pytest.mark.no_transaction
def test_keys_are_never_logged(echoing_app, caplog):
    secret = echoing_app.config["TEST_SECRET"]
    client = echoing_app.test_client()
    caplog.set_level(logging.DEBUG)
    for headers in presented(secret):
        for path in ("/v1/articles", "/v1/keys", "/v1/articles/slug/nothing-here"):
            client.get(path, headers=headers)
        client.post("/v1/tags", json={"name": ""}, headers=headers)  # a 422, logged or not
    records = [f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records]
    assert any("FROM api_keys" in record for record in records), "no SQL logged: vacuous"
    # the engine hides statement parameters from its log (`hide_parameters`): not even the
    # digest shows
    assert not any(_digest(secret) in record for record in records)
    leaked = [record for record in records if secret[3:] in record]
    assert leaked == [], leaked
