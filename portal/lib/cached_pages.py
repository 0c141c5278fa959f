"""A family's pages kept as rendered until anything the family sees on them changes.

The pages a family comes back to (home, a child's history, "Situation de mes comptes", "Mes paiements") are
kept in the shared cache under the release (``settings.RELEASE``: new code, templates or translations start
afresh), the login, the language, the address asked for, what the session holds (the school chosen at
login, shown in the header), and the family's version: a token replaced after the commit of every change
that shows on the family's pages (``bump``: a booking on a child's wallet, a payment, a notification, a
child, a school or a tariff edited…). No key lists what a page shows: a page is kept until anything of its
family changes, at most until midnight at its schools and 15 minutes.

The version is read in the same round trip as the page and before anything the page is made from: a page
computed from data older than a bump is kept under the old version, which is never served again.

The whole page is kept, its forms holding a marker where each request's CSRF token goes; a request with
flash messages to show gets its page rendered anew, and that one is not kept.

Pages are kept only in a cache every web process shares (``KEEP_FAMILY_PAGES``, set with ``CACHE_URL``): a
bump made by one process must be seen by all.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.translation import get_language

from .localtime import midnight, today_at

SECONDS = 15 * 60  # a family's visit, its reloads and back buttons


def version_key(user_id: int) -> str:
    return f"family:{user_id}:version"


def bump(user_ids: Iterable[int | None]) -> None:
    """Every page kept for these families is stale once the current transaction commits (at once outside one)."""
    families = {user_id for user_id in user_ids if user_id is not None}
    if families:
        transaction.on_commit(lambda: _renew(families), robust=True)


def _renew(families: set[int]) -> None:
    cache.set_many({version_key(user_id): uuid.uuid4().hex for user_id in families}, timeout=None)


def _csrf_marker() -> str:
    """Where a kept form's token goes: derived from the secret key, so no visitor can type it in a page."""
    return "csrf-" + salted_hmac("portal.lib.cached_pages", "csrf-marker").hexdigest()


def render_kept(
    request,
    template_name: str,
    context: Callable[[], dict],
    *,
    keep: Callable[[dict], bool] = lambda values: True,
) -> HttpResponse:
    """``template_name`` rendered with ``context()``, kept for this family until its version changes.

    ``context()`` may name the ``schools`` the page shows (it is kept until midnight at them at most) and the
    moment ``until`` which it changes by itself (the next booking cut-off);
    ``keep(values)`` may refuse to keep a page (one asked for by an address no link writes), so that the
    cache holds what the pages link to, not whatever a visitor types.
    """
    if not settings.KEEP_FAMILY_PAGES or len(get_messages(request)):
        return render(request, template_name, context())
    key, family = _page_key(request), version_key(request.user.pk)
    found = cache.get_many([family, key])
    version, kept = found.get(family), found.get(key)
    if kept is not None and version is not None and kept[0] == version:
        html = kept[1]
    else:
        version = version or _first_version(request.user.pk)  # before anything the page reads
        values = context()
        html = render_to_string(template_name, {**values, "csrf_token": _csrf_marker()}, request)
        if keep(values):
            cache.set(key, (version, html), _seconds_kept(values.get("schools", ()), values.get("until")))
    return HttpResponse(html.replace(_csrf_marker(), escape(get_token(request))))


def _page_key(request) -> str:
    """The release, the login, the language, the address, and what the session holds beyond the login."""
    shown = [request.get_full_path(), *sorted((k, repr(v)) for k, v in request.session.items() if k[0] != "_")]
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:32]
    return f"page:{settings.RELEASE}:{request.user.pk}:{get_language()}:{digest}"


def _first_version(user_id: int) -> str:
    """The family's version, made now if it has none yet (or the cache forgot it)."""
    cache.add(version_key(user_id), uuid.uuid4().hex, timeout=None)
    return cache.get(version_key(user_id))


def _seconds_kept(schools, until: datetime.datetime | None = None) -> int:
    """``SECONDS``, or less when a school's day ends sooner (the price and the forecast are a day's), or when the
    page changes by itself at ``until``."""
    now = timezone.now()
    ends = [midnight(today_at(school) + datetime.timedelta(days=1), school) for school in schools]
    ends += [until] if until is not None else []
    return max(1, min([SECONDS, *(int((end - now).total_seconds()) for end in ends)]))
