"""Low-balance alerts, as the family hears them: a notification and an email each time billing says a child's
balance went below a guardian's threshold (``billing.thresholds``, once per crossing); and the weekly reminder
of negative balances."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format

from accounts.models import User
from billing.forecast import forecasts
from billing.thresholds import LowBalance
from canteen.models import AlertSettings, Guardianship, Pupil, with_prices_today
from portal.lib.emails import queue_email

from .models import Notification, NotificationKind
from .notifications import notify


def notify_low_balances(alerts: list[LowBalance]) -> None:
    """One notification and one email per alert, in the caller's transaction, in a few queries whatever their
    number; the email says until when the balance lasts at the child's pace."""
    users = User.objects.in_bulk({alert.user_id for alert in alerts})
    pupils = {
        p.pk: p
        for p in with_prices_today(
            Pupil.objects.filter(pk__in={a.pupil_id for a in alerts}).select_related("establishment")
        )
    }
    balances = {alert.pupil_id: alert.balance for alert in alerts}
    until = forecasts(pupils.values(), balances, {pk: p.price_today for pk, p in pupils.items()})
    link = reverse("billing:accounts")
    notify(
        Notification(
            user_id=alert.user_id,
            kind=NotificationKind.LOW_BALANCE,
            params={"pupil": pupils[alert.pupil_id].first_name, "balance": str(alert.balance)},
            link=link,
        )
        for alert in alerts
    )
    for alert in alerts:
        pupil = pupils[alert.pupil_id]
        queue_email(
            "low-balance",
            users[alert.user_id].email,
            _alert_context(pupil, alert.balance, until[pupil.pk], link),
            reply_to=[pupil.establishment.contact_email],
            sender_name=pupil.establishment.name,
        )


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
            reply_to=[pupil.establishment.contact_email],
            sender_name=pupil.establishment.name,
        )
        count += 1
    return count
