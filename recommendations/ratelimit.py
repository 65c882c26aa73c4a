"""A per-client fixed-window limit on interaction writes (a flood of clicks)."""

import hashlib
import time

from django.core.cache import cache

from recommendations import conf
from search.ratelimit import client_ip


def write_retry_after(request) -> int:
    """Seconds the client must wait before its next write, or 0 to go ahead."""
    limit = conf.get("RECOMMENDATIONS_WRITE_RATE_LIMIT")
    if limit <= 0:
        return 0
    now = time.time()
    window = int(now // 60)
    client = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    key = f"rl:recs:{client}:{window}"
    cache.add(key, 0, timeout=61)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=61)
        count = 1
    return 0 if count <= limit else max(1, int((window + 1) * 60 - now))
