"""Query vectors, cached, and the one place that sets pgvector's per-query knobs."""

import hashlib
import json
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


# A filter leaving at most this many movies is answered exactly (the distance to
# each of them): the HNSW graph would be walked far past them and miss some, while
# an exact scan of a few thousand rows costs a few ms (bench/recall.py).
EXACT_SCAN_MAX_ROWS = 10_000


def vector_scan(queryset, k: int):
    """The scan for the k nearest movies of `queryset`, chosen by how many rows its
    filters leave (the planner's estimate, planned not run): exact_scan() for few,
    else hnsw_scan() with ef_search raised for the filter's selectivity."""
    if not queryset.query.has_filters():
        return hnsw_scan(k)
    rows = estimated_rows(queryset)
    if rows <= EXACT_SCAN_MAX_ROWS:
        return exact_scan()
    total = estimated_rows(queryset.model._base_manager.all())
    return hnsw_scan(k, selectivity=min(1.0, rows / max(total, 1)))


def estimated_rows(queryset) -> int:
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


@contextmanager
def hnsw_scan(k: int, *, selectivity: float = 1.0):
    """Run the enclosed vector query with iterative index scans (so filtered queries
    still return k rows) and ef_search sized to the request; under a filter passing
    a fraction `selectivity` of the rows, ef_search / selectivity (so about as many
    candidates pass as without it) and no sort, so the planner walks the index
    rather than sorting every matching row. SET LOCAL (set_config(..., true)) only
    lives in a transaction, hence the atomic block."""
    ef = max(settings.SEARCH_HNSW_EF_SEARCH, min(k, 1000))
    if selectivity < 1:
        ef = min(int(ef / max(selectivity, 0.001)), 1000)
    knobs = {
        "hnsw.iterative_scan": "relaxed_order",
        "hnsw.ef_search": str(ef),
        "hnsw.max_scan_tuples": str(max(20000, ef * 200)),
    }
    if selectivity < 1:
        knobs["enable_sort"] = "off"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(knobs)),
            [x for item in knobs.items() for x in item],
        )
        yield


@contextmanager
def exact_scan():
    """Run the enclosed vector query exactly: pgvector's HNSW index only serves plain
    index scans, so with those off the planner reads the rows the filters leave
    (bitmap scans on their B-trees) and sorts them by distance."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_indexscan', 'off', true)")
        yield
