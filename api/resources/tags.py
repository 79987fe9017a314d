"""Tags: the topics articles are filed under, with their count of published articles."""

import uuid

from flask.views import MethodView
from flask_smorest import abort

from api.db import db
from api.extensions import Blueprint, one, page_response
from api.services import queries
from api.services.pagination import paginate
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


@blp.route("/<uuid:tag_id>")
class TagById(MethodView):
    @blp.response(200, TagEnvelopeSchema)
    @blp.errors(404)
    def get(self, tag_id: uuid.UUID):
        """Get a tag by id"""
        return one(_found(db.session.scalar(queries.tag_by_id(tag_id))))


@blp.route("/slug/<string:slug>")
class TagBySlug(MethodView):
    @blp.response(200, TagEnvelopeSchema)
    @blp.errors(404)
    def get(self, slug: str):
        """Get a tag by slug"""
        return one(_found(db.session.scalar(queries.tag_by_slug(slug))))


def _found(tag):
    if tag is None:
        abort(404, message="No tag has this identifier.")
    return tag
