"""Newsletter schemas: a sign-up, the tokens of mailed links, subscribers (admins only) and the
daily digest."""

from marshmallow import Schema, ValidationError, fields, validate

from api.config import DEFAULTS
from api.models.newsletter import SUBSCRIBER_STATUSES
from api.services.newsletter import InvalidEmail, normalise_email
from schemas.common import PageLinksSchema, PageMetaSchema, PaginationArgsSchema
from schemas.fields import UTCDateTime, not_blank, plain_text

SEED_SLUG = "seoul-accueille-la-seconde-edition-du-ai-safety-summit"
SEED_TITLE = "Séoul accueille la seconde édition du AI Safety Summit"
SEED_URL = DEFAULTS["SITE_URL"] + DEFAULTS["ARTICLE_PATH"].format(slug=SEED_SLUG)
SEED_EXCERPT = (
    "C’est finalement à Séoul, en Corée du Sud, que va se dérouler, ces 21 et 22 mai, la "
    "seconde édition du “AI Safety Summit“, co-organisée par Séoul et le Royaume-Uni."
)
DIGEST_SUBJECT = "Newsdesk — l'essentiel du mardi 21 mai 2024"
TOKEN_MAX_LENGTH = 500
# Special-use domains mail never reaches (RFC 6761 and kin), which the address check refuses:
# said in the spec too, in any case
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
EMAIL_PATTERN = (
    r"^(?![\s\S]*\.(?:"
    + "|".join("".join(f"[{c}{c.upper()}]" for c in name) for name in SPECIAL_USE_DOMAINS)
    + r")$)"
)
# What every sign-up answers, whatever the address: nothing tells who is subscribed
SIGN_UP_MESSAGE = (
    "If this address can receive the newsletter, a confirmation mail is on its way: the "
    "subscription starts once its link is followed."
)


def email_address(value: str) -> None:
    """An address mail can be delivered to (syntax only: no DNS). The message never repeats
    the address."""
    try:
        normalise_email(value)
    except InvalidEmail as error:
        raise ValidationError(str(error)) from None


class ConsentField(fields.Field):
    """`true`, the JSON literal, and nothing else: consent is never inferred ("yes", 1)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is not True:
            raise ValidationError("Must be true: the reader's explicit consent.")
        return True

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class SubscriptionCreateSchema(Schema):
    email = fields.String(
        required=True,
        validate=[validate.Length(min=3, max=254), email_address],
        metadata={
            "format": "email",
            "pattern": EMAIL_PATTERN,
            "description": "The reader's address. Stored normalised: lowercase, an "
            "internationalised domain in Unicode (`Jean@BÜCHER.example` is "
            "`jean@bücher.example`). Checked for syntax only (no DNS); special-use domains "
            "(`.test`, `.invalid`, `.local`, `.localhost`, `.onion`, `.arpa`) are refused.",
            "example": "jean.dupont@exemple.fr",
        },
    )
    consent = ConsentField(
        required=True,
        metadata={
            "type": "boolean",
            "enum": [True],
            "description": "The reader's explicit consent: must be `true`. Its time is stored.",
            "example": True,
        },
    )
    source = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=200), plain_text, not_blank],
        metadata={
            "description": "Where the reader subscribed (a form, a page): stored with the "
            "consent. Plain text.",
            "example": "article-footer",
        },
    )


class SubscriptionAcceptedSchema(Schema):
    message = fields.String(metadata={"example": SIGN_UP_MESSAGE})


class SubscriptionAcceptedEnvelopeSchema(Schema):
    data = fields.Nested(SubscriptionAcceptedSchema)


def Token(**kwargs) -> fields.String:  # noqa: N802 - reads like a field
    return fields.String(
        validate=validate.Length(min=1, max=TOKEN_MAX_LENGTH),
        metadata={
            "description": "The token of a mailed link, as the link gives it.",
            "example": "eyJzIjoiM2Y2YzBkNmUtLi4uIn0.Zk3x9Q.c2lnbmF0dXJl",
        },
        **kwargs,
    )


class TokenSchema(Schema):
    token = Token(required=True)


class OptionalTokenSchema(Schema):
    token = Token()


class UnsubscribeQueryArgsSchema(Schema):
    token = Token()


class OneClickFormSchema(Schema):
    """RFC 8058's one-click body, as a mail client POSTs it."""

    list_unsubscribe = fields.String(
        data_key="List-Unsubscribe",
        metadata={"enum": ["One-Click"], "example": "One-Click"},
    )


class SubscriptionStatusSchema(Schema):
    status = fields.String(metadata={"enum": ["confirmed", "unsubscribed"], "example": "confirmed"})


class SubscriptionStatusEnvelopeSchema(Schema):
    data = fields.Nested(SubscriptionStatusSchema)


class SubscriberSchema(Schema):
    """A subscriber, as admins see it (never shown to anyone else)."""

    id = fields.UUID()
    email = fields.String(metadata={"example": "jean.dupont@exemple.fr"})
    status = fields.String(metadata={"enum": list(SUBSCRIBER_STATUSES), "example": "confirmed"})
    source = fields.String(metadata={"example": "article-footer"})
    consent_at = UTCDateTime(metadata={"example": "2024-05-20T17:42:00Z"})
    created_at = UTCDateTime(metadata={"example": "2024-05-20T17:42:00Z"})
    confirmed_at = UTCDateTime(allow_none=True, metadata={"example": "2024-05-20T17:45:10Z"})
    unsubscribed_at = UTCDateTime(allow_none=True, metadata={"example": None})


class SubscriberListSchema(Schema):
    data = fields.List(fields.Nested(SubscriberSchema))
    meta = fields.Nested(PageMetaSchema)
    links = fields.Nested(PageLinksSchema)


class SubscriberQueryArgsSchema(PaginationArgsSchema):
    status = fields.String(
        validate=validate.OneOf(SUBSCRIBER_STATUSES),
        metadata={"description": "Only subscribers in this state."},
    )


class SubscriberExportArgsSchema(Schema):
    status = fields.String(
        validate=validate.OneOf(SUBSCRIBER_STATUSES),
        metadata={"description": "Only subscribers in this state."},
    )


class DigestArticleSchema(Schema):
    id = fields.UUID()
    slug = fields.String(metadata={"example": SEED_SLUG})
    title = fields.String(metadata={"example": SEED_TITLE})
    url = fields.String(
        metadata={"description": "The article's page on the website.", "example": SEED_URL},
    )
    excerpt = fields.String(allow_none=True, metadata={"example": SEED_EXCERPT})
    published_at = UTCDateTime(metadata={"example": "2024-05-21T08:00:00Z"})


class DigestSchema(Schema):
    date = fields.Date(metadata={"description": "The day, in the site's time zone."})
    subject = fields.String(metadata={"example": DIGEST_SUBJECT})
    html = fields.String(
        metadata={"description": "The digest as an HTML document (the mail, less its footer)."}
    )
    text = fields.String(metadata={"description": "The digest as plain text."})
    articles = fields.List(
        fields.Nested(DigestArticleSchema),
        metadata={"description": "One entry per article, in publication order."},
    )
    built_at = UTCDateTime(metadata={"example": "2024-05-21T20:00:00Z"})


class DigestEnvelopeSchema(Schema):
    data = fields.Nested(DigestSchema)
