"""The cash desk's operations. Each one runs in a single transaction and moves money only through ``book``.

References make every booking happen at most once: ``payment:<id>:credit:<pupil id>``
for a payment's part, ``payment:<id>:cancel:<pupil id>`` (or ``:rejected:``) for its
reversal, and a one-time form token for corrections, refunds and transfers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from canteen.models import Pupil
from portal.emails import queue_email

from .ledger import Booking, book
from .models import (
    DebitMode,
    DepositSlip,
    DirectDebit,
    DirectDebitMandate,
    EntryKind,
    LedgerEntry,
    OfflinePayment,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentStatus,
    Wallet,
)

ZERO = Decimal("0.00")


class CashierError(Exception):
    """An operation the desk must refuse; the message is French and shown as is."""


def payment_label(payment: Payment) -> str:
    """The "Détail" parents read in their history: "Chèque n° 1234567", "Espèces"…"""
    offline = getattr(payment, "offline", None)
    if payment.method == PaymentMethod.CHEQUE and offline is not None:
        return _("Chèque n° %(number)s") % {"number": offline.cheque_number}
    if payment.method == PaymentMethod.DIRECT_DEBIT:
        return _("Prélèvement automatique")
    return str(PaymentMethod(payment.method).label)


def credit_allocations(payment: Payment, *, recorded_by) -> None:
    """Book one entry per pupil for a payment whose allocations add up to its amount."""
    allocations = list(payment.allocations.all())
    if sum((a.amount for a in allocations), ZERO) != payment.amount:
        raise CashierError(_("La répartition ne correspond pas au montant du paiement."))
    label = payment_label(payment)
    for allocation in allocations:
        book(
            allocation.pupil_id,
            kind=payment.method,
            amount=allocation.amount,
            label=label,
            reference=f"payment:{payment.pk}:credit:{allocation.pupil_id}",
            payment=payment,
            recorded_by=recorded_by,
        )


def _reverse(payment: Payment, *, tag: str, label: str, note: str, recorded_by) -> None:
    for allocation in payment.allocations.all():
        book(
            allocation.pupil_id,
            kind=payment.method,
            amount=-allocation.amount,
            label=label,
            reference=f"payment:{payment.pk}:{tag}:{allocation.pupil_id}",
            payment=payment,
            recorded_by=recorded_by,
            note=note,
        )


@transaction.atomic
def cancel_payment(payment: Payment, *, reason: str, user) -> None:
    """A payment recorded in error is reversed by new entries, never deleted."""
    # The row lock makes two cashiers cancelling the same payment reverse it once.
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != PaymentStatus.PAID:
        raise CashierError(_("Ce paiement n'est pas encaissé : il ne peut pas être annulé."))
    _reverse(
        payment,
        tag="cancel",
        label=_("Annulation : %(label)s") % {"label": payment_label(payment)},
        note=reason,
        recorded_by=user,
    )
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CANCELED)
    OfflinePayment.objects.filter(pk=payment.pk).update(
        canceled_at=timezone.now(), canceled_by=user, cancel_reason=reason
    )


def book_correction(pupil: Pupil, *, amount: Decimal, reason: str, token: str, user) -> LedgerEntry:
    if amount == 0:
        raise CashierError(_("Le montant d'une correction ne peut pas être nul."))
    return book(
        pupil,
        kind=EntryKind.CORRECTION,
        amount=amount,
        label=_("Correction"),
        reference=f"correction:{token}",
        recorded_by=user,
        note=reason,
    ).entry


def are_siblings(first: Pupil, second: Pupil) -> bool:
    """Two pupils are of one family when a parent's login is linked to both."""
    return first.guardianships.filter(user__pupils=second).exists()


@transaction.atomic
def close_balance(pupil: Pupil, *, to: Pupil | None, reason: str, token: str, user) -> Decimal:
    """End of the school year: refund a leaving pupil's whole balance, or move it to a sibling."""
    # Locked so that no meal or payment lands between reading the balance and emptying it.
    balance = Wallet.objects.select_for_update().get(pupil=pupil).balance
    if balance <= 0:
        raise CashierError(
            _("Le solde de %(name)s n'est pas positif : rien à rembourser ni à transférer.") % {"name": pupil}
        )
    if to is None:
        refund = book(
            pupil,
            kind=EntryKind.REFUND,
            amount=-balance,
            label=_("Remboursement du solde"),
            reference=f"refund:{token}",
            recorded_by=user,
            note=reason,
        )
        return _moved(refund, balance)
    if to.pk == pupil.pk or not are_siblings(pupil, to):
        raise CashierError(
            _("%(to)s n'est pas un frère ou une sœur de %(name)s : transfert refusé.") % {"to": to, "name": pupil}
        )
    out = book(
        pupil,
        kind=EntryKind.TRANSFER,
        amount=-balance,
        label=_("Transfert vers %(name)s") % {"name": to.first_name},
        reference=f"transfer:{token}:out",
        recorded_by=user,
        note=reason,
    )
    book(
        to,
        kind=EntryKind.TRANSFER,
        amount=balance,
        label=_("Transfert de %(name)s") % {"name": pupil.first_name},
        reference=f"transfer:{token}:in",
        recorded_by=user,
        note=reason,
    )
    return _moved(out, balance)


def _moved(booking: Booking, amount: Decimal) -> Decimal:
    if not booking.created:  # the same form sent again: its money has already moved
        raise CashierError(_("Ce formulaire a déjà été traité : rien n'a été modifié."))
    return amount


