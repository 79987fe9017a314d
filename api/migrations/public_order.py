"""The publication order's index (`ix_articles_public_order`) rebuilt with other trailing
columns (migrations 0018 and 0019), its SQLite statistics kept."""

from alembic import op

INDEX = "ix_articles_public_order"


def _statistics() -> str | None:
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
        "SELECT stat FROM sqlite_stat1 WHERE tbl = 'articles' AND idx = ?", (INDEX,)
    ).scalar()


def add_last_column(columns: list[str], column: str) -> None:
    """The index on `columns`, rebuilt ending with `column`. Its SQLite statistics get one more
    entry: 1 row per value of the leading columns (the id is among them)."""
    stat = _statistics()
    _rebuild([*columns, column], None if stat is None else f"{stat} 1")


def drop_last_column(columns: list[str]) -> None:
    """The index, ending with one more column than `columns`, rebuilt on `columns` (its
    statistics' last entry dropped)."""
    stat = _statistics()
    _rebuild(columns, None if stat is None else stat.rsplit(" ", 1)[0])


def _rebuild(columns: list[str], stat: str | None) -> None:
    """The index on `columns`, with `stat` as its SQLite statistics when given."""
    # Plain index statements: a batch operation could rebuild `articles` on SQLite, taking
    # the full-text triggers of migration 0003 with it
    op.drop_index(INDEX, table_name="articles")
    op.create_index(INDEX, "articles", columns, unique=False)
    if stat is not None:
        op.get_bind().exec_driver_sql(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('articles', ?, ?)", (INDEX, stat)
        )
