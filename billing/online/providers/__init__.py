"""Online payment providers: Stripe Checkout in production, the demo page for the embedded default."""

from __future__ import annotations

from django.conf import settings

from .base import GatewayError, PaymentError, PaymentProvider, ProviderUnavailable
from .demo import DemoProvider
from .stripe import StripeProvider

PROVIDERS: dict[str, type[PaymentProvider]] = {"demo": DemoProvider, "stripe": StripeProvider}


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider named, or the one configured by ``settings.PAYMENT_PROVIDER``."""
    try:
        return PROVIDERS[name or settings.PAYMENT_PROVIDER]()
    except KeyError:
        raise ProviderUnavailable() from None


__all__ = ["GatewayError", "PaymentError", "PaymentProvider", "ProviderUnavailable", "get_provider"]
