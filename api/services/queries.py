"""Every read query of the API, as select() statements built from the visibility rule."""

from __future__ import annotations

import html
import re
import unicodedata
import uuid
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    Text,
    bindparam,
    case,
    cast,
    column,
    event,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    tuple_,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSVECTOR
from sqlalchemy.orm import ORMExecuteState, Session, selectinload, with_expression
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

from api.db import PLANNED_EACH_TIME
from api.models import (
    ARTICLE_TALLY_ID,
    ApiKey,
    Article,
    ArticleAuthor,
    ArticleRevision,
    ArticleTag,
    ArticleTally,
    Author,
    Change,
    Digest,
    DigestRecipient,
    Mail,
    SiteSettings,
    SlugRedirect,
    Subscriber,
    Tag,
    TagTally,
    WebhookDelivery,
    WebhookEndpoint,
)
from api.models.content import INDEXED_SORTS
from api.models.site import SITE_SETTINGS_ID
from api.services.pagination import KeysFirst
from api.services.visibility import (
    Unindexed,
    article_is_due_later,
    article_is_public,
    article_is_public_in_order,
    article_is_readable_by,
    article_was_public,
    now_when_run,
    public_articles,
)

ARTICLE_SORT_COLUMNS = {
    "published_at": Article.published_at,
    "updated_at": Article.updated_at,
    "created_at": Article.created_at,
    "title": Article.title,
}


def with_bylines(stmt: Select) -> Select:
    """Authors and tags of every article in two statements, whatever the page size; of each,
    the columns a byline shows (a bio or social links are read only where they are shown)."""
    return stmt.options(
        selectinload(Article.author_links)
        .joinedload(ArticleAuthor.author)
        .load_only(Author.id, Author.slug, Author.name),
        selectinload(Article.tag_links)
        .joinedload(ArticleTag.tag)
        .load_only(Tag.id, Tag.slug, Tag.name),
    )


def _order(stmt: Select, sort: list[tuple[str, bool]], columns: dict, tiebreak) -> Select:
    clauses = [columns[key].desc() if desc else columns[key].asc() for key, desc in sort]
    return stmt.order_by(*clauses, tiebreak)


# The filters naming a tag or an author by slug
_LINK_NAMES = ("tag", "author")


class _Bound:
    """A value of a listing whose statement is built once whatever it is: bound when the
    statement runs (`listing_params`)."""

    __slots__ = ("what",)

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<{self.what}, bound when it runs>"


# A search's text (on PostgreSQL), a tag's or an author's slug, in a public listing
BOUND_TEXT, BOUND_SLUG = _Bound("a search's text"), _Bound("a slug")
_SEARCH_TEXT = bindparam("newsdesk_search", type_=Text, required=True)
_SLUGS = {name: bindparam(f"newsdesk_{name}", type_=Text, required=True) for name in _LINK_NAMES}


def _slug(name: str, slug: str | _Bound) -> ColumnElement[str] | str:
    return _SLUGS[name] if slug is BOUND_SLUG else slug


def listing_params(dialect: str, *, q=None, tag=None, author=None, **_filters) -> dict:
    """The values a listing's statements built once run with (`public_listing`,
    `listing_total`, `page_keys_first`): its search's (`search_params`), its tag's and its
    author's slugs. Statements that hold their own values ignore them."""
    params = search_params(dialect, q)
    for name, slug in (("tag", tag), ("author", author)):
        if slug is not None:
            params[_SLUGS[name].key] = slug
    return params


def public_listing(*, dialect: str = "sqlite", bylines: bool = True, **filters) -> Select:
    """`list_articles` for an anonymous caller, built once per distinct set of filters (the
    visibility rule's time is read when each statement runs): building the statement and its
    cache key again at every request cost a list page about a tenth of its time. A cursor's
    `seek` is one of `pagination.keyset_seek`'s, built once on a bound value."""
    if not bylines and _public_search_sqlite(dialect, **filters):
        return _PUBLIC_SEARCH_SQLITE.rows  # whatever the text (`search_params`)
    # Whatever the text (on PostgreSQL) and the slugs (`listing_params`)
    bound = {name: BOUND_SLUG for name in _LINK_NAMES if filters.get(name) is not None}
    if dialect == "postgresql" and filters.get("q") is not None:
        bound["q"] = BOUND_TEXT
    filters = {**filters, **bound}
    frozen = tuple(sorted((name, _frozen(value)) for name, value in filters.items()))
    return _public_listing(dialect, bylines, frozen)


class _Same:
    """A SQL expression in a cache key: itself, compared by identity (SQL expressions compare
    into SQL, not booleans)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Same) and other.value is self.value


def _frozen(value):
    if isinstance(value, list):
        return tuple(value)
    return _Same(value) if isinstance(value, ColumnElement) else value


def _thawed(value):
    if isinstance(value, tuple):
        return list(value)
    return value.value if isinstance(value, _Same) else value


@lru_cache(maxsize=256)
def _public_listing(dialect: str, bylines: bool, frozen: tuple) -> Select:
    filters = {name: _thawed(value) for name, value in frozen}
    return list_articles(None, dialect=dialect, bylines=bylines, **filters)


def list_articles(
    principal=None,
    *,
    status: list[str] | None = None,
    deleted: bool = False,
    tag: str | None = None,
    author: str | None = None,
    lang: str | None = None,
    published_after=None,
    published_before=None,
    updated_since=None,
    q: str | None = None,
    sort: list[tuple[str, bool]] | None = None,
    dialect: str = "sqlite",
    seek: ColumnElement[bool] | None = None,
    bylines: bool = True,
) -> Select:
    """Articles the caller may list, filtered; with `q`, only those matching the search, each
    with its `snippet`, most relevant first unless `sort` says otherwise. `seek`, a cursor's
    bound (`pagination.keyset_seek`), comes first: of two bounds on a column, SQLite seeks
    its index to the first, and the visibility rule has one (`published_at <= now`)."""
    stmt = select(Article) if seek is None else select(Article).where(seek)
    # Its rule compiles to `article_is_public()`'s on other databases than SQLite
    in_sort_order = _in_sort_order(
        sort=sort,
        deleted=deleted,
        updated_since=updated_since,
        status=status,
        seek=seek,
        tag=tag,
        author=author,
        lang=lang,
        q=q,
        published_after=published_after,
        published_before=published_before,
    )
    if deleted:  # editorial listing of the bin: what an editor may restore
        stmt = stmt.where(Article.deleted_at.is_not(None))
        if status:
            stmt = stmt.where(Article.status.in_(status))
    elif status:  # editorial listing: what the caller may read, in the statuses asked
        stmt = stmt.where(article_is_readable_by(principal), Article.status.in_(status))
    elif in_sort_order:  # read in the order of its index (SQLite's planner must be told)
        stmt = stmt.where(article_is_public_in_order())
    else:
        stmt = stmt.where(article_is_public())
    in_link_order = _in_link_order(
        status=status, deleted=deleted, tag=tag, author=author, q=q, sort=sort, seek=seek
    )
    for name, slug in (("tag", tag), ("author", author)):
        if slug is None or name == in_link_order:
            continue
        link, target, target_id = _LINKS[name]
        named = select(link.article_id).join(target).where(target.slug == _slug(name, slug))
        stmt = stmt.where(Article.id.in_(named))
    # Read in its order's index, the filters it holds are checked there, in that order: on
    # SQLite their terms choose no index of their own (the planner would sort what one finds)
    held = _held_in_sort_order(sort) if in_sort_order else ()

    def read(name: str, column: ColumnElement) -> ColumnElement:
        """The column filter `name` reads: unindexed when the order's index holds it."""
        return Unindexed(column) if name in held else column

    if lang is not None:
        stmt = stmt.where(func.lower(read("lang", Article.language)) == lang.lower())
    if published_after is not None:
        stmt = stmt.where(read("published_after", Article.published_at) >= published_after)
    if published_before is not None:
        stmt = stmt.where(read("published_before", Article.published_at) < published_before)
    if updated_since is not None:
        stmt = stmt.where(read("updated_since", Article.updated_at) >= updated_since)
    if q is not None:
        stmt, most_relevant_first = _SEARCHES[dialect](stmt, q)
        if not sort:
            stmt = _newest_matches_only(stmt, dialect).order_by(*most_relevant_first)
        # The snippets of the page only, once it is loaded (see `_fill_snippets`)
        stmt = stmt.execution_options(**{_SNIPPETS_OF: (dialect, q)})
    if in_link_order is not None:
        stmt = _public_in_link_order(stmt, in_link_order, tag if in_link_order == "tag" else author)
    else:
        stmt = _order(stmt, sort or NEWEST_FIRST, ARTICLE_SORT_COLUMNS, Article.id.desc())
    return with_bylines(stmt) if bylines else stmt


