"""The one place that bends flask-smorest to Newsdesk: problem+json, strict arguments, pages."""

from __future__ import annotations

import hashlib
import http
import re
import secrets
from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from json import JSONDecodeError
from urllib.parse import quote_plus

import flask_smorest
import marshmallow as ma
from flask import request, url_for
from flask_smorest import abort
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser
from werkzeug.routing import BaseConverter, RequestRedirect, ValidationError

from api import errors, idempotency
from api.auth import require
from api.db import db
from api.limits import UNLIMITED_BLUEPRINTS
from api.serialization import sorted_json
from api.services import queries
from api.services.pagination import CURSOR_START, CursorPage, Page
from schemas.common import PROBLEM_EXAMPLE, ProblemSchema
from schemas.fields import SLUG_MAX_LENGTH, SLUG_PATTERN, VALIDATOR_PATTERNS


class SlugConverter(BaseConverter):
    """`<slug:slug>`: only a well-formed slug reaches a view, anything else is a plain 404.

    A malformed one could match nothing anyway, and some would fail in the database
    (PostgreSQL refuses a NUL byte in text).
    """

    regex = SLUG_PATTERN.removeprefix("^").removesuffix("$")

    def to_python(self, value: str) -> str:
        if len(value) > SLUG_MAX_LENGTH:
            raise ValidationError()
        return value


def _slug_parameter_schema(_converter: SlugConverter) -> dict:
    return {"type": "string", "pattern": SLUG_PATTERN, "minLength": 1, "maxLength": SLUG_MAX_LENGTH}


def path_parameter(name: str, description: str, **doc) -> dict:
    """A path parameter's documentation; its schema comes from the URL converter."""
    return {"in": "path", "name": name, "description": description, **doc}


class MovedPermanently(RequestRedirect):
    """A resource reached by a former slug: 301 to where it lives now."""

    code = 301


class StrictParser(FlaskParser):
    """Unknown query parameters are errors, and a bad query is a 400 (a bad body stays 422)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE}

    def load_json(self, req, schema):
        """A body nested deeper than the parser goes, or holding an unpaired surrogate escape
        (`"\\ud800"` is no Unicode text: RFC 7493), is not valid JSON either: a 400, not a 500."""
        try:
            data = super().load_json(req, schema)
        except RecursionError:
            return self._handle_invalid_json_error(JSONDecodeError("Too deep", "body", 0), req)
        if _holds_lone_surrogate(data):
            return self._handle_invalid_json_error(JSONDecodeError("Surrogate", "body", 0), req)
        return data


_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_lone_surrogate(data) -> bool:
    """Whether a string or key anywhere in parsed JSON holds a surrogate (pairs were joined)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


# Statuses every operation of a kind can answer, whatever its view does
WRITE_METHODS = frozenset({"post", "put", "patch"})
# Every write goes through `Blueprint.auth`, whose `errors.require_json_bodies` refuses any
# body that is not JSON, even where none is read
ANY_WRITE_ERRORS = (415,)
# A JSON body: not JSON (400), over MAX_CONTENT_LENGTH (413), not JSON-typed (415), invalid (422)
JSON_BODY_ERRORS = (400, 413, 415, 422)


