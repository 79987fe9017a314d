"""Revisions: every change of an article, readable and revertible."""

import uuid

from flask.views import MethodView
from flask_smorest import abort

from api.auth import current_principal
from api.db import db
from api.extensions import (
    IF_MATCH_HEADER,
    Blueprint,
    check_if_match,
    found_or_404,
    one,
    page_response,
    path_parameter,
)
from api.resources.articles import ARTICLE_ID, _etag, _reload, editable_article
from api.services import content, queries
from api.services.pagination import paginate
from schemas.articles import ArticleEnvelopeSchema
from schemas.revisions import RevisionEnvelopeSchema, RevisionListSchema, RevisionQueryArgsSchema

blp = Blueprint(
    "revisions",
    __name__,
    url_prefix="/v1/articles/<uuid:article_id>/revisions",
    description="The history of an article: who changed what, when; any version can come back.",
)
NUMBER = path_parameter("number", "The revision's number: 1 is the creation.")


@blp.route("", parameters=[ARTICLE_ID])
class Revisions(MethodView):
    @blp.auth("author")
    @blp.query(RevisionQueryArgsSchema)
    @blp.response(200, RevisionListSchema)
    @blp.errors(400, 404)
    def get(self, args, article_id: uuid.UUID):
        """List an article's revisions

        Newest first. Authors read the history of their own drafts; editors of every article.
        A deleted article's history answers 404, as the article does, until it is restored.
        """
        _history_of(article_id)
        stmt = queries.revisions_of(article_id)
        return page_response(paginate(db.session, stmt, args["page"], args["per_page"]))


@blp.route("/<int(max=2147483647):number>", parameters=[ARTICLE_ID, NUMBER])
class RevisionByNumber(MethodView):
    @blp.auth("author")
    @blp.response(200, RevisionEnvelopeSchema)
    @blp.errors(404)
    def get(self, article_id: uuid.UUID, number: int):
        """Get one revision

        The changed fields, and the article's editable fields as they were after the change.
        """
        _history_of(article_id)
        return one(_revision(article_id, number))


@blp.route("/<int(max=2147483647):number>/revert", parameters=[ARTICLE_ID, NUMBER])
class RevertToRevision(MethodView):
    @blp.auth("author")
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412, 422)
    def post(self, article_id: uuid.UUID, number: int):
        """Revert to a revision

        Its content comes back as a new change (a new revision); the lifecycle state stays.
        """
        article = editable_article(article_id)
        check_if_match(_etag(article), required=False)
        revision = _revision(article_id, number)
        content.revert_article(db.session, article, revision, current_principal().key_id)
        db.session.commit()
        article = _reload(article_id)
        return one(article), 200, {"ETag": _etag(article)}


def _revision(article_id: uuid.UUID, number: int):
    revision = db.session.scalar(queries.revision_of(article_id, number))
    return found_or_404(revision, "This article has no revision with this number.")


def _history_of(article_id: uuid.UUID):
    """The article whose history the caller may read: one they may change, not deleted (a
    deleted article reads as absent, history included, until it is restored)."""
    article = editable_article(article_id)
    if article.deleted_at is not None:
        abort(404, message="No article you may read has this id: a deleted one is restored first.")
    return article
