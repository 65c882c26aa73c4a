"""Latency of /api/suggest over HTTP against gunicorn, as a visitor types.

The requests are what a search box sends while a visitor types: every prefix (from
2 characters) of titles and people's names drawn from the TMDB catalogue, and of
the same names with two letters swapped (a misspelling), unique within a run.
Each run (--runs, default 3) starts gunicorn (DEBUG=0, production settings,
`-w 2 --threads 4` as scripts/run; the embedding model is not loaded, suggestions
never use it) on a free loopback port, waits until its workers are idle, sends the
requests one at a time over a keep-alive connection, and stops it; then times
search.suggest.suggest() in this process for the same texts (no HTTP, no view).
Figures are medians over runs of each run's percentile.

Usage: BENCH_TMDB_DATABASE=tmdb .venv/bin/python bench/suggest.py [--runs 3]
       [--words 60] [--limit 8]
"""

import http.client
import json
import random
import subprocess
import time
from urllib.parse import urlencode

import harness


def main():
    p = harness.parser(__doc__.splitlines()[0])
    p.add_argument("--words", type=int, default=60, help="names typed per run")
    p.add_argument("--limit", type=int, default=8)
    args = p.parse_args()
    scale = harness.dispatch(args, __file__)
    if scale:
        run_scale(scale, args)


def typed_texts(n: int, seed: int) -> list[str]:
    """Prefixes (2+ characters) of n titles and names, half of them misspelled."""
    rng = random.Random(seed)
    movies = harness._movies()
    texts: list[str] = []
    for i in range(n):
        m = rng.choice(movies)
        people = (m.get("directors") or []) + (m.get("cast") or [])[:2]
        name = rng.choice(people) if people and i % 2 else m["title"]
        if i % 4 == 3 and len(name) > 5:  # swap two letters inside the name
            k = rng.randrange(1, len(name) - 2)
            name = name[:k] + name[k + 1] + name[k] + name[k + 2 :]
        texts += [name[:end] for end in range(2, min(len(name), 16) + 1)]
    seen: set[str] = set()
    return [t for t in texts if t.strip() and not (t in seen or seen.add(t))]


class Server:
    def __init__(self, database: str):
        self.port = harness.free_port()
        self.env = harness.child_env(database, EMBEDDING_WARM_ON_START="0")

    def __enter__(self):
        self.log = open(f"/tmp/bench-suggest-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [str(harness.ROOT / ".venv" / "bin" / "gunicorn"), "demosite.wsgi"]
            + ["-b", f"127.0.0.1:{self.port}", "-w", "2", "--threads", "4"],
            cwd=harness.ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not start; see {self.log.name}"
                    ) from None
                time.sleep(0.1)
        harness.settle(self.proc.pid)
        return self

    def __exit__(self, *exc):
        harness.stop(self.proc)
        self.log.close()


def over_http(server: Server, texts: list[str], limit: int) -> tuple[list, int]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    times, errors = [], 0
    for text in texts:
        path = "/api/suggest?" + urlencode({"q": text, "limit": limit})
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status != (200 if text else 400) or not json.loads(body):
            errors += 1
    conn.close()
    return times, errors


def in_process(texts: list[str], limit: int) -> list[float]:
    from moviesearch.search.suggest import suggest

    times = []
    for text in texts:
        with harness.Timer() as t:
            suggest(text=text, limit=limit)
        times.append(t.ms)
    return times


def run_scale(scale: str, args) -> None:
    database = harness.SCALES[scale]
    harness.setup_django(database)
    from catalog.models import Movie, Person

    harness.print_header(f"/api/suggest at {scale}", database)
    movies, people = Movie.objects.count(), Person.objects.count()
    print(f"- catalogue: {movies} movies, {people} people")
    rows, http_runs, local_runs, floor_runs = [], [], [], []
    for run in range(args.runs):
        texts = typed_texts(args.words, seed=run)
        with Server(database) as server:
            over_http(server, texts[:20], args.limit)  # connections, plan caches
            times, errors = over_http(server, texts, args.limit)
            floor, _ = over_http(server, [""] * 200, args.limit)
        local = in_process(texts, args.limit)
        http_s, local_s = harness.summary(times), harness.summary(local)
        floor_s = harness.summary(floor)
        http_runs.append(http_s)
        local_runs.append(local_s)
        floor_runs.append(floor_s)
        rows.append(
            [f"run {run + 1}", len(texts), errors]
            + [harness.fmt(http_s[k]) for k in ("p50", "p95", "p99")]
            + [harness.fmt(floor_s["p50"])]
            + [harness.fmt(local_s[k]) for k in ("p50", "p95")]
        )

    def mid(runs, key):
        return harness.fmt(harness.median([r[key] for r in runs]))

    rows.append(
        ["median", "", ""]
        + [mid(http_runs, k) for k in ("p50", "p95", "p99")]
        + [mid(floor_runs, "p50")]
        + [mid(local_runs, k) for k in ("p50", "p95")]
    )
    headers = ["", "requests", "errors", "HTTP p50 ms", "HTTP p95 ms", "HTTP p99 ms"]
    headers += ["HTTP floor p50 ms", "suggest() p50 ms", "suggest() p95 ms"]
    print(harness.table(headers, rows))
    print(
        "\nHTTP floor: the same server answering `q=` (a 400 from the view, no "
        "query): what HTTP, gunicorn and Django cost without the suggestion itself."
    )


if __name__ == "__main__":
    main()
