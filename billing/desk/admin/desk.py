"""Cheques, cash and transfers split between pupils; cancellation; the journal and the year-end balances."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.claims import claim_csv, meal_claim
from billing.models import PaymentAllocation, PaymentMethod, PaymentStatus, Wallet
from canteen.admin_scope import EstablishmentScoped, staff_establishments
from portal.lib.admin_base import AddOnlyAdmin

from .. import operations
from ..forms import (
    CONFIRM_FIELD,
    DESK_METHODS,
    AllocationForm,
    AllocationFormSet,
    ClaimForm,
    CloseBalanceForm,
    DeskPaymentForm,
    JournalForm,
    ReasonForm,
)
from ..journal import journal, journal_csv
from ..models import DeskPayment, OfflinePayment
from .permissions import READ, RECORD, can_record, require


class AllocationInline(EstablishmentScoped, admin.TabularInline):
    establishment_lookup = "pupil__establishment"  # the pupils offered: the staff member's establishments'
    model = PaymentAllocation
    form = AllocationForm
    formset = AllocationFormSet
    autocomplete_fields = ["pupil"]
    extra = 2
    verbose_name = gettext_lazy("élève crédité")
    verbose_name_plural = gettext_lazy("Répartition entre les élèves")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(READ)

    def has_add_permission(self, request, obj=None):
        return obj is None and can_record(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return obj is None and can_record(request)


class DepositFilter(admin.SimpleListFilter):
    title = gettext_lazy("remise en banque")
    parameter_name = "remise"

    def lookups(self, request, model_admin):
        return [("a-remettre", _("Chèques à remettre")), ("remis", _("Chèques remis"))]

    def queryset(self, request, queryset):
        cheques = queryset.filter(method=PaymentMethod.CHEQUE)
        if self.value() == "a-remettre":
            return cheques.filter(status=PaymentStatus.PAID, offline__deposit_slip__isnull=True)
        if self.value() == "remis":
            return cheques.filter(offline__deposit_slip__isnull=False)
        return queryset


@admin.register(DeskPayment)
class DeskPaymentAdmin(EstablishmentScoped, AddOnlyAdmin):
    """Cheques, cash and transfers: one form, the split between pupils inline, saved in one transaction."""

    establishment_lookup = "allocations__pupil__establishment"
    establishment_lookup_is_multiple = True

    form = DeskPaymentForm
    inlines = [AllocationInline]
    list_display = ["order", "received", "method", "cheque", "payer_name", "amount", "status", "slip"]
    list_filter = ["method", "status", DepositFilter]
    search_fields = ["payer_name", "offline__cheque_number", "allocations__pupil__last_name"]
    list_select_related = ["offline__deposit_slip"]
    actions = ["make_deposit_slip"]
    add_fields = list(DeskPaymentForm.Meta.fields)
    view_fields = [
        "order",
        "method",
        "status",
        "amount",
        "payer_name",
        "cheque",
        "received",
        "recorded_by",
        "paid_at",
        "cancellation",
        "entries",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(method__in=[m for m, _label in DESK_METHODS])

    def has_record_permission(self, request):
        return can_record(request)

    @admin.display(description=gettext_lazy("n° de commande"), ordering="pk")
    def order(self, obj):
        return obj.order_number

    @admin.display(description=gettext_lazy("chèque"))
    def cheque(self, obj):
        offline = getattr(obj, "offline", None)
        return f"n° {offline.cheque_number} — {offline.bank}" if offline and offline.cheque_number else "—"

    @admin.display(description=gettext_lazy("reçu le"))
    def received(self, obj):
        offline = getattr(obj, "offline", None)
        return f"{offline.received_on:%d/%m/%Y}" if offline else "—"

    @admin.display(description=gettext_lazy("bordereau"))
    def slip(self, obj):
        offline = getattr(obj, "offline", None)
        return offline.deposit_slip.number if offline and offline.deposit_slip else "—"

    @admin.display(description=gettext_lazy("annulation"))
    def cancellation(self, obj):
        offline = getattr(obj, "offline", None)
        if not offline or not offline.canceled_at:
            return "—"
        return _("le %(date)s par %(user)s : %(reason)s") % {
            "date": timezone.localtime(offline.canceled_at).strftime("%d/%m/%Y %H:%M"),
            "user": offline.canceled_by,
            "reason": offline.cancel_reason,
        }

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:  # a cheque split with another school: its entries there are not shown
            obj.shown_establishments = staff_establishments(request)
        return obj

    @admin.display(description=gettext_lazy("opérations"))
    def entries(self, obj):
        rows = obj.entries.filter(wallet__pupil__establishment__in=obj.shown_establishments)
        rows = rows.select_related("wallet__pupil").order_by("id")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{} — {} : {} €</li>", ((e.wallet.pupil, e.label, number_format(e.amount, 2)) for e in rows)
            ),
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A large amount asks for a second look: AllocationFormSet sets what the checkbox confirms.
        formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
        confirmations = [f.confirmation for f in formsets if getattr(f, "confirmation", None)]
        context["amount_confirmation"] = confirmations[0] if confirmations else None
        context["confirm_field"] = CONFIRM_FIELD
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        obj.status = PaymentStatus.CREATED  # paid once its split is saved, by operations.credit_desk_payment
        obj.recorded_by = request.user
        obj.save()
        OfflinePayment.objects.create(
            payment=obj,
            drawer=data["payer_name"],
            cheque_number=data["cheque_number"],
            bank=data["bank"],
            received_on=data["received_on"],
            form_token=data["token"],
        )

    def save_related(self, request, form, formsets, change):
        # Still inside the admin's transaction: the payment, its split and its entries commit together.
        super().save_related(request, form, formsets, change)
        operations.credit_desk_payment(form.instance, user=request.user)

    def construct_change_message(self, request, form, formsets, add=False):
        return operations.describe_desk_payment(form.instance)  # the admin's log entry, in plain French

    @admin.action(
        description=gettext_lazy("Faire un bordereau de remise des chèques sélectionnés"), permissions=["record"]
    )
    def make_deposit_slip(self, request, queryset):
        cheques = list(OfflinePayment.objects.filter(payment__in=queryset))
        try:
            slip = operations.make_deposit_slip(cheques, user=request.user)
        except operations.CashierError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        return redirect("admin:billing_depositslip_print", slip.pk)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/annuler/", view(self.cancel_view), name="billing_deskpayment_cancel"),
            path("journal/", view(self.journal_view), name="billing_journal"),
            path("soldes-negatifs/", view(self.negative_balances_view), name="billing_negative_balances"),
            path("fin-d-annee/", view(self.close_balance_view), name="billing_close_balance"),
            path("cantine-a-1-euro/", view(self.state_claim_view), name="billing_state_claim"),
            *super().get_urls(),
        ]

    def _page(self, request, template: str, title: str, **context):
        return render(
            request,
            template,
            {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **context},
        )

    def cancel_view(self, request, pk: int):
        require(request, RECORD)
        payment = get_object_or_404(self.get_queryset(request), pk=pk)
        if payment.allocations.exclude(pupil__establishment__in=staff_establishments(request)).exists():
            # Cancelling takes back every part: another school's too, which this staff member may not change.
            message = _(
                "Ce paiement crédite aussi des élèves d'un autre établissement : "
                "seul le personnel de chacun de ses établissements peut l'annuler."
            )
            self.message_user(request, message, messages.ERROR)
            return redirect("admin:billing_deskpayment_change", payment.pk)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                operations.cancel_payment(payment, reason=form.cleaned_data["reason"], user=request.user)
            except operations.CashierError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, _("Le paiement %(number)s est annulé.") % {"number": payment.order_number})
                return redirect("admin:billing_deskpayment_change", payment.pk)
        return self._page(
            request,
            "admin/billing/cashier_form.html",
            _("Annuler le paiement %(number)s") % {"number": payment.order_number},
            form=form,
            object=payment,
            submit=_("Annuler ce paiement"),
        )

    def close_balance_view(self, request):
        require(request, RECORD)
        form = CloseBalanceForm(request.POST or None, establishments=staff_establishments(request))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                amount = operations.close_balance(
                    data["pupil"],
                    to=data["sibling"],
                    reason=data["reason"],
                    token=str(data["token"]),
                    user=request.user,
                )
            except operations.CashierError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request,
                    _("Solde de %(name)s soldé : %(amount)s €.")
                    % {"name": data["pupil"], "amount": number_format(amount, 2)},
                )
                return redirect("admin:billing_close_balance")
        return self._page(
            request,
            "admin/billing/cashier_form.html",
            _("Fin d'année : solder le compte d'un élève"),
            form=form,
            submit=_("Solder le compte"),
        )

    def journal_view(self, request):
        require(request, READ)
        today = timezone.localdate()
        form = JournalForm(request.GET or {"start": today, "end": today})
        result = None
        if form.is_valid():
            result = journal(form.cleaned_data["start"], form.cleaned_data["end"], staff_establishments(request))
        if result is not None and request.GET.get("format") == "csv":
            return journal_csv(result)
        return self._page(request, "admin/billing/journal.html", _("Journal de caisse"), form=form, journal=result)

    def state_claim_view(self, request):
        """The State's "cantine à 1 €" for a month and one of the staff member's establishments (CSV too)."""
        require(request, READ)
        form = ClaimForm(request.GET or None, establishments=staff_establishments(request))
        claim = None
        if form.is_valid():
            claim = meal_claim(form.cleaned_data["establishment"], form.cleaned_data["month"])
            if request.GET.get("format") == "csv":
                return claim_csv(claim)
        return self._page(
            request,
            "admin/billing/state_claim.html",
            _("Cantine à 1 € : demande d'aide de l'État"),
            form=form,
            claim=claim,
        )

    def negative_balances_view(self, request):
        require(request, READ)
        wallets = (
            Wallet.objects.filter(balance__lt=0, pupil__establishment__in=staff_establishments(request))
            .select_related("pupil__establishment")
            .prefetch_related("pupil__guardians")
            .order_by("balance", "pk")
        )
        page = Paginator(wallets, 100).get_page(request.GET.get("page"))
        return self._page(request, "admin/billing/negative_balances.html", _("Soldes négatifs"), page=page)
