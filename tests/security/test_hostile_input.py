"""Hostile values in every query, path and conditional-header parameter of every read the
spec documents: SQL fragments, NUL and control characters, invalid UTF-8, overlong values,
huge numbers, wildcards. Each answers a 4xx problem or a literal result, never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from api import limits
from tests.security.conftest import READS, filled_paths, params, path_values

# Values as they go on the wire, percent-encoded (invalid UTF-8 included)
HOSTILE = {
    "sql-or": quote("' OR 1=1 --"),
    "sql-drop": quote('"; DROP TABLE articles; --'),
    "sql-union": quote("x' UNION SELECT email FROM newsletter_subscribers --"),
    "nul": "%00",
    "nul-inside": "ab%00cd",
    "controls": quote("\x01\x02\x0b\x1b[31m\x7f"),
    "crlf": "%0D%0AX-Injected:%201",
    "invalid-utf8": "%C3%28",
    "overlong-utf8-slash": "%C0%AF",
    "overlong": "x" * 5000,
    "huge-integer": "9" * 40,
    "negative": "-1",
    "float-overflow": "1e400",
    "rtl-emoji": quote("\u202e😀"),
    "wildcards": quote("%_*\\"),
    "traversal": quote("../../etc/passwd"),
    "markup": quote("<script>alert(1)</script>"),
    "empty": "",
    "fts-syntax": quote('"unterminated AND (NEAR OR -*'),
}
# Header values a client can send (no NUL or line break: HTTP itself refuses those)
HOSTILE_HEADERS = [
    "' OR 1=1 --",
    "\x01\x7f",
    "x" * 5000,
    "9" * 40,
    "Thu, 99 Foo 99999 99:99:99 GMT",
    '*, *, W/"x"',
]


def _headers(op, room) -> dict:
    """The key that reaches the operation's parsing: none for a public read."""
    return {} if op.anonymous else room.admin


def _check(response, url: str) -> None:
    assert response.status_code < 500, (url, response.get_data(as_text=True)[:500])
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", (url, response.mimetype)


def _literal_search(response, url: str) -> None:
    """A search for SQL that answered: a literal search, which matched nothing (no word of it
    is in the newsroom's one public article), not every article."""
    if response.status_code == 200:
        assert response.get_json()["meta"]["total"] == 0, url


def test_every_read_with_parameters_is_tried():
    tried = {op.id for op in READS if op.names("query") or op.names("path")}
    assert len(tried) >= 30, tried


@pytest.mark.parametrize("op", params([op for op in READS if op.names("query")]))
def test_hostile_query_values_are_refused_or_literal(app, client, newsroom, op):
    path = filled_paths(newsroom, op)[0]
    for name in op.names("query"):
        limits.reset_counters(app)
        for label, value in HOSTILE.items():
            url = f"{path}?{name}={value}"
            response = client.get(url, headers=_headers(op, newsroom))
            _check(response, url)
            if name == "q" and label.startswith("sql"):
                _literal_search(response, url)


@pytest.mark.parametrize("op", params([op for op in READS if op.names("path")]))
def test_hostilepath_values_are_refused(app, client, newsroom, op):
    names = op.names("path")
    for name in names:
        limits.reset_counters(app)
        for label, value in HOSTILE.items():
            if label == "empty":
                continue  # an empty segment names another resource (the list)
            url = _fill_others(newsroom, op, op.path.replace(f"{{{name}}}", value))
            response = client.get(url, headers=_headers(op, newsroom))
            _check(response, url)
            assert response.status_code != 200, url


def _fill_others(room, op, url: str) -> str:
    """The path's other parameters, with real values."""
    for name in op.names("path"):
        if f"{{{name}}}" in url:
            url = url.replace(f"{{{name}}}", quote(path_values(room, op, name)[0], safe=""))
    return url


@pytest.mark.parametrize("op", params([op for op in READS if op.names("header")]))
def test_hostile_conditional_headers_are_ignored_or_refused(app, client, newsroom, op):
    path = filled_paths(newsroom, op)[0]
    for name in op.names("header"):
        for value in HOSTILE_HEADERS:
            response = client.get(path, headers={**_headers(op, newsroom), name: value})
            _check(response, f"{path} {name}: {value!r}")
