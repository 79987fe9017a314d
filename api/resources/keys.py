"""API keys: admins list, create and revoke the keys partners and the newsroom use."""

import uuid

from flask import url_for
from flask.views import MethodView

from api.db import db
from api.extensions import Blueprint, found_or_404, one, page_response, path_parameter
from api.models import ApiKey
from api.services import queries
from api.services.exceptions import UnknownReference
from api.services.keys import create_key, revoke_key
from api.services.pagination import paginate
from schemas.keys import (
    KeyCreateSchema,
    KeyEnvelopeSchema,
    KeyListSchema,
    KeyQueryArgsSchema,
    KeySchema,
    NewKeyEnvelopeSchema,
)

blp = Blueprint(
    "keys",
    __name__,
    url_prefix="/v1/keys",
    description="API keys and their roles: partner (read), author (own drafts), editor "
    "(all content, publishing), admin (also keys). Admins only.",
)
NOT_FOUND = "No key has this id."


@blp.route("")
class Keys(MethodView):
    @blp.auth("admin")
    @blp.query(KeyQueryArgsSchema)
    @blp.response(200, KeyListSchema)
    @blp.errors(400)
    def get(self, args):
        """List API keys

        Newest first, revoked ones included. Secrets are never shown again.
        """
        stmt = queries.list_keys()
        return page_response(paginate(db.session, stmt, args["page"], args["per_page"]))

    @blp.auth("admin")
    @blp.arguments(KeyCreateSchema, example={"name": "Partenaire syndication", "role": "partner"})
    @blp.response(201, NewKeyEnvelopeSchema, headers={"Location": {"schema": {"type": "string"}}})
    def post(self, data):
        """Create an API key

        The answer holds the key's secret, shown this once: only its digest is stored.
        """
        author_id = None
        if data.get("author"):
            author = db.session.scalar(queries.author_by_slug(data["author"]))
            if author is None:
                raise UnknownReference("Unknown author.", field="author")
            author_id = author.id
        key, secret = create_key(
            db.session, name=data["name"], role=data["role"], author_id=author_id
        )
        db.session.commit()
        body = {name: getattr(key, name) for name in KeySchema().fields} | {"key": secret}
        return one(body), 201, {"Location": url_for("keys.KeyById", key_id=key.id)}


@blp.route("/<uuid:key_id>", parameters=[path_parameter("key_id", "The key's id (a UUID).")])
class KeyById(MethodView):
    @blp.auth("admin")
    @blp.response(200, KeyEnvelopeSchema)
    @blp.errors(404)
    def get(self, key_id: uuid.UUID):
        """Get an API key

        Its name, role, prefix and times; never its secret.
        """
        return one(found_or_404(db.session.get(ApiKey, key_id), NOT_FOUND))

    @blp.auth("admin")
    @blp.response(204)
    @blp.errors(404)
    def delete(self, key_id: uuid.UUID):
        """Revoke an API key

        It stops working at once; it stays listed, with its revocation time.
        """
        revoke_key(found_or_404(db.session.get(ApiKey, key_id), NOT_FOUND))
        db.session.commit()
        return None
