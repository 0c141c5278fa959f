"""Everything held on a family, downloaded by the parent from "Mon profil": JSON or CSV, streamed."""

from __future__ import annotations

import datetime
import json
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from billing.models import LedgerEntry, Payment
from canteen.models import AlertSettings, Pupil
from portal.lib.csvfiles import csv_download, text_cell
from portal.lib.localtime import zone, zone_of

from .models import Message, Notification

# Everything held on the family: the login, the children, their operations, payments, messages, notifications.


def _family(user: User):
    pupils = list(Pupil.objects.guarded_by(user).select_related("establishment", "wallet").order_by("pk"))
    return pupils


def _at(moment: datetime.datetime | None, zone: ZoneInfo) -> str | None:
    """A moment as the family reads it: on the school's clock, with its offset ("2026-12-04T12:21:00+01:00"),
    so that a spreadsheet shows the time of the canteen and a program still knows the instant."""
    return None if moment is None else timezone.localtime(moment, zone).isoformat(timespec="seconds")


def _records(user: User):
    """(section, record) pairs, streamed: operations are read in chunks, never all at once. Times are on the
    clock of the child's school (the first child's for the family's own records)."""
    pupils = _family(user)
    family_zone = zone_of(pupils[0].establishment) if pupils else zone("")
    yield (
        "profil",
        {
            "email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "inscrit_le": _at(user.date_joined, family_zone),
            "derniere_connexion": _at(user.last_login, family_zone),
        },
    )
    alert = AlertSettings.objects.filter(user=user).first()
    yield (
        "alerte",
        {"active": alert.enabled if alert else True, "seuil": alert.threshold if alert else None},
    )
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
    zones = {p.pk: zone_of(p.establishment) for p in pupils}
    # In the order they were booked, as the ledger computed each balance after: each line's balance is the
    # previous one plus its amount. A meal recorded late by an offline till keeps its own date.
    entries = (
        LedgerEntry.objects.filter(wallet__pupil__in=pupils)
        .select_related("wallet__pupil")
        .order_by("wallet__pupil_id", "id")
    )
    for e in entries.iterator(chunk_size=2000):
        pupil_zone = zones[e.wallet.pupil_id]
        yield (
            "operation",
            {
                "enfant": e.wallet.pupil.first_name,
                "date": _at(e.occurred_at, pupil_zone),
                "enregistree_le": _at(e.recorded_at, pupil_zone),
                "detail": e.label,
                "montant": e.amount,
                "solde_apres": e.balance_after,
                "motif": e.note,
            },
        )
    for pay in Payment.objects.filter(user=user).order_by("created_at"):
        yield (
            "paiement",
            {
                "numero": pay.order_number,
                "date": _at(pay.created_at, family_zone),
                "moyen": pay.get_method_display(),
                "statut": pay.get_status_display(),
                "montant": pay.amount,
            },
        )
    messages_ = (
        Message.objects.filter(thread__parent=user)
        .select_related("thread__establishment")
        .order_by("thread_id", "created_at")
    )
    for m in messages_:
        yield (
            "message",
            {
                "fil": m.thread_id,
                "objet": m.thread.get_subject_display(),
                "date": _at(m.created_at, zone_of(m.thread.establishment)),
                "de": _("établissement") if m.from_staff else _("vous"),
                "texte": m.body,
            },
        )
    for n in Notification.objects.filter(user=user).order_by("created_at"):
        yield (
            "notification",
            {"date": _at(n.created_at, family_zone), "texte": n.text, "lue_le": _at(n.read_at, family_zone)},
        )


@login_required
@require_GET
def export_json(request):
    """Every record as JSON, streamed: {"profil": {...}, "enfant": [...], "operation": [...], ...}."""
    encoder = DjangoJSONEncoder(ensure_ascii=False)

    def chunks():
        pupils = _family(request.user)
        now = _at(timezone.now(), zone_of(pupils[0].establishment) if pupils else zone(""))
        yield '{"exporte_le": ' + encoder.encode(now) + ', "donnees": ['
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
