"""Raw SQL takes its table names from the models' `_meta`, never spelled out: the
plugin's app labels (and a host's table names) decide them."""

from contextlib import contextmanager

from django.db import connection, transaction

# pg_trgm's thresholds before the extension's first use in a session defines them.
TRIGRAM_DEFAULTS = {
    "pg_trgm.similarity_threshold": "0.3",
    "pg_trgm.word_similarity_threshold": "0.6",
}


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def column(model, path: str, *, alias: str = "", empty: str = "NULL") -> str:
    """SQL for a declared path on the model's own table (as `alias`): a field's
    quoted column, or a date field's year ("released__year"); `empty` for an
    empty path."""
    if not path:
        return empty
    name, _, transform = path.partition("__")
    field = model._meta.get_field(name)
    if field.is_relation or transform not in ("", "year"):
        raise ValueError(f"{path!r} is not a column of {model.__name__}")
    sql = f"{alias}.{quote(field.column)}" if alias else quote(field.column)
    return f"EXTRACT(YEAR FROM {sql})::int" if transform == "year" else sql


def with_tables(sql: str, **models) -> str:
    """`sql` with each `{name}` replaced by the quoted table of `models[name]`, and
    `{name_pk}` by its primary key column."""
    quote = connection.ops.quote_name
    for name, model in models.items():
        sql = sql.replace("{" + name + "}", quote(model._meta.db_table))
        if "{" + name + "_pk}" in sql:
            sql = sql.replace("{" + name + "_pk}", quote(model._meta.pk.column))
    return sql


def analyze(*models) -> None:
    """Refresh the planner's statistics of these tables (and their m2m tables) after
    a bulk write. Autovacuum may be late or off (it is on this project's CI server):
    with the statistics of an empty table PostgreSQL plans sequential scans, and a
    result page took 17 ms instead of 5 (bench/search.py). Outside a transaction
    it vacuums too: the BM25 postings are read by index-only scans, which need the
    visibility map (a common word's postings: 25 ms instead of 43 at 12k)."""
    tables = {m._meta.db_table for m in models}
    tables |= {
        f.remote_field.through._meta.db_table
        for m in models
        for f in m._meta.local_many_to_many
    }
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"{command} " + ", ".join(map(connection.ops.quote_name, sorted(tables)))
        )


@contextmanager
def trigram_threshold(setting: str, value: float):
    """A cursor in a transaction (a savepoint inside a caller's) whose pg_trgm
    `setting` is `value`, the previous value put back after: SET LOCAL lasts to
    the end of the outermost transaction, which a savepoint does not scope."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(current_setting(%s, true), %s), set_config(%s, %s, true)",
            [setting, TRIGRAM_DEFAULTS[setting], setting, str(value)],
        )
        previous = cursor.fetchone()[0]
        yield cursor
        cursor.execute("SELECT set_config(%s, %s, true)", [setting, previous])
