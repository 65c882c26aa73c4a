"""Shared plumbing for the benchmark scripts in bench/ (stdlib + numpy only here).

Importing this module puts the repository root first on sys.path instead of bench/,
so `import moviesearch.search` finds the Django app, not bench/search.py."""

import argparse
import gzip
import io
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

PY = str(ROOT / ".venv" / "bin" / "python")
DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR", ROOT.parent / "shared" / "data"))
TMDB_FILE = DATA_DIR / "tmdb_movies.jsonl.gz"
WIKI_FILE = DATA_DIR / "wikipedia_movies.jsonl.gz"

# --scale picks a database on the same server (DATABASE_NAME): BENCH_TMDB_DATABASE
# (default "postgres", the development database) holds the 11,875 TMDB movies,
# embedded (read only here); bench100k and bench1m are built by bench/load100k.py
# (--scale 1m for the million).
TMDB_DATABASE = os.environ.get("BENCH_TMDB_DATABASE", "postgres")
SCALES = {"12k": TMDB_DATABASE, "100k": "bench100k", "1m": "bench1m"}

# What every benchmark process (and the servers it starts) runs with: production
# settings, no per-client rate limit (the load generator is a single client).
BENCH_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-not-secret",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SEARCH_RATE_LIMIT": "0",
    "LOG_LEVEL": "WARNING",
    "TOKENIZERS_PARALLELISM": "false",
}


def parser(description: str, *, scales=True, runs=3) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    if scales:
        p.add_argument("--scale", choices=[*SCALES, "all"], default="12k")
    p.add_argument("--runs", type=int, default=runs, help="repetitions (medians)")
    return p


def dispatch(args, script: str) -> str | None:
    """The scale to measure in this process; for --scale all, run `script` once per
    scale in a subprocess (Django serves one database per process) and return None."""
    if args.scale != "all":
        return args.scale
    argv, skip = [], False
    for arg in sys.argv[1:]:
        if skip or arg.startswith("--scale="):
            skip = False
            continue
        if arg == "--scale":
            skip = True
            continue
        argv.append(arg)
    for scale in SCALES:
        subprocess.run([PY, script, "--scale", scale, *argv], check=True)
    return None


def database_env(database: str) -> dict[str, str]:
    return {**BENCH_ENV, "DATABASE_NAME": database}


def setup_django(database: str) -> None:
    """Configure this process for `database` and start Django (once per process)."""
    os.environ.update(database_env(database))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demosite.settings")
    import django

    django.setup()


def child_env(database: str, **extra) -> dict[str, str]:
    env = {**os.environ, **database_env(database), **extra}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


# ---------------------------------------------------------------- databases


