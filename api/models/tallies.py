"""Counts the database keeps as rows change, so that reading one costs a row, not a scan."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base

ARTICLE_TALLY_ID = 1  # the one row


class ArticleTally(Base):
    """How many articles are listed: published or scheduled, with a publication time, and not
    deleted, whether or not their time has come. Kept by triggers on `articles` (migration
    0009) in the transaction of every insert, update and delete, whatever makes it: the public
    count is this less the listed articles not yet due (`queries.PUBLIC_ARTICLE_TOTAL`)."""

    __tablename__ = "article_tally"
    __table_args__ = (CheckConstraint(f"id = {ARTICLE_TALLY_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    listed: Mapped[int] = mapped_column(BigInteger)


class TagTally(Base):
    """How many of a tag's articles are listed (the article tally's rule, per tag). Kept by
    triggers on `tags`, `article_tags` and `articles` (migration 0010): a tag's public count
    is this less its listed articles not yet due (`queries.TAG_ARTICLE_TOTAL`)."""

    __tablename__ = "tag_tally"

    tag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
    )
    listed: Mapped[int] = mapped_column(BigInteger)
