"""The data model: every mapped class, imported so that Base.metadata knows them all."""

from api.models.access import ROLES, ApiKey
from api.models.cache import CONTENT_VERSION_ID, ContentVersion
from api.models.content import (
    ARTICLE_STATUSES,
    Article,
    ArticleAuthor,
    ArticleRevision,
    ArticleTag,
    SlugRedirect,
    Tag,
)
from api.models.events import (
    EVENT_TYPES,
    Change,
    PublicState,
    WebhookDelivery,
    WebhookEndpoint,
)
from api.models.idempotency import IdempotencyKey
from api.models.newsletter import (
    MAIL_STATUSES,
    SUBSCRIBER_STATUSES,
    Digest,
    DigestRecipient,
    Mail,
    Subscriber,
)
from api.models.people import Author
from api.models.site import SiteSettings
from api.models.tallies import ARTICLE_TALLY_ID, ArticleTally, TagTally

__all__ = [
    "ARTICLE_STATUSES",
    "ARTICLE_TALLY_ID",
    "CONTENT_VERSION_ID",
    "EVENT_TYPES",
    "MAIL_STATUSES",
    "ROLES",
    "SUBSCRIBER_STATUSES",
    "ApiKey",
    "Article",
    "ArticleAuthor",
    "ArticleRevision",
    "ArticleTag",
    "ArticleTally",
    "Author",
    "Change",
    "ContentVersion",
    "Digest",
    "DigestRecipient",
    "IdempotencyKey",
    "Mail",
    "PublicState",
    "SiteSettings",
    "SlugRedirect",
    "Subscriber",
    "Tag",
    "TagTally",
    "WebhookDelivery",
    "WebhookEndpoint",
]