def raw_connect(dbname: str, *, vectors: bool = False):
    """A plain psycopg connection to a database on Django's server (with pgvector's
    numpy adapters when `vectors`)."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    keep = {k: params[k] for k in ("host", "port", "user", "password") if k in params}
    conn = psycopg.connect(dbname=dbname, autocommit=True, **keep)
    if vectors:
        from pgvector.psycopg import register_vector

        register_vector(conn)
    return conn


PROTECTED = {"postgres", "test_postgres", "template0", "template1", "test", "root"}


def create_database(name: str, rebuild: bool) -> bool:
    """Create a scratch database (dropping it first when `rebuild`); False when it
    exists and is kept. Never touches the databases other people use."""
    if name in PROTECTED:
        raise SystemExit(f"refusing to create or drop the database {name!r}")
    with raw_connect("postgres") as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and not rebuild:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def copy_tmdb_vectors() -> int:
    """Real vectors from the TMDB database (read only) onto identical documents."""
    from django.db import connection

    with raw_connect(TMDB_DATABASE) as src, connection.cursor() as cursor:
        rows = src.execute(
            "SELECT tmdb_id, document_hash, embedding::text, embedding_hash, "
            "embedding_model, embedded_at FROM catalog_movie "
            "WHERE embedding IS NOT NULL AND tmdb_id IS NOT NULL"
        ).fetchall()
        cursor.execute(
            "CREATE TEMP TABLE src_vec (tmdb_id int, document_hash text, "
            "embedding vector, embedding_hash text, embedding_model text, "
            "embedded_at timestamptz)"
        )
        with cursor.cursor.copy("COPY src_vec FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "UPDATE catalog_movie m SET embedding = s.embedding, "
            "embedding_hash = s.embedding_hash, embedding_model = s.embedding_model, "
            "embedded_at = s.embedded_at, embedding_error = '' FROM src_vec s "
            "WHERE m.tmdb_id = s.tmdb_id AND m.document_hash = s.document_hash"
        )
        copied = cursor.rowcount
        cursor.execute("DROP TABLE src_vec")
    return copied


def scratch_catalogue(database: str, n: int, seed: int = 0) -> int:
    """(Re)create `database` (Django must be set up for it) holding n random TMDB
    movies imported by `import_movies`, with their real vectors copied from
    "postgres"; returns the number of movies."""
    import tempfile

    from django.core.management import call_command

    create_database(database, rebuild=True)
    call_command("migrate", verbosity=0)
    lines = read_jsonl(TMDB_FILE)
    sample = random.Random(seed).sample(lines, min(n, len(lines)))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as fh:
        fh.writelines(json.dumps(row) + "\n" for row in sample)
        fh.flush()
        call_command("import_movies", fh.name, "--no-progress", stdout=io.StringIO())
    copy_tmdb_vectors()
    from catalog.models import Movie

    return Movie.objects.count()


# ---------------------------------------------------------------- statistics


def percentile(values, p: float) -> float:
    """Linear-interpolated percentile (p in 0..100) of a non-empty sequence."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def median(values) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def summary(samples_ms) -> dict[str, float]:
    return {
        "n": len(samples_ms),
        "p50": percentile(samples_ms, 50),
        "p95": percentile(samples_ms, 95),
        "p99": percentile(samples_ms, 99),
    }


def fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if value != value:
        return "n/a"
    return f"{value:.{digits}f}"


def table(headers: list[str], rows: list[list]) -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = (time.perf_counter() - self.started) * 1000


# ---------------------------------------------------------------- the machine


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def machine_line() -> str:
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), Python "
        f"{sys.version.split()[0]}, load average (1/5/15 min) at start {load()}"
    )


def print_header(title: str, database: str | None = None) -> None:
    print(f"\n### {title}\n")
    print(f"- machine: {machine_line()}")
    if database:
        print(f"- database: `{database}` ({server_version()})")
    print(f"- started: {time.strftime('%Y-%m-%d %H:%M:%S')}\n")


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0].split()[0]
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        row = cursor.fetchone()
    return f"PostgreSQL {pg}, pgvector {row[0] if row else 'absent'}"


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process this script started (its own process group), politely first."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
    except ProcessLookupError:
        pass


def settle(pid: int, quiet_cpu_s: float = 0.05, interval: float = 0.5, limit=60):
    """Wait until a process tree stops burning CPU (workers done booting)."""
    import psutil

    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
            used = sum(sum(p.cpu_times()[:2]) for p in procs)
        except psutil.Error:
            return
        if last is not None and used - last < quiet_cpu_s:
            return
        last = used
        time.sleep(interval)


