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
from django.db.models import F, Q
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
from billing.signals import correction_booked, direct_debit_announced, direct_debit_returned
from canteen.models import Pupil, meal_prices
from portal.lib import cached_pages
from portal.lib.audit import ADDITION, as_proxy, record
from portal.lib.emails import queue_email, queue_emails
from portal.lib.money import ZERO, euros, signed

from .models import (
    DebitMode,
    DepositSlip,
    DeskPayment,
    DirectDebit,
    DirectDebitMandate,
    MandateStatus,
    OfflinePayment,
)
from .sepa.calendar import collection_date, next_business_day
from .sepa.mandates import end_mandate
from .sepa.returns import ENDS_MANDATE, reason_label


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
    children = list(
        Pupil.objects.guarded_by(mandate.user_id)
        .filter(active=True, establishment=mandate.establishment_id)
        .select_related("wallet")
        .order_by("first_name")
    )
    return parts_of(mandate, children, meal_prices(children, month))


def parts_of(mandate: DirectDebitMandate, children, prices) -> list[tuple[Pupil, Decimal]]:
    parts = []
    for pupil in children:
        if mandate.mode == DebitMode.FIXED:
            amount = mandate.monthly_amount
        else:
            price = prices[pupil.pk] or ZERO
            amount = mandate.meals * price - pupil.wallet.balance
        if amount > 0:
            parts.append((pupil, amount))
    return parts


def end_to_end_id(mandate: DirectDebitMandate, month: datetime.date) -> str:
    """``OS-4388-7KQ2M9XH4C-202701``: the RUM and the month, unique as a debit is (one per mandate and month)."""
    return f"{mandate.reference[:28]}-{month:%Y%m}"


def prepare_direct_debits(month: datetime.date, *, establishments=None, user=None, today=None) -> list[DirectDebit]:
    """Compute the month's debits of the active mandates, as pending payments, each with its collection date.

    The collection date is the establishment's collection day of the month, or later when the pre-notification
    delay from ``today`` does not leave room (``billing.desk.sepa.calendar``). ``establishments`` (a queryset)
    limits the run to the mandates given to them, as staff do from the admin; the command runs it for every
    establishment. Each establishment's debits are prepared together, a few queries whatever their number.
    """
    month = month_start(month)
    today = today or timezone.localdate()
    mandates = (
        DirectDebitMandate.objects.filter(status=MandateStatus.ACTIVE, establishment__isnull=False)
        .exclude(debits__month=month)
        .select_related("user", "establishment")
        .order_by("establishment_id", "pk")
    )
    if establishments is not None:
        mandates = mandates.filter(establishment__in=establishments)
    by_establishment: dict[int, list[DirectDebitMandate]] = {}
    for mandate in mandates:
        by_establishment.setdefault(mandate.establishment_id, []).append(mandate)
    prepared = []
    for batch in by_establishment.values():
        prepared += _prepare_establishment(batch, month, today, user)
    return prepared


def _prepare_establishment(mandates, month, today, user) -> list[DirectDebit]:
    establishment = mandates[0].establishment
    earliest = today + datetime.timedelta(days=establishment.prenotification_days)
    collection = collection_date(month, establishment.collection_day, earliest)
    children: dict[int, list[Pupil]] = {}
    pupils = (
        Pupil.objects.filter(
            establishment=establishment, active=True, guardianships__user__in=[m.user_id for m in mandates]
        )
        .annotate(guardian_id=F("guardianships__user"))
        .select_related("wallet")
        .order_by("first_name", "pk")
    )
    for pupil in pupils:
        children.setdefault(pupil.guardian_id, []).append(pupil)
    prices = meal_prices([p for kids in children.values() for p in kids], month)
    planned = [(m, parts_of(m, children.get(m.user_id, []), prices)) for m in mandates]
    planned = [(m, parts) for m, parts in planned if parts]
    with transaction.atomic():
        payments = Payment.objects.bulk_create(
            Payment(
                method=PaymentMethod.DIRECT_DEBIT,
                status=PaymentStatus.PENDING,
                amount=sum((amount for _pupil, amount in parts), ZERO),
                user=mandate.user,
                payer_name=mandate.holder_name,
            )
            for mandate, parts in planned
        )
        PaymentAllocation.objects.bulk_create(
            PaymentAllocation(payment=payment, pupil=pupil, amount=amount)
            for payment, (_mandate, parts) in zip(payments, planned, strict=True)
            for pupil, amount in parts
        )
        debits = DirectDebit.objects.bulk_create(
            DirectDebit(
                mandate=mandate,
                month=month,
                payment=payment,
                collection_date=collection,
                sequence_type=mandate.sequence_type,
                end_to_end_id=end_to_end_id(mandate, month),
            )
            for payment, (mandate, _parts) in zip(payments, planned, strict=True)
        )
        for debit in debits if user is not None else ():  # a command's run is recorded by nobody
            record(
                user,
                debit,
                _("Prélèvement de %(month)s préparé : %(amount)s, échéance le %(date)s.")
                % {"month": f"{month:%m/%Y}", "amount": euros(debit.payment.amount), "date": f"{collection:%d/%m/%Y}"},
                action=ADDITION,
            )
        cached_pages.bump({mandate.user_id for mandate, _parts in planned})
    return debits


