"""The newsletter: sign-up with double opt-in, confirmation and one-click unsubscription for
readers; the subscriber list, its CSV export and erasure for admins; the daily digests."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date
from functools import wraps

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort

from api.db import db
from api.errors import problem, require_json_bodies
from api.extensions import Blueprint, found_or_404, one, page_response, path_parameter
from api.limits import client_address, limiter
from api.models import Subscriber
from api.services import digests, queries
from api.services.links import article_url
from api.services.newsletter import (
    InvalidNewsletterToken,
    confirm_subscription,
    erase_subscriber,
    subscribe,
    unsubscribe,
)
from api.services.pagination import paginate
from schemas.common import NoQueryArgsSchema
from schemas.newsletter import (
    SEED_TITLE,
    SEED_URL,
    SIGN_UP_MESSAGE,
    DigestEnvelopeSchema,
    OneClickFormSchema,
    OptionalTokenSchema,
    SubscriberExportArgsSchema,
    SubscriberListSchema,
    SubscriberQueryArgsSchema,
    SubscriptionAcceptedEnvelopeSchema,
    SubscriptionCreateSchema,
    SubscriptionStatusEnvelopeSchema,
    TokenSchema,
    UnsubscribeQueryArgsSchema,
)

blp = Blueprint(
    "newsletter",
    __name__,
    url_prefix="/v1/newsletter",
    description="The newsletter, by double opt-in: a sign-up mails a confirmation link; "
    "following it starts the subscription; every mail unsubscribes in one click (RFC 8058). "
    "Links in mails open the website's pages (`NEWSDESK_NEWSLETTER_CONFIRM_URL`, "
    "`NEWSDESK_NEWSLETTER_UNSUBSCRIBE_URL`), which call these operations with the link's "
    "token. No answer tells whether an address is subscribed, and none shows one but to "
    "admins. A daily digest of the day's articles goes to confirmed subscribers.",
)
NOT_FOUND = "No subscriber has this id."
FORM = "application/x-www-form-urlencoded"
PRIVATE = {"Cache-Control": "private, no-store"}
CSV_COLUMNS = (
    "id",
    "email",
    "status",
    "source",
    "consent_at",
    "created_at",
    "confirmed_at",
    "unsubscribed_at",
)
CSV_EXAMPLE = (
    ",".join(CSV_COLUMNS) + "\r\n"
    "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a,jean.dupont@exemple.fr,confirmed,article-footer,"
    "2024-05-20T17:42:00Z,2024-05-20T17:42:00Z,2024-05-20T17:45:10Z,\r\n"
)
DIGEST_EXAMPLE = {
    "data": {
        "date": "2024-05-21",
        "subject": "Newsdesk — l'essentiel du mardi 21 mai 2024",
        "html": "<!DOCTYPE html>\n<html lang=\"fr\">…<h2><a href=\"" + SEED_URL + '">'
        + SEED_TITLE + "</a></h2>…</html>\n",
        "text": "Newsdesk — l'essentiel du mardi 21 mai 2024\n\n1 article publié ce jour.\n\n"
        + SEED_TITLE + "\n" + SEED_URL + "\nC’est finalement à Séoul…\n",
        "articles": [
            {
                "id": "3f6c0d6e-8f1a-4c1e-9d2b-7a5e4c3b2a10",
                "slug": "seoul-accueille-la-seconde-edition-du-ai-safety-summit",
                "title": SEED_TITLE,
                "url": SEED_URL,
                "excerpt": "C’est finalement à Séoul, en Corée du Sud, que va se dérouler…",
                "published_at": "2024-05-21T08:00:00Z",
            }
        ],
        "built_at": "2024-05-21T20:00:00Z",
    }
}  # fmt: skip
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TOKEN_PROBLEM_STATUS = 401


def json_bodies(func):
    """A JSON body or none (415 otherwise), checked before the body is parsed."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        return require_json_bodies() or func(*args, **kwargs)

    return wrapper


