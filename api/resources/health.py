"""Operational probes: is the process up, and can it reach its database."""

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.db import db
from api.errors import problem
from api.extensions import Blueprint

blp = Blueprint("health", __name__, description="Liveness and readiness probes for orchestrators.")


class StatusSchema(Schema):
    status = fields.String(metadata={"example": "ok"})


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, StatusSchema)
    def get(self):
        """Liveness: the process answers

        Touches nothing else, so a slow database never gets the process restarted.
        """
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, StatusSchema)
    @blp.errors(503)
    def get(self):
        """Readiness: the database answers

        `503` with `Retry-After` while the database cannot be reached.
        """
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return problem(503, "The database cannot be reached.", headers={"Retry-After": "5"})
        return {"status": "ok"}