# A search by relevance ranks its newest matches, at most this many, newest by publication
# (`search_params` binds it where statements are built once). Ranking reads each match: a
# search for the portal's own subject (94 % of 100,000 articles) took 2.3 s on PostgreSQL;
# an older match is found by narrowing the dates, or walked with a cursor, newest first
SEARCH_WINDOW = 1_000
_WINDOW = bindparam("newsdesk_search_window", value=SEARCH_WINDOW, type_=Integer)


def _newest_matches_only(stmt: Select, dialect: str) -> Select:
    """`stmt`, a search, narrowed to its `SEARCH_WINDOW` newest matches (the never published
    first, as PostgreSQL's index of the publication order hands them out backwards), ties to
    the last written (`_search_sqlite`) or the greatest id (`list_articles`)."""
    last = _ROWID if dialect == "sqlite" else Article.id
    newest = (
        stmt.with_only_columns(Article.id)
        .order_by(Article.published_at.desc().nulls_first(), last.desc())
        .limit(_WINDOW)
        .correlate(None)
    )
    if dialect == "sqlite":
        return stmt.where(Article.id.in_(newest))  # bm25 ranks in the MATCH's statement
    # By id alone: PostgreSQL would otherwise read every match again for the filters
    options = stmt.get_execution_options()
    return select(Article).where(Article.id.in_(newest)).execution_options(**options)


# The filters each order's index holds besides the visibility rule (migration 0020)
_HELD_BY_SORT_INDEXES = ("lang", "published_after", "published_before", "updated_since")


def _in_sort_order(*, sort=None, deleted=False, status=None, seek=None, **filters) -> bool:
    """Whether a public listing is read in the order of its sort's index: when nothing but
    what that index holds narrows it (the language, the publication and update times). The
    others are served by their filters' indexes."""
    narrowed = status is not None or seek is not None
    if not sort or deleted or narrowed or sort[0][0] not in INDEXED_SORTS:
        return False
    others = (name for name in _NARROWING if name not in _HELD_BY_SORT_INDEXES)
    return all(filters.get(name) is None for name in others)


def _held_in_order(**filters) -> bool:
    """Whether a listing read in its sort's index is narrowed by filters checked there."""
    if not _in_sort_order(**filters):
        return False
    return any(filters.get(name) is not None for name in _held_in_sort_order(filters["sort"]))


def _held_in_sort_order(sort) -> tuple[str, ...]:
    """The filters a listing read in its sort's index checks there, rather than looking them
    up in an index of their own: all it holds but the changes since a time in update order,
    a range of that very index."""
    if sort[0][0] == "updated_at":
        return tuple(name for name in _HELD_BY_SORT_INDEXES if name != "updated_since")
    return _HELD_BY_SORT_INDEXES


# The filters matching articles through a link table, and the resources counted through it:
# (link, what it links to, its column naming it)
_LINKS = {
    "tag": (ArticleTag, Tag, ArticleTag.tag_id),
    "author": (ArticleAuthor, Author, ArticleAuthor.author_id),
}
NEWEST_FIRST = [("published_at", True)]


def _link_of(model) -> tuple:
    """`_LINKS`' entry of the resource `model` (Tag or Author)."""
    return _LINKS["tag" if model is Tag else "author"]


def _in_link_order(
    *, status=None, deleted=False, tag=None, author=None, q=None, sort=None, seek=None, **_narrowing
) -> str | None:
    """The filter ("tag" or "author") whose links hand out the public listing's page in
    order, when there is one: a public list newest first, of one tag or of one author, not
    both (no search, whose order is relevance; no cursor's bound, which seeks the articles'
    own index). Other filters (`_narrowing`) may narrow it still."""
    if status or deleted or q is not None or seek is not None or sort not in (None, NEWEST_FIRST):
        return None
    if (tag is None) == (author is None):
        return None
    return "tag" if tag is not None else "author"


def _public_in_link_order(stmt: Select, name: str, slug: str) -> Select:
    """The public articles of one tag (author) newest first, read from its links' index on
    (target, `listed_at`, article) backwards: a page reads its own entries, whatever the
    number of the target's articles (migration 0012). The articles still pass the visibility
    rule; `listed_at`, their publication time while listed, orders them as `published_at`."""
    link, onclause, conditions, order = _link_order_clauses(name, slug)
    return stmt.join(link, onclause).where(*conditions).order_by(*order)


@lru_cache(maxsize=512)
def _link_order_clauses(name: str, slug: str | _Bound) -> tuple:
    """`_public_in_link_order`'s join, conditions and order for one tag (author), built once
    (its time bound is read when the statement runs; its slug too, for `BOUND_SLUG`)."""
    link, target, target_id = _LINKS[name]
    conditions = (
        target_id == select(target.id).where(target.slug == _slug(name, slug)).scalar_subquery(),
        link.listed_at <= now_when_run(),
    )
    order = (link.listed_at.desc(), link.article_id.desc())
    return link, link.article_id == Article.id, conditions, order


# The arguments of `list_articles` that narrow the public listing (sorting and seeking don't)
_NARROWING = ("tag", "author", "lang", "published_after", "published_before", "updated_since", "q")


