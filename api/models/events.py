"""What partners are told: the change log, the last public state of each resource, and webhooks.

A write that changes what the public sees appends a `Change` in its own transaction (the outbox),
and one `WebhookDelivery` per endpoint that wants it; the worker delivers them afterwards.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, TimestampMixin, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY
SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")

RESOURCES = ("article", "tag", "author")
EVENT_TYPES = (
    "article.published",
    "article.updated",
    "article.unpublished",
    "article.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "author.created",
    "author.updated",
    "author.deleted",
)
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class Change(Base):
    """One public change of an article, tag or author, in commit order (the change feed).

    `current` is the resource as the public now sees it, null for a tombstone (unpublished or
    deleted); `previous` is what the public saw before, null for a first publication.
    """

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_resource", "resource", "resource_id", "id"),)

    id: Mapped[int] = mapped_column(SEQUENCE, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    type: Mapped[str] = mapped_column(String(40))
    resource: Mapped[str] = mapped_column(String(20))
    resource_id: Mapped[uuid.UUID]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    current: Mapped[dict | None] = mapped_column(JSON)
    previous: Mapped[dict | None] = mapped_column(JSON)
    # CDN keys to purge and public pages the change affects
    surrogate_keys: Mapped[list] = mapped_column(JSON, default=list)
    urls: Mapped[list] = mapped_column(JSON, default=list)


class PublicState(Base):
    """The change that last told the public about a resource (absent: never public, or taken
    down since). Its `current` is the representation the public knows: comparing it with the
    resource now decides which change happens next."""

    __tablename__ = "public_states"

    resource: Mapped[str] = mapped_column(String(20), primary_key=True)
    resource_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(SEQUENCE, ForeignKey("changes.id"))


class WebhookEndpoint(TimestampMixin, Base):
    """A partner's URL that receives the events it subscribed to, signed with its secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(500))
    # Event types, or `article.*`-style wildcards; `*` is every event
    events: Mapped[list] = mapped_column(JSON, default=list)
    # Standard Webhooks secret (`whsec_` + base64): shown once at creation, never again
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )


class WebhookDelivery(Base):
    """One change on its way to one endpoint: delivered in change order, retried with backoff."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_endpoint_status_id", "endpoint_id", "status", "id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(SEQUENCE, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    change_id: Mapped[int] = mapped_column(SEQUENCE, ForeignKey("changes.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    response_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries", lazy="raise")
    change: Mapped[Change] = relationship(lazy="raise")
