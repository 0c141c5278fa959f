"""Login throttling hooks for django-axes (settings ``AXES_*``) and the lockout page.

The lockout page is the same whatever was typed: it never tells whether a login exists.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.shortcuts import render

from portal.lib.ratelimit import client_address as _client_address

from .models import normalize_email


def login_identifier(request, credentials) -> str:
    """The login a failure counts against: "Camille@Example.com " and "camille@example.com" are one login."""
    credentials = credentials or {}
    value = credentials.get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return normalize_email(str(value or ""))[:254]


def client_address(request) -> str | None:
    """The visitor's address as an IP, or None: axes stores it in an inet column (PostgreSQL refuses
    "unknown" or a forged header's text, and a 500 at login would be worse than no address)."""
    address = _client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def lockout_response(request, original_response=None, credentials=None):
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "portal/locked_out.html", {"minutes": minutes}, status=429)
