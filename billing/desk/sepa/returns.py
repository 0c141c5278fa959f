"""What the bank sends back: returned or rejected debits, read from a camt.054 statement or a pain.002 status
report, matched by end-to-end id. Uploaded XML is never trusted: it is parsed by defusedxml (no entities, no
external references), its size bounded by the form.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from defusedxml import ElementTree
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import BankReturnFile, DirectDebit

# The ISO 20022 reason codes a French bank sends back, in the words a parent understands.
REASONS = {
    "AC01": gettext_lazy("Coordonnées bancaires incorrectes"),
    "AC04": gettext_lazy("Compte clôturé"),
    "AC06": gettext_lazy("Compte bloqué"),
    "AC13": gettext_lazy("Compte de débiteur non valide (compte de consommateur requis)"),
    "AG01": gettext_lazy("Prélèvement interdit sur ce compte"),
    "AG02": gettext_lazy("Code opération incorrect"),
    "AM04": gettext_lazy("Provision insuffisante"),
    "AM05": gettext_lazy("Prélèvement en double"),
    "BE05": gettext_lazy("Créancier non reconnu"),
    "CNOR": gettext_lazy("Banque du créancier non joignable"),
    "DNOR": gettext_lazy("Banque du débiteur non joignable"),
    "FF01": gettext_lazy("Fichier refusé (format)"),
    "MD01": gettext_lazy("Pas de mandat"),
    "MD02": gettext_lazy("Informations du mandat manquantes ou incorrectes"),
    "MD06": gettext_lazy("Remboursement demandé par le débiteur"),
    "MD07": gettext_lazy("Débiteur décédé"),
    "MS02": gettext_lazy("Refusé par le débiteur"),
    "MS03": gettext_lazy("Motif non communiqué par la banque"),
    "RC01": gettext_lazy("BIC incorrect"),
    "RR01": gettext_lazy("Identification du débiteur manquante"),
    "RR02": gettext_lazy("Nom ou adresse du débiteur manquant"),
    "RR03": gettext_lazy("Nom ou adresse du créancier manquant"),
    "RR04": gettext_lazy("Raison réglementaire"),
    "SL01": gettext_lazy("Service spécifique de la banque du débiteur"),
}
# Codes after which the mandate cannot be used again: the account is wrong, closed or blocked, there is no
# mandate, the debtor died, or forbids debits on the account.
ENDS_MANDATE = {"AC01", "AC04", "AC06", "AC13", "AG01", "MD01", "MD07"}


def reason_label(code: str) -> str:
    return str(REASONS.get(code, REASONS["MS03"]))


@dataclass(frozen=True)
class ReturnLine:
    end_to_end_id: str
    code: str


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def children(element, name: str):
    return [child for child in element.iter() if local(child.tag) == name]


def first_text(element, *path: str) -> str:
    """The text of the first descendant reached by ``path`` (local names, namespaces ignored)."""
    nodes = [element]
    for name in path:
        nodes = [found for node in nodes for found in children(node, name)]
        if not nodes:
            return ""
    return (nodes[0].text or "").strip()


class UnreadableFile(ValueError):
    """Not a camt.054 or pain.002 we can read; the message is French."""


def parse(content: bytes) -> list[ReturnLine]:
    """The returned debits of a camt.054 (``TxDtls`` with a ``RtrInf``) or pain.002 (``OrgnlTxRef``/``TxInfAndSts``
    with the status RJCT) file."""
    try:
        root = ElementTree.fromstring(content, forbid_dtd=True)
    except Exception:
        raise UnreadableFile(_("Ce fichier n'est pas un fichier XML lisible de la banque.")) from None
    message = root[0] if local(root.tag) == "Document" and len(root) else None
    name = local(message.tag) if message is not None else ""
    lines = []
    if name == "BkToCstmrDbtCdtNtfctn":  # camt.054
        for tx in children(root, "TxDtls"):
            code = first_text(tx, "RtrInf", "Rsn", "Cd")
            e2e = first_text(tx, "Refs", "EndToEndId")
            if code and e2e:
                lines.append(ReturnLine(e2e, code.upper()))
    elif name == "CstmrPmtStsRpt":  # pain.002
        for tx in children(root, "TxInfAndSts"):
            if first_text(tx, "TxSts") not in ("RJCT", ""):
                continue
            code = first_text(tx, "StsRsnInf", "Rsn", "Cd")
            e2e = first_text(tx, "OrgnlEndToEndId")
            if code and e2e:
                lines.append(ReturnLine(e2e, code.upper()))
    else:
        raise UnreadableFile(_("Ce fichier n'est ni un relevé camt.054 ni un compte rendu pain.002."))
    return lines


@dataclass
class ImportResult:
    applied: int = 0
    already: int = 0
    unmatched: int = 0
    duplicate_file: bool = False


def import_file(content: bytes, *, name: str, establishment, user, apply_return) -> ImportResult:
    """Apply each line once, in one transaction; the same file imported again changes nothing.

    ``apply_return(debit, code, user)`` is the desk's return (``operations.return_direct_debit``): True when it
    changed the debit, False when that debit had already been returned.
    """
    lines = parse(content)
    digest = hashlib.sha256(content).hexdigest()
    result = ImportResult()
    if BankReturnFile.objects.filter(sha256=digest).exists():
        return ImportResult(duplicate_file=True)
    try:
        with transaction.atomic():
            record = BankReturnFile.objects.create(
                establishment=establishment, name=name[:200], sha256=digest, imported_by=user
            )
            debits = DirectDebit.objects.filter(
                end_to_end_id__in=[line.end_to_end_id for line in lines], mandate__establishment=establishment
            ).select_related("mandate__user", "payment")
            by_id = {debit.end_to_end_id: debit for debit in debits}
            for line in lines:
                debit = by_id.get(line.end_to_end_id)
                if debit is None:
                    result.unmatched += 1
                elif apply_return(debit, line.code, user):
                    result.applied += 1
                else:
                    result.already += 1
            record.returns, record.unmatched = result.applied, result.unmatched
            record.save(update_fields=["returns", "unmatched"])
    except IntegrityError:  # the same file imported twice at the same time: the digest is unique
        return ImportResult(duplicate_file=True)
    return result
