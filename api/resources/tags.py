"""Tags: the topics articles are filed under, with their count of published articles."""

import uuid

from flask import url_for
from flask.views import MethodView

from api.db import db
from api.extensions import (
    IF_MATCH_HEADER,
    Blueprint,
    check_if_match,
    found_by_slug,
    found_or_404,
    one,
    page_response,
    path_parameter,
    representation_etag,
)
from api.models import Tag
from api.services import content, queries
from api.services.pagination import paginate
from schemas.common import sparse_schema
from schemas.tags import (
    TagCreateSchema,
    TagEnvelopeSchema,
    TagListSchema,
    TagQueryArgsSchema,
    TagReadArgsSchema,
    TagSchema,
    TagUpdateSchema,
)

blp = Blueprint(
    "tags", __name__, url_prefix="/v1/tags", description="Topics articles are filed under."
)
NOT_FOUND = "No tag has this identifier."


@blp.route("")
class Tags(MethodView):
    @blp.optional_auth
    @blp.query(TagQueryArgsSchema)
    @blp.response(200, TagListSchema)
    @blp.errors(400)
    def get(self, args):
        """List tags

        Every tag, each with the number of published articles carrying it. By name by default.
        """
        stmt = queries.list_tags(args["sort"])
        body, status, headers = page_response(
            paginate(db.session, stmt, args["page"], args["per_page"])
        )
        body["data"] = sparse_schema(TagSchema, args.get("fields")).dump(body["data"], many=True)
        return body, status, headers

    @blp.auth("editor")
    @blp.arguments(TagCreateSchema, example={"name": "intelligence artificielle"})
    @blp.response(201, TagEnvelopeSchema, headers={"Location": {"schema": {"type": "string"}}})
    @blp.errors(409)
    def post(self, data):
        """Create a tag

        Its slug is made from the name unless given (`Séoul` → `seoul`).
        """
        tag = content.save_tag(db.session, Tag(), data)
        db.session.commit()
        tag = _load(tag.id)
        location = url_for("tags.TagById", tag_id=tag.id)
        return one(tag), 201, {"Location": location, "ETag": _etag(tag)}


@blp.route("/<uuid:tag_id>", parameters=[path_parameter("tag_id", "The tag's id (a UUID).")])
class TagById(MethodView):
    @blp.optional_auth
    @blp.query(TagReadArgsSchema)
    @blp.response(200, TagEnvelopeSchema)
    @blp.errors(400, 404)
    def get(self, args, tag_id: uuid.UUID):
        """Get a tag by id

        With the number of published articles carrying it.
        """
        tag = _load(tag_id)
        return _one_read(tag, args.get("fields"))

    @blp.auth("editor")
    @blp.arguments(TagUpdateSchema(partial=True), example={"description": "L’actualité de l’IA."})
    @blp.response(200, TagEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412)
    def patch(self, data, tag_id: uuid.UUID):
        """Change a tag

        Only the fields sent change; a new slug leaves the old one answering 301.
        """
        tag = _load(tag_id)
        check_if_match(_etag(tag), required=False)
        content.save_tag(db.session, tag, data)
        db.session.commit()
        tag = _load(tag_id)
        return one(tag), 200, {"ETag": _etag(tag)}

    @blp.auth("editor")
    @blp.response(204)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412)
    def delete(self, tag_id: uuid.UUID):
        """Delete a tag

        Only a tag no article carries: otherwise 409.
        """
        tag = _load(tag_id)
        check_if_match(_etag(tag), required=False)
        content.delete_tag(db.session, tag)
        db.session.commit()
        return None


@blp.route(
    "/slug/<slug:slug>",
    parameters=[path_parameter("slug", "The tag's slug.", example="intelligence-artificielle")],
)
class TagBySlug(MethodView):
    @blp.optional_auth
    @blp.query(TagReadArgsSchema)
    @blp.response(200, TagEnvelopeSchema)
    @blp.alt_response(301, description="The slug changed: `Location` gives the current one.")
    @blp.errors(400, 404)
    def get(self, args, slug: str):
        """Get a tag by slug

        Slugs are ASCII and unique, e.g. `intelligence-artificielle`. A former slug answers
        301 to the current one.
        """
        tag = found_by_slug(Tag, queries.tag_by_slug(slug), slug, "tags.TagBySlug", NOT_FOUND)
        return _one_read(tag, args.get("fields"))


def _load(tag_id: uuid.UUID) -> Tag:
    return found_or_404(db.session.scalar(queries.tag_by_id(tag_id)), NOT_FOUND)


def _one_read(tag: Tag, selected: tuple[str, ...] | None) -> dict:
    """One tag, with the fields asked for (api.caching gives each representation its ETag)."""
    return one(sparse_schema(TagSchema, selected).dump(tag))


def _etag(tag: Tag) -> str:
    return representation_etag(TagSchema(), tag)
