"""The change feed: every public change of articles, tags and authors, in order, for mirrors."""

from flask import current_app, request, url_for
from flask.views import MethodView

from api.db import db
from api.extensions import Blueprint
from api.services import changes, queries
from api.services.pagination import write_change_cursor
from schemas.changes import ChangeListSchema, ChangeQueryArgsSchema

blp = Blueprint(
    "changes",
    __name__,
    url_prefix="/v1/changes",
    description="Every publication, update, take-down and deletion the public saw, in order: "
    "follow it to mirror the catalogue exactly.",
)


@blp.route("")
class Changes(MethodView):
    @blp.optional_auth
    @blp.query(ChangeQueryArgsSchema)
    @blp.response(200, ChangeListSchema)
    @blp.errors(400)
    def get(self, args):
        """Follow the change feed

        The changes after `since`, oldest first, in the order they were committed:
        `article.published`, `article.updated`, `article.unpublished`, `article.deleted`,
        `tag.created|updated|deleted`, `author.created|updated|deleted`. Each carries the
        resource as the public now sees it (`data.current`) and as it saw it before
        (`data.previous`); a take-down is a tombstone (`current` null) telling a mirror what to
        remove, and the content of a taken-down resource is erased from its earlier changes.
        Drafts never appear. Start without `since`, store `meta.next_cursor`, and poll with
        it: nothing is skipped or repeated. The same events reach webhooks.
        """
        if changes.announce_due(db.session):  # scheduled articles whose time has come
            db.session.commit()
        after = args.get("since", 0)
        per_page = args["per_page"]
        rows = db.session.scalars(queries.changes_after(after).limit(per_page + 1)).all()
        page, has_more = rows[:per_page], len(rows) > per_page
        position = page[-1].id if page else after
        cursor = write_change_cursor(current_app.config["SECRET_KEY"], position)
        following = url_for("changes.Changes", since=cursor, per_page=per_page, _external=True)
        body = {
            "data": [changes.event_payload(change) for change in page],
            "meta": {"per_page": per_page, "next_cursor": cursor, "has_more": has_more},
            "links": {"self": request.url, "next": following},
        }
        return body, 200, {"Link": f'<{following}>; rel="next"'}
