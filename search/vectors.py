"""Query vectors, cached, and the one place that sets pgvector's per-query knobs."""

import hashlib
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from embeddings import encoder


def normalise_query(text: str) -> str:
    return " ".join(text.split()).casefold()


def query_vector(text: str):
    """The query's unit vector; cached by model identity + normalised text."""
    key = (
        "qvec:"
        + hashlib.sha256(
            f"{encoder.model_identity()}\x00{settings.EMBEDDING_QUERY_PROMPT}\x00"
            f"{normalise_query(text)}".encode()
        ).hexdigest()
    )
    vector = cache.get(key)
    if vector is None:
        vector = encoder.encode_query(normalise_query(text))
        cache.set(key, vector, timeout=24 * 3600)
    return vector


@contextmanager
def hnsw_scan(k: int):
    """Run the enclosed vector query with iterative index scans (so filtered queries
    still return k rows) and ef_search sized to the request. SET LOCAL only lives in
    a transaction, hence the atomic block."""
    ef = max(settings.SEARCH_HNSW_EF_SEARCH, min(k, 1000))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(f"SET LOCAL hnsw.ef_search = {int(ef)}")
        cursor.execute(f"SET LOCAL hnsw.max_scan_tuples = {max(20000, ef * 200)}")
        yield
