""" "HISTORIQUE DES OPÉRATIONS" of one child: the ledger itself, newest first, by month, as a page or CSV.

Every query starts from ``request.user``: another family's pupil is a 404.
The page costs the same few queries at any depth, served by the
``entry_wallet_history_idx`` index (wallet, occurred_at desc, id desc).
"""

from __future__ import annotations

import datetime
from html import escape

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from canteen.models import Pupil
from portal.lib.cached_pages import render_kept
from portal.lib.csvfiles import csv_download, text_cell
from portal.lib.localtime import midnight, today_at, zone_of
from portal.lib.money import signed

from . import precomputed
from .models import LedgerEntry

PER_PAGE = 20
DATE_FORMAT = "%d/%m/%Y - %H:%M"


def _pupil(request, pupil_id: int) -> Pupil:
    """One of the parent's children, with its school and wallet; another family's is a 404."""
    pupil = (
        Pupil.objects.filter(guardianships__user_id=request.user.pk, pk=pupil_id)
        .select_related("establishment", "wallet")
        .first()
    )
    if pupil is None:
        raise Http404
    return pupil


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
        school = pupil.establishment
        start = midnight(month, school)
        end = midnight(datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1), school)
        entries = entries.filter(occurred_at__gte=start, occurred_at__lt=end)
    return entries.values_list("occurred_at", "label", "amount", "note", named=True)  # rows, not model instances


def detail(entry) -> str:
    """The operation's label, and the cashier's reason when there is one (a correction, a cancellation): the
    family reads why its balance moved, "Correction — Motif : Repas du 04/12 facturé par erreur"."""
    if not entry.note:
        return entry.label
    return _("%(label)s — Motif : %(reason)s") % {"label": entry.label, "reason": " ".join(entry.note.split())}


class CountedPaginator(Paginator):
    """A paginator told its count (Django's asks the database for it)."""

    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self.count = count


ROW_HTML = (
    '<tr><td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="€" class="text-end {}">{}</td></tr>'
)


def _rows_html(entries, local: datetime.tzinfo) -> str:
    """The page's table rows, built here in one pass: twenty rows of cells through the template engine cost
    more than the rest of the page (docs/performance.md). Every value is escaped."""
    date_label, detail_label = escape(_("Date")), escape(_("Détail"))
    return mark_safe(
        "\n".join(
            ROW_HTML.format(
                date_label,
                timezone.localtime(e.occurred_at, local).strftime(DATE_FORMAT),
                detail_label,
                escape(detail(e)),
                "amount-negative" if e.amount < 0 else "amount-positive",
                escape(signed(e.amount)),
            )
            for e in entries
        )
    )


@login_required
def history(request, pupil_id: int):
    """A page of the history, kept for the family until its wallets move (portal.lib.cached_pages)."""
    asked = (request.GET.get("mois", ""), request.GET.get("page", ""))
    return render_kept(
        request,
        "billing/history.html",
        lambda: _history_context(request, _pupil(request, pupil_id)),
        keep=lambda context: _linked(asked, context),
    )


def _linked(asked: tuple[str, str], context: dict) -> bool:
    """Whether the month and page asked for are as the page's own links write them: only those are kept, not
    every text a visitor may type after ``?page=``."""
    month, page = context["month"], context["page"].number
    return asked == (f"{month:%Y-%m}" if month else "", "" if page == 1 and not asked[1] else str(page))


def _history_context(request, pupil: Pupil) -> dict:
    school = pupil.establishment
    today = today_at(school)
    month, month_error = _month(request)
    entries = _entries(pupil, month)
    count_key = precomputed.wallet_key("history-count", pupil.wallet, month)
    wanted = {count_key: precomputed.entry_count(pupil) if month is None else entries.count}
    chart_key = precomputed.chart_key(pupil, today)
    if month is None and request.GET.get("page", "1") == "1":  # the chart's page: both in one cache call
        wanted[chart_key] = precomputed.chart(pupil, today)
    cached = precomputed.kept(wanted)
    page = CountedPaginator(entries, PER_PAGE, cached[count_key]).get_page(request.GET.get("page"))
    context = {
        "schools": [school],
        "pupil": pupil,
        "page": page,
        "rows": _rows_html(page.object_list, zone_of(school)),
        "month": month,
        "month_error": month_error,
    }
    if page.number == 1 and month is None:  # the year at a glance, on the first page only
        if chart_key not in cached:  # a page number out of range or not a number: the first page
            cached |= precomputed.kept({chart_key: precomputed.chart(pupil, today)})
        context["spending"] = cached[chart_key]
    return context


@login_required
def history_csv(request, pupil_id: int):
    """The whole history (or the chosen month) as a CSV for a spreadsheet: French dates and amounts."""
    pupil = _pupil(request, pupil_id)
    month, _error = _month(request)  # a nonsense month: the whole history
    local = zone_of(pupil.establishment)
    rows = (
        [timezone.localtime(e.occurred_at, local).strftime(DATE_FORMAT), text_cell(detail(e)), signed(e.amount)]
        for e in _entries(pupil, month).iterator(chunk_size=2000)
    )
    name = f"historique-{pupil.first_name}-{pupil.last_name}{f'-{month:%Y-%m}' if month else ''}.csv"
    return csv_download(name.lower().replace(" ", "-"), [_("Date"), _("Détail"), "€"], rows)
