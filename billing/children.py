"""A parent's children as the home page and "Situation de mes comptes" show them: school, wallet and the
meal price in force today, in one query compiled once per process (portal.lib.prepared)."""

from __future__ import annotations

import datetime

from canteen.models import Pupil
from portal.lib.prepared import Prepared

children_with_wallets = Prepared(
    "children_with_wallets",
    lambda user_id, today: (
        Pupil.objects.filter(guardianships__user_id=user_id)
        .select_related("establishment", "wallet")
        .with_price_today(today)
        .order_by("first_name", "last_name")
    ),
    user_id=-7_340_025,
    today=datetime.date(1901, 2, 3),
)
