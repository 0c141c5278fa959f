from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibConfig(AppConfig):
    """The shared floor is an app for its few rows (the outbox, failed tasks) and its template tags."""

    name = "portal.lib"
    label = "lib"
    verbose_name = _("Exploitation")
