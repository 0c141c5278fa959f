"""A parent's children as the home page and "Situation de mes comptes" show them: school, wallet and the meal
price in force today at the school (by quotient familial where a grid says so), in a few queries whatever their
number."""

from __future__ import annotations

from canteen.models import Pupil, with_prices_today


def children_with_wallets(user_id: int) -> list[Pupil]:
    return with_prices_today(
        Pupil.objects.filter(guardianships__user_id=user_id)
        .select_related("establishment", "wallet")
        .order_by("first_name", "last_name")
    )
