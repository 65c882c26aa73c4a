"""A per-client fixed-window limit on interaction writes (a flood of clicks)."""

from moviesearch import conf
from moviesearch.search.ratelimit import retry_after


def write_retry_after(request) -> int:
    """Seconds the client must wait before its next write, or 0 to go ahead."""
    return retry_after(
        request, limit=conf.get("RECOMMENDATIONS_WRITE_RATE_LIMIT"), scope="recs"
    )
