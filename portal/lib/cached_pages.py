"""A page's own blocks kept in the shared cache under the data they show, for the pages a family comes back to.

``render_cached(request, template_name, key, context)`` serves the blocks of ``template_name`` (its title,
its content) as rendered before for the same ``key``, and calls ``context()`` to render them only when they
are not kept. The shell around them, the flash messages and the CSRF token are this request's
(portal.lib.shell).

``key`` must name everything the blocks show. The pages give the state of the wallets they show (their
balance and ``updated_at``, which every booking moves), so a credit or a meal makes a new key: what is
served is never older than the database. ``versions`` are cache keys whose values the blocks also depend
on (the calendar of closed days behind a forecast): read in the same round trip, a new value is a miss.
``keep(context)`` may refuse to keep a page (one asked for by a URL that no link writes), so that the cache
holds what the pages link to, not whatever a visitor types.

Blocks are kept per user, language and release (the template's source); a form's CSRF token in them is
kept as a marker, each request's own token put in its place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import get_template
from django.utils.translation import get_language

from .shell import CSRF

SECONDS = 15 * 60  # a family's visit, its reloads and back buttons; a booking makes a new key anyway


def wallet_state(wallet) -> tuple:
    """A wallet in a key: every booking moves its ``updated_at`` (billing.ledger, the one road)."""
    return (wallet.pk, wallet.balance, wallet.updated_at)


def render_cached(
    request,
    template_name: str,
    key: tuple,
    context: Callable[[], dict],
    *,
    versions: tuple[str, ...] = (),
    keep: Callable[[dict], bool] = lambda context: True,
) -> HttpResponse:
    template = get_template(template_name)  # a page of base.html (portal.lib.shell)
    name = (template_name, template.version, request.user.pk, get_language(), key)
    cache_key = "page:" + hashlib.sha256(repr(name).encode()).hexdigest()
    found = cache.get_many([*versions, cache_key])
    kept = found.get(cache_key)
    current = tuple(found.get(version) for version in versions)
    if kept is not None and kept[0] == current and None not in current:
        html, _ = template.render_page({}, request, kept[1])
        return HttpResponse(html)
    values = context()
    html, blocks = template.render_page({**values, "csrf_token": CSRF}, request)
    if not keep(values):
        return HttpResponse(html)
    if None in current:  # a version missing when read: as ``context()`` has set it since
        current = tuple(cache.get_many(list(versions)).get(version) for version in versions)
    cache.set(cache_key, (current, blocks), SECONDS)
    return HttpResponse(html)
