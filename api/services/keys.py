"""API keys: minting, finding by the presented secret, revoking."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.models import ApiKey

KEY_PREFIX = "nd_"
# last_used_at is written at most this often per key, not on every request
TOUCH_INTERVAL = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_key(
    session: Session, *, name: str, role: str, author_id: uuid.UUID | None = None
) -> tuple[ApiKey, str]:
    """A new key and its secret: the secret is returned here once and never stored."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)  # 256 bits of randomness
    key = ApiKey(name=name, role=role, author_id=author_id, prefix=raw[:10], digest=_digest(raw))
    session.add(key)
    session.flush()
    return key, raw


def find_active_key(session: Session, raw: str) -> ApiKey | None:
    """The unrevoked key whose secret is `raw`, compared in constant time."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    digest = _digest(raw)
    key = session.scalar(select(ApiKey).where(ApiKey.digest == digest))
    if key is None or not hmac.compare_digest(key.digest, digest) or key.revoked_at:
        return None
    return key


def touch_key(key: ApiKey) -> bool:
    """Record the key's use; False when it was recorded recently enough already."""
    now = utcnow()
    if key.last_used_at and now - key.last_used_at < TOUCH_INTERVAL:
        return False
    key.last_used_at = now
    return True


def revoke_key(key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key
