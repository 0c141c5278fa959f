from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Comptes et paiements")
    # Each way money moves keeps its models in its own package (billing/<way>/models.py).
    ways = ("online", "desk", "till")

    def import_models(self) -> None:
        """Register the models of ``billing.models`` and of each way's package with this app.

        Django imports an app's ``models`` module only; the ways' models import the root's
        (a cheque is a ``Payment``), so the root cannot import them back without a cycle.
        """
        super().import_models()
        for way in self.ways:
            import_module(f"{self.name}.{way}.models")

    def ready(self) -> None:
        from . import guards, signals  # noqa: F401

        guards.connect()
        from .online import receipts  # noqa: F401  (emails the receipt when an online payment is credited)
