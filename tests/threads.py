"""Functions run in threads released at the same moment: what the tests of concurrency (row locks, unique
references, SQLite's busy waits) have in common."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(*calls: Callable[[], object], timeout: float = 120) -> list:
    """Run each call in its own thread, all released together; return their results in order. The first error
    a thread raised is raised here (it would otherwise be lost with its thread). Each thread closes its database
    connections when it ends, as a request does."""
    from django.db import connections

    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(position: int, call: Callable[[], object]) -> None:
        try:
            start.wait()
            results[position] = call()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(position, call)) for position, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]
    return results
