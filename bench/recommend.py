"""Latency of /api/recommendations and /api/movies/ID/similar over HTTP (gunicorn).

The database `bench_recs` (built once; --rebuild to redo): every TMDB film with its
real vectors (bench/harness.scratch_catalogue), a MovieLens-format sample imported
with `import_interactions` (the path is an argument: it is never shipped), co-likes
built. Then --visitors anonymous sessions, each holding the last 30 likes of one
sample user. Each run (--runs, default 3) starts gunicorn (DEBUG=0, `-w 2 --threads
4`), waits until it is warm and idle, and sends --requests requests per endpoint,
one at a time over a keep-alive connection (recommendations: a session cookie each
time, round robin; similar: films people liked, seeded). Prints p50/p95/p99, the
median over runs of each run's percentile.

Usage: .venv/bin/python bench/recommend.py ../shared/data/movielens [--runs 3]
"""

import http.client
import json
import random
import subprocess
import time

import harness

DATABASE = "bench_recs"


def main():
    p = harness.parser(__doc__.splitlines()[0], scales=False)
    p.add_argument("movielens", help="folder with ratings.csv[.gz] and links.csv[.gz]")
    p.add_argument("--requests", type=int, default=200, help="per endpoint and run")
    p.add_argument("--visitors", type=int, default=100)
    p.add_argument("--rebuild", action="store_true")
    args = p.parse_args()
    harness.setup_django(DATABASE)
    prepare(args)
    sessions, films = visitors(args.visitors), liked_films(args.requests)
    from moviesearch.embeddings.encoder import model_identity

    harness.print_header("/api/recommendations and similar over HTTP", DATABASE)
    print(f"- encoder: {model_identity()} (vectors precomputed; no query encoding)")
    results = {"recommendations": [], "similar": []}
    for run in range(args.runs):
        with Server() as server:
            for name, paths in (
                (
                    "recommendations",
                    [("/api/recommendations?limit=10", s) for s in sessions],
                ),
                (
                    "similar",
                    [(f"/api/movies/{f}/similar?limit=10", None) for f in films],
                ),
            ):
                todo = [paths[i % len(paths)] for i in range(args.requests)]
                results[name].append(harness.summary(server.timed(todo)))
        print(f"- run {run + 1} done, load {harness.load()}")
    rows = [
        [name, len(runs)]
        + [
            harness.fmt(harness.median([r[p] for r in runs]))
            for p in ("p50", "p95", "p99")
        ]
        for name, runs in results.items()
    ]
    print()
    print(harness.table(["endpoint", "runs", "p50 ms", "p95 ms", "p99 ms"], rows))


def prepare(args) -> None:
    from pathlib import Path

    from django.core.management import call_command

    from moviesearch.recommendations.models import LikeCount

    exists = (
        harness.raw_connect("postgres")
        .execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        .fetchone()
    )
    if exists and not args.rebuild:
        call_command("migrate", verbosity=0)
        if LikeCount.objects.exists():
            return
    else:
        print(
            f"building {DATABASE}: {harness.scratch_catalogue(DATABASE, 20000)} films"
        )
    folder = Path(args.movielens)
    found = {
        n: next(p for p in (folder / f"{n}.csv", folder / f"{n}.csv.gz") if p.exists())
        for n in ("ratings", "links")
    }
    call_command(
        "import_interactions", str(found["ratings"]), str(found["links"]),
        "--no-progress",
    )  # fmt: skip


def visitors(n: int) -> list[str]:
    """Session keys of n anonymous visitors, each with one sample user's last 30
    likes (replacing the previous run's)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from moviesearch.recommendations.models import Interaction

    Interaction.objects.filter(session_key__isnull=False).delete()
    users = sorted(
        set(Interaction.objects.values_list("external_id", flat=True).distinct())
    )[:n]
    keys, rows = [], []
    for user in users:
        store = SessionStore()
        store["recommendations"] = True
        store.create()
        keys.append(store.session_key)
        liked = Interaction.objects.filter(external_id=user, rating__gte=4).order_by(
            "-created_at"
        )[:30]
        rows += [
            Interaction(session_key=store.session_key, movie_id=i.movie_id,
                        kind="liked", created_at=timezone.now())
            for i in liked
        ]  # fmt: skip
    Interaction.objects.bulk_create(rows)
    return keys


def liked_films(n: int) -> list[int]:
    from moviesearch.recommendations.models import LikeCount

    ids = list(LikeCount.objects.values_list("movie_id", flat=True))
    return random.Random(0).sample(ids, min(n, len(ids)))


class Server:
    def __enter__(self):
        self.port = harness.free_port()
        env = harness.child_env(DATABASE, CACHE_URL="locmemcache://bench")
        self.log = open(f"/tmp/bench-recommend-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [str(harness.ROOT / ".venv" / "bin" / "gunicorn"), "demosite.wsgi",
             "-b", f"127.0.0.1:{self.port}", "-w", "2", "--threads", "4",
             "--timeout", "120"],
            cwd=harness.ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            try:
                self.timed([("/healthz", None)])
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not start; {self.log.name}"
                    ) from None
                time.sleep(0.1)
        harness.settle(self.proc.pid)
        self.timed([("/api/movies/1/similar", None)] * 4)  # warm both workers
        return self

    def __exit__(self, *exc):
        harness.stop(self.proc)
        self.log.close()

    def timed(self, requests) -> list[float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        times = []
        try:
            for path, session in requests:
                headers = {"Cookie": f"sessionid={session}"} if session else {}
                started = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                times.append((time.perf_counter() - started) * 1000)
                if response.status != 200 or "results" not in json.loads(body):
                    if not path.startswith(("/healthz", "/api/movies/1/")):
                        raise RuntimeError(f"{path}: {response.status} {body[:200]}")
        finally:
            conn.close()
        return times


if __name__ == "__main__":
    main()
