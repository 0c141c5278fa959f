"""Nothing kept shows a stale balance: a credit or a meal is on the very next page once it is committed,
whatever the cache.

The pages are kept for a family until its version changes, which every booking renews after its commit;
what they are made of (the forecast, the history's count and chart) is cached under the wallet's
``updated_at``. Run on the local-memory cache, and on the shared Redis cache with cached sessions when
``CACHE_URL`` is set.
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal as D
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.ledger import credit_payment
from billing.models import Payment, PaymentAllocation, PaymentMethod, PaymentStatus
from billing.till.models import Till
from billing.till.passages import record_passages

pytestmark = pytest.mark.django_db

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SHARED = {"default": {"BACKEND": "portal.lib.cache.SharedClientRedisCache", "LOCATION": os.environ.get("CACHE_URL")}}


@pytest.fixture(
    params=[
        pytest.param("local memory"),
        pytest.param(
            "shared", marks=pytest.mark.skipif(not os.environ.get("CACHE_URL"), reason="needs CACHE_URL (Redis)")
        ),
    ]
)
def page_cache(request, settings):
    """The cache the pages run on; the shared one with the sessions cached in it, as in production."""
    from django.core.cache import cache

    if request.param == "shared":
        settings.CACHES = SHARED
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    else:
        settings.CACHES = LOCAL_MEMORY
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    cache.clear()
    yield request.param
    cache.clear()


def credit(parent, pupil, amount: str) -> None:
    payment = Payment.objects.create(method=PaymentMethod.ONLINE, amount=D(amount), user=parent, provider="demo")
    PaymentAllocation.objects.create(payment=payment, pupil=pupil, amount=D(amount))
    credit_payment(payment, from_statuses=(PaymentStatus.CREATED,))


def meal_at_the_till(school, pupil, ref: str) -> None:
    till = Till(establishment=school, name=f"Borne {ref}")
    till.new_token()
    till.save()
    at = (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
    [result] = record_passages(till, [{"card": pupil.card_number, "at": at, "ref": ref}])
    assert result["status"] == "recorded", result


def pages(client, pupil) -> dict[str, str]:
    return {
        name: client.get(path).content.decode()
        for name, path in {
            "home": reverse("portal:home"),
            "history": reverse("billing:history", args=[pupil.pk]),
            "situation": reverse("billing:accounts"),
        }.items()
    }


def test_a_credit_then_a_meal_show_on_the_next_page(
    page_cache, client, parent, lea, school, django_capture_on_commit_callbacks
):
    committed = partial(django_capture_on_commit_callbacks, execute=True)  # what a commit runs, run here
    with committed():
        credit(parent, lea, "35.00")
    client.force_login(parent)
    for html in pages(client, lea).values():  # everything cached now: forecast, count, chart, session
        assert "35,00\u00a0€" in html
    with committed():
        credit(parent, lea, "20.00")
    shown = pages(client, lea)
    for name, html in shown.items():
        assert "55,00\u00a0€" in html, name
    assert "Soit : 15 repas" in shown["home"]
    assert "+20,00" in shown["history"]  # the new line, and the chart counts it
    with committed():
        meal_at_the_till(school, lea, "repas-1")
    shown = pages(client, lea)
    for name, html in shown.items():
        assert "51,50\u00a0€" in html, name
    assert "Soit : 14 repas" in shown["home"]
    assert "-3,50" in shown["history"]
