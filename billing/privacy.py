"""Money's personal data: payers' names, mandates' IBANs, the ledger's texts. How the register works:
``portal.lib.personal_data``.

The books outlive the names: entries, payments and their amounts are kept for the accounting period
(Code de commerce, art. L123-22: ten years) and never edited (the database refuses it). An erased person's
payments keep their amounts and order numbers; only the payer's name becomes the pseudonym. A pupil who left
is erased once its wallet has had no operation for ``PRIVACY_PUPIL_YEARS``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext

from canteen.models import Pupil
from portal.lib.personal_data import (
    CONNECTION,
    CONTACT,
    CORRESPONDENCE,
    IDENTITY,
    PAYMENT,
    Erasure,
    anonymiser,
    any_contains,
    declare,
    erase,
    pseudonym_code,
    retention_rule,
)

from .desk.models import DirectDebitMandate, MandateStatus, OfflinePayment
from .desk.sepa.mandates import end_mandate
from .models import Payment

declare(
    "billing.LedgerEntry",
    # Kept for the accounting period, never edited: staff write no name in a correction's reason.
    personal={"label": CORRESPONDENCE, "note": CORRESPONDENCE},
)
declare("billing.Payment", personal={"payer_name": IDENTITY, "provider_id": PAYMENT})
declare(
    "billing.OfflinePayment",
    personal={"drawer": IDENTITY, "cheque_number": PAYMENT, "bank": PAYMENT, "cancel_reason": CORRESPONDENCE},
)
declare(
    "billing.DirectDebitMandate",
    personal={
        "iban_encrypted": PAYMENT,
        "iban_hint": PAYMENT,
        "bic": PAYMENT,
        "reference": PAYMENT,
        "holder_name": IDENTITY,
        "holder_address": CONTACT,
        "consent_at": CONNECTION,
        "consent_ip": CONNECTION,
        "ended_reason": CORRESPONDENCE,
    },
    exempt={"last_collected_on": "la date du dernier prélèvement (la règle des 36 mois), sans la personne"},
)
declare("billing.DirectDebit", exempt={"bank_file": "le fichier bancaire qui porte le prélèvement (un lien)"})
declare("billing.BankFile", exempt={"message_id": "l'identifiant du fichier pour la banque"})
declare("billing.BankReturnFile", exempt={"name": "le nom du fichier de retours envoyé par la banque"})
declare("billing.Till", exempt={"name": "le nom d'une borne du self"})

YEAR = timedelta(days=366)
# Each erasure searches the free texts (journal, messages, outbox, payers) for the pupil's names: about 2.5 s with
# 200,000 journal entries and 200,000 payments on PostgreSQL. A night erases at most this many; the rest follow
# on the next nights (the rule finds them again), so a whole year group leaving at once never holds the worker.
PUPILS_PER_NIGHT = 300


def masked_iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    return f"{compact[:4]}{'X' * max(len(compact) - 8, 0)}{compact[-4:]}" if len(compact) > 8 else "X" * len(compact)


@anonymiser("user")
def anonymise_payer(erasure: Erasure) -> None:
    """The payments stay (amounts, dates, order numbers); the payer is the pseudonym; a mandate keeps the
    IBAN's first and last four characters (enough to answer a bank's question) and stops."""
    user = erasure.subject
    Payment.objects.filter(user=user).update(payer_name=erasure.pseudonym)
    for payment in Payment.objects.filter(any_contains("payer_name", erasure.needles)):  # typed at the desk
        Payment.objects.filter(pk=payment.pk).update(payer_name=erasure.scrub(payment.payer_name))
    offline_payments = OfflinePayment.objects.filter(Q(payment__user=user) | any_contains("drawer", erasure.needles))
    for offline in offline_payments.select_related("payment"):
        own = offline.payment.user_id == user.pk
        drawer = erasure.pseudonym if own else erasure.scrub(offline.drawer)
        OfflinePayment.objects.filter(pk=offline.pk).update(drawer=drawer)
    for mandate in DirectDebitMandate.objects.filter(user=user):
        end_mandate(mandate, reason=gettext("Compte du parent supprimé"))
        forget_mandate_holder(mandate, erasure.pseudonym)


def forget_mandate_holder(mandate: DirectDebitMandate, pseudonym: str) -> None:
    """The IBAN kept with its first and last four characters (enough to answer a bank's question), the holder
    a pseudonym, the online consent's address gone; the RUM, dates and amounts stay with the accounts."""
    mandate.iban = masked_iban(mandate.iban)  # the setter encrypts it and masks the hint
    DirectDebitMandate.objects.filter(pk=mandate.pk).update(
        iban_encrypted=mandate.iban_encrypted,
        iban_hint=mandate.iban_hint,
        holder_name=pseudonym,
        holder_address="",
        consent_ip=None,
    )


@retention_rule("mandats de prélèvement terminés")
def ended_mandates(now, dry_run: bool) -> int:
    """A mandate ended ``PRIVACY_MANDATE_MONTHS`` ago (the 13 months of a debtor's refund right for an
    unauthorised debit, and a month to answer the bank): its holder and account are forgotten as above."""
    limit = now - timedelta(days=30 * settings.PRIVACY_MANDATE_MONTHS)
    due = DirectDebitMandate.objects.filter(status=MandateStatus.ENDED, ended_at__lt=limit).exclude(holder_address="")
    if dry_run:
        return due.count()
    count = 0
    for mandate in due.iterator(chunk_size=200):
        forget_mandate_holder(mandate, f"Titulaire {pseudonym_code('mandate', mandate.pk)}")
        count += 1
    return count


@anonymiser("pupil")
def anonymise_payments_naming(erasure: Erasure) -> None:
    """A payer's name typed at the desk may be the child's full name: scrubbed."""
    for offline in OfflinePayment.objects.filter(any_contains("drawer", erasure.needles)):
        OfflinePayment.objects.filter(pk=offline.pk).update(drawer=erasure.scrub(offline.drawer))
    for payment in Payment.objects.filter(any_contains("payer_name", erasure.needles)):
        Payment.objects.filter(pk=payment.pk).update(payer_name=erasure.scrub(payment.payer_name))


def pupils_gone(now):
    """Pupils who left more than ``PRIVACY_PUPIL_YEARS`` ago and whose wallet has had no operation since."""
    cutoff = now - settings.PRIVACY_PUPIL_YEARS * YEAR
    return Pupil.objects.filter(active=False, anonymised_at__isnull=True, inactive_since__lt=cutoff).exclude(
        wallet__entries__occurred_at__gte=cutoff
    )


@retention_rule("élèves partis depuis la période comptable")
def pupils_who_left(now, dry_run: bool) -> int:
    due = pupils_gone(now)
    if dry_run:
        return due.count()
    count = 0
    for pupil in due.order_by("pk")[:PUPILS_PER_NIGHT]:
        erase("pupil", pupil)
        count += 1
    return count
