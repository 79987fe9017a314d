"""The content version: one counter that every write of content bumps, for response caches."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base

CONTENT_VERSION_ID = 1  # the one row


class ContentVersion(Base):
    """Bumped in the transaction of every write that could change a response (api/services/
    content_version.py), so a cached response keyed by it is current exactly until that write
    commits, whichever process or server made it."""

    __tablename__ = "content_version"
    __table_args__ = (CheckConstraint(f"id = {CONTENT_VERSION_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)
