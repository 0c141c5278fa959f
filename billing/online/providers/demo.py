"""The demo provider: a page of the portal that takes no money and asks for no card data."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .base import PaymentProvider, ProviderUnavailable


def demo_enabled() -> bool:
    return bool(settings.DEMO_PAYMENTS_ENABLED)


class DemoProvider(PaymentProvider):
    name = "demo"

    def start(self, payment, request) -> str:
        if not demo_enabled():
            raise ProviderUnavailable()
        return reverse("billing:demo_pay", args=[payment.pk])

    def fulfil_on_return(self, payment) -> None:
        """Nothing to ask: the demo page marks the payment paid itself."""
