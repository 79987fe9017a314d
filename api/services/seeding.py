"""Load the data under seeds/ idempotently (upsert by slug), validated by the API's own schemas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from marshmallow import Schema, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Article, Author, Tag
from api.services import changes
from api.services.content import (
    article_for_update,
    publish_article,
    save_article,
    save_author,
    save_tag,
)
from api.services.site import save_site_settings
from schemas.articles import ArticleCreateSchema
from schemas.authors import AuthorCreateSchema
from schemas.fields import UTCDateTime
from schemas.site import SiteUpdateSchema
from schemas.tags import TagCreateSchema


class _PublicationSchema(Schema):
    published_at = UTCDateTime(required=True)


class SeedError(ValueError):
    """A seed file that does not validate; the message names the file and the fields."""


@dataclass
class SeedReport:
    tags: int = 0
    authors: int = 0
    articles: int = 0
    site: bool = False


def read_front_matter(path: Path) -> tuple[dict, str]:
    """A Markdown file with a YAML header between `---` lines: (header, body)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise SeedError(f"{path}: missing the YAML front matter")
    header, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(header) or {}, body.lstrip("\n")


def _validate(schema: Schema, data: dict, where: str) -> dict:
    try:
        return schema.load(data)
    except ValidationError as error:
        raise SeedError(f"{where}: {error.messages}") from error


def _require_slug(data: dict, where: str) -> str:
    if not data.get("slug"):
        raise SeedError(f"{where}: seeds need an explicit slug to be upserted")
    return data["slug"]


def _load_yaml_list(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Article))


def load_seeds(session: Session, seeds_dir: Path) -> SeedReport:
    """Upsert the site's settings and every tag, author and article under `seeds_dir`; running it
    twice changes nothing."""
    report = SeedReport()
    site_file = seeds_dir / "site.yaml"
    if site_file.exists():
        raw = yaml.safe_load(site_file.read_text(encoding="utf-8")) or {}
        save_site_settings(session, _validate(SiteUpdateSchema(), raw, "site.yaml"))
        report.site = True
    for raw in _load_yaml_list(seeds_dir / "tags.yaml"):
        data = _validate(TagCreateSchema(), raw, f"tags.yaml ({raw.get('slug')})")
        slug = _require_slug(data, "tags.yaml")
        tag = session.scalar(select(Tag).where(Tag.slug == slug)) or Tag()
        save_tag(session, tag, data)
        report.tags += 1
    for raw in _load_yaml_list(seeds_dir / "authors.yaml"):
        data = _validate(AuthorCreateSchema(), raw, f"authors.yaml ({raw.get('slug')})")
        slug = _require_slug(data, "authors.yaml")
        author = session.scalar(select(Author).where(Author.slug == slug)) or Author()
        save_author(session, author, data)
        report.authors += 1
    for path in sorted((seeds_dir / "articles").glob("*.md")):
        header, body = read_front_matter(path)
        publication = _validate(
            _PublicationSchema(), {"published_at": header.pop("published_at", None)}, path.name
        )
        data = _validate(ArticleCreateSchema(), {**header, "body": body}, path.name)
        article = article_for_update(session, _require_slug(data, path.name)) or Article()
        save_article(session, article, data)
        publish_article(article, publication["published_at"])
        changes.record(session, "article", article.id, at=article.published_at)
        report.articles += 1
    session.flush()
    return report
