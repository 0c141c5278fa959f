"""The references that make each booking happen at most once (``LedgerEntry.reference`` is unique).

Every reference is built here, so that a source's reference is the same whichever road
books it: a webhook and the return page crediting one payment, a till resending a batch,
a form sent twice.
"""

from __future__ import annotations


def payment_credit(payment_id: int, pupil_id: int) -> str:
    """A payment's part for one pupil."""
    return f"payment:{payment_id}:credit:{pupil_id}"


def payment_reversal(payment_id: int, why: str, pupil_id: int) -> str:
    """A payment's part taken back: ``why`` is "cancel" (recorded in error) or "rejected" (an unpaid debit)."""
    return f"payment:{payment_id}:{why}:{pupil_id}"


def payment_refund(payment_id: int, total_refunded: object, pupil_id: int) -> str:
    """A refund by the provider, keyed by its running total so that repeated notices book nothing twice."""
    return f"payment:{payment_id}:refund:{total_refunded}:{pupil_id}"


def till_passage(till_id: int, ref: str) -> str:
    """A meal taken at a till, identified by the till and the till's own reference."""
    return f"till:{till_id}:{ref}"


def desk_form(kind: str, token: str, leg: str = "") -> str:
    """A correction, a refund or a transfer recorded from a one-time desk form (``leg``: "in"/"out")."""
    return f"{kind}:{token}:{leg}" if leg else f"{kind}:{token}"


def booking_not_taken(booking_id: int) -> str:
    """A booked meal not taken, charged the day after (``billing.till.bookings``)."""
    return f"booking:{booking_id}:not-taken"


def booking_not_taken_undone(booking_id: int) -> str:
    """That charge taken back: the till sent the meal later (a till that was offline)."""
    return f"booking:{booking_id}:not-taken:undone"
