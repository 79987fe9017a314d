"""Schemathesis: every operation of the committed spec, fuzzed in-process on the seed data,
anonymously and with an editor's and an admin's API key.

Each example runs Schemathesis's default checks, among them: no 5xx, a documented status and
content type, a body matching the documented schema, schema-valid input accepted and invalid
input rejected with a 4xx, a missing `Authorization` answered 401; plus `status_is_listed`, as
`default` documents every status. Hypothesis runs all examples of an operation in one test,
hence in the one transaction the test rolls back.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from api.models import Article, Author, Tag
from api.services import keys
from api.services.keys import KEY_PREFIX

SNAPSHOT = Path(__file__).resolve().parent.parent / "openapi.yaml"

schema = schemathesis.openapi.from_path(SNAPSHOT)

FUZZ_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible, never flaky
    # `seeded` and the keys are made once per operation; examples share that data
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# Body fields naming other records by slug: a drawn slug names nothing, which answers 422 as a
# drawn id answers 404. Schema-valid cases name the seed records instead, so that
# `positive_data_acceptance` still holds every other constraint of these bodies to the spec.
SEED_REFERENCES = {
    "tags": "intelligence-artificielle",
    "authors": "la-redaction",
    "author": "la-redaction",  # an author key's profile
}


# A drawn `cursor` is one the API never signed (a 400, as a drawn id is a 404), and cursor mode
# excludes `page`, `status`, `deleted` and sorts other than by `published_at`, which a schema
# cannot say: schema-valid cases start a genuine walk instead, without those parameters
# (`call_and_validate` does it, for cases of every phase).
CURSOR_SORTS = {"published_at", "-published_at"}


def _genuine_cursor(query: dict) -> None:
    query["cursor"] = "start"
    for name in ("page", "status", "deleted"):
        query.pop(name, None)
    if query.get("sort") not in CURSOR_SORTS:
        query.pop("sort", None)


# A drawn change-feed `since` is a cursor the API never signed (a 400): schema-valid cases
# follow the feed from its beginning instead.
def _no_drawn_since(case) -> None:
    if case.operation.path == "/v1/changes" and isinstance(case.query, dict):
        case.query.pop("since", None)


# A drawn webhook URL names a host that does not resolve, or a non-public address: refused
# (422) as a drawn slug is. Schema-valid cases register a loopback URL instead, which the test
# app allows (nothing is sent: no worker runs here), so registration never resolves a drawn
# name and never reaches out.
WEBHOOK_URL = "http://127.0.0.1:9/hooks"


def _loopback_webhook(case) -> None:
    if case.operation.path.startswith("/v1/webhooks") and isinstance(case.body, dict):
        if "url" in case.body:
            case.body["url"] = WEBHOOK_URL


# A drawn `If-Match` names no version of anything: a 412, as a drawn id is a 404. Schema-valid
# cases send none (where a path names the resource, a drawn id answers 404 first; `/v1/site`
# names none).
def _no_drawn_if_match(case) -> None:
    if case.headers:
        case.headers.pop("If-Match", None)


def is_positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def name_seed_records(case) -> None:
    """A schema-valid case, as drawn: its drawn references, cursors, URLs and versions replaced
    by genuine ones (`map_case` here; `make fuzz`'s hooks, tests/fuzz/hooks.py, too)."""
    _no_drawn_if_match(case)
    _no_drawn_since(case)
    if not isinstance(case.body, dict):
        return
    _loopback_webhook(case)
    for field, slug in SEED_REFERENCES.items():
        value = case.body.get(field)
        if isinstance(value, list) and value:
            case.body[field] = [slug]
        elif isinstance(value, str):
            case.body[field] = slug


def fix_before_sending(case) -> None:
    """What every schema-valid case needs just before it is sent, whatever its phase: coverage
    cases (examples, defaults) skip `map_case`."""
    if isinstance(case.query, dict) and "cursor" in case.query:
        _genuine_cursor(case.query)
    _loopback_webhook(case)
    _no_drawn_if_match(case)
    _no_drawn_since(case)


@schema.hook
def map_case(_ctx, case):
    if is_positive(case):
        name_seed_records(case)
    return case


def status_is_listed(ctx, response, case):
    """`default` would make any status conform: demand the operation's own list."""
    if response.request.method.upper() != case.operation.method.upper():
        return None  # an unsupported-method probe: `unsupported_method` checks its 405
    listed = set(case.operation.definition.raw["responses"]) - {"default"}
    assert str(response.status_code) in listed, (
        f"{response.status_code} is not among the statuses {case.operation.label} lists "
        f"({', '.join(sorted(listed))}): document it or answer one of them"
    )


def call_and_validate(case, app):
    """Send `case` to the app in-process and run every check, `status_is_listed` included."""
    # The schema comes from a file, so it knows no app: the follow-up requests some checks send
    # (`ignored_auth` replays a request without its key) take their transport from it
    case.operation.schema.app = app
    if is_positive(case):
        fix_before_sending(case)
    return case.call_and_validate(app=app, additional_checks=[status_is_listed])


# Credentials go through Schemathesis's auth mechanism, not hard-coded headers: it sends them
# where the spec's security requirements say, and leaves them out where it tests their absence.
# It builds its coverage-phase cases, credentials included, when it collects the tests, before
# any fixture runs: so each role's secret is fixed for the session, and `api_keys` stores keys
# with these secrets in each test's rolled-back transaction.
SECRETS = {role: KEY_PREFIX + secrets.token_urlsafe(32) for role in ("editor", "admin")}


class _KeyAuth:
    """Schemathesis's auth provider protocol: `get` the credential, `set` it on a case."""

    role: str

    def get(self, _case, _ctx):
        return SECRETS[self.role]

    def set(self, case, data, _ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


class EditorKey(_KeyAuth):
    role = "editor"


class AdminKey(_KeyAuth):
    role = "admin"


@pytest.fixture
def api_keys(session, monkeypatch) -> dict[str, str]:
    """A key per role, made by `create_key` with the role's session-wide secret."""
    for role, secret in SECRETS.items():
        with monkeypatch.context() as patch:
            patch.setattr(keys.secrets, "token_urlsafe", lambda _n, s=secret: s[len(KEY_PREFIX) :])
            _key, minted = keys.create_key(session, name=f"schemathesis {role}", role=role)
        assert minted == secret
    session.commit()
    return SECRETS


@schema.parametrize()
@FUZZ_SETTINGS
def test_operation_honours_the_spec(case, app, seeded):
    """Anonymously: public reads answer, everything else asks for a key (401)."""
    call_and_validate(case, app)


# `refresh_interval=None`: nothing to cache or refresh, and a 401 is never replayed with fresh
# credentials, so it fails the test as it should
@schema.auth(EditorKey, refresh_interval=None)
@schema.parametrize()
@FUZZ_SETTINGS
def test_operation_honours_the_spec_as_editor(case, app, seeded, api_keys):
    """With an editor's key: writes and lifecycle actions run (on drawn ids, mostly a 404);
    keys and purging answer 403."""
    call_and_validate(case, app)


@schema.auth(AdminKey, refresh_interval=None)
@schema.parametrize()
@FUZZ_SETTINGS
def test_operation_honours_the_spec_as_admin(case, app, seeded, api_keys):
    """With an admin's key: every operation is allowed."""
    call_and_validate(case, app)


SEED_RECORDS = {
    "articles": (Article, "seoul-accueille-la-seconde-edition-du-ai-safety-summit"),
    "tags": (Tag, "intelligence-artificielle"),
    "authors": (Author, "la-redaction"),
}


@pytest.mark.parametrize("resource", SEED_RECORDS)
@pytest.mark.parametrize("by", ["id", "slug"])
def test_seed_records_answer_as_documented(app, session, seeded, resource, by):
    """Generated ids never name a record: check each lookup's 200 body with the seed's own."""
    model, slug = SEED_RECORDS[resource]
    if by == "slug":
        label, path_parameters = f"GET /v1/{resource}/slug/{{slug}}", {"slug": slug}
    else:
        record = session.scalars(select(model).filter_by(slug=slug)).one()
        name = f"{resource.removesuffix('s')}_id"
        label, path_parameters = f"GET /v1/{resource}/{{{name}}}", {name: str(record.id)}
    case = schema.find_operation_by_label(label).Case(path_parameters=path_parameters)
    response = case.call_and_validate(app=app, additional_checks=[status_is_listed])
    assert response.status_code == 200


# Inputs that once broke the contract (a 500, or a spec allowing what the app refuses), kept
# as fixed cases: random generation reaches them rarely
@pytest.mark.parametrize(
    ("label", "path_parameters", "query", "status"),
    [
        # PostgreSQL refuses a NUL byte in text
        ("GET /v1/articles/slug/{slug}", {"slug": "a\x00b"}, None, 404),
        ("GET /v1/tags/slug/{slug}", {"slug": "a\x00b"}, None, 404),
        ("GET /v1/authors/slug/{slug}", {"slug": "a\x00b"}, None, 404),
        # Longer than any slug
        ("GET /v1/articles/slug/{slug}", {"slug": "a" * 201}, None, 404),
        # Past the last or before the first UTC datetime once the offset is applied
        ("GET /v1/articles", None, {"published_after": "9999-12-31T23:59:59-12:00"}, 400),
        ("GET /v1/articles", None, {"published_before": "0001-01-01T00:00:00+12:00"}, 400),
        # A key given twice once made the app refuse what the spec allows
        ("GET /v1/articles", None, {"sort": "title,-published_at,title"}, 200),
    ],
)
def test_input_that_once_failed_answers_as_documented(
    app, seeded, label, path_parameters, query, status
):
    case = schema.find_operation_by_label(label).Case(path_parameters=path_parameters, query=query)
    response = case.call_and_validate(app=app, additional_checks=[status_is_listed])
    assert response.status_code == status
    expected = "application/json" if status < 400 else "application/problem+json"
    assert response.headers["content-type"] == [expected]


@pytest.mark.parametrize(
    "moment",
    [
        "2024-05-21T08:00:00Z",
        "2024-05-21t08:00:00z",
        "2024-05-21T10:00:00+02:00",
        "2024-05-21T08:00:00.000000000Z",
    ],
)
def test_every_rfc3339_form_of_a_date_time_is_accepted(app, seeded, moment):
    """`format: date-time` promises RFC 3339, lowercase `t` and `z` and nanoseconds included."""
    case = schema.find_operation_by_label("GET /v1/articles").Case(
        query={"published_after": moment}
    )
    response = case.call_and_validate(app=app, additional_checks=[status_is_listed])
    assert response.json()["meta"]["total"] == 1  # the seed article, published at that instant


class Walk:
    """Scripted requests, each answer checked by Schemathesis against the spec: drawn ids never
    name a record, so only these see writes and lifecycle actions succeed. They carry the key
    as a client would, in the `Authorization` header."""

    def __init__(self, app, key: dict, **path_parameters: str):
        self.app, self.key, self.path_parameters = app, key, path_parameters

    def __call__(self, label: str, status: int, *, anonymous=False, headers=None, **kwargs):
        operation = schema.find_operation_by_label(label)
        given = {**self.path_parameters, **kwargs.pop("path_parameters", {})}
        names = {parameter.name for parameter in operation.path_parameters}
        if "body" in kwargs:
            kwargs["media_type"] = "application/json"
        case = operation.Case(
            path_parameters={name: value for name, value in given.items() if name in names},
            headers={**({} if anonymous else self.key), **(headers or {})},
            **kwargs,
        )
        response = call_and_validate(case, self.app)
        assert response.status_code == status, response.text
        return response

    def etag(self, label: str, **kwargs) -> str:
        return self(label, 200, **kwargs).headers["etag"][0]


def test_article_lifecycle_answers_as_documented(app, seeded, make_key):
    """Edit, redirect, unpublish, schedule, archive, publish, preview, revisions, delete,
    restore and purge the seed article."""
    walk = Walk(app, make_key("admin"), article_id=str(seeded.id))
    one = "/v1/articles/{article_id}"
    old_slug = seeded.slug

    etag = walk.etag(f"GET {one}")
    changed = {"title": "Séoul, second sommet", "slug": "seoul-second-sommet", "tags": []}
    walk(f"PATCH {one}", 412, headers={"If-Match": '"stale"'}, body=changed)
    walk(f"PATCH {one}", 428, body=changed)
    walk(f"PATCH {one}", 200, headers={"If-Match": etag}, body=changed)
    walk("GET /v1/articles/slug/{slug}", 301, anonymous=True, path_parameters={"slug": old_slug})
    walk(f"POST {one}/unpublish", 200)
    walk(f"POST {one}/schedule", 200, body={"published_at": "2999-05-21T08:00:00Z"})
    walk(f"POST {one}/schedule", 422, body={"published_at": "9999-12-31T23:59:59-12:00"})
    walk(f"POST {one}/archive", 200)
    walk(f"POST {one}/publish", 200, body={})
    token = walk(f"POST {one}/preview", 201).json()["data"]["token"]
    walk("GET /v1/preview/{token}", 200, anonymous=True, path_parameters={"token": token})
    walk(f"GET {one}/revisions", 200)
    walk(f"GET {one}/revisions/{{number}}", 200, path_parameters={"number": 1})
    walk(f"POST {one}/revisions/{{number}}/revert", 200, path_parameters={"number": 1})
    walk(f"POST {one}/purge", 409)  # not deleted
    walk(f"DELETE {one}", 204, headers={"If-Match": walk.etag(f"GET {one}")})
    walk(f"GET {one}", 410, anonymous=True)
    walk(f"DELETE {one}", 409, headers={"If-Match": "*"})  # already deleted
    walk(f"POST {one}/restore", 200)
    walk(f"DELETE {one}", 204, headers={"If-Match": walk.etag(f"GET {one}")})
    walk(f"POST {one}/purge", 204)
    walk(f"GET {one}", 404, anonymous=True)


def test_article_creation_answers_as_documented(app, seeded, make_key):
    walk = Walk(app, make_key("author"))
    body = {"title": "Un brouillon", "tags": ["intelligence-artificielle"], "authors": []}
    created = walk("POST /v1/articles", 201, body=body).json()["data"]
    walk("POST /v1/articles", 409, body={**body, "slug": created["slug"]})
    walk("GET /v1/articles", 200, query={"status": "draft"})


@pytest.mark.parametrize("resource", ["tags", "authors"])
def test_tag_and_author_writes_answer_as_documented(app, seeded, make_key, resource):
    walk = Walk(app, make_key("editor"))
    name = f"{resource.removesuffix('s')}_id"
    one = f"/v1/{resource}/{{{name}}}"
    created = walk(f"POST /v1/{resource}", 201, body={"name": "Corée du Sud"}).json()["data"]
    walk.path_parameters[name] = created["id"]
    etag = walk.etag(f"GET {one}")
    walk(f"PATCH {one}", 200, headers={"If-Match": etag}, body={"slug": "coree"})
    walk(f"GET /v1/{resource}/slug/{{slug}}", 301, path_parameters={"slug": created["slug"]})
    walk(f"POST /v1/{resource}", 409, body={"name": "Autre", "slug": "coree"})
    walk(f"DELETE {one}", 412, headers={"If-Match": etag})
    walk(f"DELETE {one}", 204)
    seed = {"slug": SEED_RECORDS[resource][1]}  # the seed article's
    seed_id = walk(f"GET /v1/{resource}/slug/{{slug}}", 200, path_parameters=seed).json()["data"][
        "id"
    ]
    walk(f"DELETE {one}", 409, path_parameters={name: seed_id})


def test_key_management_answers_as_documented(app, seeded, make_key):
    walk = Walk(app, make_key("admin"))
    body = {"name": "Partenaire syndication", "role": "author", "author": "la-redaction"}
    created = walk("POST /v1/keys", 201, body=body).json()["data"]
    walk.path_parameters["key_id"] = created["id"]
    walk("GET /v1/keys/{key_id}", 200)
    walk("GET /v1/keys", 200)
    walk("DELETE /v1/keys/{key_id}", 204)
    walk(
        "GET /v1/articles",
        401,
        anonymous=True,
        headers={"Authorization": f"Bearer {created['key']}"},
    )
