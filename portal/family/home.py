"""The family's home: one card per child; and the other ways to pay, in each school's own words."""

from __future__ import annotations

import datetime
from collections import namedtuple

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing import precomputed
from billing.children import children_with_wallets
from billing.desk.models import DirectDebit, DirectDebitMandate, MandateStatus
from billing.models import PaymentStatus, meals_covered
from canteen.models import Pupil
from portal.lib.cached_pages import render_kept
from portal.lib.money import euros
from portal.lib.urls import cached_reverse


@login_required
def home(request):
    """One card per child: school, balance, the whole meals it covers and until when, in a fixed number of
    queries; kept for the family until anything it shows changes (portal.lib.cached_pages). Staff with no
    child of their own have nothing here: their work is in the admin."""
    if request.user.is_staff and not Pupil.objects.guarded_by(request.user).exists():
        return redirect("admin:index")

    def context() -> dict:
        children = children_with_wallets(request.user.pk)
        until = precomputed.forecasts(children)
        return {
            "children": [child_card(child, until[child.pk]) for child in children],
            "schools": {child.establishment for child in children},
        }

    return render_kept(request, "portal/home.html", context)


ChildCard = namedtuple(
    "ChildCard", "pk first_name name school balance negative empty meals forecast history_url contact_url"
)


def child_card(child: Pupil, forecast: datetime.date | None) -> ChildCard:
    """A child's card, its texts made here once rather than by a dozen tags and filters per card."""
    balance = child.wallet.balance
    meals = meals_covered(balance, child.price_today)
    return ChildCard(
        child.pk,
        child.first_name,
        f"{child.first_name} {child.last_name}",
        child.establishment.name,
        euros(balance),
        balance < 0,
        # Not negative but not one meal either (0,00 € or less than a meal's price): time to credit.
        balance >= 0 and meals < 1,
        ngettext("Soit : %(meals)s repas", "Soit : %(meals)s repas", meals) % {"meals": meals},
        # Our own sentence and a date: safe as the template's blocktranslate made it.
        mark_safe(
            _("Au rythme actuel, le solde couvre les repas jusqu'au %(until)s")
            % {"until": escape(formats.date_format(forecast, "l d/m"))}
        )
        if forecast
        else "",
        cached_reverse("billing:history", child.pk),
        f"{cached_reverse('portal:messages')}?enfant={child.pk}#ecrire",
    )


@login_required
def other_payments(request):
    """Cheque and direct debit, for each establishment of the family's children, in the school's own words."""
    children = list(Pupil.objects.guarded_by(request.user).select_related("establishment").order_by("first_name"))
    schools: dict[int, dict] = {}
    for child in children:
        schools.setdefault(child.establishment_id, {"establishment": child.establishment, "children": []})
        schools[child.establishment_id]["children"].append(child)
    for school in schools.values():
        school.update(direct_debits_of(request.user, school["establishment"]))
    return render(request, "portal/other_payments.html", {"schools": list(schools.values())})


def direct_debits_of(user, establishment) -> dict:
    """The family's mandate at this school (if any, not ended) and its next debits, each with its parts:
    "Prochain prélèvement : 45,00 € le 05/01, Léa 25,00 €, Hugo 20,00 €"."""
    mandate = (
        DirectDebitMandate.objects.filter(user=user, establishment=establishment)
        .exclude(status=MandateStatus.ENDED)
        .first()
    )
    upcoming = []
    if mandate is not None:
        upcoming = list(
            DirectDebit.objects.filter(mandate=mandate, payment__status=PaymentStatus.PENDING, rejected_at__isnull=True)
            .select_related("payment")
            .prefetch_related("payment__allocations__pupil")
            .order_by("collection_date")
        )
    return {"mandate": mandate, "upcoming": upcoming}
