"""A family's pages kept as rendered until anything the family sees on them changes.

The pages a family comes back to (home, a child's history, "Situation de mes comptes", "Mes paiements") keep
their content in the shared cache under the release (``settings.RELEASE``: new code, templates or
translations start afresh), the login, the language, the address asked for, and the family's version: a
token replaced after the commit of every change that shows on the family's pages (``bump``: a booking on a
child's wallet, a payment, a child, a school or a tariff edited…). No key lists what a page shows: a page is
kept until anything of its family changes, at most until midnight at its schools and 15 minutes.

The version is read in the same round trip as the page and before anything the page is made from: a page
computed from data older than a bump is kept under the old version, which is never served again.

What is kept is the page's content, rendered without the request: the header, the navigation, the flash
messages and the CSRF token are each request's (a form keeps a marker where its token goes).

Pages are kept only in a cache every web process shares (``KEEP_FAMILY_PAGES``, set with ``CACHE_URL``): a
bump made by one process must be seen by all.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.safestring import mark_safe
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
    content_template: str,
    context: Callable[[], dict],
    *,
    keep: Callable[[dict], bool] = lambda values: True,
) -> HttpResponse:
    """``template_name`` (a page of base.html whose content block shows ``{{ content }}``) around
    ``content_template`` rendered with ``context()``, kept for this family until its version changes.

    ``context()`` may give the page's ``title`` (plain text) and the ``schools`` it shows (the page is kept
    until midnight at them at most); ``keep(values)`` may refuse to keep a page (one asked for by an
    address no link writes), so that the cache holds what the pages link to, not whatever a visitor types.
    """
    user_id = request.user.pk
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    key = f"page:{settings.RELEASE}:{user_id}:{get_language()}:{address}"
    found = cache.get_many([version_key(user_id), key]) if settings.KEEP_FAMILY_PAGES else {}
    version, kept = found.get(version_key(user_id)), found.get(key)
    if kept is not None and version is not None and kept[0] == version:
        title, html = kept[1], kept[2]
    else:
        if version is None and settings.KEEP_FAMILY_PAGES:
            version = _first_version(user_id)  # before anything the page reads
        values = context()
        title = values.get("title", "")
        html = render_to_string(content_template, {**values, "csrf_token": _csrf_marker()})
        if settings.KEEP_FAMILY_PAGES and keep(values):
            cache.set(key, (version, title, html), _seconds_kept(values.get("schools", ())))
    html = html.replace(_csrf_marker(), escape(get_token(request)))
    return render(request, template_name, {"title": title, "content": mark_safe(html)})


def _first_version(user_id: int) -> str:
    """The family's version, made now if it has none yet (or the cache forgot it)."""
    cache.add(version_key(user_id), uuid.uuid4().hex, timeout=None)
    return cache.get(version_key(user_id))


def _seconds_kept(schools) -> int:
    """``SECONDS``, or less when a school's day ends sooner: the price and the forecast are a day's."""
    now = timezone.now()
    ends = [midnight(today_at(school) + datetime.timedelta(days=1), school) for school in schools]
    return max(1, min([SECONDS, *(int((end - now).total_seconds()) for end in ends)]))
