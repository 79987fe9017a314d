"""The bad-input matrix: every write operation × every way a body can be wrong.

Each bad request answers the documented problem (400 not JSON, 413 too large, 415 not JSON-typed,
422 invalid naming the field, 409 slug taken), and leaves the database exactly as it was: every
row of every table is compared before and after.

Each request runs in an application context of its own, as in production, so whatever a refused
request left in its session is thrown away with it, exactly as a real request's would be.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

import pytest

from tests.conftest import assert_problem
from tests.editorial.conftest import database_state


@contextmanager
def unchanged(session) -> Iterator[None]:
    before = database_state(session)
    yield
    after = database_state(session)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"a refused request changed the tables {changed}"


# ---------------------------------------------------------------------------------------------
# The write operations and what they act on


class Newsroom:
    """Two of each resource (the second to collide with), and the keys to write with, each
    made the first time a test asks for it."""

    def __init__(self, make_article, make_tag, make_author, make_key):
        self._make_article, self._make_tag = make_article, make_tag
        self._make_author, self._make_key = make_author, make_key

    @cached_property
    def tag(self):
        return self._make_tag(name="Économie")

    @cached_property
    def other_tag(self):
        return self._make_tag(name="Culture")

    @cached_property
    def author(self):
        return self._make_author(name="Alice Martin")

    @cached_property
    def other_author(self):
        return self._make_author(name="Bob Durand")

    @cached_property
    def article(self):
        return self._make_article(status="draft", tags=[self.tag.slug], authors=[self.author.slug])

    @cached_property
    def other_article(self):
        return self._make_article(status="draft")

    @cached_property
    def editor(self) -> dict:
        return self._make_key("editor")

    @cached_property
    def admin(self) -> dict:
        return self._make_key("admin")


@pytest.fixture
def newsroom(make_article, make_tag, make_author, make_key) -> Newsroom:
    return Newsroom(make_article, make_tag, make_author, make_key)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # {article}, {tag} and {author} stand for the first of each
    valid: dict  # a body it accepts
    role: str = "editor"
    if_match: bool = False  # needs the ETag of the article it changes

    @property
    def creates(self) -> bool:
        return self.method == "POST" and "{" not in self.path


OPERATIONS = {
    "article-create": Operation("POST", "/v1/articles", {"title": "Un titre valable"}),
    "article-patch": Operation(
        "PATCH", "/v1/articles/{article}", {"title": "Un autre titre"}, if_match=True
    ),
    "tag-create": Operation("POST", "/v1/tags", {"name": "Un tag valable"}),
    "tag-patch": Operation("PATCH", "/v1/tags/{tag}", {"name": "Un autre nom"}),
    "author-create": Operation("POST", "/v1/authors", {"name": "Claire Petit"}),
    "author-patch": Operation("PATCH", "/v1/authors/{author}", {"name": "Claire Grand"}),
    "key-create": Operation("POST", "/v1/keys", {"name": "Une clé", "role": "partner"}, "admin"),
    "publish": Operation(
        "POST", "/v1/articles/{article}/publish", {"published_at": "2024-05-21T08:00:00Z"}
    ),
    "schedule": Operation(
        "POST", "/v1/articles/{article}/schedule", {"published_at": "2099-05-21T08:00:00Z"}
    ),
}
ARTICLE_WRITES = ["article-create", "article-patch"]
TAG_WRITES = ["tag-create", "tag-patch"]
AUTHOR_WRITES = ["author-create", "author-patch"]


@pytest.fixture
def prepare(app, client, newsroom):
    """prepare(operation) → (method, url, headers): what the operation acts on and the key it
    needs, made now, with a current `If-Match` where it needs one."""

    def prepare(operation: str) -> tuple[str, str, dict]:
        op = OPERATIONS[operation]
        targets = [name for name in ("article", "tag", "author") if f"{{{name}}}" in op.path]
        url = op.path.format(**{name: getattr(newsroom, name).id for name in targets})
        headers = dict(newsroom.admin if op.role == "admin" else newsroom.editor)
        if op.if_match:
            with app.app_context():
                current = client.get(f"/v1/articles/{newsroom.article.id}", headers=headers)
            headers["If-Match"] = current.headers["ETag"]
        return op.method, url, headers

    return prepare


@pytest.fixture
def send(app, client, prepare):
    """send(operation, json=… | data=…, content_type=…): the request, in a context of its own."""

    def send(operation: str, **kwargs):
        method, url, headers = prepare(operation)
        with app.app_context():
            return client.open(url, method=method, headers=headers, **kwargs)

    return send


@pytest.fixture
def refused(app, client, prepare, session):
    """refused(operation, status, *fields, **request): the problem, and nothing changed."""

    def refused(operation: str, status: int, *fields: str, **kwargs) -> dict:
        method, url, headers = prepare(operation)
        with unchanged(session), app.app_context():
            response = client.open(url, method=method, headers=headers, **kwargs)
        return assert_problem(response, status, *fields)

    return refused


def _raw(body: dict) -> str:
    return json.dumps(body)


# ---------------------------------------------------------------------------------------------
# The control: each operation's valid body is accepted and does change the database


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_valid_body_of_each_operation_is_accepted_and_changes_the_database(
    send, session, operation
):
    before = database_state(session)
    response = send(operation, json=OPERATIONS[operation].valid)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    assert database_state(session) != before


# ---------------------------------------------------------------------------------------------
# Bodies that are not JSON, not JSON-typed, or too large: the same for every operation

NOT_JSON = {
    "trailing-comma": '{"name": "x",}',
    "truncated": '{"name": "x"',
    "single-quotes": "{'name': 'x'}",
    "form-encoded": "name=x&role=partner",
    "bare-word": "undefined",
    "two-documents": '{"name": "x"} {"name": "y"}',
    "invalid-utf8": b'{"name": "\xff\xfe"}',
    "utf16": '{"name": "x"}'.encode("utf-16"),
    "latin1-declared": ('{"name": "é"}'.encode("latin-1"), "application/json; charset=latin-1"),
    "deeply-nested-arrays": "[" * 100_000 + "]" * 100_000,
    "deeply-nested-objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    # I-JSON (RFC 7493): strings are Unicode, so an unpaired surrogate escape is not text
    "lone-high-surrogate": '{"name": "a\\ud800b"}',
    "lone-low-surrogate": '{"name": "a\\udfffb"}',
    "surrogate-in-a-key": '{"\\udc00": "x"}',
}


@pytest.mark.parametrize("case", NOT_JSON)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_body_that_is_not_json_is_a_400(refused, operation, case):
    data = NOT_JSON[case]
    data, content_type = data if isinstance(data, tuple) else (data, "application/json")
    body = refused(operation, 400, data=data, content_type=content_type)
    assert "JSON" in body["detail"]


def test_a_pair_of_surrogate_escapes_is_one_character_and_welcome(send):
    response = send(
        "tag-create", data='{"name": "\\ud83c\\udf89 fête"}', content_type="application/json"
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["data"]["name"] == "🎉 fête"


WRONG_TYPES = [
    "text/plain",
    "text/plain; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=frontière",
    "application/xml",
    "text/html",
    "text/json",
    "application/javascript",
    "application/octet-stream",
    None,  # no Content-Type at all
]


@pytest.mark.parametrize("content_type", WRONG_TYPES, ids=str)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_body_not_sent_as_json_is_a_415(refused, operation, content_type):
    body = _raw(OPERATIONS[operation].valid)  # valid JSON, announced as something else
    kwargs = {"content_type": content_type} if content_type else {}
    refused(operation, 415, data=body, **kwargs)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_body_over_the_default_limit_of_one_mebibyte_is_a_413(app, refused, operation):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 1024 * 1024
    body = _raw(OPERATIONS[operation].valid)
    padded = body + " " * (limit + 1 - len(body))  # still valid JSON, one byte too many
    refused(operation, 413, data=padded, content_type="application/json")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_body_over_a_configured_limit_is_a_413(app, monkeypatch, send, refused, operation):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 512)
    body = _raw(OPERATIONS[operation].valid)
    refused(operation, 413, data=body + " " * (513 - len(body)), content_type="application/json")
    # At the limit exactly, the same body is fine
    response = send(operation, data=body + " " * (512 - len(body)), content_type="application/json")
    assert response.status_code in (200, 201), response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# JSON that is not an object, unknown fields, fields nobody may set

NOT_AN_OBJECT = {
    "array": "[]",
    "array-of-the-valid-body": None,  # [valid]
    "string": '"title"',
    "number": "42",
    "boolean": "true",
    "null": "null",
}


@pytest.mark.parametrize("shape", NOT_AN_OBJECT)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_json_that_is_not_an_object_is_a_422(refused, operation, shape):
    data = NOT_AN_OBJECT[shape] or _raw([OPERATIONS[operation].valid])
    refused(operation, 422, "_schema", data=data, content_type="application/json")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_unknown_field_is_a_422_naming_it(refused, operation):
    body = {**OPERATIONS[operation].valid, "colour": "rouge"}
    refused(operation, 422, "colour", json=body)


READ_ONLY = {
    "article": {
        "id": "6f1d8c1e-2a4b-4c3d-9e8f-0a1b2c3d4e5f",
        "status": "published",
        "created_at": "2024-05-21T08:00:00Z",
        "updated_at": "2024-05-21T08:00:00Z",
        "published_at": "2024-05-21T08:00:00Z",
        "deleted_at": None,
        "body_html": "<p>Corps</p>",
        "word_count": 1,
        "reading_time": 1,
        "version_id": 99,
        "created_by_id": None,
    },
    "tag": {
        "id": "6f1d8c1e-2a4b-4c3d-9e8f-0a1b2c3d4e5f",
        "article_count": 10,
        "sort_name": "a",
        "created_at": "2024-05-21T08:00:00Z",
        "updated_at": "2024-05-21T08:00:00Z",
    },
    "key": {
        "id": "6f1d8c1e-2a4b-4c3d-9e8f-0a1b2c3d4e5f",
        "key": "nd_chosen-by-the-client",
        "digest": "0" * 64,
        "prefix": "nd_abcd",
        "author_id": None,
        "created_at": "2024-05-21T08:00:00Z",
        "last_used_at": "2024-05-21T08:00:00Z",
        "revoked_at": None,
    },
    "action": {
        "status": "published",
        "id": "6f1d8c1e-2a4b-4c3d-9e8f-0a1b2c3d4e5f",
        "updated_at": "2024-05-21T08:00:00Z",
        "title": "Un titre",
    },
}
READ_ONLY["author"] = READ_ONLY["tag"]
_KIND = {
    "article-create": "article",
    "article-patch": "article",
    "tag-create": "tag",
    "tag-patch": "tag",
    "author-create": "author",
    "author-patch": "author",
    "key-create": "key",
    "publish": "action",
    "schedule": "action",
}
READ_ONLY_CASES = [(op, name) for op in OPERATIONS for name in READ_ONLY[_KIND[op]]]


@pytest.mark.parametrize(("operation", "name"), READ_ONLY_CASES)
def test_a_read_only_field_is_a_422_naming_it(refused, operation, name):
    """Mass assignment is impossible: ids, status, timestamps, derived values, secrets."""
    body = {**OPERATIONS[operation].valid, name: READ_ONLY[_KIND[operation]][name]}
    refused(operation, 422, name, json=body)


# ---------------------------------------------------------------------------------------------
# Field by field: (case, body fragment, the field the problem names). On a create the fragment
# is merged into the valid body; on a patch it is sent alone. A fragment may be a function of
# the newsroom, for the slugs it holds.

_URL = "https://example.org/image.png"
_LONG_URL = "https://example.org/" + "a" * 2029  # 2,049 characters

BAD_SLUGS = {
    "uppercase": "Bad-Slug",
    "space": "bad slug",
    "accent": "séoul",
    "double-hyphen": "a--b",
    "leading-hyphen": "-a",
    "trailing-hyphen": "a-",
    "underscore": "a_b",
    "slash": "a/b",
    "dots": "..",
    "empty": "",
    "nul": "a\x00b",
    "null": None,
    "number": 42,
    "list": ["a"],
}


def _slug_cases(max_length: int) -> list[tuple]:
    cases = [(f"slug-{name}", {"slug": value}, "slug") for name, value in BAD_SLUGS.items()]
    return [*cases, ("slug-too-long", {"slug": "a" * (max_length + 1)}, "slug")]


def _text_cases(name: str, max_length: int, *, nullable: bool, required: bool = False):
    cases = [
        (f"{name}-too-long", {name: "é" * (max_length + 1)}, name),
        (f"{name}-number", {name: 42}, name),
        (f"{name}-list", {name: ["x"]}, name),
        (f"{name}-object", {name: {"fr": "x"}}, name),
        (f"{name}-boolean", {name: True}, name),
        (f"{name}-nul-character", {name: "a\x00b"}, name),
        (f"{name}-control-character", {name: "a\x1bb"}, name),
    ]
    if not nullable:
        cases.append((f"{name}-null", {name: None}, name))
    if required:
        cases.append((f"{name}-empty", {name: ""}, name))
    return cases


def _url_cases(name: str, wrap: Callable[[object], dict], error_field: str) -> list[tuple]:
    urls = {
        "javascript": "javascript:alert(1)",
        "javascript-mixed-case": "JaVaScRiPt:alert(1)",
        "javascript-with-slashes": "javascript://example.org/%0Aalert(1)",
        "vbscript": "vbscript:msgbox(1)",
        "data": "data:image/png;base64,iVBORw0KGgo=",
        "data-html": "data:text/html,<script>alert(1)</script>",
        "ftp": "ftp://example.org/x.png",
        "file": "file:///etc/passwd",
        "relative": "/images/x.png",
        "protocol-relative": "//example.org/x.png",
        "no-host": "https://",
        "space-in-host": "https://exa mple.org/x.png",
        "not-a-url": "pas une adresse",
        "empty": "",
        "too-long": _LONG_URL,
        "number": 42,
        "list": [_URL],
        "nul": "https://example.org/\x00",
    }
    return [(f"{name}-{case}", wrap(url), error_field) for case, url in urls.items()]


ARTICLE_CASES = [
    *_text_cases("title", 300, nullable=False, required=True),
    *_slug_cases(200),
    *_text_cases("subtitle", 300, nullable=True),
    *_text_cases("excerpt", 1000, nullable=True),
    ("body-too-long", {"body": "x" * 500_001}, "body"),
    ("body-null", {"body": None}, "body"),
    ("body-number", {"body": 42}, "body"),
    ("body-list", {"body": ["Un paragraphe."]}, "body"),
    ("body-object", {"body": {"markdown": "x"}}, "body"),
    ("body-nul-character", {"body": "Un\x00paragraphe."}, "body"),
    ("body-html-nul-character", {"body": "<p>a\x00b</p>", "body_format": "html"}, "body"),
    ("body-control-character", {"body": "Un\x08paragraphe."}, "body"),
    ("body_format-unknown", {"body_format": "rtf"}, "body_format"),
    ("body_format-capitalised", {"body_format": "Markdown"}, "body_format"),
    ("body_format-null", {"body_format": None}, "body_format"),
    ("body_format-number", {"body_format": 1}, "body_format"),
    ("language-word", {"language": "french"}, "language"),
    ("language-one-letter", {"language": "f"}, "language"),
    ("language-underscore", {"language": "fr_FR"}, "language"),
    ("language-space", {"language": "fr FR"}, "language"),
    ("language-digits", {"language": "12"}, "language"),
    ("language-empty", {"language": ""}, "language"),
    ("language-too-long", {"language": "en" + "-abcdefgh" * 4}, "language"),
    ("language-null", {"language": None}, "language"),
    ("language-number", {"language": 33}, "language"),
    ("feature_image-string", {"feature_image": _URL}, "feature_image"),
    ("feature_image-list", {"feature_image": [{"url": _URL}]}, "feature_image"),
    ("feature_image-without-url", {"feature_image": {"alt": "x"}}, "feature_image.url"),
    ("feature_image-url-null", {"feature_image": {"url": None}}, "feature_image.url"),
    *_url_cases(
        "feature_image-url", lambda url: {"feature_image": {"url": url}}, "feature_image.url"
    ),
    (
        "feature_image-alt-too-long",
        {"feature_image": {"url": _URL, "alt": "é" * 501}},
        "feature_image.alt",
    ),
    (
        "feature_image-caption-too-long",
        {"feature_image": {"url": _URL, "caption": "é" * 501}},
        "feature_image.caption",
    ),
    (
        "feature_image-credit-too-long",
        {"feature_image": {"url": _URL, "credit": "é" * 301}},
        "feature_image.credit",
    ),
    ("feature_image-alt-number", {"feature_image": {"url": _URL, "alt": 1}}, "feature_image.alt"),
    (
        "feature_image-unknown-field",
        {"feature_image": {"url": _URL, "colour": "rouge"}},
        "feature_image.colour",
    ),
    ("seo-null", {"seo": None}, "seo"),
    ("seo-string", {"seo": "mots clés"}, "seo"),
    ("seo-list", {"seo": []}, "seo"),
    *_url_cases(
        "seo-canonical_url", lambda url: {"seo": {"canonical_url": url}}, "seo.canonical_url"
    ),
    ("seo-meta_title-too-long", {"seo": {"meta_title": "é" * 301}}, "seo.meta_title"),
    (
        "seo-meta_description-too-long",
        {"seo": {"meta_description": "é" * 501}},
        "seo.meta_description",
    ),
    ("seo-meta_title-number", {"seo": {"meta_title": 3}}, "seo.meta_title"),
    ("seo-unknown-field", {"seo": {"keywords": "a, b"}}, "seo.keywords"),
    ("tags-string", {"tags": "economie"}, "tags"),
    ("tags-null", {"tags": None}, "tags"),
    ("tags-object", {"tags": {"slug": "x"}}, "tags"),
    ("tags-bad-slug", {"tags": ["Bad Slug"]}, "tags.0"),
    ("tags-number", {"tags": [1]}, "tags.0"),
    ("tags-null-item", {"tags": [None]}, "tags.0"),
    ("tags-duplicate", lambda n: {"tags": [n.tag.slug, n.tag.slug]}, "tags"),
    ("tags-too-many", {"tags": [f"t{i}" for i in range(51)]}, "tags"),
    ("tags-unknown", {"tags": ["no-such-tag"]}, "tags"),
    ("tags-one-unknown", lambda n: {"tags": [n.tag.slug, "no-such-tag"]}, "tags"),
    ("authors-string", {"authors": "alice"}, "authors"),
    ("authors-null", {"authors": None}, "authors"),
    ("authors-bad-slug", {"authors": ["Alice Martin"]}, "authors.0"),
    ("authors-duplicate", lambda n: {"authors": [n.author.slug, n.author.slug]}, "authors"),
    ("authors-too-many", {"authors": [f"a{i}" for i in range(21)]}, "authors"),
    ("authors-unknown", {"authors": ["no-such-author"]}, "authors"),
    ("authors-one-unknown", lambda n: {"authors": ["no-such-author", n.author.slug]}, "authors"),
]

TAG_CASES = [
    *_text_cases("name", 120, nullable=False, required=True),
    *_slug_cases(120),
    *_text_cases("description", 5000, nullable=True),
]

_SOCIAL = "social_links"
AUTHOR_CASES = [
    *_text_cases("name", 200, nullable=False, required=True),
    *_slug_cases(120),
    *_text_cases("bio", 5000, nullable=True),
    *_url_cases("avatar_url", lambda url: {"avatar_url": url}, "avatar_url"),
    *_url_cases("website", lambda url: {"website": url}, "website"),
    *_url_cases("social-x", lambda url: {_SOCIAL: {"x": url}}, "social_links.x"),
    ("social-mastodon-ftp", {_SOCIAL: {"mastodon": "ftp://x.org"}}, "social_links.mastodon"),
    (
        "social-github-javascript",
        {_SOCIAL: {"github": "javascript:alert(1)"}},
        "social_links.github",
    ),
    (
        "social-unknown-network",
        {_SOCIAL: {"myspace": "https://myspace.com/x"}},
        "social_links.myspace",
    ),
    ("social-null", {_SOCIAL: None}, _SOCIAL),
    ("social-string", {_SOCIAL: "https://x.com/alice"}, _SOCIAL),
    ("social-list", {_SOCIAL: ["https://x.com/alice"]}, _SOCIAL),
]

KEY_CASES = [
    *_text_cases("name", 120, nullable=False, required=True),
    ("name-markup", {"name": "<b>clé</b>"}, "name"),
    ("role-unknown", {"role": "root"}, "role"),
    ("role-capitalised", {"role": "Admin"}, "role"),
    ("role-null", {"role": None}, "role"),
    ("role-number", {"role": 4}, "role"),
    ("role-list", {"role": ["admin"]}, "role"),
    ("author-bad-slug", {"role": "author", "author": "Alice Martin"}, "author"),
    ("author-unknown", {"role": "author", "author": "no-such-author"}, "author"),
    ("author-number", {"role": "author", "author": 7}, "author"),
]


def _fragment(fragment, newsroom: Newsroom) -> dict:
    return fragment(newsroom) if callable(fragment) else fragment


def _field_cases(cases: list[tuple], operations: list[str]) -> list:
    return [
        pytest.param(op, fragment, error_field, id=f"{op}-{case}")
        for op in operations
        for case, fragment, error_field in cases
    ]


@pytest.mark.parametrize(
    ("operation", "fragment", "error_field"),
    [
        *_field_cases(ARTICLE_CASES, ARTICLE_WRITES),
        *_field_cases(TAG_CASES, TAG_WRITES),
        *_field_cases(AUTHOR_CASES, AUTHOR_WRITES),
        *_field_cases(KEY_CASES, ["key-create"]),
    ],
)
def test_a_bad_field_is_a_422_naming_it(refused, newsroom, operation, fragment, error_field):
    fragment = _fragment(fragment, newsroom)
    op = OPERATIONS[operation]
    body = {**op.valid, **fragment} if op.creates else fragment
    refused(operation, 422, error_field, json=body)


MISSING_REQUIRED = [
    ("article-create", {}, "title"),
    ("article-create", {"body": "Un corps sans titre."}, "title"),
    ("tag-create", {"description": "Sans nom"}, "name"),
    ("author-create", {"bio": "Sans nom"}, "name"),
    ("key-create", {"role": "partner"}, "name"),
    ("key-create", {"name": "Sans rôle"}, "role"),
    ("schedule", {}, "published_at"),
]


@pytest.mark.parametrize(("operation", "body", "error_field"), MISSING_REQUIRED)
def test_a_missing_required_field_is_a_422_naming_it(refused, operation, body, error_field):
    refused(operation, 422, error_field, json=body)


@pytest.mark.parametrize(
    "operation", ["article-create", "tag-create", "author-create", "key-create", "schedule"]
)
def test_no_body_at_all_is_a_422_when_fields_are_required(refused, operation):
    body = refused(operation, 422)
    assert body["errors"]


# ---------------------------------------------------------------------------------------------
# Dates: publish and schedule

BAD_DATES = {
    "month-13": "2024-13-01T08:00:00Z",
    "february-30": "2024-02-30T08:00:00Z",
    "hour-25": "2024-05-21T25:00:00Z",
    "minute-60": "2024-05-21T08:60:00Z",
    "offset-25-hours": "2024-05-21T08:00:00+25:00",
    "words": "mardi prochain",
    "empty": "",
    "spaces": "   ",
    "us-format": "05/21/2024 08:00",
    "unix-seconds-number": 1716278400,
    "unix-seconds-string": "1716278400",
    "boolean": True,
    "list": ["2024-05-21T08:00:00Z"],
    "object": {"date": "2024-05-21T08:00:00Z"},
    "null": None,
    "past-the-last-utc-instant": "9999-12-31T23:59:59-01:00",
    "before-the-first-utc-instant": "0001-01-01T00:00:00+01:00",
    "year-zero": "0000-01-01T00:00:00Z",
    "nul-character": "2024-05-21T08:00:00Z\x00",
}


@pytest.mark.parametrize("date", BAD_DATES)
@pytest.mark.parametrize("operation", ["publish", "schedule"])
def test_an_invalid_date_is_a_422_naming_it(refused, operation, date):
    refused(operation, 422, "published_at", json={"published_at": BAD_DATES[date]})


@pytest.mark.parametrize(
    "when",
    [
        datetime(2020, 1, 1, tzinfo=UTC),
        datetime.now(UTC) - timedelta(minutes=1),
        datetime.now(UTC) - timedelta(days=3650),
    ],
    ids=["2020", "a-minute-ago", "ten-years-ago"],
)
def test_a_schedule_in_the_past_is_a_422(refused, when):
    stamp = when.isoformat().replace("+00:00", "Z")
    refused("schedule", 422, "published_at", json={"published_at": stamp})


# ---------------------------------------------------------------------------------------------
# Conflicts: a slug another resource of the same kind already has

DUPLICATE_SLUGS = {
    "article-create": lambda n: {"title": "Autre", "slug": n.other_article.slug},
    "article-patch": lambda n: {"slug": n.other_article.slug},
    "tag-create": lambda n: {"name": "Autre", "slug": n.other_tag.slug},
    "tag-patch": lambda n: {"slug": n.other_tag.slug},
    "author-create": lambda n: {"name": "Autre", "slug": n.other_author.slug},
    "author-patch": lambda n: {"slug": n.other_author.slug},
}


@pytest.mark.parametrize("operation", DUPLICATE_SLUGS)
def test_a_slug_already_taken_is_a_409_naming_it(refused, newsroom, operation):
    refused(operation, 409, "slug", json=DUPLICATE_SLUGS[operation](newsroom))


def test_a_409_also_leaves_the_other_fields_alone(refused, newsroom):
    """A patch refused for its slug changes none of the valid fields sent with it."""
    body = {"title": "Changé", "subtitle": "Changé", "slug": newsroom.other_article.slug}
    refused("article-patch", 409, "slug", json=body)


def test_an_unknown_tag_in_a_patch_leaves_the_valid_fields_alone(refused):
    body = {"title": "Changé", "body": "Nouveau corps.", "tags": ["no-such-tag"]}
    refused("article-patch", 422, "tags", json=body)


# ---------------------------------------------------------------------------------------------
# The limits are the columns' limits: values at the maximum are accepted on every database

AT_THE_LIMIT = {
    "article-create": {
        "title": "é" * 300,
        "slug": "a" * 200,
        "subtitle": "é" * 300,
        "excerpt": "é" * 1000,
        "language": "en" + "-abcdefgh" * 3 + "-abcde",  # 35 characters
        "feature_image": {
            "url": "https://example.org/" + "a" * 2028,
            "alt": "é" * 500,
            "caption": "é" * 500,
            "credit": "é" * 300,
        },
        "seo": {
            "meta_title": "é" * 300,
            "meta_description": "é" * 500,
            "canonical_url": "https://example.org/" + "b" * 2028,
        },
    },
    "tag-create": {"name": "é" * 120, "slug": "t" * 120, "description": "é" * 5000},
    "author-create": {
        "name": "é" * 200,
        "slug": "a" * 120,
        "bio": "é" * 5000,
        "avatar_url": "https://example.org/" + "a" * 2028,
        "website": "https://example.org/" + "b" * 2028,
        "social_links": {"x": "https://x.com/" + "c" * 2034},
    },
    "key-create": {"name": "é" * 120, "role": "partner"},
}


@pytest.mark.parametrize("operation", AT_THE_LIMIT)
def test_values_at_the_maximum_length_are_accepted(send, operation):
    body = AT_THE_LIMIT[operation]
    response = send(operation, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()["data"]
    for name, value in body.items():
        assert data[name] == value, name


@pytest.mark.parametrize(
    "name",
    ["œ" * 120, "中" * 120, "ß" * 120, "ǅ" * 120, "🎉" * 60 + "a"],
    ids=["oe-ligature", "cjk", "sharp-s", "dz-digraph", "emoji"],
)
@pytest.mark.parametrize("operation", ["tag-create", "author-create"])
def test_a_slug_made_from_a_long_name_fits_its_column(send, operation, name):
    """Transliteration lengthens names (`中` → `zhong`): the generated slug is cut to fit."""
    response = send(operation, json={"name": name})
    assert response.status_code == 201, response.get_data(as_text=True)
    slug = response.get_json()["data"]["slug"]
    assert 1 <= len(slug) <= 120
    again = send(operation, json={"name": name})  # the same name again takes a suffix
    assert again.status_code == 201, again.get_data(as_text=True)
    assert len(again.get_json()["data"]["slug"]) <= 120
    assert again.get_json()["data"]["slug"] != slug
