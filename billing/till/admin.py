from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Till


@admin.register(Till)
class TillAdmin(admin.ModelAdmin):
    """A new till's token is shown once, in the confirmation message; only its hash is stored."""

    list_display = ["name", "establishment", "created_at", "revoked_at"]
    list_filter = ["establishment"]
    readonly_fields = ["created_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        token = None if change else obj.new_token()
        super().save_model(request, obj, form, change)
        if token:
            messages.warning(
                request,
                _("Jeton de la borne « %(name)s », à copier maintenant (il ne sera plus affiché) : %(token)s")
                % {"name": obj.name, "token": token},
            )

    @admin.action(description=_("Révoquer les bornes sélectionnées"))
    def revoke(self, request, queryset):
        for till in queryset.filter(revoked_at=None):
            till.revoke()