PRENOTIFY_CHUNK = 200  # debits announced per transaction: few commits for a month, short locks


def prenotify(debits, *, today: datetime.date) -> int:
    """Tell each parent what will be taken, when, under which RUM and ICS: an email and a notification.

    A debit whose announced date no longer leaves the establishment's delay is moved to the first business day
    that does, before being announced. Each debit is announced once (its row locked and checked), however often
    the daily task runs, a chunk of debits per transaction.
    """
    debits = list(debits)
    return sum(
        _prenotify_chunk([d.pk for d in debits[i : i + PRENOTIFY_CHUNK]], today)
        for i in range(0, len(debits), PRENOTIFY_CHUNK)
    )


def announcement(debit: DirectDebit) -> tuple[str, str, dict]:
    """The pre-notification email: the date, the amount and each child's part, the RUM and the ICS."""
    parent, establishment = debit.mandate.user, debit.mandate.establishment
    return (
        "direct-debit-announced",
        parent.email,
        {
            "parent_name": parent.get_short_name(),
            "amount": debit.payment.amount,
            "date": debit.collection_date,
            "parts": [(a.pupil.first_name, a.amount) for a in debit.payment.allocations.all()],
            "rum": debit.mandate.reference,
            "ics": establishment.creditor_identifier,
            "creditor": establishment.beneficiary,
        },
    )


@transaction.atomic
def _prenotify_chunk(ids: list[int], today: datetime.date) -> int:
    # Locked, then re-read: two runs of the task at once announce each debit once.
    locked = list(DirectDebit.objects.select_for_update().filter(pk__in=ids, prenotified_at__isnull=True))
    debits = list(
        DirectDebit.objects.filter(pk__in=[d.pk for d in locked])
        .select_related("mandate__user", "mandate__establishment", "payment")
        .prefetch_related("payment__allocations__pupil")
        .order_by("pk")
    )
    now = timezone.now()
    DirectDebit.objects.filter(pk__in=[d.pk for d in debits]).update(prenotified_at=now)
    for debit in debits:
        debit.prenotified_at = now
        earliest = today + datetime.timedelta(days=debit.mandate.establishment.prenotification_days)
        if debit.collection_date < earliest:  # announced late: the date moves to keep the delay
            debit.collection_date = next_business_day(earliest)
            DirectDebit.objects.filter(pk=debit.pk).update(collection_date=debit.collection_date)
    queue_emails([announcement(debit) for debit in debits])
    direct_debit_announced.send(sender=DirectDebit, debits=debits)
    return len(debits)


def due_prenotifications(today: datetime.date) -> list[DirectDebit]:
    """The debits to announce today: not announced yet, still pending, their establishment's delay reached."""
    waiting = (
        DirectDebit.objects.filter(
            prenotified_at__isnull=True,
            collection_date__isnull=False,
            payment__status=PaymentStatus.PENDING,
            mandate__status=MandateStatus.ACTIVE,
        )
        .select_related("mandate__user", "mandate__establishment", "payment")
        .order_by("pk")
    )
    return [
        debit
        for debit in waiting
        if debit.collection_date - datetime.timedelta(days=debit.mandate.establishment.prenotification_days) <= today
    ]


