"""A per-client fixed-window request limit for the endpoints that run the model."""

import hashlib
import time

from django.core.cache import cache

from moviesearch.conf import settings


def client_ip(request) -> str:
    header = settings.RATE_LIMIT_CLIENT_IP_HEADER
    if header and request.META.get(header):
        # The proxy appends the address it saw last: trust only that one.
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def retry_after(request, *, limit: int | None = None, scope: str = "") -> int:
    """Seconds the client must wait, or 0 when this request may go ahead: at most
    `limit` requests a minute per client in `scope` (default: SEARCH_RATE_LIMIT for
    the searches)."""
    if limit is None:
        limit = settings.SEARCH_RATE_LIMIT
    if limit <= 0:
        return 0
    now = time.time()
    window = int(now // 60)
    # Hashed: the address may come from a client-supplied header (any length, any
    # characters), and memcached refuses keys with spaces or control characters.
    client = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    key = f"rl:{scope}:{client}:{window}" if scope else f"rl:{client}:{window}"
    cache.add(key, 0, timeout=61)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=61)
        count = 1
    if count <= limit:
        return 0
    return max(1, int((window + 1) * 60 - now))
