"""Authors: the people and desks who sign articles, with their count of published articles."""

import uuid

from flask.views import MethodView
from flask_smorest import abort

from api.db import db
from api.extensions import Blueprint, one, page_response, path_parameter
from api.services import queries
from api.services.pagination import paginate
from schemas.authors import AuthorEnvelopeSchema, AuthorListSchema, AuthorQueryArgsSchema
from schemas.common import NoQueryArgsSchema

blp = Blueprint(
    "authors", __name__, url_prefix="/v1/authors", description="People and desks who sign articles."
)


@blp.route("")
class Authors(MethodView):
    @blp.query(AuthorQueryArgsSchema)
    @blp.response(200, AuthorListSchema)
    @blp.errors(400)
    def get(self, args):
        """List authors

        Every author, each with the number of published articles they sign. By name by default.
        """
        stmt = queries.list_authors(args["sort"])
        return page_response(paginate(db.session, stmt, args["page"], args["per_page"]))


@blp.route(
    "/<uuid:author_id>",
    parameters=[path_parameter("author_id", "The author's id (a UUID).")],
)
class AuthorById(MethodView):
    @blp.query(NoQueryArgsSchema)
    @blp.response(200, AuthorEnvelopeSchema)
    @blp.errors(400, 404)
    def get(self, _args, author_id: uuid.UUID):
        """Get an author by id

        With the number of published articles they sign.
        """
        return one(_found(db.session.scalar(queries.author_by_id(author_id))))


@blp.route(
    "/slug/<slug:slug>",
    parameters=[path_parameter("slug", "The author's slug.", example="la-redaction")],
)
class AuthorBySlug(MethodView):
    @blp.query(NoQueryArgsSchema)
    @blp.response(200, AuthorEnvelopeSchema)
    @blp.errors(400, 404)
    def get(self, _args, slug: str):
        """Get an author by slug

        Slugs are ASCII and unique, e.g. `la-redaction`.
        """
        return one(_found(db.session.scalar(queries.author_by_slug(slug))))


def _found(author):
    if author is None:
        abort(404, message="No author has this identifier.")
    return author
