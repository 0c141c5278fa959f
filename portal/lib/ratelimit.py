"""Small limits for public forms, per client address and per target email, kept in the Django cache
(the shared Redis cache when ``CACHE_URL`` is set, so every web worker counts together).

Thirty lines do what the forms need; a library would bring decorators and settings we do not use.
"""

from __future__ import annotations

import hashlib

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
    return _hit(f"ratelimit:{scope}:{client_address(request)}", limit, period)


def over_limit_for(scope: str, target: str, limit: int, period: int) -> bool:
    """The same, counted per target (an email typed in a form) rather than per visitor address."""
    digest = hashlib.sha256((target or "").strip().lower().encode()).hexdigest()  # no email in cache keys
    return _hit(f"ratelimit:{scope}:target:{digest}", limit, period)


def _hit(key: str, limit: int, period: int) -> bool:
    cache.add(key, 0, timeout=period)
    try:
        hits = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=period)
        hits = 1
    return hits > limit
