"""Newsletter subscriptions: sign-up with double opt-in, confirmation, one-click unsubscription,
erasure, and the signed single-use tokens that mails carry.

Nothing here tells a caller whether an address is subscribed: `subscribe` returns nothing, and
does the same work whatever the address's state (it writes the row, and queues one mail when one
is due: at most one per address per `NEWSLETTER_RESEND_INTERVAL`). Addresses are never logged:
subscribers are named by id.
"""

from __future__ import annotations

import hmac
import html
import logging
import uuid
from datetime import datetime, timedelta
from urllib.parse import quote

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import utcnow
from api.models import DigestRecipient, Mail, Subscriber
from api.models.newsletter import new_nonce
from api.services import queries
from api.services.links import site_url
from api.services.mailer import MailContent, queue_mail
from api.services.site import site_identity

log = logging.getLogger(__name__)

CONFIRM, UNSUBSCRIBE = "confirm", "unsubscribe"
_SALTS = {CONFIRM: "newsdesk.newsletter.confirm", UNSUBSCRIBE: "newsdesk.newsletter.unsubscribe"}
_NONCES = {CONFIRM: "confirm_nonce", UNSUBSCRIBE: "unsubscribe_nonce"}
_TTLS = {CONFIRM: "NEWSLETTER_TOKEN_TTL", UNSUBSCRIBE: "NEWSLETTER_UNSUBSCRIBE_TTL"}
# The API's one-click endpoint (RFC 8058), named in every mail's List-Unsubscribe header
UNSUBSCRIBE_PATH = "/v1/newsletter/unsubscribe"
ONE_CLICK = "List-Unsubscribe=One-Click"


class InvalidEmail(ValueError):
    """Not an address mail can be sent to. Its message never repeats the address."""


class InvalidNewsletterToken(Exception):
    """Tampered, malformed, expired or already used: never a subscriber."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise_email(raw: str) -> str:
    """One spelling per mailbox: the address as email-validator normalises it (the domain in
    lowercase Unicode, IDNA and NFC), its local part lowercased too. `InvalidEmail` otherwise."""
    try:
        valid = validate_email(raw, check_deliverability=False)
    except (EmailNotValidError, TypeError, ValueError):
        raise InvalidEmail("Not a valid email address.") from None
    return f"{valid.local_part.lower()}@{valid.domain}"


# --- Tokens: {subscriber, nonce, expiry} signed with SECRET_KEY; no address inside (a token
# travels in URLs, and its payload is only encoded, not encrypted)


def mint_token(subscriber: Subscriber, purpose: str, now: datetime | None = None) -> str:
    config = current_app.config
    expires = (now or utcnow()) + timedelta(seconds=config[_TTLS[purpose]])
    payload = {
        "s": str(subscriber.id),
        "n": getattr(subscriber, _NONCES[purpose]),
        "e": int(expires.timestamp()),
    }
    return URLSafeSerializer(config["SECRET_KEY"], salt=_SALTS[purpose]).dumps(payload)


def read_token(
    session: Session, token: str, purpose: str, now: datetime | None = None
) -> Subscriber:
    """The subscriber a genuine, unexpired, unused token names; `InvalidNewsletterToken`
    otherwise."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALTS[purpose])
    try:
        payload = serializer.loads(token)
        subscriber_id, nonce, expires = uuid.UUID(payload["s"]), str(payload["n"]), payload["e"]
        if not isinstance(expires, int):
            raise TypeError(expires)
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidNewsletterToken("This link is not valid.") from None
    if expires < (now or utcnow()).timestamp():
        raise InvalidNewsletterToken("This link has expired.")
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None or not hmac.compare_digest(
        getattr(subscriber, _NONCES[purpose]).encode(), nonce.encode()
    ):
        raise InvalidNewsletterToken("This link was used already, or is no longer valid.")
    return subscriber


# --- Links: mails link to the website's pages, which call the API; the one-click header
# links to the API itself


def public_api_url() -> str:
    """The API's public base URL: `PUBLIC_API_URL`, else the request's root, else the site's."""
    configured = current_app.config["PUBLIC_API_URL"]
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return site_url()


def page_link(setting: str, token: str) -> str:
    """A website page of the newsletter (`NEWSLETTER_CONFIRM_URL`, …) for this token."""
    return current_app.config[setting].format(site=site_url(), token=quote(token, safe=""))


