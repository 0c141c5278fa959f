"""The cash desk's operations. Each one runs in a single transaction and moves money only through
``billing.ledger``: a payment's parts are credited or taken back all at once (``credit_payment``,
``reverse_payment``), a correction or a year-end refund is one ``book_many``, a transfer between
siblings is one ``book_many`` of its two legs. The references (``billing.references``) make each
booking happen at most once, however often a form is sent.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing import references
from billing.ledger import Booking, Movement, book_many, credit_payment, lock_wallets, reverse_payment
from billing.models import (
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentStatus,
)
from billing.signals import correction_booked
from canteen.models import Pupil, meal_prices
from portal.lib.audit import ADDITION, as_proxy, record
from portal.lib.emails import queue_email
from portal.lib.money import ZERO, euros, signed

from .models import DebitMode, DepositSlip, DeskPayment, DirectDebit, DirectDebitMandate, OfflinePayment


class CashierError(Exception):
    """An operation the desk must refuse; the message is French and shown as is."""


def payment_label(payment: Payment) -> str:
    """The "Détail" parents read in their history: "Chèque n° 1234567", "Espèces"…"""
    offline = OfflinePayment.objects.filter(payment=payment).first()
    if payment.method == PaymentMethod.CHEQUE and offline is not None:
        return _("Chèque n° %(number)s") % {"number": offline.cheque_number}
    if payment.method == PaymentMethod.DIRECT_DEBIT:
        return _("Prélèvement automatique")
    return str(PaymentMethod(payment.method).label)


def describe_desk_payment(payment: Payment) -> str:
    """What its "Historique" says of a payment recorded at the desk: "Chèque n° 1234567, 50,00 € : Léa Martin 30,00 €…"""
    parts = ", ".join(
        f"{a.pupil} {euros(a.amount)}" for a in payment.allocations.select_related("pupil").order_by("pk")
    )
    return _("Encaissement enregistré : %(label)s, %(amount)s (%(parts)s).") % {
        "label": payment_label(payment),
        "amount": euros(payment.amount),
        "parts": parts,
    }


def credit_desk_payment(payment: Payment, *, user) -> None:
    """Credit a payment just recorded at the desk: every pupil's part in one booking."""
    try:
        credit_payment(payment, from_statuses=(PaymentStatus.CREATED,), label=payment_label(payment), recorded_by=user)
    except ValueError:
        raise CashierError(_("La répartition ne correspond pas au montant du paiement.")) from None


@transaction.atomic
def cancel_payment(payment: Payment, *, reason: str, user) -> None:
    """A payment recorded in error is reversed by new entries, never deleted."""
    try:
        reverse_payment(
            payment,
            why="cancel",
            label=_("Annulation : %(label)s") % {"label": payment_label(payment)},
            note=reason,
            recorded_by=user,
            status=PaymentStatus.CANCELED,
        )
    except ValueError:
        raise CashierError(_("Ce paiement n'est pas encaissé : il ne peut pas être annulé.")) from None
    OfflinePayment.objects.filter(pk=payment.pk).update(
        canceled_at=timezone.now(), canceled_by=user, cancel_reason=reason
    )
    record(user, as_proxy(payment, DeskPayment), _("Paiement annulé. Motif : %(reason)s") % {"reason": reason})


@transaction.atomic
def book_correction(pupil: Pupil, *, amount: Decimal, reason: str, token: str, user) -> Booking:
    """Book a correction once per form (``token``): the same form sent again books nothing (``created`` False).
    The family hears of it with its reason (``correction_booked``), as of a cheque."""
    if amount == 0:
        raise CashierError(_("Le montant d'une correction ne peut pas être nul."))
    movement = Movement(
        pupil.pk,
        EntryKind.CORRECTION,
        amount,
        _("Correction"),
        references.desk_form("correction", token),
        recorded_by=user,
        note=reason,
    )
    booking = book_many([movement])[0]
    if booking.created:
        correction_booked.send(sender=LedgerEntry, entry=booking.entry)
    return booking


def describe_correction(correction: LedgerEntry) -> str:
    """What its "Historique" says of a correction: "Correction de +5,00 € sur le compte de Léa Martin. Motif : …"."""
    return _("Correction de %(amount)s € sur le compte de %(pupil)s. Motif : %(reason)s") % {
        "amount": signed(correction.amount),
        "pupil": correction.wallet.pupil,
        "reason": correction.note,
    }


