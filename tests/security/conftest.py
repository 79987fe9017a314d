"""The security suite's material: the operations the app documents (read from the spec the
code generates, so a new endpoint is swept without touching this suite), a newsroom holding
content of every hidden kind, and ways to fill an operation's path with real values.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import product
from urllib.parse import quote

import pytest

from api import create_app
from api.models import Subscriber, WebhookEndpoint
from api.services import webhooks
from api.services.content import save_article
from api.services.digests import build_digest
from api.services.keys import create_key
from api.services.previews import mint_token
from tests.editorial.test_leaks import EARLIER, HIDDEN_KINDS, LATER, PUBLISHED

HTTP_METHODS = ("get", "put", "post", "patch", "delete")
# Every kind of article the public must not see: the editorial suite's, and one marked
# published whose publication time has not come
ARTICLE_KINDS = {**HIDDEN_KINDS, "published-in-future": ("published", LATER, False)}
# Deleted after publication: reads of it answer 410 Gone, by design (shared/API.md)
ONCE_PUBLIC = "deleted"


def _live_spec() -> dict:
    """The spec the code generates now (not the committed snapshot)."""
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "security"})
    return app.test_client().get("/openapi.json").get_json()


SPEC = _live_spec()


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # as the spec writes it: /v1/articles/{article_id}
    security: tuple  # the requirements; () when none is declared
    parameters: tuple[dict, ...]

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def anonymous(self) -> bool:
        """Whether it may be called without a key."""
        return not self.security or {} in self.security

    def names(self, where: str) -> list[str]:
        return [p["name"] for p in self.parameters if p["in"] == where]

    def parameter(self, name: str) -> dict:
        return next(p for p in self.parameters if p["name"] == name)

    @property
    def resource(self) -> str:
        """What its path is about: "articles" for /v1/articles/…, "sitemaps" for /sitemaps/…"""
        parts = [part for part in self.path.split("/") if part]
        return parts[1] if parts[0] == "v1" and len(parts) > 1 else parts[0]


def _operations(spec: dict) -> list[Operation]:
    found = []
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            operation = item[method]
            parameters = tuple(item.get("parameters", []) + operation.get("parameters", []))
            security = operation.get("security", spec.get("security")) or ()
            found.append(Operation(method.upper(), path, tuple(security), parameters))
    return found


OPERATIONS = _operations(SPEC)
READS = [op for op in OPERATIONS if op.method == "GET"]
PUBLIC_READS = [op for op in READS if op.anonymous]
KEYED_OPERATIONS = [op for op in OPERATIONS if not op.anonymous]


def params(operations: list[Operation]) -> list:
    return [pytest.param(op, id=op.id) for op in operations]


# ---------------------------------------------------------------------------------------------
# The newsroom: public content, then hidden content added to it


@dataclass
class HiddenArticle:
    kind: str
    id: str
    slug: str
    former_slug: str  # its slug before: now a redirect
    title: str


@dataclass
class Newsroom:
    """What the public may see (one article, two tags and two authors: the "lonely" ones are
    on no public article), and once `hide()` ran, what it may not: an article of every hidden
    kind on all of them, a newsletter subscriber, a webhook and staff keys."""

    marker: str  # a word in every hidden article's title, slug and body, and nowhere else
    tag: object
    lonely_tag: object
    author: object
    lonely_author: object
    visible: object
    partner: dict  # the Authorization header of a partner key
    admin: dict
    preview_token: str  # a genuine preview link's, of the public article
    hidden: dict[str, HiddenArticle] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)  # other hidden values: emails, secrets…
    ids: dict[str, str] = field(default_factory=dict)  # of hidden objects, by path parameter

    @property
    def traces(self) -> list[str]:
        """What no public response may contain once hidden content exists."""
        found = [self.marker, *self.secrets]
        for article in self.hidden.values():
            found += [article.id, article.slug, article.former_slug, article.title]
        return found


@pytest.fixture
def newsroom(app, session, make_tag, make_author, make_article, make_key) -> Iterator[Newsroom]:
    tag, lonely_tag = make_tag(), make_tag()
    author, lonely_author = make_author(), make_author()
    visible = make_article(
        published_at=PUBLISHED,
        tags=[tag.slug],
        authors=[author.slug],
        language="de",
        body="Un paragraphe public.",
    )
    build_digest(session, PUBLISHED.date())  # the day's newsletter digest, as the worker makes
    session.commit()
    room = Newsroom(
        marker=f"zq{uuid.uuid4().hex[:12]}",
        tag=tag,
        lonely_tag=lonely_tag,
        author=author,
        lonely_author=lonely_author,
        visible=visible,
        partner=make_key("partner", name="a partner"),
        admin=make_key("admin", name="the admin"),
        preview_token=mint_token(app.config["SECRET_KEY"], visible.id, 3600)[0],
    )
    yield room


@pytest.fixture
def hide(session, make_article):
    """hide(newsroom): add every kind of hidden article (or those of `kinds`), and hidden
    people and settings."""

    def add(room: Newsroom, kinds=tuple(ARTICLE_KINDS)) -> Newsroom:
        for kind in kinds:
            status, published_at, deleted = ARTICLE_KINDS[kind]
            token = f"{room.marker}{kind.replace('-', '')}"
            former_slug, slug = f"earlier-{token}", f"hidden-{token}"
            article = make_article(
                status=status,
                published_at=published_at,
                title=f"Hidden {kind} {room.marker}",
                body=f"Un paragraphe secret {room.marker}.",
                slug=former_slug,
                tags=[room.tag.slug, room.lonely_tag.slug],
                authors=[room.author.slug, room.lonely_author.slug],
                language="de",
            )
            save_article(session, article, {"slug": slug})
            if deleted:
                article.deleted_at = datetime.now(UTC)
            session.commit()
            room.hidden[kind] = HiddenArticle(
                kind, str(article.id), slug, former_slug, article.title
            )
        email = f"{room.marker}@example.net"
        subscriber = Subscriber(
            email=email, status="confirmed", consent_at=EARLIER, source="security"
        )
        secret = webhooks.new_secret()
        hook = f"https://{room.marker}.example.net/hooks"
        endpoint = WebhookEndpoint(url=hook, events=["*"], secret=secret)
        session.add_all([subscriber, endpoint])
        session.commit()
        staff, raw = create_key(session, name=f"key {room.marker}", role="editor")
        session.commit()
        room.secrets += [email, secret, hook, raw]
        room.ids.update(
            article_id=room.hidden["draft"].id,
            slug=room.hidden["draft"].slug,
            webhook_id=str(endpoint.id),
            key_id=str(staff.id),
            subscriber_id=str(subscriber.id),
            tag_id=str(room.tag.id),
            author_id=str(room.author.id),
            number="1",
            delivery_id="1",
        )
        return room

    return add


# ---------------------------------------------------------------------------------------------
# Filling an operation's path


def path_values(room: Newsroom, op: Operation, name: str) -> list[str]:
    """Real values for a path parameter: each public object it may name."""
    by_resource = {
        "articles": {"article_id": [room.visible.id], "slug": [room.visible.slug]},
        "tags": {"tag_id": [room.tag.id, room.lonely_tag.id]},
        "authors": {"author_id": [room.author.id, room.lonely_author.id]},
    }
    slugs = {
        "tags": [room.tag.slug, room.lonely_tag.slug],
        "authors": [room.author.slug, room.lonely_author.slug],
    }
    common = {
        "page": ["1", "2"],
        "number": ["1"],
        "day": [PUBLISHED.date().isoformat(), EARLIER.date().isoformat()],
        "token": [room.preview_token],
        "webhook_id": [uuid.uuid4()],
        "delivery_id": ["1"],
        "key_id": [uuid.uuid4()],
        "subscriber_id": [uuid.uuid4()],
    }
    values = by_resource.get(op.resource, {}).get(name)
    if values is None and name == "slug":
        values = slugs.get(op.resource)
    if values is None:
        values = common.get(name)
    assert values is not None, (
        f"{op.id}: the security suite does not know what to put in {{{name}}}; "
        "add it to tests/security/conftest.py:path_values"
    )
    return [str(value) for value in values]


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: quote(values[m.group(1)], safe=""), path)


def filled_paths(room: Newsroom, op: Operation) -> list[str]:
    """The operation's path with every combination of real values."""
    names = op.names("path")
    choices = [path_values(room, op, name) for name in names]
    return [fill(op.path, dict(zip(names, combo, strict=True))) for combo in product(*choices)]


def readers(room: Newsroom) -> dict[str, dict]:
    """Who reads without an editorial key: nobody, and a partner."""
    return {"anonymous": {}, "partner": room.partner}


# Headers that differ on every response, whatever it shows
VOLATILE_HEADERS = frozenset(
    {"x-request-id", "date", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"}
)


def snapshot(response) -> tuple:
    """What a response shows: status, headers (less per-request ones) and body."""
    headers = sorted(
        (name.lower(), value)
        for name, value in response.headers.items()
        if name.lower() not in VOLATILE_HEADERS
    )
    return response.status_code, headers, response.get_data()


def problem_shape(response, *replace: str) -> tuple:
    """A problem response, less what names the request (`instance`, `request_id`) and with
    each of `replace` (the id or slug asked for) blanked out."""
    body = response.get_json(force=True, silent=True)
    text = response.get_data(as_text=True)
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("instance", "request_id")}
        text = repr(sorted(body.items()))
    for value in replace:
        text = text.replace(value, "<asked>")
    headers = sorted(
        (name.lower(), value.replace(replace[0], "<asked>") if replace else value)
        for name, value in response.headers.items()
        if name.lower() not in VOLATILE_HEADERS | {"content-length"}
    )
    return response.status_code, response.mimetype, headers, text