def _token_problem(error: InvalidNewsletterToken):
    return problem(TOKEN_PROBLEM_STATUS, error.message)


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    @blp.no_auth
    @json_bodies
    @blp.arguments(
        SubscriptionCreateSchema,
        example={"email": "jean.dupont@exemple.fr", "consent": True, "source": "article-footer"},
    )
    @blp.response(202, SubscriptionAcceptedEnvelopeSchema)
    @limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"], key_func=client_address)
    def post(self, data):
        """Subscribe to the newsletter

        Needs no key. Records the reader's consent (its time and `source`) and mails a
        confirmation link (French, text and HTML); the subscription starts once the link is
        followed (`POST /v1/newsletter/confirmations`). The answer is the same `202` whether
        the address is new, waiting for confirmation, subscribed or unsubscribed: it never
        tells who is subscribed. A subscribed address is sent a neutral notice instead (it
        changes nothing). One address is mailed at most once an hour, however many sign-ups
        name it; sign-ups are limited per client address (`RATELIMIT_SIGNUP`, 5 a minute by
        default). An invalid address is a `422` that does not repeat it.
        """
        subscribe(db.session, email=data["email"], source=data["source"])
        db.session.commit()
        return one({"message": SIGN_UP_MESSAGE})


@blp.route("/confirmations")
class Confirmations(MethodView):
    @blp.no_auth
    @json_bodies
    @blp.arguments(TokenSchema, example={"token": "eyJzIjoiM2Y2YzBkNmUtLi4uIn0.c2lnbmF0dXJl"})
    @blp.response(200, SubscriptionStatusEnvelopeSchema)
    def post(self, data):
        """Confirm a subscription

        Needs no key: the token from the confirmation mail's link is the credential. Starts
        the subscription. A token is good once, for `NEWSLETTER_TOKEN_TTL` (48 hours by
        default): a tampered, expired or used one is a `401`.
        """
        try:
            confirm_subscription(db.session, data["token"])
        except InvalidNewsletterToken as error:
            return _token_problem(error)
        db.session.commit()
        return one({"status": "confirmed"})


@blp.route("/unsubscribe")
class Unsubscribe(MethodView):
    @blp.no_auth
    @blp.query(UnsubscribeQueryArgsSchema)
    @blp.arguments(
        OptionalTokenSchema,
        required=False,
        example={"token": "eyJzIjoiM2Y2YzBkNmUtLi4uIn0.c2lnbmF0dXJl"},
    )
    @blp.doc(
        requestBody={
            "description": "None; RFC 8058's `List-Unsubscribe=One-Click` (form-encoded), "
            "as a mail client sends it to the `List-Unsubscribe` URL; or JSON `{token}`.",
            "content": {FORM: {"schema": OneClickFormSchema}},
        }
    )
    @blp.response(200, SubscriptionStatusEnvelopeSchema)
    @blp.errors(400, 413, 415, 422)
    def post(self, args, body):
        """Unsubscribe in one click

        Needs no key: the token of a mail's unsubscribe link is the credential, in the query
        (`?token=`, as every mail's `List-Unsubscribe` header gives it) or as JSON `{token}`.
        Mail clients POST `List-Unsubscribe=One-Click` form-encoded to that header's URL (RFC
        8058); an empty body works too. Mails still queued to the address are dropped. A
        token is good once: a tampered, expired or used one is a `401`.
        """
        refused = _refuse_other_bodies()
        if refused is not None:
            return refused
        token = args.get("token") or body.get("token")
        if not token:
            return problem(
                TOKEN_PROBLEM_STATUS, "Send the token of the mail's link: `?token=` or `{token}`."
            )
        try:
            unsubscribe(db.session, token)
        except InvalidNewsletterToken as error:
            return _token_problem(error)
        db.session.commit()
        return one({"status": "unsubscribed"})


def _refuse_other_bodies():
    """RFC 8058's form body, JSON or nothing: any other body is a 415."""
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    if has_body and not request.is_json and request.mimetype != FORM:
        return problem(
            415, f"Send no body, `{FORM}` (`List-Unsubscribe=One-Click`) or JSON `{{token}}`."
        )
    return None


