"""Deposit slips ("bordereaux de remise de chèques") and their printable page."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import Payment, PaymentMethod, PaymentStatus
from canteen.admin_scope import EstablishmentListFilter, EstablishmentScoped, staff_establishments
from portal.lib.admin_base import ReadOnlyAdmin

from ..models import DepositSlip
from .permissions import require


@admin.register(DepositSlip)
class DepositSlipAdmin(EstablishmentScoped, ReadOnlyAdmin):
    """Made from the selected cheques (``DeskPaymentAdmin.make_deposit_slip``), then shown and printed."""

    list_display = ["number", "establishment", "created_at", "created_by", "count", "total", "print_link"]
    list_filter = [("establishment", EstablishmentListFilter)]
    list_select_related = ["created_by", "establishment"]
    fields = ["number", "establishment", "created_at", "created_by", "count", "total", "print_link"]
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        """The list says where slips come from: the cheques still to deposit, with a link to them, since a
        slip is made there (select the cheques, then the action), never from this page."""
        to_deposit = Payment.objects.filter(
            method=PaymentMethod.CHEQUE,
            status=PaymentStatus.PAID,
            offline__deposit_slip__isnull=True,
            allocations__pupil__establishment__in=staff_establishments(request),
        )
        context = {
            "cheques_to_deposit": to_deposit.distinct().count(),
            "cheques_url": reverse("admin:billing_deskpayment_changelist") + "?remise=a-remettre",
        }
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(cheque_count=Count("cheques"), cheque_total=Sum("cheques__payment__amount"))
        )

    @admin.display(description=gettext_lazy("chèques"))
    def count(self, obj):
        return obj.cheque_count

    @admin.display(description=gettext_lazy("total"))
    def total(self, obj):
        return number_format(obj.cheque_total or 0, 2)

    @admin.display(description=gettext_lazy("impression"))
    def print_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:billing_depositslip_print", args=[obj.pk]), _("Imprimer le bordereau")
        )

    def get_urls(self):
        return [
            path("<int:pk>/imprimer/", self.admin_site.admin_view(self.print_view), name="billing_depositslip_print"),
            *super().get_urls(),
        ]

    def print_view(self, request, pk: int):
        require(request, "billing.view_depositslip")
        slip = get_object_or_404(
            self.scope(request, DepositSlip.objects.select_related("created_by", "establishment")), pk=pk
        )
        cheques = list(
            slip.cheques.select_related("payment")
            .prefetch_related("payment__allocations__pupil__establishment")
            .order_by("bank", "cheque_number")
        )
        total = sum((cheque.payment.amount for cheque in cheques), Decimal("0.00"))
        # The establishment whose account receives the cheques; a slip made before it was recorded shows
        # the establishments of the pupils its cheques credit.
        schools = {slip.establishment} if slip.establishment else set()
        schools = schools or {a.pupil.establishment for c in cheques for a in c.payment.allocations.all()}
        context = {
            "slip": slip,
            "cheques": cheques,
            "total": total,
            "schools": sorted(schools, key=lambda school: school.name),
        }
        return render(request, "admin/billing/deposit_slip.html", context)
