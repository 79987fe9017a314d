"""Authors: the people and desks who sign articles, with their count of published articles."""

import uuid

from flask.views import MethodView
from flask_smorest import abort

from api.db import db
from api.extensions import Blueprint, one, page_response
from api.services import queries
from api.services.pagination import paginate
from schemas.authors import AuthorEnvelopeSchema, AuthorListSchema, AuthorQueryArgsSchema

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


@blp.route("/<uuid:author_id>")
class AuthorById(MethodView):
    @blp.response(200, AuthorEnvelopeSchema)
    @blp.errors(404)
    def get(self, author_id: uuid.UUID):
        """Get an author by id"""
        return one(_found(db.session.scalar(queries.author_by_id(author_id))))


@blp.route("/slug/<string:slug>")
class AuthorBySlug(MethodView):
    @blp.response(200, AuthorEnvelopeSchema)
    @blp.errors(404)
    def get(self, slug: str):
        """Get an author by slug"""
        return one(_found(db.session.scalar(queries.author_by_slug(slug))))


def _found(author):
    if author is None:
        abort(404, message="No author has this identifier.")
    return author