def prepared_summary(month: datetime.date, prepared: int, *, establishments=None) -> str:
    """What a run of ``prepare_direct_debits`` did, in words, and why the mandates it skipped were skipped
    (no active mandate, already prepared for the month, nothing to debit), so that "0 prélèvement" is never
    left unexplained."""
    month = month_start(month)
    mandates = DirectDebitMandate.objects.filter(status=MandateStatus.ACTIVE, establishment__isnull=False)
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
    """Record a debit as paid and credit the children; False if it was not pending. The daily task does it on
    the collection date for the debits sent to the bank (``user`` None); a cashier may for a debit paid outside
    a file (the bookkeeping of mandates without a creditor identifier)."""
    credited = credit_payment(
        debit.payment,
        from_statuses=(PaymentStatus.PENDING,),
        label=_("Prélèvement automatique"),
        recorded_by=user,
    )
    if credited:
        DirectDebit.objects.filter(pk=debit.pk).update(confirmed_at=timezone.now(), confirmed_by=user)
        collected = debit.collection_date or timezone.localdate()
        DirectDebitMandate.objects.filter(pk=debit.mandate_id).update(last_collected_on=collected)
        record(user, debit, _("Prélèvement confirmé, %(amount)s crédités.") % {"amount": euros(debit.payment.amount)})
    return credited


def credit_collected(today: datetime.date) -> int:
    """Credit the debits sent to the bank whose collection date has come: not before, each once."""
    due = DirectDebit.objects.filter(
        bank_file__isnull=False, collection_date__lte=today, payment__status=PaymentStatus.PENDING
    ).select_related("payment")
    return sum(confirm_direct_debit(debit, user=None) for debit in list(due))


def reject_direct_debit(debit: DirectDebit, *, user, code: str = "MS03") -> None:
    """An "impayé" recorded by hand: the bank returned the debit for ``code``."""
    if not return_direct_debit(debit, code, user):
        raise CashierError(_("Seul un prélèvement envoyé à la banque ou crédité, pas encore impayé, peut être rejeté."))


@transaction.atomic
def return_direct_debit(debit: DirectDebit, code: str, user) -> bool:
    """The bank returned (or rejected) the debit: reverse the credit if it was credited, cancel it if not, tell
    the parent why in French, and end the mandate where the code says it cannot be used again.

    False when this debit had already been returned: a return file imported again changes nothing.
    """
    code = code.upper()[:4]
    # Only a debit the bank had (sent in a file, or credited) can come back; once.
    returnable = Q(payment__status=PaymentStatus.PAID) | Q(
        payment__status=PaymentStatus.PENDING, bank_file__isnull=False
    )
    if not DirectDebit.objects.filter(returnable, pk=debit.pk, rejected_at__isnull=True).update(
        rejected_at=timezone.now(), rejected_by=user, return_code=code
    ):
        return False
    payment = debit.payment
    reason = reason_label(code)
    try:
        reverse_payment(
            payment,
            why="rejected",
            label=_("Prélèvement impayé"),
            note=_("Rejet de la banque : %(code)s %(reason)s") % {"code": code, "reason": reason},
            recorded_by=user,
            status=PaymentStatus.FAILED,
        )
    except ValueError:  # returned before it was credited (a reject before the collection date)
        if not Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(status=PaymentStatus.FAILED):
            transaction.set_rollback(True)
            return False
    record(
        user,
        debit,
        _("Impayé enregistré (%(code)s %(reason)s) : %(amount)s, le parent est prévenu.")
        % {"code": code, "reason": reason, "amount": euros(payment.amount)},
    )
    if code in ENDS_MANDATE:
        end_mandate(debit.mandate, reason=_("Rejet de la banque : %(reason)s") % {"reason": reason}, user=user)
    parent, school = debit.mandate.user, debit.mandate.establishment
    queue_email(
        "direct-debit-rejected",
        parent.email,
        {
            "parent_name": parent.get_short_name(),
            "month": debit.month,
            "amount": payment.amount,
            "reason": reason,
            "mandate_ended": code in ENDS_MANDATE,
            "parts": [(a.pupil.first_name, a.amount) for a in payment.allocations.select_related("pupil")],
        },
        # The school's cash desk answers the questions an unpaid debit raises (old mandates may have no school).
        reply_to=[school.contact_email] if school else None,
        sender_name=school.name if school else "",
    )
    direct_debit_returned.send(sender=DirectDebit, debit=debit, reason=reason)
    return True
