"""Django's PostgreSQL backend, with one change to its connection pool: when a
connection fails the check made before it is handed out, every idle connection is
dropped, since a restarted server dropped them all.

psycopg_pool discards only the connection that failed, then checks the next idle one
at once, then after 1, 2, 4… s: with 4 idle connections, the first request after a
restart waited the whole DATABASE_POOL_TIMEOUT (3 s) and got a 503; with this, it
got a new connection in 0.04–0.07 s (tests/test_faults.py checks it).
"""

from functools import partial

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper


def check_or_drain(pool, conn) -> None:
    """The pool's own check; on failure, drop the idle connections too."""
    try:
        pool.check_connection(conn)
    except Exception:
        pool.drain()
        raise


class DatabaseWrapper(PostgresWrapper):
    @property
    def pool(self):
        pool = super().pool
        # Django sets `check` when it creates the pool (with CONN_HEALTH_CHECKS) and
        # psycopg_pool takes it only then; psycopg-pool is pinned exactly.
        if pool is not None and pool._check is pool.check_connection:
            pool._check = partial(check_or_drain, pool)
        return pool
