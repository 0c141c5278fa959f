"""What a family's first visit after a booking needs, computed once the booking commits rather than when the
page is read: each child's forecast (home), its history's count and its year's chart (in every language).

Each value is cached under the release and the wallet's state: its ``updated_at``, which every booking moves
(``billing.ledger``), so that a value is never older than the wallet it was computed from; plus what else it
depends on: the school's day, the price (the forecast), the calendar of closed days (a token every change of
a closed period or a school renews, ``billing.signals``), the child's meal bookings (a token each booking
renews, ``forget_bookings``), the language (the chart).

A booking that finds no preparation due makes one (``due``): a Celery task ``PREPARE_AFTER`` seconds later
prepares every child with a family whose wallet moved meanwhile (``prepare_recent``), so that the meals of one
lunch make one preparation per child, whatever their number. A page that finds nothing computes and keeps it
the same way: what is prepared only spares the first visit that work.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from canteen.models import Pupil, with_prices_today
from portal.lib.localtime import today_at

from . import forecast, spending
from .models import LedgerEntry

CACHE_SECONDS = 24 * 3600  # a new state is a new key: this only bounds what an idle wallet keeps
PREPARE_AFTER = 30  # seconds between a booking and the preparation of its children
CALENDAR_KEY = "forecast:calendar"
DUE_KEY = "first-visits:due"


def forget_calendar() -> None:
    """A closed period or a school changed: every forecast is computed again."""
    cache.delete(CALENDAR_KEY)


def bookings_key(pupil_id: int) -> str:
    return f"forecast:bookings:{pupil_id}"


def forget_bookings(pupil_ids) -> None:
    """These children's meal bookings changed: their forecasts are computed again, once committed."""
    versions = {bookings_key(pk): uuid.uuid4().hex for pk in pupil_ids}
    transaction.on_commit(lambda: cache.set_many(versions, None), robust=True)


def wallet_key(name: str, wallet, *parts) -> str:
    return ":".join(str(part) for part in (name, settings.RELEASE, wallet.pk, wallet.updated_at.timestamp(), *parts))


def kept(computations: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Each ``computations[key]()``, read from the cache in one call; the missing ones computed and kept."""
    found = cache.get_many(list(computations))
    missing = {key: compute() for key, compute in computations.items() if key not in found}
    if missing:
        cache.set_many(missing, CACHE_SECONDS)
    return {**found, **missing}


def forecasts(pupils: list[Pupil]) -> dict[int, datetime.date | None]:
    """Each pupil's forecast (pupils loaded with their establishment and wallet, and ``price_today``:
    ``canteen.models.with_prices_today``): one cache read when all are kept, a few queries for the others.
    A forecast is kept with the calendar it was computed with, read in the same round trip."""
    keys = {p.pk: wallet_key("forecast", p.wallet, today_at(p.establishment), p.price_today) for p in pupils}
    found = cache.get_many([CALENDAR_KEY, *keys.values(), *(bookings_key(p.pk) for p in pupils)])
    calendar = found.get(CALENDAR_KEY)
    if calendar is None:
        cache.add(CALENDAR_KEY, uuid.uuid4().hex, None)
        calendar = cache.get(CALENDAR_KEY)
    result, missing = {}, []
    bookings = {p.pk: found.get(bookings_key(p.pk), "") for p in pupils}
    for p in pupils:
        kept_calendar, kept_bookings, until = found.get(keys[p.pk], (None, None, None))
        if (kept_calendar, kept_bookings) == (calendar, bookings[p.pk]):
            result[p.pk] = until
        else:
            missing.append(p)
    if missing:
        balances = {p.pk: p.wallet.balance for p in missing}
        computed = forecast.forecasts(missing, balances, {p.pk: p.price_today for p in missing})
        cache.set_many({keys[pk]: (calendar, bookings[pk], until) for pk, until in computed.items()}, CACHE_SECONDS)
        result.update(computed)
    return result


def entry_count(pupil: Pupil) -> Callable[[], int]:
    return lambda: LedgerEntry.objects.filter(wallet_id=pupil.wallet.pk).count()


def chart_key(pupil: Pupil, today: datetime.date) -> str:
    return wallet_key("spending", pupil.wallet, today, translation.get_language())


def chart(pupil: Pupil, today: datetime.date) -> Callable[[], str]:
    """The year's chart and its table, rendered in the current language: a few hundred numbers."""

    def render() -> str:
        months = spending.monthly_spending(pupil, today)
        return render_to_string("billing/_spending.html", {"spending": months, "chart": spending.chart_box()})

    return render


def due() -> bool:
    """Whether this booking makes a preparation due: the first in ``PREPARE_AFTER`` seconds does."""
    return cache.add(DUE_KEY, True, timeout=PREPARE_AFTER)


def prepare_recent() -> int:
    """Prepare every child with a family whose wallet moved in the last ``PREPARE_AFTER`` seconds and a margin
    (a child prepared twice costs the cache reads of what is kept); returns how many children were."""
    since = timezone.now() - datetime.timedelta(seconds=PREPARE_AFTER * 2)
    pupil_ids = list(
        Pupil.objects.filter(wallet__updated_at__gte=since, guardianships__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pupil_ids), 200):
        prepare(pupil_ids[start : start + 200])
    return len(pupil_ids)


def prepare(pupil_ids: list[int]) -> None:
    """Keep what the first visit of these pupils' families needs, for their wallets as they stand."""
    pupils = with_prices_today(Pupil.objects.filter(pk__in=pupil_ids).select_related("establishment", "wallet"))
    forecasts(pupils)
    computations = {}
    for pupil in pupils:
        today = today_at(pupil.establishment)
        computations[wallet_key("history-count", pupil.wallet, None)] = entry_count(pupil)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                computations[chart_key(pupil, today)] = _in_language(language, chart(pupil, today))
    kept(computations)


def _in_language(language: str, render: Callable[[], str]) -> Callable[[], str]:
    def rendered() -> str:
        with translation.override(language):
            return render()

    return rendered