def listing_total(dialect: str = "sqlite", **filters) -> Select | None:
    """A cheaper count of what `list_articles(**filters)` lists, when there is one: the
    public listing unfiltered is counted from the tally (`PUBLIC_ARTICLE_TOTAL`), a tag's
    alone from its tag's (`TAG_ARTICLE_TOTAL`), an author's alone from its links
    (`AUTHOR_ARTICLE_TOTAL`), a search alone on SQLite from the full-text index
    (`_public_search_sqlite`), any other search by relevance up to its window
    (`_counted`), a list in another order narrowed by what that order's index holds
    as the same list in publication order (`_counted`); any other is counted row by row
    (None). Decides as `list_articles` does."""
    if filters.get("deleted") or filters.get("status"):
        return None
    narrowing = [name for name in _NARROWING if filters.get(name) is not None]
    if not narrowing:
        return PUBLIC_ARTICLE_TOTAL
    if narrowing == ["tag"]:
        return TAG_ARTICLE_TOTAL
    if narrowing == ["author"]:
        return AUTHOR_ARTICLE_TOTAL
    if _public_search_sqlite(dialect, **filters):
        return _SEARCH_TOTAL_SQLITE
    if filters.get("q") is not None and not filters.get("sort") and filters.get("seek") is None:
        newest_first = {**filters, "sort": NEWEST_FIRST}
        return _counted(public_listing(dialect=dialect, bylines=False, **newest_first), window=True)
    if _held_in_order(**filters):
        # Its page is read in its order's index, whose filters choose no index there; counted
        # in publication order, whose index a time bound narrows
        newest_first = {**filters, "sort": NEWEST_FIRST}
        return _counted(public_listing(dialect=dialect, bylines=False, **newest_first))
    return None


@lru_cache(maxsize=256)
def _counted(listing: Select, *, window: bool = False) -> Select:
    """How many articles a public listing (built once) lists; with `window`, a search's
    matches it lists by relevance: up to `SEARCH_WINDOW`, counted in no order, without
    finding which are the newest (on PostgreSQL, 1.0 ms for 357 matches at 100,000
    articles, 4.5 ms counting the window)."""
    listing = listing.order_by(None)
    return select(func.count()).select_from(
        (listing.limit(_WINDOW) if window else listing).subquery()
    )


# From how many articles skipped a page of PostgreSQL's public list in an index's order is
# read keys first (`page_keys_first`): before them, its few rows read cost less than a join
KEYS_FIRST_OFFSET = 100


def page_keys_first(
    principal=None, load_options=(), dialect: str = "sqlite", *, offset: int = 0, **filters
) -> KeysFirst | None:
    """How a page of `list_articles(principal, **filters)`, `offset` articles in, is read
    keys first (see `pagination.paginate`), when that is cheaper: a tag's or an author's
    articles in another order than newest first (or with other such filters, or the caller's
    own unpublished work) are found through the link table, out of that order, and choosing
    a page of ids from an index before reading its rows costs a third of sorting whole rows
    (SQLite). Their rows are read by id under the same rule and order. A search alone on
    SQLite ranks its matches from the full-text index without reading them
    (`_public_search_sqlite`). A deep page of the public list in an index's order on
    PostgreSQL skips its first articles in that index alone. None for the others: the
    indexes hand them out already in order (newest first, a tag's or an author's links do;
    see `_public_in_link_order`). The rows are loaded with `load_options`."""
    if _public_search_sqlite(dialect, **filters):
        if not load_options:
            return _PUBLIC_SEARCH_SQLITE
        # Objects, which get their snippets once loaded (`_fill_snippets`)
        rows = _PUBLIC_SEARCH_SQLITE.rows.options(*load_options).execution_options(
            **{_SNIPPETS_OF: ("sqlite", filters["q"])}
        )
        return _PUBLIC_SEARCH_SQLITE._replace(rows=rows)
    if dialect == "sqlite" and principal is None and _in_sort_order(**filters):
        # Its keys from its index, then the page's rows: a page deep in title order read
        # every row before it (310 ms at page 200 of 10,000 articles, 2.8 ms keys first)
        return _public_rows_in_order(tuple(filters["sort"]), load_options)
    if dialect == "postgresql" and principal is None and _index_only_keys(offset, **filters):
        return _public_rows_in_order(tuple(filters.get("sort") or ()), load_options)
    if filters.get("q") is not None or all(filters.get(name) is None for name in _LINKS):
        return None
    if _in_link_order(**filters) is not None:
        return None  # its links' index hands the page out in order already
    if principal is None and not filters.get("status") and not filters.get("deleted"):
        return _public_rows_in_order(tuple(filters.get("sort") or ()), load_options)
    rule = {name: filters.get(name) for name in ("status", "deleted", "sort")}
    return KeysFirst(
        Article.id, list_articles(principal, bylines=False, **rule).options(*load_options)
    )


def _index_only_keys(offset: int, **filters) -> bool:
    """Whether PostgreSQL chooses a public page's keys from an index-only scan of its order's
    index, which holds its filters: its index scan reads each row before checking a filter,
    and each row it skips. So for a language (every public row when none is in it: 328 ms
    for `?lang=en` at 100,000 French articles, 273 ms sorted by title; the publication
    order's index holds it since migration 0018, the others' since 0020), and for a deep
    page from `KEYS_FIRST_OFFSET` articles in (page 4,000 at 100,000 articles: 195-272 ms,
    18-31 ms keys first; before it, its few rows cost less than the join)."""
    narrowed = _newest_first_narrowed_by(**filters)
    if narrowed is not None:  # the publication order's index
        in_language = "lang" in narrowed and set(narrowed) <= {"lang", "updated_since"}
        return in_language or (not narrowed and offset >= KEYS_FIRST_OFFSET)
    return _held_in_order(**filters) or (_in_sort_order(**filters) and offset >= KEYS_FIRST_OFFSET)


def _newest_first_narrowed_by(*, sort=None, status=None, deleted=False, seek=None, **filters):
    """The filters narrowing a public listing newest first (None for any other listing)."""
    if status or deleted or seek is not None or sort not in (None, NEWEST_FIRST):
        return None
    return [name for name in _NARROWING if filters.get(name) is not None]


@lru_cache(maxsize=64)
def _public_rows_in_order(sort: tuple, load_options: tuple) -> KeysFirst:
    """The public articles in `sort` order, loaded with `load_options`, by id: what a
    reader's tag or author page in another order, or a page of the public list in the order
    of an index (`_in_sort_order`), reads its rows from; built once per order and field
    selection (the same statement on every database: the rule read in an index's order
    compiles for each, `visibility.article_is_public_in_order`)."""
    rows = list_articles(bylines=False, sort=list(sort)).options(*load_options)
    return KeysFirst(Article.id, rows)


def _public_article_total() -> Select:
    not_yet_due = (
        select(func.count()).select_from(Article).where(article_is_due_later()).scalar_subquery()
    )
    return select(ArticleTally.listed - not_yet_due).where(ArticleTally.id == ARTICLE_TALLY_ID)


