"""Latency of /api/search over HTTP against gunicorn, with an in-process breakdown.

Each run (--runs, default 3):
1. starts gunicorn (DEBUG=0, production settings, `-w 2 --threads 4` by default;
   `--server runserver`: Django's development server, DEBUG=0) on a free loopback
   port, with the query-vector cache in Redis (db 13, as the README's
   production setup; its qvec keys are deleted first) or --cache locmem;
2. waits until a worker answers and the workers stop using CPU (booted and warmed),
   then times the first search (a new query: model + DB connection + encoding);
3. per variant (hybrid, semantic, keyword, and hybrid/semantic with ~50 % and ~1 %
   filters), sends
   --queries new queries (unique across the whole invocation, so every vector is
   encoded: "uncached"), then the same queries again ("cached": Redis hit), one at a
   time over a keep-alive connection; then --concurrency clients for throughput;
4. stops gunicorn, and in this process (same database, same functions) times for
   the same queries: encoder.encode_query (the "encode one query" baseline),
   search.ranking.rank with the vector cached (the ranking SQL), the result page
   (EmbeddedMovieQuerySet._page: rows + their names by role) and the Django view through
   the test client (middleware included, cached vector).
Also once per run: a server started with EMBEDDING_WARM_ON_START=0 for comparison.
Figures are medians over runs of each run's percentile.

Usage: .venv/bin/python bench/search.py [--scale 12k|100k|1m|all] [--runs 3]
       [--queries 200] [--workers 2] [--threads 4] [--concurrency 8]
"""

import http.client
import json
import random
import subprocess
import threading
import time
from urllib.parse import urlencode

import harness

# "~50 %" and "~1 %": a year or a genre filter (alternately) matching about that
# share of the movies, chosen from the database's own distribution
# (harness.choose_filters, as bench/recall.py).
LEVELS = {"~50 %": 0.5, "~1 %": 0.01}
VARIANTS = (
    "hybrid", "semantic", "keyword",
    "hybrid ~50 %", "semantic ~50 %", "hybrid ~1 %", "semantic ~1 %",
)  # fmt: skip
CACHE_DB = 13
# The targets (README: Benchmarks): p50 within this much of encoding one
# query, p99 under P99_TARGET, for every variant that encodes.
P50_OVER_ENCODE = {"hybrid": 10.0, "semantic": 6.0}
P99_TARGET = 60.0


def main():
    p = harness.parser(__doc__.splitlines()[0])
    p.add_argument("--queries", type=int, default=200, help="per variant and run")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--concurrency", type=int, default=8, help="0: no throughput")
    p.add_argument("--cache", choices=["redis", "locmem"], default="redis")
    p.add_argument(
        "--server",
        choices=["gunicorn", "runserver"],
        default="gunicorn",
        help="runserver: Django's development server, one process (DEBUG=0)",
    )
    p.add_argument("--no-cold", action="store_true", help="skip the no-warm-up start")
    args = p.parse_args()
    scale = harness.dispatch(args, __file__)
    if scale:
        run_scale(scale, args)


# ---------------------------------------------------------------- the server


class Server:
    def __init__(self, database, args, **env):
        self.port = harness.free_port()
        cache = (
            f"redis://127.0.0.1:6379/{CACHE_DB}"
            if args.cache == "redis"
            else "locmemcache://bench"
        )
        self.env = harness.child_env(database, CACHE_URL=cache, **env)
        self.cmd = [
            str(harness.ROOT / ".venv" / "bin" / "gunicorn"),
            "demosite.wsgi",
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--timeout",
            "120",
        ]
        if args.server == "runserver":  # a developer's first contact, DEBUG=0
            self.cmd = [harness.PY, "manage.py", "runserver", "--noreload"]
            self.cmd.append(f"127.0.0.1:{self.port}")

    def __enter__(self):
        self.log = open(f"/tmp/bench-gunicorn-{self.port}.log", "w")
        self.launched = time.perf_counter()
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=harness.ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:  # any HTTP answer means a worker has imported the app (warmed)
            try:
                self.get("/api/bench-ready")
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not start; see {self.log.name}"
                    ) from None
                time.sleep(0.05)
        self.ready_s = time.perf_counter() - self.launched
        return self

    def __exit__(self, *exc):
        harness.stop(self.proc)
        self.log.close()

    def get(self, path, conn=None):
        """(status, ms, body) for one GET; a new connection unless one is given."""
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            return response.status, (time.perf_counter() - started) * 1000, body
        finally:
            if own:
                conn.close()

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)


def query_params(variant: str, text: str, rng: random.Random, filters=()) -> dict:
    params = {"q": text, "mode": variant.split()[0], "limit": 10}
    for label, level in LEVELS.items():
        if variant.endswith(label):
            f = rng.choice(harness.filters_at(level, filters))
            if f.genres:
                params["genre"] = f.genres
            if f.year_max is not None:
                params["year_max"] = f.year_max
    return params


def url(params: dict) -> str:
    return "/api/search?" + urlencode(params, doseq=True)


