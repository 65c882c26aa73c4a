"""The vector column's dimension and its HNSW index, found on the host's movie model
(`_meta`): the index is the HnswIndex the model declares on `embedding`, created and
dropped through the schema editor."""

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
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
