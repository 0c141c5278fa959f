from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CanteenConfig(AppConfig):
    name = "canteen"
    verbose_name = _("Restauration scolaire")

    def ready(self) -> None:
        from . import signals  # noqa: F401
