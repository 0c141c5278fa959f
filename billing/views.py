""" "HISTORIQUE DES OPÉRATIONS" of one child: the ledger itself, newest first, by month, as a page or CSV.

Every query starts from ``request.user``: another family's pupil is a 404.
The page costs the same few queries at any depth, served by the
``entry_wallet_history_idx`` index (wallet, occurred_at desc, id desc).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from canteen.models import Pupil
from portal.lib.cached_pages import render_cached, wallet_state
from portal.lib.money import signed
from portal.lib.prepared import Prepared

from . import spending
from .models import LedgerEntry

PER_PAGE = 20
DATE_FORMAT = "%d/%m/%Y - %H:%M"
CACHE_SECONDS = 24 * 3600


# Compiled once per process (portal.lib.prepared): building it cost more than running it.
_guarded_pupil = Prepared(
    "history_pupil",
    lambda user_id, pupil_id: Pupil.objects.filter(guardianships__user_id=user_id, pk=pupil_id).select_related(
        "establishment", "wallet"
    ),
    user_id=-7_340_023,
    pupil_id=-7_340_024,
)


def _pupil(request, pupil_id: int) -> Pupil:
    found = _guarded_pupil(user_id=request.user.pk, pupil_id=pupil_id)
    if not found:
        raise Http404
    return found[0]


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
    return entries.values_list("occurred_at", "label", "amount", named=True)  # rows, not model instances


def _per_wallet_state(pupil: Pupil, computations: dict[tuple, Callable]) -> dict[tuple, Any]:
    """Each ``computations[(name, *parts)]()``, cached for this wallet as it stands, read in one cache call.

    The keys hold the wallet's ``updated_at``, which every booking moves, so a new entry is never missing
    from what is served (the balance and the page's entries themselves are read from the database on
    every visit)."""
    wallet = pupil.wallet
    keys = {
        wanted: ":".join(str(part) for part in (wanted[0], wallet.pk, wallet.updated_at.timestamp(), *wanted[1:]))
        for wanted in computations
    }
    found = cache.get_many(list(keys.values()))
    values, missing = {}, {}
    for wanted, key in keys.items():
        if key in found:
            values[wanted] = found[key]
        else:
            values[wanted] = missing[key] = computations[wanted]()
    if missing:
        cache.set_many(missing, CACHE_SECONDS)
    return values


# A page of a wallet's whole history, compiled once per process (portal.lib.prepared).
_history_page = Prepared(
    "history_page",
    lambda wallet_id, offset: (
        LedgerEntry.objects.filter(wallet_id=wallet_id)
        .order_by("-occurred_at", "-id")
        .values_list("occurred_at", "label", "amount", named=True)[offset : offset + PER_PAGE]
    ),
    wallet_id=-7_340_027,
    offset=7_340_028,
)


class PreparedPage:
    """The entries of a wallet as the paginator slices them (its count told apart): each page one prepared
    query of PER_PAGE rows."""

    def __init__(self, wallet_id: int):
        self.wallet_id = wallet_id

    def __getitem__(self, window: slice) -> list:
        return _history_page(wallet_id=self.wallet_id, offset=window.start)


class CountedPaginator(Paginator):
    """A paginator told its count (Django's asks the database for it)."""

    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self.count = count


ROW_HTML = (
    '<tr><td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="€" class="text-end {}">{}</td></tr>'
)


def _rows_html(entries, local: ZoneInfo) -> str:
    """The page's table rows, built here in one pass: twenty rows of cells through the template engine cost
    more than the rest of the page (docs/performance.md). Every value is escaped."""
    date_label, detail_label = escape(_("Date")), escape(_("Détail"))
    return mark_safe(
        "\n".join(
            ROW_HTML.format(
                date_label,
                timezone.localtime(e.occurred_at, local).strftime(DATE_FORMAT),
                detail_label,
                escape(e.label),
                "amount-negative" if e.amount < 0 else "amount-positive",
                escape(signed(e.amount)),
            )
            for e in entries
        )
    )


@login_required
def history(request, pupil_id: int):
    """A page of the history, kept as rendered for the wallet as it stands (portal.lib.cached_pages)."""
    pupil = _pupil(request, pupil_id)
    local = ZoneInfo(pupil.establishment.timezone)
    today = datetime.datetime.now(local).date()
    asked = (request.GET.get("mois", ""), request.GET.get("page", ""))
    shown = (pupil.pk, pupil.first_name, pupil.last_name, local.key, today, *wallet_state(pupil.wallet), *asked)
    return render_cached(
        request,
        "billing/history.html",
        shown,
        lambda: _history_context(request, pupil, local, today),
        keep=lambda context: _linked(asked, context),
    )


def _linked(asked: tuple[str, str], context: dict) -> bool:
    """Whether the month and page asked for are as the page's own links write them: only those are kept, not
    every text a visitor may type after ``?page=``."""
    month, page = context["month"], context["page"].number
    return asked == (f"{month:%Y-%m}" if month else "", "" if page == 1 and not asked[1] else str(page))


def _history_context(request, pupil: Pupil, local: ZoneInfo, today: datetime.date) -> dict:
    month, month_error = _month(request)
    entries = _entries(pupil, month)
    count_key, chart_key = ("history-count", month), ("spending", today, get_language())
    wanted = {count_key: entries.count}
    if month is None and request.GET.get("page", "1") == "1":  # the chart's page: both in one cache call
        wanted[chart_key] = lambda: _spending_html(pupil, today)
    cached = _per_wallet_state(pupil, wanted)
    pages = entries if month is not None else PreparedPage(pupil.wallet.pk)
    page = CountedPaginator(pages, PER_PAGE, cached[count_key]).get_page(request.GET.get("page"))
    context = {
        "pupil": pupil,
        "page": page,
        "rows": _rows_html(page.object_list, local),
        "month": month,
        "month_error": month_error,
    }
    if page.number == 1 and month is None:  # the year at a glance, on the first page only
        if chart_key not in cached:  # a page number out of range or not a number: the first page
            cached |= _per_wallet_state(pupil, {chart_key: lambda: _spending_html(pupil, today)})
        context["spending"] = cached[chart_key]
    return context


def _spending_html(pupil: Pupil, today: datetime.date) -> str:
    """The chart and its table, rendered once per wallet state, day and language: a few hundred numbers."""
    months = spending.monthly_spending(pupil, today)
    return render_to_string("billing/_spending.html", {"spending": months, "chart": spending.chart_box()})


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
