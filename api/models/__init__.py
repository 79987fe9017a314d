"""The data model: every mapped class, imported so that Base.metadata knows them all."""

from api.models.access import ROLES, ApiKey
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
from api.models.people import Author

__all__ = [
    "ARTICLE_STATUSES",
    "EVENT_TYPES",
    "ROLES",
    "ApiKey",
    "Article",
    "ArticleAuthor",
    "ArticleRevision",
    "ArticleTag",
    "Author",
    "Change",
    "PublicState",
    "SlugRedirect",
    "Tag",
    "WebhookDelivery",
    "WebhookEndpoint",
]