# How many articles are public: the tally of listed articles (kept by triggers, migration 0009)
# less those listed whose time has not come when it runs — an index range over the scheduled
# future, whatever the number of articles published
PUBLIC_ARTICLE_TOTAL = _public_article_total()


def _tag_article_total() -> Select:
    not_yet_due = (
        select(func.count())
        .select_from(ArticleTag)
        .where(ArticleTag.tag_id == TagTally.tag_id, ArticleTag.listed_at > now_when_run())
        .correlate(TagTally)
        .scalar_subquery()
    )
    return (
        select(TagTally.listed - not_yet_due)
        .join(Tag, Tag.id == TagTally.tag_id)
        .where(Tag.slug == _SLUGS["tag"])
    )


# How many articles of the tag whose slug is bound when it runs (`listing_params`) are public:
# its tally of listed articles (kept by triggers, migration 0010) less those of them listed
# whose time has not come — its links whose place in the public order is still to come, an
# index range (migration 0012). No row for a tag that does not exist.
TAG_ARTICLE_TOTAL = _tag_article_total()


def _author_article_total() -> Select:
    return (
        select(func.count())
        .select_from(ArticleAuthor)
        .join(Author, Author.id == ArticleAuthor.author_id)
        .where(Author.slug == _SLUGS["author"], ArticleAuthor.listed_at <= now_when_run())
    )


# How many articles of the author whose slug is bound when it runs (`listing_params`) are
# public: its links whose place in the public order (their article's publication time while
# listed, migration 0012) has come, an index range read alone. Counted by joining the
# articles, PostgreSQL read every public article's key at 100,000 articles (19 ms where
# this takes 0.5). 0 for an author that does not exist.
AUTHOR_ARTICLE_TOTAL = _author_article_total()


def _bylines_of() -> CompoundSelect:
    rows = []
    for kind, link, model, key in (
        ("authors", ArticleAuthor, Author, ArticleAuthor.author_id),
        ("tags", ArticleTag, Tag, ArticleTag.tag_id),
    ):
        rows.append(
            select(
                literal(kind).label("kind"),
                cast(link.article_id, Text).label("article_id"),
                link.position,
                cast(model.id, Text).label("id"),
                model.slug,
                model.name,
            )
            .join(model, model.id == key)
            .where(link.article_id.in_(bindparam("article_ids", expanding=True)))
        )
    return union_all(*rows).order_by(literal_column("position"))


# Rows (kind, article_id, position, id, slug, name): the authors and tags of the articles
# `article_ids` names, in byline order. One statement, built once and run with the page's ids,
# whose rows are embedded as they are: a list page's bylines without ORM objects, their ids
# read as text (`representations.uuid_text` writes them as the API does), not as UUID objects
BYLINES_OF = _bylines_of()


# --- Full-text search: one function per database, each adding to a listing the match and
# its order by relevance (the most relevant first), and a snippet of the body whose hits are
# between HIT marks

HIT_START, HIT_END = "\ue000", "\ue001"  # private-use characters: no text has them
SNIPPET_WORDS = 24


