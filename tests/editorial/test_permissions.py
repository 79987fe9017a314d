"""The permission matrix: every write and editorial read × every kind of caller, exact statuses."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from api.auth import ROLE_RANK
from api.services.keys import create_key, revoke_key
from tests.conftest import assert_problem
from tests.editorial.conftest import CALLER_ROLES, CALLERS


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: dict | None = None
    headers: dict = field(default_factory=dict)


class Newsroom:
    """What the operations act on, made on demand; every article is created by the owner's key."""

    def __init__(self, client, callers, make_tag, make_author, session):
        self.client, self.callers, self.session = client, callers, session
        self.make_tag, self.make_author = make_tag, make_author

    def send(self, call: Call, caller: str):
        headers = {**self.callers[caller], **call.headers}
        return self.client.open(call.url, method=call.method, json=call.json, headers=headers)

    def succeed(self, call: Call, caller: str = "editor"):
        """Send a call that sets the scene, which must succeed."""
        response = self.send(call, caller)
        assert response.status_code < 300, response.get_data(as_text=True)
        return response

    def etag(self, article_id: str) -> str:
        return self.succeed(Call("GET", f"/v1/articles/{article_id}")).headers["ETag"]

    def draft(self, *, revised: bool = False) -> str:
        """The owner's draft; a revised one has a revision 2 that reverting to 1 undoes."""
        body = {"title": "Brouillon", "body": "Premier jet."}
        article_id = self.succeed(Call("POST", "/v1/articles", body), "owner").get_json()["data"][
            "id"
        ]
        if revised:
            call = Call("PATCH", f"/v1/articles/{article_id}", {"title": "Brouillon revu"})
            self.succeed(self.with_if_match(call, article_id), "owner")
        return article_id

    def published(self) -> str:
        article_id = self.draft()
        self.succeed(Call("POST", f"/v1/articles/{article_id}/publish", {}))
        return article_id

    def deleted(self) -> str:
        article_id = self.published()
        self.succeed(self.with_if_match(Call("DELETE", f"/v1/articles/{article_id}"), article_id))
        return article_id

    def with_if_match(self, call: Call, article_id: str) -> Call:
        return Call(call.method, call.url, call.json, {"If-Match": self.etag(article_id)})

    def tag(self) -> str:
        return str(self.make_tag().id)

    def author(self) -> str:
        return str(self.make_author().id)

    def key(self) -> str:
        key, _secret = create_key(self.session, name="spare", role="partner")
        self.session.commit()
        return str(key.id)


@pytest.fixture
def newsroom(client, callers, make_tag, make_author, session) -> Newsroom:
    return Newsroom(client, callers, make_tag, make_author, session)


def _in_a_day() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


def _on_article(method: str, path: str = "", json: dict | None = None, *, state="draft"):
    """A call on one of the owner's articles, in `state`, with its current ETag (a deleted
    article has none to read: its actions do not require one)."""

    def build(newsroom: Newsroom) -> Call:
        article_id = getattr(newsroom, state)()
        call = Call(method, f"/v1/articles/{article_id}{path}", json() if callable(json) else json)
        return call if state == "deleted" else newsroom.with_if_match(call, article_id)

    return build


def _revised_draft(method: str, path: str):
    def build(newsroom: Newsroom) -> Call:
        return Call(method, f"/v1/articles/{newsroom.draft(revised=True)}{path}")

    return build


def _on(method: str, resource: str, json: dict | None = None):
    """A call on a new tag, author or key (`resource` names the Newsroom maker)."""

    def build(newsroom: Newsroom) -> Call:
        return Call(method, f"/v1/{resource}s/{getattr(newsroom, resource)()}", json)

    return build


def _plain(method: str, url: str, json: dict | None = None):
    return lambda _newsroom: Call(method, url, json)


@dataclass(frozen=True)
class Operation:
    name: str
    role: str  # the least role that may do it
    owner_may: bool  # whether an author may do it to their own draft
    success: int
    build: Callable[[Newsroom], Call]


