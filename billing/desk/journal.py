"""The cash desk's journal: money booked between two days (meals aside), per nature and establishment."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from billing.models import EntryKind, LedgerEntry
from portal.lib.money import ZERO


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


def journal_csv(result: Journal) -> HttpResponse:
    """For the accountant: one line per nature and establishment, then the total (French decimals)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="journal-{result.start:%Y%m%d}-{result.end:%Y%m%d}.csv"'
    response.write("\ufeff")  # so that spreadsheets open it as UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Nature"), _("Établissement"), _("Nombre d'opérations"), _("Montant")])
    for row in result.rows:
        writer.writerow([row["kind"], row["establishment"], row["count"], number_format(row["total"], 2)])
    writer.writerow([_("Total"), "", "", number_format(result.total, 2)])
    return response
