from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProjectConfig(AppConfig):
    """The project's own files at portal's root: the system checks, the staff groups kept in step after every
    ``migrate``, the demo data command. Labelled "project": "portal" is the family's app's label, which its
    tables, permissions and admin addresses have always carried (portal.family.apps)."""

    name = "portal"
    label = "project"
    verbose_name = "OpenSelf"

    def ready(self) -> None:
        from . import checks  # noqa: F401
        from .roles import sync_staff_groups

        post_migrate.connect(sync_staff_groups, dispatch_uid="portal.sync_staff_groups")
