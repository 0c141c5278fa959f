from __future__ import annotations

from celery import shared_task

from . import alerts


@shared_task
def remind_negative_balances() -> int:
    """Weekly (Celery beat): each parent hears of every child whose balance is below zero."""
    return alerts.remind_negative_balances()
