"""A fixed-window rate limit per user and purpose, kept in Django's cache (shared between processes when the
cache is)."""

import time

from django.core.cache import cache


def allow(purpose: str, who, *, limit: int, seconds: int) -> bool:
    """Count one more use of `purpose` by `who` in the current window; False once `limit` is passed."""
    window = int(time.time() // seconds)
    key = f"throttle:{purpose}:{who}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds + 1)
        count = 1
    return count <= limit
