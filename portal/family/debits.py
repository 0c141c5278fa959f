"""A family's direct debits, under "Autres moyens de paiement": ask for a mandate online (explicit consent, its
time and address recorded) or on paper (a printable form), see the mandate and the next debits, ask to stop.

Every query starts from the login: another family's mandate, or a school where the family has no child, is 404.
"""

from __future__ import annotations

import ipaddress

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.desk.forms import MandateRequestForm
from billing.desk.models import DirectDebitMandate, MandateStatus
from billing.desk.sepa import mandates
from canteen.models import Establishment, Pupil
from portal.lib.audit import ADDITION, record
from portal.lib.ratelimit import client_address


def school_of(request, pk: int) -> Establishment:
    """One of the family's schools, as a SEPA creditor; 404 for any other."""
    schools = Establishment.objects.filter(pupils__in=Pupil.objects.guarded_by(request.user)).distinct()
    school = get_object_or_404(schools, pk=pk)
    if not school.is_sepa_creditor:
        raise Http404
    return school


def ip_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def live_mandate(user, school) -> DirectDebitMandate | None:
    return (
        DirectDebitMandate.objects.filter(user=user, establishment=school).exclude(status=MandateStatus.ENDED).first()
    )


@login_required
def request_mandate(request, pk: int):
    """The holder, the IBAN, how much; then "Je signe en ligne" (the consent box ticked) or "J'imprime le mandat"
    (to sign and hand to the school). Staff validate either in the admin."""
    school = school_of(request, pk)
    if live_mandate(request.user, school) is not None:
        messages.info(request, _("Vous avez déjà un mandat pour cet établissement."))
        return redirect("portal:other_payments")
    on_paper = "print" in request.POST
    form = MandateRequestForm(request.POST or None, initial={"holder_name": request.user.get_full_name()})
    if on_paper:
        form.fields["consent"].required = False
    if request.method == "POST" and form.is_valid():
        mandate = form.save(commit=False)
        form.set_bank_details(mandate)
        mandate.user = request.user
        mandate.establishment = school
        mandate.status = MandateStatus.REQUESTED
        mandate.signed_on = timezone.localdate()
        mandate.created_by = request.user
        if not on_paper:
            mandate.consent_at, mandate.consent_ip = timezone.now(), ip_address(client_address(request))
        mandates.save_with_reference(mandate)
        record(
            request.user,
            mandate,
            _("Mandat demandé en ligne, signé par consentement explicite.")
            if not on_paper
            else _("Mandat demandé en ligne, à imprimer et signer."),
            action=ADDITION,
        )
        if on_paper:
            return redirect("portal:mandate_print", pk=mandate.pk)
        messages.success(
            request,
            _("Votre mandat est signé : l'établissement le valide, puis vous êtes prévenu avant chaque prélèvement."),
        )
        return redirect("portal:other_payments")
    return render(request, "portal/mandate_request.html", {"form": form, "school": school})


@login_required
def print_mandate(request, pk: int):
    """The mandate as a page that prints well: creditor, ICS, RUM, holder, masked IBAN, the SEPA text."""
    mandate = get_object_or_404(DirectDebitMandate.objects.select_related("establishment"), pk=pk, user=request.user)
    return render(request, "portal/mandate_print.html", {"mandate": mandate, "school": mandate.establishment})


@login_required
@require_POST
def stop_mandate(request, pk: int):
    """The parent revokes the mandate: no debit is prepared on it any more, those not yet sent to the bank are
    cancelled."""
    mandate = get_object_or_404(DirectDebitMandate, pk=pk, user=request.user)
    if mandates.end_mandate(mandate, reason=_("Arrêt demandé par le parent."), user=request.user):
        messages.success(request, _("Votre mandat est arrêté : aucun nouveau prélèvement ne sera fait."))
    return redirect("portal:other_payments")
