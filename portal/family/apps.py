from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamilyConfig(AppConfig):
    """The parent-facing app. Its label stays "portal", as when these pages were the portal's own: the tables
    (portal_messagethread…), the staff permissions (portal.change_messagethread), the admin addresses in
    emails already sent and the migrations' history all keep their names."""

    name = "portal.family"
    label = "portal"
    verbose_name = _("Portail")

    def ready(self) -> None:
        from . import receivers  # noqa: F401
