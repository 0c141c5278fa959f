"""Billing's Celery tasks: what a booking leaves to be done after its commit (``billing.after_booking``)."""

from __future__ import annotations

import datetime

from celery import shared_task

from . import precomputed, thresholds


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def settle_thresholds(pupil_ids: list[int]) -> int:
    """Tell the guardians of these pupils whose balance went below their threshold; safe to run twice."""
    return len(thresholds.settle(pupil_ids))


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150)
def prepare_first_visits(pupil_ids: list[int], booked_at: str) -> int:
    """Keep the forecast, history count and chart of these pupils for their families' next visit
    (``booked_at``: the ISO time of the booking whose wallets to prepare)."""
    return precomputed.prepare(pupil_ids, datetime.datetime.fromisoformat(booked_at))
