"""The "Journal des actions": every entry of the admin's log in one list, for superusers only.

Staff read each object's own "Historique", which shows only objects of their establishments; this list
is not scoped by establishment, so no staff group may see it, whatever permission it is given.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.lib.admin import ReadOnlyAdmin


@admin.register(LogEntry)
class ActionJournalAdmin(ReadOnlyAdmin):
    list_display = ["action_time", "user", "content_type", "changed_object", "action_flag", "message"]
    list_filter = [("user", admin.RelatedOnlyFieldListFilter), "action_flag", "content_type"]
    search_fields = ["object_repr", "change_message", "user__email"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "action_time"
    ordering = ["-action_time", "-pk"]

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "title": _("Journal des actions")})

    @admin.display(description=_("objet"))
    def changed_object(self, entry: LogEntry):
        url = entry.get_admin_url()
        return format_html('<a href="{}">{}</a>', url, entry.object_repr) if url else entry.object_repr

    @admin.display(description=_("détail"))
    def message(self, entry: LogEntry) -> str:
        return entry.get_change_message()
