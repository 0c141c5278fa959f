from django.contrib import admin

from portal.lib.admin_base import ReadOnlyAdmin

from .models import StripeEvent


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """The provider's raw events span every establishment and carry no establishment of their own:
    superusers only (staff follow their payments on the scoped payment pages)."""

    list_display = ["received_at", "type", "event_id"]
    list_filter = ["type"]
    search_fields = ["event_id"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
