"""schema.org structured data of an article: the NewsArticle JSON-LD a page embeds for search
engines (https://developers.google.com/search/docs/appearance/structured-data/article)."""

from __future__ import annotations

from datetime import UTC, datetime

from api.models import Article
from api.services import links
from api.services.site import site_identity

CONTEXT = "https://schema.org"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def publisher() -> dict:
    """The publisher, as an Organization: the site's name and address, and its logo if set."""
    identity = site_identity()
    organization = {"@type": "Organization", "name": identity.name, "url": links.site_url()}
    if identity.logo_url:
        organization["logo"] = {"@type": "ImageObject", "url": identity.logo_url}
    return organization


def changed_at(article: Article) -> datetime:
    """The article's last change, or its publication when later (a scheduled article appears
    with no edit)."""
    return max(filter(None, (article.updated_at, article.published_at)))


def surrogate_keys(article: Article) -> list[str]:
    """The article's purge key, and its authors' and tags' (their names are shown)."""
    return [
        f"article:{article.id}",
        *(f"author:{person.id}" for person in article.authors),
        *(f"tag:{topic.id}" for topic in article.tags),
    ]


def news_article(article: Article) -> dict:
    """The article as a schema.org NewsArticle. Absent values (no excerpt, no feature image, an
    unpublished article's date) are left out rather than null."""
    url = links.article_url(article)
    data: dict = {
        "@context": CONTEXT,
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.meta_description or article.excerpt,
        "datePublished": article.published_at and _rfc3339(article.published_at),
        "dateModified": _rfc3339(changed_at(article)),
        "author": [
            {"@type": "Person", "name": person.name, "url": links.author_url(person)}
            for person in article.authors
        ],
        "image": article.feature_image_url,
        "publisher": publisher(),
        "inLanguage": article.language,
        "keywords": [topic.name for topic in article.tags],
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
    }
    return {key: value for key, value in data.items() if value is not None}
