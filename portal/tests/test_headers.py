"""Security headers, caching of family pages and session lifetimes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from billing.ledger import book
from billing.models import EntryKind
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def family_urls(lea) -> list[str]:
    return [
        reverse("portal:home"),
        reverse("portal:messages"),
        reverse("portal:notifications"),
        reverse("billing:accounts"),
        reverse("billing:family"),
        reverse("billing:payments"),
        reverse("billing:history", args=[lea.pk]),
        reverse("billing:history_csv", args=[lea.pk]),
    ]


def test_every_page_has_a_strict_content_security_policy_and_a_permissions_policy(client, parent, lea, school):
    client.force_login(parent)
    for url in [*family_urls(lea), reverse("portal:login", args=[school.code]), reverse("admin:login")]:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_the_templates_hold_no_inline_script_style_or_handler():
    import re

    templates = settings.BASE_DIR / "templates"
    for path in templates.rglob("*.html"):
        if "emails" in path.parts:
            continue  # emails are read in mail clients, not under our policy
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", text), path


def test_family_pages_and_the_csv_are_never_stored_by_a_cache(client, parent, lea):
    book(lea, kind=EntryKind.CASH, amount=Decimal("10.00"), label="Espèces")
    client.force_login(parent)
    for url in family_urls(lea):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url
        assert "public" not in directives


def test_a_parent_session_ends_with_the_browser_unless_rester_connecte_is_ticked(client, parent):
    url = reverse("portal:login", args=["4388"])
    response = client.post(url, {"username": parent.email, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert client.session.get_expire_at_browser_close()
    client.logout()
    response = client.post(url, {"username": parent.email, "password": PASSWORD, "remember": "on"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    assert not client.session.get_expire_at_browser_close()


def test_the_login_page_offers_rester_connecte(client, school):
    page = client.get(reverse("portal:login", args=[school.code])).content.decode()
    assert 'name="remember"' in page and "Rester connecté" in page


def test_a_staff_session_ends_after_an_hour_without_activity(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 3600
    assert client.session.get_expiry_age() == 3600
    # Activity renews the hour; the session store forgets it an hour after the last request.
    response = client.get(reverse("admin:index"))
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == 3600
    stored = Session.objects.get(session_key=client.session.session_key)
    assert abs(stored.expire_date - (timezone.now() + timedelta(hours=1))) < timedelta(minutes=1)
