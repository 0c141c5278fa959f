from __future__ import annotations

from celery import shared_task

from . import alerts, reminders


@shared_task
def remind_negative_balances() -> int:
    """Weekly (Celery beat): each parent hears of every child whose balance is below zero."""
    return alerts.remind_negative_balances()


@shared_task
def remind_unbooked_meals() -> int:
    """Each evening (Celery beat): the guardians of children who usually eat and booked nothing for the days
    closing within a day hear of it, once."""
    return reminders.remind_unbooked()
