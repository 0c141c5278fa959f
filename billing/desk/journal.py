"""The cash desk's journal: each operation booked between two days (meals aside), with totals per nature
and per establishment.

An operation is one payment (a cheque split between three pupils is one operation, not three) or one
entry without a payment (a correction, a year-end transfer). A payment's cancellation is an operation
of its own, on the day it is recorded.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.models import EntryKind, LedgerEntry
from portal.lib.csvfiles import csv_download, text_cell
from portal.lib.money import ZERO


@dataclass
class Operation:
    at: datetime.datetime
    kind: str
    label: str
    payer: str = ""
    cheque_number: str = ""
    bank: str = ""
    parts: list[tuple[str, Decimal]] = field(default_factory=list)  # pupil, amount
    total: Decimal = ZERO

    @property
    def split(self) -> str:
        """``Léa Martin 30,00 + Hugo Martin 20,00``: who got what, for the page and the CSV."""
        return " + ".join(f"{pupil} {number_format(amount, 2)}" for pupil, amount in self.parts)


@dataclass
class Journal:
    start: datetime.date
    end: datetime.date
    operations: list[Operation] = field(default_factory=list)
    by_kind: dict[str, Decimal] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # operations per nature
    by_establishment: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO

    @property
    def kinds(self) -> list[tuple[str, int, Decimal]]:
        return [(kind, self.counts[kind], total) for kind, total in self.by_kind.items()]


def journal(start: datetime.date, end: datetime.date, establishments=None) -> Journal:
    """Every operation recorded between two days included (meals aside), in the order it was recorded.

    ``establishments`` (a queryset) keeps only their pupils' entries, lines and totals alike: staff see
    their establishments' part of a cheque split with another school, never the other part.
    """
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    entries = (
        LedgerEntry.objects.filter(recorded_at__gte=since, recorded_at__lt=until)
        .exclude(kind=EntryKind.MEAL)
        .select_related("wallet__pupil__establishment", "payment__offline", "recorded_by")
        .order_by("recorded_at", "id")
    )
    if establishments is not None:
        entries = entries.filter(wallet__pupil__establishment__in=establishments)
    result = Journal(start, end)
    labels = dict(EntryKind.choices)
    operations: dict[tuple, Operation] = {}
    for entry in entries:
        kind = str(labels[entry.kind])
        # One payment's entries of one kind and label are one operation (its cancellation has its own label).
        key = (entry.payment_id, entry.kind, entry.label) if entry.payment_id else ("entry", entry.pk)
        operation = operations.get(key)
        if operation is None:
            payment = entry.payment
            offline = getattr(payment, "offline", None) if payment else None
            operation = operations[key] = Operation(
                at=timezone.localtime(entry.recorded_at),
                kind=kind,
                label=entry.label,
                payer=(payment.payer_name if payment else "") or (str(entry.recorded_by or "")),
                cheque_number=offline.cheque_number if offline else "",
                bank=offline.bank if offline else "",
            )
            result.operations.append(operation)
            result.counts[kind] = result.counts.get(kind, 0) + 1
        pupil = entry.wallet.pupil
        operation.parts.append((f"{pupil.first_name} {pupil.last_name}", entry.amount))
        operation.total += entry.amount
        establishment = pupil.establishment.name
        result.by_kind[kind] = result.by_kind.get(kind, ZERO) + entry.amount
        result.by_establishment[establishment] = result.by_establishment.get(establishment, ZERO) + entry.amount
        result.total += entry.amount
    return result


def journal_csv(result: Journal) -> StreamingHttpResponse:
    """For the accountant: one line per operation with its split, then a total per nature and the total
    (French decimals, semicolons; a name someone typed never runs as a formula)."""
    header = [_("Date"), _("Heure"), _("Nature"), _("Payeur"), _("N° de chèque"), _("Banque")]
    header += [_("Répartition"), _("Montant")]
    rows = [
        [f"{op.at:%d/%m/%Y}", f"{op.at:%H:%M}", op.kind, text_cell(op.payer), text_cell(op.cheque_number)]
        + [text_cell(op.bank), text_cell(op.split), number_format(op.total, 2)]
        for op in result.operations
    ]
    rows += [
        [
            _("Total"),
            "",
            kind,
            ngettext("%(count)s opération", "%(count)s opérations", count) % {"count": count},
            "",
            "",
            "",
            number_format(total, 2),
        ]
        for kind, count, total in result.kinds
    ]
    rows.append([_("Total"), "", "", "", "", "", "", number_format(result.total, 2)])
    return csv_download(f"journal-{result.start:%Y%m%d}-{result.end:%Y%m%d}.csv", header, rows)
