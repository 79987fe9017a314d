"""Idempotency keys: the outcome of each POST sent with an `Idempotency-Key`, kept for a while."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow


class IdempotencyKey(Base):
    """One (caller, method, path, key): claimed while its request runs, then its response.

    Neither the key nor the request body is stored: `id` and `fingerprint` are keyed digests,
    and the response body is encrypted with a key derived from the client's key (it can hold
    a secret shown once, such as a new API key).
    """

    __tablename__ = "idempotency_keys"

    # HMAC of (caller, method, path) under the client's key
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Who sent it: `key:<api key id>`, or `address:<client address>` without a key
    principal: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2048))
    # HMAC of the request (query string and body): the same key with another body is refused
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Null while the first request runs (or if it ended without telling its outcome)
    status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[dict | None] = mapped_column(JSON)
    # nonce + AES-GCM ciphertext of the response body
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.method} {self.path} {self.status}>"
