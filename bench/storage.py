"""Filtered vector search with the vector on the host's table or in a table of its own.

The plugin keeps each movie's vector on the host's movie table (the EmbeddedMovie
mixin; `catalog_movie` here). The alternative is a plugin-owned table one-to-one with
the host model, joined to the host table for the filters. In the 100k database this
builds that table, `bench_storage_vector` (movie_id bigint PRIMARY KEY REFERENCES
catalog_movie, the vector and its bookkeeping columns, copied from catalog_movie;
an HNSW index with the host's parameters: m=16, ef_construction=64,
vector_cosine_ops, maintenance_work_mem 1GB; ANALYZE), kept between runs while it
holds every vector (--rebuild builds it again). Then, for each query (bench/recall.py's
texts and seed, encoded by the product's model) and each of recall.py's filters
(none; year and genre at ~50 %, ~5 %, ~1 %), the k nearest movies are fetched
- host: the product's path, moviesearch.search.ranking.semantic_ranked, which lets
  search.vectors.vector_scan choose an exact scan or the HNSW scan and its knobs;
- side: SELECT v.movie_id ... FROM bench_storage_vector v JOIN (the same filtered
  host queryset's SQL) ON movie_id ORDER BY v.embedding <=> q LIMIT k, under the
  very same vector_scan() (the same choice, from the same estimate, and the same
  settings);
- for the filters vector_scan answers exactly, both layouts again with index scans
  left on (so joins can use the primary keys) and ORDER BY distance + 0, which no
  index serves ("exact ORDER BY expr"). Since 2026-12-06 the product's exact scan
  is that one, so these rows repeat the first two (they measured the change).
Recall@k is against the exact answer on the host table (index scans off; the side
table holds the same vectors), as in recall.py; latencies are medians over --runs
passes of each pass's p50, the paths interleaved query by query (so a change in the
load of the machine falls on all of them). The plans (EXPLAIN ANALYZE of the first
query) are printed per filter. Then the sizes of both layouts, and the cost of
writing one movie's vector (--writes movies, each given a slightly different vector
and then its own back, one UPDATE per statement, autocommit, the layouts
alternating).

Usage: BENCH_TMDB_DATABASE=tmdb .venv/bin/python bench/storage.py [--runs 3]
       [--queries 200] [--k 10] [--writes 30] [--rebuild] [--database bench100k]
"""

import importlib.util
import json
import random
import time

import harness

SIDE = "bench_storage_vector"
SIDE_INDEX = "bench_storage_vector_hnsw"
HOST = "catalog_movie"
HOST_INDEX = "movie_embedding_hnsw"
LAYOUTS = ("host", "side")
BOOKKEEPING = "embedding_hash, embedding_model, embedded_at"


_RECALL = []


