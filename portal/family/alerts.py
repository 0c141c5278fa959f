"""Low-balance alerts: one email and one notification when a child's balance falls below the parent's
threshold, the next only after the balance went back above; and the weekly reminder of negative balances."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from billing.forecast import forecast_for
from billing.models import LowBalanceAlert
from canteen.models import AlertSettings, Guardianship, PriceList, Pupil, alert_threshold
from portal.lib.emails import queue_email

from .models import Notification, NotificationKind


def balances_moved(changes: list[tuple[int, Decimal, Decimal]]) -> None:
    """Receiver of billing's ``balances_changed``: runs in the booking's transaction, the wallets locked,
    so two bookings of one child are seen one after the other and a crossing is seen once."""
    news = {pupil_id: new for pupil_id, old, new in changes}
    fell = {pupil_id for pupil_id, old, new in changes if new < old}
    rose = {pupil_id for pupil_id, old, new in changes if new > old}
    if rose:
        _rearm(rose, news)
    if fell:
        _alert(fell, news)


def _thresholds(pupil_ids) -> list[tuple[int, int, Decimal | None, Decimal | None]]:
    """(user id, pupil id, threshold, meal price) for every guardian of these pupils, in three light
    queries of plain values: this runs inside every till batch, where model instances would cost more
    than the booking itself."""
    links = list(
        Guardianship.objects.filter(pupil_id__in=pupil_ids).values_list(
            "user_id", "pupil_id", "pupil__establishment_id", "pupil__category"
        )
    )
    if not links:
        return []
    prices = PriceList({establishment_id for _u, _p, establishment_id, _c in links})
    today = timezone.localdate()
    rows = {
        row.user_id: row
        for row in AlertSettings.objects.filter(user_id__in={user_id for user_id, *_ in links}).only(
            "user_id", "enabled", "threshold"
        )
    }
    result = []
    for user_id, pupil_id, establishment_id, category in links:
        price = prices.price(establishment_id, category, today)
        row = rows.get(user_id)
        enabled, threshold = (row.enabled, row.threshold) if row else (True, None)
        result.append((user_id, pupil_id, alert_threshold(enabled, threshold, price), price))
    return result


def _rearm(pupil_ids: set[int], news: dict) -> None:
    below = LowBalanceAlert.objects.filter(pupil_id__in=pupil_ids, below=True).values_list("pk", "user_id", "pupil_id")
    below = {(user_id, pupil_id): pk for pk, user_id, pupil_id in below}
    if not below:
        return
    back_above = [
        below[(user_id, pupil_id)]
        for user_id, pupil_id, threshold, _price in _thresholds({pupil_id for _user, pupil_id in below})
        if (user_id, pupil_id) in below and (threshold is None or news[pupil_id] >= threshold)
    ]
    LowBalanceAlert.objects.filter(pk__in=back_above).update(below=False, changed_at=timezone.now())


def _alert(pupil_ids: set[int], news: dict) -> None:
    for user_id, pupil_id, threshold, price in _thresholds(pupil_ids):
        new = news[pupil_id]
        if threshold is None or new >= threshold:
            continue
        alert, _created = LowBalanceAlert.objects.get_or_create(user_id=user_id, pupil_id=pupil_id)
        # Conditional update: only the booking that moves the row from above to below alerts.
        if not LowBalanceAlert.objects.filter(pk=alert.pk, below=False).update(below=True, changed_at=timezone.now()):
            continue
        link = Guardianship.objects.select_related("user", "pupil__establishment").get(
            user_id=user_id, pupil_id=pupil_id
        )
        send_low_balance(link.user, link.pupil, new, price)


def send_low_balance(user, pupil: Pupil, balance: Decimal, price: Decimal | None) -> None:
    link = reverse("billing:accounts")
    Notification.objects.create(
        user=user,
        kind=NotificationKind.LOW_BALANCE,
        params={"pupil": pupil.first_name, "balance": str(balance)},
        link=link,
    )
    until = forecast_for(pupil, balance, price)
    queue_email("low-balance", user.email, _alert_context(pupil, balance, until, link))


def _alert_context(pupil: Pupil, balance: Decimal, until, link: str) -> dict:
    return {
        "pupil": {"first_name": pupil.first_name, "last_name": pupil.last_name},
        "establishment": {"name": pupil.establishment.name},
        "balance": balance,
        "until": date_format(until, "l d/m") if until else "",
        "accounts_url": settings.SITE_URL + link,
    }


def remind_negative_balances() -> int:
    """Email each parent (alerts not turned off) once per child whose balance is below zero; returns the count."""
    off = AlertSettings.objects.filter(enabled=False).values("user_id")
    links = (
        Guardianship.objects.filter(pupil__wallet__balance__lt=0)
        .exclude(user_id__in=off)
        .select_related("pupil__establishment", "pupil__wallet", "user")
        .order_by("pk")
    )
    count = 0
    for link in links.iterator(chunk_size=500):
        pupil = link.pupil
        queue_email(
            "negative-balance",
            link.user.email,
            _alert_context(pupil, pupil.wallet.balance, None, reverse("billing:accounts")),
        )
        count += 1
    return count
