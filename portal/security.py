"""Login throttling hooks for django-axes (settings ``AXES_*``) and the lockout page.

The lockout page is the same whatever was typed: it never tells whether a login exists.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from accounts.models import normalize_email
from accounts.ratelimit import client_address as _client_address


def login_identifier(request, credentials) -> str:
    """The login a failure counts against: "Camille@Example.com " and "camille@example.com" are one login."""
    credentials = credentials or {}
    value = credentials.get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return normalize_email(str(value or ""))[:254]


def client_address(request) -> str:
    return _client_address(request)


def lockout_response(request, original_response=None, credentials=None):
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "portal/locked_out.html", {"minutes": minutes}, status=429)
