"""The ledger and payments in the admin: shown, never edited (money moves only through billing.ledger)."""

from django.contrib import admin

from canteen.admin_scope import EstablishmentScoped
from portal.lib.admin_base import ReadOnlyAdmin

# Each way money moves registers its own admin pages.
from .desk import admin as desk_admin  # noqa: F401
from .models import LedgerEntry, Payment, PaymentAllocation, Wallet
from .online import admin as online_admin  # noqa: F401
from .till import admin as till_admin


@admin.register(Wallet)
class WalletAdmin(EstablishmentScoped, ReadOnlyAdmin):
    establishment_lookup = "pupil__establishment"
    list_display = ["pupil", "balance", "updated_at"]
    ordering = ["pupil__last_name", "pupil__first_name", "pk"]  # a stable order for the list and the autocomplete
    search_fields = ["pupil__last_name", "pupil__first_name", "pupil__card_number"]
    list_select_related = ["pupil"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(EstablishmentScoped, ReadOnlyAdmin):
    establishment_lookup = "wallet__pupil__establishment"
    list_display = ["occurred_at", "wallet", "kind", "label", "amount", "recorded_by"]
    list_filter = ["kind", till_admin.TillFilter]
    search_fields = ["wallet__pupil__last_name", "wallet__pupil__card_number", "label", "reference"]
    list_select_related = ["wallet__pupil", "recorded_by"]
    date_hierarchy = "occurred_at"


class PaymentAllocationInline(EstablishmentScoped, admin.TabularInline):
    establishment_lookup = "pupil__establishment"
    model = PaymentAllocation
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(EstablishmentScoped, ReadOnlyAdmin):
    establishment_lookup = "allocations__pupil__establishment"
    establishment_lookup_is_multiple = True
    list_display = ["order_number", "created_at", "method", "status", "amount", "user", "payer_name"]
    list_filter = ["method", "status"]
    search_fields = ["user__email", "payer_name", "provider_id"]
    inlines = [PaymentAllocationInline]
