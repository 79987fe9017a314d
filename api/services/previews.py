"""Preview tokens: signed, expiring links to an unpublished article."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from api.db import utcnow

_SALT = "newsdesk.preview"


class InvalidPreviewToken(Exception):
    """Tampered, malformed or expired: never content."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def mint_token(secret: str, article_id: uuid.UUID, ttl: int) -> tuple[str, datetime]:
    token = URLSafeTimedSerializer(secret, salt=_SALT).dumps({"article": str(article_id)})
    return token, utcnow() + timedelta(seconds=ttl)


def read_token(secret: str, token: str, ttl: int) -> uuid.UUID:
    serializer = URLSafeTimedSerializer(secret, salt=_SALT)
    try:
        payload = serializer.loads(token, max_age=ttl)
        return uuid.UUID(payload["article"])
    except SignatureExpired:
        raise InvalidPreviewToken("The preview token has expired.") from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidPreviewToken("The preview token is not valid.") from None
