"""Webhooks: endpoints and their secrets, signed event bodies, and delivery from the outbox.

`changes.record()` queues one pending `WebhookDelivery` per subscribed endpoint in the write's
own transaction; `deliver_due()` (run by the worker, `flask --app api webhooks work`) sends them.

Order: per endpoint, deliveries go strictly in id order (the order of the changes). Only an
endpoint's oldest pending delivery (its head) is ever attempted; until it succeeds (a 2xx) or
fails for good (`WEBHOOK_MAX_ATTEMPTS` attempts), the endpoint's later deliveries wait. Failed
attempts are retried after an exponential backoff with jitter. Other endpoints are unaffected.

Claim, commit, send, record: no transaction is open during the HTTP call. Claiming a head
counts the attempt and leases it (its `next_attempt_at` moves past the longest an attempt can
take) in one conditional UPDATE that matches only while the row is still the endpoint's due
head, so of two workers at most one claims it; on PostgreSQL the head row is first locked with
`FOR UPDATE SKIP LOCKED`, so a second worker skips it instead of waiting. The result is then
recorded in a second transaction. A worker that dies between sending and recording leaves the
lease to expire: the head is sent again (at-least-once, with the same `webhook-id`, so receivers
drop the duplicate), never lost, and nothing after it goes first.

Signing follows Standard Webhooks: `webhook-id` (the event id, the same on every attempt and
replay), `webhook-timestamp` (seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256>` of
`id.timestamp.body` under the endpoint's `whsec_` secret).
"""

from __future__ import annotations

import base64
import json
import logging
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased
from standardwebhooks import Webhook

from api.db import utcnow
from api.models import Change, WebhookDelivery, WebhookEndpoint
from api.services import netguard
from api.services.changes import event_payload
from api.services.exceptions import InvalidValue
from schemas.changes import ChangeSchema

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
USER_AGENT = "Newsdesk-Webhooks/1.0"
_ERROR_MAX_LENGTH = 500
_EVENT_SCHEMA = ChangeSchema()


@dataclass(frozen=True)
class DeliverySettings:
    """The WEBHOOK_* configuration, read once."""

    allowed_networks: tuple[netguard.IPNetwork, ...] = ()
    resolve_timeout: float = 2.0
    timeout: float = 5.0
    retry_base: float = 10.0
    retry_max_delay: float = 6 * 3600.0
    max_attempts: int = 12

    @classmethod
    def from_config(cls, config: Mapping) -> DeliverySettings:
        return cls(
            allowed_networks=netguard.parse_networks(config["WEBHOOK_ALLOWED_NETWORKS"]),
            resolve_timeout=float(config["WEBHOOK_RESOLVE_TIMEOUT"]),
            timeout=float(config["WEBHOOK_TIMEOUT"]),
            retry_base=float(config["WEBHOOK_RETRY_BASE"]),
            retry_max_delay=float(config["WEBHOOK_RETRY_MAX_DELAY"]),
            max_attempts=int(config["WEBHOOK_MAX_ATTEMPTS"]),
        )

    @property
    def lease(self) -> timedelta:
        """Longer than any attempt takes (resolving, connecting, sending, awaiting the status
        line), with a margin: a claim older than this belongs to a worker that died."""
        return timedelta(seconds=self.resolve_timeout + 3 * self.timeout + 30)


# --- Endpoints


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def check_url(url: str, settings: DeliverySettings) -> None:
    """Refuse (422 on `url`) a URL the worker would refuse to send to."""
    try:
        netguard.vet(url, settings.allowed_networks, settings.resolve_timeout)
    except netguard.RefusedDestination as refused:
        raise InvalidValue(str(refused), field="url") from None


def _distinct(events: list[str]) -> list[str]:
    return list(dict.fromkeys(events))


