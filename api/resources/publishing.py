"""The publishing lifecycle of an article: publish, schedule, unpublish, archive, restore, purge."""

import uuid

from flask.views import MethodView

from api.auth import current_principal
from api.db import db
from api.extensions import IF_MATCH_HEADER, Blueprint, check_if_match, one
from api.resources.articles import ARTICLE_ID, _etag, _reload, editable_article
from api.services import lifecycle
from schemas.articles import ArticleEnvelopeSchema, PublishSchema, ScheduleSchema

blp = Blueprint(
    "publishing",
    __name__,
    url_prefix="/v1/articles/<uuid:article_id>",
    description="State changes of an article, as explicit actions. Editors and admins only; "
    "each records a revision.",
)


def _act(article_id: uuid.UUID, action, *args):
    """Load, check `If-Match` when sent, act, commit, answer the article with its new ETag."""
    article = editable_article(article_id)
    check_if_match(_etag(article), required=False)
    action(db.session, article, current_principal().key_id, *args)
    db.session.commit()
    article = _reload(article_id)
    return one(article), 200, {"ETag": _etag(article)}


_COMMON = dict(parameters=[ARTICLE_ID])


@blp.route("/publish", **_COMMON)
class Publish(MethodView):
    @blp.auth("editor")
    @blp.arguments(PublishSchema, required=False, example={})
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412)
    def post(self, data, article_id: uuid.UUID):
        """Publish an article

        Public at once, or at `published_at` when that is in the future (then it is
        scheduled). A draft, scheduled or archived article can be published.
        """
        return _act(article_id, lifecycle.publish, data.get("published_at"))


@blp.route("/schedule", **_COMMON)
class Schedule(MethodView):
    @blp.auth("editor")
    @blp.arguments(ScheduleSchema, example={"published_at": "2030-05-21T08:00:00Z"})
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412)
    def post(self, data, article_id: uuid.UUID):
        """Schedule an article

        It becomes public by itself when `published_at` comes: no job runs, visibility
        compares the time with now.
        """
        return _act(article_id, lifecycle.schedule, data["published_at"])


@blp.route("/unpublish", **_COMMON)
class Unpublish(MethodView):
    @blp.auth("editor")
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412)
    def post(self, article_id: uuid.UUID):
        """Unpublish an article

        Back to draft: no longer public.
        """
        return _act(article_id, lifecycle.unpublish)


@blp.route("/archive", **_COMMON)
class Archive(MethodView):
    @blp.auth("editor")
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412)
    def post(self, article_id: uuid.UUID):
        """Archive an article

        Kept, but no longer public.
        """
        return _act(article_id, lifecycle.archive)


@blp.route("/restore", **_COMMON)
class Restore(MethodView):
    @blp.auth("editor")
    @blp.response(200, ArticleEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412)
    def post(self, article_id: uuid.UUID):
        """Restore a deleted article

        Undoes a delete: the article comes back in the state it had.
        """
        return _act(article_id, lifecycle.restore)


@blp.route("/purge", **_COMMON)
class Purge(MethodView):
    @blp.auth("admin")
    @blp.response(204)
    @blp.errors(404, 409, 412)
    def post(self, article_id: uuid.UUID):
        """Purge a deleted article

        Removes it and its revisions for good. Admins only, and only once deleted. A 412
        answers when the article changes while it is being purged.
        """
        article = editable_article(article_id)
        lifecycle.purge(db.session, article)
        db.session.commit()
        return None
