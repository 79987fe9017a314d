"""Structured data: an article as schema.org NewsArticle JSON-LD, for the page that shows it."""

import uuid

from flask import current_app, json
from flask.views import MethodView

from api import caching
from api.extensions import Blueprint
from api.resources.articles import ARTICLE_ID, readable_article
from api.services import structured_data
from schemas.common import NoQueryArgsSchema
from schemas.structured_data import NEWS_ARTICLE_EXAMPLE, NewsArticleSchema

blp = Blueprint(
    "structured-data",
    __name__,
    url_prefix="/v1/articles",
    description="schema.org structured data (JSON-LD) that article pages embed for search engines.",
)
MEDIA_TYPE = "application/ld+json"


@blp.route("/<uuid:article_id>/structured-data", parameters=[ARTICLE_ID])
class ArticleStructuredData(MethodView):
    @blp.optional_auth
    @blp.query(NoQueryArgsSchema)
    @blp.response(200, NewsArticleSchema, content_type=MEDIA_TYPE, example=NEWS_ARTICLE_EXAMPLE)
    @blp.errors(400, 404, 410)
    def get(self, _args, article_id: uuid.UUID):
        """Get an article's structured data

        The article as a schema.org `NewsArticle`, ready for the page's
        `<script type="application/ld+json">`: headline, description, publication and change
        times, authors (`Person`, with their pages), feature image, publisher
        (`Organization`, with the site's logo when configured), language, keywords (its tags)
        and canonical URL. Readable as `GET /v1/articles/{article_id}` is: a draft answers
        404 like an unknown id (editorial keys see their unpublished work), a deleted
        article 410.
        """
        article = readable_article(article_id=article_id, bylines=True)
        caching.describe_representation(
            modified=structured_data.changed_at(article),
            keys=structured_data.surrogate_keys(article),
        )
        body = json.dumps(structured_data.news_article(article))
        return current_app.response_class(body, mimetype=MEDIA_TYPE)
