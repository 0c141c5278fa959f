"""How many whole meals a balance covers ("Soit : 5 repas") and the price in force for many pupils at once."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from canteen.models import Pupil, Tariff


def meals_covered(balance: Decimal, price: Decimal | None) -> int:
    """Whole meals the balance pays for at ``price``; 0 for a negative balance or an unknown or free meal."""
    if price is None or price <= 0 or balance <= 0:
        return 0
    return int(balance // price)


def current_prices(pupils: Iterable[Pupil], on: datetime.date | None = None) -> dict[int, Decimal | None]:
    """Each pupil's meal price in force on ``on`` (today), keyed by pupil id, in one query whatever the count."""
    pupils = list(pupils)
    on = on or timezone.localdate()
    latest: dict[tuple[int, str], Decimal] = {}
    tariffs = (
        Tariff.objects.filter(establishment_id__in={p.establishment_id for p in pupils}, valid_from__lte=on)
        .order_by("establishment_id", "category", "-valid_from")
        .values_list("establishment_id", "category", "price")
    )
    for establishment_id, category, price in tariffs:
        latest.setdefault((establishment_id, category), price)
    return {p.pk: latest.get((p.establishment_id, p.category)) for p in pupils}
