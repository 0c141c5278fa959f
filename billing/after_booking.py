"""What follows a booking once it is committed: never under the wallet locks, never delaying the commit.

``follow_booking`` (called by ``billing.ledger`` in the booking's transaction) has ``booked`` run when that
transaction commits, in the process that booked; a booking rolled back is followed by nothing:

- the families of the pupils whose balance moved see it on their next page: their kept pages get a new
  version (``portal.lib.cached_pages``);
- low balances are checked (``billing.thresholds``), in the same query that found those families; a guardian
  to tell is told by a Celery task;
- what the families' first visit will need (forecast, history's count and chart) is prepared by a Celery task
  shortly after, one for all the bookings of the next half minute (``billing.precomputed``).

A failure there (a broker down: ``portal.lib.broker``) is logged and changes nothing already committed: the
pages still show the booking, a forecast is computed by the page that needs it, a low balance is found by the
child's next booking.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from portal.lib import broker, cached_pages

from . import precomputed, tasks, thresholds


def follow_booking(changes: list[tuple[int, Decimal, Decimal]]) -> None:
    """``changes``: (pupil id, balance before, balance after) of each wallet the booking moved."""
    transaction.on_commit(lambda: booked(changes), robust=True)


def booked(changes: list[tuple[int, Decimal, Decimal]]) -> None:
    balances = {pupil_id: new for pupil_id, _old, new in changes}
    guards = thresholds.guards_of(balances, balances)
    cached_pages.bump({guard.user_id for guard in guards})
    crossed = thresholds.to_settle(guards, balances)
    if crossed:
        broker.publish(tasks.settle_thresholds, (sorted(crossed),))
    if guards and precomputed.due():
        broker.publish(tasks.prepare_first_visits, (), countdown=precomputed.PREPARE_AFTER)