@transaction.atomic
def make_deposit_slip(cheques: list[OfflinePayment], *, user) -> DepositSlip:
    """Put cheques not yet deposited on a new slip; all of them or none."""
    if not cheques:
        raise CashierError(_("Choisissez au moins un chèque à remettre."))
    slip = DepositSlip.objects.create(created_by=user)
    # The conditional update marks each cheque once, even if two slips are made at the same time.
    marked = OfflinePayment.objects.filter(
        pk__in=[c.pk for c in cheques],
        payment__method=PaymentMethod.CHEQUE,
        payment__status=PaymentStatus.PAID,
        deposit_slip__isnull=True,
    ).update(deposit_slip=slip)
    if marked != len(cheques):
        transaction.set_rollback(True)
        raise CashierError(_("Seuls les chèques encaissés et pas encore remis peuvent figurer sur un bordereau."))
    return slip


# Direct debits ---------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def debit_parts(mandate: DirectDebitMandate, month: datetime.date) -> list[tuple[Pupil, Decimal]]:
    """What the mandate debits this month for each of the parent's active children."""
    parts = []
    for pupil in mandate.user.pupils.filter(active=True).select_related("wallet").order_by("first_name"):
        if mandate.mode == DebitMode.FIXED:
            amount = mandate.monthly_amount
        else:
            price = pupil.meal_price(month) or ZERO
            amount = mandate.meals * price - pupil.wallet.balance
        if amount > 0:
            parts.append((pupil, amount))
    return parts


def prepare_direct_debits(month: datetime.date) -> list[DirectDebit]:
    """Compute the month's debits of all active mandates, as pending payments to confirm."""
    month = month_start(month)
    prepared = []
    mandates = DirectDebitMandate.objects.filter(active=True).exclude(debits__month=month).select_related("user")
    for mandate in mandates:
        parts = debit_parts(mandate, month)
        if not parts:
            continue
        with transaction.atomic():
            payment = Payment.objects.create(
                method=PaymentMethod.DIRECT_DEBIT,
                status=PaymentStatus.PENDING,
                amount=sum((amount for _pupil, amount in parts), ZERO),
                user=mandate.user,
                payer_name=mandate.user.get_full_name(),
            )
            PaymentAllocation.objects.bulk_create(
                PaymentAllocation(payment=payment, pupil=pupil, amount=amount) for pupil, amount in parts
            )
            prepared.append(DirectDebit.objects.create(mandate=mandate, month=month, payment=payment))
    return prepared


@transaction.atomic
def confirm_direct_debit(debit: DirectDebit, *, user) -> bool:
    """Record a prepared debit as paid and credit the children; False if it was not pending."""
    # One-time transition: only the request that moves it out of "pending" credits it.
    moved = Payment.objects.filter(pk=debit.payment_id, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.PAID, paid_at=timezone.now(), recorded_by=user
    )
    if not moved:
        return False
    DirectDebit.objects.filter(pk=debit.pk).update(confirmed_at=timezone.now(), confirmed_by=user)
    credit_allocations(Payment.objects.get(pk=debit.payment_id), recorded_by=user)
    return True


@transaction.atomic
def reject_direct_debit(debit: DirectDebit, *, user) -> None:
    """An "impayé": the bank returned the debit. Reverse the credits and tell the parent."""
    payment = Payment.objects.select_for_update().get(pk=debit.payment_id)
    if payment.status != PaymentStatus.PAID:
        raise CashierError(_("Seul un prélèvement confirmé peut être enregistré comme impayé."))
    _reverse(payment, tag="rejected", label=_("Prélèvement impayé"), note=_("Rejet de la banque"), recorded_by=user)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.FAILED)
    DirectDebit.objects.filter(pk=debit.pk).update(rejected_at=timezone.now(), rejected_by=user)
    parent = debit.mandate.user
    queue_email(
        "direct-debit-rejected",
        parent.email,
        {
            "parent_name": parent.get_short_name(),
            "month": debit.month,
            "amount": payment.amount,
            "parts": [(a.pupil.first_name, a.amount) for a in payment.allocations.select_related("pupil")],
        },
    )


# The day's journal -----------------------------------------------------------------------------


@dataclass
class Journal:
    start: datetime.date
    end: datetime.date
    rows: list[dict] = field(default_factory=list)  # kind, establishment, count, total
    by_kind: dict[str, Decimal] = field(default_factory=dict)
    by_establishment: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO


def journal(start: datetime.date, end: datetime.date) -> Journal:
    """Money booked between two days included (meals aside), per nature and per establishment."""
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    rows = (
        LedgerEntry.objects.filter(recorded_at__gte=since, recorded_at__lt=until)
        .exclude(kind=EntryKind.MEAL)
        .values("kind", "wallet__pupil__establishment__name")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by("kind", "wallet__pupil__establishment__name")
    )
    result = Journal(start, end)
    labels = dict(EntryKind.choices)
    for row in rows:
        kind = str(labels[row["kind"]])
        establishment = row["wallet__pupil__establishment__name"]
        result.rows.append({"kind": kind, "establishment": establishment, "count": row["count"], "total": row["total"]})
        result.by_kind[kind] = result.by_kind.get(kind, ZERO) + row["total"]
        result.by_establishment[establishment] = result.by_establishment.get(establishment, ZERO) + row["total"]
        result.total += row["total"]
    return result
