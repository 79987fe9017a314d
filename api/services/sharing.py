"""Share links of an article (e-mail, X, LinkedIn, Facebook, Bluesky…), from configuration."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from flask import current_app

from api.services import links

_PLACEHOLDER = re.compile(r"\{(url|title)\}")


def fill_share_links(templates: Mapping[str, str], *, url: str, title: str) -> dict[str, str]:
    """Each template with `{url}` and `{title}` replaced by their UTF-8 percent-encoding
    (`Séoul` → `S%C3%A9oul`, `’` → `%E2%80%99`, a space → `%20`, as mailto: also wants):
    what a query string or a mailto: header takes as one value."""
    values = {"url": quote(url, safe=""), "title": quote(title, safe="")}
    return {
        name: _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
        for name, template in templates.items()
    }


def share_links(article) -> dict[str, str]:
    """The configured share links (`SHARE_LINKS`) of an article's canonical URL and title."""
    return share_links_of(links.article_url(article), article.title)


def share_links_of(url: str, title: str) -> dict[str, str]:
    return fill_share_links(current_app.config["SHARE_LINKS"], url=url, title=title)
