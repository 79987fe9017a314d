"""Who is calling: API keys read from `Authorization: Bearer`, and the roles they carry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import Flask, g, request
from flask_smorest import abort

from api.db import db
from api.errors import problem
from api.services.keys import find_active_key, touch_key

ROLE_RANK = {"partner": 1, "author": 2, "editor": 3, "admin": 4}
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key: `Authorization: Bearer nd_…`. Keys are shown once, at creation.",
}


@dataclass(frozen=True)
class Principal:
    key_id: uuid.UUID
    role: str
    author_id: uuid.UUID | None

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_editor(self) -> bool:
        return self.at_least("editor")


def current_principal() -> Principal | None:
    return g.get("principal")


def _unauthorized(detail: str, error: str = "invalid_token"):
    return problem(
        401, detail, headers={"WWW-Authenticate": f'Bearer realm="newsdesk", error="{error}"'}
    )


# Probes and docs read no key: a liveness probe must not touch the database, nor answer 401
# to a header a proxy added
UNAUTHENTICATED_BLUEPRINTS = frozenset({"health", "docs", "api-docs"})


def authenticate():
    """Runs before every request: a bad key is refused at once, whatever the API endpoint."""
    g.principal = None
    header = request.headers.get("Authorization")
    if header is None or request.blueprint in UNAUTHENTICATED_BLUEPRINTS:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("Send an API key as `Authorization: Bearer <key>`.", "invalid_request")
    session = db.session
    key = find_active_key(session, token.strip())
    if key is None:
        return _unauthorized("The API key is unknown or revoked.")
    if touch_key(key):
        session.commit()
    g.principal = Principal(key_id=key.id, role=key.role, author_id=key.author_id)
    return None


def require(role: str) -> Principal:
    """The caller, if it holds `role` or a higher one; otherwise a 401 or 403 problem."""
    principal = current_principal()
    if principal is None:
        abort(
            401,
            message=f"This operation needs an API key with the {role} role or higher.",
            headers={"WWW-Authenticate": 'Bearer realm="newsdesk"'},
        )
    if not principal.at_least(role):
        abort(403, message=f"This operation needs the {role} role or higher.")
    return principal


def init_app(app: Flask) -> None:
    app.before_request(authenticate)

    @app.after_request
    def _never_cache_credentialed(response):
        if current_principal() is not None:
            response.headers["Cache-Control"] = "private, no-store"
            response.vary.add("Authorization")
        return response
