"""Unlocking a login: a superuser deletes its failed attempts ("Tentatives d'accès"), and the login's
"Historique" says who did it and when (Django's own entry is on the attempt, which is gone)."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext as _

from portal.lib.audit import record

from .models import User, normalize_email


class UnlockRecordingAdmin(AccessAttemptAdmin):
    def delete_model(self, request, obj):
        with transaction.atomic():
            record_unlock(request.user, [obj])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            record_unlock(request.user, queryset)
            super().delete_queryset(request, queryset)


def record_unlock(by: User, attempts) -> None:
    """An entry on each existing login among the attempts' (an unknown login has no history)."""
    emails = {normalize_email(attempt.username or "") for attempt in attempts} - {""}
    record(by, User.objects.filter(email__in=emails), _("Connexion débloquée : tentatives de connexion effacées."))


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, UnlockRecordingAdmin)