class Highlighted(TypeDecorator):
    """A snippet as HTML: its text escaped, its hits in `<mark>`."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        marked = html.escape(value, quote=False)
        return marked.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>")


_articles_fts = table("articles_fts")
_FTS = literal_column("articles_fts")
# What FTS5's unicode61 tokenizer reads as one token: letters and digits
_TERM = re.compile(r"[^\W_]+")


# The shortest word that also matches as a prefix. FTS5 reads a prefix's every word and every
# place each is found: `"a"*` is most of the index (a search for `a` took 23 s at 100,000
# articles, `co` 1.6 s); a shorter word matches whole words only (`a` 0.5 s)
PREFIX_MIN_LENGTH = 3


def fts5_query(q: str) -> str:
    """Each word of the user's text quoted, all required, and as a prefix (`"sommet"*`) from
    `PREFIX_MIN_LENGTH` letters: no input is FTS5 syntax, so none can raise."""
    terms = _TERM.findall(unicodedata.normalize("NFC", q))
    return " ".join(
        f'"{term}"*' if len(term) >= PREFIX_MIN_LENGTH else f'"{term}"' for term in terms
    )


def _search_sqlite(stmt: Select, q: str) -> tuple[Select, tuple[ColumnElement, ...]]:
    query = fts5_query(q)
    if not query:
        return stmt.where(false()), ()
    match = _Match(*(literal(value) for value in _match_values(query)))
    stmt = stmt.join(_articles_fts, _FTS_ROWID == _ROWID).where(_FTS.bool_op("MATCH")(match.all))
    # Ties go to the newest, then to the last written, as `_search_keys_sqlite` has them
    ties = (Article.published_at.desc(), _ROWID.desc())
    return stmt, (*_most_relevant_first_sqlite(_ROWID, match), *ties)


_ROWID = literal_column("articles.rowid")
_FTS_ROWID = literal_column("articles_fts.rowid")


class _Match(NamedTuple):
    """The FTS5 queries of a search: its words anywhere, in the title, in the subtitle or
    the excerpt (`_match_values`)."""

    all: ColumnElement[str]
    title: ColumnElement[str]
    lead: ColumnElement[str]


def _match_values(query: str) -> tuple[str, str, str]:
    return query, f"{{title}} : ({query})", f"{{subtitle excerpt}} : ({query})"


# A public search's FTS5 queries, bound when its statements run (`search_params`): they are
# built once, whatever the text searched (building them cost more than running them)
_MATCH = _Match(
    *(bindparam(f"newsdesk_match_{part}", type_=Text, required=True) for part in _Match._fields)
)


def search_params(dialect: str, q: str | None) -> dict[str, str | int]:
    """The values a public search's statements built once run with: its text on PostgreSQL
    (`BOUND_TEXT`), its FTS5 queries on SQLite (`_MATCH`), and on both how many of its newest
    matches it ranks (`SEARCH_WINDOW`). Other listings' statements hold their search's text
    and ignore them."""
    if q is None:
        return {}
    if dialect == "postgresql":
        return {_SEARCH_TEXT.key: q, _WINDOW.key: SEARCH_WINDOW}
    values = _match_values(fts5_query(q))
    return {bind.key: value for bind, value in zip(_MATCH, values, strict=True)} | {
        _WINDOW.key: SEARCH_WINDOW
    }


def _most_relevant_first_sqlite(rowid: ColumnElement, match: _Match) -> tuple[ColumnElement, ...]:
    """The order of the matches `rowid` of the FTS5 queries, the most relevant first."""

    def found_in(query: ColumnElement[str]) -> ColumnElement[bool]:
        matches = select(literal_column("rowid")).select_from(_articles_fts)
        return rowid.in_(matches.where(_FTS.bool_op("MATCH")(query)))

    # Ranked by where the words are, title above subtitle and excerpt above body, however
    # often a body repeats them (bm25 alone cannot promise it: it weighs rare words, and
    # weighs nothing a word most articles hold); then by bm25 (lower is better), computed
    # once a match (it is most of a search's cost: about 1 µs a match)
    where = case((found_in(match.title), 2), (found_in(match.lead), 1), else_=0)
    return where.desc(), func.bm25(_FTS, 10.0, 4.0, 4.0, 1.0).asc()


# Each article's publication time while listed, by rowid, NULL otherwise (migration 0015)
_fts_listed = table(
    "articles_fts_listed", column("id"), column("listed_at", Article.published_at.type)
)


def _public_search_sqlite(dialect: str, **filters) -> bool:
    """Whether `list_articles(**filters)` is a public search by relevance and nothing else, on
    SQLite: what `_search_keys_sqlite` ranks without reading the articles."""
    return (
        dialect == "sqlite"
        and filters.get("q") is not None
        and bool(fts5_query(filters["q"]))
        and not filters.get("status")
        and not filters.get("deleted")
        and not filters.get("sort")
        and filters.get("seek") is None
        and all(filters.get(name) is None for name in _NARROWING if name != "q")
    )


def _search_keys_sqlite() -> Select:
    """The rowids of the public articles matching `_MATCH`, most relevant first: from the
    FTS5 index and `articles_fts_listed` alone, whose pages stay in memory, rather than from
    each match's row (its status and time come after its bodies, at the end of a chain of
    overflow pages). Ties go to the newest, then to the last written (`_search_rows_sqlite`
    orders its page alike)."""
    listed = _fts_listed
    return (
        select(listed.c.id)
        .select_from(_articles_fts.join(listed, listed.c.id == _FTS_ROWID))
        .where(_FTS.bool_op("MATCH")(_MATCH.all), listed.c.id.in_(_newest_public_matches()))
        .order_by(
            *_most_relevant_first_sqlite(_FTS_ROWID, _MATCH),
            listed.c.listed_at.desc(),
            listed.c.id.desc(),
        )
    )


def _public_matches(listed) -> Select:
    """The rowids of the public articles matching `_MATCH`, in no order, read from the FTS5
    index and `listed` (`articles_fts_listed` or an alias of it) alone."""
    return (
        select(listed.c.id)
        .select_from(_articles_fts.join(listed, listed.c.id == _FTS_ROWID))
        .where(_FTS.bool_op("MATCH")(_MATCH.all), listed.c.listed_at <= now_when_run())
    )


def _newest_public_matches() -> Select:
    """The rowids of the `SEARCH_WINDOW` newest public articles matching `_MATCH`, as
    `_newest_matches_only` has them."""
    listed = _fts_listed.alias("newest")
    return (
        _public_matches(listed)
        .order_by(listed.c.listed_at.desc(), listed.c.id.desc())
        .limit(_WINDOW)
        .correlate(None)
    )


def _search_rows_sqlite() -> Select:
    """The public articles matching `_MATCH`, in `_search_keys_sqlite`'s order: what reads
    the page those keys choose."""
    return (
        select(Article)
        .join(_articles_fts, _FTS_ROWID == _ROWID)
        .where(_FTS.bool_op("MATCH")(_MATCH.all), article_is_public())
        .order_by(
            *_most_relevant_first_sqlite(_ROWID, _MATCH),
            Article.published_at.desc(),
            _ROWID.desc(),
        )
    )


# A public search on SQLite, built once (`search_params` binds its text): its rows, the keys
# choosing its page (`_search_keys_sqlite`), and its count
_PUBLIC_SEARCH_SQLITE = KeysFirst(_ROWID, _search_rows_sqlite(), _search_keys_sqlite())


def _search_total_sqlite() -> Select:
    """How many public articles match `_MATCH`, up to `SEARCH_WINDOW`: as many as the search
    lists, counted without finding which are the newest (that reads every match, about 2 µs
    each; 3,519 matches took 12 ms to count, 1.1 ms now)."""
    matches = _public_matches(_fts_listed).limit(_WINDOW)
    return select(func.count()).select_from(matches.subquery())


_SEARCH_TOTAL_SQLITE = _search_total_sqlite()


def _snippets_sqlite() -> Select:
    snippet = func.snippet(_FTS, 3, HIT_START, HIT_END, "…", SNIPPET_WORDS)
    # The page's rowids, then their entries among the matches, each row read once matched
    page = (
        select(_ROWID)
        .select_from(Article)
        .where(Article.id.in_(bindparam(_SNIPPET_IDS, expanding=True)))
        .correlate(None)
    )
    return (
        select(Article.id, type_coerce(snippet, Highlighted))
        .join(_articles_fts, _FTS_ROWID == _ROWID)
        .where(_FTS.bool_op("MATCH")(_MATCH.all), _FTS_ROWID_UNINDEXED.in_(page))
    )


# The rowid of `articles_fts` in a condition FTS5 is not handed: given `rowid IN (…)`, it
# runs the whole query again for each rowid, reading all of a prefix's words each time (a
# page's snippets of `int` took 681 ms at 100,000 articles, 47 ms through the matches once;
# those of the benchmark's word, 5.3 ms against 3.5)
_FTS_ROWID_UNINDEXED = literal_column("+articles_fts.rowid")


# The articles whose snippets `_SNIPPETS_SQLITE` makes, bound when it runs
_SNIPPET_IDS = "newsdesk_snippet_ids"
_SNIPPETS_SQLITE = _snippets_sqlite()


SEARCH_CONFIGURATION = "newsdesk_french"  # api/migrations/versions/0003_full_text_search.py
_HEADLINE_OPTIONS = (
    f"StartSel={HIT_START}, StopSel={HIT_END}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


def _tsquery(q: str | _Bound):
    # websearch_to_tsquery reads any text (quotes, OR, -word) without a syntax error
    text = _SEARCH_TEXT if q is BOUND_TEXT else q
    return func.websearch_to_tsquery(cast(SEARCH_CONFIGURATION, REGCONFIG), text)


def _search_postgresql(stmt: Select, q: str) -> tuple[Select, tuple[ColumnElement, ...]]:
    query = _tsquery(q)
    vector = literal_column("articles.search_vector", TSVECTOR)
    # The title's (A) and the subtitle's and excerpt's (B) part of it, kept in the row
    # (migration 0016): the tiers read it, so only ts_rank_cd reads the body's vector
    head = literal_column("articles.search_vector_head", TSVECTOR)
    # planned for its text each time: see `PLANNED_EACH_TIME`
    stmt = stmt.where(vector.bool_op("@@")(query)).execution_options(**{PLANNED_EACH_TIME: True})

    def found_in(weight: str) -> ColumnElement[bool]:
        return func.ts_filter(head, literal_column(f"'{{{weight}}}'")).bool_op("@@")(query)

    # Ranked by where the words are, title (A) above subtitle and excerpt (B) above body (C),
    # however often a body repeats them; then by ts_rank_cd, scaled into [0, 1)
    relevance = case((found_in("a"), 2), (found_in("b"), 1), else_=0) + func.ts_rank_cd(
        vector, query, 32
    )
    return stmt, (relevance.desc(),)


# PostgreSQL reads (parses, unaccents, stems) all the text it highlights, about 1 ms for a
# body of 1,000 words: it highlights the passage around the first word of the query found
# in the body (accents and case aside), or the whole body when none is
_PASSAGE_BEFORE, _PASSAGE_LENGTH = 150, 450


def _query_words(q: str) -> list[tuple[str, str]]:
    """The words of a web search to look for, not excluded ones: each lowercase as typed, and
    lowercase without accents."""
    words = []
    for token in unicodedata.normalize("NFC", q).split():
        if token.startswith("-") or token.lower() == "or":
            continue
        for word in _TERM.findall(token.lower()):
            folded = unicodedata.normalize("NFKD", word)
            words.append((word, "".join(c for c in folded if not unicodedata.combining(c))))
    return words


def _found_at(body, typed: str, folded: str):
    """Where a word first is in `body`, or NULL: as typed (case aside) when it is there, else
    accents aside too. COALESCE stops at the first that finds it, so the body is unaccented,
    the costly part (about 0.1 ms a body), only for a word the body spells otherwise."""
    return func.coalesce(
        func.nullif(func.strpos(func.lower(body), typed), 0),
        func.nullif(func.strpos(func.lower(func.public.unaccent(body)), folded), 0),
    )


@lru_cache(maxsize=8)
def _snippets_postgresql(words: int) -> Select:
    """The snippets of the articles `_SNIPPET_IDS` for the search `_SEARCH_TEXT`, whose first
    `words` words to look for (`_query_words`) are bound too (`_snippet_params_postgresql`):
    built once a number of words (building it cost more than running it)."""
    body = Article.body_text
    found = []
    for i in range(words):
        typed, folded = (bindparam(f"{name}{i}", type_=Text) for name in (_TYPED, _FOLDED))
        found.append(_found_at(body, typed, folded))
    first = (func.least(*found) if len(found) > 1 else found[0]) if found else cast(null(), Integer)
    # `first` once per article (OFFSET 0: the planner may not inline it three times)
    located = (
        select(Article.id.label("id"), body.label("body"), first.label("first"))
        .where(Article.id.in_(bindparam(_SNIPPET_IDS, expanding=True)))
        .offset(0)
        .subquery()
    )
    begin = func.greatest(located.c.first - _PASSAGE_BEFORE, 1)
    passage = func.substr(located.c.body, begin, _PASSAGE_LENGTH)
    # Whole words only: a word cut at either end goes
    passage = case((begin > 1, func.regexp_replace(passage, r"^\S*\s+", "")), else_=passage)
    cut_end = begin + _PASSAGE_LENGTH <= func.length(located.c.body)
    passage = case((cut_end, func.regexp_replace(passage, r"\s+\S*$", "")), else_=passage)
    text = case((located.c.first.is_(None), located.c.body), else_=passage)
    configuration = cast(SEARCH_CONFIGURATION, REGCONFIG)
    snippet = func.ts_headline(configuration, text, _tsquery(BOUND_TEXT), _HEADLINE_OPTIONS)
    return select(located.c.id, type_coerce(snippet, Highlighted))


# The words `_snippets_postgresql` looks for, bound when it runs: as typed, and unaccented
_TYPED, _FOLDED = "newsdesk_typed_", "newsdesk_folded_"


def _snippet_params_postgresql(q: str, article_ids: list[uuid.UUID]) -> tuple[Select, dict]:
    words = _query_words(q)[:5]
    params = {_SEARCH_TEXT.key: q, _SNIPPET_IDS: article_ids}
    for i, (typed, folded) in enumerate(words):
        params[f"{_TYPED}{i}"], params[f"{_FOLDED}{i}"] = typed, folded
    return _snippets_postgresql(len(words)), params


_SEARCHES = {"sqlite": _search_sqlite, "postgresql": _search_postgresql}
# Execution option of a search listing: (dialect, q), for `_fill_snippets`
_SNIPPETS_OF = "newsdesk_snippets_of"


def _fill_snippets(state: ORMExecuteState):
    """Once a search listing is loaded, each article's `snippet`, in one more statement.

    A snippet is the costliest value of a search: tokenizing a whole body. Selected with the
    listing, it would be made for every match before ranking and paging (SQLite computes
    every selected value before it sorts); made for the loaded page only, a search costs the
    same whatever the number of matches, up to ranking them."""
    spec = state.execution_options.get(_SNIPPETS_OF)
    if spec is None or not state.is_select or state.is_relationship_load or state.is_column_load:
        return None
    frozen = state.invoke_statement().freeze()
    articles = [row[0] for row in frozen().all() if isinstance(row[0], Article)]
    if articles:
        dialect, q = spec
        if q is BOUND_TEXT:
            q = state.parameters[_SEARCH_TEXT.key]
        found = snippets_of(state.session, dialect, q, [article.id for article in articles])
        for article in articles:
            set_committed_value(article, "snippet", found.get(article.id))
    return frozen()


def snippets_of(
    session: Session, dialect: str, q: str, article_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """The snippet of each of these articles for the search `q`, in one statement: what a
    search page read from stored summaries adds to them."""
    if not article_ids:
        return {}
    if dialect == "sqlite":
        params = {**search_params(dialect, q), _SNIPPET_IDS: article_ids}
        return dict(session.execute(_SNIPPETS_SQLITE, params).all())
    return dict(session.execute(*_snippet_params_postgresql(q, article_ids)).all())


event.listen(Session, "do_orm_execute", _fill_snippets)


def article_by_id(article_id: uuid.UUID, principal=None, *, bylines: bool = True) -> Select:
    """The article, if the caller may read it."""
    stmt = select(Article).where(Article.id == article_id, article_is_readable_by(principal))
    return with_bylines(stmt) if bylines else stmt


def public_articles_by_ids(article_ids: list[uuid.UUID]) -> Select:
    """The public ones of these articles, with bylines (in no particular order)."""
    return with_bylines(public_articles().where(Article.id.in_(article_ids)))


@lru_cache(maxsize=256)
def public_article_by(key: str, load_options: tuple = ()) -> Select:
    """The public article whose `key` column (`id` or `slug`) is the bind parameter `key`,
    loaded with `load_options`: built once per key and options, as every anonymous read asks
    it (building it and its cache key cost a third of running it)."""
    column = {"id": Article.id, "slug": Article.slug}[key]
    return (
        select(Article)
        .where(column == bindparam("key", type_=column.type), article_is_public())
        .options(*load_options)
    )


def article_read(
    principal=None,
    *,
    article_id: uuid.UUID | None = None,
    slug: str | None = None,
    bylines: bool = False,
    load_options: tuple = (),
) -> tuple[Select, dict]:
    """The statement reading the article by id or slug if the caller may read it, loaded with
    `load_options` (its bylines as objects when asked), and the parameters to run it with: a
    reader's is built once (`public_article_by`), a key holder's visibility depends on the key."""
    key = "id" if article_id is not None else "slug"
    value = article_id if article_id is not None else slug
    if principal is None and not bylines:
        return public_article_by(key, load_options), {"key": value}
    if article_id is not None:
        stmt = article_by_id(article_id, principal, bylines=bylines)
    else:
        stmt = article_by_slug(slug, principal)
        stmt = with_bylines(stmt) if bylines else stmt
    return stmt.options(*load_options), {}


def article_by_slug(slug: str, principal=None) -> Select:
    """The article, if the caller may read it (without bylines: reads embed `BYLINES_OF`)."""
    return select(Article).where(Article.slug == slug, article_is_readable_by(principal))


def related_articles(article_id: uuid.UUID) -> Select:
    """Public articles sharing a tag with the article: most shared tags first, then newest
    (without bylines: the list embeds them from `BYLINES_OF`). The article itself and
    articles sharing no tag are left out.

    Read keys first (`related_page`), this statement reads only the page's rows, each
    ranked by its own links."""
    shared = (
        select(func.count())
        .select_from(ArticleTag)
        .where(ArticleTag.article_id == Article.id, ArticleTag.tag_id.in_(_tags_of(article_id)))
        .scalar_subquery()
    )
    return (
        public_articles()
        .where(Article.id != article_id, shared > 0)
        .order_by(shared.desc(), Article.published_at.desc(), Article.id.desc())
    )


def _tags_of(article_id: uuid.UUID) -> Select:
    return select(ArticleTag.tag_id).where(ArticleTag.article_id == article_id)


class RelatedPage(NamedTuple):
    """How `paginate` reads a page of related articles: their count, and the page's keys
    chosen first, from the links alone."""

    total: Select
    keys_first: KeysFirst


def related_page(article_id: uuid.UUID, rows: Select) -> RelatedPage:
    """The count and the page's keys of `related_articles(article_id)` (`rows`, with its load
    options), from the article's tags' links alone: each public article's links hold its
    place in the public order (`listed_at`, its publication time while listed), so the
    articles sharing a tag are counted and ranked without reading each one (at 100,000
    articles, about 4,300 of them for three tags)."""
    shared = (
        select(
            ArticleTag.article_id,
            func.count().label("shared_tags"),
            func.max(ArticleTag.listed_at).label("listed_at"),
        )
        .where(
            ArticleTag.tag_id.in_(_tags_of(article_id)),
            ArticleTag.article_id != article_id,
            ArticleTag.listed_at <= now_when_run(),
        )
        .group_by(ArticleTag.article_id)
        .subquery()
    )
    keys = select(shared.c.article_id).order_by(
        shared.c.shared_tags.desc(), shared.c.listed_at.desc(), shared.c.article_id.desc()
    )
    total = select(func.count()).select_from(shared)
    return RelatedPage(total, KeysFirst(Article.id, rows, keys))


def any_article_by_id(article_id: uuid.UUID) -> Select:
    """Whatever its state, deleted included: for editorial actions, which check permissions."""
    return with_bylines(select(Article).where(Article.id == article_id))


def gone_article(*, article_id: uuid.UUID | None = None, slug: str | None = None) -> Select:
    """A deleted article that had been public (reads answer 410), by id or slug, current or
    former (a former slug answers as the current one would)."""
    stmt = select(Article.id).where(article_was_public())
    if article_id is not None:
        return stmt.where(Article.id == article_id)
    return stmt.where(or_(Article.slug == slug, Article.id.in_(redirected_id(Article, slug))))


def redirected_id(model, slug: str) -> Select:
    """The id of the `model` row whose former slug is `slug`."""
    return select(SlugRedirect.target_id).where(
        SlugRedirect.resource == model.__tablename__, SlugRedirect.slug == slug
    )


def moved_slug(model, slug: str) -> Select:
    """The current slug of the `model` row whose former slug is `slug`."""
    return select(model.slug).where(model.id.in_(redirected_id(model, slug)))


def _with_article_count(model, sort: list[tuple[str, bool]] | None = None) -> Select:
    """Tags or authors, each with its count of public articles, in one statement: its links
    whose place in the public order has come (`listed_at`, migration 0012), an index range
    of the link table. Counted by joining the articles, each tag or author read each of its
    articles' rows, and a list counts every row it sorts: at 100,000 articles on PostgreSQL
    the 50 authors took 609 ms (173 ms planned for the values)."""
    link, _model, link_column = _link_of(model)
    count = (
        select(func.count())
        .select_from(link)
        .where(link_column == model.id, link.listed_at <= now_when_run())
        .correlate(model)
        .scalar_subquery()
    )
    columns = {
        "name": model.sort_name,
        "slug": model.slug,
        "created_at": model.created_at,
        "article_count": count,
    }
    stmt = select(model).options(with_expression(model.article_count, count))
    return _order(stmt, sort or [("name", False)], columns, model.id)


def list_tags(sort: list[tuple[str, bool]] | None = None) -> Select:
    return _with_article_count(Tag, sort)


def tag_by_id(tag_id: uuid.UUID) -> Select:
    return _with_article_count(Tag).where(Tag.id == tag_id)


def tag_by_slug(slug: str) -> Select:
    return _with_article_count(Tag).where(Tag.slug == slug)


def list_authors(sort: list[tuple[str, bool]] | None = None) -> Select:
    return _with_article_count(Author, sort)


def author_by_id(author_id: uuid.UUID) -> Select:
    return _with_article_count(Author).where(Author.id == author_id)


def author_by_slug(slug: str) -> Select:
    return _with_article_count(Author).where(Author.slug == slug)


# --- Feeds and sitemaps: public articles only, by the one visibility rule


def feed_articles(*, tag: str | None = None, author: str | None = None, limit: int) -> Select:
    """A feed's items: the newest public articles (of a tag or an author), with bylines."""
    return list_articles(tag=tag, author=author).limit(limit)


