"""People who sign content: authors."""

from __future__ import annotations

import uuid

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column, query_expression

from api.db import Base, TimestampMixin


class Author(TimestampMixin, Base):
    __tablename__ = "authors"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name folded for ordering: accents and case ignored, so "Élise" sorts before "Zoé"
    sort_name: Mapped[str] = mapped_column(String(200), index=True)
    bio: Mapped[str | None] = mapped_column(Text)
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    website: Mapped[str | None] = mapped_column(String(2048))
    # {"x": url, "linkedin": url, ...}: networks are listed in schemas/authors.py
    social_links: Mapped[dict] = mapped_column(JSON, default=dict)
    # Published articles signed, filled by the queries that ask for it (api/services/queries.py)
    article_count: Mapped[int | None] = query_expression()

    def __repr__(self) -> str:
        return f"<Author {self.slug}>"
