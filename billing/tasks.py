"""Billing's Celery tasks: what a booking leaves to be done after its commit (``billing.after_booking``)."""

from __future__ import annotations

from celery import shared_task

from . import precomputed, thresholds


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
