from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class LibConfig(AppConfig):
    """The shared floor is an app for its few rows (the outbox, failed tasks) and its template tags."""

    name = "portal.lib"
    label = "lib"
    verbose_name = _("Exploitation")

    def ready(self) -> None:
        # Each app's privacy.py registers its personal fields, retention rules and anonymisers
        # (portal.lib.personal_data): imported here, once every model is loaded, as the admin finds admin.py.
        autodiscover_modules("privacy")


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose ``admin.site`` is the French ``OpenSelfAdminSite``."""

    default = False  # named by its path in INSTALLED_APPS
    default_site = "portal.lib.admin_site.OpenSelfAdminSite"
