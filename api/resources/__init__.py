"""The API surface: every blueprint Newsdesk serves, in the order the docs list them."""

from api.resources import (
    articles,
    authors,
    changes,
    feeds,
    health,
    keys,
    newsletter,
    previews,
    publishing,
    revisions,
    site,
    sitemaps,
    structured_data,
    tags,
    webhooks,
)

RESOURCES = (
    articles.blp,
    publishing.blp,
    revisions.blp,
    previews.blp,
    structured_data.blp,
    tags.blp,
    authors.blp,
    site.blp,
    feeds.blp,
    sitemaps.blp,
    changes.blp,
    newsletter.blp,
    keys.blp,
    webhooks.blp,
    health.blp,
)
