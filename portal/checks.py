from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def demo_payments_refused_in_production(app_configs, **kwargs):
    """The demo provider takes no money: with DEBUG off it must be enabled on purpose."""
    if settings.PAYMENT_PROVIDER == "demo" and not settings.DEBUG and not settings.DEMO_PAYMENTS_ENABLED:
        return [
            Error(
                "The demo payment provider is refused when DEBUG is off.",
                hint="Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or DEMO_PAYMENTS_ENABLED=1 for a demonstration.",
                id="portal.E001",
            )
        ]
    if settings.PAYMENT_PROVIDER == "stripe" and not settings.STRIPE_WEBHOOK_SECRET:
        return [Error("STRIPE_WEBHOOK_SECRET is required with the Stripe provider.", id="portal.E002")]
    return []
