"""The interactive docs: Swagger UI at /docs and ReDoc at /redoc, from assets served locally."""

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, render_template, send_from_directory

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
REDOC_DIST = Path(__file__).resolve().parent / "static" / "redoc"

bp = Blueprint("docs", __name__)


@bp.get("/docs")
def swagger_ui():
    return render_template("swagger_ui.html")


@bp.get("/redoc")
def redoc():
    return render_template("redoc.html")


@bp.get("/docs/assets/swagger-ui/<path:filename>")
def swagger_ui_asset(filename: str):
    return send_from_directory(SWAGGER_UI_DIST, filename, max_age=86400)


@bp.get("/docs/assets/redoc/<path:filename>")
def redoc_asset(filename: str):
    return send_from_directory(REDOC_DIST, filename, max_age=86400)
