"""Authentication comes first: on every write operation of the app, a caller without a key (or
with too small a role) is told so, before any precondition, body or idempotency check."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.routing import Rule

from api import create_app
from api.auth import ROLE_RANK
from api.db import db
from tests.conftest import assert_problem
from tests.reliability.conftest import app_config, key_header

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# A body no operation accepts, sent the way no operation accepts it (not JSON, not JSON-typed)
BAD_BODY = {"data": b"{not json", "content_type": "text/plain"}
RANKED = sorted(ROLE_RANK, key=ROLE_RANK.get)


def _operations() -> list[tuple[Rule, str, str | None]]:
    """(rule, method, role the operation requires, or None) for every write of the app."""
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "sweep"})
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in sorted(set(WRITE_METHODS) & (rule.methods or set())):
            function = getattr(view_class, method.lower(), None) if view_class else view
            found.append((rule, method, getattr(function, "required_role", None)))
    return found


OPERATIONS = _operations()
KEYED = [
    pytest.param(rule.rule, method, role, id=f"{method} {rule.rule}")
    for rule, method, role in OPERATIONS
    if role is not None
]
# Writes open to anyone (newsletter sign-up, confirmation, unsubscribe: their token is the
# credential), each documented with `security: []`
OPEN = [(rule.rule, method) for rule, method, role in OPERATIONS if role is None]


def concrete(path: str) -> str:
    """The rule with a value in each variable: a fresh UUID, 1, or a slug."""
    values = {"uuid": str(uuid.uuid4()), "int": "1", "slug": "un-slug"}
    parts = []
    for piece in path.replace(">", "<").split("<"):
        if ":" in piece:
            converter = piece.split(":")[0].split("(")[0]
            parts.append(values.get(converter, "x"))
        else:
            parts.append(piece)
    return "".join(parts)


@pytest.fixture(scope="module")
def sweep_app(shared_url) -> Iterator[Flask]:
    app = create_app(app_config(shared_url))
    yield app
    db.engine(app).dispose()


@pytest.fixture(scope="module")
def keys(sweep_app) -> dict[str, dict]:
    return {role: key_header(sweep_app, role) for role in RANKED}


def test_every_write_needs_a_key_or_is_documented_as_open(sweep_app):
    assert KEYED, "no write operation found"
    spec = sweep_app.test_client().get("/openapi.json").get_json()
    for path, method in OPEN:
        openapi_path = path.replace("<", "{").replace(">", "}")
        operation = spec["paths"][openapi_path][method.lower()]
        assert operation["security"] == [], f"{method} {path} needs no key but says it does"


@pytest.mark.parametrize(("path", "method", "role"), KEYED)
def test_an_anonymous_write_is_a_401_before_anything_else(sweep_app, path, method, role):
    response = sweep_app.test_client().open(
        concrete(path),
        method=method,
        headers={"Idempotency-Key": "not checked yet"},  # no If-Match either
        **BAD_BODY,
    )
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("path", "method", "role"), KEYED)
def test_a_key_below_the_operations_role_is_a_403_before_anything_else(
    sweep_app, keys, path, method, role
):
    below = RANKED[ROLE_RANK[role] - 2] if ROLE_RANK[role] > 1 else None
    if below is None:
        pytest.skip(f"{role} is the smallest role")
    response = sweep_app.test_client().open(
        concrete(path),
        method=method,
        headers={**keys[below], "Idempotency-Key": "\x01"},  # malformed: not checked yet
        **BAD_BODY,
    )
    assert_problem(response, 403)


@pytest.mark.parametrize(("path", "method", "role"), KEYED)
def test_a_partner_key_cannot_write(sweep_app, keys, path, method, role):
    assert ROLE_RANK[role] > ROLE_RANK["partner"]
    response = sweep_app.test_client().open(
        concrete(path), method=method, headers=keys["partner"], **BAD_BODY
    )
    assert_problem(response, 403)