# fmt: off
PERMISSIONS = [
    # operation         least role  owner may  success
    ("create-article",  "author",   False,     201),
    ("patch-article",   "editor",   True,      200),
    ("delete-article",  "editor",   True,      204),
    ("publish",         "editor",   False,     200),
    ("schedule",        "editor",   False,     200),
    ("unpublish",       "editor",   False,     200),
    ("archive",         "editor",   False,     200),
    ("restore",         "editor",   False,     200),
    ("purge",           "admin",    False,     204),
    ("list-revisions",  "editor",   True,      200),
    ("get-revision",    "editor",   True,      200),
    ("revert",          "editor",   True,      200),
    ("create-preview",  "editor",   True,      201),
    ("list-drafts",     "author",   False,     200),  # authors list their own only
    ("create-tag",      "editor",   False,     201),
    ("patch-tag",       "editor",   False,     200),
    ("delete-tag",      "editor",   False,     204),
    ("create-author",   "editor",   False,     201),
    ("patch-author",    "editor",   False,     200),
    ("delete-author",   "editor",   False,     204),
    ("list-keys",       "admin",    False,     200),
    ("create-key",      "admin",    False,     201),
    ("get-key",         "admin",    False,     200),
    ("revoke-key",      "admin",    False,     204),
]
# fmt: on
CALLS = {
    "create-article": _plain("POST", "/v1/articles", {"title": "Nouveau"}),
    "patch-article": _on_article("PATCH", "", {"title": "Changé"}),
    "delete-article": _on_article("DELETE"),
    "publish": _on_article("POST", "/publish", {}),
    "schedule": _on_article("POST", "/schedule", lambda: {"published_at": _in_a_day()}),
    "unpublish": _on_article("POST", "/unpublish", state="published"),
    "archive": _on_article("POST", "/archive", state="published"),
    "restore": _on_article("POST", "/restore", state="deleted"),
    "purge": _on_article("POST", "/purge", state="deleted"),
    "list-revisions": _revised_draft("GET", "/revisions"),
    "get-revision": _revised_draft("GET", "/revisions/1"),
    "revert": _revised_draft("POST", "/revisions/1/revert"),
    "create-preview": _on_article("POST", "/preview"),
    "list-drafts": _plain("GET", "/v1/articles?status=draft"),
    "create-tag": _plain("POST", "/v1/tags", {"name": "Nouveau"}),
    "patch-tag": _on("PATCH", "tag", {"description": "Changé"}),
    "delete-tag": _on("DELETE", "tag"),
    "create-author": _plain("POST", "/v1/authors", {"name": "Nouvelle"}),
    "patch-author": _on("PATCH", "author", {"bio": "Changé"}),
    "delete-author": _on("DELETE", "author"),
    "list-keys": _plain("GET", "/v1/keys"),
    "create-key": _plain("POST", "/v1/keys", {"name": "Partenaire", "role": "partner"}),
    "get-key": _on("GET", "key"),
    "revoke-key": _on("DELETE", "key"),
}
MATRIX = [Operation(*row, build=CALLS[row[0]]) for row in PERMISSIONS]
# A preview link is signed, not stored: minting one writes nothing
WRITES = [op for op in MATRIX if not op.name.startswith(("list-", "get-", "create-preview"))]


def expected_status(operation: Operation, caller: str) -> int:
    """401 without a key; the success status for a high enough role, or for the owner where
    owners may; 404 for another author, who may not even read the owner's draft; else 403."""
    role = CALLER_ROLES[caller]
    if role is None:
        return 401
    if ROLE_RANK[role] >= ROLE_RANK[operation.role]:
        return operation.success
    if operation.owner_may and caller == "owner":
        return operation.success
    if operation.owner_may and caller == "other_author":
        return 404
    return 403


def _cases(*, allowed: bool) -> list:
    return [
        pytest.param(operation, caller, id=f"{operation.name}-{caller}")
        for operation in MATRIX
        for caller in CALLERS
        if (expected_status(operation, caller) == operation.success) == allowed
    ]


@pytest.mark.parametrize(("operation", "caller"), _cases(allowed=True))
def test_an_allowed_caller_succeeds(newsroom, operation, caller):
    response = newsroom.send(operation.build(newsroom), caller)
    assert response.status_code == operation.success, response.get_data(as_text=True)


@pytest.mark.parametrize(("operation", "caller"), _cases(allowed=False))
def test_a_refused_caller_gets_the_exact_status_and_changes_nothing(
    newsroom, database_contents, operation, caller
):
    call = operation.build(newsroom)
    before = database_contents()
    assert_problem(newsroom.send(call, caller), expected_status(operation, caller))
    assert database_contents() == before


@pytest.mark.parametrize("operation", MATRIX, ids=lambda operation: operation.name)
def test_an_anonymous_caller_is_asked_for_a_bearer_key(newsroom, operation):
    response = newsroom.send(operation.build(newsroom), "anonymous")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize("operation", WRITES, ids=lambda operation: operation.name)
def test_every_allowed_write_shows_in_the_database_contents(newsroom, database_contents, operation):
    """The refusal tests' "changes nothing" would be vacuous if the snapshot missed a write."""
    call = operation.build(newsroom)
    before = database_contents()
    assert newsroom.send(call, "admin").status_code == operation.success
    assert database_contents() != before


def test_the_draft_listing_shows_an_author_their_own_drafts_only(newsroom):
    mine = newsroom.draft()
    newsroom.succeed(Call("POST", "/v1/articles", {"title": "Autre"}), "other_author")
    newsroom.succeed(Call("POST", "/v1/articles", {"title": "Rédaction"}), "editor")
    listed = newsroom.send(Call("GET", "/v1/articles?status=draft"), "owner").get_json()["data"]
    assert [article["id"] for article in listed] == [mine]


def test_the_draft_listing_shows_an_editor_every_draft(newsroom):
    drafts = {newsroom.draft(), newsroom.draft()}
    listed = newsroom.send(Call("GET", "/v1/articles?status=draft"), "editor").get_json()["data"]
    assert {article["id"] for article in listed} == drafts


