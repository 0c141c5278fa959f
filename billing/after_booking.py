"""What follows a booking once it is committed: never under the wallet locks, never delaying the commit.

``follow_booking`` (called by ``billing.ledger`` in the booking's transaction) has ``booked`` run when that
transaction commits, in the process that booked; a booking rolled back is followed by nothing:

- low balances are checked (``billing.thresholds``): one query; a guardian to tell is told by a Celery task.

A failure there (a broker down) is logged and changes nothing already committed.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django.db import transaction

from . import tasks, thresholds


def follow_booking(changes: list[tuple[int, Decimal, Decimal]]) -> None:
    """``changes``: (pupil id, balance before, balance after) of each wallet the booking moved."""
    transaction.on_commit(partial(booked, changes), robust=True)


def booked(changes: list[tuple[int, Decimal, Decimal]]) -> None:
    balances = {pupil_id: new for pupil_id, _old, new in changes}
    guards = thresholds.guards_of(balances)
    crossed = thresholds.to_settle(guards, balances)
    if crossed:
        tasks.settle_thresholds.delay(sorted(crossed))
