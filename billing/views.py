""" "HISTORIQUE DES OPÉRATIONS" of one child: the ledger itself, newest first, by month, as a page or CSV.

Every query starts from ``request.user``: another family's pupil is a 404.
The page costs the same few queries at any depth, served by the
``entry_wallet_history_idx`` index (wallet, occurred_at desc, id desc).
"""

from __future__ import annotations

import csv
import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from canteen.models import Pupil
from portal.lib.money import signed

from . import spending
from .models import LedgerEntry

PER_PAGE = 20
DATE_FORMAT = "%d/%m/%Y - %H:%M"


def _pupil(request, pupil_id: int) -> Pupil:
    return get_object_or_404(
        Pupil.objects.guarded_by(request.user).select_related("establishment", "wallet"), pk=pupil_id
    )


FIRST_YEAR = 2000  # the ledger holds nothing older (a check constraint, migration 0006)


def _month(request) -> tuple[datetime.date | None, str]:
    """The ``mois=2026-11`` filter (None when absent) and why a nonsense month was ignored, if it was."""
    text = request.GET.get("mois", "")
    if not text:
        return None, ""
    try:
        month = datetime.datetime.strptime(text[:7], "%Y-%m").date() if len(text) == 7 else None
    except ValueError:
        month = None
    if month is None or not FIRST_YEAR <= month.year <= timezone.localdate().year + 1:
        return None, _(
            "Le mois « %(month)s » n'existe pas dans l'historique : toutes les opérations sont affichées."
        ) % {"month": text[:20]}
    return month, ""


def _entries(pupil: Pupil, month: datetime.date | None):
    entries = LedgerEntry.objects.filter(wallet_id=pupil.wallet.pk).order_by("-occurred_at", "-id")
    if month is not None:
        local = ZoneInfo(pupil.establishment.timezone)
        start = datetime.datetime(month.year, month.month, 1, tzinfo=local)
        end = datetime.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=local)
        entries = entries.filter(occurred_at__gte=start, occurred_at__lt=end)
    return entries.only("occurred_at", "label", "amount")


@login_required
def history(request, pupil_id: int):
    pupil = _pupil(request, pupil_id)
    month, month_error = _month(request)
    page = Paginator(_entries(pupil, month), PER_PAGE).get_page(request.GET.get("page"))
    context = {"pupil": pupil, "page": page, "month": month, "month_error": month_error, "chart": spending.chart_box()}
    if page.number == 1 and month is None:  # the year at a glance, on the first page only
        context["spending"] = spending.monthly_spending(pupil)
    return render(request, "billing/history.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def history_csv(request, pupil_id: int):
    """The whole history (or the chosen month) as a CSV for a spreadsheet: French dates and amounts."""
    pupil = _pupil(request, pupil_id)
    month, _error = _month(request)  # a nonsense month: the whole history
    local = ZoneInfo(pupil.establishment.timezone)
    writer = csv.writer(_Echo(), delimiter=";")

    def rows():
        yield "\ufeff" + writer.writerow([_("Date"), _("Détail"), "€"])
        for entry in _entries(pupil, month).iterator(chunk_size=2000):
            yield writer.writerow(
                [timezone.localtime(entry.occurred_at, local).strftime(DATE_FORMAT), entry.label, signed(entry.amount)]
            )

    name = f"historique-{pupil.first_name}-{pupil.last_name}{f'-{month:%Y-%m}' if month else ''}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name.lower().replace(" ", "-")}"'
    return response
