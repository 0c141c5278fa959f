"""Everything held on a family, downloaded by the parent from "Mon profil": JSON or CSV, streamed."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

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
from canteen.quotient import FamilyQuotient
from portal.lib.csvfiles import csv_download, text_cell
from portal.lib.localtime import zone, zone_of

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

    @cached_property
    def family_zone(self) -> ZoneInfo:
        """The clock of the family's own records: their first child's school (the default zone without one)."""
        return zone_of(self.pupils[0].establishment) if self.pupils else zone("")


def _at(moment: datetime.datetime | None, zone: ZoneInfo) -> str | None:
    """A moment as the family reads it: on the school's clock, with its offset ("2026-12-04T12:21:00+01:00"),
    so that a spreadsheet shows the time of the canteen and a program still knows the instant."""
    return None if moment is None else timezone.localtime(moment, zone).isoformat(timespec="seconds")


def _profile(scope: Scope):
    user = scope.user
    yield (
        "profil",
        {
            "email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "inscrit_le": _at(user.date_joined, scope.family_zone),
            "derniere_connexion": _at(user.last_login, scope.family_zone),
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
                "date": _at(r.created_at, zone_of(r.establishment)),
                "etablissement": r.establishment.name,
                "nom": r.last_name,
                "prenom": r.first_name,
                "email": r.email,
                "statut": r.get_status_display(),
            },
        )


def _quotients(scope: Scope):
    quotients = scope.of_schools(FamilyQuotient.objects.filter(user=scope.user), "establishment")
    for q in quotients.select_related("establishment").order_by("created_at"):
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
                "declare_le": _at(q.created_at, zone_of(q.establishment)),
            },
        )


def _operations(scope: Scope):
    zones = {p.pk: zone_of(p.establishment) for p in scope.pupils}
    # In the order they were booked, as the ledger computed each balance after: each line's balance is the
    # previous one plus its amount. A meal recorded late by an offline till keeps its own date.
    entries = (
        LedgerEntry.objects.filter(wallet__pupil__in=scope.pupils)
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


def _payments(scope: Scope):
    payments = Payment.objects.filter(user=scope.user)
    if scope.schools is not None:
        payments = payments.filter(allocations__pupil__in=scope.pupils).distinct()
    for pay in payments.order_by("created_at"):
        yield (
            "paiement",
            {
                "numero": pay.order_number,
                "date": _at(pay.created_at, scope.family_zone),
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
                "titulaire": mandate.holder_name,
                "etat": mandate.get_status_display(),
            },
        )


def _messages(scope: Scope):
    messages_ = scope.of_schools(Message.objects.filter(thread__parent=scope.user), "thread__establishment")
    for m in messages_.select_related("thread__establishment").order_by("thread_id", "created_at"):
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


def _notifications(scope: Scope):
    if scope.schools is not None:
        return  # a notification may speak of a child at another establishment: the parent's own download has them
    for n in Notification.objects.filter(user=scope.user).order_by("created_at"):
        yield (
            "notification",
            {
                "date": _at(n.created_at, scope.family_zone),
                "texte": n.text,
                "lue_le": _at(n.read_at, scope.family_zone),
            },
        )


# Each section of the export: a function (scope) -> (section, record) pairs. A new kind of data
# held on a family (a quotient familial, its attestation) adds its function here, and its fields to the register.
SECTIONS = [_profile, _quotients, _children, _requests, _operations, _payments, _mandates, _messages, _notifications]


def _records(scope: Scope):
    """(section, record) pairs, streamed: operations are read in chunks, never all at once."""
    for section in SECTIONS:
        yield from section(scope)


def json_response(user: User, schools: QuerySet | None = None) -> StreamingHttpResponse:
    encoder = DjangoJSONEncoder(ensure_ascii=False)

    scope = Scope(user, schools)

    def chunks():
        yield '{"exporte_le": ' + encoder.encode(_at(timezone.now(), scope.family_zone)) + ', "donnees": ['
        first = True
        for section, record in _records(scope):
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
