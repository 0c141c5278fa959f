"""The parent's payment pages: "Situation de mes comptes", the family page, return, cancel, receipts.

Every query starts from ``request.user``: a parent sees and pays only for their own children.
"""

from __future__ import annotations

from collections import namedtuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing.children import children_with_wallets
from billing.models import (
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentStatus,
    meals_covered,
    order_number_of,
)
from portal.lib.cached_pages import render_kept
from portal.lib.money import ZERO, euros
from portal.lib.urls import cached_reverse

from .forms import CreditForm, FamilyCreditForm
from .limits import maximum_credit, minimum_credit
from .payments import credit
from .providers import PaymentError, get_provider
from .providers.demo import demo_enabled
from .receipts import receipt_context


def child_situation(pupil) -> dict:
    """``pupil`` loaded by ``children_with_wallets``: no further query."""
    wallet = getattr(pupil, "wallet", None)
    balance = wallet.balance if wallet else ZERO
    price = pupil.meal_price()
    priced = pupil.meal_price_with_band()
    minimum = minimum_credit(pupil)
    choices = [(_("Minimum"), minimum)]
    choices += [(_("%(count)s repas") % {"count": n}, price * n) for n in (4, 10, 20) if price and price * n > minimum]
    return {
        "pupil": pupil,
        "balance": balance,
        "price": price,
        "price_band": priced.describe() if priced else "",
        "meals": meals_covered(balance, price),
        "minimum": minimum,
        "quick_choices": [(label, amount) for label, amount in choices if amount <= maximum_credit()],
    }


def start_payment(request, allocations: list[tuple]):
    """Create the payment and its allocations, then send the parent to the provider's page."""
    try:
        provider = get_provider()
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect("billing:accounts")
    total = sum((amount for _pupil, amount in allocations), ZERO)
    with transaction.atomic():
        payment = Payment.objects.create(
            method=PaymentMethod.ONLINE,
            amount=total,
            user=request.user,
            payer_name=request.user.get_full_name() or request.user.email,
            provider=provider.name,
        )
        PaymentAllocation.objects.bulk_create(
            PaymentAllocation(payment=payment, pupil=pupil, amount=amount) for pupil, amount in allocations
        )
    try:
        return redirect(provider.start(payment, request))
    except PaymentError as error:
        payment.mark_unpaid(PaymentStatus.FAILED)
        messages.error(request, error.message)
        return redirect("billing:accounts")


@login_required
@require_http_methods(["GET", "POST"])
def accounts(request):
    """ "SITUATION DE MES COMPTES (SELF)": each child's balance and a form to credit it."""
    if request.method == "GET":  # empty forms: kept for the family until anything they show changes
        return render_kept(
            request,
            "billing/accounts.html",
            lambda: _accounts_context(children_with_wallets(request.user.pk)),
        )
    children = children_with_wallets(request.user.pk)
    data = request.POST.copy()
    if data.get("choice"):  # a quick choice ("10 repas") fills the amount when JavaScript is off
        data["amount"] = data["choice"]
    bound = CreditForm(request.user, data, auto_id=False)
    if bound.is_valid() and "pay" in request.POST:
        return start_payment(request, bound.allocations())
    situations = []
    for pupil in children:  # the form sent shown again in its child's card, the others empty
        situation = child_situation(pupil)
        situation["form"] = bound if str(pupil.pk) == request.POST.get("pupil") else None
        situations.append(situation)
    if bound.has_error("pupil"):
        messages.error(request, bound.errors["pupil"][0])
    context = {"situations": situations, "maximum": maximum_credit(), "several": len(situations) > 1}
    return render(request, "billing/accounts.html", context, status=400 if bound.errors else 200)


def _accounts_context(children) -> dict:
    situations = [{**child_situation(pupil), "form": None} for pupil in children]
    schools = {pupil.establishment for pupil in children}
    return {"situations": situations, "maximum": maximum_credit(), "several": len(situations) > 1, "schools": schools}


@login_required
@require_http_methods(["GET", "POST"])
def family(request):
    """One payment for several children, an amount for each."""
    form = FamilyCreditForm(request.user, request.POST or None)
    total = None
    if request.method == "POST" and form.is_valid():
        if "pay" in request.POST:
            return start_payment(request, form.allocations())
        total = sum((amount for _pupil, amount in form.allocations()), ZERO)
    rows = [(child_situation(pupil), field) for pupil, field in form.rows()]
    return render(
        request,
        "billing/family.html",
        {"form": form, "rows": rows, "total": total, "maximum": maximum_credit()},
        status=400 if form.errors else 200,
    )


def own_payment(request, pk: int) -> Payment:
    return get_object_or_404(Payment.objects.filter(user=request.user, method=PaymentMethod.ONLINE), pk=pk)


@login_required
def payment_return(request, pk: int):
    """Back from the provider: credit now if the webhook has not done it yet, then show the new balances."""
    payment = own_payment(request, pk)
    if not payment.is_paid:
        get_provider(payment.provider).fulfil_on_return(payment)
        payment.refresh_from_db()
    allocations = payment.allocations.select_related("pupil__wallet").order_by("pupil__first_name")
    return render(request, "billing/payment_return.html", {"payment": payment, "allocations": allocations})


