"""Tags: the topics articles are filed under, with their count of published articles."""

import uuid

from flask.views import MethodView
from flask_smorest import abort

from api.db import db
from api.extensions import Blueprint, one, page_response, path_parameter
from api.services import queries
from api.services.pagination import paginate
from schemas.common import NoQueryArgsSchema
from schemas.tags import TagEnvelopeSchema, TagListSchema, TagQueryArgsSchema

blp = Blueprint(
    "tags", __name__, url_prefix="/v1/tags", description="Topics articles are filed under."
)


@blp.route("")
class Tags(MethodView):
    @blp.query(TagQueryArgsSchema)
    @blp.response(200, TagListSchema)
    @blp.errors(400)
    def get(self, args):
        """List tags

        Every tag, each with the number of published articles carrying it. By name by default.
        """
        stmt = queries.list_tags(args["sort"])
        return page_response(paginate(db.session, stmt, args["page"], args["per_page"]))


@blp.route(
    "/<uuid:tag_id>",
    parameters=[path_parameter("tag_id", "The tag's id (a UUID).")],
)
class TagById(MethodView):
    @blp.query(NoQueryArgsSchema)
    @blp.response(200, TagEnvelopeSchema)
    @blp.errors(400, 404)
    def get(self, _args, tag_id: uuid.UUID):
        """Get a tag by id

        With the number of published articles carrying it.
        """
        return one(_found(db.session.scalar(queries.tag_by_id(tag_id))))


@blp.route(
    "/slug/<slug:slug>",
    parameters=[path_parameter("slug", "The tag's slug.", example="intelligence-artificielle")],
)
class TagBySlug(MethodView):
    @blp.query(NoQueryArgsSchema)
    @blp.response(200, TagEnvelopeSchema)
    @blp.errors(400, 404)
    def get(self, _args, slug: str):
        """Get a tag by slug

        Slugs are ASCII and unique, e.g. `intelligence-artificielle`.
        """
        return one(_found(db.session.scalar(queries.tag_by_slug(slug))))


def _found(tag):
    if tag is None:
        abort(404, message="No tag has this identifier.")
    return tag
