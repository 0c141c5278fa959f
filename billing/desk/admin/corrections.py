"""Corrections: an amount and a mandatory reason, booked as a new ledger entry."""

from __future__ import annotations

from django.contrib import admin

from billing.models import EntryKind, Wallet
from canteen.admin_scope import EstablishmentScoped, staff_establishments
from portal.lib.admin_base import AddOnlyAdmin

from .. import operations
from ..forms import CorrectionForm
from ..models import Correction


@admin.register(Correction)
class CorrectionAdmin(EstablishmentScoped, AddOnlyAdmin):
    """A correction: an amount and a mandatory reason, booked as a new entry."""

    establishment_lookup = "wallet__pupil__establishment"
    form = CorrectionForm
    autocomplete_fields = ["wallet"]
    list_display = ["occurred_at", "wallet", "amount", "note", "recorded_by"]
    list_select_related = ["wallet__pupil", "recorded_by"]
    search_fields = ["wallet__pupil__last_name", "wallet__pupil__card_number", "note"]
    add_fields = ["wallet", "amount", "note", "token"]
    view_fields = ["occurred_at", "wallet", "amount", "balance_after", "note", "recorded_by", "recorded_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=EntryKind.CORRECTION)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "wallet":  # only the staff member's establishments' pupils can be corrected
            kwargs["queryset"] = Wallet.objects.filter(pupil__establishment__in=staff_establishments(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        booking = operations.book_correction(
            data["wallet"].pupil,
            amount=data["amount"],
            reason=data["note"],
            token=str(data["token"]),
            user=request.user,
        )
        obj.pk = booking.entry.pk
        obj._state.adding = False
        obj.booked_now = booking.created

    def save_related(self, request, form, formsets, change):
        pass  # no related objects: the entry is the whole correction

    def construct_change_message(self, request, form, formsets, add=False):
        return operations.describe_correction(form.instance)  # the admin's log entry, in plain French

    def log_addition(self, request, obj, message):
        if obj.booked_now:  # the same form sent twice booked nothing the second time: nothing to record
            return super().log_addition(request, obj, message)
        return None
