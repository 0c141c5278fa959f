from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import LedgerEntry, Payment, PaymentAllocation, StripeEvent, Till, Wallet


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money history is shown, never edited: changes are new entries booked by billing.ledger."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["pupil", "balance", "updated_at"]
    search_fields = ["pupil__last_name", "pupil__first_name", "pupil__card_number"]
    list_select_related = ["pupil"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "wallet", "kind", "label", "amount", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["wallet__pupil__last_name", "wallet__pupil__card_number", "label", "reference"]
    list_select_related = ["wallet__pupil", "recorded_by"]
    date_hierarchy = "occurred_at"


class PaymentAllocationInline(admin.TabularInline):
    model = PaymentAllocation
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["order_number", "created_at", "method", "status", "amount", "user", "payer_name"]
    list_filter = ["method", "status"]
    search_fields = ["user__email", "payer_name", "provider_id"]
    inlines = [PaymentAllocationInline]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "type", "event_id"]
    list_filter = ["type"]
    search_fields = ["event_id"]


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


from . import admin_cashier  # noqa: E402,F401  the cash desk (cheques, corrections, slips, debits)
