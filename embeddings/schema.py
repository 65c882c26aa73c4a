"""The vector column's dimension and its HNSW index: DDL the ORM cannot express."""

from django.db import connection, transaction

INDEX = "movie_embedding_hnsw"
TABLE = "catalog_movie"


def column_dimensions() -> int:
    """The dimension the embedding column holds now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT atttypmod FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = 'embedding'",
            [TABLE],
        )
        return cursor.fetchone()[0]


def hnsw_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [INDEX])
        return cursor.fetchone() is not None


def drop_hnsw_index() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def create_hnsw_index() -> None:
    """Build the cosine HNSW index (after a bulk load: far faster than row by row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} "
            "USING hnsw (embedding vector_cosine_ops) "
            "WITH (m = 16, ef_construction = 64)"
        )


def resize_column(dimensions: int) -> None:
    """Change the column to vector(dimensions); every stored vector is dropped."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        cursor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN embedding "
            f"TYPE vector({int(dimensions)}) USING NULL"
        )
        cursor.execute(
            f"UPDATE {TABLE} SET embedding_hash = '', embedding_model = '', "
            "embedded_at = NULL"
        )
    create_hnsw_index()
