"""A small per-address limit for public forms, kept in the Django cache (Redis in production).

Twenty lines do what the form needs; a library would bring decorators and settings we do not use.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """The visitor's address. Behind one load balancer (TRUST_X_FORWARDED_FOR), the balancer appends the
    address it saw to X-Forwarded-For: the last entry is the one a client cannot forge. Without one,
    the header is the client's own words and is ignored."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if settings.TRUST_X_FORWARDED_FOR else ""
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def over_limit(request, scope: str, limit: int, period: int) -> bool:
    """Count one more hit for this client and scope; True once the limit is passed within ``period`` seconds."""
    key = f"ratelimit:{scope}:{client_address(request)}"
    cache.add(key, 0, timeout=period)
    try:
        hits = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=period)
        hits = 1
    return hits > limit
