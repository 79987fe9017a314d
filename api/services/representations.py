"""Sparse fieldsets and body formats: which fields a read returns, and which columns it loads."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import defer, undefer

from api.models import Article

# `formats=` name → the field carrying that representation of the body
BODY_FIELDS = {"markdown": "body", "html": "body_html", "plaintext": "body_text"}
# What each body field loads: asking for anything else (excerpt, word_count, reading_time…)
# never reads these columns
_BODY_COLUMNS = {
    "body": Article.body,
    "body_html": Article.body_html,
    "body_text": Article.body_text,
}
# The article detail without `formats`: its source and its HTML, as it always was
DETAIL_BODY_FIELDS = ("body", "body_html")
# What a detail shows besides the summary and its bodies (lists only when `fields` asks)
DETAIL_FIELDS = ("body_format", "share")


def article_fields(
    all_fields: tuple[str, ...],
    summary_fields: tuple[str, ...],
    requested: tuple[str, ...] | None,
    formats: tuple[str, ...] | None,
    *,
    detail: bool,
) -> tuple[str, ...]:
    """The fields of an article read, in schema order.

    `fields` chooses exactly (plus `id`); otherwise a list returns summaries and a detail the
    summary with `body_format`, its `share` links and its bodies. `formats` adds the bodies it
    names, and replaces the detail's default bodies.
    """
    bodies = {BODY_FIELDS[name] for name in formats or ()}
    if requested:
        chosen = set(requested) | bodies
    else:
        chosen = set(summary_fields)
        if detail:
            chosen |= set(DETAIL_FIELDS) | (bodies if formats else set(DETAIL_BODY_FIELDS))
        else:
            chosen |= bodies
    chosen.add("id")
    return tuple(name for name in all_fields if name in chosen)


@lru_cache(maxsize=256)
def article_load_options(selected: tuple[str, ...]) -> tuple:
    """Loader options leaving out the body columns no selected field shows (made once per
    selection: options are immutable, and building them costs more than a primary-key read)."""
    options = [defer(column) for name, column in _BODY_COLUMNS.items() if name not in selected]
    if "body_text" in selected:
        options.append(undefer(Article.body_text))
    return tuple(options)


@lru_cache(maxsize=256)
def article_read_options(selected: tuple[str, ...]) -> tuple:
    """`article_load_options` of a read of one article, which loads its summary too (see
    `summaries.detail`)."""
    return (*article_load_options(selected), undefer(Article.summary))


# The embedded references a list page fills from one statement (`queries.BYLINES_OF`)
BYLINE_FIELDS = ("authors", "tags")


def without_bylines(selected: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in selected if name not in BYLINE_FIELDS)


def uuid_text(value: str) -> str:
    """A UUID column read as text, written as the API writes ids (`str(uuid)`): SQLite keeps
    its 32 hex digits (lowercase as SQLAlchemy writes them; a row typed in by hand may not
    be), PostgreSQL answers it hyphenated already."""
    if len(value) == 32:
        value = value.lower()
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return value


def with_bylines(dumped: list[dict], rows, selected: tuple[str, ...]) -> list[dict]:
    """Articles dumped without their bylines, given them from `queries.BYLINES_OF` rows in
    `selected` order: each author and tag as `ResourceRefSchema` shows it (id, slug, name)."""
    refs: dict[str, dict[str, list[dict]]] = {}
    for kind, article_id, _position, ref_id, slug, name in rows:
        of_article = refs.get(article_id)
        if of_article is None:
            of_article = refs[article_id] = {field: [] for field in BYLINE_FIELDS}
        of_article[kind].append({"id": uuid_text(ref_id), "slug": slug, "name": name})
    refs = {uuid_text(article_id): bylines for article_id, bylines in refs.items()}
    merged = []
    for item in dumped:
        bylines = refs.get(item["id"]) or {field: [] for field in BYLINE_FIELDS}
        merged.append(
            {
                name: bylines[name] if name in BYLINE_FIELDS else item[name]
                for name in selected
                if name in BYLINE_FIELDS or name in item
            }
        )
    return merged
