"""The API surface: every blueprint Newsdesk serves, in the order the docs list them."""

from api.resources import articles, authors, health, tags

RESOURCES = (articles.blp, tags.blp, authors.blp, health.blp)
