"""The small interface every online payment provider implements, and its errors.

A provider starts a payment (returns the URL to send the parent to) and, on the
return page, checks with the provider whether the payment went through. Its
notifications (webhooks) are handled by its own view. Crediting is always
``billing.online.payments.credit()``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from billing.models import Payment


class PaymentError(Exception):
    """Anything that stops a payment; views show ``message`` to the parent."""

    message = _("Le paiement n'a pas pu être lancé. Veuillez réessayer plus tard.")


class GatewayError(PaymentError):
    """The provider could not be reached or refused the request (network, configuration)."""


class ProviderUnavailable(PaymentError):
    """This provider is not enabled on this portal."""

    message = _("Ce moyen de paiement n'est pas disponible.")


class PaymentProvider:
    name: str = ""

    def start(self, payment: Payment, request: HttpRequest) -> str:
        """Prepare the payment at the provider and return the URL to redirect the parent to."""
        raise NotImplementedError

    def fulfil_on_return(self, payment: Payment) -> None:
        """On the return page: ask the provider whether the payment is paid, and credit it if so."""
        raise NotImplementedError