# Blueprints whose operations never touch the database, or document their own 503 (`/ready`)
NO_DATABASE_BLUEPRINTS = frozenset({"health"})
# Reads `api.caching` leaves alone: probes must never come from a cache
UNCACHED_DOC_BLUEPRINTS = frozenset({"health"})
READ_HEADERS = {
    "ETag": {
        "description": "A strong validator: the hash of this exact body. Send it back in "
        "`If-None-Match` to revalidate, or in `If-Match` to change what you read.",
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "The newest change (`updated_at`, `published_at`, …) among the objects "
        "in the body; 1970-01-01 for an empty list. A change no shown object records (an "
        "article leaving a list, a renamed tag in a summary) changes only the `ETag`, the "
        "exact validator.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`public, max-age=60, stale-while-revalidate=300` for anonymous reads; "
        "`private, no-store` with an API key and for previews. Errors and redirects are "
        "`no-store`.",
        "schema": {"type": "string"},
    },
    "Vary": {
        "description": "`Authorization`: a key can widen what a read returns. (`Origin` too "
        "when the server restricts CORS origins.)",
        "schema": {"type": "string"},
    },
    "Surrogate-Key": {
        "description": "Public reads only: the CDN purge keys of what the body shows, "
        "space-separated: `article:<id>`, `tag:<id>`, `author:<id>` for every article, tag and "
        "author in it (embedded ones included; a related list also names its source article), "
        "plus `articles`, `tags` or `authors` on lists. A publish purges `articles`, "
        "`article:<id>` and the keys of its tags and authors (their counts change).",
        "schema": {"type": "string", "example": "articles article:0b1e… tag:5c2d… author:9a7f…"},
    },
}
# What `api.limits` adds to every counted response, and the delay of a 429
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {
        "description": "Requests the caller may send in the current window: its API key's "
        "quota (by role), or its address's without a key; an operation with a tighter limit "
        "says that one.",
        "schema": {"type": "integer", "example": 300},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in the current window.",
        "schema": {"type": "integer", "example": 299},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the window resets and the quota is whole again.",
        "schema": {"type": "integer", "example": 42},
    },
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before sending another request.",
    "schema": {"type": "integer", "example": 42},
}
CONDITIONAL_READ_HEADERS = [
    {
        "name": "If-None-Match",
        "in": "header",
        "description": "`ETag`s you hold (or `*`), compared weakly: `304` when one is current. "
        "Takes precedence over `If-Modified-Since`.",
        "schema": {"type": "string"},
    },
    {
        "name": "If-Modified-Since",
        "in": "header",
        "description": "An HTTP date: `304` when nothing in the body changed since (ignored "
        "when `If-None-Match` is sent).",
        "schema": {"type": "string"},
    },
]


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_request_errors_doc)
        self._prepare_doc_cbks.append(self._prepare_caching_doc)
        self._prepare_doc_cbks.append(self._prepare_idempotency_doc)
        self._prepare_doc_cbks.append(self._prepare_unavailable_doc)
        self._prepare_doc_cbks.append(self._prepare_rate_limit_doc)

    @staticmethod
    def _prepare_request_errors_doc(doc, _doc_info, *, method, **_kwargs):
        """Document the statuses an operation answers before its view runs: they come from
        `require_json_bodies`, `MAX_CONTENT_LENGTH` and the JSON parser, not from the view."""
        statuses = set(ANY_WRITE_ERRORS) if method in WRITE_METHODS else set()
        if "requestBody" in doc:
            statuses.update(JSON_BODY_ERRORS)
        responses = doc.setdefault("responses", {})
        for status in sorted(statuses):
            responses.setdefault(status, http.HTTPStatus(status).name)
        return doc

    def _prepare_caching_doc(self, doc, _doc_info, *, method, **_kwargs):
        """Document what `api.caching` adds to every read: the validators and caching headers
        of its 200, the conditional request headers, and the 304 they can answer."""
        if method != "get" or self.name in UNCACHED_DOC_BLUEPRINTS:
            return doc
        responses = doc.setdefault("responses", {})
        ok = responses.get(200)
        if isinstance(ok, dict):
            ok.setdefault("headers", {}).update(
                {name: {"$ref": f"#/components/headers/{name}"} for name in READ_HEADERS}
            )
        responses[304] = {
            "description": "Not Modified: the copy you hold is current (no body).",
            "headers": {
                name: {"$ref": f"#/components/headers/{name}"}
                for name in ("ETag", "Last-Modified", "Cache-Control")
            },
        }
        parameters = doc.setdefault("parameters", [])
        parameters.extend(CONDITIONAL_READ_HEADERS)
        return doc

    @staticmethod
    def _prepare_idempotency_doc(doc, doc_info, *, method, **_kwargs):
        """Document `Idempotency-Key` on every POST that honours it (all of them: `auth`,
        `optional_auth` and `no_auth` wrap the view), its replay header and its errors."""
        if method != "post" or not doc_info.get("idempotent"):
            return doc
        # A manual `parameters` list (`@blp.doc(parameters=[IF_MATCH_HEADER])`) replaces the
        # generated one: the header joins whichever list the operation ends with
        manual = doc_info.get("manual_doc", {})
        target = manual if "parameters" in manual else doc
        target["parameters"] = [*target.get("parameters", []), idempotency.PARAMETER]
        responses = doc.setdefault("responses", {})
        for status, response in responses.items():
            if isinstance(response, dict) and str(status)[0] == "2":
                response.setdefault("headers", {})[idempotency.REPLAYED_HEADER] = {
                    "$ref": f"#/components/headers/{idempotency.REPLAYED_HEADER}"
                }
        for status in (400, 409):
            responses.setdefault(status, http.HTTPStatus(status).name)
        return doc

    def _prepare_unavailable_doc(self, doc, _doc_info, **_kwargs):
        """Every operation but the liveness probe reads the database, so can answer a 503 with
        `Retry-After` (`errors.handle_database_unavailable`)."""
        if self.name in NO_DATABASE_BLUEPRINTS:
            return doc
        doc.setdefault("responses", {}).setdefault(503, http.HTTPStatus(503).name)
        return doc

    def _prepare_rate_limit_doc(self, doc, _doc_info, **_kwargs):
        """Document what `api.limits` adds to every counted operation: `RateLimit-*` on what it
        answers, and the 429 (with `Retry-After`) once the caller's quota is used up."""
        if self.name in UNLIMITED_BLUEPRINTS:
            return doc
        responses = doc.setdefault("responses", {})
        for status, response in responses.items():
            if isinstance(response, dict) and str(status)[0] in "123":
                response.setdefault("headers", {}).update(
                    {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}
                )
        responses.setdefault(429, http.HTTPStatus.TOO_MANY_REQUESTS.name)
        return doc

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        """A partial update's body must be sent even though no field is: webargs reads a
        missing body as `{}`, which would change nothing and answer 200.

        A schema class is made an instance once, here: webargs would make one per request."""
        if isinstance(schema, type):
            schema = schema()
        parse = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required or not getattr(schema, "partial", None):
            return parse

        def decorator(func):
            view = parse(func)

            @wraps(view)
            def wrapper(*args, **kwargs):
                if not request.get_data(cache=True).strip():
                    abort(400, message="Send the fields to change as a JSON object.")
                return view(*args, **kwargs)

            return wrapper

        return decorator

    def query(self, schema):
        """Query-string arguments: documented as parameters, rejected with a 400 when bad."""
        return self.arguments(schema, location="query", error_status_code=400)

    def auth(self, role: str):
        """Require an API key with `role` or higher, checked before anything else (a 401 or
        403 comes before a 400, 409, 415, 422 or 428: this decorator goes first, above
        `arguments`, and the view checks `If-Match` itself), and document the requirement and
        its 401/403. A POST honours `Idempotency-Key` once the caller is allowed."""

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                require(role)
                not_json = errors.require_json_bodies()
                if not_json is not None:
                    return not_json
                return idempotency.once(func, *args, **kwargs)

            wrapper.required_role = role  # what a sweep of the app's writes can check
            wrapper = self.doc(security=[{"bearerAuth": []}])(_idempotent(wrapper))
            return self.errors(401, 403)(wrapper)

        return decorator

    def optional_auth(self, func):
        """Anonymous callers are served; a key can widen what the operation returns. An unknown
        or revoked key is refused (401) wherever it is sent, so that status is documented."""
        func = self.doc(security=[{}, {"bearerAuth": []}])(_idempotent_view(func))
        return self.errors(401)(func)

    def no_auth(self, func):
        """Needs no key and reads none (another credential, such as a signed token, may apply);
        a key sent anyway is still checked (401 when unknown or revoked)."""
        func = self.doc(security=[])(_idempotent_view(func))
        return self.errors(401)(func)

    def errors(self, *statuses: int):
        """Document the problem+json error responses an operation can answer."""

        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, response=http.HTTPStatus(status).name)(func)
            return func

        return decorator


