"""Query vectors, cached, and the one place that sets pgvector's per-query knobs."""

import hashlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection, transaction

from moviesearch.conf import settings
from moviesearch.embeddings import encoder
from moviesearch.search.framing import described


def normalise_query(text: str) -> str:
    return " ".join(text.split()).casefold()


def _vector_key(text: str) -> str:
    return (
        "qvec:"
        + hashlib.sha256(
            f"{encoder.model_identity()}\x00{settings.EMBEDDING_QUERY_PROMPT}\x00"
            f"{text}".encode()
        ).hexdigest()
    )


def query_vector(text: str):
    """The unit vector of what the query describes (its frame left out:
    search.framing); cached by model identity + that text."""
    return query_vector_soon(text).result()


# Encoding runs in a thread of its own while the request's thread asks the database
# for what needs no vector (the names, genres and titles the query holds): the model
# computes outside the GIL, PostgreSQL in its own process. One thread per process,
# running torch on one core (encoder.one_thread), so the other is the database's;
# started in the process that uses it: a thread does not survive a fork
# (gunicorn's, Celery's), so a forked child starts without it.
_encoding: ThreadPoolExecutor | None = None
_encoding_lock = threading.Lock()


def _encoder_thread() -> ThreadPoolExecutor:
    global _encoding
    with _encoding_lock:
        if _encoding is None:
            _encoding = ThreadPoolExecutor(
                1, thread_name_prefix="query-vector", initializer=encoder.one_thread
            )
        return _encoding


def _forget_encoder_thread() -> None:
    global _encoding, _encoding_lock
    _encoding, _encoding_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_encoder_thread)


class PendingVector:
    """A query vector being encoded (or read from the cache); result() waits for
    it, caches it, and raises what encoding raised."""

    def __init__(self, key: str, vector=None, future=None):
        self._key, self._vector, self._future = key, vector, future

    @property
    def ready(self) -> bool:
        """Whether result() would return at once (a cached or encoded vector)."""
        return self._vector is not None or self._future.done()

    def result(self):
        if self._vector is None:
            self._vector = self._future.result()
            cache.set(self._key, self._vector, timeout=24 * 3600)
        return self._vector


def query_vector_soon(text: str) -> PendingVector:
    """query_vector() started: a cached vector at once, else encoding begun in the
    background. Call result() for the vector."""
    text = described(normalise_query(text))
    key = _vector_key(text)
    vector = cache.get(key)
    if vector is not None:
        return PendingVector(key, vector)
    future = _encoder_thread().submit(encoder.encode_query, text)
    return PendingVector(key, future=future)


def stored_vectors(ids) -> dict:
    """The stored vectors (float32 numpy arrays) of these movies, by id, read in
    pgvector's binary form: 50 vectors took 0.5 ms so, against 3 ms parsing the text
    form that Django's client-side cursors get (and 5 ms for 1,500 cosines in SQL)."""
    import numpy as np
    import psycopg

    from moviesearch.catalogue import movie_model

    if not ids:
        return {}
    meta = movie_model()._meta
    table = connection.ops.quote_name(meta.db_table)
    pk = connection.ops.quote_name(meta.pk.column)
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"SELECT {pk}, embedding FROM {table} "
            f"WHERE {pk} = ANY(%s) AND embedding IS NOT NULL",
            [list(ids)],
            binary=True,
        )
        # pgvector's binary form: dimensions (int16), unused (int16), big-endian
        # float32 values.
        return {
            movie_id: np.frombuffer(data, dtype=">f4", offset=4).astype(np.float32)
            for movie_id, data in cursor
        }


# A filter leaving at most this many movies, and at most this share of them, is
# answered exactly (the distance to each of them): the HNSW graph would be walked
# far past them and miss some. At a million movies (bench/recall.py, vectors in
# their rows, 2-core AMD EPYC) the graph found 0.80 and 0.49 of the true top 10
# under filters leaving 48,000 (a year) and 54,000 (a genre) in 39 and 64 ms; the
# exact scans took 65 and 130 ms. Under filters leaving 10,000 it found 0.59 and
# 0.47 in 52 and 98 ms, against 18 and ~70 ms exactly. Broader filters walk the
# graph (at 12k a 50 % filter took 26 ms exactly, 7 ms by the graph, recall 0.99).
EXACT_SCAN_MAX_ROWS = 60_000
EXACT_SCAN_MAX_SHARE = 0.25
EF_SEARCH_MAX = 1000  # pgvector's upper bound


# ef_search grows with the catalogue unless SEARCH_HNSW_EF_SEARCH sets it: the same
# ef_search finds fewer of the true nearest movies in a bigger graph. Recall@10
# against exact search at ef_search 100 was 0.995 at 12k, 0.977 at 100k and 0.873
# at 1M; 0.98 took 150 at 100k and 400 at 1M (bench/recall.py --sweep, graph m=24,
# ef_construction=200). 100 x (movies / 12,000) ^ 0.32 gives 100, 197 and 412.
EF_SEARCH_BASE = 100
EF_SEARCH_BASE_ROWS = 12_000
EF_SEARCH_GROWTH = 0.32