def create_endpoint(
    session: Session, data: Mapping, settings: DeliverySettings
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (returned here, and by `rotate_secret`, only)."""
    check_url(data["url"], settings)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=data["url"],
        description=data.get("description"),
        events=_distinct(data["events"]),
        active=data.get("active", True),
        secret=secret,
    )
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def update_endpoint(
    session: Session, endpoint: WebhookEndpoint, data: Mapping, settings: DeliverySettings
) -> WebhookEndpoint:
    """Change the fields given. New events apply to changes from now on; pausing
    (`active: false`) queues nothing new and holds back what is pending until resumed."""
    if "url" in data and data["url"] != endpoint.url:
        check_url(data["url"], settings)
        endpoint.url = data["url"]
    if "events" in data:
        endpoint.events = _distinct(data["events"])
    for name in ("description", "active"):
        if name in data:
            setattr(endpoint, name, data[name])
    session.flush()
    return endpoint


def rotate_secret(session: Session, endpoint: WebhookEndpoint) -> str:
    """A new secret, effective at once (pending retries are signed with it)."""
    endpoint.secret = new_secret()
    session.flush()
    return endpoint.secret


def delete_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint with its delivery log (the database cascades)."""
    session.delete(endpoint)
    session.flush()


def replay_delivery(session: Session, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue the delivery's event again for its endpoint, after whatever is pending there."""
    replay = WebhookDelivery(
        endpoint_id=delivery.endpoint_id, change_id=delivery.change_id, next_attempt_at=utcnow()
    )
    session.add(replay)
    session.flush()
    return replay


# --- Signed requests


def event_body(change: Change) -> str:
    """The body of a webhook: the event as the change feed shows it, as compact UTF-8 JSON."""
    payload = _EVENT_SCHEMA.dump(event_payload(change))
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def signed_headers(secret: str, event_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers (and the others every request carries)."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, at, body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


# --- Delivery


@dataclass(frozen=True)
class Attempt:
    """A claimed delivery, with all it takes to send it outside any transaction."""

    delivery_id: int
    attempts: int  # counting this one
    url: str
    secret: str
    event_id: str
    event_type: str
    body: str


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    response_status: int | None = None
    error: str | None = None


def backoff(
    attempts: int, settings: DeliverySettings, rng: random.Random | None = None
) -> timedelta:
    """The wait after `attempts` failed attempts: exponential, capped, with jitter (between
    half and all of it, so that receivers coming back are not hit by every retry at once)."""
    delay = min(settings.retry_max_delay, settings.retry_base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * (rng or random).uniform(0.5, 1.0))


def _earlier_pending(endpoint_id, delivery_id: int):
    earlier = aliased(WebhookDelivery)
    return exists().where(
        earlier.endpoint_id == endpoint_id, earlier.status == "pending", earlier.id < delivery_id
    )


def due_heads(now: datetime):
    """(delivery id, endpoint id) of each active endpoint's oldest pending delivery, when its
    time has come."""
    head = aliased(WebhookDelivery)
    oldest = (
        select(func.min(head.id))
        .where(head.endpoint_id == WebhookDelivery.endpoint_id, head.status == "pending")
        .scalar_subquery()
    )
    return (
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id)
        .join(
            WebhookEndpoint,
            and_(WebhookEndpoint.id == WebhookDelivery.endpoint_id, WebhookEndpoint.active),
        )
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookDelivery.id == oldest,
        )
        .order_by(WebhookDelivery.id)
    )


def claim(
    session: Session, delivery_id: int, endpoint_id, now: datetime, settings: DeliverySettings
) -> Attempt | None:
    """Count an attempt of a due head and lease it, then commit; None when it is no longer
    the endpoint's due head, or another worker holds it."""
    if session.get_bind().dialect.name == "postgresql":
        locked = session.scalar(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.id == delivery_id)
            .with_for_update(skip_locked=True)
        )
        if locked is None:
            session.rollback()
            return None
    claimed = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            ~_earlier_pending(endpoint_id, delivery_id),
            exists().where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.active),
        )
        .values(
            attempts=WebhookDelivery.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=now + settings.lease,
        ),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:
        session.rollback()
        return None
    delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    endpoint = session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
    change = session.get(Change, delivery.change_id, populate_existing=True)
    attempt = Attempt(
        delivery_id=delivery.id,
        attempts=delivery.attempts,
        url=endpoint.url,
        secret=endpoint.secret,
        event_id=str(change.event_id),
        event_type=change.type,
        body=event_body(change),
    )
    session.commit()
    return attempt


