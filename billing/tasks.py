"""Billing's Celery tasks: what a booking leaves to be done after its commit (``billing.after_booking``), and
the meal-booking cut-offs."""

from __future__ import annotations

import logging

from celery import shared_task

from canteen.booking import kitchen
from canteen.booking.calendar import Calendar
from canteen.models import Establishment

from . import precomputed, thresholds

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def settle_thresholds(pupil_ids: list[int]) -> int:
    """Tell the guardians of these pupils whose balance went below their threshold; safe to run twice."""
    return len(thresholds.settle(pupil_ids))


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def prepare_first_visits() -> int:
    """Keep the forecast, history count and chart of the children booked lately, for their families' next visit."""
    return precomputed.prepare_recent()


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1200, time_limit=1500)
def run_direct_debit_calendar() -> dict:
    """Each morning (Celery beat): lapsed mandates end, debits are pre-notified at their establishment's delay,
    debits sent to the bank are credited on their collection date. Safe to run twice."""
    from django.utils import timezone

    from .desk.sepa import daily

    result = daily.run(timezone.localdate())
    return {"lapsed": result.lapsed, "announced": result.announced, "credited": result.credited}


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def apply_booking_cutoffs() -> dict:
    """At each cut-off: freeze the kitchen's counts; the day after: close the day (booked meals not taken) and
    charge them where the school says so. Every step is safe to run again (see ``billing.till.bookings``)."""
    from .till.bookings import charge_not_taken  # it books through billing.ledger, which queues these tasks

    calendar = Calendar(Establishment.objects.filter(booking_settings__enabled=True))
    summary = {
        "frozen": kitchen.freeze_counts(calendar),
        "not_taken": kitchen.close_past_days(calendar),
        "charged": charge_not_taken(),
    }
    log.info("Booking cut-offs applied: %s", summary)
    return summary
