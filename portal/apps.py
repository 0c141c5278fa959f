from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portail")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401
        from .roles import sync_staff_groups

        post_migrate.connect(sync_staff_groups, dispatch_uid="portal.sync_staff_groups")
