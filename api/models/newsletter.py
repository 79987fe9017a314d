"""The newsletter: subscribers (double opt-in), the durable mail outbox, and daily digests.

A subscriber's address is personal data: it is stored here and in the mails queued to it, shown
only to admins, and erased with all of them on request. Mails are queued in the transaction of
the request that causes them and sent later by the worker (`api.services.mailer`).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow
from api.models.events import SEQUENCE

SUBSCRIBER_STATUSES = ("pending", "confirmed", "unsubscribed")
MAIL_STATUSES = ("pending", "sent", "failed")
MAIL_KINDS = ("confirmation", "notice", "digest")
# The longest address SMTP carries (RFC 5321: 64 + 1 + 255, less the angle brackets' room)
EMAIL_MAX_LENGTH = 320


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


class Subscriber(Base):
    """One address and where it stands: pending until it confirms, then confirmed until it
    unsubscribes. Tokens sent to it are signed and name a nonce stored here, so rotating the
    nonce spends every token minted with it (single use)."""

    __tablename__ = "newsletter_subscribers"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'unsubscribed')", name="status"),
        Index("ix_newsletter_subscribers_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Normalised (api.services.newsletter.normalise_email): one row per mailbox
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # The latest consent given: when, and where (a form, a page…)
    consent_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The latest sign-up request, whatever it did: every request writes the row
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last mail a sign-up caused (a confirmation, or a notice to a confirmed address): at
    # most one per NEWSLETTER_RESEND_INTERVAL, so sign-ups cannot flood a mailbox
    signup_mail_sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    # Spent by a confirmation (confirmation tokens) or an unsubscription (unsubscribe tokens)
    confirm_nonce: Mapped[str] = mapped_column(String(32), default=new_nonce)
    unsubscribe_nonce: Mapped[str] = mapped_column(String(32), default=new_nonce)

    def __repr__(self) -> str:  # never the address: reprs end up in logs
        return f"<Subscriber {self.id} {self.status}>"


class Mail(Base):
    """One message on its way to one address (the outbox): sent by the worker, retried with
    exponential backoff, erased with its subscriber."""

    __tablename__ = "newsletter_mails"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        Index("ix_newsletter_mails_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(SEQUENCE, primary_key=True, autoincrement=True)
    subscriber_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("newsletter_subscribers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # Extra headers (List-Unsubscribe, List-Unsubscribe-Post…), name → value
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Mail {self.id} {self.kind} {self.status}>"


class Digest(Base):
    """The newsletter of one day (in the site's time zone), as built from that day's public
    articles: built once, then sent to every confirmed subscriber."""

    __tablename__ = "newsletter_digests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    date: Mapped[date] = mapped_column(Date, unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    # The content as mailed, less each recipient's unsubscribe footer
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    article_ids: Mapped[list] = mapped_column(JSON, default=list)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestRecipient(Base):
    """A subscriber served a digest: recorded with its queued mail, so a rerun skips it."""

    __tablename__ = "newsletter_digest_recipients"

    digest_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("newsletter_digests.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("newsletter_subscribers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    mail_id: Mapped[int | None] = mapped_column(
        SEQUENCE, ForeignKey("newsletter_mails.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
