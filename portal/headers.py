"""Headers and session rules every page follows.

- ``SecurityHeadersMiddleware``: a Content-Security-Policy with no inline script or style (scripts and
  styles are static files; event handlers are attached by ``static/js/portal.js``), a Permissions-Policy
  that turns off the browser features the portal never uses, and ``Cache-Control: private, no-store``
  on every response to a logged-in visitor: balances, histories, receipts and CSV files stay out of
  shared caches and of the back button of a shared computer.
- ``StaffSessionMiddleware``: a staff session ends after ``STAFF_SESSION_IDLE_SECONDS`` without activity.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.cache import patch_cache_control
from django.utils.functional import empty

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), interest-cohort=()"
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy() -> str:
    """The policy, read from settings at each request (tests point Stripe at a local fake)."""
    # Starting a payment is a form POST answered by a redirect to the hosted checkout page: browsers
    # check that redirect against form-action.
    form_action = ["'self'", "https://checkout.stripe.com"]
    if settings.STRIPE_API_BASE and _origin(settings.STRIPE_API_BASE):
        form_action.append(_origin(settings.STRIPE_API_BASE))
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap draws its checkboxes and arrows as data: SVG
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": form_action,
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy())
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = loaded_user(request)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class StaffSessionMiddleware:
    """Staff hold every family's data: their session ends after an hour without activity (a rolling expiry,
    renewed by each request). Parents' sessions follow "Rester connecté" at login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = loaded_user(request)
        if user is not None and user.is_authenticated and user.is_staff:
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return response


def loaded_user(request):
    """The visitor's user if the request has already loaded it, else None.

    These middlewares never load it themselves: a page that shows a family's data has loaded its
    user (every such view needs a login), and a middleware's query would escape the views' handling
    of a database outage (``portal.middleware``).
    """
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    return None if wrapped is None or wrapped is empty else wrapped