@transaction.atomic
def close_balance(pupil: Pupil, *, to: Pupil | None, reason: str, token: str, user) -> Decimal:
    """End of the school year: refund a leaving pupil's whole balance, or move it to a sibling."""
    if to is not None and (to.pk == pupil.pk or not pupil.are_siblings(to)):
        raise CashierError(
            _("%(to)s n'est pas un frère ou une sœur de %(name)s : transfert refusé.") % {"to": to, "name": pupil}
        )
    # Locked as book_many locks them, so that nothing lands between reading the balance and emptying it.
    _wallet, balance = lock_wallets(sorted({pupil.pk, to.pk} if to is not None else {pupil.pk}))[pupil.pk]
    if balance <= 0:
        raise CashierError(
            _("Le solde de %(name)s n'est pas positif : rien à rembourser ni à transférer.") % {"name": pupil}
        )
    if to is None:
        movements = [
            Movement(
                pupil.pk,
                EntryKind.REFUND,
                -balance,
                _("Remboursement du solde"),
                references.desk_form("refund", token),
                recorded_by=user,
                note=reason,
            )
        ]
    else:
        movements = [
            Movement(
                pupil.pk,
                EntryKind.TRANSFER,
                -balance,
                _("Transfert vers %(name)s") % {"name": to.first_name},
                references.desk_form("transfer", token, "out"),
                recorded_by=user,
                note=reason,
            ),
            Movement(
                to.pk,
                EntryKind.TRANSFER,
                balance,
                _("Transfert de %(name)s") % {"name": pupil.first_name},
                references.desk_form("transfer", token, "in"),
                recorded_by=user,
                note=reason,
            ),
        ]
    moved = _moved(book_many(movements)[0], balance)
    _record_close(user, pupil, to, moved, reason)
    return moved


def _record_close(user, pupil: Pupil, to: Pupil | None, amount: Decimal, reason: str) -> None:
    """The year-end closing shows on the history of each pupil whose balance it moved."""
    values = {"amount": euros(amount), "reason": reason}
    if to is None:
        record(user, pupil, _("Fin d'année : solde de %(amount)s remboursé. Motif : %(reason)s") % values)
        return
    record(
        user,
        pupil,
        _("Fin d'année : solde de %(amount)s transféré à %(to)s. Motif : %(reason)s") % {**values, "to": to},
    )
    record(user, to, _("Fin d'année : %(amount)s reçus de %(from)s. Motif : %(reason)s") % {**values, "from": pupil})


def _moved(booking: Booking, amount: Decimal) -> Decimal:
    if not booking.created:  # the same form sent again: its money has already moved
        raise CashierError(_("Ce formulaire a déjà été traité : rien n'a été modifié."))
    return amount


@transaction.atomic
def make_deposit_slip(cheques: list[OfflinePayment], *, user) -> DepositSlip:
    """Put cheques not yet deposited on a new slip; all of them or none."""
    if not cheques:
        raise CashierError(_("Choisissez au moins un chèque à remettre."))
    # A slip goes to one establishment's bank account: its cheques all credit that establishment's pupils.
    establishments = set(
        PaymentAllocation.objects.filter(payment__in=[c.pk for c in cheques]).values_list(
            "pupil__establishment", flat=True
        )
    )
    if len(establishments) > 1:
        raise CashierError(
            _(
                "Ces chèques créditent des élèves de plusieurs établissements : "
                "faites un bordereau par établissement, chacun va sur le compte de son établissement."
            )
        )
    slip = DepositSlip.objects.create(created_by=user, establishment_id=next(iter(establishments), None))
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
    payments = list(DeskPayment.objects.filter(offline__deposit_slip=slip).order_by("pk"))
    total = sum((p.amount for p in payments), ZERO)
    record(
        user,
        slip,
        ngettext(
            "Bordereau fait : %(count)d chèque, %(total)s.",
            "Bordereau fait : %(count)d chèques, %(total)s.",
            len(payments),
        )
        % {"count": len(payments), "total": euros(total)},
        action=ADDITION,
    )
    record(user, payments, _("Chèque remis en banque, bordereau n° %(number)s.") % {"number": slip.number})
    return slip


# Direct debits ---------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def debit_parts(mandate: DirectDebitMandate, month: datetime.date) -> list[tuple[Pupil, Decimal]]:
    """What the mandate debits this month for each of the parent's active children at its establishment."""
    parts = []
    children = list(
        Pupil.objects.guarded_by(mandate.user_id)
        .filter(active=True, establishment=mandate.establishment_id)
        .select_related("wallet")
        .order_by("first_name")
    )
    prices = meal_prices(children, month)
    for pupil in children:
        if mandate.mode == DebitMode.FIXED:
            amount = mandate.monthly_amount
        else:
            price = prices[pupil.pk] or ZERO
            amount = mandate.meals * price - pupil.wallet.balance
        if amount > 0:
            parts.append((pupil, amount))
    return parts


