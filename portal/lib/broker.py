"""Handing a Celery task to the broker from a request, never waiting for a broker that is down.

A refused connection costs about 2 s of redis-py's own retries: after a failed hand-over, requests stop asking
the broker for ``PAUSE_SECONDS`` (each process on its own), and nothing is retried here. What a task was for
must therefore survive its loss: the outbox keeps its emails for the beat task, a booking's checks are made
again by the child's next booking.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 30.0
_down_until = 0.0


def publish(task, args: tuple, *, force: bool = False, **options) -> bool:
    """``task.apply_async(args, **options)`` without retries; False, logged, when the broker is unreachable or
    was moments ago (``force``: ask it anyway, as the beat task does)."""
    global _down_until
    if not force and time.monotonic() < _down_until:
        logger.info("Task %s%r not handed over: the broker was down moments ago", task.name, args)
        return False
    try:
        task.apply_async(args, retry=False, **options)
    except Exception as exc:  # any broker failure (connection refused, timeout, auth, a transport not installed)
        _down_until = time.monotonic() + PAUSE_SECONDS
        level = logging.ERROR if isinstance(exc, ImportError) else logging.WARNING
        logger.log(level, "Task %s%r not handed over, %s", task.name, args, failure(exc))
        return False
    _down_until = 0.0
    return True


def failure(exc: BaseException) -> str:
    """What a failure to reach the broker means, for the logs and ``/readyz``. A transport that cannot even
    be imported (a module missing from the installation) is not a broker that is down: restarting Redis
    would not help, installing ``requirements.txt`` would."""
    if isinstance(exc, ImportError):
        return f"the broker's transport cannot be loaded, the installation is incomplete: {exc!r}"
    return f"the broker is unreachable: {exc!r}"


def forget_failures() -> None:
    """The broker is back (or another one is used, in tests): ask it at once."""
    global _down_until
    _down_until = 0.0


def paused() -> bool:
    return time.monotonic() < _down_until