# Sitemap pages follow publication order, oldest first: a new article joins the last page, and
# a page's file changes only when its own articles do
_PUBLICATION_ORDER = (Article.published_at, Article.id)


def sitemap_article_pages(page_size: int) -> Select:
    """(page, updated_at, published_at) of each page of `page_size` public articles, with the
    newest times on it: one pass over the articles, whatever the number of pages."""
    position = func.row_number(type_=Integer).over(order_by=_PUBLICATION_ORDER) - 1
    ranked = (
        select((position // page_size).label("page"), Article.updated_at, Article.published_at)
        .where(article_is_public())
        .subquery()
    )
    return (
        select(
            (ranked.c.page + 1).label("page"),
            func.max(ranked.c.updated_at).label("updated_at"),
            func.max(ranked.c.published_at).label("published_at"),
        )
        .group_by(ranked.c.page)
        .order_by(ranked.c.page)
    )


def sitemap_page_start(page: int, page_size: int) -> Select:
    """(published_at, id) of the first public article of a page, read from the index."""
    return (
        select(*_PUBLICATION_ORDER)
        .where(article_is_public())
        .order_by(*_PUBLICATION_ORDER)
        .offset((page - 1) * page_size)
        .limit(1)
    )


def sitemap_articles(start: tuple[datetime, uuid.UUID], page_size: int) -> Select:
    """(slug, canonical_url, updated_at, published_at) of a page's public articles: a keyset
    range from its first article, and only the columns a URL needs."""
    published_at, article_id = start
    first = tuple_(
        literal(published_at, Article.published_at.type), literal(article_id, Article.id.type)
    )
    return (
        select(Article.slug, Article.canonical_url, Article.updated_at, Article.published_at)
        .where(article_is_public(), tuple_(*_PUBLICATION_ORDER) >= first)
        .order_by(*_PUBLICATION_ORDER)
        .limit(page_size)
    )


def sitemap_pages_of(model, limit: int) -> Select:
    """(slug, updated_at, articles_updated_at, articles_published_at) of the tags or authors
    carrying public articles, by slug, with the publication and last update of their newest
    public article. Each is read from its links' index in public order (migration 0012): its
    newest entry, whatever the number of its articles. The maxima over every article of each
    joined its links to the articles: 2.0 s for the tags and 1.6 s for the authors at 100,000
    articles on SQLite, which read each article's row for its times."""
    link, _model, link_column = _link_of(model)
    listed = (link_column == model.id, link.listed_at <= now_when_run())
    published_at = select(func.max(link.listed_at)).where(*listed).scalar_subquery()
    newest = (
        select(link.article_id)
        .where(*listed)
        .order_by(link.listed_at.desc(), link.article_id.desc())
        .limit(1)
        .correlate(model)  # each tag's (author's), from within the statement reading it
        .scalar_subquery()
    )
    updated_at = select(Article.updated_at).where(Article.id == newest).scalar_subquery()
    return (
        select(
            model.slug,
            model.updated_at,
            updated_at.label("articles_updated_at"),
            published_at.label("articles_published_at"),
        )
        .where(published_at.is_not(None))
        .order_by(model.slug)
        .limit(limit)
    )


def news_articles(since: datetime, limit: int) -> Select:
    """(slug, canonical_url, title, language, updated_at, published_at) of the public articles
    published since a time, newest first."""
    return (
        select(
            Article.slug,
            Article.canonical_url,
            Article.title,
            Article.language,
            Article.updated_at,
            Article.published_at,
        )
        .where(article_is_public(), Article.published_at >= since)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )


def newest_of(stmt: Select, *columns: str) -> Select:
    """The maximum of each named column of `stmt`'s rows, in one row: when a sitemap changed,
    without reading it."""
    rows = stmt.subquery()
    return select(*(func.max(rows.c[name]) for name in columns))


def revisions_of(article_id: uuid.UUID) -> Select:
    return (
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article_id)
        .order_by(ArticleRevision.number.desc())
    )


def revision_of(article_id: uuid.UUID, number: int) -> Select:
    return select(ArticleRevision).where(
        ArticleRevision.article_id == article_id, ArticleRevision.number == number
    )


def list_keys() -> Select:
    return select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)