def _idempotent(wrapper):
    """Mark a view whose POST goes through `idempotency.once`, for its documentation."""
    wrapper._apidoc = {**deepcopy(getattr(wrapper, "_apidoc", {})), "idempotent": True}
    return wrapper


def _idempotent_view(func):
    """`func`, its POST run through `idempotency.once`."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        return idempotency.once(func, *args, **kwargs)

    return _idempotent(wrapper)


def validator_patterns(_converter, field: ma.fields.Field, ret: dict, **_kwargs) -> dict:
    """An apispec attribute function: a field's validator functions, as a `pattern` (several
    patterns, a field's own included, are all required by lookaheads)."""
    patterns = [
        pattern
        for validator in field.validators
        for function, pattern in VALIDATOR_PATTERNS.items()
        if validator is function
    ]
    if not patterns:
        return {}
    if "pattern" in ret:
        patterns.insert(0, ret["pattern"])
    if len(patterns) == 1:
        return {"pattern": patterns[0]}
    return {"pattern": "".join(f"(?={pattern})" for pattern in patterns)}


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app, *, spec_kwargs=None):
        app.url_map.converters["slug"] = SlugConverter
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.register_converter(SlugConverter, _slug_parameter_schema)
        # apispec says `format: url`, which JSON Schema does not know: clients and validators
        # would take any string
        self.register_field(ma.fields.Url, "string", "uri")
        self.ma_plugin.converter.add_attribute_function(validator_patterns)
        for name, header in READ_HEADERS.items():
            self.spec.components.header(name, header)
        for name, header in RATE_LIMIT_HEADERS.items():
            self.spec.components.header(name, header)
        self.spec.components.header("Retry-After", RETRY_AFTER_HEADER)
        self.spec.components.header(
            idempotency.REPLAYED_HEADER, idempotency.REPLAYED_RESPONSE_HEADER
        )

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)

    def _register_responses(self):
        """Every error response component is problem+json (flask-smorest says application/json)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                response["example"] = {
                    **PROBLEM_EXAMPLE,
                    "status": int(status),
                    "title": status.phrase,
                    "detail": status.description,
                }
                if status != 400:
                    response["example"].pop("errors")
                else:
                    response["example"]["detail"] = PROBLEM_EXAMPLE["detail"]
                if status == http.HTTPStatus.SERVICE_UNAVAILABLE:
                    response["example"]["detail"] = "The database cannot be reached: retry shortly."
                    response["headers"] = {
                        "Retry-After": {"$ref": "#/components/headers/Retry-After"}
                    }
                if status == http.HTTPStatus.TOO_MANY_REQUESTS:
                    response["example"]["detail"] = (
                        "This caller's rate limit (300 per 1 minute) is used up: retry in 42 "
                        "seconds."
                    )
                    response["headers"] = {
                        name: {"$ref": f"#/components/headers/{name}"}
                        for name in ("Retry-After", *RATE_LIMIT_HEADERS)
                    }
            prepare_response(response, self.spec, errors.PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error, as problem+json.", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, errors.PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


# Stands for a page number or a cursor in a link built once: random, so that no parameter a
# client sends holds it, and letters and digits, which URL encoding leaves as they are
_VALUE_MARK = f"newsdesk{secrets.token_hex(8)}"
# What werkzeug's query encoding leaves as it is (werkzeug.urls._urlencode)
_QUERY_SAFE = "!$'()*,/:;?@"


def links_to(name: str) -> Callable[[object], str]:
    """Links to the current request's endpoint with its other parameters, `name` set to each
    value given: the URL is built once and each value put in its place, encoded as werkzeug
    encodes a query (building each of a page's links cost a list page a twentieth of its
    time)."""
    args = request.args.to_dict(flat=False)
    args[name] = [_VALUE_MARK]
    template = url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)
    return lambda value: template.replace(_VALUE_MARK, quote_plus(str(value), safe=_QUERY_SAFE))


def page_links(page: Page) -> dict[str, str | None]:
    """self/first/prev/next/last URLs of a page, keeping the request's other parameters."""
    link = links_to("page")
    return {
        "self": link(page.page),
        "first": link(1),
        "prev": link(min(page.page - 1, page.pages)) if page.page > 1 else None,
        "next": link(page.page + 1) if page.page < page.pages else None,
        "last": link(page.pages),
    }