def test_an_author_cannot_change_their_own_article_once_published(newsroom):
    call = _on_article("PATCH", "", {"title": "Changé"}, state="published")(newsroom)
    assert_problem(newsroom.send(call, "owner"), 403)


def test_an_author_cannot_change_a_published_article_of_another_author(newsroom):
    call = _on_article("PATCH", "", {"title": "Changé"}, state="published")(newsroom)
    assert_problem(newsroom.send(call, "other_author"), 403)


def test_an_author_cannot_preview_another_authors_draft(newsroom):
    call = _on_article("POST", "/preview")(newsroom)
    assert_problem(newsroom.send(call, "other_author"), 404)


# --- Credentials are checked first, whatever the endpoint -------------------------------------


@pytest.fixture
def bad_credentials(session, make_key) -> dict[str, str]:
    """`Authorization` values that must be refused with a 401."""
    key, secret = create_key(session, name="revoked", role="admin")
    revoke_key(key)
    session.commit()
    return {
        "unknown-key": "Bearer nd_" + "x" * 43,
        "revoked-key": f"Bearer {secret}",
        "not-a-newsdesk-key": "Bearer abc",
        "empty-bearer": "Bearer ",
        "basic-scheme": "Basic dXNlcjpwYXNz",
    }


PUBLIC_GETS = {
    "articles": lambda a: "/v1/articles",
    "article": lambda a: f"/v1/articles/{a.id}",
    "article-by-slug": lambda a: f"/v1/articles/slug/{a.slug}",
    "tags": lambda a: "/v1/tags",
    "tag": lambda a: f"/v1/tags/slug/{a.tags[0].slug}",
    "authors": lambda a: "/v1/authors",
    "author": lambda a: f"/v1/authors/{a.authors[0].id}",
}
CREDENTIALS = ["unknown-key", "revoked-key", "not-a-newsdesk-key", "empty-bearer", "basic-scheme"]


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_a_bad_key_is_a_401_even_on_a_public_read(
    client, make_article, make_tag, make_author, bad_credentials, path, credential
):
    article = make_article(tags=[make_tag().slug], authors=[make_author().slug])
    url = PUBLIC_GETS[path](article)
    assert client.get(url).status_code == 200
    response = client.get(url, headers={"Authorization": bad_credentials[credential]})
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert "data" not in body


# Otherwise bad requests (none sends If-Match but the stale one): each would be a 4xx of its
# own, were the caller not refused first. Built from the app's body size limit.
BAD_REQUESTS = {
    "invalid-fields": lambda limit: dict(json={"title": 5, "id": str(uuid.uuid4())}),
    "empty-body": lambda limit: dict(json={}),
    "invalid-json": lambda limit: dict(data="{", content_type="application/json"),
    "wrong-content-type": lambda limit: dict(data="title=x", content_type="text/plain"),
    "body-over-the-limit": lambda limit: dict(
        data="x" * (limit + 1), content_type="application/json"
    ),
    "stale-if-match": lambda limit: dict(json={"title": "x"}, headers={"If-Match": '"stale"'}),
}
WRITE_TARGETS = {
    "patch-article": lambda a: ("PATCH", f"/v1/articles/{a.id}"),
    "create-article": lambda a: ("POST", "/v1/articles"),
    "schedule": lambda a: ("POST", f"/v1/articles/{a.id}/schedule"),
    "create-tag": lambda a: ("POST", "/v1/tags"),
    "create-key": lambda a: ("POST", "/v1/keys"),
}


def _bad_request(client, article, target, bad, headers):
    method, url = WRITE_TARGETS[target](article)
    options = BAD_REQUESTS[bad](client.application.config["MAX_CONTENT_LENGTH"])
    headers = {**options.pop("headers", {}), **headers}
    return client.open(url, method=method, headers=headers, **options)


@pytest.mark.parametrize("bad", BAD_REQUESTS)
@pytest.mark.parametrize("target", WRITE_TARGETS)
def test_authentication_comes_before_validation_and_preconditions(
    client, make_article, database_contents, target, bad
):
    article = make_article(status="draft")
    before = database_contents()
    assert_problem(_bad_request(client, article, target, bad, {}), 401)
    assert database_contents() == before


@pytest.mark.parametrize("bad", BAD_REQUESTS)
@pytest.mark.parametrize("target", WRITE_TARGETS)
def test_a_bad_key_is_a_401_before_validation(client, make_article, bad_credentials, target, bad):
    article = make_article(status="draft")
    headers = {"Authorization": bad_credentials["unknown-key"]}
    assert_problem(_bad_request(client, article, target, bad, headers), 401)


@pytest.mark.parametrize("bad", BAD_REQUESTS)
@pytest.mark.parametrize("target", WRITE_TARGETS)
def test_authorization_comes_before_validation_and_preconditions(
    client, make_article, callers, target, bad
):
    article = make_article(status="draft")
    assert_problem(_bad_request(client, article, target, bad, callers["partner"]), 403)