# --- Syndication: the change log and webhooks


def public_articles_not_in(article_ids: Select, *, scheduled_since=None) -> Select:
    """Ids of public articles that `article_ids` does not hold, oldest publication first;
    with `scheduled_since`, only scheduled ones whose time came after it (an index range)."""
    stmt = select(Article.id).where(article_is_public(), Article.id.not_in(article_ids))
    if scheduled_since is not None:
        stmt = stmt.where(Article.status == "scheduled", Article.published_at > scheduled_since)
    return stmt.order_by(Article.published_at, Article.id)


def changes_after(change_id: int) -> Select:
    """The change log after a position, in commit order."""
    return select(Change).where(Change.id > change_id).order_by(Change.id)


def list_webhook_endpoints() -> Select:
    return select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)


def deliveries_of(endpoint_id: uuid.UUID) -> Select:
    """An endpoint's delivery log, newest first, with the change each one carries."""
    return (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .options(selectinload(WebhookDelivery.change))
        .order_by(WebhookDelivery.id.desc())
    )


# --- The site


def site_settings() -> Select:
    return select(SiteSettings).where(SiteSettings.id == SITE_SETTINGS_ID)


def confirmed_subscriber_count() -> Select:
    """How many addresses receive the newsletter (confirmed, not unsubscribed)."""
    return select(func.count()).select_from(Subscriber).where(Subscriber.status == "confirmed")


