"""Staff preview every email the portal sends, rendered from example values, from the admin."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .emails import render_email

SITE = settings.SITE_URL
SCHOOL = {"name": "École élémentaire d'Esvres", "code": "4388"}
PUPIL = {"first_name": "Léa", "last_name": "Martin", "full_name": "Léa Martin"}
THREAD = {
    "establishment": SCHOOL,
    "subject": "Demande de prélèvement",
    "sender": {"name": "Camille Martin", "email": "camille.martin@example.com", "has_login": True},
    "pupil_name": "Léa Martin",
}


def samples() -> dict[str, tuple[str, dict]]:
    """Each email: (what it is for, example context with the same names and types as the real one)."""
    now = timezone.now()
    return {
        "message-received": (
            _("Nouveau message d'une famille (à l'établissement)"),
            {
                **THREAD,
                "body": "Bonjour,\nje souhaite payer la cantine par prélèvement mensuel.",
                "sent_at": "04/12/2026 - 18:32",
                "admin_url": f"{SITE}/admin/portal/messagethread/1/change/",
            },
        ),
        "message-answered": (
            _("Réponse de l'établissement (à la famille)"),
            {
                **THREAD,
                "answer": "Bonjour,\nle service de caisse vous appelle cette semaine.",
                "thread_url": f"{SITE}/messages/1/",
            },
        ),
        "low-balance": (
            _("Alerte de solde bas"),
            {
                "pupil": PUPIL,
                "establishment": SCHOOL,
                "balance": Decimal("6.00"),
                "until": "lundi 30/11",
                "accounts_url": f"{SITE}/comptes/",
            },
        ),
        "booking-reminder": (
            _("Rappel des repas à réserver"),
            {
                "pupils": "Léa, Hugo",
                "count": 2,
                "day": "10/03",
                "cutoff": "10/03 09:30",
                "url": f"{SITE}/reservations/",
            },
        ),
        "negative-balance": (
            _("Rappel hebdomadaire de solde négatif"),
            {
                "pupil": PUPIL,
                "establishment": SCHOOL,
                "balance": Decimal("-7.00"),
                "until": "",
                "accounts_url": f"{SITE}/comptes/",
            },
        ),
        "email-change-confirm": (
            _("Confirmation d'un changement d'e-mail (à la nouvelle adresse)"),
            {
                "old_email": "camille.martin@example.com",
                "new_email": "camille@example.org",
                "link": f"{SITE}/profil/email/exemple/",
            },
        ),
        "email-changed": (
            _("E-mail changé (à l'ancienne adresse)"),
            {"old_email": "camille.martin@example.com", "new_email": "camille@example.org"},
        ),
        "account-activation": (
            _("Création du mot de passe après validation"),
            {
                "establishment": SCHOOL,
                "user": {"email": "camille.martin@example.com"},
                "children": ["Léa Martin"],
                "days": 3,
                "activation_url": f"{SITE}/compte/activer/exemple/",
            },
        ),
        "account-child-added": (
            _("Enfant ajouté à un compte existant"),
            {
                "user": {"email": "camille.martin@example.com"},
                "pupil": PUPIL,
                "establishment": SCHOOL,
                "activation_url": "",
                "days": 3,
                "site_url": SITE,
            },
        ),
        "account-request-received": (
            _("Accusé de réception d'une demande de compte"),
            {
                "request": {"first_name": "Léa", "last_name": "Martin", "email": "camille.martin@example.com"},
                "establishment": SCHOOL,
                "date": "26/11/2026",
                "time": "18:32",
                "another_url": f"{SITE}/e/4388/demande/",
            },
        ),
        "guardian-added": (
            _("Responsable ajouté au compte d'un enfant"),
            {
                "pupil": PUPIL,
                "added": {"email": "autre.parent@example.com"},
                "date": "26/11/2026",
                "time": "14:05",
                "establishment": {**SCHOOL, "contact_email": "administration@esvres.example"},
                "site_url": SITE,
            },
        ),
        "guardian-left": (
            _("Un autre responsable a supprimé son compte"),
            {
                "pupil": PUPIL,
                "balance": Decimal("18.40"),
                "establishment": SCHOOL,
                "site_url": SITE,
            },
        ),
        "quotient-decided": (
            _("Quotient familial validé ou refusé"),
            {
                "validated": True,
                "value": 450,
                "establishment": SCHOOL,
                "start": "07/09/2026",
                "end": "31/08/2027",
                "reason": "",
                "link": f"{SITE}/profil/quotient-familial/",
            },
        ),
        "quotient-expiring": (
            _("Quotient familial bientôt expiré"),
            {"value": 450, "end": "31/08/2027", "establishment": SCHOOL, "link": f"{SITE}/profil/quotient-familial/"},
        ),
        "account-refused": (
            _("Demande de compte refusée"),
            {"request": PUPIL, "reason": "Aucun élève de ce nom dans l'établissement.", "establishment": SCHOOL},
        ),
        "account-requests-digest": (
            _("Demandes en attente (à l'établissement, chaque matin)"),
            {
                "establishment": SCHOOL,
                "pending": 3,
                "overdue": 1,
                "admin_url": f"{SITE}/admin/accounts/accountrequest/",
            },
        ),
        "account-requests-staff-digest": (
            _("Demandes en attente (à chaque membre du personnel, pour ses établissements, chaque matin)"),
            {
                "pending": 4,
                "establishments": [
                    {"name": SCHOOL["name"], "pending": 3, "overdue": 1, "admin_url": f"{SITE}/admin/accounts/"},
                    {"name": "Collège Balzac", "pending": 1, "overdue": 0, "admin_url": f"{SITE}/admin/accounts/"},
                ],
            },
        ),
        "direct-debit-announced": (
            _("Pré-notification d'un prélèvement (au délai de l'établissement avant l'échéance)"),
            {
                "parent_name": "Camille Martin",
                "amount": Decimal("45.00"),
                "date": datetime.date(2027, 1, 5),
                "parts": [["Léa", Decimal("25.00")], ["Hugo", Decimal("20.00")]],
                "rum": "OS-4388-7KQ2M9XH4C",
                "ics": "FR72ZZZ123456",
                "creditor": "Restauration scolaire d'Esvres",
            },
        ),
        "direct-debit-rejected": (
            _("Prélèvement impayé"),
            {
                "parent_name": "Camille Martin",
                "month": datetime.date(2026, 11, 1),
                "amount": Decimal("80.00"),
                "reason": "Provision insuffisante",
                "mandate_ended": False,
                "parts": [["Léa Martin", Decimal("40.00")], ["Hugo Martin", Decimal("40.00")]],
            },
        ),
        "payment-receipt": (
            _("Reçu de paiement en ligne"),
            {
                "payment": {"order_number": "00000042", "amount": Decimal("50.00"), "paid_at": now, "payer_name": ""},
                "allocations": [{"pupil": PUPIL, "amount": Decimal("50.00")}],
                "establishment": {
                    "name": SCHOOL["name"],
                    "beneficiary": "Restauration scolaire d'Esvres",
                    "address": "4, Mail de la Papoterie",
                },
                "date": "05/12/2026",
                "time": "18:32",
            },
        ),
        "password-reset": (
            _("Mot de passe oublié"),
            {
                "user": {"email": "camille.martin@example.com"},
                "site_url": SITE,
                "uid": "MQ",
                "token": "exemple",
            },
        ),
    }


@staff_member_required
def index(request):
    previews = []
    for name, (purpose, context) in samples().items():
        subject, body, _html = render_email(name, context)
        previews.append({"name": name, "purpose": purpose, "subject": subject, "body": body})
    return render(request, "admin/email_previews.html", {"previews": previews, "title": _("Aperçu des e-mails")})


@staff_member_required
def html(request, name: str):
    """The HTML part alone, as the recipient's mail client would show it."""
    sample = samples().get(name)
    if sample is None:
        raise Http404
    return HttpResponse(render_email(name, sample[1])[2])