def page_response(page: Page) -> tuple[dict, int, dict]:
    """The collection envelope, with the same links in an RFC 8288 Link header."""
    links = page_links(page)
    header = ", ".join(
        f'<{url}>; rel="{rel}"' for rel, url in links.items() if url and rel != "self"
    )
    body = {
        "data": page.items,
        "meta": {
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "pages": page.pages,
        },
        "links": links,
    }
    return body, 200, {"Link": header} if header else {}


def cursor_response(page: CursorPage) -> tuple[dict, int, dict]:
    """The collection envelope in cursor mode: `next` carries the next cursor; there is no
    `prev`, `last` or total (counting would cost what the cursor saves)."""

    link = links_to("cursor")
    links = {
        "self": request.url,
        "first": link(CURSOR_START),
        "prev": None,
        "next": link(page.next_cursor) if page.next_cursor else None,
        "last": None,
    }
    header = ", ".join(
        f'<{url}>; rel="{rel}"' for rel, url in links.items() if url and rel != "self"
    )
    body = {
        "data": page.items,
        "meta": {"per_page": page.per_page, "next_cursor": page.next_cursor},
        "links": links,
    }
    return body, 200, {"Link": header}


def one(obj) -> dict:
    """The single-object envelope."""
    return {"data": obj}


IF_MATCH_HEADER = {
    "name": "If-Match",
    "in": "header",
    "description": "The `ETag` of the version you edited: a stale one answers 412.",
    "schema": {"type": "string"},
}