def sequential(server, requests) -> tuple[list[float], int]:
    conn, times, errors = server.connection(), [], 0
    for params in requests:
        status, ms, body = server.get(url(params), conn)
        times.append(ms)
        if status != 200 or "results" not in json.loads(body):
            errors += 1
    conn.close()
    return times, errors


def concurrent(server, requests, clients: int) -> tuple[float, list[float]]:
    """Requests/s and latencies with `clients` threads sharing the list."""
    todo, times, lock = list(requests), [], threading.Lock()

    def client():
        conn = server.connection()
        while True:
            with lock:
                if not todo:
                    break
                params = todo.pop()
            _, ms, _ = server.get(url(params), conn)
            with lock:
                times.append(ms)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(times) / (time.perf_counter() - started), times


def clear_vector_cache() -> None:
    import redis

    r = redis.Redis(host="127.0.0.1", port=6379, db=CACHE_DB)
    for key in r.scan_iter(match=":1:qvec:*", count=1000):
        r.delete(key)


# ---------------------------------------------------------------- in-process


def breakdown(requests: list[dict]) -> dict[str, list[float]]:
    """Per request (ms): encode, ranking SQL (vector cached), page SQL, Django view
    through the test client (cached vector)."""
    from django.http import QueryDict
    from django.test import Client

    from catalog.models import Movie
    from moviesearch.embeddings import encoder
    from moviesearch.search.params import parse_search_params
    from moviesearch.search.ranking import rank
    from moviesearch.search.vectors import normalise_query, query_vector

    client = Client(HTTP_HOST="127.0.0.1")
    out = {"encode": [], "rank": [], "page": [], "django": []}
    for params in requests:
        parsed = parse_search_params(QueryDict(urlencode(params, doseq=True)))
        if parsed.mode != "keyword":
            with harness.Timer() as t:
                encoder.encode_query(normalise_query(parsed.q))
            out["encode"].append(t.ms)
            query_vector(parsed.q)  # cached from here on (this process's cache)
        queryset = parsed.filter(Movie.objects.all())
        with harness.Timer() as t:
            ranked = rank(queryset, parsed.q, parsed.mode, depth=parsed.limit)
        out["rank"].append(t.ms)
        with harness.Timer() as t:
            queryset._page(ranked.ids[: parsed.limit], ranked.scores)
        out["page"].append(t.ms)
        with harness.Timer() as t:
            response = client.get("/api/search", params)
        assert response.status_code == 200, response.content[:200]
        out["django"].append(t.ms)
    return out


# ---------------------------------------------------------------- a run


def one_run(database, args, run, seen, filters) -> dict:
    rng = random.Random(run)
    result = {"variants": {}}
    if args.cache == "redis":
        clear_vector_cache()
    plan = {
        v: [
            query_params(v, q, rng, filters)
            for q in harness.make_queries(args.queries, 100 * run + i, seen)
        ]
        for i, v in enumerate(VARIANTS)
    }
    with Server(database, args) as server:
        result["ready_s"] = server.ready_s
        harness.settle(server.proc.pid)
        first = harness.make_queries(2, 9000 + run, seen)
        status, result["first_ms"], _ = server.get(url({"q": first[0]}))
        assert status == 200, status
        _, result["second_ms"], _ = server.get(url({"q": first[1]}))
        for variant, requests in plan.items():
            uncached, e1 = sequential(server, requests)
            cached, e2 = sequential(server, requests)
            result["variants"][variant] = {
                "uncached": uncached,
                "cached": cached,
                "errors": e1 + e2,
            }
        if args.concurrency:
            requests = [
                query_params("hybrid", q, rng)
                for q in harness.make_queries(args.queries, 7000 + run, seen)
            ]
            qps, times = concurrent(server, requests, args.concurrency)
            result["throughput"] = (qps, harness.percentile(times, 50))
        result["rss_mb"] = harness.worker_rss_mb(server.proc.pid)
    if not args.no_cold:
        with Server(database, args, EMBEDDING_WARM_ON_START="0") as server:
            harness.settle(server.proc.pid)
            q = harness.make_queries(1, 9500 + run, seen)[0]
            _, result["cold_first_ms"], _ = server.get(url({"q": q}))
    for variant, requests in plan.items():
        result["variants"][variant]["inproc"] = breakdown(requests)
    return result


def run_scale(scale: str, args) -> None:
    database = harness.SCALES[scale]
    harness.setup_django(database)
    from catalog.models import Movie
    from moviesearch.embeddings import encoder

    harness.print_header(f"/api/search latency at {scale} (`{database}`)", database)
    movies = Movie.objects.count()
    filters = harness.choose_filters()
    print(
        "Filters: "
        + "; ".join(
            f"{f.label}: {f.selectivity:.1%}"
            for level in LEVELS.values()
            for f in harness.filters_at(level, filters)
        ),
        flush=True,
    )
    encoder.encode_query("warm up the bench process")
    breakdown([query_params(v, "warm up", random.Random(0), filters) for v in VARIANTS])
    seen: set[str] = set()
    runs = []
    for run in range(args.runs):
        started, load = time.perf_counter(), harness.load()
        runs.append(one_run(database, args, run, seen, filters))
        print(
            f"- run {run + 1}/{args.runs}: {time.perf_counter() - started:.0f}s, "
            f"load average before {load}, after {harness.load()}",
            flush=True,
        )
    report(scale, movies, args, runs)


