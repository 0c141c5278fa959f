"""The database is down or dropped the connection: a French 503, never a stack trace.

PostgreSQL restarting, a failover, a connection killed by an administrator or a pooler: the request in
flight gets a clear "try again" (HTML for people, JSON for the till API, Stripe and other machines,
which retry on 5xx), and the process recovers by itself: the broken connection is thrown away at the
end of the request (CONN_HEALTH_CHECKS checks it again before the next one).
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

# Database errors that mean "not now" (connection lost, server starting or stopping, lock timeout,
# deadlock, SQLite busy) rather than a bug.
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def wants_html(request) -> bool:
    return not request.path.startswith("/api/") and "text/html" in request.headers.get("Accept", "")


def database_unavailable(request) -> HttpResponse:
    if wants_html(request):
        # Rendered without the request: no context processor may touch the database that is down.
        response = HttpResponse(render_to_string("503.html"), status=503)
    else:
        message = _("Service momentanément indisponible, réessayez dans quelques instants.")
        response = JsonResponse({"error": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database outage met by a view into a 503 (last in MIDDLEWARE, so asked first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            logger.warning("Database unavailable for %s %s: %r", request.method, request.path, exception)
            return database_unavailable(request)
        return None


def server_error(request):
    """``handler500``: a database outage met outside a view (a middleware saving the session) is a 503
    too; anything else is Django's 500 page."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return database_unavailable(request)
    return defaults.server_error(request)