def etag_of(payload) -> str:
    """A strong validator of a representation: its JSON value with sorted keys, hashed.
    `api.caching` hashes every read's body with it, so a write's `If-Match` compares against
    the same value."""
    return f'"{hashlib.sha256(sorted_json(payload)).hexdigest()[:32]}"'


def representation_etag(schema, obj) -> str:
    """The ETag of `obj`'s full single-object representation: what a GET of it answers, so
    what a write's `If-Match` is compared with."""
    return etag_of(one(schema.dump(obj)))


def check_if_match(current_etag: str, *, required: bool) -> None:
    """412 when `If-Match` names another version; 428 when it is required and missing."""
    if not request.headers.get("If-Match"):
        if required:
            abort(428, message="Send the article's ETag in `If-Match` to change it.")
        return
    if not request.if_match.contains(current_etag.strip('"')) and not request.if_match.star_tag:
        abort(412, message="The resource changed since you read it: fetch it again.")


def found_or_404(obj, message: str):
    if obj is None:
        abort(404, message=message)
    return obj


def found_by_slug(model, stmt, slug: str, endpoint: str, message: str):
    """The row `stmt` finds; a 301 to the current slug when `slug` is a former one; else 404."""
    obj = db.session.scalar(stmt)
    if obj is not None:
        return obj
    current = db.session.scalar(queries.moved_slug(model, slug))
    if current is not None:
        raise MovedPermanently(url_for(endpoint, slug=current))
    abort(404, message=message)
