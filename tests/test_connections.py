"""Database connections stay bounded: each process borrows from one psycopg pool
(DATABASE_POOL, on by default) instead of keeping a connection per thread. Under
`runserver`, which starts a thread per HTTP connection, the per-thread connections
of CONN_MAX_AGE=60 exhausted PostgreSQL after ~100 requests."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from catalog.importer import movies_import
from catalog.models import Movie
from tests.conftest import demo_lines
from tests.plugin_fixtures import ROOT, wait_for

REQUESTS = 1000
SAMPLE_EVERY = 50
MAX_CONNECTIONS = 10
WORDS = "love war space heist murder family robot king island ghost detective".split()


def backend_count(db_name: str) -> int:
    """Server connections to the test database, this test's own included."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [db_name]
        )
        return cursor.fetchone()[0]


@pytest.mark.smoke
def test_threads_share_the_process_pool(db):
    """Thirty threads, one after another, each query and close as a request does:
    they reuse the pool's few server connections instead of opening thirty."""
    pool = settings.DATABASES["default"]["OPTIONS"].get("pool")
    if not pool:
        pytest.skip("DATABASE_POOL=0")
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0
    pids = []

    def request():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(cursor.fetchone()[0])
        finally:
            connection.close()  # request_finished does this; the pool takes it back

    for _ in range(30):
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
    assert len(pids) == 30
    assert len(set(pids)) <= pool["max_size"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status(url: str) -> int:
    """One request on a new TCP connection (so runserver gives it a new thread)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def runserver(transactional_db, tmp_path):
    """`manage.py runserver` (DEBUG=1, as a developer runs it; --noreload: the
    reloader's parent process never touches the database) on the test database,
    with committed demo movies and no model (keyword searches only)."""
    movies_import(lines=demo_lines())
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_NAME=connection.settings_dict["NAME"],
        DEBUG="1",
        SEARCH_RATE_LIMIT="0",
        EMBEDDING_WARM_ON_START="0",
    )
    log = tmp_path / "runserver.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload",
             f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return status(base + "/healthz") == 200
        except OSError:
            return proc.poll() is not None

    try:
        up = wait_for(answers, 90, 0.3)
        assert up and proc.poll() is None, log.read_text()[-3000:]
        yield base, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.mark.load
def test_runserver_connections_stay_bounded(runserver):
    """1,000 sequential requests through runserver, each on a new thread: every
    answer is below 500 and the server's connection count never passes 10."""
    base, log = runserver
    db_name = connection.settings_dict["NAME"]
    ids = list(Movie.objects.values_list("pk", flat=True)[:200])
    samples, errors = [], []
    started = time.monotonic()
    for i in range(REQUESTS):
        kind = i % 3
        if kind == 0:
            word = WORDS[i % len(WORDS)]
            path = f"/api/search?mode=keyword&q={word}+{WORDS[i // 3 % len(WORDS)]}"
        elif kind == 1:
            path = f"/api/movies/{ids[i % len(ids)]}"
        else:
            path = "/"
        code = status(base + path)
        if code >= 500:
            errors.append((i, path, code))
        if i % SAMPLE_EVERY == SAMPLE_EVERY - 1:
            samples.append(backend_count(db_name))
            assert samples[-1] <= MAX_CONNECTIONS, (i, samples, log.read_text()[-3000:])
    elapsed = time.monotonic() - started
    time.sleep(1)
    after = backend_count(db_name)
    print(
        f"{REQUESTS} requests in {elapsed:.1f}s; connections sampled {samples}, "
        f"{after} after"
    )
    assert not errors, (errors[:10], log.read_text()[-3000:])
    assert after <= MAX_CONNECTIONS