def worker_rss_mb(pid: int) -> float:
    """The largest resident set (MB) among a server's worker processes (the
    process itself when it has none: runserver)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) or [root]
        return max(p.memory_info().rss for p in procs) / 1048576
    except psutil.Error:
        return 0.0


# ---------------------------------------------------------------- query texts


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def _snippet(rng: random.Random, text: str) -> str | None:
    words = _WORD.findall(text)
    if len(words) < 6:
        return None
    size = rng.randint(3, 7)
    start = rng.randrange(0, len(words) - size)
    return " ".join(words[start : start + size]).lower()


def make_queries(n: int, seed: int, seen: set[str] | None = None) -> list[str]:
    """n distinct, varied search queries built from the TMDB catalogue: themes from
    keywords, plot fragments, people, titles, genre + decade, in several phrasings.
    Queries in `seen` are skipped (and the new ones added), so a caller can keep
    every query of a run unique and defeat the query-vector cache."""
    rng = random.Random(seed)
    movies = _movies()
    seen = set() if seen is None else seen
    out: list[str] = []
    while len(out) < n:
        m = rng.choice(movies)
        kws, genres = m.get("keywords") or [], m.get("genres") or []
        people = (m.get("directors") or []) + (m.get("cast") or [])[:3]
        kind = rng.randrange(9)
        q = None
        if kind == 0 and len(kws) >= 2:
            q = " ".join(rng.sample(kws, 2))
        elif kind == 1 and kws and genres:
            q = f"{rng.choice(genres).lower()} film about {rng.choice(kws)}"
        elif kind in (2, 3):
            q = _snippet(rng, m.get("overview") or "")
        elif kind == 4 and m.get("directors"):
            q = f"movies directed by {rng.choice(m['directors'])}"
        elif kind == 5 and people and genres:
            q = f"{rng.choice(people)} {rng.choice(genres).lower()}"
        elif kind == 6:
            q = m["title"]
        elif kind == 7 and genres and m.get("year"):
            q = f"{rng.choice(genres).lower()} from the {m['year'] // 10 * 10}s"
        elif kind == 8 and kws:
            q = f"something like {m['title']} with {rng.choice(kws)}"
        if not q:
            continue
        key = " ".join(q.split()).casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(q)
    return out


_MOVIES: list[dict] = []


def _movies() -> list[dict]:
    if not _MOVIES:
        _MOVIES.extend(read_jsonl(TMDB_FILE))
    return _MOVIES


# ------------------------------------------------------- filters by selectivity

LEVELS = (0.5, 0.05, 0.01)


@dataclass
class Filter:
    label: str
    genres: list
    year_max: int | None
    matching: int = 0
    total: int = 0

    @property
    def selectivity(self) -> float:
        return self.matching / self.total if self.total else 1.0

    def params(self):
        from moviesearch.search.params import SearchParams

        return SearchParams(genres=list(self.genres), year_max=self.year_max)

    def queryset(self):
        from catalog.models import Movie

        return self.params().filter(Movie.objects.all())


def choose_filters() -> list[Filter]:
    """No filter; a year_max and a genre filter nearest each selectivity level."""
    from django.db.models import Count, Q

    from catalog.models import Genre, Movie

    total = Movie.objects.filter(embedding__isnull=False).count()
    by_year = dict(
        Movie.objects.filter(embedding__isnull=False, year__isnull=False)
        .values_list("year")
        .annotate(n=Count("pk"))
        .values_list("year", "n")
    )
    with_vector = Q(movies__embedding__isnull=False)
    genres = dict(
        Genre.objects.annotate(n=Count("movies", filter=with_vector)).values_list(
            "name", "n"
        )
    )
    filters = [Filter("none", [], None)]
    for level in LEVELS:
        cumulative, best = 0, None
        for year in sorted(by_year):
            cumulative += by_year[year]
            gap = abs(cumulative / total - level)
            if best is None or gap < best[0]:
                best = (gap, year)
        filters.append(Filter(f"year ≤ {best[1]} (~{level:.0%})", [], best[1]))
        name = min(genres, key=lambda g: abs(genres[g] / total - level))
        filters.append(Filter(f"genre {name} (~{level:.0%})", [name], None))
    for f in filters:
        f.total = total
        f.matching = f.queryset().filter(embedding__isnull=False).count()
    return filters


def filters_at(level: float, filters: list[Filter]) -> list[Filter]:
    """The year and genre filters chosen for a selectivity level."""
    return [f for f in filters if f.label.endswith(f"(~{level:.0%})")]