def _describe(error: httpx.HTTPError) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def send(attempt: Attempt, settings: DeliverySettings) -> Outcome:
    """POST the event to the endpoint, at an address vetted just now, without following
    redirects. Never raises."""
    try:
        destination = netguard.vet(attempt.url, settings.allowed_networks, settings.resolve_timeout)
    except netguard.RefusedDestination as refused:
        return Outcome(False, error=f"Refused: {refused}")
    url = httpx.URL(attempt.url)
    headers = signed_headers(attempt.secret, attempt.event_id, attempt.body, datetime.now(UTC))
    headers["Host"] = destination.host_header
    # TLS: the name the certificate must match, though we connect to an address
    extensions = {}
    if destination.scheme == "https" and not destination.is_ip_literal:
        extensions["sni_hostname"] = destination.host
    content = attempt.body.encode("utf-8")
    error = "No address to connect to."
    # One client per attempt: no connection is pooled across host names sharing an address
    with httpx.Client(timeout=settings.timeout, follow_redirects=False, trust_env=False) as client:
        for address in destination.addresses:
            target = url.copy_with(host=str(address))
            try:
                with client.stream(
                    "POST", target, content=content, headers=headers, extensions=extensions
                ) as response:
                    status = response.status_code
                    location = response.headers.get("Location", "")
            except (httpx.ConnectError, httpx.ConnectTimeout) as failure:
                error = f"Could not connect to {address}: {_describe(failure)}"
                continue  # the host's next address
            except httpx.TimeoutException as failure:
                return Outcome(False, error=f"No answer within {settings.timeout:g} s: {failure}")
            except httpx.HTTPError as failure:
                return Outcome(False, error=_describe(failure))
            if 200 <= status < 300:
                return Outcome(True, response_status=status)
            if 300 <= status < 400:
                return Outcome(
                    False, status, f"HTTP {status}: redirects are not followed ({location})."
                )
            return Outcome(False, status, f"HTTP {status}.")
    return Outcome(False, error=error)


def record_outcome(
    session: Session, attempt: Attempt, outcome: Outcome, now: datetime, settings: DeliverySettings
) -> str | None:
    """Write what the attempt gave; the delivery's new status, or None when the claim was
    lost meanwhile (its lease ran out and another worker took it, or the endpoint went)."""
    if outcome.delivered:
        values = {"status": "delivered", "delivered_at": now, "next_attempt_at": now, "error": None}
    elif attempt.attempts >= settings.max_attempts:
        values = {"status": "failed", "next_attempt_at": now, "error": outcome.error}
    else:
        retry_at = now + backoff(attempt.attempts, settings)
        values = {"status": "pending", "next_attempt_at": retry_at, "error": outcome.error}
    if values["error"]:
        values["error"] = values["error"][:_ERROR_MAX_LENGTH]
    recorded = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == attempt.delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.attempts == attempt.attempts,
        )
        .values(response_status=outcome.response_status, **values),
        execution_options={"synchronize_session": False},
    )
    session.commit()
    if recorded.rowcount != 1:
        log.warning("delivery %s: the claim was lost before its outcome", attempt.delivery_id)
        return None
    return values["status"]


def deliver_due(
    session: Session,
    settings: DeliverySettings,
    *,
    now: datetime | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Attempt every due head, then the heads that follow delivered ones, until none is due;
    the number of attempts made. `now` fixes the clock (tests); `should_stop` is asked
    between attempts (a worker asked to stop finishes the one in flight, then returns)."""
    clock = (lambda: now) if now is not None else utcnow
    attempts = 0
    while not should_stop():
        heads = session.execute(due_heads(clock())).all()
        session.commit()  # hold no transaction while sending
        progressed = False
        for delivery_id, endpoint_id in heads:
            if should_stop():
                break
            attempt = claim(session, delivery_id, endpoint_id, clock(), settings)
            if attempt is None:
                continue
            outcome = send(attempt, settings)
            status = record_outcome(session, attempt, outcome, clock(), settings)
            attempts += 1
            # a delivered or finally failed head lets the endpoint's next one go
            progressed = progressed or status in ("delivered", "failed")
            # the URL is not logged: partners put tokens in them
            log.info(
                "webhook delivery %s (%s %s), attempt %s: %s",
                attempt.delivery_id,
                attempt.event_type,
                attempt.event_id,
                attempt.attempts,
                "delivered" if outcome.delivered else outcome.error,
            )
        if not progressed:  # nothing moved on: what is left waits for its retry time
            break
    return attempts
