from __future__ import annotations

import time

from django.core.cache import cache

from canteen.models import Establishment

SESSION_KEY = "establishment_code"
# The school of a portal URL, shared by all its families (no family data): cached, forgotten when it is saved
# (portal.family.receivers); the timeout bounds what a per-process cache (no CACHE_URL) may show after an edit.
CACHE_SECONDS = 300
# Each process also keeps it for a few seconds, sparing every page a cache round trip: another process
# shows a school's new name or logo that much later.
PROCESS_SECONDS = 30
_held: dict[str, tuple[float, Establishment]] = {}  # code -> (until, school)


def cache_key(code: str) -> str:
    return f"establishment:{code}"


def establishment_by_code(code: str) -> Establishment | None:
    now = time.monotonic()
    held = _held.get(code)
    if held is not None and held[0] > now:
        return held[1]
    found = cache.get(cache_key(code))
    if found is None:
        found = Establishment.objects.filter(code=code).first()
        if found is not None:
            cache.set(cache_key(code), found, CACHE_SECONDS)
    if found is not None:
        _held[code] = (now + PROCESS_SECONDS, found)
    return found


def forget_establishment(code: str) -> None:
    _held.pop(code, None)
    cache.delete(cache_key(code))


def forget_held_schools() -> None:
    """What this process holds, for tests that create a school under a code another test used."""
    _held.clear()


def first_childs_school(user) -> Establishment | None:
    """The school of a parent logged in by a link (activation, reset: no school code in the session), kept
    for the next pages like the school of a portal code."""
    key = f"establishment-of-user:{user.pk}"
    found = cache.get(key)
    if found is None:
        found = Establishment.objects.filter(pupils__guardianships__user=user).order_by("name").first()
        if found is not None:
            cache.set(key, found, CACHE_SECONDS)
    return found


def current_establishment(request) -> Establishment | None:
    """The school whose portal the visitor is on: from the URL, the session, or the parent's first child."""
    if hasattr(request, "_establishment"):
        return request._establishment
    found = None
    match = getattr(request, "resolver_match", None)
    code = (match.kwargs.get("code") if match else None) or request.session.get(SESSION_KEY)
    if code:
        found = establishment_by_code(code)
    user = getattr(request, "user", None)
    if found is None and user is not None and user.is_authenticated:
        found = first_childs_school(user)
    request._establishment = found
    return found
