"""Schemas every resource shares: errors, pagination arguments and envelopes."""

from functools import lru_cache

from marshmallow import Schema, fields, validate

PROBLEM_EXAMPLE = {
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "Invalid query parameter: per_page.",
    "instance": "/v1/articles",
    "request_id": "9f1c3b6e2a7d4f0e8b5a1c2d3e4f5a6b",
    "errors": {"per_page": ["Must be greater than or equal to 1 and less than or equal to 100."]},
}


class ProblemSchema(Schema):
    """An RFC 9457 problem: every error Newsdesk answers has this shape."""

    type = fields.String(
        metadata={"description": "A URI naming the problem type (`about:blank` for plain HTTP)."}
    )
    title = fields.String(metadata={"description": "Short summary of the problem type."})
    status = fields.Integer(metadata={"description": "The HTTP status code."})
    detail = fields.String(metadata={"description": "What went wrong with this request."})
    instance = fields.String(metadata={"description": "The path of the request that failed."})
    request_id = fields.String(
        metadata={"description": "The request id, also in the `X-Request-ID` header and logs."}
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field-level messages, keyed by parameter or field name."},
    )


class PaginationArgsSchema(Schema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "Page number, from 1."},
    )
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Items per page (at most 100)."},
    )


class PageMetaSchema(Schema):
    """Offset mode: `page`, `per_page`, `total`, `pages`. Cursor mode: `per_page`, `next_cursor`."""

    page = fields.Integer(metadata={"example": 1})
    per_page = fields.Integer(metadata={"example": 20})
    total = fields.Integer(metadata={"description": "Items across all pages.", "example": 1})
    pages = fields.Integer(metadata={"description": "Number of pages.", "example": 1})
    next_cursor = fields.String(
        allow_none=True,
        metadata={
            "description": "Cursor mode only: the `cursor` of the next page; null on the last."
        },
    )


class PageLinksSchema(Schema):
    self = fields.String(metadata={"description": "This page."})
    first = fields.String(allow_none=True)
    prev = fields.String(allow_none=True)
    next = fields.String(allow_none=True)
    last = fields.String(allow_none=True)


class Representation(fields.Nested):
    """A nested object as the view already dumped it (a sparse fieldset chosen by `fields`):
    passed through as is, and documented by its schema. Objects are dumped as usual."""

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        if isinstance(nested_obj, dict):
            return nested_obj
        return super()._serialize(nested_obj, attr, obj, **kwargs)


class ResourceRefSchema(Schema):
    """A compact reference to a tag or an author, embedded in article summaries."""

    id = fields.UUID(metadata={"description": "Stable identifier."})
    slug = fields.String()
    name = fields.String()


class NoQueryArgsSchema(Schema):
    """Operations that take no query parameter still refuse unknown ones (a 400 naming them)."""


@lru_cache(maxsize=256)
def sparse_schema(schema_class: type[Schema], only: tuple[str, ...] | None = None) -> Schema:
    """The instance of `schema_class` showing the fields `only` names (all when None), made
    once per selection: building a schema costs more than dumping a page of 20 articles with
    it, and dumping keeps no state in the instance, so every request shares it."""
    return schema_class(only=only)