def unsubscribe_headers(token: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: a mail client unsubscribes in one click by POSTing
    `List-Unsubscribe=One-Click` to the HTTPS URL (or mails the address, if one is set)."""
    targets = [f"<{public_api_url()}{UNSUBSCRIBE_PATH}?token={quote(token, safe='')}>"]
    mailbox = current_app.config["NEWSLETTER_UNSUBSCRIBE_MAILTO"]
    if mailbox:
        targets.append(f"<mailto:{mailbox}?subject={quote('unsubscribe ' + token)}>")
    return {"List-Unsubscribe": ", ".join(targets), "List-Unsubscribe-Post": ONE_CLICK}


def site_name() -> str:
    """The site's name, as admins set it (configuration until they do)."""
    return site_identity().name


# --- Operations: they flush, never commit (the request owns the transaction)


def subscribe(session: Session, *, email: str, source: str, now: datetime | None = None) -> None:
    """Record a sign-up and its consent, and queue the mail it calls for, if one is due.

    New, pending or unsubscribed address: pending, its consent renewed, mailed a confirmation
    link. Confirmed: mailed a neutral notice (it is subscribed already; nothing changes).
    Either mail goes at most once per `NEWSLETTER_RESEND_INTERVAL`. Every branch writes the
    row and, when due, queues one mail, so that none answers differently or much faster.
    """
    now = now or utcnow()
    email = normalise_email(email)
    subscriber = session.scalar(queries.subscriber_by_email(email))
    if subscriber is None:
        subscriber = _new_subscriber(session, email, source, now)
    subscriber.requested_at = now
    if subscriber.status != "confirmed":
        subscriber.status = "pending"
        subscriber.consent_at, subscriber.source = now, source
    interval = timedelta(seconds=current_app.config["NEWSLETTER_RESEND_INTERVAL"])
    last = subscriber.signup_mail_sent_at
    if last is None or now - last >= interval:
        queue_signup_mail(session, subscriber, now)
        subscriber.signup_mail_sent_at = now
    session.flush()
    log.info("newsletter sign-up of subscriber %s (%s)", subscriber.id, subscriber.status)


def _new_subscriber(session: Session, email: str, source: str, now: datetime) -> Subscriber:
    """A pending subscriber; the one a concurrent sign-up of the same address just made, if
    it won the race."""
    subscriber = Subscriber(
        email=email,
        status="pending",
        consent_at=now,
        source=source,
        created_at=now,
        requested_at=now,
    )
    try:
        with session.begin_nested():
            session.add(subscriber)
    except IntegrityError:
        return session.scalars(queries.subscriber_by_email(email)).one()
    return subscriber


def confirm_subscription(session: Session, token: str, now: datetime | None = None) -> Subscriber:
    """Activate the subscription a confirmation token names; the token is spent."""
    now = now or utcnow()
    subscriber = read_token(session, token, CONFIRM, now)
    subscriber.status, subscriber.confirmed_at = "confirmed", now
    subscriber.confirm_nonce = new_nonce()
    session.flush()
    log.info("newsletter subscriber %s confirmed", subscriber.id)
    return subscriber


def unsubscribe(session: Session, token: str, now: datetime | None = None) -> Subscriber:
    """End the subscription an unsubscribe token names: every token sent so far is spent, and
    mails still queued to it are dropped."""
    now = now or utcnow()
    subscriber = read_token(session, token, UNSUBSCRIBE, now)
    subscriber.status, subscriber.unsubscribed_at = "unsubscribed", now
    subscriber.unsubscribe_nonce, subscriber.confirm_nonce = new_nonce(), new_nonce()
    subscriber.signup_mail_sent_at = None  # subscribing again mails a confirmation at once
    session.execute(
        delete(Mail).where(Mail.subscriber_id == subscriber.id, Mail.status == "pending")
    )
    session.flush()
    log.info("newsletter subscriber %s unsubscribed", subscriber.id)
    return subscriber


def erase_subscriber(session: Session, subscriber: Subscriber) -> None:
    """Right to erasure: the subscriber, every mail to it and its digest records, for good."""
    subscriber_id = subscriber.id
    session.execute(delete(DigestRecipient).where(DigestRecipient.subscriber_id == subscriber_id))
    session.execute(delete(Mail).where(Mail.subscriber_id == subscriber_id))
    session.delete(subscriber)
    session.flush()
    log.info("newsletter subscriber %s erased", subscriber_id)


# --- The mails of a sign-up (French)


def queue_signup_mail(session: Session, subscriber: Subscriber, now: datetime) -> Mail:
    """A confirmation link; or, to a confirmed address, a notice that it is subscribed."""
    unsubscribe_token = mint_token(subscriber, UNSUBSCRIBE, now)
    unsubscribe_url = page_link("NEWSLETTER_UNSUBSCRIBE_URL", unsubscribe_token)
    if subscriber.status == "confirmed":
        kind, content = "notice", notice_content(unsubscribe_url=unsubscribe_url)
    else:
        confirm_url = page_link("NEWSLETTER_CONFIRM_URL", mint_token(subscriber, CONFIRM, now))
        kind = "confirmation"
        content = confirmation_content(confirm_url=confirm_url, unsubscribe_url=unsubscribe_url)
    return queue_mail(
        session,
        kind=kind,
        recipient=subscriber.email,
        subscriber_id=subscriber.id,
        content=content,
        headers=unsubscribe_headers(unsubscribe_token),
        now=now,
    )


def _validity(seconds: int) -> str:
    hours = seconds // 3600
    if hours >= 48 and hours % 24 == 0:
        return f"{hours // 24} jours"
    if hours >= 1:
        return f"{hours} heure{'s' if hours > 1 else ''}"
    return f"{max(1, seconds // 60)} minutes"


def confirmation_content(*, confirm_url: str, unsubscribe_url: str) -> MailContent:
    name = site_name()
    validity = _validity(current_app.config["NEWSLETTER_TOKEN_TTL"])
    subject = f"Confirmez votre inscription à la newsletter {name}"
    text = (
        "Bonjour,\n\n"
        f"Vous avez demandé à recevoir la newsletter {name}. Pour confirmer votre "
        "inscription, ouvrez ce lien :\n\n"
        f"{confirm_url}\n\n"
        f"Ce lien est valable {validity} et ne sert qu'une fois. Si vous n'êtes pas à "
        "l'origine de cette demande, ignorez ce message : vous ne recevrez rien d'autre.\n\n"
        f"-- \nNe plus recevoir de message de {name} : {unsubscribe_url}\n"
    )
    e = html.escape
    body = (
        "<p>Bonjour,</p>\n"
        f"<p>Vous avez demandé à recevoir la newsletter {e(name)}. Pour confirmer votre "
        "inscription, cliquez sur ce bouton :</p>\n"
        f'<p><a href="{e(confirm_url)}" style="display:inline-block;padding:12px 20px;'
        'background:#1a56db;color:#ffffff;text-decoration:none;border-radius:4px">'
        "Confirmer mon inscription</a></p>\n"
        f"<p>Ce lien est valable {validity} et ne sert qu'une fois. Si vous n'êtes pas à "
        "l'origine de cette demande, ignorez ce message : vous ne recevrez rien d'autre.</p>\n"
        f'<hr>\n<p style="font-size:12px;color:#6b7280"><a href="{e(unsubscribe_url)}">'
        f"Ne plus recevoir de message de {e(name)}</a></p>"
    )
    return MailContent(subject=subject, text=text, html=html_document(subject, body))


def notice_content(*, unsubscribe_url: str) -> MailContent:
    name = site_name()
    subject = f"Vous êtes déjà inscrit à la newsletter {name}"
    text = (
        "Bonjour,\n\n"
        f"Une inscription à la newsletter {name} vient d'être demandée pour cette adresse, "
        "qui la reçoit déjà : rien ne change, vous n'avez rien à faire.\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n"
        f"-- \nNe plus recevoir la newsletter {name} : {unsubscribe_url}\n"
    )
    e = html.escape
    body = (
        "<p>Bonjour,</p>\n"
        f"<p>Une inscription à la newsletter {e(name)} vient d'être demandée pour cette "
        "adresse, qui la reçoit déjà : rien ne change, vous n'avez rien à faire.</p>\n"
        "<p>Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.</p>\n"
        f'<hr>\n<p style="font-size:12px;color:#6b7280"><a href="{e(unsubscribe_url)}">'
        f"Ne plus recevoir la newsletter {e(name)}</a></p>"
    )
    return MailContent(subject=subject, text=text, html=html_document(subject, body))


def html_document(title: str, body: str) -> str:
    """A complete HTML mail body, in French, UTF-8."""
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n"
        '<body style="font-family:Arial,Helvetica,sans-serif;line-height:1.5;color:#111827">\n'
        f"{body}\n</body>\n</html>\n"
    )
