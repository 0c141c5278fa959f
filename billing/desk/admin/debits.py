"""Direct-debit mandates and the monthly debits the cashier confirms or records as unpaid."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from canteen.admin_scope import EstablishmentListFilter, EstablishmentScoped, staff_establishments

from .. import operations
from ..forms import MandateForm, MonthForm
from ..models import DirectDebit, DirectDebitMandate


@admin.register(DirectDebitMandate)
class DirectDebitMandateAdmin(EstablishmentScoped, admin.ModelAdmin):
    form = MandateForm
    list_display = ["reference", "user", "establishment", "masked_iban", "signed_on", "mode", "monthly_amount"]
    list_display += ["meals", "active"]
    list_filter = ["active", "mode", ("establishment", EstablishmentListFilter)]
    search_fields = ["reference", "user__email", "user__last_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]

    def get_fields(self, request, obj=None):
        iban = "masked_iban" if obj else "iban"
        return ["user", "establishment", "reference", iban, "signed_on", "mode", "monthly_amount", "meals", "active"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "establishment", "reference", "masked_iban"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # the parents of the staff member's establishments' pupils
            parents = db_field.related_model.objects.filter(
                guardianships__pupil__establishment__in=staff_establishments(request)
            )
            kwargs["queryset"] = parents.distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("IBAN"))
    def masked_iban(self, obj):
        return obj.masked_iban

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DirectDebit)
class DirectDebitAdmin(EstablishmentScoped, admin.ModelAdmin):
    """The month's debits, prepared by ``manage.py prepare_direct_debits``, confirmed here."""

    establishment_lookup = "mandate__establishment"

    list_display = ["month_label", "mandate", "parent", "amount", "status", "confirmed_at", "rejected_at"]
    list_filter = ["month", "payment__status"]
    search_fields = ["mandate__reference", "mandate__user__email"]
    list_select_related = ["mandate__user", "payment"]
    actions = ["confirm", "reject"]
    fields = [
        "mandate",
        "month",
        "amount",
        "status",
        "prepared_at",
        "confirmed_at",
        "confirmed_by",
        "rejected_at",
        "rejected_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.prepare_view)
        return [path("preparer/", view, name="billing_directdebit_prepare"), *super().get_urls()]

    def prepare_view(self, request):
        """The same as ``manage.py prepare_direct_debits``, from the admin."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = MonthForm(request.POST or None, initial={"month": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            month, establishments = form.cleaned_data["month"], staff_establishments(request)
            debits = operations.prepare_direct_debits(month, establishments=establishments, user=request.user)
            summary = operations.prepared_summary(month, len(debits), establishments=establishments)
            self.message_user(request, summary, messages.SUCCESS if debits else messages.WARNING)
            return redirect(reverse("admin:billing_directdebit_changelist") + "?payment__status__exact=pending")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Préparer les prélèvements du mois"),
            "opts": self.model._meta,
            "form": form,
            "submit": _("Préparer"),
        }
        return render(request, "admin/billing/cashier_form.html", context)

    @admin.display(description=gettext_lazy("mois"), ordering="month")
    def month_label(self, obj):
        return f"{obj.month:%m/%Y}"

    @admin.display(description=gettext_lazy("parent"))
    def parent(self, obj):
        return obj.mandate.user

    @admin.display(description=gettext_lazy("statut"))
    def status(self, obj):
        return obj.payment.get_status_display()

    @admin.action(description=gettext_lazy("Confirmer les prélèvements sélectionnés"), permissions=["change"])
    def confirm(self, request, queryset):
        confirmed = sum(operations.confirm_direct_debit(debit, user=request.user) for debit in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)s prélèvement confirmé et crédité.", "%(count)s prélèvements confirmés et crédités.", confirmed
            )
            % {"count": confirmed},
        )

    @admin.action(description=gettext_lazy("Enregistrer un impayé"), permissions=["change"])
    def reject(self, request, queryset):
        try:
            with transaction.atomic():
                for debit in queryset.select_related("mandate__user"):
                    operations.reject_direct_debit(debit, user=request.user)
        except operations.CashierError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("Impayé enregistré, le parent est prévenu par e-mail."))
