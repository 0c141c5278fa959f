from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CanteenConfig(AppConfig):
    name = "canteen"
    verbose_name = _("Restauration scolaire")

    def import_models(self) -> None:
        """Register the models of ``canteen.models`` and of meal booking (``canteen.booking.models``)."""
        super().import_models()
        import_module(f"{self.name}.booking.models")

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .booking import signals as booking_signals  # noqa: F401
