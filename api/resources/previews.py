"""Previews: signed, expiring links that show an unpublished article to whoever holds them."""

import uuid

from flask import current_app, url_for
from flask.views import MethodView

from api.db import db
from api.extensions import Blueprint, found_or_404, one, path_parameter
from api.resources.articles import ARTICLE_ID, editable_article
from api.services import queries
from api.services.previews import mint_token, read_token
from schemas.articles import ArticleEnvelopeSchema
from schemas.revisions import PreviewTokenEnvelopeSchema

blp = Blueprint(
    "previews",
    __name__,
    url_prefix="/v1",
    description="Preview links for drafts: signed, expiring, never cached, never indexed.",
)
PREVIEW_HEADERS = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex, nofollow"}


@blp.route("/articles/<uuid:article_id>/preview", parameters=[ARTICLE_ID])
class PreviewLink(MethodView):
    @blp.auth("author")
    @blp.response(201, PreviewTokenEnvelopeSchema)
    @blp.errors(404)
    def post(self, article_id: uuid.UUID):
        """Create a preview link

        A token that shows this article, in whatever state, until it expires
        (`PREVIEW_TTL`, an hour by default). Authors for their drafts, editors for any.
        """
        article = editable_article(article_id)
        config = current_app.config
        token, expires_at = mint_token(config["SECRET_KEY"], article.id, config["PREVIEW_TTL"])
        url = url_for("previews.Preview", token=token, _external=True)
        return one({"token": token, "url": url, "expires_at": expires_at}), 201, PREVIEW_HEADERS


@blp.route(
    "/preview/<string(maxlength=500):token>",
    parameters=[path_parameter("token", "A preview token, as its link gives it.")],
)
class Preview(MethodView):
    @blp.no_auth
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.errors(401, 404)
    def get(self, token: str):
        """Preview an article

        Needs no key: the token is the credential. A tampered or expired token is a 401.
        """
        config = current_app.config
        article_id = read_token(config["SECRET_KEY"], token, config["PREVIEW_TTL"])
        article = db.session.scalar(queries.any_article_by_id(article_id))
        if article is not None and article.deleted_at is not None:
            article = None
        found_or_404(article, "The previewed article no longer exists.")
        return one(article), 200, PREVIEW_HEADERS
