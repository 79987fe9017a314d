"""Offset and keyset pagination of select() statements (flask-smorest has no such pager)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from math import ceil
from typing import NamedTuple

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import ColumnElement, Select, bindparam, func, select, tuple_
from sqlalchemy.orm import Session


class KeysFirst(NamedTuple):
    """How `paginate` reads a page keys first: its keys chosen in a subquery, then `rows`
    reads the rows whose `key` is one of them, in the same order (a deferred join). The keys
    are `stmt`'s `key` column unless `keys` says otherwise: a statement of one column that
    selects and orders the same rows without reading them."""

    key: ColumnElement
    rows: Select
    keys: Select | None = None


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def paginate(
    session: Session,
    stmt: Select,
    page: int,
    per_page: int,
    *,
    total: Select | None = None,
    keys_first: KeysFirst | None = None,
    columns: tuple[ColumnElement, ...] | None = None,
    built_once: bool = False,
    params: dict | None = None,
) -> Page:
    """The count of the whole selection and the requested slice. `total`, when given, counts
    the selection more cheaply than counting its rows.

    `keys_first` (`KeysFirst`), a key column and a statement reading the same rows in the
    same order without `stmt`'s narrowing filters: the slice's keys are chosen first, in a
    subquery the indexes can answer alone (of `stmt`, or of its own statement of keys), and
    that statement reads only their rows (a deferred join) — for filters that would
    otherwise sort whole rows to keep a page of them.

    `columns`: the page's items are rows of these columns rather than objects, read with the
    count in one statement (the count a column of every row; counted alone when the page is
    empty). Otherwise two statements: the count, then the objects.

    `built_once`: `stmt`, `total` and `keys_first` are built once and served again
    (`queries.public_listing`, `queries.page_keys_first`), so is the page's statement (its
    slice is bound at each run). `params`: values of the statements' own bound parameters
    (`queries.listing_params`)."""
    if built_once:
        sliced = _once(_page, stmt, total, keys_first, columns)
    else:
        sliced = _page(stmt, total, keys_first, columns)
    params = {**(params or {}), _LIMIT: per_page, _OFFSET: (page - 1) * per_page}
    # Counts and column rows need none of the ORM's work: run on the session's connection
    connection = session.connection()
    if columns is None:
        count = connection.scalar(_total(stmt, total), params)
        items = list(session.scalars(sliced, params).all())
    else:
        items = list(connection.execute(sliced, params).all())
        count = items[0][-1] if items else connection.scalar(_total(stmt, total), params)
    return Page(items=items, page=page, per_page=per_page, total=count or 0)


# The column carrying the count in a page read with it
_TOTAL = "newsdesk_total"
# The bound parameters of such a page's slice
_LIMIT, _OFFSET = "newsdesk_limit", "newsdesk_offset"


def _total(stmt: Select, total: Select | None = None) -> Select:
    """What counts `stmt`'s rows: `total` when given, else a count of them."""
    if total is not None:
        return total
    return select(func.count()).select_from(stmt.order_by(None).subquery())


def _page(
    stmt: Select,
    total: Select | None,
    keys_first: KeysFirst | None,
    columns: tuple[ColumnElement, ...] | None,
) -> Select:
    """`paginate`'s statement: a slice of `stmt` bound at run (its keys chosen first with
    `keys_first`), its rows of `columns` each with the count when they are given."""
    limit, offset = bindparam(_LIMIT), bindparam(_OFFSET)
    sliced = stmt.limit(limit).offset(offset)
    if keys_first is not None:
        key, rows, keys = keys_first
        chosen = sliced.with_only_columns(key) if keys is None else keys.limit(limit).offset(offset)
        sliced = rows.where(key.in_(chosen))
    if columns is None:
        return sliced
    return sliced.with_only_columns(*columns, _total(stmt, total).scalar_subquery().label(_TOTAL))


# What `_once` built: (builder, ids of its parts) -> (the parts, kept alive, and the result)
_BUILT_ONCE: dict[tuple, tuple[tuple, Select]] = {}
_BUILT_ONCE_MAX = 512


def _once(build: Callable[..., Select], *parts) -> Select:
    """`build(*parts)` once for parts that are themselves built once and served again (a page
    statement from `queries.public_listing`'s): found again by the parts' identity, as SQL
    expressions compare into SQL, not booleans."""
    key = (build, *map(id, parts))
    found = _BUILT_ONCE.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], parts, strict=True)):
        return found[1]
    built = build(*parts)
    if len(_BUILT_ONCE) >= _BUILT_ONCE_MAX:
        _BUILT_ONCE.pop(next(iter(_BUILT_ONCE), None), None)  # the oldest
    _BUILT_ONCE[key] = (parts, built)
    return built


# --- Keyset (cursor) pagination on (published_at, id): page 10,000 costs what page 1 costs

CURSOR_START = "start"  # `cursor=start` begins a walk
_CURSOR_SALT = "newsdesk.cursor"


class InvalidCursor(ValueError):
    """A cursor the API did not sign, or not one of its cursors."""


@dataclass(frozen=True)
class Cursor:
    """Where a walk stands: after the row with these key values, or at the start (`None`)."""

    after: tuple[datetime, uuid.UUID] | None = None


@dataclass(frozen=True)
class CursorPage:
    items: list
    per_page: int
    next_cursor: str | None


