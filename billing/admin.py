from django.contrib import admin

from .models import LedgerEntry, Payment, PaymentAllocation, StripeEvent, Wallet


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


from . import admin_cashier  # noqa: E402,F401  the cash desk (cheques, corrections, slips, debits)