def prepare_direct_debits(month: datetime.date, *, establishments=None, user=None) -> list[DirectDebit]:
    """Compute the month's debits of the active mandates, as pending payments to confirm.

    ``establishments`` (a queryset) limits the run to the mandates given to them, as staff do from the
    admin; the command runs it for every establishment. Each debit's history says who prepared it
    (nobody when the command prepared it).
    """
    month = month_start(month)
    prepared = []
    mandates = DirectDebitMandate.objects.filter(active=True).exclude(debits__month=month).select_related("user")
    if establishments is not None:
        mandates = mandates.filter(establishment__in=establishments)
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
            debit = DirectDebit.objects.create(mandate=mandate, month=month, payment=payment)
            record(
                user,
                debit,
                _("Prélèvement de %(month)s préparé : %(amount)s.")
                % {"month": f"{month:%m/%Y}", "amount": euros(payment.amount)},
                action=ADDITION,
            )
            prepared.append(debit)
    return prepared


def prepared_summary(month: datetime.date, prepared: int, *, establishments=None) -> str:
    """What a run of ``prepare_direct_debits`` did, in words, and why the mandates it skipped were skipped
    (no active mandate, already prepared for the month, nothing to debit), so that "0 prélèvement" is never
    left unexplained."""
    month = month_start(month)
    mandates = DirectDebitMandate.objects.filter(active=True)
    if establishments is not None:
        mandates = mandates.filter(establishment__in=establishments)
    already = mandates.filter(debits__month=month).distinct().count() - prepared
    nothing = mandates.count() - already - prepared
    label = f"{month:%m/%Y}"
    if prepared:
        head = ngettext(
            "%(count)d prélèvement préparé pour %(month)s : vérifiez-le puis confirmez-le.",
            "%(count)d prélèvements préparés pour %(month)s : vérifiez-les puis confirmez-les.",
            prepared,
        ) % {"count": prepared, "month": label}
    else:
        head = _("Aucun prélèvement préparé pour %(month)s.") % {"month": label}
    if not mandates.exists():
        return head + " " + _("Aucun mandat de prélèvement actif : enregistrez d'abord les mandats des familles.")
    reasons = []
    if already > 0:
        reasons.append(
            ngettext(
                "%(count)d mandat déjà préparé pour ce mois",
                "%(count)d mandats déjà préparés pour ce mois",
                already,
            )
            % {"count": already}
        )
    if nothing > 0:
        reasons.append(
            ngettext(
                "%(count)d mandat sans montant à prélever (pas d'enfant actif, ou solde qui couvre déjà les repas)",
                "%(count)d mandats sans montant à prélever (pas d'enfant actif, ou solde qui couvre déjà les repas)",
                nothing,
            )
            % {"count": nothing}
        )
    return head + (" " + _("Non préparés : %(reasons)s.") % {"reasons": " ; ".join(reasons)} if reasons else "")


@transaction.atomic
def confirm_direct_debit(debit: DirectDebit, *, user) -> bool:
    """Record a prepared debit as paid and credit the children; False if it was not pending."""
    credited = credit_payment(
        debit.payment,
        from_statuses=(PaymentStatus.PENDING,),
        label=_("Prélèvement automatique"),
        recorded_by=user,
    )
    if credited:
        DirectDebit.objects.filter(pk=debit.pk).update(confirmed_at=timezone.now(), confirmed_by=user)
        record(user, debit, _("Prélèvement confirmé, %(amount)s crédités.") % {"amount": euros(debit.payment.amount)})
    return credited


@transaction.atomic
def reject_direct_debit(debit: DirectDebit, *, user) -> None:
    """An "impayé": the bank returned the debit. Reverse the credits and tell the parent."""
    payment = debit.payment
    try:
        reverse_payment(
            payment,
            why="rejected",
            label=_("Prélèvement impayé"),
            note=_("Rejet de la banque"),
            recorded_by=user,
            status=PaymentStatus.FAILED,
        )
    except ValueError:
        raise CashierError(_("Seul un prélèvement confirmé peut être enregistré comme impayé.")) from None
    DirectDebit.objects.filter(pk=debit.pk).update(rejected_at=timezone.now(), rejected_by=user)
    record(
        user,
        debit,
        _("Impayé enregistré : %(amount)s repris, le parent est prévenu par e-mail.")
        % {"amount": euros(payment.amount)},
    )
    parent, school = debit.mandate.user, debit.mandate.establishment
    queue_email(
        "direct-debit-rejected",
        parent.email,
        {
            "parent_name": parent.get_short_name(),
            "month": debit.month,
            "amount": payment.amount,
            "parts": [(a.pupil.first_name, a.amount) for a in payment.allocations.select_related("pupil")],
        },
        # The school's cash desk answers the questions an unpaid debit raises (old mandates may have no school).
        reply_to=[school.contact_email] if school else None,
        sender_name=school.name if school else "",
    )
