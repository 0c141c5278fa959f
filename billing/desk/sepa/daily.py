"""The direct debits' day, run each morning by Celery beat: every step idempotent, so a run missed, repeated or
retried does the right thing once."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from .. import operations
from .mandates import lapse_unused

log = logging.getLogger(__name__)


@dataclass
class DayRun:
    lapsed: int
    announced: int
    credited: int


def run(today: datetime.date) -> DayRun:
    """Lapse mandates unused for 36 months, pre-notify the debits whose delay is reached, credit those sent to
    the bank whose collection date has come."""
    lapsed = lapse_unused(today)
    announced = operations.prenotify(operations.due_prenotifications(today), today=today)
    credited = operations.credit_collected(today)
    log.info("direct debits on %s: %s mandates lapsed, %s announced, %s credited", today, lapsed, announced, credited)
    return DayRun(lapsed, announced, credited)
