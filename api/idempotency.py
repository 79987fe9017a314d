"""Idempotency-Key: a POST retried with the same key answers its first response, done once.

A client that lost the answer to a POST (a timeout, a dropped connection) sends it again with
the same `Idempotency-Key` header and gets the original response back, with
`Idempotent-Replayed: true`, instead of creating a second article, key or subscription. Keys
belong to one caller (its API key, or its address without one), one method and one path, and
are remembered `IDEMPOTENCY_TTL` seconds (24 h by default; `flask --app api idempotency purge`
deletes expired ones).

- The first request claims the key in its transaction, before its view runs: a concurrent
  duplicate waits for that transaction (PostgreSQL's unique index; SQLite's write lock), then
  replays the stored response. (A claim left without a response, by an older release or a
  database restored mid-request, answers `409`: with `Retry-After` for two minutes, then
  saying that the outcome is unknown.)
- The claim, the view's work and the response commit together, in one transaction: the view's
  own commits only flush until its response is stored. A request that fails or dies (a killed
  worker) before that commit leaves nothing, so the client may retry it with the same key; a
  response is only ever sent for work that is stored.
- The same key with another request (query string or body) answers `409` too (without
  `Retry-After`: retrying cannot help).
- Stored: the status, `Content-Type`, `Location` and `ETag`, and the body encrypted with a key
  derived from the client's key (a new API key's secret is in a body). The client's key itself
  and the request are only kept as keyed digests.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Response, current_app, request
from sqlalchemy import Row, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.auth import current_principal
from api.db import db, utcnow
from api.errors import problem
from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# The response headers a replay repeats (the others are set afresh for every response)
KEPT_HEADERS = ("Content-Type", "Location", "ETag")
# Printable ASCII without spaces or quotes; the IETF draft's quoted form ("…") is the same key
KEY_PATTERN = "^[!#-~]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
# A claim with no outcome after this long belongs to a request that ended without telling it
IN_FLIGHT_LIMIT = timedelta(minutes=2)

PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID) naming this request: 1 to 255 printable ASCII "
    "characters, without spaces or quotes. Sent again with the same request, it answers the "
    f"first response (with `{REPLAYED_HEADER}: true`) and does nothing twice; keys are "
    "remembered 24 hours, for this API key (or address) and path. The same key with another "
    "request is a `409`; a copy sent while the first is running waits for it, then replays it.",
    "schema": {"type": "string", "pattern": KEY_PATTERN, "minLength": 1, "maxLength": 255},
    "example": "5d3c2a0e-8b1f-4f8a-9a52-0c9e3b1d7f41",
}
REPLAYED_RESPONSE_HEADER = {
    "description": "`true` when this response is the stored answer to an earlier request "
    f"with the same `{HEADER}`.",
    "schema": {"type": "string", "enum": ["true"]},
}


@dataclass(frozen=True)
class Claim:
    """What a request with an Idempotency-Key is known by (all derived from the key)."""

    id: str
    principal: str
    fingerprint: str
    body_key: bytes

    @classmethod
    def of_request(cls, key: str) -> Claim:
        principal = current_principal()
        who = f"key:{principal.key_id}" if principal else f"address:{request.remote_addr}"
        material = key.encode("ascii")
        scope = "\n".join((who, request.method, request.path)).encode("utf-8")

        def derive(label: bytes, *parts: bytes) -> bytes:
            digest = hmac.new(material, label + b"\0" + scope, hashlib.sha256)
            for part in parts:
                digest.update(b"\0" + part)
            return digest.digest()

        return cls(
            id=derive(b"id").hex(),
            principal=who,
            fingerprint=derive(b"request", request.query_string, request.get_data()).hex(),
            body_key=derive(b"body"),
        )

    def seal(self, body: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self.body_key).encrypt(nonce, body, self.id.encode("ascii"))

    def open(self, sealed: bytes) -> bytes:
        return AESGCM(self.body_key).decrypt(sealed[:12], sealed[12:], self.id.encode("ascii"))


def once(view: Callable, *args, **kwargs):
    """Run a POST view at most once per Idempotency-Key; anything else runs as it is."""
    raw = request.headers.get(HEADER)
    if request.method != "POST" or raw is None:
        return view(*args, **kwargs)
    key = raw.strip()
    if len(key) > 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not _KEY.match(key):
        return problem(
            400,
            f"`{HEADER}` must be 1 to 255 printable ASCII characters, without spaces or quotes.",
            errors={HEADER: ["Not a valid idempotency key."]},
        )
    claim = Claim.of_request(key)
    session = db.session
    earlier = _claim(session, claim)
    if earlier is not None:
        return _answer_for(earlier, claim)
    # The view's commits wait for the response's (AppSession): a worker that dies between
    # the two would leave a claim without a response, and the client nothing but 409s
    with session.commits_deferred() as view_committed:
        response = current_app.make_response(view(*args, **kwargs))
    _record(session, claim, response, view_committed())
    return response


def _insert(session: Session):
    """INSERT … ON CONFLICT DO NOTHING is the dialects' own construct."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