@login_required
@require_http_methods(["GET", "POST"])
def payment_cancel(request, pk: int):
    """ "J'annule mon paiement": a GET (the provider's cancel link, a prefetch, a stray link) only asks
    for confirmation; the POST cancels. Nothing is ever credited by either."""
    payment = own_payment(request, pk)
    if request.method == "POST":
        payment.mark_unpaid(PaymentStatus.CANCELED)
    if payment.is_paid:  # the money had already arrived: say so rather than "annulé"
        return redirect("billing:payment_return", pk=payment.pk)
    if request.method == "POST":
        return redirect("billing:payment_cancel", pk=payment.pk)
    confirm = payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING)
    return render(request, "billing/payment_cancel.html", {"payment": payment, "confirm": confirm})


@login_required
@require_http_methods(["GET", "POST"])
def demo_pay(request, pk: int):
    """The demo provider's page: plainly a demonstration, no card data, no money."""
    if not demo_enabled():
        raise Http404(_("Les paiements de démonstration ne sont pas activés."))
    payment = own_payment(request, pk)
    if payment.provider != "demo":
        raise Http404
    if payment.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING):  # already paid or cancelled
        return redirect(
            "billing:payment_cancel" if payment.status == PaymentStatus.CANCELED else "billing:payment_return",
            pk=payment.pk,
        )
    if request.method == "POST":
        if "validate" in request.POST:
            credit(payment)
            return redirect("billing:payment_return", pk=payment.pk)
        payment.mark_unpaid(PaymentStatus.CANCELED)
        return redirect("billing:payment_cancel", pk=payment.pk)
    return render(request, "billing/demo_pay.html", receipt_context(payment))


PaymentRow = namedtuple("PaymentRow", "order_number date method amount status receipt_url receipt_label")
PAID = (PaymentStatus.PAID, PaymentStatus.REFUNDED)
SHOWN = 100


@login_required
def payments(request):
    """ "Mes paiements": the family's last 100 payments, newest first, each with its receipt: those it made
    online, and those the school recorded for its children (cheque, cash, transfer, direct debit), for their
    part. Kept for the family until one of them changes (``Payment.show_to_payer``, or the booking that
    credits or takes back a payment recorded by the school)."""
    return render_kept(request, "billing/payments.html", lambda: _payments_context(request))


def _payments_context(request) -> dict:
    online = (
        Payment.objects.filter(user_id=request.user.pk, method=PaymentMethod.ONLINE)
        .order_by("-created_at", "-id")
        .values_list("pk", "created_at", "method", "amount", "status", named=True)[:SHOWN]
    )
    # A cheque may pay for children of two families: each sees its own children's part, never the other's.
    recorded = (
        PaymentAllocation.objects.filter(pupil__guardianships__user_id=request.user.pk)
        .exclude(payment__method=PaymentMethod.ONLINE)
        .exclude(payment__status=PaymentStatus.CREATED)
        .values("payment_id", "payment__created_at", "payment__method", "payment__status")
        .annotate(share=Sum("amount"))
        .order_by("-payment__created_at", "-payment_id")[:SHOWN]
    )
    rows = list(online) + [
        PaymentView(r["payment_id"], r["payment__created_at"], r["payment__method"], r["share"], r["payment__status"])
        for r in recorded
    ]
    rows.sort(key=lambda row: (row.created_at, row.pk), reverse=True)
    return {"payments": _payment_rows(rows[:SHOWN])}


PaymentView = namedtuple("PaymentView", "pk created_at method amount status")


def _payment_rows(found) -> list[PaymentRow]:
    """The lines formatted here, once, rather than by a dozen tags and filters each."""
    statuses = {value: str(label) for value, label in PaymentStatus.choices}
    methods = {value: str(label) for value, label in PaymentMethod.choices}
    receipt_label = _("Reçu n° %(number)s")
    return [
        PaymentRow(
            order_number_of(payment.pk),
            timezone.localtime(payment.created_at).strftime("%d/%m/%Y - %H:%M"),
            methods.get(payment.method, payment.method),
            euros(payment.amount),
            statuses.get(payment.status, payment.status),
            cached_reverse("billing:receipt", payment.pk) if payment.status in PAID else None,
            receipt_label % {"number": order_number_of(payment.pk)},
        )
        for payment in found
    ]


def family_payment(request, pk: int) -> Payment:
    """A payment the parent made online, or one the school recorded for one of their children; else a 404."""
    theirs = Q(user=request.user, method=PaymentMethod.ONLINE) | Q(
        ~Q(method=PaymentMethod.ONLINE), allocations__pupil__guardianships__user=request.user
    )
    return get_object_or_404(Payment.objects.filter(theirs).distinct(), pk=pk)


@login_required
def receipt(request, pk: int):
    """The printable receipt of a payment of "Mes paiements" (for a payment recorded by the school, the
    parent's own children's part)."""
    payment = family_payment(request, pk)
    if not payment.is_paid:
        raise Http404
    return render(request, "billing/receipt.html", receipt_context(payment, for_user=request.user))