# --- The newsletter


def subscriber_by_email(email: str) -> Select:
    """The subscriber of a normalised address."""
    return select(Subscriber).where(Subscriber.email == email)


def list_subscribers(status: str | None = None) -> Select:
    """Subscribers, newest first; only those in `status` when given."""
    stmt = select(Subscriber).order_by(Subscriber.created_at.desc(), Subscriber.id)
    if status is not None:
        stmt = stmt.where(Subscriber.status == status)
    return stmt


def articles_published_between(start: datetime, end: datetime) -> Select:
    """Public articles published in [start, end), in publication order (a day's digest)."""
    stmt = public_articles().where(Article.published_at >= start, Article.published_at < end)
    return stmt.order_by(Article.published_at, Article.id)


def public_article_ids_among(article_ids: list[uuid.UUID]) -> Select:
    """The ids of those of these articles the public may read now (in no particular order)."""
    return select(Article.id).where(Article.id.in_(article_ids), article_is_public())


def public_articles_among(article_ids: list[uuid.UUID]) -> Select:
    """Those of these articles the public may read now, in publication order."""
    stmt = public_articles().where(Article.id.in_(article_ids))
    return stmt.order_by(Article.published_at, Article.id)


def digest_by_date(day) -> Select:
    return select(Digest).where(Digest.date == day)


def digest_recipients_to_serve(digest_id: uuid.UUID) -> Select:
    """Confirmed subscribers a digest has not been queued to, in a stable order."""
    served = select(DigestRecipient.subscriber_id).where(DigestRecipient.digest_id == digest_id)
    return (
        select(Subscriber)
        .where(Subscriber.status == "confirmed", Subscriber.id.not_in(served))
        .order_by(Subscriber.id)
    )


def due_mails(now: datetime, *, limit: int, only=None) -> Select:
    """Ids of queued mails due at `now`, the longest waiting first; among `only` when given."""
    stmt = select(Mail.id).where(Mail.status == "pending", Mail.next_attempt_at <= now)
    if only is not None:
        stmt = stmt.where(Mail.id.in_(list(only)))
    return stmt.order_by(Mail.next_attempt_at, Mail.id).limit(limit)


def pending_digest_mails(digest_id: uuid.UUID) -> Select:
    """Ids of a digest's mails queued but not sent yet (a run stopped between batches)."""
    return (
        select(Mail.id)
        .join(DigestRecipient, DigestRecipient.mail_id == Mail.id)
        .where(DigestRecipient.digest_id == digest_id, Mail.status == "pending")
        .order_by(Mail.id)
    )