@lru_cache(maxsize=16)
def _serializer(secret: str, salt: str) -> URLSafeSerializer:
    """One signer per secret and purpose (building one costs as much as signing)."""
    return URLSafeSerializer(secret, salt=salt)


def write_cursor(secret: str, after: tuple[datetime, uuid.UUID]) -> str:
    published_at, row_id = after
    payload = {"p": published_at.astimezone(UTC).isoformat(), "i": str(row_id)}
    return _serializer(secret, _CURSOR_SALT).dumps(payload)


def read_cursor(secret: str, token: str) -> Cursor:
    """The position a cursor names; `InvalidCursor` unless the API signed it."""
    if token == CURSOR_START:
        return Cursor()
    try:
        payload = _serializer(secret, _CURSOR_SALT).loads(token)
        published_at = datetime.fromisoformat(payload["p"])
        if published_at.tzinfo is None:
            raise ValueError(payload["p"])
        return Cursor((published_at.astimezone(UTC), uuid.UUID(payload["i"])))
    except (BadData, KeyError, TypeError, ValueError):
        raise InvalidCursor(
            f"Not a cursor of this API: send `{CURSOR_START}` or a `next_cursor` it gave."
        ) from None


def keyset_paginate(
    session: Session,
    stmt: Select,
    key: tuple,
    cursor: Cursor,
    per_page: int,
    *,
    descending: bool,
    secret: str,
    columns: tuple[ColumnElement, ...] | None = None,
    built_once: bool = False,
    params: dict | None = None,
) -> CursorPage:
    """One statement, whatever the depth: `stmt` ordered by `key` (e.g. `(published_at, id)`,
    each column in the one direction) from the row after the cursor, `WHERE (key) < (…)` (or
    `>`) on an index; one row more than the page tells whether a next page exists. The
    cursor's values are bound when it runs (and `keyset_seek`'s), so with `built_once` (as
    `paginate`'s) the page's statement is built once too. `params`: as `paginate`'s."""
    after = cursor.after is not None
    parts = (stmt, key, descending, after, columns)
    page = _once(_keyset_page, *parts) if built_once else _keyset_page(*parts)
    params = {**(params or {}), _LIMIT: per_page + 1}
    if after:
        params.update({f"{_AFTER}{i}": value for i, value in enumerate(cursor.after)})
        params[_SEEK] = cursor.after[0]
    if columns is None:
        rows = list(session.scalars(page, params).all())
    else:
        rows = list(session.connection().execute(page, params).all())
    items, more = rows[:per_page], len(rows) > per_page
    next_cursor = None
    if more:
        last = items[-1]
        next_cursor = write_cursor(secret, tuple(getattr(last, column.key) for column in key))
    return CursorPage(items=items, per_page=per_page, next_cursor=next_cursor)


# The bound values of the row-value condition, `newsdesk_after_0`…, and of the seek
_AFTER = "newsdesk_after_"
_SEEK = "newsdesk_seek"


def _keyset_page(
    stmt: Select, key: tuple, descending: bool, after: bool, columns: tuple | None
) -> Select:
    order, condition = _keyset_clauses(key, descending)
    stmt = stmt.order_by(None).order_by(*order)
    if after:
        stmt = stmt.where(condition)
    stmt = stmt.limit(bindparam(_LIMIT))
    return stmt if columns is None else stmt.with_only_columns(*columns)


@lru_cache(maxsize=16)
def _keyset_clauses(key: tuple, descending: bool) -> tuple[tuple, ColumnElement]:
    """The ORDER BY of a key and its `(key) < (…)` (or `>`) condition on bound values, built
    once per key and direction rather than at every page."""
    order = tuple(column.desc() if descending else column.asc() for column in key)
    position = tuple_(*key)
    values = tuple_(*(bindparam(f"{_AFTER}{i}", type_=c.type) for i, c in enumerate(key)))
    return order, position < values if descending else position > values


def keyset_seek(column, cursor: Cursor | None, *, descending: bool) -> ColumnElement | None:
    """A plain bound on the key's first column at the cursor's position (None at the start):
    redundant with the row-value condition `keyset_paginate` adds, it is a range the database
    seeks its index to. Give it to the query first (see `queries.list_articles`). Built once
    per column and direction, on a value `keyset_paginate` binds."""
    if cursor is None or cursor.after is None:
        return None
    return _seek_clause(column, descending)


@lru_cache(maxsize=16)
def _seek_clause(column, descending: bool) -> ColumnElement:
    value = bindparam(_SEEK, type_=column.type)
    return column <= value if descending else column >= value


# --- Change-feed positions: after the change with this id (0: before the first)

_CHANGES_SALT = "newsdesk.changes"


def write_change_cursor(secret: str, change_id: int) -> str:
    return _serializer(secret, _CHANGES_SALT).dumps({"c": change_id})


def read_change_cursor(secret: str, token: str) -> int:
    """The change id a `since` cursor names; `InvalidCursor` unless the API signed it."""
    try:
        change_id = _serializer(secret, _CHANGES_SALT).loads(token)["c"]
        if not isinstance(change_id, int) or isinstance(change_id, bool) or change_id < 0:
            raise ValueError(change_id)
        return change_id
    except (BadData, KeyError, TypeError, ValueError):
        raise InvalidCursor(
            "Not a change-feed cursor of this API: omit `since` to start from the beginning, "
            "or send a `next_cursor` the change feed gave."
        ) from None
