"""Path variants never bypass a permission: a keyed operation, or a hidden article, asked
for with a trailing slash, in upper case, with doubled or percent-encoded slashes, dot
segments or a matrix parameter, answers 401/403 or 404 (or a redirect to a path that does),
never its content."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.security.conftest import KEYED_OPERATIONS, READS, fill, params


def variants(path: str) -> list[str]:
    """Ways to write `path` (/v1/…) that a lax router or a proxy might read as it."""
    inner = path[1:]
    first, _, rest = inner.partition("/")
    head, _, last = path.rpartition("/")
    return [
        path,
        f"{path}/",
        path.upper(),
        f"/{first.upper()}/{rest}",
        f"/{path}",
        path.replace("/", "//"),
        f"{head}%2F{last}",
        "/" + inner.replace("/", "%2F"),
        f"/{first}/../{inner}",
        f"/{first}/./{rest}",
        f"/x/..%2F{inner}",
        f"/%2e%2e/{inner}",
        f"{path};x=1",
        f"{path}%20",
        f"{path}.json",
        re.sub(r"/([a-z])", lambda m: f"/%{ord(m.group(1)):02X}", path),  # /v1 → /%761
    ]


def _open(client, method: str, url: str, headers: dict):
    body = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
    return client.open(url, method=method, headers=headers, **body)


def refused(client, method: str, url: str, headers: dict, allowed: set[int]) -> int:
    """The status `url` answers; a redirect is followed (once) and must be refused too."""
    response = _open(client, method, url, headers)
    if response.status_code in (301, 302, 307, 308):
        target = urlsplit(response.headers["Location"])
        response = _open(client, method, target.path, headers)
    assert response.status_code in allowed, (method, url, response.status_code)
    return response.status_code


@pytest.mark.parametrize("op", params(KEYED_OPERATIONS))
def test_a_keyed_operation_stays_closed_however_its_path_is_written(client, newsroom, hide, op):
    room = hide(newsroom, kinds=("draft",))
    path = fill(op.path, room.ids)
    for url in variants(path):
        refused(client, op.method, url, {}, {401, 404, 405})
        refused(client, op.method, url, room.partner, {401, 403, 404, 405})
    # the plain path is refused for want of a key, not for want of a route
    assert _open(client, op.method, path, {}).status_code == 401


def _article_reads():
    return params(
        [
            op
            for op in READS
            if op.anonymous
            and op.resource == "articles"
            and {"article_id", "slug"} & {*op.names("path")}
        ]
    )


@pytest.mark.parametrize("op", _article_reads())
def test_a_hidden_article_stays_hidden_however_its_path_is_written(client, newsroom, hide, op):
    room = hide(newsroom, kinds=("draft", "scheduled", "deleted"))
    for kind in ("draft", "scheduled", "deleted"):
        article = room.hidden[kind]
        path = fill(op.path, {"article_id": article.id, "slug": article.slug})
        for url in variants(path):
            refused(client, "GET", url, {}, {404, 405, 410})
            refused(client, "GET", url, room.partner, {404, 405, 410})