def _m(runs, get):
    return harness.median([get(r) for r in runs])


def report(scale, movies, args, runs) -> None:
    server = (
        f"gunicorn -w {args.workers} --threads {args.threads}"
        if args.server == "gunicorn"
        else "manage.py runserver --noreload"
    )
    cfg = (
        f"{server}, DEBUG=0, cache {args.cache}, "
        f"{args.queries} queries per variant per run, {len(runs)} runs"
    )
    print(f"\n{movies:,} movies; {cfg}. Milliseconds; medians over runs.\n")
    encode = _m(runs, lambda r: harness.percentile(_all_encode(r), 50))
    headers = [
        "variant",
        "HTTP p50",
        "p95",
        "p99",
        "cached p50",
        "p95",
        "p99",
        "encode",
        "ranking SQL",
        "page SQL",
        "Django view",
        "HTTP+gunicorn",
        "errors",
    ]
    rows, checks = [], []
    for variant in VARIANTS:

        def stat(r, key, p, variant=variant):
            return harness.percentile(r["variants"][variant][key], p)

        def inproc(r, key, variant=variant):
            values = r["variants"][variant]["inproc"][key]
            return harness.percentile(values, 50) if values else 0.0

        u = [_m(runs, lambda r, p=p: stat(r, "uncached", p)) for p in (50, 95, 99)]
        c = [_m(runs, lambda r, p=p: stat(r, "cached", p)) for p in (50, 95, 99)]
        enc = _m(runs, lambda r: inproc(r, "encode"))
        rank_ms = _m(runs, lambda r: inproc(r, "rank"))
        page_ms = _m(runs, lambda r: inproc(r, "page"))
        view = _m(runs, lambda r: inproc(r, "django"))
        errors = sum(r["variants"][variant]["errors"] for r in runs)
        rows.append(
            [variant]
            + [harness.fmt(x) for x in u + c + [enc, rank_ms, page_ms, view]]
            + [harness.fmt(c[0] - view), str(errors)]
        )
        checks.append((variant, u[0], u[2]))
    print(harness.table(headers, rows))
    print(
        "\nencode = encoder.encode_query (the 'encode one query' baseline, p50 "
        f"{encode:.1f} ms over all variants); ranking SQL = search.ranking.rank with "
        "the vector cached; page SQL = the result rows with their names by role; "
        "Django view = the test client (middleware, parameters, JSON), vector "
        "cached; HTTP+gunicorn = cached HTTP p50 - Django view.\n"
    )
    rows = []
    for variant, p50, p99 in checks:
        allowance = P50_OVER_ENCODE.get(variant.split()[0])
        if allowance is None:  # keyword mode encodes nothing
            continue
        target = encode + allowance
        ok = p50 <= target and p99 <= P99_TARGET
        rows.append(
            [
                variant,
                harness.fmt(p50),
                f"{harness.fmt(target)} (encode + {allowance:g})",
                f"{p50 - encode:+.1f}",
                harness.fmt(p99),
                "met" if ok else "missed",
            ]
        )
    print(
        harness.table(
            [
                "variant",
                "p50",
                "target p50",
                "p50 - encode",
                f"p99 (≤ {P99_TARGET:g})",
                "targets",
            ],
            rows,
        )
    )
    first = [
        ["ready: launch → a worker answers (s)", _m(runs, lambda r: r["ready_s"]), 2],
        ["first search after start (ms)", _m(runs, lambda r: r["first_ms"]), 1],
        ["second search (ms)", _m(runs, lambda r: r["second_ms"]), 1],
        ["a web worker's RSS after the run (MB)", _m(runs, lambda r: r["rss_mb"]), 0],
    ]
    if not args.no_cold:
        first.append(
            [
                "first search, EMBEDDING_WARM_ON_START=0 (ms)",
                _m(runs, lambda r: r["cold_first_ms"]),
                1,
            ]
        )
    print()
    print(
        harness.table(
            ["server start", "median"], [[n, harness.fmt(v, d)] for n, v, d in first]
        )
    )
    if args.concurrency:
        qps = _m(runs, lambda r: r["throughput"][0])
        p50 = _m(runs, lambda r: r["throughput"][1])
        print(
            f"\nThroughput, hybrid uncached, {args.concurrency} concurrent clients: "
            f"{qps:.1f} requests/s, p50 {p50:.1f} ms."
        )


def _all_encode(r):
    return [x for v in r["variants"].values() for x in v["inproc"]["encode"]]


if __name__ == "__main__":
    main()
