"""PostgreSQL as Django has it, but a connection that served a query in the last second is not pinged again.

With ``CONN_HEALTH_CHECKS``, Django checks a reused connection (``SELECT 1``) before the first query of every
request, so that a server restarted in between costs no failed page. Under load that is a round trip on
every page, 5 % of a parent page's CPU (docs/performance.md), to learn what the previous request learnt a
few milliseconds earlier. As PgBouncer does (``server_check_delay``), a connection that served a query
less than ``CHECK_DELAY`` seconds ago is taken as alive; one idle for longer is checked as before. Should the
server go away within that second, the next query fails as it would without health checks, and Django
closes the connection at the end of that request.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

CHECK_DELAY = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    used_at = float("-inf")  # time.monotonic() of the last cursor opened on this connection

    def create_cursor(self, name=None):
        self.used_at = time.monotonic()
        return super().create_cursor(name)

    def close_if_health_check_failed(self):
        busy = self.connection is not None and not self.connection.closed  # closed: psycopg2 saw it break
        if busy and time.monotonic() - self.used_at < CHECK_DELAY:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
