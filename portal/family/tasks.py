from __future__ import annotations

import logging

from celery import shared_task

from . import alerts, quotient, reminders

logger = logging.getLogger(__name__)


@shared_task
def remind_negative_balances() -> int:
    """Weekly (Celery beat): each parent hears of every child whose balance is below zero."""
    return alerts.remind_negative_balances()


@shared_task
def remind_expiring_quotients() -> int:
    """Daily (Celery beat): families whose quotient familial expires within a month hear it, once each."""
    count = quotient.remind_expiring_quotients()
    logger.info("Quotient familial expiry reminders sent: %d", count)
    return count


@shared_task
def remind_unbooked_meals() -> int:
    """Each evening (Celery beat): the guardians of children who usually eat and booked nothing for the days
    closing within a day hear of it, once."""
    return reminders.remind_unbooked()
