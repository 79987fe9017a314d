"""The data model: every mapped class, imported so that Base.metadata knows them all."""

from api.models.content import ARTICLE_STATUSES, Article, ArticleAuthor, ArticleTag, Tag
from api.models.people import Author

__all__ = ["ARTICLE_STATUSES", "Article", "ArticleAuthor", "ArticleTag", "Author", "Tag"]
