"""The API surface: every blueprint Newsdesk serves, in the order the docs list them."""

from api.resources import (
    articles,
    authors,
    changes,
    health,
    keys,
    previews,
    publishing,
    revisions,
    tags,
)

RESOURCES = (
    articles.blp,
    publishing.blp,
    revisions.blp,
    previews.blp,
    tags.blp,
    authors.blp,
    changes.blp,
    keys.blp,
    health.blp,
)
