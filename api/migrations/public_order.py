"""An index of `articles` rebuilt with other trailing columns, its SQLite statistics kept: the
publication order's (`ix_articles_public_order`, migrations 0018 and 0019) and the other
orders' (`ix_articles_sort_<column>`, migration 0020)."""

from alembic import op

INDEX = "ix_articles_public_order"


def _statistics(index: str) -> str | None:
    """The index's row of `sqlite_stat1` (SQLite only, once analysed or seeded)."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return None
    known = connection.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).scalar()
    if not known:
        return None
    return connection.exec_driver_sql(
        "SELECT stat FROM sqlite_stat1 WHERE tbl = 'articles' AND idx = ?", (index,)
    ).scalar()


def add_last_column(columns: list[str], column: str) -> None:
    """The publication order's index on `columns`, rebuilt ending with `column`."""
    add_last_columns(INDEX, columns, [column])


def drop_last_column(columns: list[str]) -> None:
    """The publication order's index, ending with one more column than `columns`, rebuilt on
    `columns`."""
    drop_last_columns(INDEX, columns, 1)


def add_last_columns(index: str, columns: list[str], added: list[str]) -> None:
    """`index` on `columns`, rebuilt ending with `added`. Its SQLite statistics get an entry
    per added column: 1 row per value of the leading columns (the id is among them)."""
    stat = _statistics(index)
    _rebuild(index, [*columns, *added], None if stat is None else stat + " 1" * len(added))


def drop_last_columns(index: str, columns: list[str], count: int) -> None:
    """`index`, ending with `count` more columns than `columns`, rebuilt on `columns` (its
    statistics' last `count` entries dropped)."""
    stat = _statistics(index)
    _rebuild(index, columns, None if stat is None else stat.rsplit(" ", count)[0])


def _rebuild(index: str, columns: list[str], stat: str | None) -> None:
    """`index` on `columns`, with `stat` as its SQLite statistics when given."""
    # Plain index statements: a batch operation could rebuild `articles` on SQLite, taking
    # the full-text triggers of migration 0003 with it
    op.drop_index(index, table_name="articles")
    op.create_index(index, "articles", columns, unique=False)
    if stat is not None:
        op.get_bind().exec_driver_sql(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('articles', ?, ?)", (index, stat)
        )
