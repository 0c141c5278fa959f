"""The pain.008 file a bank accepts: one establishment, one collection date, checked before it is given out.

Built by sepaxml (pain.008.001.08, the 2019 version French banks take, or .02 where the establishment chose it),
one payment information block per sequence type (FRST, RCUR) and collection date, then validated against the
official XSD that sepaxml ships, by libxml2 through lxml: sepaxml's own validation (xmlschema, pure Python) takes
seconds for a file of 300 debits, lxml milliseconds. Amounts become cents only here, at sepaxml's boundary, by
Decimal arithmetic.
"""

from __future__ import annotations

import datetime
import functools
import os
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

import sepaxml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree
from sepaxml import SepaDD

from billing.models import PaymentStatus
from portal.lib.audit import ADDITION, record
from portal.lib.money import ZERO, euros

from ..models import SEPA_REFERENCE, BankFile, DirectDebit
from .calendar import is_business_day, sending_deadline

VERSION_02 = "pain.008.001.02"
XSD_DIR = os.path.join(os.path.dirname(sepaxml.__file__), "schemas")


class InvalidBankFile(ValueError):
    """The file does not validate against its XSD: a bug or a value the checks let through, never sent."""


@functools.cache
def schema(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(os.path.join(XSD_DIR, f"{version}.xsd")))