def base_ef_search(rows: int) -> int:
    """hnsw.ef_search for an unfiltered query over `rows` movies:
    SEARCH_HNSW_EF_SEARCH when set, else scaled to the catalogue's size."""
    if settings.SEARCH_HNSW_EF_SEARCH:
        return int(settings.SEARCH_HNSW_EF_SEARCH)
    scale = max(1.0, rows / EF_SEARCH_BASE_ROWS) ** EF_SEARCH_GROWTH
    return min(round(EF_SEARCH_BASE * scale), EF_SEARCH_MAX)


def vector_scan(queryset, k: int, *, ef_search: int | None = None):
    """The scan for the k nearest movies of `queryset`, chosen by how many rows its
    filters leave (the planner's estimate, planned not run): exact_scan() for few,
    else hnsw_scan() with ef_search sized to the catalogue (base_ef_search) and
    raised for the filter's selectivity. Entered, it gives whether the scan is exact:
    the query then orders by exact_order(distance)."""
    total = max(table_rows(queryset.model), 1)
    ef_search = ef_search or base_ef_search(total)
    if not queryset.query.has_filters():
        return hnsw_scan(k, ef_search=ef_search, iterative=False)
    rows = estimated_rows(queryset, total)
    selectivity = min(1.0, rows / total)
    if rows <= EXACT_SCAN_MAX_ROWS and selectivity <= EXACT_SCAN_MAX_SHARE:
        return exact_scan()
    return hnsw_scan(k, selectivity=selectivity, ef_search=ef_search)


# Filters repeat (a genre, a decade) and the table's size moves slowly: the
# planner's estimate for a filter, and the table's size, are kept a minute per
# process, so most searches plan nothing extra.
ESTIMATE_SECONDS = 60.0
_estimates: dict[tuple, tuple[float, int]] = {}
_sizes: dict[tuple, tuple[float, int]] = {}


def _kept(store: dict, key: tuple, compute) -> int:
    """compute(), remembered in `store` under `key` for ESTIMATE_SECONDS."""
    now = time.monotonic()
    hit = store.get(key)
    if hit and now - hit[0] < ESTIMATE_SECONDS:
        return hit[1]
    value = compute()
    if len(store) > 1000:
        store.clear()
    store[key] = (now, value)
    return value


def estimated_rows(queryset, table_size: int = 0) -> int:
    """The planner's estimate of the rows a queryset returns (planned, not run),
    remembered with the table's size."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    key = (connection.alias, table_size, sql, tuple(map(repr, params)))
    return _kept(_estimates, key, lambda: _planned_rows(sql, params))


def _planned_rows(sql: str, params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def table_rows(model) -> int:
    """The table's row count as the planner reckons it: the statistics' rows per
    page times the pages it has now; counted when it was never analysed. Kept
    ESTIMATE_SECONDS per process."""
    key = (connection.alias, connection.settings_dict["NAME"], model._meta.db_table)
    return _kept(_sizes, key, lambda: _table_rows(model))


def _table_rows(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples, relpages, pg_relation_size(oid) / "
            "current_setting('block_size')::int FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        tuples, pages, now = cursor.fetchone()
    if tuples < 0 or pages == 0:
        return model._base_manager.count()
    return int(tuples / pages * now)


@contextmanager
def hnsw_scan(
    k: int,
    *,
    selectivity: float = 1.0,
    ef_search: int | None = None,
    iterative: bool = True,
):
    """Run the enclosed vector query by the HNSW index with iterative scans (so
    filtered queries still return k rows) and ef_search sized to the request: under
    a filter passing a fraction `selectivity` of the rows, ef_search / selectivity,
    so about as many candidates pass as without it. `ef_search`: the callers'
    (vector_scan's sized to the catalogue, base_ef_search; similar movies' the
    candidates they re-rank); EF_SEARCH_BASE when None. Sorting is off so the planner
    walks the index even where a large ef_search makes it look dear. Without
    filters every movie the graph yields passes, ef_search >= k of them, so the
    iterative scan is off (`iterative=False`): the same rows (recall 0.977 either
    way at 100k, ef_search 100). SET LOCAL
    (set_config(..., true)) only lives in a transaction, hence the atomic block."""
    ef = max(ef_search or EF_SEARCH_BASE, k)
    ef = min(int(ef / max(selectivity, 0.001)), EF_SEARCH_MAX)
    knobs = {
        "hnsw.iterative_scan": "relaxed_order" if iterative else "off",
        "hnsw.ef_search": str(ef),
        "hnsw.max_scan_tuples": str(max(20000, ef * 200)),
        "enable_sort": "off",
        "jit": "off",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(knobs)),
            [x for item in knobs.items() for x in item],
        )
        yield False


@contextmanager
def exact_scan():
    """Run the enclosed vector query exactly. It yields True: the query orders by an
    expression the HNSW index cannot serve (exact_order), so the planner reads the
    rows the filters leave by their own indexes and sorts them by distance. JIT is
    off: such a plan at a million movies costs past jit_above_cost, and compiling
    took 37 ms of a 340 ms genre scan."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'off', true)")
        yield True


def exact_order(distance):
    """`distance` as an ORDER BY that no vector index serves (distance + 0)."""
    return distance + 0
