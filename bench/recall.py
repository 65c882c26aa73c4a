"""HNSW recall@k of the product's semantic query against exact search, by filter.

For each query (varied texts, encoded by the product's model) and each filter
(none; year and genre filters matching ~50%, ~5%, ~1% of the movies, chosen from the
database's own distribution), it runs
- the product path: moviesearch.search.ranking.semantic_ranked(SearchParams(...).filter(
  Movie.objects.all()), vector, k) - hnsw_scan settings included;
- the same ORM query with index scans off (SET LOCAL enable_indexscan = off): an
  exact scan over the filtered rows (pgvector's HNSW has no bitmap scan, so the
  planner cannot use it), the ground truth.
A returned movie counts as a hit when its distance is within the k-th exact distance
(ties at the boundary are not misses). Recall is deterministic for a given index;
latencies are medians over --runs passes (the exact path's: the one pass that
computes the ground truth).

--sweep also tries other settings (ef_search, max_scan_tuples, exact) on the same
queries, to find what reaches the target where the product misses it.

Usage: .venv/bin/python bench/recall.py [--scale 12k|100k|all] [--runs 3]
       [--queries 200] [--k 10] [--sweep]
"""

import re
import time
from contextlib import contextmanager

import harness

TARGET = 0.98


# ---------------------------------------------------------------- query paths


def _nearest(queryset, vector, k):
    from pgvector.django import CosineDistance

    rows = list(
        queryset.filter(embedding__isnull=False)
        .annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")
        .values_list("pk", "distance")[:k]
    )
    rows.sort(key=lambda r: r[1])
    return rows


@contextmanager
def _settings(*statements):
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        yield


def exact(queryset, vector, k):
    with _settings("SET LOCAL enable_indexscan = off"):
        return _nearest(queryset, vector, k)


def product(queryset, vector, k):
    from moviesearch.search.ranking import semantic_ranked

    ranked = semantic_ranked(queryset, vector, k)
    return [(pk, 1.0 - ranked.scores[pk]) for pk in ranked.ids]


def hnsw(ef: int, max_tuples: int, order: str = "relaxed_order"):
    def run(queryset, vector, k):
        with _settings(
            f"SET LOCAL hnsw.iterative_scan = {order}",
            f"SET LOCAL hnsw.ef_search = {ef}",
            f"SET LOCAL hnsw.max_scan_tuples = {max_tuples}",
        ):
            return _nearest(queryset, vector, k)

    return run


def sweep(efs: list[int]) -> dict:
    paths = {
        f"relaxed_order, ef_search {ef}, max_scan_tuples 20000": hnsw(ef, 20000)
        for ef in efs
    }
    paths["iterative scan off, ef_search 100"] = hnsw(100, 20000, "off")
    # Past the first ef_search candidates, how far an iterative scan must walk
    # before a selective filter's nearest movies are all found.
    for ef, tuples in ((400, 100_000), (1000, 200_000)):
        paths[f"strict_order, ef_search {ef}, max_scan_tuples {tuples}"] = hnsw(
            ef, tuples, "strict_order"
        )
    return paths


def recall(found, truth, k) -> float:
    if not truth:
        return 1.0
    bound = truth[min(k, len(truth)) - 1][1] + 1e-6
    hits = len({pk for pk, d in found[:k] if d <= bound})
    return min(hits, len(truth)) / min(k, len(truth))


# ---------------------------------------------------------------- measuring


def measure(path, filters, vectors, truths, k, runs):
    """Per filter: mean/min recall, share of queries below target, rows, p50 ms."""
    out = {}
    for f in filters:
        qs = f.queryset()
        times, recalls, rows = [], [], []
        for run in range(runs):
            run_times = []
            for i, vector in enumerate(vectors):
                with harness.Timer() as t:
                    found = path(qs, vector, k)
                run_times.append(t.ms)
                if run == 0:
                    recalls.append(recall(found, truths[f.label][i], k))
                    rows.append(len(found))
            times.append(harness.percentile(run_times, 50))
        out[f.label] = {
            "recall": sum(recalls) / len(recalls),
            "min": min(recalls),
            "below": sum(r < TARGET for r in recalls) / len(recalls),
            "rows": sum(rows) / len(rows),
            "p50": harness.median(times),
        }
    return out


def main():
    p = harness.parser(__doc__.splitlines()[0])
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--sweep", action="store_true", help="try other settings too")
    p.add_argument("--ef", default="100,200,400,800", help="ef_search to sweep")
    p.add_argument("--filters", default="", help="regex: only the filters matching")
    p.add_argument("--database", help="another database than the scale's")
    args = p.parse_args()
    scale = harness.dispatch(args, __file__)
    if scale:
        run_scale(scale, args)


def run_scale(scale: str, args) -> None:
    database = args.database or harness.SCALES[scale]
    harness.setup_django(database)
    from moviesearch.search.vectors import query_vector

    harness.print_header(f"Recall@{args.k} at {scale} (`{database}`)", database)
    filters = [f for f in harness.choose_filters() if re.search(args.filters, f.label)]
    texts = harness.make_queries(args.queries, seed=1000)
    vectors = [query_vector(t) for t in texts]
    # Warm the buffer cache and the connection before anything is timed.
    for f in filters:
        for v in vectors[:5]:
            exact(f.queryset(), v, args.k)
            product(f.queryset(), v, args.k)
    truths, exact_ms = {}, {}
    for f in filters:  # the ground truth, timed once (the exact path's latency)
        truths[f.label], times = [], []
        for v in vectors:
            with harness.Timer() as t:
                truths[f.label].append(exact(f.queryset(), v, args.k))
            times.append(t.ms)
        exact_ms[f.label] = harness.percentile(times, 50)
        print(f"- exact {f.label}: p50 {exact_ms[f.label]:.1f} ms", flush=True)
    paths = {"product (moviesearch.search.ranking.semantic_ranked)": product}
    if args.sweep:
        paths.update(sweep([int(x) for x in args.ef.split(",")]))
    results = {}
    for name, path in paths.items():
        started = time.perf_counter()
        results[name] = measure(path, filters, vectors, truths, args.k, args.runs)
        took = time.perf_counter() - started
        print(f"- measured {name} ({took:.0f}s)", flush=True)
    print(
        f"{len(vectors)} queries, k={args.k}, {args.runs} timed passes (latency: "
        f"median of per-pass p50); load average now {harness.load()}\n"
    )
    headers = [
        "filter",
        "matching",
        f"product recall@{args.k}",
        "min",
        f"queries < {TARGET}",
        "rows",
        "product p50 ms",
        "exact p50 ms",
        "target",
    ]
    rows = []
    prod = results[next(iter(paths))]
    for f in filters:
        r = prod[f.label]
        rows.append(
            [
                f.label,
                f"{f.matching:,} ({f.selectivity:.1%})",
                f"{r['recall']:.3f}",
                f"{r['min']:.2f}",
                f"{r['below']:.0%}",
                f"{r['rows']:.1f}",
                harness.fmt(r["p50"], 2),
                harness.fmt(exact_ms[f.label], 2),
                "met" if r["recall"] >= TARGET else "MISSED",
            ]
        )
    print(harness.table(headers, rows))
    if args.sweep:
        print(f"\nSweep at {scale}: mean recall@{args.k} / p50 ms per filter\n")
        headers = ["setting"] + [f.label for f in filters]
        rows = [
            [name]
            + [
                f"{res[f.label]['recall']:.3f} / {res[f.label]['p50']:.1f}"
                for f in filters
            ]
            for name, res in results.items()
        ]
        print(harness.table(headers, rows))


if __name__ == "__main__":
    main()