def validate(xml: bytes, version: str) -> None:
    """Raise ``InvalidBankFile`` unless ``xml`` validates against the official XSD of ``version``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    checker = schema(version)
    if not checker.validate(etree.fromstring(xml, parser)):
        raise InvalidBankFile(f"{version}: {checker.error_log.last_error}")


@dataclass
class BatchCheck:
    """What the cashier reads before downloading: the count, the control sum, and every problem found."""

    establishment: object
    collection_date: datetime.date
    debits: list[DirectDebit]
    problems: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.debits)

    @property
    def control_sum(self) -> Decimal:
        return sum((d.payment.amount for d in self.debits), ZERO)

    @property
    def by_sequence(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for debit in self.debits:
            counts[debit.sequence_type] = counts.get(debit.sequence_type, 0) + 1
        return counts

    @property
    def ok(self) -> bool:
        return bool(self.debits) and not self.problems


def debits_to_send(establishment, collection_date: datetime.date):
    """The debits pre-notified for this date, not yet in a file, still pending."""
    return (
        DirectDebit.objects.filter(
            mandate__establishment=establishment,
            collection_date=collection_date,
            prenotified_at__isnull=False,
            bank_file__isnull=True,
            payment__status=PaymentStatus.PENDING,
        )
        .select_related("mandate", "payment")
        .order_by("sequence_type", "mandate__reference")
    )


def check_batch(establishment, collection_date: datetime.date, today: datetime.date, debits=None) -> BatchCheck:
    """Everything a bank would refuse, said in French before any file exists."""
    debits = list(debits if debits is not None else debits_to_send(establishment, collection_date))
    check = BatchCheck(establishment, collection_date, debits)
    problems = check.problems
    if not establishment.creditor_identifier:
        problems.append(_("L'établissement n'a pas d'identifiant créancier SEPA (ICS) : renseignez-le."))
    if not establishment.bank_account:
        problems.append(_("L'établissement n'a pas de compte bancaire (IBAN) où recevoir les prélèvements."))
    if establishment.sepa_version == VERSION_02 and not establishment.bank_bic:
        problems.append(_("Le format pain.008.001.02 demande le BIC du compte de l'établissement."))
    if not is_business_day(collection_date):
        problems.append(_("Le %(date)s n'est pas un jour ouvré bancaire.") % {"date": f"{collection_date:%d/%m/%Y}"})
    if today > sending_deadline(collection_date):
        problems.append(
            _(
                "Trop tard pour une échéance le %(date)s : le fichier doit parvenir à la banque la veille ouvrée au plus tard."
            )
            % {"date": f"{collection_date:%d/%m/%Y}"}
        )
    if not debits:
        problems.append(_("Aucun prélèvement pré-notifié n'attend d'être envoyé pour cette échéance."))
    for debit in debits:
        mandate = debit.mandate
        try:
            SEPA_REFERENCE(mandate.reference)
        except Exception:
            problems.append(_("Le mandat %(rum)s a une référence (RUM) invalide.") % {"rum": mandate.reference})
        if not mandate.active:
            problems.append(_("Le mandat %(rum)s n'est plus actif.") % {"rum": mandate.reference})
        if debit.payment.amount <= 0:
            problems.append(
                _("Le prélèvement du mandat %(rum)s n'a pas de montant positif.") % {"rum": mandate.reference}
            )
    return check


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def build_xml(check: BatchCheck, message_id: str, version: str) -> bytes:
    """The file, validated against its XSD (``InvalidBankFile`` when not)."""
    establishment = check.establishment
    config = {
        "name": establishment.beneficiary[:70],
        "IBAN": establishment.bank_account,
        "batch": True,
        "creditor_id": establishment.creditor_identifier,
        "currency": "EUR",
        "instrument": "CORE",
    }
    if establishment.bank_bic or version == VERSION_02:
        config["BIC"] = establishment.bank_bic
    sepa = SepaDD(config, schema=version, clean=True)
    # Our message id, stored with the file: the header was written by the constructor with a random one.
    sepa.msg_id = message_id
    sepa._xml.find(f"{sepa.root_el}/GrpHdr/MsgId").text = message_id
    for debit in check.debits:
        mandate = debit.mandate
        payment = {
            "name": mandate.holder_name,
            "IBAN": mandate.iban,
            "amount": cents(debit.payment.amount),
            "type": debit.sequence_type,
            "collection_date": check.collection_date,
            "mandate_id": mandate.reference,
            "mandate_date": mandate.signed_on,
            "description": _("Restauration scolaire %(month)s %(name)s")
            % {"month": f"{debit.month:%m/%Y}", "name": establishment.name[:80]},
            "endtoend_id": debit.end_to_end_id,
        }
        if mandate.bic:
            payment["BIC"] = mandate.bic
        sepa.add_payment(payment)
    xml = sepa.export(validate=False)
    validate(xml, version)
    return xml


def new_message_id(establishment) -> str:
    return f"OS-{establishment.pk}-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(4).upper()}"[:35]


@transaction.atomic
def send_to_bank(establishment, collection_date: datetime.date, *, user, today: datetime.date):
    """Build the file, then mark its debits "sent to the bank" (all of them or none); returns the file's row and
    bytes. Raises ``ValueError`` with the problems (in French) when the batch is not ready."""
    debits = list(debits_to_send(establishment, collection_date).select_for_update(of=("self",)))
    check = check_batch(establishment, collection_date, today, debits)
    if not check.ok:
        raise ValueError(" ".join(check.problems))
    bank_file = BankFile.objects.create(
        establishment=establishment,
        collection_date=collection_date,
        version=establishment.sepa_version,
        message_id=new_message_id(establishment),
        transactions=check.count,
        control_sum=check.control_sum,
        created_by=user,
    )
    xml = build_xml(check, bank_file.message_id, bank_file.version)
    marked = DirectDebit.objects.filter(pk__in=[d.pk for d in debits], bank_file__isnull=True).update(
        bank_file=bank_file
    )
    if marked != len(debits):
        raise ValueError(_("Ces prélèvements viennent d'être mis dans un autre fichier : recommencez."))
    record(
        user,
        bank_file,
        ngettext(
            "Fichier de prélèvements remis à la banque : %(count)d prélèvement, %(total)s, échéance le %(date)s.",
            "Fichier de prélèvements remis à la banque : %(count)d prélèvements, %(total)s, échéance le %(date)s.",
            check.count,
        )
        % {"count": check.count, "total": euros(check.control_sum), "date": f"{collection_date:%d/%m/%Y}"},
        action=ADDITION,
    )
    return bank_file, xml


def rebuild(bank_file: BankFile) -> bytes:
    """The same file again (same message id: a bank refuses it a second time, which is what we want)."""
    debits = list(bank_file.debits.select_related("mandate", "payment").order_by("sequence_type", "mandate__reference"))
    check = BatchCheck(bank_file.establishment, bank_file.collection_date, debits)
    return build_xml(check, bank_file.message_id, bank_file.version)
