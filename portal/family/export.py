"""Everything held on a family, downloaded by the parent from "Mon profil": JSON or CSV, streamed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import AccountRequest, User
from billing.desk.models import DirectDebitMandate
from billing.models import LedgerEntry, Payment
from canteen.models import AlertSettings, Pupil
from portal.lib.csvfiles import csv_download, text_cell

from .models import Message, Notification


@dataclass
class Scope:
    """Whose data, and which establishments' part of it: all of them for the parent (and a superuser), only
    their own for staff answering a family's request by post (each establishment answers for its own rows)."""

    user: User
    schools: QuerySet | None = None

    @cached_property
    def pupils(self) -> list[Pupil]:
        pupils = Pupil.objects.guarded_by(self.user).select_related("establishment", "wallet").order_by("pk")
        return list(pupils if self.schools is None else pupils.filter(establishment__in=self.schools))

    def of_schools(self, queryset: QuerySet, lookup: str) -> QuerySet:
        return queryset if self.schools is None else queryset.filter(**{f"{lookup}__in": self.schools}).distinct()


def _profile(scope: Scope):
    user = scope.user
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


def _children(scope: Scope):
    for p in scope.pupils:
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


def _requests(scope: Scope):
    requests = AccountRequest.objects.filter(Q(user=scope.user) | Q(email=scope.user.email))
    for r in scope.of_schools(requests, "establishment").select_related("establishment").order_by("created_at"):
        yield (
            "demande",
            {
                "date": r.created_at,
                "etablissement": r.establishment.name,
                "nom": r.last_name,
                "prenom": r.first_name,
                "email": r.email,
                "statut": r.get_status_display(),
            },
        )


def _operations(scope: Scope):
    entries = (
        LedgerEntry.objects.filter(wallet__pupil__in=scope.pupils)
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


def _payments(scope: Scope):
    payments = Payment.objects.filter(user=scope.user)
    if scope.schools is not None:
        payments = payments.filter(allocations__pupil__in=scope.pupils).distinct()
    for pay in payments.order_by("created_at"):
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


def _mandates(scope: Scope):
    mandates = scope.of_schools(DirectDebitMandate.objects.filter(user=scope.user), "establishment")
    for mandate in mandates.order_by("pk"):
        yield (
            "mandat",
            {
                "reference": mandate.reference,
                "iban": mandate.masked_iban,
                "signe_le": mandate.signed_on,
                "mode": mandate.get_mode_display(),
                "actif": mandate.active,
            },
        )


def _messages(scope: Scope):
    messages_ = scope.of_schools(Message.objects.filter(thread__parent=scope.user), "thread__establishment")
    for m in messages_.select_related("thread").order_by("thread_id", "created_at"):
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


def _notifications(scope: Scope):
    if scope.schools is not None:
        return  # a notification may speak of a child at another establishment: the parent's own download has them
    for n in Notification.objects.filter(user=scope.user).order_by("created_at"):
        yield ("notification", {"date": n.created_at, "texte": n.text, "lue_le": n.read_at})


# Each section of the export: a function (scope) -> (section, record) pairs. A new kind of data
# held on a family (a quotient familial, its attestation) adds its function here, and its fields to the register.
SECTIONS = [_profile, _children, _requests, _operations, _payments, _mandates, _messages, _notifications]


def _records(scope: Scope):
    """(section, record) pairs, streamed: operations are read in chunks, never all at once."""
    for section in SECTIONS:
        yield from section(scope)


def json_response(user: User, schools: QuerySet | None = None) -> StreamingHttpResponse:
    encoder = DjangoJSONEncoder(ensure_ascii=False)

    def chunks():
        yield '{"exporte_le": ' + encoder.encode(timezone.now()) + ', "donnees": ['
        first = True
        for section, record in _records(Scope(user, schools)):
            yield ("" if first else ",\n") + encoder.encode({"rubrique": section, **_plain(record)})
            first = False
        yield "]}\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    return response


def csv_response(user: User, schools: QuerySet | None = None):
    rows = (
        [f"{section} {number}", key, "" if value is None else _cell(value)]
        for number, (section, record) in enumerate(_records(Scope(user, schools)), start=1)
        for key, value in _plain(record).items()
    )
    return csv_download("mes-donnees.csv", [_("rubrique"), _("champ"), _("valeur")], rows)


@login_required
@require_GET
def export_json(request):
    """Every record as JSON, streamed: {"profil": {...}, "enfant": [...], "operation": [...], ...}."""
    return json_response(request.user)


@login_required
@require_GET
def export_csv(request):
    """The same records as CSV: one line each, "rubrique;champ=valeur;…" for a spreadsheet."""
    return csv_response(request.user)


def _plain(record: dict) -> dict:
    return {key: (str(value) if hasattr(value, "_proxy____cast") else value) for key, value in record.items()}


def _cell(value) -> str:
    if not isinstance(value, str):  # numbers, dates and booleans as JSON writes them
        return str(json.loads(DjangoJSONEncoder().encode(value)))
    return text_cell(value)  # a message or a name could carry a formula