@blp.route("/subscribers")
class Subscribers(MethodView):
    @blp.auth("admin")
    @blp.query(SubscriberQueryArgsSchema)
    @blp.response(200, SubscriberListSchema)
    @blp.errors(400)
    def get(self, args):
        """List subscribers

        Newest first, with their addresses, states and consents; `status` keeps one state.
        Admins only.
        """
        stmt = queries.list_subscribers(args.get("status"))
        return page_response(paginate(db.session, stmt, args["page"], args["per_page"]))


@blp.route("/subscribers.csv")
class SubscribersCsv(MethodView):
    @blp.auth("admin")
    @blp.query(SubscriberExportArgsSchema)
    @blp.response(200, {"type": "string"}, content_type="text/csv", example=CSV_EXAMPLE)
    @blp.errors(400)
    def get(self, args):
        """Export subscribers as CSV

        Every subscriber (or those in `status`), oldest first: `id`, `email`, `status`,
        `source` and the times of consent, sign-up, confirmation and unsubscription, in UTF-8
        CSV. A cell a spreadsheet would read as a formula is prefixed with `'`. Admins only.
        """
        stmt = queries.list_subscribers(args.get("status")).order_by(None)
        stmt = stmt.order_by(Subscriber.created_at, Subscriber.id)
        body = _csv(db.session.scalars(stmt))
        headers = {
            **PRIVATE,
            "Content-Disposition": 'attachment; filename="newsletter-subscribers.csv"',
        }
        return current_app.response_class(
            body, content_type="text/csv; charset=utf-8", headers=headers
        )


def _csv(subscribers) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for subscriber in subscribers:
        writer.writerow([_cell(getattr(subscriber, column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat") and hasattr(value, "tzinfo"):
        return value.isoformat().replace("+00:00", "Z")
    text = str(value)
    # CSV injection: a spreadsheet runs a cell starting with one of these as a formula
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@blp.route(
    "/subscribers/<uuid:subscriber_id>",
    parameters=[path_parameter("subscriber_id", "The subscriber's id (a UUID).")],
)
class SubscriberById(MethodView):
    @blp.auth("admin")
    @blp.response(204)
    @blp.errors(404)
    def delete(self, subscriber_id: uuid.UUID):
        """Erase a subscriber

        The right to erasure: the subscriber, its consent record, every mail queued or sent
        to it and its digest records are deleted for good. Admins only.
        """
        subscriber = found_or_404(db.session.get(Subscriber, subscriber_id), NOT_FOUND)
        erase_subscriber(db.session, subscriber)
        db.session.commit()
        return None


@blp.route(
    "/digests/<string(length=10):day>",
    parameters=[
        path_parameter(
            "day",
            "The day (`YYYY-MM-DD`, in the site's time zone).",
            schema={"type": "string", "format": "date", "example": "2024-05-21"},
        )
    ],
)
class DigestByDate(MethodView):
    @blp.no_auth
    @blp.query(NoQueryArgsSchema)
    @blp.response(200, DigestEnvelopeSchema, example=DIGEST_EXAMPLE)
    @blp.errors(400, 404)
    def get(self, _args, day: str):
        """Get a day's digest

        The newsletter of that day's articles, as mailed (less each recipient's footer):
        subject, HTML and text, and its articles with their links and excerpts, for a
        website to show. Only articles still public are shown. `404` when no digest was
        built that day (`flask --app api newsletter digest --date`).
        """
        view = digests.public_digest(db.session, _day(day))
        view = found_or_404(view, "No digest was sent on this day.")
        return one(
            {
                "date": view.digest.date,
                "subject": view.content.subject,
                "html": view.content.html,
                "text": view.content.text,
                "articles": [_article(article) for article in view.articles],
                "built_at": view.digest.built_at,
            }
        )


def _day(text: str) -> date:
    if not DATE.match(text):
        abort(404, message="No digest was sent on this day.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404, message="No digest was sent on this day.")


def _article(article) -> dict:
    return {
        "id": article.id,
        "slug": article.slug,
        "title": article.title,
        "url": article_url(article),
        "excerpt": article.excerpt,
        "published_at": article.published_at,
    }