def recall_module():
    """bench/recall.py as a module (harness took bench/ off sys.path)."""
    if _RECALL:
        return _RECALL[0]
    spec = importlib.util.spec_from_file_location(
        "bench_recall", harness.BENCH / "recall.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _RECALL.append(module)
    return module


# ---------------------------------------------------------------- the side table


def build_side_table(rebuild: bool) -> list[list]:
    """Create and fill bench_storage_vector unless it already holds every vector."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {HOST} WHERE embedding IS NOT NULL")
        wanted = cursor.fetchone()[0]
        cursor.execute("SELECT to_regclass(%s), to_regclass(%s)", [SIDE, SIDE_INDEX])
        table, index = cursor.fetchone()
        if table and index and not rebuild:
            cursor.execute(f"SELECT count(*) FROM {SIDE}")
            if cursor.fetchone()[0] == wanted:
                print(f"- {SIDE} kept ({wanted:,} vectors; --rebuild to rebuild)")
                return []
        steps = []

        def step(name, started):
            s = time.perf_counter() - started
            steps.append([name, f"{wanted:,}", f"{s:.1f}"])
            print(f"- {name}: {s:.1f}s", flush=True)

        t = time.perf_counter()
        cursor.execute(f"DROP TABLE IF EXISTS {SIDE}")
        cursor.execute(
            f"CREATE TABLE {SIDE} (movie_id bigint PRIMARY KEY "
            f"REFERENCES {HOST}(id) ON DELETE CASCADE, "
            "embedding vector(384) NOT NULL, embedding_hash varchar(64) NOT NULL, "
            "embedding_model varchar(500) NOT NULL, embedded_at timestamptz)"
        )
        cursor.execute(
            f"INSERT INTO {SIDE} (movie_id, embedding, {BOOKKEEPING}) "
            f"SELECT id, embedding, {BOOKKEEPING} FROM {HOST} "
            "WHERE embedding IS NOT NULL ORDER BY id"
        )
        step(f"copy the vectors into {SIDE}", t)
        t = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(
            f"CREATE INDEX {SIDE_INDEX} ON {SIDE} USING hnsw "
            "(embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        cursor.execute("RESET maintenance_work_mem")
        step("build its HNSW index (m=16, ef_construction=64)", t)
        t = time.perf_counter()
        cursor.execute(f"VACUUM ANALYZE {SIDE}")
        step("VACUUM ANALYZE", t)
    return steps


# ---------------------------------------------------------------- query paths


def _vector_sql(vector) -> str:
    from pgvector.django import VectorField

    return VectorField().get_prep_value(vector)


def side_query(queryset, vector, k: int, *, order_expr: bool = False):
    """SQL and params: the k nearest of the side table among the queryset's movies."""
    distance = "(v.embedding <=> %s::vector)" + (" + 0" if order_expr else "")
    params = [_vector_sql(vector)]
    join = ""
    if queryset.query.has_filters():
        host_sql, host_params = queryset.order_by().values("pk").query.sql_with_params()
        join = f" JOIN ({host_sql}) h (id) ON h.id = v.movie_id"
        params += list(host_params)
    sql = (
        f"SELECT v.movie_id, {distance} AS distance FROM {SIDE} v{join} "
        f"ORDER BY distance LIMIT {int(k)}"
    )
    return sql, params


def _is_exact(scan) -> bool:
    from moviesearch.search.vectors import exact_scan

    # vector_scan() returns exact_scan() or hnsw_scan(), both @contextmanager
    # objects: .func is the generator function behind them.
    return getattr(scan, "func", None) is exact_scan.__wrapped__


def side(queryset, vector, k):
    """The side table under the product's own vector_scan() (choice and knobs)."""
    from django.db import connection

    from moviesearch.search.vectors import vector_scan

    with vector_scan(queryset, k) as exact, connection.cursor() as cursor:
        # An exact scan orders by an expression no index serves, as the product.
        sql, params = side_query(queryset, vector, k, order_expr=exact)
        cursor.execute(sql, params)
        rows = [(pk, float(d)) for pk, d in cursor.fetchall()]
    rows.sort(key=lambda r: r[1])
    return rows


def side_order_expr(queryset, vector, k):
    """As side(), but where vector_scan() would scan exactly, index scans stay on
    and the ORDER BY is an expression the HNSW index cannot serve."""
    from django.db import connection, transaction

    from moviesearch.search.vectors import vector_scan

    scan = vector_scan(queryset, k)
    exact = _is_exact(scan)
    sql, params = side_query(queryset, vector, k, order_expr=exact)
    with (
        transaction.atomic() if exact else scan,
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        rows = [(pk, float(d)) for pk, d in cursor.fetchall()]
    rows.sort(key=lambda r: r[1])
    return rows


def host_order_expr(queryset, vector, k):
    """The product's path, but where vector_scan() would scan exactly, index scans
    stay on and the ORDER BY is an expression the HNSW index cannot serve."""
    from django.db import connection, transaction

    from moviesearch.search.vectors import vector_scan

    if not _is_exact(vector_scan(queryset, k)):
        return recall_module().product(queryset, vector, k)
    sql, params = host_query(queryset, vector, k, order_expr=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(pk, float(d)) for pk, d in cursor.fetchall()]
    rows.sort(key=lambda r: r[1])
    return rows


# ---------------------------------------------------------------- plans


def host_query(queryset, vector, k, *, order_expr: bool = False):
    """SQL and params of the product's query (semantic_ranked's)."""
    from django.db.models import FloatField, Value
    from pgvector.django import CosineDistance

    distance = CosineDistance("embedding", vector)
    if order_expr:
        distance = distance + Value(0.0, output_field=FloatField())
    qs = (
        queryset.filter(embedding__isnull=False)
        .annotate(distance=distance)
        .order_by("distance")
        .values_list("pk", "distance")[:k]
    )
    return qs.query.sql_with_params()


def explain(scan, sql, params) -> str:
    from django.db import connection

    with scan, connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return f"{plan_text(plan[0]['Plan'])}; {plan[0]['Execution Time']:.1f} ms"


def plan_text(node) -> str:
    """A plan in one line: Node target (actual rows)[children]."""
    name = node["Node Type"]
    target = node.get("Index Name") or node.get("Relation Name")
    if target:
        name += f" {target}"
    loops = node.get("Actual Loops", 1)
    rows = node.get("Actual Rows", 0) * loops
    name += f" ({rows:,.0f}" + (f" in {loops:,} loops)" if loops > 1 else ")")
    children = [plan_text(child) for child in node.get("Plans", [])]
    return name + (f"[{', '.join(children)}]" if children else "")


def plans(filters, vector, k) -> list[list]:
    from django.db import transaction

    from moviesearch.search.vectors import vector_scan

    rows = []
    for f in filters:
        qs = f.queryset()
        exact = _is_exact(vector_scan(qs, k))
        rows.append(
            [f.label, "host", explain(vector_scan(qs, k), *host_query(qs, vector, k))]
        )
        rows.append(
            [f.label, "side", explain(vector_scan(qs, k), *side_query(qs, vector, k))]
        )
        if exact:
            for layout, query in (("host", host_query), ("side", side_query)):
                sql, params = query(qs, vector, k, order_expr=True)
                plan = explain(transaction.atomic(), sql, params)
                rows.append([f.label, f"{layout}, exact ORDER BY expr", plan])
    return rows


# ---------------------------------------------------------------- sizes, writes


def sizes() -> list[list]:
    from django.db import connection

    mb = 1024 * 1024
    out = []
    with connection.cursor() as cursor:
        for table, index in ((HOST, HOST_INDEX), (SIDE, SIDE_INDEX)):
            cursor.execute(
                "SELECT pg_relation_size(c.oid), "
                "coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0), "
                "pg_indexes_size(c.oid) - pg_relation_size(%s::regclass), "
                "pg_relation_size(%s::regclass), pg_total_relation_size(c.oid) "
                "FROM pg_class c WHERE c.oid = %s::regclass",
                [index, index, table],
            )
            heap, toast, others, hnsw, total = cursor.fetchone()
            cursor.execute(
                f"SELECT count(*), coalesce(sum(pg_column_size(embedding)), 0) "
                f"FROM {table} WHERE embedding IS NOT NULL"
            )
            n, vectors = cursor.fetchone()
            out.append(
                [
                    f"`{table}`",
                    f"{n:,}",
                    f"{heap / mb:.0f}",
                    f"{toast / mb:.0f}",
                    f"{others / mb:.0f}",
                    f"{hnsw / mb:.0f}",
                    f"{total / mb:.0f}",
                    f"{vectors / mb:.0f}",
                ]
            )
    return out


def writes(n: int, runs: int) -> dict[str, float]:
    """p50 ms of one UPDATE writing a new vector (+ bookkeeping), per layout; each
    row gets its own values back afterwards (untimed)."""
    import numpy as np
    from django.db import connection

    from moviesearch.search.vectors import stored_vectors

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT movie_id FROM {SIDE} ORDER BY movie_id")
        chosen = random.Random(7).sample([r[0] for r in cursor.fetchall()], n)
        cursor.execute(
            f"SELECT id, {BOOKKEEPING} FROM {HOST} WHERE id = ANY(%s)", [chosen]
        )
        kept = {r[0]: r[1:] for r in cursor.fetchall()}
    originals = stored_vectors(chosen)
    update = (
        "UPDATE {table} SET embedding = %s::vector, embedding_hash = %s, "
        "embedding_model = %s, embedded_at = {at} WHERE {key} = %s"
    )
    tables = ((HOST, "id"), (SIDE, "movie_id"))
    times = {table: [[] for _ in range(runs)] for table, _ in tables}
    for run in range(runs):
        for i, pk in enumerate(chosen):
            old = originals[pk]
            new = old.copy()
            new[run % len(new)] += np.float32(1e-3)
            digest, model, at = kept[pk]
            for table, key in tables[i % 2 :] + tables[: i % 2]:
                write = update.format(table=table, key=key, at="now()")
                restore = update.format(table=table, key=key, at="%s")
                with connection.cursor() as cursor, harness.Timer() as t:
                    cursor.execute(write, [_vector_sql(new), digest, model, pk])
                times[table][run].append(t.ms)
                with connection.cursor() as cursor:
                    cursor.execute(restore, [_vector_sql(old), digest, model, at, pk])
    results = {
        table: harness.median([harness.percentile(ts, 50) for ts in runs_times])
        for table, runs_times in times.items()
    }
    return results


# ---------------------------------------------------------------- measuring


def measure(paths, filters, exact, vectors, truths, k, runs) -> dict:
    """recall.py's measure(), but the paths interleaved query by query (their order
    rotating), so that a change in the machine's load falls on all of them alike.
    The "exact ORDER BY expr" paths run on the filters answered exactly only."""
    recall = recall_module()
    results = {}
    for f in filters:
        qs = f.queryset()
        names = [n for n in paths if exact[f.label] or "ORDER BY expr" not in n]
        times = {n: [[] for _ in range(runs)] for n in names}
        recalls = {n: [] for n in names}
        for run in range(runs):
            for i, vector in enumerate(vectors):
                for j in range(len(names)):
                    name = names[(i + j) % len(names)]
                    with harness.Timer() as t:
                        found = paths[name](qs, vector, k)
                    times[name][run].append(t.ms)
                    if run == 0:
                        recalls[name].append(
                            recall.recall(found, truths[f.label][i], k)
                        )
        for name in names:
            results.setdefault(name, {})[f.label] = {
                "recall": sum(recalls[name]) / len(recalls[name]),
                "p50": harness.median(
                    [harness.percentile(ts, 50) for ts in times[name]]
                ),
            }
    return results


# ---------------------------------------------------------------- main


def _ms(result) -> str:
    """p50 ms, with the recall when it is not perfect (these scans are exact)."""
    ms = harness.fmt(result["p50"], 2)
    return ms if result["recall"] >= 0.9995 else f"{ms} (recall {result['recall']:.3f})"


def main():
    p = harness.parser(__doc__.splitlines()[0], scales=False)
    p.add_argument("--database", default=harness.SCALES["100k"])
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--writes", type=int, default=30, help="movies rewritten (0: no)")
    p.add_argument("--rebuild", action="store_true", help="build the side table again")
    args = p.parse_args()
    if args.database in harness.PROTECTED | {harness.TMDB_DATABASE}:
        raise SystemExit(f"refusing to add a table to the database {args.database!r}")
    harness.setup_django(args.database)
    recall = recall_module()
    from moviesearch.search.vectors import query_vector

    harness.print_header(
        f"Vector on the host's table vs a one-to-one table (`{args.database}`)",
        args.database,
    )
    steps = build_side_table(args.rebuild)
    filters = recall.choose_filters()
    texts = harness.make_queries(args.queries, seed=1000)  # recall.py's queries
    vectors = [query_vector(t) for t in texts]
    paths = {
        "host": recall.product,
        "side": side,
        "host, exact ORDER BY expr": host_order_expr,
        "side, exact ORDER BY expr": side_order_expr,
    }
    for f in filters:  # warm the caches and the connection
        for v in vectors[:5]:
            recall.exact(f.queryset(), v, args.k)
            for path in paths.values():
                path(f.queryset(), v, args.k)
    truths = {
        f.label: [recall.exact(f.queryset(), v, args.k) for v in vectors]
        for f in filters
    }
    from moviesearch.search.vectors import vector_scan

    exact = {f.label: _is_exact(vector_scan(f.queryset(), args.k)) for f in filters}
    started = time.perf_counter()
    results = measure(paths, filters, exact, vectors, truths, args.k, args.runs)
    print(f"- measured ({time.perf_counter() - started:.0f}s)", flush=True)
    plan_rows = plans(filters, vectors[0], args.k)
    write_ms = writes(args.writes, args.runs) if args.writes else {}

    print(
        f"\n{len(vectors)} queries, k={args.k}, {args.runs} timed passes (latency: "
        f"median of per-pass p50, EXPLAIN of vector_scan's choice included in every "
        f"path); load average now {harness.load()}\n"
    )
    if steps:
        print(harness.table(["side table build", "rows", "seconds"], steps) + "\n")
    headers = [
        "filter",
        "matching",
        "vector_scan",
        f"host recall@{args.k}",
        "host p50 ms",
        f"side recall@{args.k}",
        "side p50 ms",
        "side / host",
        "exact ORDER BY expr p50 ms: host / side",
    ]
    rows = []
    for f in filters:
        h, s = results["host"][f.label], results["side"][f.label]
        alt = [
            results[f"{x}, exact ORDER BY expr"].get(f.label)
            for x in LAYOUTS
            if f"{x}, exact ORDER BY expr" in results
        ]
        rows.append(
            [
                f.label,
                f"{f.matching:,} ({f.selectivity:.1%})",
                "exact" if exact[f.label] else "HNSW",
                f"{h['recall']:.3f}",
                harness.fmt(h["p50"], 2),
                f"{s['recall']:.3f}",
                harness.fmt(s["p50"], 2),
                f"{s['p50'] / h['p50']:.2f}×",
                " / ".join(_ms(a) for a in alt) if alt and alt[0] else "–",
            ]
        )
    print(harness.table(headers, rows))
    print("\nPlans (EXPLAIN ANALYZE of the first query; actual rows):\n")
    print(harness.table(["filter", "layout", "plan"], plan_rows))
    print("\nSizes (MB):\n")
    print(
        harness.table(
            [
                "table",
                "vectors",
                "heap",
                "TOAST",
                "other indexes",
                "HNSW",
                "total",
                "of which vectors",
            ],
            sizes(),
        )
    )
    if write_ms:
        print(
            f"\nWriting one movie's vector (UPDATE, autocommit; p50 of {args.writes} "
            f"movies, median of {args.runs} passes): "
            + ", ".join(f"`{t}` {ms:.2f} ms" for t, ms in write_ms.items())
        )


if __name__ == "__main__":
    main()
