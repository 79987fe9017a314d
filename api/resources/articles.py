"""Articles: the published catalogue, listed, filtered and read by id or slug."""

import uuid

from flask.views import MethodView
from flask_smorest import abort

from api.db import db
from api.extensions import Blueprint, one, page_response, path_parameter
from api.services import queries
from api.services.pagination import paginate
from schemas.articles import ArticleEnvelopeSchema, ArticleListSchema, ArticleQueryArgsSchema
from schemas.common import NoQueryArgsSchema

blp = Blueprint(
    "articles",
    __name__,
    url_prefix="/v1/articles",
    description="News articles. Only published articles are visible without credentials.",
)


@blp.route("")
class Articles(MethodView):
    @blp.query(ArticleQueryArgsSchema)
    @blp.response(200, ArticleListSchema)
    @blp.errors(400)
    def get(self, args):
        """List published articles

        Newest first by default. Summaries embed their authors and tags but not the body;
        fetch one article for its body. Filters combine with AND.
        """
        page, per_page = args.pop("page"), args.pop("per_page")
        stmt = queries.list_public_articles(**args)
        return page_response(paginate(db.session, stmt, page, per_page))


@blp.route(
    "/<uuid:article_id>",
    parameters=[path_parameter("article_id", "The article's id (a UUID).")],
)
class ArticleById(MethodView):
    @blp.query(NoQueryArgsSchema)
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.errors(400, 404)
    def get(self, _args, article_id: uuid.UUID):
        """Get a published article by id

        The id is stable forever: partners de-duplicate syndicated items by it.
        """
        return one(_found(db.session.scalar(queries.public_article_by_id(article_id))))


@blp.route(
    "/slug/<slug:slug>",
    parameters=[
        path_parameter(
            "slug",
            "The article's slug.",
            example="seoul-accueille-la-seconde-edition-du-ai-safety-summit",
        )
    ],
)
class ArticleBySlug(MethodView):
    @blp.query(NoQueryArgsSchema)
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.errors(400, 404)
    def get(self, _args, slug: str):
        """Get a published article by slug

        Slugs are ASCII and unique, e.g. `seoul-accueille-la-seconde-edition-du-ai-safety-summit`.
        """
        return one(_found(db.session.scalar(queries.public_article_by_slug(slug))))


def _found(article):
    if article is None:
        abort(404, message="No published article has this identifier.")
    return article
