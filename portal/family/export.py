"""Everything held on a family, downloaded by the parent from "Mon profil": JSON or CSV, streamed."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from billing.models import LedgerEntry, Payment
from canteen.models import AlertSettings, Pupil
from canteen.quotient import FamilyQuotient
from portal.lib.csvfiles import csv_download, text_cell

from .models import Message, Notification

# Everything held on the family: the login, the children, their operations, payments, messages, notifications.


def _family(user: User):
    pupils = list(Pupil.objects.guarded_by(user).select_related("establishment", "wallet").order_by("pk"))
    return pupils


def _records(user: User):
    """(section, record) pairs, streamed: operations are read in chunks, never all at once."""
    yield (
        "profil",
        {
            "email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "inscrit_le": user.date_joined,
            "derniere_connexion": user.last_login,
        },
    )
    alert = AlertSettings.objects.filter(user=user).first()
    yield (
        "alerte",
        {"active": alert.enabled if alert else True, "seuil": alert.threshold if alert else None},
    )
    for q in FamilyQuotient.objects.filter(user=user).select_related("establishment").order_by("created_at"):
        yield (
            "quotient_familial",
            {
                "etablissement": q.establishment.name,
                "quotient": q.value,
                "organisme": q.get_issuer_display(),
                "date_attestation": q.attestation_date,
                "etat": q.get_status_display(),
                "applicable_du": q.applies_from,
                "expire_le": q.expires_on,
                "motif_refus": q.refusal_reason,
                "declare_le": q.created_at,
            },
        )
    pupils = _family(user)
    for p in pupils:
        yield (
            "enfant",
            {
                "id": p.pk,
                "prenom": p.first_name,
                "nom": p.last_name,
                "etablissement": p.establishment.name,
                "classe": p.class_name,
                "categorie": p.category,
                "carte": p.card_number,
                "solde": p.wallet.balance,
            },
        )
    entries = (
        LedgerEntry.objects.filter(wallet__pupil__in=pupils)
        .select_related("wallet__pupil")
        .order_by("wallet__pupil_id", "occurred_at", "id")
    )
    for e in entries.iterator(chunk_size=2000):
        yield (
            "operation",
            {
                "enfant": e.wallet.pupil.first_name,
                "date": e.occurred_at,
                "detail": e.label,
                "montant": e.amount,
                "solde_apres": e.balance_after,
            },
        )
    for pay in Payment.objects.filter(user=user).order_by("created_at"):
        yield (
            "paiement",
            {
                "numero": pay.order_number,
                "date": pay.created_at,
                "moyen": pay.get_method_display(),
                "statut": pay.get_status_display(),
                "montant": pay.amount,
            },
        )
    messages_ = Message.objects.filter(thread__parent=user).select_related("thread").order_by("thread_id", "created_at")
    for m in messages_:
        yield (
            "message",
            {
                "fil": m.thread_id,
                "objet": m.thread.get_subject_display(),
                "date": m.created_at,
                "de": _("établissement") if m.from_staff else _("vous"),
                "texte": m.body,
            },
        )
    for n in Notification.objects.filter(user=user).order_by("created_at"):
        yield ("notification", {"date": n.created_at, "texte": n.text, "lue_le": n.read_at})


@login_required
@require_GET
def export_json(request):
    """Every record as JSON, streamed: {"profil": {...}, "enfant": [...], "operation": [...], ...}."""
    encoder = DjangoJSONEncoder(ensure_ascii=False)

    def chunks():
        yield '{"exporte_le": ' + encoder.encode(timezone.now()) + ', "donnees": ['
        first = True
        for section, record in _records(request.user):
            yield ("" if first else ",\n") + encoder.encode({"rubrique": section, **_plain(record)})
            first = False
        yield "]}\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    return response


@login_required
@require_GET
def export_csv(request):
    """The same records as CSV: one line each, "rubrique;champ=valeur;…" for a spreadsheet."""
    rows = (
        [f"{section} {number}", key, "" if value is None else _cell(value)]
        for number, (section, record) in enumerate(_records(request.user), start=1)
        for key, value in _plain(record).items()
    )
    return csv_download("mes-donnees.csv", [_("rubrique"), _("champ"), _("valeur")], rows)


def _plain(record: dict) -> dict:
    return {key: (str(value) if hasattr(value, "_proxy____cast") else value) for key, value in record.items()}


def _cell(value) -> str:
    if not isinstance(value, str):  # numbers, dates and booleans as JSON writes them
        return str(json.loads(DjangoJSONEncoder().encode(value)))
    return text_cell(value)  # a message or a name could carry a formula
