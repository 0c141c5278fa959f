from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never edited: for history that only moves by new entries (money, events received)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
