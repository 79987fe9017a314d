"""Authors: the people and desks who sign articles, with their count of published articles."""

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
from api.models import Author
from api.services import content, queries
from api.services.pagination import paginate
from schemas.authors import (
    AuthorCreateSchema,
    AuthorEnvelopeSchema,
    AuthorListSchema,
    AuthorQueryArgsSchema,
    AuthorReadArgsSchema,
    AuthorSchema,
    AuthorUpdateSchema,
)
from schemas.common import sparse_schema

blp = Blueprint(
    "authors", __name__, url_prefix="/v1/authors", description="People and desks who sign articles."
)
NOT_FOUND = "No author has this identifier."


@blp.route("")
class Authors(MethodView):
    @blp.optional_auth
    @blp.query(AuthorQueryArgsSchema)
    @blp.response(200, AuthorListSchema)
    @blp.errors(400)
    def get(self, args):
        """List authors

        Every author, each with the number of published articles they sign. By name by default.
        """
        stmt = queries.list_authors(args["sort"])
        body, status, headers = page_response(
            paginate(db.session, stmt, args["page"], args["per_page"])
        )
        body["data"] = sparse_schema(AuthorSchema, args.get("fields")).dump(body["data"], many=True)
        return body, status, headers

    @blp.auth("editor")
    @blp.arguments(AuthorCreateSchema, example={"name": "La rédaction"})
    @blp.response(201, AuthorEnvelopeSchema, headers={"Location": {"schema": {"type": "string"}}})
    @blp.errors(409)
    def post(self, data):
        """Create an author

        Its slug is made from the name unless given (`Séoul` → `seoul`).
        """
        author = content.save_author(db.session, Author(), data)
        db.session.commit()
        author = _load(author.id)
        location = url_for("authors.AuthorById", author_id=author.id)
        return one(author), 201, {"Location": location, "ETag": _etag(author)}


@blp.route(
    "/<uuid:author_id>", parameters=[path_parameter("author_id", "The author’s id (a UUID).")]
)
class AuthorById(MethodView):
    @blp.optional_auth
    @blp.query(AuthorReadArgsSchema)
    @blp.response(200, AuthorEnvelopeSchema)
    @blp.errors(400, 404)
    def get(self, args, author_id: uuid.UUID):
        """Get an author by id

        With the number of published articles they sign.
        """
        author = _load(author_id)
        return _one_read(author, args.get("fields"))

    @blp.auth("editor")
    @blp.arguments(AuthorUpdateSchema(partial=True), example={"bio": "La rédaction du portail."})
    @blp.response(200, AuthorEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412)
    def patch(self, data, author_id: uuid.UUID):
        """Change an author

        Only the fields sent change; a new slug leaves the old one answering 301.
        """
        author = _load(author_id)
        check_if_match(_etag(author), required=False)
        content.save_author(db.session, author, data)
        db.session.commit()
        author = _load(author_id)
        return one(author), 200, {"ETag": _etag(author)}

    @blp.auth("editor")
    @blp.response(204)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 409, 412)
    def delete(self, author_id: uuid.UUID):
        """Delete an author

        Only an author who signs no article: otherwise 409.
        """
        author = _load(author_id)
        check_if_match(_etag(author), required=False)
        content.delete_author(db.session, author)
        db.session.commit()
        return None


@blp.route(
    "/slug/<slug:slug>",
    parameters=[path_parameter("slug", "The author’s slug.", example="la-redaction")],
)
class AuthorBySlug(MethodView):
    @blp.optional_auth
    @blp.query(AuthorReadArgsSchema)
    @blp.response(200, AuthorEnvelopeSchema)
    @blp.alt_response(301, description="The slug changed: `Location` gives the current one.")
    @blp.errors(400, 404)
    def get(self, args, slug: str):
        """Get an author by slug

        Slugs are ASCII and unique, e.g. `la-redaction`. A former slug answers
        301 to the current one.
        """
        author = found_by_slug(
            Author, queries.author_by_slug(slug), slug, "authors.AuthorBySlug", NOT_FOUND
        )
        return _one_read(author, args.get("fields"))


def _load(author_id: uuid.UUID) -> Author:
    return found_or_404(db.session.scalar(queries.author_by_id(author_id)), NOT_FOUND)


def _one_read(author: Author, selected: tuple[str, ...] | None) -> dict:
    """One author, with the fields asked for (api.caching gives each representation its ETag)."""
    return one(sparse_schema(AuthorSchema, selected).dump(author))


def _etag(author: Author) -> str:
    return representation_etag(AuthorSchema(), author)
