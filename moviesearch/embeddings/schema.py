"""The vector column's dimension, storage and HNSW index, found on the host's movie
model (`_meta`): the index is the HnswIndex the model declares on `embedding`,
created and dropped through the schema editor."""

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from pgvector.django import HnswIndex

from moviesearch.catalogue import movie_model


def hnsw_index() -> HnswIndex:
    """The HNSW index the movie model declares on its `embedding` column."""
    model = movie_model()
    for index in model._meta.indexes:
        if isinstance(index, HnswIndex) and list(index.fields) == ["embedding"]:
            return index
    raise ImproperlyConfigured(
        f"{model._meta.label} declares no HnswIndex on 'embedding' in Meta.indexes "
        "(see README: Add it to your project)."
    )


def _table() -> str:
    return movie_model()._meta.db_table


def column_dimensions() -> int:
    """The dimension the embedding column holds now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT atttypmod FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = 'embedding'",
            [connection.ops.quote_name(_table())],
        )
        return cursor.fetchone()[0]


def hnsw_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_indexes WHERE indexname = %s", [hnsw_index().name]
        )
        return cursor.fetchone() is not None


def drop_hnsw_index() -> None:
    with connection.schema_editor() as editor:
        editor.remove_index(movie_model(), hnsw_index())


def create_hnsw_index() -> None:
    """Build the declared HNSW index (after a bulk load: far faster than row by
    row)."""
    if hnsw_index_exists():
        return
    with connection.schema_editor() as editor:
        editor.add_index(movie_model(), hnsw_index())


def keep_vectors_inline(using: str = "default") -> bool:
    """Give the embedding column MAIN storage, so a vector stays in its movie's row.
    pgvector's own default is EXTERNAL: a 384-dimension vector (1.5 kB) is the
    largest value of a movie's row, so TOAST moved it to the side table first
    whenever a row passed 2 kB, which was every row of the TMDB catalogue, and
    every distance then fetched it from there. Measured at 12k (pgbench, 2-core
    Xeon): the exact distance to every movie 129 -> 15-28 ms. MAIN still moves a
    vector out when a row could not fit a page otherwise (2,000 dimensions), where
    PLAIN would refuse the row. Run after every `migrate` (post_migrate); existing
    vectors move into their rows as they are written again (`reindex`), or all at
    once with `VACUUM FULL` of the table. True when it changed the column."""
    model = movie_model()
    conn = connections[using]
    table = conn.ops.quote_name(model._meta.db_table)
    column = model._meta.get_field("embedding").column
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = to_regclass(%s) "
            "AND attname = %s AND NOT attisdropped",
            [table, column],
        )
        row = cursor.fetchone()
        if row is None or row[0] == "m":
            return False
        cursor.execute(
            f"ALTER TABLE {table} ALTER COLUMN {conn.ops.quote_name(column)} "
            "SET STORAGE MAIN"
        )
    return True