# What a replay needs of the earlier request's record (a row: a rollback does not expire it)
_EARLIER = select(
    IdempotencyKey.fingerprint,
    IdempotencyKey.status,
    IdempotencyKey.headers,
    IdempotencyKey.body,
    IdempotencyKey.created_at,
)


def _claim(session: Session, claim: Claim) -> Row | None:
    """Claim the key in the request's transaction (None); or the earlier request's record."""
    while True:
        now = utcnow()
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.id == claim.id, IdempotencyKey.expires_at <= now
            )
        )
        # Waits for a concurrent claim of the same key to commit or roll back, then skips it
        inserted = session.scalar(
            _insert(session)(IdempotencyKey)
            .values(**_new_record(claim, now))
            .on_conflict_do_nothing()
            .returning(IdempotencyKey.id)
        )
        if inserted is not None:
            return None
        earlier = session.execute(_EARLIER.where(IdempotencyKey.id == claim.id)).one_or_none()
        if earlier is not None:
            return earlier
        # The earlier record expired and was purged in between: claim the key again


def _new_record(claim: Claim, now: datetime) -> dict:
    return {
        "id": claim.id,
        "principal": claim.principal,
        "method": request.method,
        "path": request.path,
        "fingerprint": claim.fingerprint,
        "created_at": now,
        "expires_at": now + timedelta(seconds=current_app.config["IDEMPOTENCY_TTL"]),
    }


def _answer_for(earlier: Row, claim: Claim) -> Response:
    """The stored response, or why there is none to give."""
    db.session.rollback()  # the request claimed nothing: end its transaction now
    if not hmac.compare_digest(earlier.fingerprint, claim.fingerprint):
        return problem(
            409,
            f"This `{HEADER}` was sent with another request: use a new key for a new request.",
            errors={HEADER: ["Already used with a different request."]},
        )
    if earlier.status is None:
        if utcnow() - earlier.created_at < IN_FLIGHT_LIMIT:
            return problem(
                409,
                f"A request with this `{HEADER}` is still being processed: retry shortly.",
                headers={"Retry-After": "1"},
            )
        return problem(
            409,
            f"A request with this `{HEADER}` ended without recording its outcome: check "
            "whether it took effect before sending it again with a new key.",
        )
    try:
        body = claim.open(earlier.body or b"")
    except InvalidTag:  # not this key's record (an HMAC collision is not to be expected)
        return problem(409, f"This `{HEADER}` cannot be used for this request.")
    response = current_app.response_class(body, status=earlier.status)
    for name, value in (earlier.headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _record(session: Session, claim: Claim, response: Response, view_committed: bool) -> None:
    """Store the outcome of the request with its claim and the view's work, in one commit.

    A success is stored, and with it whatever the view did. A failure (4xx, 5xx) is stored
    only where the view committed something (its work stands: a retry replays the failure);
    otherwise the rollback releases the claim and the client may retry. Should that commit
    fail (the database went away), the error answers: no response is sent for work that was
    not stored.
    """
    if not (200 <= response.status_code < 300 or view_committed):
        session.rollback()
        return
    values = {
        "status": response.status_code,
        "headers": _kept_headers(response),
        "body": claim.seal(response.get_data()),
    }
    pending = (IdempotencyKey.id == claim.id) & IdempotencyKey.status.is_(None)
    stored = session.scalar(
        update(IdempotencyKey).where(pending).values(**values).returning(IdempotencyKey.id)
    )
    if stored is None:  # the view rolled the claim back (then did its work)
        session.execute(
            _insert(session)(IdempotencyKey)
            .values(**_new_record(claim, utcnow()), **values)
            .on_conflict_do_nothing()
        )
    session.commit()


def _kept_headers(response: Response) -> dict[str, str]:
    return {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete the records whose time is up; how many."""
    result = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at <= (now or utcnow()))
    )
    return result.rowcount
