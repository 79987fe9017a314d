"""No public response or feed carries a field named like a secret or personal data (an
e-mail, a password, a hash or digest, a token, a secret, an API key), at any depth of its
JSON, nor as an element or attribute of its XML. The sweep (test_sweep.py) applies
`secret_names` to every public read, with every kind of hidden content present; here, the
walk itself, and the reads the sweep does not make."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

SECRET_NAME = re.compile(
    r"e-?mail|passw(or)?d|hash|digest|token|secret|api_?key|private_?key|salt|nonce", re.I
)


def _harmless(where: str, value) -> bool:
    """The article's share link by e-mail (`share.email`): a `mailto:` with no address."""
    return where.endswith(".share.email") and str(value).startswith("mailto:?")


def json_names(node, where: str = "$"):
    """Every (path, key) of a JSON document, less harmless ones."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not _harmless(f"{where}.{key}", value):
                yield f"{where}.{key}", key
            yield from json_names(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from json_names(value, f"{where}[{index}]")


def xml_names(document: bytes):
    """Every (path, name) of an XML document: elements and attributes, namespaces aside."""
    for element in ET.fromstring(document).iter():
        name = element.tag.rpartition("}")[2]
        yield element.tag, name
        for attribute in element.attrib:
            yield f"{element.tag}@{attribute}", attribute.rpartition("}")[2]


def secret_names(response) -> list[str]:
    if response.is_json or response.mimetype.endswith("+json"):
        names = json_names(response.get_json(force=True))
    elif response.mimetype.endswith("xml"):
        names = xml_names(response.get_data())
    else:
        raise AssertionError(f"{response.request.url}: an unexpected {response.mimetype}")
    return [where for where, name in names if SECRET_NAME.search(name)]


def test_the_walk_finds_a_secret_at_any_depth():
    assert secret_names_of({"data": [{"author": {"contact": {"Email": "x"}}}]}) == [
        "$.data[0].author.contact.Email"
    ]
    assert secret_names_of({"data": {"share": {"email": "mailto:?subject=Un"}}}) == []
    assert secret_names_of({"data": {"share": {"email": "mailto:a@b"}}}) == ["$.data.share.email"]
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><author><email>a@b</email></author></feed>'
    assert [name for _where, name in xml_names(atom) if SECRET_NAME.search(name)] == ["email"]


def secret_names_of(document) -> list[str]:
    return [where for where, name in json_names(document) if SECRET_NAME.search(name)]


@pytest.mark.parametrize("path", ["/v1/site", "/health", "/ready"])
def test_site_and_probes_name_no_secret(client, newsroom, hide, path):
    hide(newsroom, kinds=("draft",))
    for headers in ({}, newsroom.partner):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert secret_names(response) == [], path
