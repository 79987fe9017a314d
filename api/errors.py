"""Every error as RFC 9457 problem+json, with the request id; domain errors mapped in one place."""

from __future__ import annotations

import re
import uuid
from http import HTTPStatus

from flask import Flask, Response, current_app, g, json, request
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import RequestRedirect

from api.services.exceptions import Conflict, DomainError, InvalidValue, SlugTaken, UnknownReference
from api.services.previews import InvalidPreviewToken

PROBLEM_MIMETYPE = "application/problem+json"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")

# Domain errors and the status each one answers
DOMAIN_STATUSES: dict[type[DomainError], int] = {
    SlugTaken: 409,
    Conflict: 409,
    UnknownReference: 422,
    InvalidValue: 422,
}


def request_id() -> str:
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    return g.request_id


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: dict | None = None,
    title: str | None = None,
    type_: str = "about:blank",
    headers: dict | None = None,
) -> Response:
    """The one way to build an error response."""
    body = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
        "instance": request.path,
        "request_id": request_id(),
    }
    if errors:
        body["errors"] = errors
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE
    )
    for name, value in (headers or {}).items():
        if name.lower() not in {"content-type", "content-length"}:
            response.headers[name] = value
    return response


def _flatten(messages: dict) -> dict[str, list[str]]:
    """webargs nests messages by location ({"query": {"page": [...]}}); flatten to field names."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                if key == "_schema" and prefix:  # {"seo": {"_schema": […]}}: the field is `seo`
                    walk(prefix, sub)
                else:
                    walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix or "_schema", []).extend(value)
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                walk(f"{prefix}.{index}", sub)
        else:
            flat.setdefault(prefix or "_schema", []).append(str(value))

    for location, fields in messages.items():
        if isinstance(fields, dict):
            walk("", fields)
        else:
            walk(location, fields)
    return flat


def _validation_detail(status: int, errors: dict[str, list[str]]) -> str:
    names = ", ".join(sorted(errors))
    if status == 400:
        return f"Invalid query parameter{'s' if len(errors) > 1 else ''}: {names}."
    return f"Invalid field{'s' if len(errors) > 1 else ''} in the request body: {names}."


def handle_http_exception(error: HTTPException) -> Response:
    if isinstance(error, RequestRedirect):  # a redirect, not an error
        return error.get_response()
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    # flask-smorest's abort(..., headers=...) keeps them in `data` (WWW-Authenticate on a 401)
    headers = {**dict(error.get_headers()), **(data.get("headers") or {})} if status != 500 else {}
    if isinstance(error, InternalServerError) or status >= 500:
        original = getattr(error, "original_exception", None)
        if original is not None:
            current_app.logger.error("request %s failed: %r", request_id(), original)
        return problem(
            status,
            "The server failed to answer; the request id identifies it in the logs."
            if status == 500
            else None,
            headers=headers,
        )
    messages = data.get("messages") or data.get("errors")
    if status == 400 and isinstance(messages, dict) and "json" in messages:
        return problem(400, "The request body is not valid JSON.", headers=headers)
    if messages:
        errors = _flatten(messages)
        return problem(status, _validation_detail(status, errors), errors=errors, headers=headers)
    detail = data.get("message") or error.description
    return problem(status, detail, headers=headers)


def handle_domain_error(error: DomainError) -> Response:
    status = DOMAIN_STATUSES.get(type(error), 422)
    if error.field:
        return problem(
            status, f"{error.field}: {error.message}", errors={error.field: [error.message]}
        )
    return problem(status, error.message)


def handle_stale_data(_error: StaleDataError) -> Response:
    """Two writes of the same version: the second loses, and says so."""
    return problem(412, "The resource changed while you were writing: fetch it again.")


# Why the database could not serve a request, what the client is told, and after how many
# seconds it should retry
UNAVAILABLE = {
    "pool": (1, "Every database connection is busy: retry shortly."),
    "locked": (1, "The database is locked by another write: retry shortly."),
    "slow": (2, "The database took too long to answer: retry shortly."),
    "down": (5, "The database cannot be reached: retry shortly."),
}
# PostgreSQL errors (SQLSTATE) that mean "busy or slow", not "down": query_canceled (a
# statement_timeout), lock_not_available (a lock_timeout), deadlock and serialization failures
_PG_SLOW = frozenset({"57014", "55P03", "40P01", "40001"})


def unavailable_kind(error: sa_exc.SQLAlchemyError) -> str:
    """Which of `UNAVAILABLE` an error of the database layer is."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return "pool"
    orig = getattr(error, "orig", None)
    if getattr(orig, "sqlstate", None) in _PG_SLOW:
        return "slow"
    message = str(orig or error).lower()
    if "database is locked" in message or "database table is locked" in message:
        return "locked"
    return "down"


def handle_database_unavailable(error: sa_exc.SQLAlchemyError) -> Response:
    """A database that is down, locked, saturated or too slow: a 503 with `Retry-After` that
    the client can act on, never a 500, and a log line naming the request and the cause (the
    statement and its parameters stay out of both)."""
    kind = unavailable_kind(error)
    retry_after, detail = UNAVAILABLE[kind]
    cause = getattr(error, "orig", None) or error
    first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    current_app.logger.warning(
        "request %s: database unavailable (%s): %s: %s",
        request_id(),
        kind,
        type(cause).__name__,
        first_line,
    )
    return problem(503, detail, headers={"Retry-After": str(retry_after)})


def handle_invalid_preview(error: InvalidPreviewToken) -> Response:
    return problem(401, error.message)


def require_json_bodies() -> Response | None:
    """A body sent to a write operation must be JSON: anything else is a 415, never guessed.

    Checked by `Blueprint.auth` once the caller is known to be allowed (every write needs a
    key), so a 401 or 403 comes first.
    """
    if request.method not in {"POST", "PUT", "PATCH"}:
        return None
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    if has_body and not request.is_json:
        return problem(415, "Send the body as JSON, with `Content-Type: application/json`.")
    return None


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(InvalidPreviewToken, handle_invalid_preview)
    # OperationalError: refused or lost connections, timeouts, locks; InterfaceError: a
    # connection closed under the driver; TimeoutError: the pool had no connection to give
    for error in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError):
        app.register_error_handler(error, handle_database_unavailable)

    @app.after_request
    def _add_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = request_id()
        return response
